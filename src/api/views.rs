//! The JSON shapes of the records, as the API answers them and the webhook sends
//! them: times in ISO 8601, durations in whole seconds, and what live state knows
//! (online, in session) over what the records last said.

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use utoipa::ToSchema;

use super::user_agent;
use crate::store::{AgentRecord, Metadata, Millis, SessionRecord, VisitorRecord};

/// A time as ISO 8601 in UTC with milliseconds, as JavaScript's `toISOString` writes
/// it: `2026-11-23T17:01:49.700Z`.
pub fn iso8601(at: Millis) -> String {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(at) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_default()
}

/// Reads an ISO 8601 time (RFC 3339) into [`Millis`].
pub fn parse_iso8601(text: &str) -> Option<Millis> {
    let at = OffsetDateTime::parse(text, &Rfc3339).ok()?;
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).ok()
}

/// A visitor.
#[derive(Serialize, ToSchema)]
pub struct VisitorView {
    /// Tandem's id of the visitor.
    pub short_id: String,
    /// The integrator's own id.
    pub unique_id: Option<String>,
    /// Four digits the visitor can read out; unique among online visitors.
    #[schema(pattern = "^[0-9]{4}$")]
    pub lookup_code: String,
    /// Names and emails the integrator attached.
    pub identities: Vec<String>,
    /// Tags the integrator attached.
    pub tags: Vec<String>,
    /// Metadata the integrator attached.
    #[schema(value_type = Object)]
    pub metadata: Metadata,
    /// Where the visitor's browser connects from.
    pub ip_address: Option<String>,
    /// Browser family, e.g. `Chrome`, from the user agent.
    pub browser_name: Option<String>,
    /// `desktop`, `mobile` or `tablet`, from the user agent.
    pub device_type: Option<String>,
    /// The browser's `User-Agent`.
    pub user_agent: Option<String>,
    /// The real URL of the page the visitor is on (or was on last).
    pub url: Option<String>,
    /// When the proxy session was created.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// When the visitor's browser was last connected.
    #[schema(format = DateTime)]
    pub last_seen_at: Option<String>,
    /// Whether the visitor has a page open now.
    pub is_online: bool,
    /// Whether an agent is co-browsing with the visitor now.
    pub is_in_session: bool,
    /// The visitor's last 50 sessions, newest first.
    pub sessions: Vec<SessionView>,
}

impl VisitorView {
    /// The view of `record`, with live state and its sessions.
    pub fn new(record: VisitorRecord, is_online: bool, is_in_session: bool, sessions: &[SessionRecord]) -> Self {
        let presence = record.presence;
        let user_agent = presence.user_agent;
        VisitorView {
            short_id: record.short_id,
            unique_id: record.unique_id,
            lookup_code: record.lookup_code,
            identities: record.identities,
            tags: record.tags,
            metadata: record.metadata,
            ip_address: presence.ip_address,
            browser_name: user_agent.as_deref().map(|ua| user_agent::browser_name(ua).to_owned()),
            device_type: user_agent.as_deref().map(|ua| user_agent::device_type(ua).to_owned()),
            user_agent,
            url: presence.url,
            created_at: iso8601(record.created_at),
            last_seen_at: presence.last_seen_at.map(iso8601),
            is_online,
            is_in_session,
            sessions: sessions.iter().map(SessionView::new).collect(),
        }
    }
}

/// One agent's stay in a session.
#[derive(Serialize, ToSchema)]
pub struct AgentVisitView {
    /// The integrator's id of the agent.
    pub id: String,
    /// Its name.
    pub name: Option<String>,
    /// When it joined.
    #[schema(format = DateTime)]
    pub joined_at: String,
    /// When it left; `null` while it watches.
    #[schema(format = DateTime)]
    pub left_at: Option<String>,
}

/// A co-browsing session.
#[derive(Serialize, ToSchema)]
pub struct SessionView {
    /// `s_` and 16 characters.
    pub id: String,
    /// The visitor's short id.
    pub visitor_id: String,
    /// Every agent's stays, in order of joining.
    pub agents: Vec<AgentVisitView>,
    /// When the first agent joined.
    #[schema(format = DateTime)]
    pub started_at: String,
    /// When it ended; `null` while ongoing.
    #[schema(format = DateTime)]
    pub ended_at: Option<String>,
    /// Seconds from start to end (or to now while ongoing).
    pub duration: u64,
    /// Whether it is still going on.
    pub is_ongoing: bool,
    /// `agents_left`, `agent`, `visitor` or `api`; `null` while ongoing.
    pub end_reason: Option<String>,
    /// The metadata of the watch links that joined it.
    #[schema(value_type = Object)]
    pub metadata: Metadata,
    /// The agents' notes.
    pub notes: Option<String>,
    /// The real URL the visitor was on when it started.
    pub url: Option<String>,
    /// Last change to the record.
    #[schema(format = DateTime)]
    pub updated_at: String,
}

impl SessionView {
    /// The view of `record`.
    pub fn new(record: &SessionRecord) -> Self {
        let end = record.ended_at.unwrap_or_else(crate::live::now_millis);
        SessionView {
            id: record.id.clone(),
            visitor_id: record.visitor_id.clone(),
            agents: record
                .agents
                .iter()
                .map(|a| AgentVisitView {
                    id: a.agent_id.clone(),
                    name: a.name.clone(),
                    joined_at: iso8601(a.joined_at),
                    left_at: a.left_at.map(iso8601),
                })
                .collect(),
            started_at: iso8601(record.started_at),
            ended_at: record.ended_at.map(iso8601),
            duration: u64::try_from((end - record.started_at) / 1000).unwrap_or(0),
            is_ongoing: record.ended_at.is_none(),
            end_reason: record.end_reason.clone(),
            metadata: record.metadata.clone(),
            notes: record.notes.clone(),
            url: record.start_url.clone(),
            updated_at: iso8601(record.updated_at),
        }
    }
}

/// The webhook's body: the session as the API shows it.
pub fn session_view(record: &SessionRecord) -> serde_json::Value {
    serde_json::to_value(SessionView::new(record)).unwrap_or_default()
}

/// An agent.
#[derive(Serialize, ToSchema)]
pub struct AgentView {
    /// The integrator's id of the agent.
    pub id: String,
    /// The name it last came with.
    pub name: Option<String>,
    /// When it first joined a session.
    #[schema(format = DateTime)]
    pub first_seen_at: String,
    /// When it last joined a session.
    #[schema(format = DateTime)]
    pub last_seen_at: String,
    /// Its last 10 sessions, newest first.
    pub sessions: Vec<SessionView>,
}

impl AgentView {
    /// The view of `record` with its sessions.
    pub fn new(record: AgentRecord, sessions: &[SessionRecord]) -> Self {
        AgentView {
            id: record.id,
            name: record.name,
            first_seen_at: iso8601(record.first_seen_at),
            last_seen_at: iso8601(record.last_seen_at),
            sessions: sessions.iter().map(SessionView::new).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_iso8601_in_utc_and_read_back() {
        assert_eq!(iso8601(1_641_924_109_700), "2022-01-11T18:01:49.700Z");
        assert_eq!(parse_iso8601("2022-01-11T18:01:49.700Z"), Some(1_641_924_109_700));
        assert_eq!(parse_iso8601("2022-01-11T19:01:49.700+01:00"), Some(1_641_924_109_700));
        assert_eq!(parse_iso8601("yesterday"), None);
    }
}

//! The records Tandem keeps: visitors, the proxy sessions that bind their browsers,
//! watch links, co-browsing sessions and the agents who joined them. Times are Unix
//! milliseconds ([`Millis`]); the API turns them into ISO 8601.

use serde::{Deserialize, Serialize};

/// Characters of random ids: lower case and digits without look-alikes (0/o, 1/l).
const ID_ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";

/// A random id of `len` characters (5 bits each), for ids that must not be guessable.
pub fn random_id(len: usize) -> String {
    crate::origin::binding::random_chars(ID_ALPHABET, len)
}

/// Unix time in milliseconds.
pub type Millis = i64;

/// A flat JSON object of strings, numbers and booleans (metadata of visitors and sessions).
pub type Metadata = serde_json::Map<String, serde_json::Value>;

/// A visitor: created with its proxy session, updated as its browser comes and goes.
#[derive(Clone, Debug, PartialEq)]
pub struct VisitorRecord {
    /// Tandem's id of the visitor (short, random, not enumerable).
    pub short_id: String,
    /// The integrator's own id, if it gave one.
    pub unique_id: Option<String>,
    /// Four digits a visitor can read out on the phone; unique among online visitors.
    pub lookup_code: String,
    /// Names, emails and the like the integrator attached, searched by free text and email.
    pub identities: Vec<String>,
    /// Tags the integrator attached, searched with `#tag`.
    pub tags: Vec<String>,
    /// Free metadata the integrator attached.
    pub metadata: Metadata,
    /// When the proxy session was created.
    pub created_at: Millis,
    /// What the proxy learned of the visitor's browser.
    pub presence: Presence,
    /// Whether the visitor's browser is connected now (reflects the live state).
    pub is_online: bool,
    /// Whether an agent is co-browsing with the visitor now (reflects the live state).
    pub is_in_session: bool,
}

/// What the proxy learns as the visitor browses.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Presence {
    /// The address the browser connected from.
    pub ip_address: Option<String>,
    /// The browser's `User-Agent`.
    pub user_agent: Option<String>,
    /// The real URL of the page the visitor is on.
    pub url: Option<String>,
    /// When the browser was last connected.
    pub last_seen_at: Option<Millis>,
}

/// One search of the visitor list: every term must match (`GET /v1.3/list`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VisitorQuery {
    /// Free-text words, each matched case-insensitively against the short id, unique id,
    /// identities, tags and current URL.
    pub words: Vec<String>,
    /// Emails, each matching an identity exactly (case-insensitively).
    pub emails: Vec<String>,
    /// `id:UNIQUE`: the integrator's id, exactly.
    pub unique_ids: Vec<String>,
    /// A four-digit lookup code.
    pub lookup_codes: Vec<String>,
    /// `online` (`Some(true)`) or `-online` (`Some(false)`).
    pub online: Option<bool>,
    /// `ip:ADDR`: the visitor's address, exactly.
    pub ip_addresses: Vec<String>,
    /// `#tag`: a tag, case-insensitively.
    pub tags: Vec<String>,
}

/// What ties a visitor's browser to its proxy session; kept so that a restart does not
/// log every visitor out of the co-browsing session or of the sites they were on.
#[derive(Clone, Debug, PartialEq)]
pub struct ProxySessionRecord {
    /// The session id written in every label.
    pub id: String,
    /// The visitor's short id.
    pub visitor_id: String,
    /// The secret of the binding cookie.
    pub binding_token: String,
    /// The entry token while unused.
    pub entry_token: Option<String>,
    /// The page the visitor lands on first.
    pub initial_url: String,
    /// When it was created.
    pub created_at: Millis,
    /// The server-side cookie jar, as JSON (`None` until it was first saved).
    pub jar: Option<String>,
    /// Hashed fallback labels handed out so far, as JSON (label → origin).
    pub fallback_labels: Option<String>,
    /// Whether the visitor is asked before an agent sees the page.
    pub require_consent: bool,
    /// Names of masked fields whose values pages mask in addresses, as a JSON array.
    pub masked_params: Option<String>,
}

/// Who an agent (or a viewer watching in an agent's place) is, as the integrator named them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentRef {
    /// The integrator's id of the agent.
    pub id: String,
    /// A display name.
    pub name: Option<String>,
}

/// A watch link: what the integrator asked for, and whether it has been redeemed.
#[derive(Clone, Debug, PartialEq)]
pub struct WatchLinkRecord {
    /// Random id, also in the signed token.
    pub id: String,
    /// The visitor to watch.
    pub visitor_id: String,
    /// Everything the agent's credential carries, as the integrator gave it.
    pub grant: WatchGrant,
    /// When it was issued.
    pub created_at: Millis,
    /// After this the token is refused.
    pub expires_at: Millis,
    /// When it was exchanged for an agent credential (once only).
    pub redeemed_at: Option<Millis>,
    /// SHA-256 of the agent credential it was exchanged for, hex.
    pub credential_hash: Option<String>,
    /// The co-browsing session the agent joined with it.
    pub session_id: Option<String>,
}

/// The watch link's options, stored as one JSON document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WatchGrant {
    /// The agent who is to watch.
    pub agent: AgentRef,
    /// Someone watching in the agent's place.
    pub viewer: Option<AgentRef>,
    /// What the agent may do.
    pub permissions: serde_json::Value,
    /// How the viewer page looks.
    pub branding: serde_json::Value,
    /// Copied into the session record.
    pub metadata: Metadata,
    /// Called with the session record when the session ends.
    pub webhook_url: Option<String>,
    /// Starting state of the agent's notes.
    pub initial_notes: Option<String>,
    /// Language of the viewer's interface.
    pub language: Option<String>,
}

/// One agent's stay in a co-browsing session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentVisit {
    /// The integrator's id of the agent.
    pub agent_id: String,
    /// Its display name.
    pub name: Option<String>,
    /// When it joined.
    pub joined_at: Millis,
    /// When it left, if it has.
    pub left_at: Option<Millis>,
}

/// A co-browsing session: from the first agent's arrival to its end.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionRecord {
    /// `s_` and random characters.
    pub id: String,
    /// The visitor's short id.
    pub visitor_id: String,
    /// Every agent's visits, in order of joining.
    pub agents: Vec<AgentVisit>,
    /// When the first agent joined.
    pub started_at: Millis,
    /// When it ended; `None` while ongoing.
    pub ended_at: Option<Millis>,
    /// Why it ended: `agents_left`, `visitor`, `api`.
    pub end_reason: Option<String>,
    /// The metadata of the watch links that joined it, merged.
    pub metadata: Metadata,
    /// The agents' notes.
    pub notes: Option<String>,
    /// The real URL the visitor was on when it started.
    pub start_url: Option<String>,
    /// Last change to the record.
    pub updated_at: Millis,
}

/// A page of `GET /v1.3/cobrowsing_sessions/list`, ordered by start.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SessionQuery {
    /// Only sessions that started before this one.
    pub before_id: Option<String>,
    /// Only sessions that started after this one.
    pub after_id: Option<String>,
    /// Only sessions not ended.
    pub ongoing_only: bool,
    /// Only sessions whose record changed after this time.
    pub updated_after: Option<Millis>,
    /// At most this many.
    pub limit: usize,
}

/// An agent as the records know it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgentRecord {
    /// The integrator's id of the agent.
    pub id: String,
    /// The name it last came with.
    pub name: Option<String>,
    /// When it first joined a session.
    pub first_seen_at: Millis,
    /// When it last joined a session.
    pub last_seen_at: Millis,
}

/// The counters of `GET /v1.3/usage`, computed from the records at `now`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Usage {
    /// Distinct agents who joined a session in the last 24 hours.
    pub agents_today: u64,
    /// Distinct agents who joined a session in the last 30 days.
    pub agents_last_30_days: u64,
    /// Sessions started in the last 24 hours.
    pub sessions_today: u64,
    /// Sessions started in the last 30 days.
    pub sessions_last_30_days: u64,
    /// Sessions not ended.
    pub sessions_now: u64,
    /// Seconds of sessions within the last 24 hours.
    pub session_seconds_today: u64,
    /// Seconds of sessions within the last 30 days.
    pub session_seconds_last_30_days: u64,
    /// Visitors seen (or created) in the last 24 hours.
    pub visitors_last_24_hrs: u64,
    /// Visitors online now.
    pub visitors_online_now: u64,
}

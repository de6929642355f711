//! Co-browsing sessions as they happen: one starts when the first agent joins the
//! visitor, agents come and go, and it ends when the last agent has been gone for the
//! grace period, when the visitor or an agent ends it, or when the API stops it. At the
//! end every agent's socket is told, the record is closed and the webhooks go out.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::watch;

use super::consent::Consent;
use super::{Live, now_millis};
use crate::store::{AgentVisit, Millis, SessionRecord, StoreError, WatchLinkRecord, random_id};

/// Characters after `s_` in a session id.
const SESSION_ID_LEN: usize = 16;

/// Why a session ended, as its record says.
pub const END_AGENTS_LEFT: &str = "agents_left";
/// The visitor ended it.
pub const END_VISITOR: &str = "visitor";
/// An agent ended it.
pub const END_AGENT: &str = "agent";
/// The API stopped it.
pub const END_API: &str = "api";

/// An ongoing session.
pub struct SessionLive {
    record: SessionRecord,
    /// Watch link id → that agent's open viewer connections and its visit in the record.
    links: HashMap<String, LinkPresence>,
    /// Bumped whenever the last agent leaves or one comes back (see `Live::visitors`).
    generation: u64,
    ended: watch::Sender<Option<&'static str>>,
    /// Ticks when the visitor's page, browser or presence changes.
    visitor: watch::Sender<()>,
    /// Whether the visitor let the agents see its page.
    pub(super) consent: Consent,
}

impl SessionLive {
    fn new(record: SessionRecord) -> Self {
        SessionLive {
            record,
            links: HashMap::new(),
            generation: 0,
            ended: watch::channel(None).0,
            visitor: watch::channel(()).0,
            consent: Consent::default(),
        }
    }
}

struct LinkPresence {
    connections: usize,
    visit: usize,
}

/// Why an agent may not join.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum JoinRefused {
    /// The session this watch link joined is over.
    #[error("this co-browsing session has ended")]
    SessionEnded,
}

/// An agent's viewer connection; leaving is dropping it.
pub struct AgentConnection {
    live: Arc<Live>,
    visitor_id: String,
    link_id: String,
    /// The session joined.
    pub session_id: String,
    /// Becomes `Some(reason)` when the session ends.
    pub ended: watch::Receiver<Option<&'static str>>,
    /// Changes when the visitor moves, leaves or comes back.
    pub visitor: watch::Receiver<()>,
}

impl Drop for AgentConnection {
    fn drop(&mut self) {
        self.live.agent_left(&self.visitor_id, &self.link_id, &self.session_id);
    }
}

impl Live {
    /// Rebuilds live state after a start: nobody is online until their browser
    /// reconnects, and sessions that were ongoing wait the grace period for an agent.
    pub fn restore(self: &Arc<Self>) -> Result<(), StoreError> {
        self.store.mark_all_offline()?;
        for record in self.store.ongoing_sessions()? {
            let visitor_id = record.visitor_id.clone();
            self.store.set_in_session(&visitor_id, true)?;
            let session = SessionLive::new(record);
            self.sessions.insert(visitor_id.clone(), session);
            self.end_after_grace(visitor_id, 0);
        }
        Ok(())
    }

    /// Whether the visitor is in a co-browsing session now.
    pub fn is_in_session(&self, visitor_id: &str) -> bool {
        self.sessions.contains_key(visitor_id)
    }

    /// The id of the visitor's ongoing session.
    pub fn ongoing_id(&self, visitor_id: &str) -> Option<String> {
        self.sessions.get(visitor_id).map(|s| s.record.id.clone())
    }

    /// Tells the agents that the visitor changed; never with a `visitors` entry held.
    pub(super) fn tell_agents(&self, visitor_id: &str) {
        if let Some(session) = self.sessions.get(visitor_id) {
            session.visitor.send_replace(());
        }
    }

    /// How many sessions are ongoing.
    pub fn ongoing_count(&self) -> usize {
        self.sessions.len()
    }

    /// How many agents have a viewer open, in all sessions: an agent back through
    /// another link, or with two viewers open, counts once.
    pub fn agent_count(&self) -> usize {
        self.sessions
            .iter()
            .map(|session| {
                let mut visits: Vec<usize> =
                    session.links.values().filter(|l| l.connections > 0).map(|l| l.visit).collect();
                visits.sort_unstable();
                visits.dedup();
                visits.len()
            })
            .sum()
    }

    /// The agent of `link` opened its viewer: joins the visitor's ongoing session, or
    /// starts one.
    pub fn agent_joined(self: &Arc<Self>, link: &WatchLinkRecord) -> Result<AgentConnection, JoinRefused> {
        let now = now_millis();
        let mut started = false;
        let mut entry = match &link.session_id {
            // A link joins once: back to its own session while that goes on, never to a later one.
            Some(joined) => match self.sessions.get_mut(&link.visitor_id) {
                Some(session) if session.record.id == *joined => session,
                _ => return Err(JoinRefused::SessionEnded),
            },
            None => self.sessions.entry(link.visitor_id.clone()).or_insert_with(|| {
                started = true;
                self.new_session(link, now)
            }),
        };
        let session = &mut *entry;
        let record = &mut session.record;
        let presence = session.links.entry(link.id.clone()).or_insert_with(|| {
            // The agent's visit goes on when it comes back through another link, or
            // after a restart of Tandem (which forgets which link was whose).
            let agent_id = &link.grant.agent.id;
            let visit = match record.agents.iter().rposition(|v| v.agent_id == *agent_id) {
                Some(visit) => visit,
                None => {
                    record.agents.push(AgentVisit {
                        agent_id: agent_id.clone(),
                        name: link.grant.agent.name.clone(),
                        joined_at: now,
                        left_at: None,
                    });
                    record.agents.len() - 1
                }
            };
            if !started {
                merge_grant(record, link);
            }
            LinkPresence { connections: 0, visit }
        });
        presence.connections += 1;
        // An agent back from a dropped connection continues its visit.
        record.agents[presence.visit].left_at = None;
        record.updated_at = now;
        session.generation += 1;
        let (ended, visitor) = (session.ended.subscribe(), session.visitor.subscribe());
        let (record, session_id) = (record.clone(), session.record.id.clone());
        let (link_id, agent) = (link.id.clone(), link.grant.agent.clone());
        drop(entry);
        self.writer.write("agent joined", move |s| {
            if started {
                s.insert_session(&record)?;
                s.set_in_session(&record.visitor_id, true)?;
            } else {
                s.update_session(&record)?;
            }
            s.set_watch_link_session(&link_id, &record.id)?;
            s.touch_agent(&agent, now)
        });
        if started {
            self.tell_visitor_started(&link.visitor_id);
            tracing::info!(session = %session_id, visitor = %link.visitor_id, "co-browsing session started");
        }
        Ok(AgentConnection {
            live: self.clone(),
            visitor_id: link.visitor_id.clone(),
            link_id: link.id.clone(),
            session_id,
            ended,
            visitor,
        })
    }

    fn new_session(&self, link: &WatchLinkRecord, now: Millis) -> SessionLive {
        let mut record = SessionRecord {
            id: new_session_id(),
            visitor_id: link.visitor_id.clone(),
            agents: Vec::new(),
            started_at: now,
            ended_at: None,
            end_reason: None,
            metadata: Default::default(),
            notes: None,
            start_url: self.presence(&link.visitor_id).and_then(|p| p.url),
            updated_at: now,
        };
        merge_grant(&mut record, link);
        SessionLive::new(record)
    }

    fn agent_left(self: &Arc<Self>, visitor_id: &str, link_id: &str, session_id: &str) {
        let Some(mut session) = self.sessions.get_mut(visitor_id) else { return };
        if session.record.id != session_id {
            return;
        }
        let now = now_millis();
        let session = &mut *session;
        let Some(presence) = session.links.get_mut(link_id) else { return };
        presence.connections = presence.connections.saturating_sub(1);
        if presence.connections > 0 {
            return;
        }
        let visit = presence.visit;
        if session.links.values().any(|l| l.visit == visit && l.connections > 0) {
            return;
        }
        session.record.agents[visit].left_at = Some(now);
        session.record.updated_at = now;
        let record = session.record.clone();
        self.writer.write("agent left", move |s| s.update_session(&record));
        if session.links.values().all(|l| l.connections == 0) {
            session.generation += 1;
            self.end_after_grace(visitor_id.to_owned(), session.generation);
        }
    }

    fn end_after_grace(self: &Arc<Self>, visitor_id: String, generation: u64) {
        let live = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(live.settings.session_grace).await;
            let Some((_, session)) = live.sessions.remove_if(&visitor_id, |_, s| {
                s.generation == generation && s.links.values().all(|l| l.connections == 0)
            }) else {
                return;
            };
            // The session ended when the last agent left, not when we stopped waiting.
            let last_left = session.record.agents.iter().filter_map(|a| a.left_at).max();
            live.close(session, END_AGENTS_LEFT, last_left.unwrap_or_else(now_millis));
        });
    }

    /// Ends the visitor's ongoing session now, for everyone; whether there was one.
    pub fn end_session(&self, visitor_id: &str, reason: &'static str) -> bool {
        match self.sessions.remove(visitor_id) {
            Some((_, session)) => {
                self.close(session, reason, now_millis());
                true
            }
            None => false,
        }
    }

    /// Closes the record of a session already out of the map, tells everyone, and
    /// sends the webhooks once the record is written.
    fn close(&self, mut session: SessionLive, reason: &'static str, at: Millis) {
        let record = &mut session.record;
        record.ended_at = Some(at);
        record.end_reason = Some(reason.to_owned());
        record.updated_at = now_millis();
        record.agents.iter_mut().filter(|v| v.left_at.is_none()).for_each(|v| v.left_at = Some(at));
        session.ended.send_replace(Some(reason));
        let told = serde_json::json!({"type": "session", "state": "ended", "reason": reason});
        self.tell_visitor(&record.visitor_id, told);
        // Nothing of the ended session may be shown to a later one.
        if let Some(mirror) = self.mirrors.get(&record.visitor_id) {
            mirror.clear();
        }
        tracing::info!(session = %record.id, visitor = %record.visitor_id, reason, "co-browsing session ended");
        let record = session.record;
        let webhooks = self.webhooks.clone();
        // Deliveries are tasks of the runtime; the writer's thread is not one of its own.
        let runtime = tokio::runtime::Handle::current();
        self.writer.write("session ended", move |s| {
            let _in_runtime = runtime.enter();
            s.update_session(&record)?;
            s.set_in_session(&record.visitor_id, false)?;
            let payload = crate::api::views::session_view(&record);
            let links = s.watch_links_of_session(&record.id)?;
            for url in links.into_iter().filter_map(|l| l.grant.webhook_url.and_then(|u| url::Url::parse(&u).ok())) {
                webhooks.deliver(url, payload.clone());
            }
            Ok(())
        });
    }
}

/// Adds a watch link's metadata and initial notes to a session it joins.
fn merge_grant(record: &mut SessionRecord, link: &WatchLinkRecord) {
    record.metadata.extend(link.grant.metadata.clone());
    if record.notes.is_none() {
        record.notes = link.grant.initial_notes.clone();
    }
}

fn new_session_id() -> String {
    format!("s_{}", random_id(SESSION_ID_LEN))
}

//! The agents watching one visitor's mirror: each with its own queue and cursor colour,
//! and the `agents` message that tells the visitor's pages and the other agents who
//! watches now.

use std::sync::Arc;

use tokio::sync::{Notify, mpsc};

use super::{AGENT_QUEUE, AgentFeed, AgentTap, AgentTapHandle, Mirror, State};

/// Colours of the agents' cursors, given in this order to the agents of a session.
const AGENT_COLORS: [&str; 8] =
    ["#2563eb", "#db2777", "#16a34a", "#ea580c", "#7c3aed", "#0891b2", "#ca8a04", "#dc2626"];

/// Who an agent is, as the visitor's page and the other agents see it.
#[derive(Clone, Debug)]
pub struct AgentInfo {
    /// The integrator's id of the agent.
    pub agent_id: String,
    /// Its display name.
    pub name: Option<String>,
    /// Its watch link's permissions.
    pub permissions: serde_json::Value,
}

impl Mirror {
    /// An agent starts watching: its queue begins with the current chain. Without a
    /// chain, the visitor's pages are asked for a snapshot.
    /// Everyone is told who watches now.
    pub fn add_agent(&self, id: u64, info: AgentInfo) -> AgentTapHandle {
        let (queue, receiver) = mpsc::channel(AGENT_QUEUE);
        let lagged = Arc::new(Notify::new());
        let mut state = self.state();
        // The same agent (another link, another tab) keeps its colour; a new one gets the first free.
        let same = state.agents.iter().find(|a| a.info.agent_id == info.agent_id).map(|a| a.color);
        let free = || AGENT_COLORS.into_iter().find(|c| state.agents.iter().all(|a| a.color != *c));
        let color = same.or_else(free).unwrap_or(AGENT_COLORS[state.agents.len() % AGENT_COLORS.len()]);
        // Marked lagging: it catches up from the chain first, like an agent that fell behind.
        state.agents.push(AgentTap { id, info, color, queue, lagging: true, wake: lagged.clone() });
        lagged.notify_one();
        state.tell_who_watches();
        AgentTapHandle { id, color, queue: receiver, lagged }
    }

    /// An agent stopped watching; everyone is told who watches now.
    pub fn remove_agent(&self, id: u64) {
        let mut state = self.state();
        state.agents.retain(|a| a.id != id);
        state.tell_who_watches();
    }

    /// Sends a message to the sockets of the agent with the integrator's id `agent_id`.
    pub fn tell_agent(&self, agent_id: &str, message: Arc<str>) {
        for agent in self.state().agents.iter().filter(|a| a.info.agent_id == agent_id) {
            let _ = agent.queue.try_send(AgentFeed::Text(message.clone()));
        }
    }

    /// Sends a message to every agent's socket.
    pub fn tell_agents(&self, message: Arc<str>) {
        for agent in &self.state().agents {
            let _ = agent.queue.try_send(AgentFeed::Text(message.clone()));
        }
    }
}

impl State {
    /// The `agents` message: each agent once, with its colour and permissions.
    pub(super) fn who_watches(&self) -> Arc<str> {
        let mut agents: Vec<serde_json::Value> = Vec::new();
        for tap in &self.agents {
            if agents.iter().all(|a| a["id"] != tap.info.agent_id.as_str()) {
                agents.push(serde_json::json!({
                    "id": tap.info.agent_id,
                    "name": tap.info.name,
                    "color": tap.color,
                    "permissions": tap.info.permissions,
                }));
            }
        }
        Arc::from(serde_json::json!({"type": "agents", "agents": agents}).to_string())
    }

    pub(super) fn tell_who_watches(&self) {
        let message = self.who_watches();
        for page in &self.pages {
            let _ = page.queue.try_send(message.clone());
        }
        for agent in &self.agents {
            let _ = agent.queue.try_send(AgentFeed::Text(message.clone()));
        }
    }
}

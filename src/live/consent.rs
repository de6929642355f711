//! The visitor's consent, in sessions whose proxy session asks for it
//! (`require_consent`): until the visitor allows, its pages record nothing, the relay
//! drops any frame they send anyway and refuses every agent's action; after a decline
//! that stays so for the rest of the session. Agents are told where the question stands.
//!
//! Whether a session asks is a setting of the visitor's proxy session, which its pages'
//! sockets know; the answer belongs to the co-browsing session and is forgotten with it.

use std::sync::Arc;

use super::Live;

/// Where the visitor's consent stands in one co-browsing session.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) enum Consent {
    /// No page of the visitor's has been told of the session yet (or none needs asking).
    #[default]
    Unasked,
    /// A page shows the prompt.
    Asked,
    /// The visitor allowed.
    Granted,
    /// The visitor declined.
    Declined,
}

impl Consent {
    /// How agents' viewers name it (`consent {state}`); nothing before anyone is asked.
    fn state(self) -> Option<&'static str> {
        match self {
            Consent::Unasked => None,
            Consent::Asked => Some("asked"),
            Consent::Granted => Some("granted"),
            Consent::Declined => Some("declined"),
        }
    }
}

/// What a page of the visitor's is to do in an ongoing session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Sharing {
    /// Record and send the mirror.
    Capture,
    /// Ask (the visitor's panel shows the prompt) and record nothing yet.
    Ask,
    /// The visitor declined: record nothing, show nothing.
    Declined,
}

impl Sharing {
    /// The fields of `hello` and `session started` that tell the page
    /// (`capture`, `ask_consent`, `consent`).
    pub(super) fn fill(self, message: &mut serde_json::Value) {
        message["capture"] = (self == Sharing::Capture).into();
        message["ask_consent"] = (self == Sharing::Ask).into();
        if self == Sharing::Declined {
            message["consent"] = "declined".into();
        }
    }
}

impl Live {
    /// What the visitor's pages are to do in its ongoing session now (`None` without
    /// one), for pages whose proxy session `requires` consent or not; the first page
    /// told to ask makes the question asked, and the agents hear it.
    pub(super) fn sharing(&self, visitor_id: &str, requires: bool) -> Option<Sharing> {
        let mut session = self.sessions.get_mut(visitor_id)?;
        if !requires {
            return Some(Sharing::Capture);
        }
        let sharing = match session.consent {
            Consent::Granted => Sharing::Capture,
            Consent::Declined => Sharing::Declined,
            Consent::Unasked | Consent::Asked => Sharing::Ask,
        };
        let newly_asked = session.consent == Consent::Unasked;
        if newly_asked {
            session.consent = Consent::Asked;
        }
        drop(session);
        if newly_asked {
            self.tell_agents_consent(visitor_id, Consent::Asked);
        }
        Some(sharing)
    }

    /// Sets the fields of a `hello` that tell a page (or a panel) whose proxy session
    /// `requires` consent or not what to do now: `in_session`, then as [`Sharing::fill`].
    pub(super) fn tell_sharing(&self, visitor_id: &str, requires: bool, hello: &mut serde_json::Value) {
        let sharing = self.sharing(visitor_id, requires);
        hello["in_session"] = sharing.is_some().into();
        hello["capture"] = false.into();
        hello["ask_consent"] = false.into();
        if let Some(sharing) = sharing {
            sharing.fill(hello);
        }
    }

    /// Tells the visitor's open pages and panels that a session started, and what to do in it.
    pub(super) fn tell_visitor_started(&self, visitor_id: &str) {
        let Some(requires) = self.visitors.get(visitor_id).map(|v| v.requires_consent) else { return };
        let Some(sharing) = self.sharing(visitor_id, requires) else { return };
        let mut started = serde_json::json!({"type": "session", "state": "started"});
        sharing.fill(&mut started);
        self.tell_visitor(visitor_id, started);
    }

    /// The visitor answered the prompt on its panel. Only a question asked is answered:
    /// a decline is not taken back, and a session that never asked has nothing to answer.
    pub(super) fn consent_answered(&self, visitor_id: &str, granted: bool) {
        let answer = if granted { Consent::Granted } else { Consent::Declined };
        {
            let Some(mut session) = self.sessions.get_mut(visitor_id) else { return };
            if session.consent != Consent::Asked {
                return;
            }
            session.consent = answer;
        }
        tracing::info!(visitor = visitor_id, granted, "visitor answered the consent prompt");
        // Every page of the visitor's drops its prompt; after an Allow they record.
        self.tell_visitor(visitor_id, serde_json::json!({"type": "capture", "on": granted}));
        self.tell_agents_consent(visitor_id, answer);
    }

    /// Whether a page whose proxy session `requires` consent may be mirrored now.
    pub(super) fn may_mirror(&self, visitor_id: &str, requires: bool) -> bool {
        !requires || self.sessions.get(visitor_id).is_some_and(|s| s.consent == Consent::Granted)
    }

    /// Whether the visitor was asked and has not allowed: agents may do nothing.
    pub fn consent_withheld(&self, visitor_id: &str) -> bool {
        self.sessions.get(visitor_id).is_some_and(|s| matches!(s.consent, Consent::Asked | Consent::Declined))
    }

    /// Where the question stands, as agents' viewers name it.
    pub fn consent_state(&self, visitor_id: &str) -> Option<&'static str> {
        self.sessions.get(visitor_id).and_then(|s| s.consent.state())
    }

    fn tell_agents_consent(&self, visitor_id: &str, consent: Consent) {
        let Some(state) = consent.state() else { return };
        if let Some(mirror) = self.mirrors.get(visitor_id) {
            mirror.tell_agents(Arc::from(serde_json::json!({"type": "consent", "state": state}).to_string()));
        }
    }
}

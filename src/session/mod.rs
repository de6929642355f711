//! Live proxy sessions: who the visitor is, how its browser is bound, its cookie jar,
//! and the labels it has handed out.

pub mod jar;
pub mod registry;

use std::sync::Mutex;
use std::time::SystemTime;

use dashmap::DashMap;
use url::Url;

use crate::origin::binding::{random_token, secrets_match};
use crate::origin::label::{self, DecodedLabel, SessionId, UpstreamOrigin};
pub use jar::CookieJar;
pub use registry::SessionRegistry;

/// The visitor a proxy session was created for.
#[derive(Clone, Debug)]
pub struct Visitor {
    /// Tandem's id of the visitor.
    pub short_id: String,
    /// The integrator's own id, if it gave one.
    pub unique_id: Option<String>,
}

/// What presenting an entry token achieved.
#[derive(Debug, PartialEq, Eq)]
pub enum Entry {
    /// First use: the browser is to be bound now.
    Granted,
    /// The token was right but has been used already.
    AlreadyUsed,
    /// Not this session's token.
    Invalid,
}

/// One proxy session.
pub struct ProxySession {
    /// The id written in every label of the session.
    pub id: SessionId,
    /// Whom it was created for.
    pub visitor: Visitor,
    /// The page the visitor lands on first (already stripped of Tandem's parameters).
    pub initial_url: Url,
    /// When the integrator created it.
    pub created_at: SystemTime,
    /// Upstream cookies.
    pub jar: CookieJar,
    binding_token: String,
    entry_token: Mutex<Option<String>>,
    /// Fallback labels handed out so far, label → origin.
    fallback_labels: DashMap<String, UpstreamOrigin>,
}

impl ProxySession {
    /// A new session with fresh tokens.
    pub fn new(visitor: Visitor, initial_url: Url, jar: CookieJar) -> Self {
        ProxySession {
            id: SessionId::generate(),
            visitor,
            initial_url,
            created_at: SystemTime::now(),
            jar,
            binding_token: random_token(),
            entry_token: Mutex::new(Some(random_token())),
            fallback_labels: DashMap::new(),
        }
    }

    /// The label that serves `origin` in this session.
    pub fn label_for(&self, origin: &UpstreamOrigin) -> String {
        label::encode_direct(&self.id, origin).unwrap_or_else(|| {
            let label = label::fallback_label(&self.id, origin);
            self.fallback_labels.entry(label.clone()).or_insert_with(|| origin.clone());
            label
        })
    }

    /// The origin a decoded label of this session names, if the session knows it.
    pub fn origin_of(&self, label: &str, decoded: DecodedLabel) -> Option<UpstreamOrigin> {
        match decoded {
            DecodedLabel::Direct { origin, .. } => Some(origin),
            DecodedLabel::Fallback { .. } => self.fallback_labels.get(label).map(|o| o.clone()),
        }
    }

    /// The secret the binding cookie must carry.
    pub fn binding_token(&self) -> &str {
        &self.binding_token
    }

    /// The one-time entry token, while it is unused (for building the proxy URL).
    pub fn entry_token(&self) -> Option<String> {
        self.entry_token.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Spends the entry token if `given` is it.
    pub fn enter(&self, given: &str) -> Entry {
        let mut slot = self.entry_token.lock().unwrap_or_else(|p| p.into_inner());
        match slot.as_deref() {
            Some(token) if secrets_match(given, token) => {
                *slot = None;
                Entry::Granted
            }
            Some(_) => Entry::Invalid,
            // Once spent, any token is reported as used: the browser may simply have
            // opened the link twice, and it learns nothing either way.
            None => Entry::AlreadyUsed,
        }
    }
}

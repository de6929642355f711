//! Proxy sessions: whose they are, how the visitor's browser is bound, its cookie jar,
//! and the labels it has handed out. They are kept in the records too
//! ([`ProxySession::record`], [`ProxySession::restore`]), so a restart of Tandem logs
//! no visitor out.

pub mod jar;
pub mod jar_bounds;
pub mod labels;
pub mod masked;
pub mod registry;

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use url::Url;

use crate::origin::binding::{random_token, secrets_match};
use crate::origin::label::{self, DecodedLabel, SessionId, UpstreamOrigin};
use crate::store::{Millis, ProxySessionRecord};
pub use jar::CookieJar;
use labels::FallbackLabels;
pub use masked::MaskedParams;
pub use registry::SessionRegistry;

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

/// What the integrator asked a new session to be.
pub struct NewSession {
    /// The visitor's short id.
    pub visitor_id: String,
    /// The page the visitor lands on first.
    pub initial_url: Url,
    /// Whether the visitor is asked before an agent sees the page.
    pub require_consent: bool,
}

/// One proxy session.
pub struct ProxySession {
    /// The id written in every label of the session.
    pub id: SessionId,
    /// The short id of the visitor it was created for.
    pub visitor_id: String,
    /// The page the visitor lands on first (already stripped of Tandem's parameters).
    pub initial_url: Url,
    /// When the integrator created it.
    pub created_at: Millis,
    /// Upstream cookies.
    pub jar: CookieJar,
    /// Whether the visitor is asked before an agent sees the page (the relay's
    /// `ask_consent`).
    pub require_consent: bool,
    /// Names of masked fields a form may have put into an address.
    masked_params: MaskedParams,
    binding_token: String,
    entry_token: Mutex<Option<String>>,
    /// Fallback labels handed out, label → origin (the most recently used).
    fallback_labels: FallbackLabels,
    /// Whether the entry token, the labels or the masked names changed since the record
    /// was last saved.
    unsaved: AtomicBool,
    /// When a request last found the session.
    last_used: AtomicI64,
}

impl ProxySession {
    /// A new session with fresh tokens.
    pub fn new(settings: &NewSession, created_at: Millis, jar: CookieJar) -> Self {
        ProxySession {
            id: SessionId::generate(),
            visitor_id: settings.visitor_id.clone(),
            initial_url: settings.initial_url.clone(),
            created_at,
            jar,
            require_consent: settings.require_consent,
            masked_params: MaskedParams::default(),
            binding_token: random_token(),
            entry_token: Mutex::new(Some(random_token())),
            fallback_labels: FallbackLabels::default(),
            unsaved: AtomicBool::new(false),
            last_used: AtomicI64::new(created_at),
        }
    }

    /// Notes that a request found the session at `now`.
    pub fn touch(&self, now: Millis) {
        self.last_used.store(now, Ordering::Relaxed);
    }

    /// When a request last found the session.
    pub fn last_used(&self) -> Millis {
        self.last_used.load(Ordering::Relaxed)
    }

    /// The session as the records keep it.
    pub fn record(&self) -> ProxySessionRecord {
        ProxySessionRecord {
            id: self.id.to_string(),
            visitor_id: self.visitor_id.clone(),
            binding_token: self.binding_token.clone(),
            entry_token: self.entry_token(),
            initial_url: self.initial_url.to_string(),
            created_at: self.created_at,
            jar: Some(self.jar.to_json()),
            fallback_labels: Some(self.fallback_labels.to_json()),
            require_consent: self.require_consent,
            masked_params: Some(self.masked_params.to_json()),
        }
    }

    /// A session read back from the records; `None` if the record is not one Tandem wrote.
    pub fn restore(record: ProxySessionRecord, jar: CookieJar) -> Option<Self> {
        let fallback_labels = match record.fallback_labels.as_deref() {
            Some(json) => FallbackLabels::from_json(json)?,
            None => FallbackLabels::default(),
        };
        Some(ProxySession {
            id: SessionId::parse(&record.id)?,
            visitor_id: record.visitor_id,
            initial_url: Url::parse(&record.initial_url).ok()?,
            created_at: record.created_at,
            jar,
            require_consent: record.require_consent,
            masked_params: MaskedParams::from_json(record.masked_params.as_deref()),
            binding_token: record.binding_token,
            entry_token: Mutex::new(record.entry_token),
            fallback_labels,
            unsaved: AtomicBool::new(false),
            last_used: AtomicI64::new(record.created_at),
        })
    }

    /// Whether the record needs saving (tokens, labels or cookies changed); clears the mark.
    pub fn take_unsaved(&self) -> bool {
        // Both marks are taken: `|` does not stop at the first.
        self.unsaved.swap(false, Ordering::AcqRel) | self.jar.take_unsaved()
    }

    /// The label that serves `origin` in this session.
    pub fn label_for(&self, origin: &UpstreamOrigin) -> String {
        label::encode_direct(&self.id, origin).unwrap_or_else(|| {
            let label = label::fallback_label(&self.id, origin);
            if self.fallback_labels.remember(&label, origin) {
                self.unsaved.store(true, Ordering::Release);
            }
            label
        })
    }

    /// The origin a decoded label of this session names, if the session knows it.
    pub fn origin_of(&self, label: &str, decoded: DecodedLabel) -> Option<UpstreamOrigin> {
        match decoded {
            DecodedLabel::Direct { origin, .. } => Some(origin),
            DecodedLabel::Fallback { .. } => self.fallback_labels.origin_of(label),
        }
    }

    /// Names of masked fields whose values the session's pages mask in addresses.
    pub fn masked_params(&self) -> Vec<String> {
        self.masked_params.names()
    }

    /// Learns names of masked fields a page's form sent (`mask_params`); a new one is
    /// saved with the session, so that a restart of Tandem forgets none.
    pub fn learn_masked_params<'a>(&self, names: impl IntoIterator<Item = &'a str>) {
        if self.masked_params.learn(names) {
            self.unsaved.store(true, Ordering::Release);
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

    /// A fresh one-time entry token, replacing any unused one: the way back for a
    /// browser that lost its binding (the integrator asks for a new link). The binding
    /// token stays: every browser bound before stays bound.
    pub fn reissue_entry(&self) -> String {
        let token = random_token();
        *self.entry_token.lock().unwrap_or_else(|p| p.into_inner()) = Some(token.clone());
        self.unsaved.store(true, Ordering::Release);
        token
    }

    /// Spends the entry token if `given` is it.
    pub fn enter(&self, given: &str) -> Entry {
        let mut slot = self.entry_token.lock().unwrap_or_else(|p| p.into_inner());
        match slot.as_deref() {
            Some(token) if secrets_match(given, token) => {
                *slot = None;
                self.unsaved.store(true, Ordering::Release);
                Entry::Granted
            }
            Some(_) => Entry::Invalid,
            // Once spent, any token is reported as used: the browser may simply have
            // opened the link twice, and it learns nothing either way.
            None => Entry::AlreadyUsed,
        }
    }
}

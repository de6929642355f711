//! The hashed (fallback) labels one session has handed out, label → origin: the only
//! labels Tandem must remember, as they cannot be decoded. A page decides which origins
//! it names, so a hostile one naming thousands of hosts that need such labels could
//! otherwise grow the map, and the session's record, without end: it keeps at most
//! [`MAX_FALLBACK_LABELS`], forgetting the least recently used. A forgotten label is
//! recorded again the next time Tandem rewrites a URL of its origin.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use dashmap::DashMap;
use url::Url;

use crate::origin::label::UpstreamOrigin;

/// Most fallback labels one session remembers. A real site needs a handful (hosts
/// with underscores, IPv6 literals, names too long to encode).
pub const MAX_FALLBACK_LABELS: usize = 1024;

/// One remembered label.
struct Remembered {
    origin: UpstreamOrigin,
    /// When it was last handed out or looked up, as a count of uses.
    used: AtomicU64,
}

/// A session's fallback labels.
#[derive(Default)]
pub struct FallbackLabels {
    labels: DashMap<String, Remembered>,
    clock: AtomicU64,
}

impl FallbackLabels {
    /// Remembers that `label` stands for `origin`; whether it is new.
    pub fn remember(&self, label: &str, origin: &UpstreamOrigin) -> bool {
        let now = self.tick();
        if let Some(known) = self.labels.get(label) {
            known.used.store(now, Ordering::Relaxed);
            return false;
        }
        self.labels.insert(label.to_owned(), Remembered { origin: origin.clone(), used: AtomicU64::new(now) });
        // No shard guard is held here: `len` and `iter` lock every shard.
        while self.labels.len() > MAX_FALLBACK_LABELS {
            let least = self.labels.iter().min_by_key(|e| e.used.load(Ordering::Relaxed)).map(|e| e.key().clone());
            match least {
                Some(least) => self.labels.remove(&least),
                None => break,
            };
        }
        true
    }

    /// The origin `label` stands for, if remembered.
    pub fn origin_of(&self, label: &str) -> Option<UpstreamOrigin> {
        let known = self.labels.get(label)?;
        known.used.store(self.tick(), Ordering::Relaxed);
        Some(known.origin.clone())
    }

    /// As the records keep them: a JSON object, label → origin.
    pub fn to_json(&self) -> String {
        let labels: BTreeMap<String, String> =
            self.labels.iter().map(|e| (e.key().clone(), e.origin.serialize())).collect();
        serde_json::to_string(&labels).unwrap_or_default()
    }

    /// Read back from the records (at most [`MAX_FALLBACK_LABELS`] of them); `None` if
    /// the text is not what [`FallbackLabels::to_json`] wrote.
    pub fn from_json(json: &str) -> Option<Self> {
        let saved: BTreeMap<String, String> = serde_json::from_str(json).ok()?;
        let labels = FallbackLabels::default();
        for (label, origin) in saved.into_iter().take(MAX_FALLBACK_LABELS) {
            if let Some(origin) = Url::parse(&origin).ok().as_ref().and_then(UpstreamOrigin::from_url) {
                labels.labels.insert(label, Remembered { origin, used: AtomicU64::new(0) });
            }
        }
        Some(labels)
    }

    fn tick(&self) -> u64 {
        self.clock.fetch_add(1, Ordering::Relaxed) + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin(host: &str) -> UpstreamOrigin {
        UpstreamOrigin::from_url(&Url::parse(&format!("https://{host}/")).expect("url")).expect("origin")
    }

    #[test]
    fn at_most_the_bound_is_kept_and_the_least_recently_used_go_first() {
        let labels = FallbackLabels::default();
        assert!(labels.remember("keep", &origin("keep_me.test")));
        assert!(!labels.remember("keep", &origin("keep_me.test")));
        for i in 0..MAX_FALLBACK_LABELS * 3 {
            labels.remember(&format!("l{i}"), &origin(&format!("h_{i}.test")));
            if i % 100 == 0 {
                assert!(labels.origin_of("keep").is_some(), "a label in use stays");
            }
        }
        assert_eq!(labels.labels.len(), MAX_FALLBACK_LABELS);
        assert!(labels.origin_of("l0").is_none());
        let last = format!("l{}", MAX_FALLBACK_LABELS * 3 - 1);
        assert_eq!(labels.origin_of(&last), Some(origin(&format!("h_{}.test", MAX_FALLBACK_LABELS * 3 - 1))));
        let back = FallbackLabels::from_json(&labels.to_json()).expect("reads back");
        assert_eq!(back.labels.len(), MAX_FALLBACK_LABELS);
        assert_eq!(back.origin_of("keep"), Some(origin("keep_me.test")));
    }
}

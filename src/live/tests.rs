use std::time::Duration;

use super::*;
use crate::config::Config;
use crate::store::SqliteStore;
use crate::upstream::{UpstreamClient, UpstreamSettings};

fn live(dir: &std::path::Path) -> Arc<Live> {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.join("t.db")).expect("store"));
    let config = Config::default();
    let upstream = UpstreamClient::new(UpstreamSettings {
        resolve: Default::default(),
        allow_private: false,
        extra_root_pems: Vec::new(),
        connect_timeout: config.connect_timeout(),
        response_timeout: config.response_timeout(),
        ssrf_refusals: Default::default(),
    })
    .expect("client");
    let settings = LiveSettings {
        visitor_grace: Duration::from_millis(10),
        session_grace: Duration::from_secs(1),
        socket_silence: Duration::from_secs(60),
    };
    Live::new(store, WebhookSender::new(upstream, &config), settings, &crate::metrics::Metrics::new()).expect("live")
}

#[tokio::test]
async fn a_lookup_code_is_unique_among_online_visitors_and_freed_when_they_leave() {
    let dir = tempfile::tempdir().expect("dir");
    let live = live(dir.path());
    let first = live.visitor_connected("v1", "1234", Presence::default(), false);
    let second = live.visitor_connected("v2", "1234", Presence::default(), false);
    assert_eq!(first.lookup_code, "1234");
    assert_ne!(second.lookup_code, "1234", "another online visitor holds it");
    assert!((0..500).all(|_| {
        let code = live.free_lookup_code();
        code != first.lookup_code && code != second.lookup_code
    }));
    // A second page of the same visitor keeps its code.
    let again = live.visitor_connected("v1", "1234", Presence::default(), false);
    assert_eq!(again.lookup_code, "1234");
    drop((first, again));
    let offline = async {
        while live.is_online("v1") {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(5), offline).await.expect("v1 goes offline after its grace");
    let third = live.visitor_connected("v3", "1234", Presence::default(), false);
    assert_eq!(third.lookup_code, "1234", "v1 went offline: its code is free again");
}

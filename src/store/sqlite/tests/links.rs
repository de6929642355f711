//! Proxy sessions and watch links: round-trips, saved state, one-time redemption.

use super::*;

#[test]
fn a_proxy_session_round_trips_and_saves_its_state() {
    let (_dir, store) = store();
    store.insert_visitor(&visitor("v1", 1_000)).expect("visitor");
    let mut p = proxy_session("p1", "v1");
    p.require_consent = true;
    store.insert_proxy_session(&p).expect("insert");
    assert_eq!(store.proxy_session("p1").expect("read"), Some(p.clone()));
    p.entry_token = None;
    p.jar = Some("[{\"name\":\"sid\"}]".into());
    p.fallback_labels = Some("{\"abc\":\"https://a.localhost\"}".into());
    p.masked_params = Some("[\"pw\"]".into());
    store.save_proxy_session_state(&p).expect("save");
    assert_eq!(store.proxy_session("p1").expect("read"), Some(p));
    assert_eq!(store.proxy_session("p2").expect("read"), None);
}

#[test]
fn foreign_keys_are_enforced() {
    let (_dir, store) = store();
    assert!(matches!(store.insert_proxy_session(&proxy_session("p1", "nobody")), Err(StoreError::Sqlite(_))));
    assert!(matches!(store.insert_watch_link(&watch_link("w1", "nobody", 5_000)), Err(StoreError::Sqlite(_))));
}

#[test]
fn a_watch_link_round_trips_with_its_grant() {
    let (_dir, store) = store();
    store.insert_visitor(&visitor("v1", 1_000)).expect("visitor");
    let mut link = watch_link("w1", "v1", 200_000);
    link.grant.viewer = None;
    store.insert_watch_link(&link).expect("insert");
    assert_eq!(store.watch_link("w1").expect("read"), Some(link));
    let full = watch_link("w2", "v1", 200_000);
    store.insert_watch_link(&full).expect("insert");
    assert_eq!(store.watch_link("w2").expect("read"), Some(full));
    assert_eq!(store.watch_link("w3").expect("read"), None);
}

#[test]
fn a_watch_link_is_redeemed_exactly_once() {
    let (_dir, store) = store();
    store.insert_visitor(&visitor("v1", 1_000)).expect("visitor");
    store.insert_watch_link(&watch_link("w1", "v1", 200_000)).expect("insert");
    assert!(store.redeem_watch_link("w1", 90_000, "hash-a").expect("redeem"));
    assert!(!store.redeem_watch_link("w1", 92_000, "hash-c").expect("redeem again"));
    assert!(!store.redeem_watch_link("unknown", 90_000, "hash-d").expect("redeem unknown"));
    let link = store.watch_link("w1").expect("read").expect("w1");
    assert_eq!((link.redeemed_at, link.credential_hash.as_deref()), (Some(90_000), Some("hash-a")));
}

#[test]
fn racing_redemptions_on_separate_connections_have_one_winner() {
    let (dir, store) = store();
    store.insert_visitor(&visitor("v1", 1_000)).expect("visitor");
    store.insert_watch_link(&watch_link("w1", "v1", 200_000)).expect("insert");
    // Each thread has its own connection to the file, so only SQLite orders them.
    let path = db_path(&dir);
    let winners = (0..8)
        .map(|n| {
            let racer = SqliteStore::open(&path).expect("connection");
            std::thread::spawn(move || racer.redeem_watch_link("w1", 90_000 + n, &format!("hash-{n}")).expect("redeem"))
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| t.join().expect("thread"))
        .filter(|won| *won)
        .count();
    assert_eq!(winners, 1);
}

#[test]
fn the_watch_links_of_a_session_come_in_the_order_issued() {
    let (_dir, store) = store();
    store.insert_visitor(&visitor("v1", 1_000)).expect("visitor");
    for (id, expires) in [("w-late", 300_000), ("w-early", 200_000), ("w-other", 250_000)] {
        store.insert_watch_link(&watch_link(id, "v1", expires)).expect("insert");
    }
    store.set_watch_link_session("w-late", "s1").expect("join");
    store.set_watch_link_session("w-early", "s1").expect("join");
    store.set_watch_link_session("w-other", "s2").expect("join");
    let ids: Vec<String> = store.watch_links_of_session("s1").expect("links").into_iter().map(|l| l.id).collect();
    assert_eq!(ids, ["w-early", "w-late"]);
    assert_eq!(store.watch_link("w-other").expect("read").expect("link").session_id.as_deref(), Some("s2"));
    assert!(store.watch_links_of_session("s3").expect("links").is_empty());
}

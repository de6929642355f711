//! Visitors: round-trip, presence, every search form, deletion and corrupt columns.

use super::*;
use crate::store::search::parse;

/// The short ids `search` finds, in order.
fn found(store: &SqliteStore, search: &str) -> Vec<String> {
    store
        .search_visitors(&parse(search).expect("a valid search"), 10)
        .expect("search")
        .into_iter()
        .map(|v| v.short_id)
        .collect()
}

#[test]
fn a_visitor_round_trips_with_its_json_columns() {
    let (_dir, store) = store();
    let mut v = visitor("v1", 1_000);
    v.metadata.insert("nested_ok_here".into(), serde_json::json!({"a": [1, 2]}));
    store.insert_visitor(&v).expect("insert");
    assert_eq!(store.visitor("v1").expect("read"), Some(v));
    assert_eq!(store.visitor("nobody").expect("read"), None);
    assert!(store.insert_visitor(&visitor("v1", 2_000)).is_err(), "short ids are unique");
}

#[test]
fn presence_and_session_state_are_recorded() {
    let (_dir, store) = store();
    store.insert_visitor(&visitor("v1", 1_000)).expect("insert");
    store.insert_visitor(&visitor("v2", 1_000)).expect("insert");
    let presence = Presence {
        ip_address: Some("10.9.9.9".into()),
        user_agent: None,
        url: Some("https://shop.localhost/pay".into()),
        last_seen_at: Some(5_000),
    };
    store.update_presence("v1", &presence, true, "4321").expect("presence");
    store.set_in_session("v1", true).expect("in session");
    store.update_presence("gone", &presence, true, "1111").expect("an unknown visitor is no error");
    let v1 = store.visitor("v1").expect("read").expect("v1");
    assert_eq!((v1.presence, v1.is_online, v1.is_in_session, v1.lookup_code.as_str()), (presence, true, true, "4321"));
    assert_eq!(store.online_lookup_codes().expect("codes"), ["4321"]);
    store.set_in_session("v1", false).expect("out of session");
    assert!(!store.visitor("v1").expect("read").expect("v1").is_in_session);
}

/// Three visitors that the search forms tell apart.
fn searchable() -> (TempDir, SqliteStore) {
    let (dir, store) = store();
    let mut a = visitor("aaa", 1_000);
    a.identities = vec!["Jane@Example.com".into(), "Jane Doe".into()];
    a.tags = vec!["VIP".into()];
    a.lookup_code = "1234".into();
    a.presence.url = Some("https://shoes.localhost/".into());
    let mut b = visitor("bbb", 2_000);
    b.unique_id = Some("Cust-42".into());
    b.identities = vec!["bob@example.com".into()];
    b.tags = vec!["trial".into(), "vip-candidate".into()];
    b.lookup_code = "5678".into();
    b.presence.ip_address = Some("10.0.0.7".into());
    let mut c = visitor("ccc", 3_000);
    c.identities = vec!["carol@example.org".into()];
    c.tags = vec![];
    for v in [&a, &b, &c] {
        store.insert_visitor(v).expect("insert");
    }
    store.update_presence("aaa", &a.presence, true, "1234").expect("online");
    (dir, store)
}

#[test]
fn each_search_form_matches_its_field() {
    let (_dir, store) = searchable();
    // Free text: short id, unique id, identity, tag and URL, any case, anywhere inside.
    assert_eq!(found(&store, "BB"), ["bbb"]);
    assert_eq!(found(&store, "cust-4"), ["bbb"]);
    assert_eq!(found(&store, "DOE"), ["aaa"]);
    assert_eq!(found(&store, "candid"), ["bbb"]);
    assert_eq!(found(&store, "shoes"), ["aaa"]);
    // Emails: a whole identity, any case; a part of one is not enough.
    assert_eq!(found(&store, "jane@example.com"), ["aaa"]);
    assert_eq!(found(&store, "BOB@EXAMPLE.COM"), ["bbb"]);
    assert!(found(&store, "ob@example.com").is_empty());
    // id: is exact.
    assert_eq!(found(&store, "id:Cust-42"), ["bbb"]);
    assert!(found(&store, "id:cust-42").is_empty());
    assert!(found(&store, "id:Cust-4").is_empty());
    assert_eq!(found(&store, "5678"), ["bbb"]);
    assert_eq!(found(&store, "online"), ["aaa"]);
    assert_eq!(found(&store, "-online"), ["ccc", "bbb"]);
    assert_eq!(found(&store, "ip:10.0.0.7"), ["bbb"]);
    assert!(found(&store, "ip:10.0.0").is_empty());
    // #tag: a whole tag, any case.
    assert_eq!(found(&store, "#vip"), ["aaa"]);
    assert_eq!(found(&store, "#TRIAL"), ["bbb"]);
}

#[test]
fn case_is_folded_beyond_ascii() {
    let (_dir, store) = store();
    let mut v = visitor("v1", 1_000);
    v.unique_id = Some("ÅSA-1".into());
    v.identities = vec!["Élodie Иванова".into(), "JÖRG@Example.de".into()];
    v.tags = vec!["Über".into()];
    store.insert_visitor(&v).expect("insert");
    let presence = Presence { url: Some("https://shop.localhost/ΚΑΤΆΣΤΗΜΑ".into()), ..Presence::default() };
    store.update_presence("v1", &presence, false, "0000").expect("presence");
    for search in ["Élodie", "élodie", "ИВАНОВА", "åsa-1", "jörg@example.DE", "#über", "#ÜBER", "κατάστημα"]
    {
        assert_eq!(found(&store, search), ["v1"], "{search}");
    }
}

#[test]
fn every_term_must_match() {
    let (_dir, store) = searchable();
    assert_eq!(found(&store, "example -online"), ["ccc", "bbb"]);
    assert_eq!(found(&store, "example.com -online"), ["bbb"]);
    assert_eq!(found(&store, "#trial ip:10.0.0.7 5678 id:Cust-42 bob@example.com bob -online"), ["bbb"]);
    assert!(found(&store, "#trial online").is_empty());
    assert!(found(&store, "bob carol").is_empty());
}

#[test]
fn online_visitors_come_first_then_the_most_recently_seen() {
    let (_dir, store) = store();
    for (id, created) in [("old", 1_000), ("new", 9_000), ("seen", 2_000), ("live", 500)] {
        store.insert_visitor(&visitor(id, created)).expect("insert");
    }
    let seen = Presence { last_seen_at: Some(8_000), ..Presence::default() };
    store.update_presence("seen", &seen, false, "0000").expect("seen");
    store.update_presence("live", &Presence::default(), true, "0001").expect("live");
    assert_eq!(found(&store, ""), ["live", "new", "seen", "old"]);
    let first_two = store.search_visitors(&VisitorQuery::default(), 2).expect("search");
    assert_eq!(first_two.iter().map(|v| v.short_id.as_str()).collect::<Vec<_>>(), ["live", "new"]);
}

#[test]
fn like_wildcards_in_a_word_are_literal() {
    let (_dir, store) = store();
    for (id, identity) in
        [("pct", "100% off"), ("zeros", "1000 off"), ("under", "a_b"), ("plain", "axb"), ("bs", "c\\d")]
    {
        let mut v = visitor(id, 1_000);
        v.identities = vec![identity.into()];
        store.insert_visitor(&v).expect("insert");
    }
    assert_eq!(found(&store, "0%"), ["pct"]);
    assert_eq!(found(&store, "%"), ["pct"]);
    assert_eq!(found(&store, "a_b"), ["under"]);
    assert_eq!(found(&store, "c\\d"), ["bs"]);
}

/// `LIKE` read a NUL in the word as the end of its pattern: `%00` matched everyone.
#[test]
fn a_nul_in_a_word_is_text_and_matches_only_text_with_it() {
    let (_dir, store) = store();
    for (id, identity) in [("plain", "ab"), ("nul", "a\0b"), ("other", "xyz")] {
        let mut v = visitor(id, 1_000);
        v.identities = vec![identity.into()];
        store.insert_visitor(&v).expect("insert");
    }
    let presence = Presence { url: Some("https://shop.localhost/?q=%00".into()), ..Presence::default() };
    store.update_presence("other", &presence, false, "0000").expect("presence");
    assert_eq!(found(&store, "\0"), ["nul"]);
    assert_eq!(found(&store, "a\0b"), ["nul"]);
    assert_eq!(found(&store, "\0b"), ["nul"]);
    assert!(found(&store, "\0\0").is_empty());
    assert_eq!(found(&store, "%00"), ["other"], "the URL's own percent-escape is text too");
}

#[test]
fn deleting_a_visitor_takes_its_proxy_sessions_and_watch_links() {
    let (_dir, store) = store();
    store.insert_visitor(&visitor("v1", 1_000)).expect("insert");
    store.insert_proxy_session(&proxy_session("p1", "v1")).expect("proxy session");
    store.insert_watch_link(&watch_link("w1", "v1", 10_000)).expect("watch link");
    store.insert_session(&session("s1", "v1", 2_000, Some(3_000))).expect("session");
    assert!(store.delete_visitor("v1").expect("delete"));
    assert!(!store.delete_visitor("v1").expect("delete again"));
    assert_eq!(store.visitor("v1").expect("read"), None);
    assert_eq!(store.proxy_session("p1").expect("read"), None);
    assert_eq!(store.watch_link("w1").expect("read"), None);
    assert!(found(&store, "v1").is_empty());
    assert!(store.session("s1").expect("read").is_some(), "session records outlive their visitor");
}

#[test]
fn deleting_offline_visitors_keeps_online_ones() {
    let (_dir, store) = store();
    for id in ["on", "off1", "off2"] {
        store.insert_visitor(&visitor(id, 1_000)).expect("insert");
    }
    store.update_presence("on", &Presence::default(), true, "1111").expect("online");
    assert_eq!(store.delete_offline_visitors().expect("delete"), 2);
    assert_eq!(found(&store, ""), ["on"]);
    assert_eq!(store.delete_offline_visitors().expect("delete"), 0);
}

#[test]
fn a_corrupt_json_column_is_an_error_not_a_panic() {
    let (dir, store) = store();
    store.insert_visitor(&visitor("v1", 1_000)).expect("insert");
    let raw = rusqlite::Connection::open(db_path(&dir)).expect("raw");
    raw.execute("UPDATE visitors SET tags = '[\"unterminated' WHERE short_id = 'v1'", []).expect("corrupt");
    assert!(matches!(store.visitor("v1"), Err(StoreError::Corrupt(_))));
    raw.execute("UPDATE visitors SET tags = '{\"not\": \"a list\"}' WHERE short_id = 'v1'", []).expect("corrupt");
    assert!(matches!(store.visitor("v1"), Err(StoreError::Corrupt(_))));
}

//! Opening and reopening the file, the usage counters, the reset at start and the purge.

use super::*;

const HOUR: Millis = 3_600_000;
const DAY: Millis = 24 * HOUR;
const NOW: Millis = 100 * DAY;

#[test]
fn records_survive_closing_and_reopening_the_file() {
    let (dir, store) = store();
    let v = visitor("v1", 1_000);
    let link = watch_link("w1", "v1", 200_000);
    let s = session("s1", "v1", 2_000, None);
    store.insert_visitor(&v).expect("visitor");
    store.insert_watch_link(&link).expect("link");
    store.insert_session(&s).expect("session");
    drop(store);
    let store = SqliteStore::open(&db_path(&dir)).expect("reopen runs the migrations again");
    assert_eq!(store.visitor("v1").expect("read"), Some(v));
    assert_eq!(store.watch_link("w1").expect("read"), Some(link));
    assert_eq!(store.session("s1").expect("read"), Some(s));
    let raw = rusqlite::Connection::open(db_path(&dir)).expect("raw");
    let version: i64 = raw.pragma_query_value(None, "user_version", |row| row.get(0)).expect("version");
    let journal: String = raw.pragma_query_value(None, "journal_mode", |row| row.get(0)).expect("journal");
    assert_eq!((version, journal.as_str()), (3, "wal"));
    super::super::migrations().validate().expect("the migrations apply to an empty database");
}

#[test]
fn an_unusable_path_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("file");
    std::fs::write(&file, b"not a database, and long enough to have a header of sorts.........").expect("write");
    assert!(matches!(SqliteStore::open(&file.join("tandem.db")), Err(StoreError::Io { .. })));
    assert!(matches!(SqliteStore::open(&file), Err(StoreError::Sqlite(_))));
}

/// A session of one agent, from `start` to `end`.
fn stay(id: &str, agent: &str, start: Millis, end: Option<Millis>) -> SessionRecord {
    let mut s = session(id, "v1", start, end);
    s.agents[0].agent_id = agent.into();
    s
}

#[test]
fn usage_counts_the_windows_ending_now() {
    let (_dir, store) = store();
    for s in [
        stay("today", "agent-1", NOW - 2 * HOUR, Some(NOW - HOUR + 999)),
        stay("ongoing", "agent-2", NOW - HOUR / 2, None),
        stay("across-midnight", "agent-3", NOW - 25 * HOUR, Some(NOW - 23 * HOUR)),
        stay("this-month", "agent-1", NOW - 10 * DAY, Some(NOW - 10 * DAY + 1_500)),
        stay("too-old", "agent-4", NOW - 40 * DAY, Some(NOW - 40 * DAY + HOUR)),
    ] {
        store.insert_session(&s).expect("session");
    }
    let mut seen = visitor("seen", NOW - 2 * DAY);
    seen.presence.last_seen_at = Some(NOW - HOUR);
    for v in [visitor("new", NOW - 2 * HOUR), seen, visitor("stale", NOW - 2 * DAY), visitor("live", NOW - 3 * DAY)] {
        store.insert_visitor(&v).expect("visitor");
    }
    let now = Presence { last_seen_at: Some(NOW), ..Presence::default() };
    store.update_presence("live", &now, true, "1234").expect("online");
    let usage = store.usage(NOW).expect("usage");
    assert_eq!(
        usage,
        Usage {
            agents_today: 2,
            agents_last_30_days: 3,
            sessions_today: 2,
            sessions_last_30_days: 4,
            sessions_now: 1,
            // 1 h 0.999 s + 30 min + the hour after the window's start; summed, then floored.
            session_seconds_today: 9_000,
            session_seconds_last_30_days: 12_602,
            visitors_last_24_hrs: 3,
            visitors_online_now: 1,
        }
    );
    assert_eq!(
        SqliteStore::open(&tempfile::tempdir().expect("dir").path().join("x.db"))
            .expect("empty")
            .usage(NOW)
            .expect("usage"),
        Usage::default()
    );
}

#[test]
fn at_start_every_visitor_is_offline_and_out_of_session() {
    let (_dir, store) = store();
    for id in ["v1", "v2"] {
        store.insert_visitor(&visitor(id, 1_000)).expect("visitor");
        store.update_presence(id, &Presence::default(), true, id).expect("online");
        store.set_in_session(id, true).expect("in session");
    }
    store.mark_all_offline().expect("reset");
    for id in ["v1", "v2"] {
        let v = store.visitor(id).expect("read").expect("visitor");
        assert_eq!((v.is_online, v.is_in_session), (false, false));
    }
    assert!(store.online_lookup_codes().expect("codes").is_empty());
}

#[test]
fn purge_deletes_what_is_older_than_the_cutoff() {
    let (_dir, store) = store();
    let cutoff = NOW - 30 * DAY;
    let mut recently_seen = visitor("recently-seen", cutoff - 10);
    recently_seen.presence.last_seen_at = Some(cutoff + 1);
    for v in [visitor("old", cutoff - 1), recently_seen, visitor("online", cutoff - 10), visitor("at-cutoff", cutoff)] {
        store.insert_visitor(&v).expect("visitor");
    }
    store.update_presence("online", &Presence::default(), true, "1234").expect("online");
    store.insert_proxy_session(&proxy_session("p-old", "old")).expect("proxy session");
    for s in [
        stay("ended-before", "agent-old", cutoff - 100, Some(cutoff - 1)),
        stay("still-going", "agent-1", cutoff - 100, None),
        stay("ended-after", "agent-1", cutoff - 100, Some(cutoff + 1)),
    ] {
        store.insert_session(&s).expect("session");
    }
    store.touch_agent(&AgentRef { id: "agent-old".into(), name: None }, cutoff - 1).expect("agent");
    store.touch_agent(&AgentRef { id: "agent-1".into(), name: None }, cutoff + 5).expect("agent");
    let links =
        [("expired", None), ("expired-in-ongoing", Some("still-going")), ("expired-in-ended", Some("ended-after"))];
    for (id, session) in links {
        store.insert_watch_link(&watch_link(id, "online", cutoff - 1)).expect("link");
        if let Some(session) = session {
            store.set_watch_link_session(id, session).expect("join");
        }
    }
    store.insert_watch_link(&watch_link("valid", "online", cutoff + 1)).expect("link");

    assert_eq!(store.purge(cutoff).expect("purge"), 5);
    let visitors: Vec<String> =
        store.search_visitors(&VisitorQuery::default(), 10).expect("search").into_iter().map(|v| v.short_id).collect();
    assert_eq!(visitors, ["online", "recently-seen", "at-cutoff"]);
    assert_eq!(store.proxy_session("p-old").expect("read"), None);
    assert_eq!(store.session("ended-before").expect("read"), None);
    assert!(store.sessions_of_agent("agent-old", 10).expect("agent").is_empty(), "its agent rows went with it");
    assert!(store.session("still-going").expect("read").is_some());
    assert!(store.session("ended-after").expect("read").is_some());
    assert_eq!(store.agent("agent-old").expect("read"), None);
    assert!(store.agent("agent-1").expect("read").is_some());
    for (id, kept) in [("expired", false), ("expired-in-ongoing", true), ("expired-in-ended", false), ("valid", true)] {
        assert_eq!(store.watch_link(id).expect("read").is_some(), kept, "{id}");
    }
    assert_eq!(store.purge(cutoff).expect("purge again"), 0);
}

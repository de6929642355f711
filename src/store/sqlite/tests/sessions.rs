//! Co-browsing sessions and agents: round-trips, replacement, the paged listing and
//! the newest-first lookups.

use super::*;

/// The ids of a page.
fn ids(sessions: &[SessionRecord]) -> Vec<&str> {
    sessions.iter().map(|s| s.id.as_str()).collect()
}

/// A session with two agents, metadata, notes and a start URL, still going.
fn full_session() -> SessionRecord {
    let mut s = session("s1", "v1", 1_000, None);
    s.agents.push(AgentVisit {
        agent_id: "agent-2".into(),
        name: Some("Bo".into()),
        joined_at: 1_500,
        left_at: Some(1_900),
    });
    s.metadata.insert("ticket".into(), 42.into());
    s.metadata.insert("vip".into(), true.into());
    s.notes = Some("asked about \"refunds\"".into());
    s.start_url = Some("https://shop.localhost/cart?x=1".into());
    s
}

#[test]
fn a_session_round_trips_with_its_agents() {
    let (_dir, store) = store();
    let s = full_session();
    store.insert_session(&s).expect("insert");
    assert_eq!(store.session("s1").expect("read"), Some(s.clone()));
    assert_eq!(store.session("s2").expect("read"), None);
    assert!(store.insert_session(&s).is_err(), "ids are unique");
    assert_eq!(store.session("s1").expect("read"), Some(s), "a failed insert leaves no agent rows behind");
}

#[test]
fn an_update_replaces_the_record_and_its_agents() {
    let (_dir, store) = store();
    let mut s = full_session();
    store.insert_session(&s).expect("insert");
    s.agents = vec![AgentVisit { agent_id: "agent-3".into(), name: None, joined_at: 2_000, left_at: Some(2_500) }];
    s.ended_at = Some(3_000);
    s.end_reason = Some("api".into());
    s.metadata.clear();
    s.notes = None;
    s.updated_at = 3_000;
    store.update_session(&s).expect("update");
    assert_eq!(store.session("s1").expect("read"), Some(s));
    assert!(store.sessions_of_agent("agent-2", 10).expect("agent").is_empty());
    store.update_session(&session("ghost", "v1", 1, None)).expect("an unknown session is no error");
    assert_eq!(store.session("ghost").expect("read"), None);
}

/// s1..s6 started in order (s3 and s4 in the same millisecond, s3 inserted first); s2
/// and s5 still going; s4's record changed last.
fn six_sessions() -> (TempDir, SqliteStore) {
    let (dir, store) = store();
    let starts = [("s1", 100, Some(150)), ("s2", 200, None), ("s3", 300, Some(350)), ("s4", 300, Some(900))];
    for (id, start, end) in starts.into_iter().chain([("s5", 500, None), ("s6", 600, Some(650))]) {
        store.insert_session(&session(id, "v1", start, end)).expect("insert");
    }
    (dir, store)
}

/// `ids` as owned strings, to compare with a page.
fn owned(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|id| id.to_string()).collect()
}

/// One page of `list_sessions`: its ids, and whether more match.
fn page(store: &SqliteStore, query: SessionQuery) -> (Vec<String>, bool) {
    let (sessions, more) = store.list_sessions(&query).expect("list");
    (sessions.into_iter().map(|s| s.id).collect(), more)
}

#[test]
fn sessions_are_listed_by_start_in_pages() {
    let (_dir, store) = six_sessions();
    let all = SessionQuery { limit: 10, ..SessionQuery::default() };
    assert_eq!(page(&store, all.clone()), (owned(&["s1", "s2", "s3", "s4", "s5", "s6"]), false));
    // Walking with after_id = the last id of each page visits each session once.
    let mut seen = Vec::new();
    let mut after_id = None;
    loop {
        let (ids, more) = page(&store, SessionQuery { after_id: after_id.clone(), limit: 4, ..all.clone() });
        after_id = ids.last().cloned();
        seen.extend(ids);
        if !more {
            break;
        }
    }
    assert_eq!(seen, ["s1", "s2", "s3", "s4", "s5", "s6"]);
    let exactly = SessionQuery { limit: 6, ..all.clone() };
    assert!(!page(&store, exactly).1, "no more when the page holds the last one");
    let before = SessionQuery { before_id: Some("s4".into()), limit: 2, ..all.clone() };
    assert_eq!(page(&store, before), (owned(&["s1", "s2"]), true));
    let both = SessionQuery { after_id: Some("s1".into()), before_id: Some("s5".into()), ..all.clone() };
    assert_eq!(page(&store, both).0, ["s2", "s3", "s4"]);
    let after_tie = SessionQuery { after_id: Some("s3".into()), ..all.clone() };
    assert_eq!(page(&store, after_tie).0, ["s4", "s5", "s6"]);
    for unknown in [
        SessionQuery { after_id: Some("nope".into()), ..all.clone() },
        SessionQuery { before_id: Some("nope".into()), ..all.clone() },
    ] {
        assert_eq!(page(&store, unknown), (owned(&[]), false));
    }
    assert_eq!(page(&store, SessionQuery { limit: 0, ..all }), (owned(&[]), true));
}

#[test]
fn sessions_are_filtered_by_state_and_change() {
    let (_dir, store) = six_sessions();
    let all = SessionQuery { limit: 10, ..SessionQuery::default() };
    assert_eq!(page(&store, SessionQuery { ongoing_only: true, ..all.clone() }).0, ["s2", "s5"]);
    assert_eq!(page(&store, SessionQuery { updated_after: Some(500), ..all.clone() }).0, ["s4", "s6"]);
    let combined = SessionQuery { updated_after: Some(400), ongoing_only: true, after_id: Some("s2".into()), ..all };
    assert_eq!(page(&store, combined).0, ["s5"]);
    assert_eq!(ids(&store.ongoing_sessions().expect("ongoing")), ["s2", "s5"]);
}

#[test]
fn the_latest_sessions_of_a_visitor_and_of_an_agent_come_newest_first() {
    let (_dir, store) = six_sessions();
    store.insert_session(&session("other", "v2", 700, None)).expect("insert");
    assert_eq!(ids(&store.sessions_of_visitor("v1", 3).expect("visitor")), ["s6", "s5", "s4"]);
    assert_eq!(ids(&store.sessions_of_visitor("v2", 3).expect("visitor")), ["other"]);
    assert!(store.sessions_of_visitor("v3", 3).expect("visitor").is_empty());
    let mut s3 = store.session("s3").expect("read").expect("s3");
    s3.agents.push(AgentVisit { agent_id: "agent-9".into(), name: None, joined_at: 320, left_at: Some(340) });
    store.update_session(&s3).expect("update");
    let mut s6 = store.session("s6").expect("read").expect("s6");
    s6.agents.insert(0, AgentVisit { agent_id: "agent-9".into(), name: None, joined_at: 600, left_at: None });
    store.update_session(&s6).expect("update");
    assert_eq!(ids(&store.sessions_of_agent("agent-9", 10).expect("agent")), ["s6", "s3"]);
    assert_eq!(ids(&store.sessions_of_agent("agent-1", 2).expect("agent")), ["other", "s6"]);
    assert!(store.sessions_of_agent("agent-0", 10).expect("agent").is_empty());
}

#[test]
fn an_agent_is_created_then_touched() {
    let (_dir, store) = store();
    assert_eq!(store.agent("a1").expect("read"), None);
    store.touch_agent(&AgentRef { id: "a1".into(), name: Some("Ann".into()) }, 1_000).expect("touch");
    store.touch_agent(&AgentRef { id: "a1".into(), name: None }, 3_000).expect("touch");
    let ann = AgentRecord { id: "a1".into(), name: Some("Ann".into()), first_seen_at: 1_000, last_seen_at: 3_000 };
    assert_eq!(store.agent("a1").expect("read"), Some(ann));
    store.touch_agent(&AgentRef { id: "a1".into(), name: Some("Ann B.".into()) }, 2_000).expect("late write");
    let renamed =
        AgentRecord { id: "a1".into(), name: Some("Ann B.".into()), first_seen_at: 1_000, last_seen_at: 3_000 };
    assert_eq!(store.agent("a1").expect("read"), Some(renamed));
}

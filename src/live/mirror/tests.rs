use super::*;

fn frame(flags: u8, body: &str) -> Vec<u8> {
    let mut frame = vec![flags];
    frame.extend_from_slice(body.as_bytes());
    frame
}

fn seq_and_body(feed: &AgentFeed) -> (u64, String) {
    let AgentFeed::Frame(bytes) = feed else { panic!("a frame, got {feed:?}") };
    let seq = u64::from_be_bytes(bytes[..8].try_into().expect("seq"));
    (seq, String::from_utf8_lossy(&bytes[STAMP_LEN + 1..]).into_owned())
}

/// The frames in an agent's queue.
fn drain(tap: &mut AgentTapHandle) -> Vec<(u64, String)> {
    let mut seen = Vec::new();
    while let Ok(feed) = tap.queue.try_recv() {
        if matches!(feed, AgentFeed::Frame(_)) {
            seen.push(seq_and_body(&feed));
        }
    }
    seen
}

fn join(mirror: &Mirror, id: u64) -> (AgentTapHandle, Vec<(u64, String)>) {
    let info = AgentInfo { agent_id: format!("agent {id}"), name: None, permissions: serde_json::json!({}) };
    let tap = mirror.add_agent(id, info);
    told_to_catch_up(&tap);
    let chain = mirror.catch_up(id).iter().map(|b| seq_and_body(&AgentFeed::Frame(b.clone()))).collect();
    (tap, chain)
}

/// What the page was asked, but for the `agents` updates.
fn asked(page: &mut mpsc::Receiver<Arc<str>>) -> Vec<String> {
    std::iter::from_fn(|| page.try_recv().ok()).filter(|m| !m.contains(r#""agents""#)).map(|m| m.to_string()).collect()
}

#[test]
fn a_late_joiner_gets_the_latest_snapshot_and_every_frame_since() {
    let mirror = Mirror::default();
    let _page = mirror.add_page(1);
    mirror.publish(1, &frame(FLAG_SNAPSHOT, "old snapshot"));
    mirror.publish(1, &frame(0, "old change"));
    mirror.publish(1, &frame(FLAG_SNAPSHOT, "snapshot"));
    mirror.publish(1, &frame(0, "change"));
    let (mut tap, chain) = join(&mirror, 7);
    assert_eq!(chain, vec![(2, "snapshot".to_owned()), (3, "change".to_owned())]);
    mirror.publish(1, &frame(0, "later"));
    assert_eq!(drain(&mut tap), vec![(4, "later".to_owned())]);
}

#[test]
fn only_the_page_that_sent_the_latest_snapshot_is_mirrored() {
    let mirror = Mirror::default();
    let (_one, _two) = (mirror.add_page(1), mirror.add_page(2));
    let (mut tap, _) = join(&mirror, 7);
    mirror.publish(1, &frame(FLAG_SNAPSHOT, "tab one"));
    mirror.publish(2, &frame(0, "tab two, not mirrored"));
    mirror.publish(2, &frame(FLAG_SNAPSHOT, "tab two"));
    mirror.publish(1, &frame(0, "tab one, hidden now"));
    mirror.publish(2, &frame(0, "tab two changes"));
    let bodies: Vec<String> = drain(&mut tap).into_iter().map(|(_, b)| b).collect();
    assert_eq!(bodies, ["tab one", "tab two", "tab two changes"]);
}

#[test]
fn a_slow_agent_is_skipped_then_catches_up_without_slowing_the_others() {
    let mirror = Mirror::default();
    let _page = mirror.add_page(1);
    let (mut slow, _) = join(&mirror, 1);
    let (mut fast, _) = join(&mirror, 2);
    mirror.publish(1, &frame(FLAG_SNAPSHOT, "snapshot"));
    let mut fast_seen = drain(&mut fast);
    for i in 0..AGENT_QUEUE + 10 {
        mirror.publish(1, &frame(0, &format!("change {i}")));
        fast_seen.extend(drain(&mut fast));
    }
    assert_eq!(fast_seen.len(), AGENT_QUEUE + 11, "the fast agent got every frame");
    // The slow one was told, and catches up from the chain: the snapshot and everything since.
    told_to_catch_up(&slow);
    let stale = drain(&mut slow);
    assert!(stale.len() <= AGENT_QUEUE, "its queue held only what fitted: {}", stale.len());
    let chain = mirror.catch_up(1);
    assert_eq!(chain.len(), AGENT_QUEUE + 11);
    mirror.publish(1, &frame(0, "after"));
    assert_eq!(drain(&mut slow), vec![(AGENT_QUEUE as u64 + 11, "after".to_owned())]);
}

#[test]
fn an_agent_without_a_chain_asks_the_pages_for_a_snapshot_once() {
    let mirror = Mirror::default();
    let mut page = mirror.add_page(1);
    let _ = join(&mirror, 1);
    let _ = join(&mirror, 2);
    assert_eq!(asked(&mut page), [r#"{"type":"snapshot"}"#], "asked once until the snapshot comes");
    mirror.publish(1, &frame(FLAG_SNAPSHOT, "snapshot"));
    mirror.remove_page(1);
    let mut other = mirror.add_page(2);
    mirror.remove_page(1);
    let _ = join(&mirror, 3);
    assert!(asked(&mut other).is_empty(), "the chain of the gone page is still shown");
}

#[test]
fn a_long_chain_asks_for_a_fresh_snapshot_and_a_huge_one_is_dropped() {
    let mirror = Mirror::default();
    let mut page = mirror.add_page(1);
    mirror.publish(1, &frame(FLAG_SNAPSHOT, "s"));
    let big = "x".repeat(64 * 1024);
    while mirror.chain_bytes() <= CHAIN_SOFT_BYTES {
        mirror.publish(1, &frame(0, &big));
    }
    assert_eq!(asked(&mut page), [r#"{"type":"snapshot"}"#]);
    while mirror.chain_bytes() > 0 {
        mirror.publish(1, &frame(0, &big));
    }
    let (_, chain) = join(&mirror, 1);
    assert!(chain.is_empty(), "nothing to show until the snapshot comes");
    mirror.publish(1, &frame(0, "a change without its snapshot"));
    assert_eq!(mirror.chain_bytes(), 0);
}

#[test]
fn a_cleared_mirror_shows_nothing_of_the_ended_session() {
    let mirror = Mirror::default();
    let _page = mirror.add_page(1);
    mirror.publish(1, &frame(FLAG_SNAPSHOT, "secret page"));
    mirror.clear();
    let (_, chain) = join(&mirror, 1);
    assert!(chain.is_empty());
}

/// Waits for the agent's socket to be told to catch up from the chain.
fn told_to_catch_up(tap: &AgentTapHandle) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().expect("runtime");
    runtime.block_on(async {
        let told = tokio::time::timeout(std::time::Duration::from_millis(200), tap.lagged.notified()).await;
        told.expect("told to catch up");
    });
}

#[test]
fn pages_and_agents_hear_who_watches_and_each_agent_keeps_one_colour() {
    let mirror = Mirror::default();
    let mut page = mirror.add_page(1);
    let info =
        |id: &str| AgentInfo { agent_id: id.into(), name: Some(id.to_uppercase()), permissions: serde_json::json!({}) };
    let ann = mirror.add_agent(1, info("ann"));
    let ann_again = mirror.add_agent(2, info("ann"));
    let bob = mirror.add_agent(3, info("bob"));
    assert_eq!(ann.color, ann_again.color, "one agent, one colour");
    assert_ne!(ann.color, bob.color);
    let last = std::iter::from_fn(|| page.try_recv().ok()).last().expect("told");
    let told: serde_json::Value = serde_json::from_str(&last).expect("json");
    let names: Vec<&str> =
        told["agents"].as_array().expect("agents").iter().filter_map(|a| a["name"].as_str()).collect();
    assert_eq!(names, ["ANN", "BOB"]);
    mirror.remove_agent(3);
    let last = std::iter::from_fn(|| page.try_recv().ok()).last().expect("told");
    assert!(!last.contains("BOB"), "{last}");
}

/// The text messages in an agent's queue.
fn texts(tap: &mut AgentTapHandle) -> Vec<String> {
    std::iter::from_fn(|| tap.queue.try_recv().ok())
        .filter_map(|feed| match feed {
            AgentFeed::Text(text) if !text.contains(r#""agents""#) => Some(text.to_string()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_refused_frame_drops_the_chain_asks_for_a_snapshot_and_tells_the_agents_once() {
    let mirror = Mirror::default();
    let mut page = mirror.add_page(1);
    let (mut tap, _) = join(&mirror, 7);
    mirror.publish(1, &frame(FLAG_SNAPSHOT, "snapshot"));
    mirror.publish(1, &frame(0, "change"));
    assert_eq!(drain(&mut tap).len(), 2);
    let _ = asked(&mut page);
    for _ in 0..3 {
        mirror.refuse(1, &frame(0, "bomb"), frame::FrameRefused::TooLarge);
    }
    assert_eq!(asked(&mut page), [r#"{"type":"snapshot"}"#], "a fresh snapshot is asked for, once");
    assert_eq!(texts(&mut tap), [r#"{"reason":"too_large","type":"frame_dropped"}"#], "told once");
    // What the refused frame changed is lost: later changes wait for the snapshot.
    mirror.publish(1, &frame(0, "a change after the lost one"));
    assert!(drain(&mut tap).is_empty());
    assert!(join(&mirror, 8).1.is_empty(), "a late joiner is not shown the broken chain");
    mirror.publish(1, &frame(FLAG_SNAPSHOT, "fresh"));
    assert_eq!(drain(&mut tap), [(2, "fresh".to_owned())]);

    // A refused snapshot is told, and the page is not asked for the same one again.
    let _ = asked(&mut page);
    mirror.refuse(1, &frame(FLAG_SNAPSHOT, "bomb"), frame::FrameRefused::Corrupt);
    assert_eq!(texts(&mut tap), [r#"{"reason":"corrupt","type":"frame_dropped"}"#]);
    assert!(asked(&mut page).is_empty());
    assert_eq!(join(&mirror, 9).1, [(2, "fresh".to_owned())], "the last good snapshot stays");
    // Another page's frames would not have been mirrored: nothing to tell.
    mirror.refuse(2, &frame(0, "bomb"), frame::FrameRefused::TooLarge);
    assert!(texts(&mut tap).is_empty());
}

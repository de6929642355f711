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

/// A page of the visitor's in a tab it uses: paired with a panel (id `page + 100`) that
/// says the tab is visible.
fn tab(mirror: &Mirror, page: u64) -> mpsc::Receiver<Arc<str>> {
    let queue = mirror.add_page(page);
    let nonce = format!("nonce-of-page-{page:08}");
    mirror.add_panel(page + 100, &nonce).expect("panel");
    mirror.pair_page(page, &nonce);
    mirror.panel_visible(page + 100, true);
    queue
}

/// What the page was asked, but for the `agents` updates.
fn asked(page: &mut mpsc::Receiver<Arc<str>>) -> Vec<String> {
    std::iter::from_fn(|| page.try_recv().ok()).filter(|m| !m.contains(r#""agents""#)).map(|m| m.to_string()).collect()
}

#[test]
fn a_late_joiner_gets_the_latest_snapshot_and_every_frame_since() {
    let mirror = Mirror::default();
    let _page = tab(&mirror, 1);
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
fn only_the_page_whose_panel_was_shown_last_is_mirrored_and_hears_actions() {
    let mirror = Mirror::default();
    let (mut one, mut two) = (tab(&mirror, 1), tab(&mirror, 2));
    let (mut tap, _) = join(&mirror, 7);
    assert_eq!(asked(&mut two), [r#"{"type":"snapshot"}"#], "the tab shown last is asked");
    mirror.publish(1, &frame(FLAG_SNAPSHOT, "tab one, in the background"));
    mirror.publish(2, &frame(FLAG_SNAPSHOT, "tab two"));
    mirror.publish(2, &frame(0, "tab two changes"));
    assert!(mirror.tell_source(Arc::from("action")));
    assert_eq!(asked(&mut two), ["action"]);
    // The visitor goes back to tab one: it is asked for a snapshot, and followed once it comes.
    mirror.panel_visible(102, false);
    mirror.panel_visible(101, true);
    assert_eq!(asked(&mut one), [r#"{"type":"snapshot"}"#]);
    mirror.publish(1, &frame(0, "tab one, a change without its snapshot"));
    mirror.publish(2, &frame(0, "tab two, hidden now"));
    mirror.publish(1, &frame(FLAG_SNAPSHOT, "tab one"));
    assert!(mirror.tell_source(Arc::from("action")));
    assert_eq!((asked(&mut one), asked(&mut two)), (vec!["action".to_owned()], vec![]));
    let bodies: Vec<String> = drain(&mut tap).into_iter().map(|(_, b)| b).collect();
    assert_eq!(bodies, ["tab two", "tab two changes", "tab one"]);
}

#[test]
fn a_page_without_a_visible_panel_of_its_own_is_never_mirrored_nor_told_anything() {
    let mirror = Mirror::default();
    let (mut bare, mut hidden) = (mirror.add_page(1), mirror.add_page(2));
    mirror.add_panel(102, "nonce-of-the-hidden-page").expect("panel");
    mirror.pair_page(2, "nonce-of-the-hidden-page");
    mirror.panel_visible(102, false);
    let (mut tap, _) = join(&mirror, 7);
    for page in [1, 2] {
        mirror.publish(page, &frame(FLAG_SNAPSHOT, "a page the visitor is not using"));
    }
    assert!(!mirror.tell_source(Arc::from("action")), "no page hears an action");
    assert!(asked(&mut bare).is_empty() && asked(&mut hidden).is_empty());
    // A page cannot take another's panel: the first page to say a nonce holds it.
    mirror.pair_page(1, "nonce-of-the-hidden-page");
    mirror.panel_visible(102, true);
    assert!(!mirror.is_source(1) && mirror.is_source(2));
    mirror.publish(1, &frame(FLAG_SNAPSHOT, "the bare page again"));
    assert!(drain(&mut tap).is_empty(), "nothing of a page not in use reached the agent");
}

#[test]
fn with_no_tab_visible_the_last_one_stays_mirrored_until_its_panel_goes() {
    let mirror = Mirror::default();
    let (_one, _two) = (tab(&mirror, 1), tab(&mirror, 2));
    // Tab two came to the front of the window, then the visitor went to another application.
    mirror.panel_visible(101, false);
    mirror.panel_visible(102, false);
    assert!(mirror.is_source(2), "the tab used last");
    assert!(!mirror.page_at(1, "https://shop.test/other".into()), "not where the visitor is");
    mirror.remove_panel(102);
    assert!(!mirror.is_source(2) && !mirror.is_source(1), "a page without its panel is not mirrored");
    assert!(mirror.page_at(1, "https://shop.test/other".into()), "no page is mirrored: any page says");
    assert_eq!(mirror.panel_visible(101, true).as_deref(), Some("https://shop.test/other"), "where it said it was");
}

#[test]
fn a_new_panel_beyond_the_bound_takes_the_place_of_the_hidden_one_shown_least_recently() {
    let mirror = Mirror::default();
    let _page = tab(&mirror, 1);
    let evicted: Vec<_> = (0..MAX_PANELS as u64 - 1)
        .map(|id| mirror.add_panel(1000 + id, "nonce-of-many-panels").expect("within the bound"))
        .collect();
    let newcomer = mirror.add_panel(5000, "nonce-of-many-panels").expect("room is made");
    assert!(mirror.is_source(1), "the visible tab's panel stays");
    let told = |notify: &Arc<tokio::sync::Notify>| {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().expect("runtime");
        runtime
            .block_on(async { tokio::time::timeout(std::time::Duration::from_millis(50), notify.notified()).await })
            .is_ok()
    };
    assert!(told(&evicted[0]) && !told(&evicted[1]) && !told(&newcomer), "the first hidden one made room");
    // With every panel visible, none is put out: the new one is refused.
    for id in (1001..1000 + MAX_PANELS as u64 - 1).chain([5000]) {
        mirror.panel_visible(id, true);
    }
    assert!(mirror.add_panel(6000, "nonce-of-many-panels").is_err());
}

#[test]
fn a_slow_agent_is_skipped_then_catches_up_without_slowing_the_others() {
    let mirror = Mirror::default();
    let _page = tab(&mirror, 1);
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
fn an_agent_without_a_chain_asks_the_mirrored_page_for_a_snapshot_once() {
    let mirror = Mirror::default();
    let mut page = tab(&mirror, 1);
    let _ = join(&mirror, 1);
    let _ = join(&mirror, 2);
    assert_eq!(asked(&mut page), [r#"{"type":"snapshot"}"#], "asked once until the snapshot comes");
    mirror.publish(1, &frame(FLAG_SNAPSHOT, "snapshot"));
    mirror.remove_page(1);
    // The page the visitor opens next is asked once; meanwhile the gone page's chain is shown.
    let mut other = tab(&mirror, 2);
    let (_, chain) = join(&mirror, 3);
    assert_eq!(chain.len(), 1);
    assert_eq!(asked(&mut other), [r#"{"type":"snapshot"}"#]);
}

#[test]
fn a_long_chain_asks_for_a_fresh_snapshot_and_a_huge_one_is_dropped() {
    let mirror = Mirror::default();
    let mut page = tab(&mirror, 1);
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
    let _page = tab(&mirror, 1);
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
    let mut page = tab(&mirror, 1);
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

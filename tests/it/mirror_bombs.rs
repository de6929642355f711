//! Mirror frames that inflate without bound are dropped, not replayed: a page that
//! sends gzip bombs on its live socket (its own, or the runtime's) never gets them to
//! an agent; the agent is told, and the page is asked for a fresh snapshot.

use tokio_tungstenite::tungstenite::Message;

use crate::api_flow::quick_live;
use crate::support::api::{next_frame, next_json, next_of, send_frame};
use crate::support::bomb_site::{BOMB_PAGE_TEXT, gzip_bomb};
use crate::support::{World, bounded};

const SNAPSHOT: u8 = 1;
const GZIP: u8 = 2;
const AGENT: &str = r#"{"agent":{"id":"agent-1","name":"Ann"}}"#;

#[tokio::test]
async fn gzip_bombs_reached_the_agents_viewer_and_now_are_dropped_with_a_fresh_snapshot_asked() {
    let world = World::start_with(quick_live).await;
    let tandem = &world.tandem;
    let visitor = tandem.visitor("https://shop.test/").await;
    let (mut page, _) = visitor.presence(&visitor.landing).await;
    let (mut agent, _) = tandem.agent_for(&visitor.session.short_id, AGENT).await.join().await;
    assert_eq!(next_json(&mut page).await["state"], "started");
    send_frame(&mut page, SNAPSHOT, "[snapshot]").await;
    assert_eq!(next_frame(&mut agent).await.seq, 0);

    // 1 GiB of spaces each, in about a megabyte: an incremental frame and a snapshot.
    let bomb = gzip_bomb(1024);
    for flags in [GZIP, GZIP, SNAPSHOT | GZIP] {
        let mut frame = vec![flags];
        frame.extend_from_slice(&bomb);
        bounded("sending a bomb", futures_util::SinkExt::send(&mut page, Message::binary(frame))).await.expect("sent");
    }
    let told = next_of(&mut agent, "frame_dropped").await;
    assert_eq!(told["reason"], "too_large", "{told}");
    next_of(&mut page, "snapshot").await;
    // What came after the lost frame waits for the snapshot; nothing of the bombs was
    // stamped, so the agent's next frame is the fresh snapshot, next in sequence.
    send_frame(&mut page, 0, "[a change after the lost one]").await;
    send_frame(&mut page, SNAPSHOT, "[fresh]").await;
    let fresh = next_frame(&mut agent).await;
    assert_eq!((fresh.seq, fresh.flags, fresh.body.as_str()), (1, SNAPSHOT, "[fresh]"));
}

#[tokio::test]
async fn a_hostile_pages_gzip_bombs_froze_the_agents_replay_and_now_never_reach_it() {
    let world = World::start_with(quick_live).await;
    let session = world.tandem.create_session("http://app.test/bomb-page").await;
    let result = crate::support::browser::run_scenario("mirror_bombs", &world.tandem.scenario_args(&session)).await;
    assert_eq!(result["replayed"], BOMB_PAGE_TEXT, "the agent saw the page first: {result}");
    assert_eq!(result["thrown"], 3, "the page slipped three bombs into its live socket: {result}");
    assert_eq!(result["agent_big_frames"], serde_json::json!([]), "no bomb reached the agent's browser: {result}");
    assert_eq!(result["stale_shown"], true, "the agent was told its copy is behind: {result}");
    assert_eq!(result["after"], "AFTERBOMBS", "the agent sees the visitor's next change: {result}");
    assert_eq!(result["status_after"], "Live", "and is live again: {result}");
}

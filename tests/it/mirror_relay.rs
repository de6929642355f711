//! The relay of the live mirror, spoken to as the visitor's page and the agents' viewers
//! do (`injector/PROTOCOL.md`): frames stamped and fanned out in order, the current page
//! for late joiners and after a `resync`, the visitor's new page followed, control
//! actions checked against the link's permissions on the server, and nothing of an
//! ended session shown again.

use crate::api_flow::quick_live;
use crate::support::World;
use crate::support::api::{next_frame, next_json, next_of, send_frame, send_json};

const SNAPSHOT: u8 = 1;
const AGENT: &str = r#"{"agent":{"id":"agent-1","name":"Ann"}}"#;

fn now_millis() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_millis() as i64
}

#[tokio::test]
async fn agents_get_the_page_in_order_and_a_late_joiner_starts_from_the_current_snapshot() {
    let world = World::start_with(quick_live).await;
    let tandem = &world.tandem;
    let visitor = tandem.visitor("https://shop.test/").await;
    let (mut page, hello) = visitor.presence(&visitor.landing).await;
    assert_eq!(hello["capture"], false, "nothing is recorded before a session: {hello}");
    let (mut first, first_hello) = tandem.agent_for(&visitor.session.short_id, AGENT).await.join().await;
    let started = next_json(&mut page).await;
    assert_eq!((started["state"].as_str(), started["capture"].as_bool()), (Some("started"), Some(true)), "{started}");

    send_frame(&mut page, SNAPSHOT, "[snapshot]").await;
    send_frame(&mut page, 0, "[change 1]").await;
    let before = now_millis();
    let snapshot = next_frame(&mut first).await;
    assert_eq!((snapshot.seq, snapshot.flags, snapshot.body.as_str()), (0, SNAPSHOT, "[snapshot]"));
    assert!((before - 5_000..=now_millis()).contains(&snapshot.time), "stamped with the relay's time");
    assert_eq!(next_frame(&mut first).await.seq, 1);

    let bob = r#"{"agent":{"id":"agent-2","name":"Bob"}}"#;
    let (mut late, late_hello) = tandem.agent_for(&visitor.session.short_id, bob).await.join().await;
    assert_eq!(late_hello["session_id"], first_hello["session_id"]);
    assert_ne!(late_hello["color"], first_hello["color"], "each agent has its own cursor colour");
    let caught_up = [next_frame(&mut late).await, next_frame(&mut late).await];
    assert_eq!(caught_up.map(|f| (f.seq, f.body)), [(0, "[snapshot]".into()), (1, "[change 1]".into())]);

    send_frame(&mut page, 0, "[change 2]").await;
    for agent in [&mut first, &mut late] {
        let change = next_frame(agent).await;
        assert_eq!((change.seq, change.body.as_str()), (2, "[change 2]"), "both agents, same order");
    }
    // The page hears who watches, for labelled cursors.
    let both = loop {
        let told = next_of(&mut page, "agents").await;
        if told["agents"].as_array().is_some_and(|a| a.len() == 2) {
            break told;
        }
    };
    let agents = both["agents"].as_array().expect("agents");
    assert_eq!((&agents[0]["name"], &agents[1]["name"]), (&"Ann".into(), &"Bob".into()), "{both}");
    assert_eq!(agents[0]["color"], first_hello["color"]);
}

#[tokio::test]
async fn a_reconnect_a_resync_or_a_new_page_of_the_visitor_starts_the_agent_over_from_a_snapshot() {
    let world = World::start_with(quick_live).await;
    let tandem = &world.tandem;
    let visitor = tandem.visitor("https://shop.test/").await;
    let (mut page, _) = visitor.presence(&visitor.landing).await;
    let link = tandem.agent_for(&visitor.session.short_id, AGENT).await;
    let (agent, _) = link.join().await;
    send_frame(&mut page, SNAPSHOT, "[page one]").await;
    send_frame(&mut page, 0, "[change]").await;
    // The agent's connection drops; it comes back by the same link to the same page.
    drop(agent);
    let (mut agent, _) = link.join().await;
    assert_eq!(next_frame(&mut agent).await.seq, 0);
    assert_eq!(next_frame(&mut agent).await.seq, 1);

    send_json(&mut agent, &serde_json::json!({"type": "resync"})).await;
    let again = next_frame(&mut agent).await;
    assert_eq!((again.seq, again.flags), (0, SNAPSHOT), "the chain again, from its snapshot");
    assert_eq!(next_frame(&mut agent).await.seq, 1);

    // The visitor follows a link: its next page opens a socket and sends its snapshot.
    drop(page);
    let (mut next_page, hello) = visitor.presence(&visitor.landing).await;
    assert_eq!(hello["capture"], true, "a new page in a session records at once: {hello}");
    send_frame(&mut next_page, SNAPSHOT, "[page two]").await;
    let followed = next_frame(&mut agent).await;
    assert_eq!((followed.seq, followed.flags, followed.body.as_str()), (2, SNAPSHOT, "[page two]"));
}

#[tokio::test]
async fn a_refused_permission_is_refused_by_the_server_even_for_a_crafted_frame() {
    let world = World::start_with(quick_live).await;
    let tandem = &world.tandem;
    let visitor = tandem.visitor("https://shop.test/").await;
    let (mut page, _) = visitor.presence(&visitor.landing).await;
    let body = r#"{"agent":{"id":"agent-1"},"permissions":{"allow_click":false,"allow_type":false}}"#;
    let (mut agent, hello) = tandem.agent_for(&visitor.session.short_id, body).await.join().await;
    assert_eq!(hello["permissions"]["allow_click"], false);
    assert_eq!(next_json(&mut page).await["state"], "started");

    // What no viewer would send, but a crafted one may: refused all the same.
    let crafted = [
        serde_json::json!({"type": "control", "action": "click", "id": 12, "x": 5, "y": 5}),
        serde_json::json!({"type": "control", "action": "type", "id": 12, "value": "hi", "permissions": {"allow_type": true}}),
        serde_json::json!({"type": "control", "action": "console", "code": "document.cookie"}),
    ];
    for action in &crafted {
        send_json(&mut agent, action).await;
        let refused = next_of(&mut agent, "refused").await;
        assert_eq!((&refused["action"], &refused["reason"]), (&action["action"], &"not permitted".into()), "{refused}");
    }
    // Allowed actions pass, as the server rebuilt them and naming the real agent; the
    // first control message the page ever gets is this one.
    let scroll = serde_json::json!({"type": "control", "action": "scroll", "id": null, "x": 0, "y": 250, "agent": "x"});
    send_json(&mut agent, &scroll).await;
    let control = next_of(&mut page, "control").await;
    assert_eq!(
        control,
        serde_json::json!({"type": "control", "agent": "agent-1", "action": "scroll", "id": null, "x": 0.0, "y": 250.0})
    );

    // The page's own refusal reaches the agent.
    send_json(
        &mut page,
        &serde_json::json!({"type": "refused", "agent": "agent-1", "action": "type", "reason": "masked field"}),
    )
    .await;
    let refused = next_of(&mut agent, "refused").await;
    assert_eq!(refused["reason"], "masked field", "{refused}");
}

#[tokio::test]
async fn nothing_of_an_ended_session_is_shown_to_the_next_one() {
    let world = World::start_with(quick_live).await;
    let tandem = &world.tandem;
    let visitor = tandem.visitor("https://shop.test/").await;
    let (mut page, _) = visitor.presence(&visitor.landing).await;
    let (mut agent, _) = tandem.agent_for(&visitor.session.short_id, AGENT).await.join().await;
    assert_eq!(next_of(&mut page, "session").await["state"], "started");
    send_frame(&mut page, SNAPSHOT, "[private page]").await;
    assert_eq!(next_frame(&mut agent).await.body, "[private page]");
    send_json(&mut agent, &serde_json::json!({"type": "end_session"})).await;
    assert_eq!(next_of(&mut page, "session").await["state"], "ended");
    // A frame still in flight from the page after the end is dropped too.
    send_frame(&mut page, 0, "[late change]").await;

    let (mut next_agent, _) = tandem.agent_for(&visitor.session.short_id, AGENT).await.join().await;
    assert_eq!(next_of(&mut page, "session").await["state"], "started");
    assert_eq!(next_of(&mut page, "snapshot").await["type"], "snapshot", "the new agent asks for the page anew");
    send_frame(&mut page, SNAPSHOT, "[page now]").await;
    assert_eq!(next_frame(&mut next_agent).await.body, "[page now]", "not the ended session's page");
}

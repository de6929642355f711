//! The visitor and two agents in three Chromium contexts through a real Tandem, for what
//! only whole browsers show: the visitor's `:hover` state, the agent follows the visitor to another host of the site,
//! an agent who joins late starts from the page the visitor is on now, and the end of the
//! session stops both sides.

use serde_json::json;

use crate::api_flow::quick_live;
use crate::support::World;
use crate::support::browser::run_scenario;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_follows_the_visitor_to_another_host_a_late_agent_sees_the_current_page_and_the_end_stops_both_sides()
{
    let world = World::start_with(quick_live).await;
    let tandem = &world.tandem;
    let session = tandem.create_session("https://shop.test/mirror/page").await;
    let result = run_scenario("mirror_follow", &tandem.scenario_args(&session)).await;

    assert_eq!(result["before"], "Hello from the visitor's page", "{result:#}");
    assert_eq!(
        result["hover"],
        json!(["rgb(200, 30, 30)", "rgba(0, 0, 0, 0)"]),
        "`:hover` follows the pointer: {result:#}"
    );
    assert!(result["indicator"].as_str().is_some_and(|t| t.contains("Stop sharing")), "{result:#}");
    assert_eq!(result["followed"], "Another host", "the agent followed without reopening anything: {result:#}");
    assert!(
        result["url_shown"].as_str().is_some_and(|u| u.contains("https://accounts.test/mirror/away")),
        "{result:#}"
    );
    assert_eq!(result["late"], "Another host", "the late agent starts from the current page: {result:#}");
    assert_eq!(result["both"], json!(["Seen by both", "Seen by both"]), "{result:#}");
    let ended = &result["ended"];
    assert!(["ended", "closed", "left"].contains(&ended["late_viewer"].as_str().unwrap_or_default()), "{ended}");
    assert_eq!(ended["told_ended"], true, "{ended}");
    assert_eq!(ended["overlay_after"], "gone", "no trace on the visitor's page: {ended}");
    assert_eq!(ended["frames_after_end"], 0, "the visitor's page stopped recording: {ended}");
    let sessions = tandem.api_ok("/v1.3/cobrowsing_sessions/list").await;
    let sessions = sessions["cobrowsing_sessions"].as_array().expect("sessions").clone();
    assert_eq!(sessions.len(), 1, "one session for both agents: {sessions:?}");
    assert_eq!(sessions[0]["end_reason"], "agent", "{sessions:?}");
    assert_eq!(sessions[0]["agents"].as_array().map(Vec::len), Some(2), "{sessions:?}");
}

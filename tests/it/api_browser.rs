//! The live parts of the REST API seen from real headless Chromium: the runtime's
//! presence socket makes a visitor's browser online and reports its real URL while it
//! moves and signs in, frames stay silent, and an agent's browser opens a watch link,
//! sees the visitor in the viewer and ends the session with its End button, and the
//! presence socket comes back after the connection drops. The
//! scenarios poll the REST API themselves while the browsers act; the assertions are
//! here.

use axum::response::Html;

use crate::api_flow::quick_live;
use crate::support::browser::run_scenario;
use crate::support::fixtures::PASSWORD;
use crate::support::local_site::LocalSite;
use crate::support::relay::Relay;
use crate::support::{API_KEY, World, ZONE};

/// How long a visitor with no page open stays online in these tests: longer than a page
/// takes to follow another on a loaded machine, short enough to wait out.
const VISITOR_GRACE_MS: u64 = 3000;

fn presence_config(config: &mut tandem::config::Config) {
    config.visitor_grace_ms = VISITOR_GRACE_MS;
}

/// The REST API's place in a scenario's args.
fn api_args(world: &World, short_id: &str) -> serde_json::Value {
    serde_json::json!({
        "control": world.tandem.control_url(""),
        "api_key": API_KEY,
        "short_id": short_id,
    })
}

/// A visitor's Chromium opens the proxy URL of the shop's login page, moves by
/// pushState, signs in and follows a link to account.shop.test: the visitor record is
/// online with Chromium's user agent, browser, device and address, and its URL is the
/// real URL of each page in turn; it never reads offline while one page follows
/// another; after the page closes it goes offline once the grace period is over.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitors_browser_is_online_at_its_real_url_until_it_leaves() {
    let world = World::start_with(presence_config).await;
    let session = world.tandem.create_session("https://shop.test/login").await;
    let mut args = api_args(&world, &session.short_id);
    args["proxy_url"] = session.proxy_url.clone().into();
    args["user"] = "alice".into();
    args["password"] = PASSWORD.into();
    args["grace_ms"] = VISITOR_GRACE_MS.into();
    let result = run_scenario("api_presence", &args).await;

    let landed = &result["landed"];
    assert_eq!(landed["is_online"], true, "{landed:#}");
    assert_eq!(landed["browser_name"], "Chrome", "{landed:#}");
    assert_eq!(landed["device_type"], "desktop", "{landed:#}");
    assert_eq!(landed["user_agent"], result["user_agent"], "{result:#}");
    assert_eq!(landed["ip_address"], "127.0.0.1", "{landed:#}");
    // Each step's record was at the real URL (the scenario waited for it), not the label's.
    for (step, url) in [
        ("landed", "https://shop.test/login"),
        ("pushed", "https://shop.test/login?step=pushed#form"),
        ("account", "https://shop.test/account"),
        ("profile", "https://account.shop.test/profile"),
    ] {
        assert_eq!(result[step]["url"], url, "{step}: {:#}", result[step]);
        assert_eq!(result[step]["is_online"], true, "{step}: {:#}", result[step]);
    }
    assert_eq!(result["offline_readings"], serde_json::json!([]), "offline while pages followed each other");
    assert!(result["polls"].as_u64().is_some_and(|n| n >= 3), "the record was hardly polled: {result:#}");

    let offline = &result["offline"];
    assert_eq!(offline["record"]["is_online"], false, "{offline:#}");
    assert_eq!(offline["record"]["url"], "https://account.shop.test/profile", "the last page is kept: {offline:#}");
    let after = offline["after_ms"].as_u64().expect("after_ms");
    assert!(after >= VISITOR_GRACE_MS, "offline {after} ms after the page closed, before the grace period");
}

/// A page with a frame of its own session (and a popup) holds one presence socket: the
/// frame, which runs the runtime and whose own sockets the browser does observe, opens
/// none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frames_of_a_session_page_open_no_presence_socket() {
    let world = World::start_with(presence_config).await;
    let session = world.tandem.create_session("https://app.test/frames-reused").await;
    let result = run_scenario("api_frames", &serde_json::json!({ "proxy_url": session.proxy_url })).await;

    assert_eq!(result["frame_runtime"], true, "the frame runs the runtime: {result:#}");
    assert_eq!(result["frame_url"], session.url("https://app.test/frames-child?who=frame"), "{result:#}");
    let sockets: Vec<&str> = result["sockets"].as_array().expect("sockets").iter().filter_map(|s| s.as_str()).collect();
    let presence_url = session.origin("https://app.test").replacen("http", "ws", 1) + "/__tandem/live";
    let presence: Vec<&&str> = sockets.iter().filter(|u| u.ends_with("/__tandem/live")).collect();
    assert_eq!(presence, [&presence_url.as_str()], "one presence socket, the top page's: {sockets:?}");
    assert!(sockets.iter().any(|u| u.ends_with("/probe-socket")), "the frame's own socket was seen: {sockets:?}");
}

/// A loopback page for `branding.on_end_url`, stopped when dropped.
async fn end_page() -> LocalSite {
    let page = Html("<!doctype html><title>Thanks from the integrator</title><p>Session over</p>");
    LocalSite::start("the end page", |_| {
        axum::Router::new().route("/ended", axum::routing::get(move || async move { page }))
    })
    .await
}

/// The agent's Chromium opens the watch URL of the REST API: the viewer connects and
/// shows the visitor's real URL and browser, follows it as it moves, leaves and comes
/// back, and the API has the visitor in an ongoing session. The End button ends it for everyone (`end_reason: "agent"`) and the viewer
/// says so; the same link in another browser is refused as used; a link with
/// `branding.on_end_url` sends the viewer there when its session ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agents_browser_watches_through_its_link_and_ends_the_session() {
    let world = World::start_with(presence_config).await;
    let session = world.tandem.create_session("https://shop.test/login").await;
    let end_page = end_page().await;
    let end_url = format!("{}/ended", end_page.url());
    let mut args = api_args(&world, &session.short_id);
    args["proxy_url"] = session.proxy_url.clone().into();
    args["on_end_url"] = end_url.clone().into();
    let result = run_scenario("api_viewer", &args).await;

    for (viewer, url) in [("first", "https://shop.test/login"), ("second", "https://shop.test/login?agent=watching")] {
        let report = &result[viewer];
        assert_eq!(report["status"], "connected", "{viewer}: {report:#}");
        assert_eq!(report["url"], url, "{viewer}: {report:#}");
        assert_eq!(report["browser"], "Chrome, desktop", "{viewer}: {report:#}");
        assert_eq!(report["visitor"], session.short_id.as_str(), "{viewer}: {report:#}");
        assert_eq!(report["agent"], "Ann", "{viewer}: {report:#}");
        let viewer_url = report["viewer_url"].as_str().expect("viewer_url");
        assert!(viewer_url.starts_with(&world.tandem.control_url("/watch/s/")), "{viewer}: {report:#}");
    }
    // The viewer follows the visitor as it moves, leaves and comes back (the scenario
    // waited for each of these).
    for (step, status, url) in [
        ("followed", "connected", "https://shop.test/login?agent=watching"),
        ("away", "offline", "https://shop.test/login?agent=watching"),
        ("back", "connected", "https://shop.test/login?visitor=back"),
    ] {
        assert_eq!(result[step], serde_json::json!({"status": status, "url": url}), "{step}");
    }
    assert_eq!(result["in_session"], true, "{result:#}");
    let ongoing = result["ongoing"].as_array().expect("ongoing");
    assert_eq!(ongoing.len(), 1, "{result:#}");
    assert_eq!(ongoing[0]["visitor_id"], session.short_id.as_str(), "{result:#}");
    assert_eq!(ongoing[0]["is_ongoing"], true, "{result:#}");

    // The End button: each viewer said the session was over (the second before it left
    // for on_end_url), and the record says the agent ended it.
    for viewer in ["first", "second"] {
        let states = result[viewer]["states"].as_array().expect("states");
        let last = states.last().unwrap_or(&serde_json::Value::Null);
        assert_eq!(
            last,
            &serde_json::json!({"state": "ended", "text": "Session ended (agent)"}),
            "{viewer}: {states:#?}"
        );
    }
    let ended = &result["ended_sessions"];
    assert_eq!(ended.as_array().map(Vec::len), Some(1), "{ended:#}");
    assert_eq!(ended[0]["id"], ongoing[0]["id"], "{ended:#}");
    assert_eq!(ended[0]["end_reason"], "agent", "{ended:#}");
    assert_eq!(result["not_in_session_after"], true, "{result:#}");

    let reused = &result["reused"];
    assert_eq!(reused["status"], 410, "{reused:#}");
    assert!(reused["text"].as_str().is_some_and(|t| t.contains("already been used")), "{reused:#}");

    assert_eq!(result["after_end"]["url"], end_url.as_str(), "{result:#}");
    assert_eq!(result["after_end"]["title"], "Thanks from the integrator", "{result:#}");
    let again = result["ended_again"].as_array().expect("sessions");
    assert_eq!(again.len(), 2, "{result:#}");
    assert!(again.iter().all(|s| s["end_reason"] == "agent"), "{result:#}");
}

/// The runtime reopens its presence socket after a drop: with every connection between
/// the browser and Tandem cut (by a relay in front of the content origin), the page
/// opens a new socket, and the visitor, offline once the short grace period passed, is
/// online again at the same real URL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_presence_socket_comes_back_after_a_drop() {
    let (mut relay, listener) = Relay::bind().await;
    let world = World::start_with(|config| {
        quick_live(config);
        config.content_origin =
            url::Url::parse(&format!("http://{ZONE}:{}", relay.addr.port())).expect("content origin");
    })
    .await;
    relay.forward_to(listener, world.tandem.addr).await;
    let session = world.tandem.create_session("https://shop.test/login").await;
    let mut args = api_args(&world, &session.short_id);
    args["proxy_url"] = session.proxy_url.clone().into();
    args["url"] = "https://shop.test/login".into();
    args["cut_url"] = relay.cut_url.clone().into();
    let result = run_scenario("api_reconnect", &args).await;

    assert!(result["cut"].as_u64().is_some_and(|n| n >= 1), "nothing was cut: {result:#}");
    let sockets = result["sockets"].as_array().expect("sockets");
    let presence = sockets.iter().filter(|s| s["url"].as_str().is_some_and(|u| u.ends_with("/__tandem/live")));
    assert_eq!(presence.count(), sockets.len(), "only presence sockets: {result:#}");
    assert_eq!(sockets.len(), 2, "one socket, then one more after the drop: {result:#}");
    assert_eq!(result["transitions"], serde_json::json!([true, false, true]), "{result:#}");
    assert_eq!(result["record"]["url"], "https://shop.test/login", "{result:#}");
}

/// A page restored from the back-forward cache opens its presence socket again at once,
/// not after the reconnection backoff (at least 500 ms): its visitor, whose other page
/// has just closed, does not go offline for a grace period shorter than that.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_back_from_the_back_forward_cache_reports_again_at_once() {
    let world = World::start_with(|config| config.visitor_grace_ms = 300).await;
    let session = world.tandem.create_session("https://shop.test/login").await;
    let mut args = api_args(&world, &session.short_id);
    args["proxy_url"] = session.proxy_url.clone().into();
    args["next_url"] = session.url("https://accounts.test/login").into();
    args["back_forward_cache"] = true.into();
    let result = run_scenario("api_bfcache", &args).await;

    assert_eq!(result["restored"], true, "the page came from the cache: {result:#}");
    assert_eq!(result["offline_readings"], serde_json::json!([]), "offline until the restored page reconnected");
    assert!(result["polls"].as_u64().is_some_and(|n| n >= 1), "{result:#}");
}

/// The visitor's indicator: nothing until an agent watches, then a badge (outside the
/// page's body, so the page's own DOM is as it was) on every page the visitor opens;
/// its "Stop sharing" ends the session for the agent too and leaves no trace.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_visitor_sees_an_indicator_while_watched_and_can_stop_sharing() {
    let world = World::start_with(presence_config).await;
    let session = world.tandem.create_session("https://shop.test/").await;
    let mut args = api_args(&world, &session.short_id);
    args["proxy_url"] = session.proxy_url.clone().into();
    let result = run_scenario("api_indicator", &args).await;

    assert!(result["before"].is_null(), "no indicator before an agent comes: {result:#}");
    for step in ["during", "after_navigation"] {
        let text = result[step].as_str().unwrap_or_default();
        assert!(text.contains("Support is viewing this page") && text.contains("Stop sharing"), "{step}: {result:#}");
    }
    assert_eq!(result["page_sees_no_host_in_body"], true, "{result:#}");
    assert!(result["after_stop"].is_null(), "the indicator is gone after the end: {result:#}");
    assert_eq!(result["agent_status"], "Session ended (visitor)", "{result:#}");
    let sessions = result["sessions"].as_array().expect("sessions");
    assert_eq!(sessions.len(), 1, "{result:#}");
    assert_eq!(sessions[0]["end_reason"], "visitor", "{result:#}");
}

//! Remote control as the visitor's Chromium lives it: the test is the agent, on a real
//! agent socket of a real watch link (`injector/PROTOCOL.md`), and the page reports what
//! happened to it. The page checks the agent's actions again (`injector/runtime/control.js`)
//! and shows its marks in an overlay that the session's end takes away whole.

use http::StatusCode;
use serde_json::{Value, json};

use crate::api_flow::quick_live;
use crate::support::api::{DELETE, Socket, eventually, next_frame, next_of, send_json};
use crate::support::browser::run_scenario;
use crate::support::snapshots::{self, next_snapshot};
use crate::support::{Tandem, World};

const AGENT: &str = r#"{"agent":{"id":"agent-1","name":"Ann"}}"#;

/// Waits until the visitor's page says it reached `step` (`?step=` in its address).
pub(crate) async fn step_reached(tandem: &Tandem, short_id: &str, step: &str) {
    let wanted = format!("?step={step}");
    eventually(&format!("the visitor's page at step {step}"), || async {
        let visitor = tandem.api_ok(&format!("/v1.3/visitors/{short_id}")).await;
        visitor["visitor"]["url"].as_str().is_some_and(|url| url.ends_with(&wanted)).then_some(())
    })
    .await;
}

/// Sends one control action as the agent's viewer does.
async fn control(agent: &mut Socket, action: Value) {
    let mut message = json!({"type": "control"});
    for (key, value) in action.as_object().expect("an action object") {
        message[key] = value.clone();
    }
    send_json(agent, &message).await;
}

/// Two agents point and one draws: the visitor sees a cursor per agent, labelled with its
/// name in its own colour, and the stroke, in an overlay that the page's scripts cannot open, that takes no clicks and carries
/// rrweb's block class (so the mirror never shows it back); when the session ends the
/// overlay goes and the page's markup is exactly what it was before the session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agents_cursor_and_strokes_show_and_the_end_of_the_session_leaves_no_trace() {
    let world = World::start_with(quick_live).await;
    let tandem = &world.tandem;
    let session = tandem.create_session("https://app.test/control").await;
    let short_id = session.short_id.clone();
    let args = tandem.scenario_args(&session);
    let scenario = tokio::spawn(async move { run_scenario("mirror_control_marks", &args).await });

    step_reached(tandem, &short_id, "ready").await;
    let (mut agent, _) = tandem.agent_for(&short_id, AGENT).await.join().await;
    let bob = r#"{"agent":{"id":"agent-2","name":"Bob"}}"#;
    let (mut second, _) = tandem.agent_for(&short_id, bob).await.join().await;
    // Agents act on the page they see: the one the visitor uses, once its panel says so.
    next_frame(&mut agent).await;
    control(&mut agent, json!({"action": "pointer", "x": 120, "y": 80})).await;
    control(&mut second, json!({"action": "pointer", "x": 300, "y": 40})).await;
    control(&mut agent, json!({"action": "draw", "points": [[10, 10], [200, 150]], "done": false})).await;
    step_reached(tandem, &short_id, "seen").await;
    let ended = tandem.api(DELETE, &format!("/v1.3/visitors/{short_id}/session"), "").await;
    assert_eq!(ended.status, StatusCode::OK, "{}", ended.text());
    let result = scenario.await.expect("scenario task");

    // By name: the two agents' sockets may deliver their first pointers in either order.
    let mut cursors = result["cursors"].as_array().expect("cursors").clone();
    cursors.sort_by_key(|c| c["name"].as_str().unwrap_or_default().to_owned());
    assert_eq!(cursors.len(), 2, "one cursor per agent: {result:#}");
    let style = |i: usize| cursors[i]["style"].as_str().unwrap_or_default().to_owned();
    assert_eq!((&cursors[0]["name"], &cursors[1]["name"]), (&json!("Ann"), &json!("Bob")), "{result:#}");
    assert!(style(0).contains("translate(120px, 80px)") && style(1).contains("translate(300px, 40px)"), "{result:#}");
    let color = |i: usize| style(i).split("--c:").nth(1).map(|c| c.split(';').next().unwrap_or_default().to_owned());
    assert!(color(0).is_some() && color(0) != color(1), "each agent in its own colour: {result:#}");
    assert_eq!(result["strokes"], json!(["10,10 200,150"]), "{result:#}");
    let host = &result["host"];
    assert_eq!(host["in_body"], false, "outside the page's body: {result:#}");
    assert_eq!(host["shadow_root"], false, "closed to the page's scripts: {result:#}");
    // Marks were made with the page's own DOM methods, which handed a page that replaced
    // them the overlay's nodes: its closed root, and the visitor's panel frame in it.
    assert_eq!(result["overlay_reached"], false, "no node of the overlay reached the page's script: {result:#}");
    assert_eq!(host["class_name"], "rr-block", "not recorded into the mirror: {result:#}");
    assert_eq!(host["pointer_events"], "none", "{result:#}");
    assert_eq!(host["z_index"], "2147483647", "{result:#}");
    assert_eq!(result["pointer_passes_through"], true, "{result:#}");
    assert!(result["overlay_after"].is_null(), "nothing left after the end: {result:#}");
    assert_eq!(result["same_markup"], true, "the page's markup is as before the session: {result:#}");
    drop((agent, second));
}

/// The mirror ids of the elements with the HTML ids `wanted`, from the first full
/// snapshot the agent gets.
async fn node_ids(agent: &mut Socket, wanted: &[&str]) -> Vec<u64> {
    snapshots::node_ids(&next_snapshot(agent).await.0, wanted)
}

/// The agent highlights, clicks, types and scrolls on the visitor's page by mirror node
/// ids: the outline shows, the page's own click handler runs, the text field gets the
/// value with `input` and `change` as typing gives, the password field is refused by
/// the page (its value unchanged, the agent told why), the box scrolls; then the agent
/// sends the visitor to another page by its real URL, and the visitor stays inside the
/// session. With `allow_console` granted, code runs in the page and its result or error
/// comes back to the agent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_clicks_types_scrolls_and_navigates_but_never_types_into_a_password_field() {
    let world = World::start_with(quick_live).await;
    let tandem = &world.tandem;
    let session = tandem.create_session("https://app.test/control").await;
    let short_id = session.short_id.clone();
    let args = tandem.scenario_args(&session);
    let scenario = tokio::spawn(async move { run_scenario("mirror_control", &args).await });

    step_reached(tandem, &short_id, "ready").await;
    let with_console = r#"{"agent":{"id":"agent-1","name":"Ann"},"permissions":{"allow_console":true}}"#;
    let (mut agent, _) = tandem.agent_for(&short_id, with_console).await.join().await;
    let ids = node_ids(&mut agent, &["press", "name", "pw", "box"]).await;
    let [press, name, pw, scroll_box] = [ids[0], ids[1], ids[2], ids[3]];
    control(&mut agent, json!({"action": "highlight", "id": press})).await;
    control(&mut agent, json!({"action": "click", "id": press, "x": 10, "y": 10})).await;
    control(&mut agent, json!({"action": "type", "id": pw, "value": "stolen"})).await;
    let refused = next_of(&mut agent, "refused").await;
    assert_eq!((&refused["action"], &refused["reason"]), (&json!("type"), &json!("masked")), "{refused}");
    control(&mut agent, json!({"action": "console", "code": "document.title + ' ' + (1 + 1)"})).await;
    let answer = next_of(&mut agent, "console_result").await;
    assert_eq!(answer["result"], "\"Control 2\"", "{answer}");
    control(&mut agent, json!({"action": "console", "code": "throw new Error('nope')"})).await;
    let failure = next_of(&mut agent, "console_result").await;
    assert!(failure["error"].as_str().is_some_and(|e| e.contains("nope")), "{failure}");
    control(&mut agent, json!({"action": "type", "id": name, "value": "hello"})).await;
    control(&mut agent, json!({"action": "scroll", "id": scroll_box, "x": 0, "y": 500})).await;
    step_reached(tandem, &short_id, "acted").await;
    control(&mut agent, json!({"action": "navigate", "to": "url", "url": "https://app.test/control/other"})).await;
    let result = scenario.await.expect("scenario task");

    assert_eq!(result["highlighted"], 1, "{result:#}");
    assert_eq!(result["pressed"], 1, "the button's own handler ran once: {result:#}");
    assert_eq!((&result["name"], &result["changed"]), (&json!("hello"), &json!("hello")), "{result:#}");
    assert_eq!(result["inputs"], 1, "{result:#}");
    assert_eq!(result["password"], "", "the password field is untouched: {result:#}");
    assert_eq!(result["box_scroll"], 500, "{result:#}");
    assert_eq!(result["url_after"], session.url("https://app.test/control/other"), "inside the session: {result:#}");
    assert_eq!(result["heading"], "Other page", "{result:#}");
}

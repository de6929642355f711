//! Only the visitor speaks for the visitor: consent, stop and end come from Tandem's own
//! UI, and the mirrored tab is the one the visitor uses (`SECURITY.md`, "Only the
//! visitor speaks for the visitor"; `injector/PROTOCOL.md`, "Panel socket").
//!
//! First the relay, spoken to as pages and panels do; then Chromium, with a hostile
//! site in another tab and a third-party script in the visitor's own page.

use http::{StatusCode, header};
use serde_json::{Value, json};
use tandem::origin::binding::random_token;

use crate::api_flow::quick_live;
use crate::mirror_control::step_reached;
use crate::support::api::{DELETE, Socket, next_frame, next_of, send_frame, send_json};
use crate::support::browser::run_scenario;
use crate::support::panel::settled;
use crate::support::snapshots::{next_snapshot, node_ids, snapshot_with};
use crate::support::voice_sites::{FORGED, FORGED_ANSWER, HOSTILE_PAGE, VISITOR_PAGE};
use crate::support::{Tandem, Visitor, World, get, get_with_cookie};

const SNAPSHOT: u8 = 1;
const AGENT: &str = r#"{"agent":{"id":"agent-1","name":"Ann"}}"#;

/// A visitor whose proxy session asks for consent.
async fn asking_visitor(tandem: &Tandem) -> Visitor {
    let body = json!({"initial_url": "https://shop.test/", "require_consent": true});
    tandem.enter(&tandem.create_session_with(body).await).await
}

/// Sends `said` on `socket` and returns once the relay has read it.
async fn say(socket: &mut Socket, said: Value) {
    send_json(socket, &said).await;
    settled(socket).await;
}

/// Whether an agent's action is among what a page was told.
fn heard_an_action(told: &[Value]) -> bool {
    told.iter().any(|m| m["type"] == "control")
}

fn pointer() -> Value {
    json!({"type": "control", "action": "pointer", "x": 5, "y": 5})
}

/// Point 5, on the relay: a presence socket, which any script of any page of the
/// session can open (a hostile site in another tab, a third-party script in the
/// visitor's own page), says "allowed", "declined" and "end session" and is not heard;
/// the visitor's panel is.
#[tokio::test]
async fn a_presence_socket_cannot_answer_the_consent_prompt_nor_end_the_session() {
    let world = World::start_with(quick_live).await;
    let tandem = &world.tandem;
    let visitor = asking_visitor(tandem).await;
    let short_id = visitor.session.short_id.clone();
    let (mut page, _) = visitor.presence(&visitor.landing).await;
    let (mut hostile, _) = visitor.unpaired_presence(&visitor.url("https://accounts.test/evil")).await;
    let (mut agent, hello) = tandem.agent_for(&short_id, AGENT).await.join().await;
    assert_eq!(hello["consent"], "asked", "{hello}");
    let live = &tandem.state.live;

    // The hostile tab allows, then the visitor's own page (a script in it) does.
    for socket in [&mut hostile, &mut page.socket] {
        say(socket, json!({"type": "consent", "granted": true})).await;
        assert_eq!(live.consent_state(&short_id), Some("asked"), "a page answered for the visitor");
    }
    send_json(&mut agent, &pointer()).await;
    assert_eq!(next_of(&mut agent, "refused").await["reason"], "no_consent");
    // Declining or ending the session for the visitor does not work either.
    for said in [json!({"type": "consent", "granted": false}), json!({"type": "end_session"})] {
        for socket in [&mut hostile, &mut page.socket] {
            say(socket, said.clone()).await;
            assert_eq!(live.consent_state(&short_id), Some("asked"), "a page answered for the visitor: {said}");
            assert!(live.is_in_session(&short_id), "a page ended the session: {said}");
        }
    }

    // The visitor allows on its panel; a page still cannot end the session.
    send_json(&mut page.panel, &json!({"type": "consent", "granted": true})).await;
    assert_eq!(next_of(&mut agent, "consent").await["state"], "granted");
    say(&mut hostile, json!({"type": "end_session"})).await;
    send_frame(&mut page, SNAPSHOT, "[the visitor's page]").await;
    assert_eq!(next_frame(&mut agent).await.body, "[the visitor's page]", "the session goes on");
    // "Stop sharing" on the panel ends it.
    send_json(&mut page.panel, &json!({"type": "end_session"})).await;
    assert_eq!(next_of(&mut agent, "ended").await["reason"], "visitor");
}

/// The panel's socket takes only Tandem's panel: its own origin (which the browser sets,
/// and no page has) with the binding cookie of the session it names, while a page of the
/// visitor's is open. Its host serves the panel and nothing else, never proxied.
#[tokio::test]
async fn the_panel_socket_admits_only_tandems_panel_with_the_sessions_binding() {
    let world = World::start_with(quick_live).await;
    let tandem = &world.tandem;
    let visitor = tandem.visitor("https://shop.test/").await;
    let other = tandem.visitor("https://shop.test/").await;
    let nonce = random_token();
    let panel_origin = visitor.panel_origin();
    let label_origin = visitor.session.origin("https://shop.test/");
    let no_page = visitor.panel_socket(&nonce, Some(&panel_origin), Some(&visitor.cookie)).await;
    assert_eq!(no_page.err().map(|r| r.status), Some(StatusCode::CONFLICT), "no page of the visitor is open");

    let (_page, _) = visitor.presence(&visitor.landing).await;
    let cases = [
        ("a page's socket", Some(label_origin.as_str()), Some(visitor.cookie.as_str()), StatusCode::FORBIDDEN),
        ("a foreign page", Some("https://evil.test"), Some(visitor.cookie.as_str()), StatusCode::FORBIDDEN),
        ("no Origin", None, Some(visitor.cookie.as_str()), StatusCode::FORBIDDEN),
        ("no binding cookie", Some(panel_origin.as_str()), None, StatusCode::FORBIDDEN),
        ("another session's cookie", Some(panel_origin.as_str()), Some(other.cookie.as_str()), StatusCode::FORBIDDEN),
    ];
    for (what, origin, cookie, status) in cases {
        let refused = visitor.panel_socket(&nonce, origin, cookie).await;
        assert_eq!(refused.err().map(|r| r.status), Some(status), "{what}");
    }
    let bad_nonce = visitor.panel_socket("short", Some(&panel_origin), Some(&visitor.cookie)).await;
    assert_eq!(bad_nonce.err().map(|r| r.status), Some(StatusCode::BAD_REQUEST));
    let (_panel, hello) = visitor.panel(&nonce).await;
    assert_eq!(hello["in_session"], false, "{hello}");

    // The panel's document: its own code only, under a strict policy, never proxied.
    let base = format!("http://tandem.proxy.localhost:{}", tandem.addr.port());
    let document = tandem.send(get_with_cookie(&format!("{base}/"), &visitor.cookie)).await;
    assert_eq!(document.status, StatusCode::OK);
    let csp = document.header(header::CONTENT_SECURITY_POLICY).unwrap_or_default();
    assert!(csp.contains("default-src 'none'") && csp.contains("script-src 'self'"), "{csp}");
    let script = document.text().split("src=\"").nth(1).and_then(|s| s.split('"').next()).map(str::to_owned);
    let script = script.expect("the panel's script tag");
    assert_eq!(tandem.send(get(&format!("{base}{script}"))).await.status, StatusCode::OK);
    for path in ["/__tandem/runtime.js", "/echo", "/__tandem/live"] {
        assert_eq!(tandem.send(get(&format!("{base}{path}"))).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    let post = tandem.send(http::Request::post(format!("{base}/")).body(Default::default()).expect("post")).await;
    assert_eq!(post.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(world.upstream.requests().is_empty(), "nothing went upstream");
}

/// Point 6, on the relay: the visitor uses one tab (its panel says it is visible). A
/// hostile page (a bare presence socket) and a page in a background tab (its panel says
/// hidden) send snapshots, answers for the agent and their address: none is mirrored,
/// none hears the agent's action or answers it, none moves the visitor's address. When
/// the visitor switches to the background tab, that tab is followed.
#[tokio::test]
async fn a_page_the_visitor_is_not_using_cannot_take_the_mirror_nor_hear_or_answer_actions() {
    let world = World::start_with(quick_live).await;
    let tandem = &world.tandem;
    let visitor = tandem.visitor("https://shop.test/").await;
    let short_id = visitor.session.short_id.clone();
    let (mut background, _) = visitor.presence(&visitor.url("https://shop.test/background")).await;
    background.set_visible(false).await;
    let (mut page, _) = visitor.presence(&visitor.url("https://shop.test/in-use")).await;
    let (mut hostile, _) = visitor.unpaired_presence(&visitor.url("https://accounts.test/evil")).await;
    let (mut agent, _) = tandem.agent_for(&short_id, AGENT).await.join().await;
    assert_eq!(next_of(&mut page, "snapshot").await["type"], "snapshot", "the page in use is asked");
    send_frame(&mut page, SNAPSHOT, "[in use]").await;
    assert_eq!(next_frame(&mut agent).await.body, "[in use]");

    // The background tab moves on too (its page's script changes its address).
    let moved = visitor.url("https://shop.test/background?moved");
    for (other, url) in
        [(&mut hostile, visitor.url("https://accounts.test/evil?spoofed")), (&mut background.socket, moved)]
    {
        send_frame(other, SNAPSHOT, "[not in use]").await;
        send_frame(other, 0, "[not in use, a change]").await;
        let said = [
            json!({"type": "refused", "agent": "agent-1", "action": "type", "reason": "spoofed"}),
            json!({"type": "console_result", "agent": "agent-1", "result": "\"spoofed\""}),
            json!({"type": "page", "url": url}),
        ];
        for said in said {
            send_json(other, &said).await;
        }
        settled(other).await;
    }
    let url = tandem.state.live.presence(&short_id).and_then(|p| p.url);
    assert_eq!(url.as_deref(), Some("https://shop.test/in-use"), "only the page in use says where the visitor is");
    // The agent's next frame and answers are the page's in use: nothing of the others came before.
    send_frame(&mut page, 0, "[in use, a change]").await;
    assert_eq!(next_frame(&mut agent).await.body, "[in use, a change]");
    send_json(&mut page, &json!({"type": "refused", "agent": "agent-1", "action": "type", "reason": "masked"})).await;
    send_json(&mut page, &json!({"type": "console_result", "agent": "agent-1", "result": "2"})).await;
    assert_eq!(next_of(&mut agent, "refused").await["reason"], "masked", "the page in use answers");
    assert_eq!(next_of(&mut agent, "console_result").await["result"], "2", "the page in use answers");
    send_json(&mut agent, &pointer()).await;
    assert_eq!(next_of(&mut page, "control").await["action"], "pointer");
    for other in [&mut hostile, &mut background.socket] {
        assert!(!heard_an_action(&settled(other).await), "another page heard the agent");
    }

    // The visitor switches tabs: the background tab is asked, mirrored, and acted on.
    page.set_visible(false).await;
    background.set_visible(true).await;
    assert_eq!(next_of(&mut background, "snapshot").await["type"], "snapshot");
    let url = tandem.state.live.presence(&short_id).and_then(|p| p.url);
    assert_eq!(url.as_deref(), Some("https://shop.test/background?moved"), "the visitor is where that tab is");
    send_frame(&mut page, 0, "[hidden now]").await;
    send_frame(&mut background, SNAPSHOT, "[switched to]").await;
    assert_eq!(next_frame(&mut agent).await.body, "[switched to]");
    send_json(&mut agent, &pointer()).await;
    assert_eq!(next_of(&mut background, "control").await["action"], "pointer");
}

/// With no page in use (no panel, as in a browser where it cannot load), a page hears
/// none of the agents' actions: they are refused, not sent to every page.
#[tokio::test]
async fn with_no_page_in_use_an_agents_action_reaches_no_page() {
    let world = World::start_with(quick_live).await;
    let tandem = &world.tandem;
    let visitor = tandem.visitor("https://shop.test/").await;
    let (mut bare, _) = visitor.unpaired_presence(&visitor.landing).await;
    let (mut agent, _) = tandem.agent_for(&visitor.session.short_id, AGENT).await.join().await;
    send_json(&mut agent, &pointer()).await;
    let refused = next_of(&mut agent, "refused").await;
    assert_eq!(refused["reason"], "the visitor's page is not connected", "{refused}");
    send_frame(&mut bare, SNAPSHOT, "[no panel]").await;
    assert!(!heard_an_action(&settled(&mut bare).await));
    // Once a page is in use, it alone hears the agent.
    let (mut page, _) = visitor.presence(&visitor.landing).await;
    send_json(&mut agent, &pointer()).await;
    assert_eq!(next_of(&mut page, "control").await["action"], "pointer");
    assert!(!heard_an_action(&settled(&mut bare).await));
}

/// What a scenario needs to act for `visitor`'s session with a hostile page in another tab.
fn hostile_args(tandem: &Tandem, visitor: &crate::support::Session) -> Value {
    let mut args = tandem.scenario_args(visitor);
    args["hostile_url"] = visitor.url("https://api.test/voice/hostile").into();
    args
}

/// Point 5, in Chromium: the visitor's page (with a third-party script) and a hostile
/// site in another tab of the session try every way a page has to answer the consent
/// prompt: their own presence sockets ("allowed", "end session", "declined"), the
/// panel's frame (not among the page's frames, nor in its document), a synthetic click
/// on it, the overlay's closed root, the panel's nonce, and a decoy that lets the
/// visitor's click through to "Allow". None counts: the question stays asked, and the
/// visitor's own "Decline" afterwards is the answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_pages_cannot_answer_the_consent_prompt_in_chromium() {
    let world = World::start_with(quick_live).await;
    let tandem = &world.tandem;
    let body = json!({"initial_url": "https://app.test/voice", "require_consent": true});
    let session = tandem.create_session_with(body).await;
    let result = run_scenario("voice_consent", &hostile_args(tandem, &session)).await;

    assert!(result["prompt"].as_str().is_some_and(|p| p.contains("An agent wants to see this page")), "{result:#}");
    assert_eq!(result["answered"], json!([3, 3]), "each page said its three answers: {result:#}");
    assert_eq!(result["after_sockets"], json!({"consent": "asked"}), "a page answered for the visitor: {result:#}");
    for reached in result["reached"].as_array().expect("reached") {
        let (frames, iframes) = (&reached["frames"], &reached["iframes"]);
        assert_eq!((frames, iframes), (&json!(0), &json!(0)), "the page could reach the panel's frame: {result:#}");
        assert_eq!(reached["shadowRoot"], "closed", "{result:#}");
        assert_eq!(reached["inTheCorner"], "tandem-overlay", "the synthetic click was on the panel: {result:#}");
    }
    for page in result["pages"].as_array().expect("pages") {
        assert_eq!(page["panelMessages"], 0, "the page heard the panel's nonce: {result:#}");
        assert_eq!(page["tookRoot"], false, "the page took the overlay's closed root: {result:#}");
        assert_eq!(page["controls"], json!([]), "{result:#}");
    }
    assert_eq!(result["covered"]["under_pointer"], "tandem-overlay", "the click went through to the panel: {result:#}");
    assert_eq!(result["after_decline"], json!({"consent": "declined"}), "the covered Allow counted: {result:#}");
}

/// Point 6, in Chromium: the visitor uses its page (a third-party script in it); a
/// hostile site of the session in a background tab forges snapshots, answers for the
/// agent and an address, on sockets of its own. The agent keeps seeing the visitor's
/// page, the visitor's address stays, the agent's typing reaches the visitor's field and
/// no hostile script hears it. When the visitor switches tabs, the agent follows to the
/// tab in front (and acts there), and back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_tab_cannot_take_the_agents_view_of_the_tab_the_visitor_uses_in_chromium() {
    let world = World::start_with(quick_live).await;
    let tandem = &world.tandem;
    let session = tandem.create_session("https://app.test/voice").await;
    let short_id = session.short_id.clone();
    let args = hostile_args(tandem, &session);
    let scenario = tokio::spawn(async move { run_scenario("voice_tabs", &args).await });

    step_reached(tandem, &short_id, "ready").await;
    let (mut agent, _) = tandem.agent_for(&short_id, AGENT).await.join().await;
    let (first, _) = next_snapshot(&mut agent).await;
    assert!(first.contains(VISITOR_PAGE), "the agent sees the visitor's page: {first}");
    step_reached(tandem, &short_id, "forged").await;
    // The agent types into the page it sees: the visitor's field gets it.
    let note = node_ids(&first, &["note"])[0];
    let typing = json!({"type": "control", "action": "type", "id": note, "value": "typed by the agent"});
    send_json(&mut agent, &typing).await;
    step_reached(tandem, &short_id, "typed").await;
    // Everything the agent got since, and the page it starts over from: nothing forged.
    send_json(&mut agent, &json!({"type": "resync"})).await;
    let (snapshot, before) = next_snapshot(&mut agent).await;
    for text in before.iter().chain([&snapshot]) {
        assert!(!text.contains(FORGED) && !text.contains(FORGED_ANSWER), "the hostile tab reached the agent: {text}");
    }
    assert!(snapshot.contains(VISITOR_PAGE), "{snapshot}");
    let url = tandem.state.live.presence(&short_id).and_then(|p| p.url).unwrap_or_default();
    assert_eq!(url, "https://app.test/voice?step=typed", "the visitor's address is its page's");
    // The agent points (the visitor sees it, and goes to the other tab), then follows.
    send_json(&mut agent, &json!({"type": "control", "action": "pointer", "x": 20, "y": 20})).await;
    snapshot_with(&mut agent, HOSTILE_PAGE).await;
    send_json(&mut agent, &json!({"type": "control", "action": "pointer", "x": 40, "y": 40})).await;
    snapshot_with(&mut agent, VISITOR_PAGE).await;
    let ended = tandem.api(DELETE, &format!("/v1.3/visitors/{short_id}/session"), "").await;
    assert_eq!(ended.status, StatusCode::OK, "{}", ended.text());
    let result = scenario.await.expect("scenario task");

    assert_eq!(result["forged"], 12, "the hostile tab sent its forgeries: {result:#}");
    assert_eq!(result["typed"], "typed by the agent", "{result:#}");
    assert_eq!(result["cursor_in_hostile"], "Ann", "the agent's pointer reached the tab in front: {result:#}");
    assert_eq!(result["hostile_controls"], json!([]), "the hostile script heard the agent: {result:#}");
    assert_eq!(result["third_party_controls"], json!([]), "the third-party script heard the agent: {result:#}");
}

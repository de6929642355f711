//! Tandem's in-page runtime (`injector/runtime/`): its own unit tests under Node, and
//! Chromium through Tandem asserting that what pages do at run time reaches the right
//! upstream.

use std::path::Path;
use std::process::Stdio;

use tokio::process::Command;

use crate::support::browser::run_scenario;
use http::StatusCode;

use crate::support::{Session, World, ZONE, bounded, get};

/// `node --test` in `injector/`: the runtime's encoder and mapper agree with the server's
/// on the shared vectors in `fixtures/label-vectors.json`.
#[tokio::test]
async fn runtime_unit_tests_pass_under_node() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("injector");
    let child = Command::new("node")
        .arg("--test")
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run `node` ({e}): install Node.js (scripts/test does)"));
    let output = bounded("node --test", child.wait_with_output()).await.expect("node --test");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "node --test failed in {}:\n{stdout}\n{}",
        dir.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    // An empty run passes too: make sure the tests were found.
    assert!(stdout.contains("# pass ") && !stdout.contains("# pass 0\n"), "{stdout}");
}

/// Where a page's run-time requests land: what each API sent, as `api.test` logged it.
pub(crate) fn assert_recorded(world: &World, name: &str, host: &str, method: &str, origin: Option<&str>, body: &str) {
    let records = world.upstream.records(name);
    assert_eq!(records.len(), 1, "{name}: expected one request, got {records:#?}");
    let seen = &records[0];
    assert_eq!((seen.host.as_str(), seen.method.as_str()), (host, method), "{name}: {seen:#?}");
    assert_eq!(seen.origin.as_deref(), origin, "{name}: {seen:#?}");
    assert_eq!(seen.body, body, "{name}: {seen:#?}");
}

/// A page on app.test calls every network API with absolute URLs of api.test: each
/// request reaches api.test (through its label) with the app's real Origin, which
/// api.test requires for CORS, the event stream and the WebSocket.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn network_apis_reach_the_upstream_they_name_with_the_pages_real_origin() {
    let world = World::start().await;
    let session = world.tandem.create_session("https://app.test/network").await;
    let result = run_scenario("runtime_page", &serde_json::json!({ "proxy_url": session.proxy_url })).await;
    let out = &result["out"];
    assert_eq!(result["url"], session.url("https://app.test/network"), "{result:#}");

    let app = Some("https://app.test");
    assert_recorded(&world, "fetch-string", "api.test", "POST", app, "body-1");
    assert_recorded(&world, "fetch-url", "api.test", "PUT", app, "body-2");
    assert_recorded(&world, "fetch-request", "api.test", "POST", app, "body-3");
    assert_recorded(&world, "xhr", "api.test", "PATCH", app, "body-5");
    assert_recorded(&world, "beacon", "api.test", "POST", app, "body-6");
    // A relative URL stays on the page's own upstream (same-origin: Origin on POST only).
    assert_recorded(&world, "fetch-relative", "app.test", "POST", app, "body-4");
    // The page could read each response: CORS passed for the app's real origin.
    for (step, name) in [("fetch_string", "fetch-string"), ("fetch_url", "fetch-url"), ("xhr", "xhr")] {
        let reply: serde_json::Value =
            serde_json::from_str(out[step].as_str().unwrap_or_default()).unwrap_or_else(|_| panic!("{step}: {out:#}"));
        assert_eq!(reply["host"], "api.test", "{step}: {out:#}");
        assert_eq!(reply["name"], name, "{step}: {out:#}");
    }
    assert_eq!(out["beacon"], true, "{out:#}");
    assert_eq!(out["event_source"], "event for https://app.test", "{out:#}");
    assert_eq!(out["websocket"], "echo ping from https://app.test", "{out:#}");

    // Nothing the page did left the session's labels.
    let zone = format!(".{ZONE}:");
    for url in result["requests"].as_array().expect("requests") {
        let url = url.as_str().expect("url");
        assert!(url.contains(&zone), "a request escaped the proxy: {url}");
    }

    // The patches are invisible: names, lengths and sources as native.
    for (key, name, length) in [
        ("fetch", "fetch", 1),
        ("Request", "Request", 1),
        ("open", "open", 2),
        ("sendBeacon", "sendBeacon", 1),
        ("EventSource", "EventSource", 1),
        ("WebSocket", "WebSocket", 1),
        ("toString", "toString", 0),
    ] {
        let seen = &out["disguise"][key];
        assert_eq!(seen["name"], name, "{key}: {seen}");
        assert_eq!(seen["length"], length, "{key}: {seen}");
        assert_eq!(seen["source"], format!("function {name}() {{ [native code] }}"), "{key}: {seen}");
    }
    assert_eq!(out["disguise"]["fetch_to_string"], "function fetch() { [native code] }", "{out:#}");
    assert_eq!(out["instance_of"], true, "{out:#}");
    assert_eq!(out["globals"], serde_json::json!([]), "{out:#}");
    // Tandem's tag and the page's own: the second copy changed nothing (a patch of a
    // patch would print as `function () { [native code] }`, without its name).
    assert_eq!(out["runtime_tags"], 2, "{out:#}");
}

/// The navigation steps of `app.test/nav/<step>`, run in one browser.
async fn run_navigation(session: &Session, steps: &[(&str, Option<&str>, bool, bool)]) -> serde_json::Value {
    let steps: Vec<serde_json::Value> = steps
        .iter()
        .map(|(name, click, popup, out)| {
            serde_json::json!({
                "name": name,
                "url": session.url(&format!("https://app.test/nav/{name}")),
                "click": click,
                "popup": popup,
                "out": out,
            })
        })
        .collect();
    // The entry link binds the browser first; every step then loads its own page.
    let mut all = vec![serde_json::json!({ "name": "enter", "url": session.proxy_url, "out": false })];
    all.extend(steps);
    run_scenario("runtime_navigation", &serde_json::json!({ "steps": all })).await
}

/// Navigations to absolute URLs of another origin, started every way a page can, land
/// on that origin's label: the request reaches api.test with the right method and body.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn navigations_to_absolute_urls_stay_in_the_session() {
    let world = World::start().await;
    let session = world.tandem.create_session("https://app.test/nav/push").await;
    let go = Some("#go");
    let result = run_navigation(
        &session,
        &[
            ("assign", None, false, false),
            ("replace", None, false, false),
            ("href", None, false, false),
            ("open", None, true, false),
            ("push", None, false, true),
            ("link", go, false, false),
            ("link-blank", go, true, false),
            ("form", go, false, false),
            ("formaction", go, false, false),
            ("form-blank", go, true, false),
            ("form-submit", None, false, false),
            ("get-form", go, false, false),
        ],
    )
    .await;

    let zone = format!(".{ZONE}:");
    for (step, report) in result.as_object().expect("steps") {
        for url in report["requests"].as_array().expect("requests") {
            assert!(url.as_str().is_some_and(|u| u.contains(&zone)), "{step}: a request escaped the proxy: {url}");
        }
    }
    for (step, method, body) in [
        ("assign", "GET", ""),
        ("replace", "GET", ""),
        ("href", "GET", ""),
        ("open", "GET", ""),
        ("link", "GET", ""),
        ("link-blank", "GET", ""),
        ("form", "POST", "q=hello"),
        ("formaction", "POST", "q=fa"),
        ("form-blank", "POST", "q=blank"),
        ("form-submit", "POST", "q=submitted"),
        ("get-form", "GET", ""),
    ] {
        let query = if step == "get-form" { "?q=got" } else { "" };
        let expected = session.url(&format!("https://api.test/record/nav-{step}{query}"));
        assert_eq!(result[step]["url"], expected, "{step}: {:#}", result[step]);
        // Navigations send Origin on POST only; the upstream sees the app's real one.
        let origin = (method == "POST").then_some("https://app.test");
        assert_recorded(&world, &format!("nav-{step}"), "api.test", method, origin, body);
    }
    assert!(world.upstream.records("nav-wrong").is_empty(), "formaction was ignored");

    // pushState to the page's own real origin keeps the label; to another origin it is
    // refused as on the real web, since the labels are separate origins.
    let push = &result["push"]["out"];
    assert_eq!(push["href"], session.url("https://app.test/pushed?x=1#h"), "{push}");
    assert_eq!(push["cross"], "SecurityError", "{push}");
}

/// A page sets every URL property and attribute the runtime covers to absolute URLs of
/// api.test: the loads land at api.test through its label, and the attributes hold the
/// label URLs; relative URLs and attributes that hold no URL stay as they were.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dom_url_setters_map_absolute_urls_to_labels() {
    let world = World::start().await;
    let session = world.tandem.create_session("https://app.test/dom").await;
    let result = run_scenario("runtime_page", &serde_json::json!({ "proxy_url": session.proxy_url })).await;
    let out = &result["out"];

    for name in [
        "dom-img-src",
        "dom-img-setattribute",
        "dom-img-srcset",
        "dom-script-src",
        "dom-iframe-src",
        "dom-video-poster",
        "dom-object-data",
    ] {
        assert!(!world.upstream.records(name).is_empty(), "{name} never reached api.test: {result:#}");
        assert!(world.upstream.records(name).iter().all(|r| r.host == "api.test"), "{name}");
    }
    let api = |path: &str| session.url(&format!("https://api.test{path}"));
    assert_eq!(out["a_href"], api("/a"), "{out:#}");
    assert_eq!(out["a_setattribute"], api("/b"), "{out:#}");
    assert_eq!(out["a_relative"], "/relative", "{out:#}");
    assert_eq!(out["form_action"], api("/form"), "{out:#}");
    assert_eq!(out["button_formaction"], api("/button"), "{out:#}");
    assert_eq!(out["input_formaction"], api("/input"), "{out:#}");
    assert_eq!(
        out["img_srcset"],
        format!("{} 1x, {} 2x", api("/record/dom-img-srcset"), api("/record/dom-img-srcset-2x")),
        "{out:#}"
    );
    assert_eq!(out["div_data"], "https://api.test/not-a-url-attribute", "{out:#}");
    assert_eq!(out["disguise"]["setAttribute"], "function setAttribute() { [native code] }", "{out:#}");
    assert_eq!(out["disguise"]["src_setter"], "function set src() { [native code] }", "{out:#}");
    assert_eq!(out["disguise"]["name"], "set src", "{out:#}");

    let zone = format!(".{ZONE}:");
    for url in result["requests"].as_array().expect("requests") {
        assert!(url.as_str().is_some_and(|u| u.contains(&zone)), "a request escaped the proxy: {url}");
    }
}

/// Markup inserted as a string (innerHTML, outerHTML, insertAdjacentHTML,
/// document.write/writeln, createContextualFragment, a shadow root's innerHTML, an
/// iframe's srcdoc), elements
/// from a DOMParser document (imported or adopted), an Attr node (also in a closed shadow
/// root), and a `<base>` added at
/// run time: every load lands at api.test through its label, nothing escapes; text-only
/// content and markup without URLs stay as written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inserted_markup_and_elements_added_by_any_route_map_absolute_urls() {
    let world = World::start().await;
    let session = world.tandem.create_session("https://app.test/html").await;
    let result = run_scenario("runtime_page", &serde_json::json!({ "proxy_url": session.proxy_url })).await;
    let out = &result["out"];

    for name in [
        "html-write",
        "html-writeln",
        "html-innerhtml",
        "html-outerhtml",
        "html-adjacent",
        "html-fragment",
        "html-import",
        "html-parsed",
        "html-attr",
        "html-shadow",
        "html-shadow-attr",
        "html-srcdoc",
        "html-srcdoc-attr",
        "html-base",
    ] {
        assert!(!world.upstream.records(name).is_empty(), "{name} never reached api.test: {result:#}");
        assert!(world.upstream.records(name).iter().all(|r| r.host == "api.test"), "{name}");
    }
    assert!(world.upstream.records("html-textarea").is_empty(), "{result:#}");
    assert_eq!(out["textarea"], "<img src=\"https://api.test/record/html-textarea\">", "{out:#}");
    assert_eq!(out["unchanged"], "<p title=\"https://api.test/x\">a &amp; b</p>", "{out:#}");
    let disguise = &out["disguise"];
    assert_eq!(disguise["innerHTML"], "function set innerHTML() { [native code] }", "{out:#}");
    assert_eq!(disguise["insertAdjacentHTML"], "function insertAdjacentHTML() { [native code] }", "{out:#}");
    assert_eq!(disguise["write"], "function write() { [native code] }", "{out:#}");
    assert_eq!(disguise["write_length"], 0, "{out:#}");
    assert_eq!(disguise["importNode"], "function importNode() { [native code] }", "{out:#}");
    assert_eq!(disguise["attachShadow"], "function attachShadow() { [native code] }", "{out:#}");

    let zone = format!(".{ZONE}:");
    for url in result["requests"].as_array().expect("requests") {
        assert!(url.as_str().is_some_and(|u| u.contains(&zone)), "a request escaped the proxy: {url}");
    }
}

/// `url()`s written into inline styles (property, dashed property, read back at once by
/// `getComputedStyle`, `setProperty`,
/// `cssText`, the `style` attribute, `style` in markup) and style sheets (`insertRule`,
/// a `<style>` element's text, `replaceSync`, `replace`) load from api.test through its label; nothing escapes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn css_urls_written_at_run_time_map_to_labels() {
    let world = World::start().await;
    let session = world.tandem.create_session("https://app.test/css").await;
    let result = run_scenario("runtime_page", &serde_json::json!({ "proxy_url": session.proxy_url })).await;
    let out = &result["out"];

    for name in [
        "css-property",
        "css-dashed",
        "css-setproperty",
        "css-csstext",
        "css-attribute",
        "css-markup",
        "css-insertrule",
        "css-style-element",
        "css-computed",
        "css-image-set",
        "css-replacesync",
        "css-replace",
    ] {
        assert!(!world.upstream.records(name).is_empty(), "{name} never reached api.test: {result:#}");
        assert!(world.upstream.records(name).iter().all(|r| r.host == "api.test"), "{name}");
    }
    let label = session.url("https://api.test/record/css-property");
    assert_eq!(out["property"], format!("url(\"{label}\")"), "{out:#}");
    assert_eq!(out["relative"], "url(\"/relative\")", "{out:#}");
    let computed = session.url("https://api.test/record/css-computed");
    assert_eq!(out["computed"], format!("url(\"{computed}\")"), "{out:#}");
    for (key, name) in [("setProperty", "setProperty"), ("setAttribute", "setAttribute"), ("insertRule", "insertRule")]
    {
        assert_eq!(out["disguise"][key], format!("function {name}() {{ [native code] }}"), "{out:#}");
    }

    let zone = format!(".{ZONE}:");
    for url in result["requests"].as_array().expect("requests") {
        assert!(url.as_str().is_some_and(|u| u.contains(&zone)), "a request escaped the proxy: {url}");
    }
}

/// postMessage between app.test and an api.test frame: `MessageEvent.origin` reads as
/// the real origin of the sender's label on both sides, and a real `targetOrigin` given
/// to the window's own `postMessage`, the frame's (`contentWindow`) or the parent's is
/// mapped to its label, so the message arrives (more in `runtime_messages`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_message_speaks_real_origins() {
    let world = World::start().await;
    let session = world.tandem.create_session("https://app.test/message").await;
    let result = run_scenario("runtime_page", &serde_json::json!({ "proxy_url": session.proxy_url })).await;
    let out = &result["out"];
    assert_eq!(
        out["got"],
        serde_json::json!([
            { "data": "self", "origin": "https://app.test" },
            { "data": "self-options", "origin": "https://app.test" },
            { "data": "up-star", "origin": "https://api.test" },
            { "data": "up-real", "origin": "https://api.test" },
            { "data": "frame got down-real from https://app.test", "origin": "https://api.test" },
            { "data": "frame got down-star from https://app.test", "origin": "https://api.test" },
        ]),
        "{out:#}"
    );
    let disguise = &out["disguise"];
    assert_eq!(
        disguise["postMessage"],
        serde_json::json!({ "name": "postMessage", "length": 1, "source": "function postMessage() { [native code] }" }),
        "{out:#}"
    );
    assert_eq!(
        disguise["origin"],
        serde_json::json!({ "name": "get origin", "length": 0, "source": "function get origin() { [native code] }" }),
        "{out:#}"
    );
}

/// Requests to an origin without a direct label (an underscore in the host): the runtime
/// sends them to `/__tandem/to` on the page's label, whose 307 points at the server's
/// fallback label; the POST keeps its method, body and the app's real Origin, the image
/// loads, and nothing reaches the network directly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn origins_without_a_direct_label_go_through_the_servers_fallback_label() {
    let world = World::start().await;
    let session = world.tandem.create_session("https://app.test/fallback").await;
    let result = run_scenario("runtime_page", &serde_json::json!({ "proxy_url": session.proxy_url })).await;
    let out = &result["out"];
    assert_recorded(&world, "fallback-fetch", "under_score.test", "POST", Some("https://app.test"), "fb-body");
    let reply: serde_json::Value =
        serde_json::from_str(out["fetch"].as_str().unwrap_or_default()).unwrap_or_else(|_| panic!("{out:#}"));
    assert_eq!(reply["host"], "under_score.test", "{out:#}");
    assert!(!world.upstream.records("fallback-img").is_empty(), "{result:#}");
    let zone = format!(".{ZONE}:");
    for url in result["requests"].as_array().expect("requests") {
        assert!(url.as_str().is_some_and(|u| u.contains(&zone)), "a request escaped the proxy: {url}");
    }
    // Only bound browsers get the redirect (it records a fallback label in the session).
    let visitor = world.tandem.visitor("https://app.test/fallback").await;
    let to = visitor.url("https://app.test/__tandem/to?url=http%3A%2F%2Funder_score.test%2Frecord%2Fto-check%3Fy%3D1");
    assert_eq!(world.tandem.send(get(&to)).await.status, StatusCode::FORBIDDEN);
    let reply = visitor.get(&to).await;
    assert_eq!(reply.status, StatusCode::TEMPORARY_REDIRECT, "{}", reply.text());
    let location = reply.location();
    assert!(
        location.contains(&zone) && location.ends_with("/record/to-check?y=1") && !location.contains("under_score"),
        "{location}"
    );
    assert_eq!(visitor.get(location).await.json()["host"], "under_score.test");
}

/// Windows of the page's origin that have no label of their own get the runtime before
/// their scripts run: a fetch from `about:blank` frames (without src and with
/// `src="about:blank"`), a fetch and then a navigation from a `srcdoc` frame's own inline
/// script and a fetch from a `window.open()` popup all reach api.test through its label,
/// with the app's real Origin, and nothing reaches the network directly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_origin_frames_and_popups_get_the_runtime_before_their_scripts_run() {
    let world = World::start().await;
    let session = world.tandem.create_session("https://app.test/frames").await;
    let result = run_scenario("runtime_page", &serde_json::json!({ "proxy_url": session.proxy_url })).await;
    let out = &result["out"];
    for (key, name) in [
        ("blank", "frame-blank-fetch"),
        ("explicit", "frame-explicit-fetch"),
        ("srcdoc", "frame-srcdoc-fetch"),
        ("popup", "frame-popup-fetch"),
    ] {
        let reply: serde_json::Value =
            serde_json::from_str(out[key].as_str().unwrap_or_default()).unwrap_or_else(|_| panic!("{key}: {out:#}"));
        assert_eq!(reply["name"], name, "{out:#}");
    }
    assert_recorded(&world, "frame-blank-fetch", "api.test", "POST", Some("https://app.test"), "blank-body");
    assert_recorded(&world, "frame-explicit-fetch", "api.test", "POST", Some("https://app.test"), "explicit-body");
    assert_recorded(&world, "frame-srcdoc-fetch", "api.test", "POST", Some("https://app.test"), "srcdoc-body");
    assert_recorded(&world, "frame-popup-fetch", "api.test", "POST", Some("https://app.test"), "popup-body");
    let navigated = world.upstream.records("frame-srcdoc-href");
    assert!(navigated.iter().any(|r| r.host == "api.test" && r.method == "GET"), "{navigated:#?} {result:#}");
    let zone = format!(".{ZONE}:");
    for url in result["requests"].as_array().expect("requests") {
        let url = url.as_str().unwrap_or_default();
        assert!(url.contains(&zone) || url.starts_with("about:"), "a request escaped the proxy: {url}");
    }
}

/// Documents limits (KNOWN_LIMITS.md), asserting today's escaping behaviour:
/// `location.href =` on a same-origin `about:blank` frame, set by the parent or by the
/// frame's own script (the frame has the runtime, but Chromium fires no `navigate` event
/// in an initial empty document, even after `document.open()`), goes to the real site; a background image set as a style property and rendered at once by a forced layout, and an image in a declarative
/// shadow root (not watched by the safety net), load the real URL. When one is
/// fixed, this test fails: move the case to the tests above and out of KNOWN_LIMITS.md.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn known_limits_blank_frame_navigation_forced_layout_and_declarative_shadow_roots_escape() {
    let world = World::start().await;
    let session = world.tandem.create_session("https://app.test/limits").await;
    let result = run_scenario("runtime_page", &serde_json::json!({ "proxy_url": session.proxy_url })).await;
    let requests: Vec<&str> =
        result["requests"].as_array().expect("requests").iter().filter_map(|u| u.as_str()).collect();
    for escaped in [
        "https://api.test/record/limit-frame-href",
        "https://api.test/record/limit-frame-inner-href",
        "https://api.test/record/limit-style-layout",
        "https://api.test/record/limit-declarative-shadow",
    ] {
        assert!(requests.contains(&escaped), "{escaped} no longer escapes (fixed?): {requests:#?}");
    }
    for name in ["limit-frame-href", "limit-frame-inner-href", "limit-declarative-shadow"] {
        assert!(world.upstream.records(name).is_empty(), "{name} went through Tandem (fixed?)");
    }
}

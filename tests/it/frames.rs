//! Frames and WebSockets the runtime alone could not keep in the session, in Chromium
//! through Tandem: a `srcdoc` written in the server's HTML, frames the page reaches only
//! through `frames[i]`/`window[name]` right after inserting them, a frame whose initial
//! window is reused by a page of the same origin, and WebSockets to origins that only
//! have a hashed fallback label (`/__tandem/ws` on the page's own label).

use http::StatusCode;
use tokio_tungstenite::tungstenite::Error as WsError;

use crate::runtime::assert_recorded;
use crate::support::browser::run_scenario;
use crate::support::{World, ZONE};
use crate::websocket::connect;

/// Runs `app.test<path>` in Chromium through a new session; returns the page's report
/// after checking that nothing the browser requested left the session's labels.
async fn run_page(world: &World, path: &str) -> serde_json::Value {
    let session = world.tandem.create_session(&format!("https://app.test{path}")).await;
    let result = run_scenario("runtime_page", &serde_json::json!({ "proxy_url": session.proxy_url })).await;
    let zone = format!(".{ZONE}:");
    for url in result["requests"].as_array().expect("requests") {
        let url = url.as_str().unwrap_or_default();
        assert!(url.contains(&zone) || url.starts_with("about:"), "a request escaped the proxy: {url}");
    }
    result["out"].clone()
}

/// An `<iframe srcdoc>` in the server's HTML: its image loads from api.test through its
/// label, and its inline script runs after the runtime, so its POST fetch reaches
/// api.test with the app's real Origin.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_srcdoc_in_the_servers_html_runs_the_runtime_before_its_scripts() {
    let world = World::start().await;
    let out = run_page(&world, "/frames-srcdoc").await;
    assert_eq!(out["runtime"], true, "{out:#}");
    assert!(out["fetched"].as_str().is_some_and(|r| r.contains("srcdoc-static-fetch")), "{out:#}");
    assert_recorded(&world, "srcdoc-static-fetch", "api.test", "POST", Some("https://app.test"), "static-body");
    let images = world.upstream.records("srcdoc-static-img");
    assert!(!images.is_empty() && images.iter().all(|r| r.host == "api.test"), "{images:#?}");
}

/// A frame inserted by any route (node methods, a fragment, a detached subtree, markup,
/// `document.write`) has the runtime before the page's next statement: a POST fetch
/// through `frames[0]` or `window[name]` right after the insertion reaches api.test.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frames_inserted_by_any_route_have_the_runtime_when_the_page_uses_them() {
    let world = World::start().await;
    let out = run_page(&world, "/frames-insert").await;
    let routes = [
        "appendChild",
        "insertBefore",
        "replaceChild",
        "append",
        "prepend",
        "after",
        "before",
        "replaceWith",
        "insertAdjacentElement",
        "insertNode",
        "replaceChildren",
        "fragment",
        "subtree",
        "innerHTML",
        "insertAdjacentHTML",
        "outerHTML",
        "write",
    ];
    assert_eq!(out.as_object().map(|o| o.len()), Some(routes.len()), "{out:#}");
    for route in routes {
        let name = format!("insert-{route}");
        assert!(out[route].as_str().is_some_and(|r| r.contains(&name)), "{route}: {out:#}");
        assert_recorded(&world, &name, "api.test", "POST", Some("https://app.test"), route);
    }
}

/// A frame inserted with its src set and a `window.open(url)` popup: their initial
/// windows get the runtime, and Chromium keeps them for the page of the same origin they
/// load, where the runtime is not installed again; the safety net still watches the new
/// document (a background image set as a style property is mapped, and loads from
/// api.test in the frame).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reused_initial_windows_watch_their_new_document() {
    let world = World::start().await;
    let out = run_page(&world, "/frames-reused").await;
    for who in ["frame", "popup"] {
        assert_eq!(out[who]["reused"], true, "{who}: the window was not reused, the test shows nothing: {out:#}");
        // The observer mapped the style before the next render (a popup may never render).
        let style = out[who]["style"].as_str().unwrap_or_default();
        assert!(style.contains(&format!(".{ZONE}:")) && style.contains(&format!("/record/reused-{who}")), "{out:#}");
    }
    let images = world.upstream.records("reused-frame");
    assert!(!images.is_empty() && images.iter().all(|r| r.host == "api.test"), "{images:#?}");
}

/// `new WebSocket('wss://<a host too long for a label>/...')`: the runtime sends it to
/// `/__tandem/ws` on the page's label, which connects it to that host with the app's real
/// Origin; the cookies the first handshake set come back with the second, judged
/// cross-site (only the `SameSite=None` one), as a browser would send them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websockets_to_origins_without_a_direct_label_connect_through_the_pages_label() {
    let world = World::start().await;
    let out = run_page(&world, "/fallback-socket").await;
    assert_eq!(out["first"], "echo ping from https://app.test with cookies none", "{out:#}");
    assert_eq!(out["second"], "echo ping from https://app.test with cookies open=1", "{out:#}");
}

/// `/__tandem/ws` answers bound browsers' handshakes only, to ws(s) URLs only, and the
/// SSRF guard judges the target as for any upstream (metadata addresses never pass).
#[tokio::test]
async fn the_websocket_fallback_path_is_for_bound_browsers_and_guarded() {
    let world = World::start().await;
    let visitor = world.tandem.visitor("https://app.test/").await;
    let origin = visitor.session.origin("https://app.test/");
    let path = |target: &str| format!("https://app.test/__tandem/ws?url={}", urlencode(target));
    let target = path("ws://under_score.test/socket-jar");
    for (what, url, cookie, status) in [
        ("unbound", target.as_str(), None, StatusCode::FORBIDDEN),
        (
            "not a websocket URL",
            &path("http://under_score.test/socket-jar"),
            Some(&visitor.cookie),
            StatusCode::NOT_FOUND,
        ),
        ("metadata address", &path("ws://169.254.169.254/"), Some(&visitor.cookie), StatusCode::BAD_GATEWAY),
    ] {
        match connect(&world, &visitor, url, &origin, cookie.map(String::as_str)).await {
            Err(WsError::Http(response)) => assert_eq!(response.status(), status, "{what}"),
            Err(other) => panic!("{what}: expected {status}, got {other}"),
            Ok(_) => panic!("{what}: the handshake went through"),
        }
    }
    assert!(world.upstream.requests_to("under_score.test", "/socket-jar").is_empty(), "a refused handshake went up");
    assert!(connect(&world, &visitor, &target, &origin, Some(&visitor.cookie)).await.is_ok(), "the bound handshake");
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

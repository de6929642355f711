//! Tandem's in-page runtime (`injector/runtime/`): its own unit tests under Node, and
//! Chromium through Tandem asserting that what pages do at run time reaches the right
//! upstream.

use std::path::Path;
use std::process::Stdio;

use tokio::process::Command;

use crate::support::browser::run_scenario;
use crate::support::{World, bounded};

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
fn assert_recorded(world: &World, name: &str, host: &str, method: &str, origin: Option<&str>, body: &str) {
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
    let zone = format!(".{}:", crate::support::ZONE);
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
}

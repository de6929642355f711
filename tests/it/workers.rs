//! Workers through Tandem in Chromium: dedicated (classic and module), nested, shared,
//! `blob:` and service workers get the runtime's worker part before their own script,
//! and what they request at run time lands at the upstream it names, with the page's
//! real origin and the session's cookies. The fixture pages are in
//! `support::worker_sites`.

use http::Method;

use crate::runtime::assert_recorded;
use crate::support::browser::run_scenario;
use crate::support::{World, ZONE};

/// The server puts the worker part before a script only when the browser asks for it as
/// a worker's (`Sec-Fetch-Dest`), and says so in `Vary` for the browser's cache.
#[tokio::test]
async fn worker_scripts_are_served_with_the_worker_part_first() {
    let world = World::start().await;
    let visitor = world.tandem.visitor("https://app.test/workers").await;
    let url = visitor.url("https://app.test/worker/module.js");
    let runtime = "// Tandem's worker runtime";
    let import = tandem::injector::worker_import();
    for (dest, mode, prefix) in [
        ("worker", "same-origin", Some(runtime)),
        ("sharedworker", "same-origin", Some(runtime)),
        ("serviceworker", "same-origin", Some(runtime)),
        // A module the module worker imports.
        ("worker", "cors", Some(import)),
        ("script", "no-cors", None),
    ] {
        let request = visitor.request(Method::GET, &url).header("sec-fetch-dest", dest).header("sec-fetch-mode", mode);
        let reply = visitor.send(request, "").await;
        let text = reply.text();
        assert!(text.contains("const report = () =>"), "{dest}: {text}");
        match prefix {
            Some(prefix) => assert!(text.starts_with(prefix), "{dest} {mode}: {text}"),
            None => assert!(text.starts_with("import '/worker/module-dep.js'"), "{dest} {mode}: {text}"),
        }
        assert!(reply.headers_named("vary").iter().any(|v| v.contains("Sec-Fetch-Dest")), "{dest}");
    }
    let runtime = visitor.get(&visitor.url("https://app.test/__tandem/worker.js")).await;
    assert!(runtime.text().starts_with("// Tandem's worker runtime"), "{}", runtime.text());
    assert_eq!(runtime.header("content-type"), Some("text/javascript; charset=utf-8"));
}

/// Every kind of worker the page starts fetches its own origin and `api.test` by
/// absolute URL: both land upstream with the method, body and real `Origin`, and the
/// same-origin one carries the page's cookie from the session's jar.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_requests_reach_the_upstream_they_name() {
    let world = World::start().await;
    let session = world.tandem.create_session("https://app.test/workers").await;
    let result = run_scenario("runtime_page", &serde_json::json!({ "proxy_url": session.proxy_url })).await;
    let out = &result["out"];
    let app = Some("https://app.test");
    for kind in ["classic", "nested", "module", "shared", "blob", "blob-module"] {
        let seen = match kind {
            "nested" => &out["classic"]["nested"],
            other => &out[other.replace('-', "_")],
        };
        assert!(seen["error"].is_null(), "{kind}: {out:#}");
        assert_recorded(&world, &format!("{kind}-own"), "app.test", "POST", app, &format!("{kind}-own-body"));
        assert_recorded(&world, &format!("{kind}-api"), "api.test", "PUT", app, &format!("{kind}-api-body"));
        let own = &world.upstream.records(&format!("{kind}-own"))[0];
        assert!(own.cookie.as_deref().unwrap_or_default().contains("worker=yes"), "{kind}: {own:#?}");
        // The worker could read the cross-origin reply: CORS passed for the real origin.
        let reply: serde_json::Value = serde_json::from_str(seen["api"].as_str().unwrap_or_default())
            .unwrap_or_else(|_| panic!("{kind}: {out:#}"));
        assert_eq!(reply["host"], "api.test", "{kind}: {out:#}");
        assert_eq!(seen["globals"], serde_json::json!([]), "{kind}: {out:#}");
        let href = seen["href"].as_str().unwrap_or_default();
        let expected = if kind.starts_with("blob") { "blob:http://" } else { "http://" };
        assert!(href.starts_with(expected) && href.contains(&format!(".{ZONE}:")), "{kind}: {href}");
    }
    assert_eq!(out["classic"]["imported"], "imported", "{out:#}");
    assert_recorded(&world, "module-dep", "api.test", "POST", app, "dep-body");
    assert!(out["module"]["dep"].as_str().unwrap_or_default().contains("module-dep"), "{out:#}");
    assert_eq!(world.upstream.requests_to("app.test", "/worker/imported.js").len(), 1);
    assert_eq!(out["disguise"]["Worker"], "function Worker() { [native code] }", "{out:#}");
    assert_eq!(out["disguise"]["SharedWorker"], "function SharedWorker() { [native code] }", "{out:#}");
    assert_eq!((&out["disguise"]["name"], &out["disguise"]["length"]), (&"Worker".into(), &1.into()), "{out:#}");

    // Known limits (KNOWN_LIMITS.md): a `data:` worker has an opaque origin and no
    // runtime, so its requests go to the real hosts; a module worker's static import of
    // another origin is fetched before any code of the worker runs.
    for name in ["data-own", "data-api"] {
        assert!(world.upstream.records(name).is_empty(), "{name} reached the upstream: the limit is fixed");
    }
    assert!(out["data"]["error"].is_string(), "{out:#}");
    assert!(out["module_static"]["error"].is_string(), "{out:#}");
    assert!(world.upstream.requests_to("api.test", "/worker/static.js").is_empty());
}

/// A service worker registered with an absolute URL and scope lives on the page's
/// label and controls the page; its own fetch of an absolute URL lands at `api.test`.
/// Its fetch handler answers every path it does not know with its own 404, yet
/// Tandem's `/__tandem/` paths still reach Tandem, so the page keeps its runtime.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_worker_stays_in_the_session_and_cannot_take_tandems_paths() {
    let world = World::start().await;
    let session = world.tandem.create_session("https://app.test/sw/page").await;
    let result = run_scenario("runtime_reload", &serde_json::json!({ "proxy_url": session.proxy_url })).await;
    let (first, second) = (&result["first"], &result["second"]);
    let label = session.url("https://app.test/sw/");
    assert_eq!(first["scope"], label, "{result:#}");
    assert_eq!(first["controlled"], false, "{result:#}");
    let probe = first["probe"].as_str().unwrap_or_default();
    assert!(probe.starts_with("worker fetched {"), "{result:#}");
    assert_recorded(&world, "sw-fetch", "api.test", "POST", Some("https://app.test"), "sw-body");
    assert_eq!(first["runtime"], "// Tandem's in-page runtime (injector/ru", "{result:#}");
    // A redirect the worker answers with is followed to the label (307: method and body kept).
    assert!(first["redirect"].as_str().unwrap_or_default().contains("sw-redirect"), "{result:#}");
    assert_recorded(&world, "sw-redirect", "api.test", "POST", Some("https://app.test"), "redirect-body");
    assert_eq!(world.upstream.requests_to("app.test", "/sw/sw.js").len(), 1, "{result:#}");

    // Reloaded under the worker's control: the runtime came through and maps the page's fetch.
    assert_eq!(second["controlled"], true, "{result:#}");
    assert!(second["fetch"].as_str().unwrap_or_default().contains("sw-page"), "{result:#}");
    assert_recorded(&world, "sw-page", "api.test", "POST", Some("https://app.test"), "sw-page-body");
}

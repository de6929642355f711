//! Module imports through Tandem in Chromium: import maps in the server's HTML and
//! inserted by script get label URLs, and `import()` of an absolute URL lands on the
//! origin's label through the prefix map the runtime adds for each origin it meets. The
//! fixture page is `app.test/modules` (`support::worker_sites`).

use crate::runtime::assert_recorded;
use crate::support::World;
use crate::support::browser::run_scenario;

/// Each import reaches the upstream it names, with the page's real `Origin` (module
/// scripts are CORS requests) and, on the page's own origin, the session's cookie.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn module_imports_reach_the_upstream_they_name() {
    let world = World::start().await;
    let session = world.tandem.create_session("https://app.test/modules").await;
    let result = run_scenario("runtime_page", &serde_json::json!({ "proxy_url": session.proxy_url })).await;
    let out = &result["out"];
    for (key, host, path) in [
        ("static", "api.test", "/module/static"),
        ("own", "app.test", "/module/own"),
        ("learned", "api.test", "/module/learned"),
        ("inserted", "api.test", "/module/inserted"),
        ("late", "api.test", "/module/late"),
    ] {
        let name = path.trim_start_matches("/module/");
        assert_eq!(out[key], format!("module {name}"), "{key}: {out:#}");
        let seen = world.upstream.last(host, path);
        if host == "api.test" {
            assert_eq!(seen.header("origin").as_deref(), Some("https://app.test"), "{key}");
        } else {
            assert!(seen.header("cookie").unwrap_or_default().contains("modules=yes"), "{key}: {seen:#?}");
        }
    }
    assert_recorded(&world, "module-fetch", "api.test", "POST", Some("https://app.test"), "module-body");
    // The runtime's prefix maps leave no element behind: the page sees its own three.
    assert_eq!(out["maps"], 3, "{out:#}");

    // Known limit (KNOWN_LIMITS.md): an origin the runtime never mapped a URL to has no
    // prefix map yet, so `import()` of it goes to the real host.
    assert!(out["unknown"].as_str().unwrap_or_default().starts_with("error"), "{out:#}");
    assert!(world.upstream.requests_to("accounts.test", "/module/unknown").is_empty(), "the limit is fixed");
    // An origin named only in the server's HTML is learnt from the label URL there
    // (cdn.test serves no such module and no CORS: the import fails, but at cdn.test).
    assert_eq!(world.upstream.requests_to("cdn.test", "/module/from-html").len(), 1, "{out:#}");
}

//! A hostile proxied site cannot evict the binding cookie or lock the visitor out.
//!
//! All labels share one cookie domain, the zone. A page that writes real browser cookies
//! there (through a route the runtime does not cover) shares the browser's per-site cap
//! with Tandem's binding cookie and adds its bytes to every request. Tandem keeps the
//! runtime's routes off the browser's jar, reads a `Cookie` header of any size and bytes
//! a browser can send, deletes the cookies it did not set, keeps the binding the longest
//! the browser allows, and gives the integrator a fresh entry link to the same session
//! for a visitor who lost it anyway.

use axum::body::Body;
use http::{Method, StatusCode, header};

use crate::support::browser::run_scenario;
use crate::support::{Visitor, World, cookie_names, get, get_with_cookie};

/// What the 403 page tells a visitor without the binding.
const WAY_BACK: &str = "return to the site that sent you here and start co-browsing again";

/// The `Set-Cookie` deletions of an answer, as `name@Domain@Path` (`-` for host-only).
fn deletions(reply: &crate::support::Reply) -> Vec<String> {
    reply
        .headers_named(header::SET_COOKIE)
        .iter()
        .filter(|v| v.contains("Max-Age=0"))
        .map(|v| {
            let name = v.split(['=', ';']).next().unwrap_or_default();
            let domain = v.split("; ").find_map(|a| a.strip_prefix("Domain=")).unwrap_or("-");
            let path = v.split("; ").find_map(|a| a.strip_prefix("Path=")).unwrap_or("-");
            format!("{name}@{domain}@{path}")
        })
        .collect()
}

/// The visitor's shop page with the binding and `extra` cookies in one `Cookie` header.
async fn with_cookies(world: &World, visitor: &Visitor, extra: &str) -> crate::support::Reply {
    let cookie = format!("{extra}; {}", visitor.cookie);
    world.tandem.send(get_with_cookie(&visitor.url("https://shop.test/echo"), &cookie)).await
}

/// A page can make the browser's `Cookie` header as large as the browser allows: 180
/// cookies of 4 KB on the zone. hyper's default limit answered such a visitor 431 on
/// every label, for as long as the cookies lived.
#[tokio::test]
async fn a_cookie_header_as_large_as_a_browser_sends_is_not_refused() {
    let world = World::start().await;
    let visitor = world.tandem.visitor("https://shop.test/echo").await;
    let junk: Vec<String> = (0..179).map(|i| format!("junk{i}={}", "x".repeat(4090 - 6))).collect();
    let reply = with_cookies(&world, &visitor, &junk.join("; ")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    // Tandem reads only its own cookie: none of the page's reaches the upstream.
    let seen = world.upstream.last("shop.test", "/echo");
    assert!(cookie_names(seen.header("cookie").as_deref()).is_empty(), "{:?}", seen.header("cookie"));
    assert!(!deletions(&reply).is_empty(), "the page's cookies are not swept");
}

/// Browsers send a cookie value's UTF-8 bytes as they are: one such cookie written by a
/// page made the whole `Cookie` header unreadable, so the binding in it was not seen and
/// the visitor got 403 on every label.
#[tokio::test]
async fn a_cookie_that_is_not_ascii_does_not_hide_the_binding() {
    let world = World::start().await;
    let visitor = world.tandem.visitor("https://shop.test/echo").await;
    let cookie = format!("{}; junk=été", visitor.cookie);
    let value = http::HeaderValue::from_bytes(cookie.as_bytes()).expect("header");
    let request = http::Request::get(visitor.url("https://shop.test/echo"))
        .header(header::COOKIE, value)
        .body(Body::empty())
        .expect("request");
    let reply = world.tandem.send(request).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert!(deletions(&reply).iter().any(|d| d.starts_with("junk@")), "{:?}", deletions(&reply));
}

/// Every answer on the zone deletes the cookies Tandem did not set, wherever they can
/// live (host-only, the label, the zone); the binding of this session and of the
/// browser's other sessions stay, and a made-up binding value beside the real one (a
/// page's cookie that comes first in the header) neither hides the real one nor lets
/// the real one be deleted.
#[tokio::test]
async fn answers_on_the_zone_delete_the_cookies_tandem_did_not_set_and_keep_every_binding() {
    let world = World::start().await;
    let visitor = world.tandem.visitor("https://shop.test/echo").await;
    let other = world.tandem.visitor("https://shop.test/echo").await;
    let name = visitor.session.cookie_name();
    let label = format!("{}.proxy.localhost", visitor.session.label("https://shop.test/"));
    let extra = format!("{name}=made-up; junk=1; {}", other.cookie);
    let reply = with_cookies(&world, &visitor, &extra).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let mut swept = deletions(&reply);
    swept.sort();
    // At `/` and at `/echo`, the two paths a cookie sent to /echo can have.
    let mut expected = Vec::new();
    for path in ["/", "/echo"] {
        for domain in ["-", &label, "proxy.localhost"] {
            expected.push(format!("junk@{domain}@{path}"));
            if (domain, path) != ("proxy.localhost", "/") {
                expected.push(format!("{name}@{domain}@{path}"));
            }
        }
    }
    expected.sort();
    assert_eq!(swept, expected, "the binding's own place (Domain=proxy.localhost; Path=/) must be left alone");
    // The entry link's own Set-Cookie is never undone in the same answer.
    let session = world.tandem.create_session("https://shop.test/echo").await;
    let stale = format!("{}=stale; junk=1", session.cookie_name());
    let entry = world.tandem.send(get_with_cookie(&session.proxy_url, &stale)).await;
    assert_eq!(entry.status, StatusCode::FOUND, "{}", entry.text());
    assert!(deletions(&entry).iter().all(|d| !d.starts_with("tandem_")), "{:?}", deletions(&entry));
    assert!(deletions(&entry).iter().any(|d| d.starts_with("junk@")), "{:?}", deletions(&entry));
    // Refusals sweep too: a browser that lost its binding is cleaned while it is told what to do.
    let refused = world.tandem.send(get_with_cookie(&visitor.url("https://shop.test/echo"), "junk=1")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(deletions(&refused).len(), 6, "{:?}", deletions(&refused));
}

/// A visitor whose browser lost the binding was locked out for good: the entry link
/// was spent. The integrator now asks for a fresh one to the same session; the visitor
/// is back with the session's cookies, the 403 page says how to get there, and the
/// fresh link, like the first, works once.
#[tokio::test]
async fn a_visitor_who_lost_the_binding_gets_back_into_the_same_session_through_a_fresh_entry_link() {
    let world = World::start().await;
    let session = world.tandem.create_session("https://shop.test/").await;
    let visitor = world.tandem.enter(&session).await;
    assert_eq!(visitor.get(&visitor.landing).await.status, StatusCode::OK, "the shop sets its cookies");

    // The browser's cookies are gone: every label, and the spent link, say what to do.
    for url in [visitor.url("https://shop.test/echo"), session.proxy_url.clone()] {
        let reply = world.tandem.send(get(&url)).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{url}");
        assert!(reply.text().contains(WAY_BACK), "the page does not say what to do: {}", reply.text());
    }

    let path = format!("/v1.3/visitors/{}/proxy_url", session.short_id);
    let reply = world.tandem.api(Method::POST, &path, "").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["status"], "ok");
    let fresh_url = reply.json()["proxy_url"].as_str().expect("proxy_url").to_owned();
    assert_ne!(fresh_url, session.proxy_url);
    let mut fresh = session.clone();
    fresh.proxy_url = fresh_url.clone();
    let back = world.tandem.enter(&fresh).await;
    assert_eq!(back.landing, visitor.landing);
    let echo = back.get(&back.url("https://shop.test/echo")).await;
    assert_eq!(echo.status, StatusCode::OK, "{}", echo.text());
    let seen = world.upstream.last("shop.test", "/echo");
    assert_eq!(cookie_names(seen.header("cookie").as_deref()), ["pref", "visit"], "the session's cookies are kept");

    // Once, as the first link: another browser opening it is refused.
    let again = world.tandem.send(get(&fresh_url)).await;
    assert_eq!(again.status, StatusCode::FORBIDDEN);
    // A new link replaces an unused one, and the browser bound before stays bound.
    let first = world.tandem.api(Method::POST, &path, "").await.json()["proxy_url"].as_str().map(str::to_owned);
    let second = world.tandem.api(Method::POST, &path, "").await.json()["proxy_url"].as_str().map(str::to_owned);
    let stale = world.tandem.send(get(&first.expect("link"))).await;
    assert_eq!(stale.status, StatusCode::FORBIDDEN, "an unused link given before still works");
    assert!(second.is_some());
    assert_eq!(visitor.get(&visitor.url("https://shop.test/echo")).await.status, StatusCode::OK);

    let reply = world.tandem.api(Method::POST, "/v1.3/visitors/nosuchvisitor/proxy_url", "").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.json()["error"], "visitor_not_found");
}

/// In Chromium, the visitor enters a session on the shop and browses it in one tab while
/// a hostile site of the same session (`evil.test`, in a second tab) runs `attack`; the
/// visitor then goes on browsing. Returns what the visitor saw (the scenario's report).
async fn attacked(path: &str, svg: bool) -> serde_json::Value {
    let world = World::start().await;
    let session = world.tandem.create_session("http://shop.test/").await;
    let mut args = world.tandem.scenario_args(&session);
    args["echo"] = session.url("http://shop.test/echo").into();
    let url = session.url(&format!("http://evil.test{path}"));
    args["attacks"] = serde_json::json!([{ "name": "attack", "url": url, "svg": svg }]);
    let result = run_scenario("binding_eviction", &args).await;
    assert_eq!(result["entered"], 200, "{result:#}");
    result["attacks"]["attack"].clone()
}

/// How many of its cookies the browser held right after an SVG flood wrote them (the
/// sweep takes them out from the next answers on, so a later count depends on timing).
fn flooded(report: &serde_json::Value) -> u64 {
    report["out"].as_str().and_then(|held| held.parse().ok()).unwrap_or_default()
}

/// The visitor's next page loaded with the session's cookies, the binding stayed in the
/// browser, and browsing on swept the page's cookies out of it.
fn assert_not_locked_out(report: &serde_json::Value) {
    assert_eq!(report["binding_kept"], true, "the binding was evicted: {report:#}");
    assert_eq!(report["status"], 200, "the visitor's next page failed: {report:#}");
    assert_eq!(cookie_names(report["upstream_cookies"].as_str()), ["pref", "visit"], "{report:#}");
    assert_eq!(report["swept"], true, "the page's cookies stayed in the browser: {report:#}");
}

/// The runtime's own routes to another same-origin document: the page's
/// `Document.prototype.cookie` setter applied to an about:blank frame's document wrote
/// real browser cookies on the zone (200 of them evicted the binding), as did
/// `CookieStore.prototype.set` applied to the frame's `cookieStore`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_page_writes_a_browser_cookie_through_another_documents_cookie_setter_or_cookie_store() {
    let report = attacked("/runtime-routes?n=200", false).await;
    assert_eq!(report["out"]["done"], true, "{report:#}");
    assert_eq!(report["out"]["errors"], serde_json::json!([]), "{report:#}");
    assert_eq!(report["written"], 0, "the runtime let the page write browser cookies: {report:#}");
    assert_not_locked_out(&report);
}

/// A service worker's `cookieStore` wrote real browser cookies: the runtime's worker
/// part left it alone. It is the jar's now, as the page's is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_workers_cookie_store_writes_no_browser_cookie() {
    let report = attacked("/worker-store", false).await;
    assert_eq!(report["out"]["errors"], serde_json::json!([]), "{report:#}");
    assert_eq!(report["out"]["worker"], serde_json::json!({ "read": "v" }), "the worker's cookie is lost: {report:#}");
    assert_eq!(report["written"], 0, "the worker wrote a browser cookie: {report:#}");
    assert_not_locked_out(&report);
}

/// An SVG document (no runtime runs in it) writes 200 low-priority cookies of 3.9 KB:
/// the binding stays, but the 660 KB `Cookie` header got 431 on every label.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_large_cookies_from_a_document_without_the_runtime_neither_gets_431_nor_stays() {
    let report = attacked("/flood.svg?n=200&size=3900&priority=low", true).await;
    assert!(flooded(&report) > 100, "the flood did not happen: {report:#}");
    assert_not_locked_out(&report);
}

/// Cookies whose names and values are not ASCII: browsers send their UTF-8 bytes as they
/// are, which hid the binding (403 on every label), and only the same bytes delete them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_cookies_that_are_not_ascii_hides_no_binding_and_is_swept() {
    let report = attacked("/flood.svg?n=100&priority=low&utf8=1", true).await;
    assert!(flooded(&report) > 50, "the flood did not happen: {report:#}");
    assert_not_locked_out(&report);
}

/// 200 cookies of the browser's default priority evicted the binding, which had it too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_default_priority_cookies_does_not_evict_the_binding() {
    let report = attacked("/flood.svg?n=200", true).await;
    assert!(flooded(&report) > 100, "the flood did not happen: {report:#}");
    assert_not_locked_out(&report);
}

/// 200 high-priority secure cookies push the binding out all the same (measured in
/// Chromium: it keeps the 70 most recent cookies of the binding's class, and the
/// page's are newer). The visitor is told what to do, and the fresh entry link the
/// integrator asks for brings them back into the same session with its cookies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_whose_binding_a_flood_evicted_gets_back_in_through_a_fresh_entry_link() {
    let report = attacked("/flood.svg?n=200&priority=high&secure=1", true).await;
    assert_eq!(report["binding_kept"], false, "Chromium kept the binding through this flood now: {report:#}");
    assert_eq!(report["status"], 403, "{report:#}");
    assert!(report["text"].as_str().is_some_and(|t| t.contains(WAY_BACK)), "{report:#}");
    let fresh = &report["fresh_link"];
    assert_eq!(
        (&fresh["status"], &fresh["same_host"], &fresh["landed"]),
        (&200.into(), &true.into(), &200.into()),
        "{report:#}"
    );
    assert_eq!(report["after_fresh"]["status"], 200, "{report:#}");
    assert_eq!(cookie_names(report["after_fresh"]["upstream_cookies"].as_str()), ["pref", "visit"], "{report:#}");
    assert_eq!(report["swept"], true, "{report:#}");
}

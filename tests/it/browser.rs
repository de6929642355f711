//! A real browser through Tandem: headless Chromium driven by `tests/browser/run.mjs`.

use crate::support::World;
use crate::support::browser::run_scenario;
use crate::support::fixtures::PASSWORD;

/// The visitor signs in with the shop's form and follows a link to a second host that
/// reads the shop's `Domain=` session cookie; the browser itself never holds an
/// upstream cookie, only Tandem's binding.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_logs_in_and_stays_logged_in_on_a_second_host() {
    let world = World::start().await;
    let session = world.tandem.create_session("https://shop.test/login").await;
    let args = serde_json::json!({
        "proxy_url": session.proxy_url,
        "user": "alice",
        "password": PASSWORD,
        "account_url": session.url("https://shop.test/account"),
        "profile_url": session.url("https://account.shop.test/profile"),
    });
    let result = run_scenario("login_two_hosts", &args).await;

    assert_eq!(result["login_url"], session.url("https://shop.test/login"), "{result:#}");
    assert_eq!(result["who"], "Signed in as alice", "{result:#}");
    assert_eq!(result["account_url"], session.url("https://shop.test/account"), "{result:#}");
    assert_eq!(result["runtime_version"], 1, "Tandem's runtime did not run in the page: {result:#}");
    assert_eq!(result["profile_url"], session.url("https://account.shop.test/profile"), "{result:#}");
    assert_eq!(result["profile_status"], 200, "{result:#}");
    assert_eq!(result["profile_text"], "Profile of alice", "{result:#}");

    // The browser's cookie jar holds Tandem's HttpOnly binding and nothing else.
    let cookies = result["cookies"].as_array().expect("cookie list");
    assert_eq!(cookies.len(), 1, "the browser holds other cookies than Tandem's: {result:#}");
    assert_eq!(cookies[0]["name"], session.cookie_name(), "{result:#}");
    assert_eq!(cookies[0]["httpOnly"], true, "{result:#}");
    assert!(
        cookies[0]["domain"].as_str().is_some_and(|d| d.trim_start_matches('.') == "proxy.localhost"),
        "{result:#}"
    );
    // Page scripts see neither the site's HttpOnly session cookie nor the binding.
    for key in ["account_document_cookie", "profile_document_cookie"] {
        let seen = result[key].as_str().expect("document.cookie");
        assert!(!seen.contains("sid=") && !seen.contains("tandem_"), "{key}: {seen}");
    }

    // The form post reached the shop with the shop's own origin (it refuses others).
    let login = world.upstream.last("shop.test", "/login");
    assert_eq!(login.method, http::Method::POST);
    assert_eq!(login.header("origin").as_deref(), Some("https://shop.test"));
}

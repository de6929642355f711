//! No client takes Tandem down: slow and idle connections, searches, origins.

use http::StatusCode;
use tandem::store::search::MAX_SEARCH_TERMS;

use crate::support::{Tandem, World};

/// SQLite refuses a query nested deeper than 1000: a search of a thousand terms
/// answered 500. Now any search beyond the bound is the caller's error, said clearly.
#[tokio::test]
async fn a_search_with_a_thousand_terms_is_refused_as_the_callers_error_not_a_500() {
    let tandem = Tandem::start(|_| {}).await;
    tandem.create_session("https://shop.test/").await;
    let thousand = vec!["a"; 1000].join("+");
    let reply = tandem.api(http::Method::GET, &format!("/v1.3/list?search={thousand}"), "").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text());
    let json = reply.json();
    assert_eq!(json["error"], "invalid_search", "{json}");
    let message = json["message"].as_str().unwrap_or_default();
    assert!(message.contains(&MAX_SEARCH_TERMS.to_string()) && message.contains("1000"), "{message}");

    let most = vec!["shop"; MAX_SEARCH_TERMS].join("+");
    let found = tandem.api_ok(&format!("/v1.3/list?search={most}")).await;
    assert_eq!(found["visitors"].as_array().map(Vec::len), Some(0), "{found}");

    let doc = tandem.api_ok("/v1.3/openapi.json").await;
    let list = doc["paths"]["/list"]["get"].to_string();
    assert!(list.contains("invalid_search") && list.contains(&format!("at most {MAX_SEARCH_TERMS}")), "{list}");
}

/// `LIKE` read a NUL as the end of its pattern, so a search of `%00` matched every
/// visitor. A NUL is text like any other character; so are `%`, `_` and `\`.
#[tokio::test]
async fn a_search_for_nul_matches_no_one_whose_records_lack_it() {
    let tandem = Tandem::start(|_| {}).await;
    let body = serde_json::json!({"initial_url": "https://shop.test/", "identities": ["50%_off\\deal"]});
    let shopper = tandem.create_session_with(body).await.short_id;
    tandem.create_session("https://other.test/").await;
    let short_ids = |found: serde_json::Value| -> Vec<String> {
        let visitors = found["visitors"].as_array().cloned().unwrap_or_default();
        visitors.iter().filter_map(|v| v["short_id"].as_str().map(str::to_owned)).collect()
    };
    for search in ["%00", "a%00", "%00%00"] {
        let found = tandem.api_ok(&format!("/v1.3/list?search={search}")).await;
        assert_eq!(short_ids(found), Vec::<String>::new(), "{search}");
    }
    for search in ["%25", "%_o", "_", "%5C", "0%25_off%5Cd"] {
        let found = tandem.api_ok(&format!("/v1.3/list?search={search}")).await;
        assert_eq!(short_ids(found), [shopper.clone()], "{search}");
    }
}

/// With `allow_private_upstreams` on (as in every test world), the guard refused only
/// a fixed list of metadata addresses: the rest of link-local space, Oracle's
/// `192.0.0.192`, and the IPv4-translated and Teredo forms of the listed ones were
/// reachable. Each is refused before any connection, with the guard's reason.
#[tokio::test]
async fn metadata_addresses_in_any_form_stay_unreachable_with_private_upstreams_allowed() {
    let world = World::start_with(|config| config.connect_timeout_ms = 300).await;
    for target in [
        "http://169.254.1.1/",
        "http://169.254.170.23/",
        "http://192.0.0.192/",
        "http://[::ffff:0:a9fe:a9fe]/",
        "http://[::ffff:169.254.1.1]/",
        "http://[64:ff9b::a9fe:101]/",
        "http://[2002:a9fe:101::1]/",
        "http://[2001:0:4136:e378:8000:63bf:5601:5601]/",
    ] {
        let visitor = world.tandem.visitor(target).await;
        let page = visitor.get(&visitor.landing).await;
        assert_eq!(page.status, StatusCode::BAD_GATEWAY, "{target}: {}", page.text());
        assert!(page.text().contains("which this proxy may not connect to"), "{target}: {}", page.text());
    }
}

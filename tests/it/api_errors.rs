//! Every status code of the REST reference, on every route it applies to: 401 without
//! the key, 404 for unknown visitors, agents and routes, 409 for deleting an online
//! visitor, 402 at the configured session limit, 400 and 413 for bad input. Every
//! error is JSON with `status: "error"` and a code.

use http::{Method, StatusCode};

use crate::api_flow::quick_live;
use crate::support::api::{DELETE, POST};
use crate::support::{Reply, Tandem, World};

/// Asserts a JSON error with `status` and `code`.
#[track_caller]
fn assert_error(what: &str, reply: &Reply, status: StatusCode, code: &str) {
    assert_eq!(reply.status, status, "{what}: {}", reply.text());
    let json = reply.json();
    assert_eq!((json["status"].as_str(), json["error"].as_str()), (Some("error"), Some(code)), "{what}: {json}");
}

/// Creates a visitor and returns its short id.
async fn new_visitor(tandem: &Tandem) -> String {
    let session = tandem.create_session("https://shop.test/").await;
    session.short_id
}

#[tokio::test]
async fn every_route_wants_the_api_key() {
    let tandem = Tandem::start(|_| {}).await;
    let routes = [
        (Method::GET, "/v1.3/list"),
        (Method::GET, "/v1.3/visitors/abc"),
        (Method::POST, "/v1.3/visitors/abc/watch_url"),
        (Method::DELETE, "/v1.3/visitors/abc/session"),
        (Method::DELETE, "/v1.3/visitors/abc"),
        (Method::DELETE, "/v1.3/visitors?all=true"),
        (Method::GET, "/v1.3/usage"),
        (Method::GET, "/v1.3/agents/lookup?external_id=a"),
        (Method::GET, "/v1.3/cobrowsing_sessions/list"),
        (Method::GET, "/v1.3/openapi.json"),
        (Method::GET, "/v1.3/no/such/route"),
    ];
    for (method, path) in routes {
        for key in [None, Some("wrong"), Some("test-key-but-longer")] {
            let mut request = http::Request::builder().method(method.clone()).uri(tandem.control_url(path));
            if let Some(key) = key {
                request = request.header("x-api-key", key);
            }
            let reply = tandem.send(request.body(axum::body::Body::empty()).expect("request")).await;
            assert_error(&format!("{method} {path} with {key:?}"), &reply, StatusCode::UNAUTHORIZED, "invalid_api_key");
        }
    }
}

#[tokio::test]
async fn unknown_visitors_agents_and_routes_are_404() {
    let tandem = Tandem::start(|_| {}).await;
    let cases = [
        (Method::GET, "/v1.3/visitors/nosuchvisitor", "", "visitor_not_found"),
        (Method::POST, "/v1.3/visitors/nosuchvisitor/watch_url", r#"{"agent":{"id":"a"}}"#, "visitor_not_found"),
        (Method::DELETE, "/v1.3/visitors/nosuchvisitor/session", "", "visitor_not_found"),
        (Method::DELETE, "/v1.3/visitors/nosuchvisitor", "", "visitor_not_found"),
        (Method::GET, "/v1.3/agents/lookup?external_id=nobody", "", "agent_not_found"),
        (Method::GET, "/v1.3/agents/lookup?email=john@acme.test", "", "agent_not_found"),
        (Method::GET, "/v1.3/agents/lookup?name=john", "", "agent_not_found"),
        (Method::GET, "/v1.3/no/such/route", "", "not_found"),
        (Method::GET, "/v2/list", "", "not_found"),
    ];
    for (method, path, body, code) in cases {
        let reply = tandem.api(method.clone(), path, body).await;
        assert_error(&format!("{method} {path}"), &reply, StatusCode::NOT_FOUND, code);
    }
}

#[tokio::test]
async fn bad_input_is_400_and_oversized_bodies_413() {
    let tandem = Tandem::start(|_| {}).await;
    let visitor = new_visitor(&tandem).await;
    let watch = format!("/v1.3/visitors/{visitor}/watch_url");
    let cases: Vec<(Method, String, String, StatusCode, &str)> = vec![
        (Method::GET, "/v1.3/list?max_results=0".into(), String::new(), StatusCode::BAD_REQUEST, "invalid_max_results"),
        (
            Method::GET,
            "/v1.3/list?max_results=11".into(),
            String::new(),
            StatusCode::BAD_REQUEST,
            "invalid_max_results",
        ),
        (Method::GET, "/v1.3/list?max_results=ten".into(), String::new(), StatusCode::BAD_REQUEST, "invalid_parameter"),
        (Method::POST, watch.clone(), "{}".into(), StatusCode::BAD_REQUEST, "invalid_agent"),
        (Method::POST, watch.clone(), r#"{"agent":{"name":"Ann"}}"#.into(), StatusCode::BAD_REQUEST, "invalid_agent"),
        (
            Method::POST,
            watch.clone(),
            r#"{"agent":{"id":"a"},"metadata":{"nested":{"x":1}}}"#.into(),
            StatusCode::BAD_REQUEST,
            "invalid_metadata",
        ),
        (
            Method::POST,
            watch.clone(),
            r#"{"agent":{"id":"a"},"metadata":{"list":[1]}}"#.into(),
            StatusCode::BAD_REQUEST,
            "invalid_metadata",
        ),
        (
            Method::POST,
            watch.clone(),
            r#"{"agent":{"id":"a"},"webhook_url":"javascript:alert(1)"}"#.into(),
            StatusCode::BAD_REQUEST,
            "invalid_webhook_url",
        ),
        (
            Method::POST,
            watch.clone(),
            r#"{"agent":{"id":"a"},"branding":{"naked":"sometimes"}}"#.into(),
            StatusCode::BAD_REQUEST,
            "invalid_branding",
        ),
        (
            Method::POST,
            watch.clone(),
            r#"{"agent":{"id":"a"},"branding":{"on_end_url":"/relative"}}"#.into(),
            StatusCode::BAD_REQUEST,
            "invalid_branding",
        ),
        (
            Method::POST,
            watch.clone(),
            r#"{"agent":{"id":"a"},"permissions":{"allow_everything":true}}"#.into(),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            Method::POST,
            watch.clone(),
            r#"{"agent":{"id":"a"},"permissions":{"allow_click":"yes"}}"#.into(),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (Method::POST, watch.clone(), r#"{"agent":{"id":"a"}"#.into(), StatusCode::BAD_REQUEST, "invalid_json"),
        (
            Method::POST,
            watch.clone(),
            format!(r#"{{"agent":{{"id":"a"}},"initial_notes":"{}"}}"#, "n".repeat(70 * 1024)),
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
        (Method::DELETE, "/v1.3/visitors".into(), String::new(), StatusCode::BAD_REQUEST, "confirmation_required"),
        (
            Method::DELETE,
            "/v1.3/visitors?all=false".into(),
            String::new(),
            StatusCode::BAD_REQUEST,
            "confirmation_required",
        ),
        (
            Method::GET,
            "/v1.3/cobrowsing_sessions/list?updated_after=yesterday".into(),
            String::new(),
            StatusCode::BAD_REQUEST,
            "invalid_updated_after",
        ),
        (
            Method::GET,
            "/v1.3/cobrowsing_sessions/list?ongoing_only=maybe".into(),
            String::new(),
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
        ),
        (
            Method::GET,
            "/v1.3/cobrowsing_sessions/list?limit=0".into(),
            String::new(),
            StatusCode::BAD_REQUEST,
            "invalid_limit",
        ),
    ];
    for (method, path, body, status, code) in cases {
        let reply = tandem.api(method.clone(), &path, &body).await;
        assert_error(&format!("{method} {path} {}", &body[..body.len().min(80)]), &reply, status, code);
    }
    // Nothing was created by the refused watch links.
    let usage = tandem.api_ok("/v1.3/usage").await;
    assert_eq!(usage["usage"]["session_counts"]["last_30_days"], 0);
}

#[tokio::test]
async fn deleting_an_online_visitor_is_409_and_keeps_it() {
    let world = World::start_with(quick_live).await;
    let visitor = world.tandem.visitor("https://shop.test/").await;
    let short_id = visitor.session.short_id.clone();
    let (_socket, _) = visitor.presence(&visitor.landing).await;
    let reply = world.tandem.api(DELETE, &format!("/v1.3/visitors/{short_id}"), "").await;
    assert_error("delete an online visitor", &reply, StatusCode::CONFLICT, "visitor_online");
    // Deleting every visitor leaves the online one.
    let reply = world.tandem.api(DELETE, "/v1.3/visitors?all=true", "").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let still = world.tandem.api_ok(&format!("/v1.3/visitors/{short_id}")).await;
    assert_eq!(still["visitor"]["is_online"], true);
    assert_eq!(visitor.get(&visitor.landing).await.status, StatusCode::OK, "its browser still browses");
}

#[tokio::test]
async fn watch_links_beyond_the_session_limit_are_402() {
    let world = World::start_with(|config| {
        quick_live(config);
        config.max_ongoing_sessions = Some(1);
    })
    .await;
    let tandem = &world.tandem;
    let first = tandem.visitor("https://shop.test/").await;
    let second = new_visitor(tandem).await;
    let agent = r#"{"agent":{"id":"agent-1"}}"#;

    // The first visitor's session takes the one slot once its agent joins.
    let agent_browser = tandem.agent_for(&first.session.short_id, agent).await;
    let (_socket, _) = agent_browser.join().await;

    let refused = tandem.api(POST, &format!("/v1.3/visitors/{second}/watch_url"), agent).await;
    assert_error("a second session", &refused, StatusCode::PAYMENT_REQUIRED, "session_limit_reached");
    // Another agent for the visitor already in session takes no new slot.
    let reply = tandem.api(POST, &format!("/v1.3/visitors/{}/watch_url", first.session.short_id), agent).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    // Once the session ends, the slot is free again.
    tandem.api(DELETE, &format!("/v1.3/visitors/{}/session", first.session.short_id), "").await;
    let reply = tandem.api(POST, &format!("/v1.3/visitors/{second}/watch_url"), agent).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
}

//! `POST /v1.3/proxy_sessions`: what an integrator gets back, and how bad input is refused.

use http::{StatusCode, header};

use crate::support::{API_KEY, Tandem, World};

#[tokio::test]
async fn a_session_gets_an_entry_link_on_the_label_of_its_initial_origin() {
    let world = World::start().await;
    let reply = world
        .tandem
        .api_post("/v1.3/proxy_sessions", Some(API_KEY), r#"{"initial_url":"https://shop.test/products?page=2"}"#)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert!(reply.header(header::CONTENT_TYPE).is_some_and(|t| t.starts_with("application/json")));
    let json = reply.json();
    assert_eq!(json["status"], "ok");
    assert!(json["visitor"]["unique_id"].is_null(), "{json}");
    let short_id = json["visitor"]["short_id"].as_str().expect("short_id");
    assert!(!short_id.is_empty());

    let proxy_url = json["proxy_url"].as_str().expect("proxy_url");
    let port = world.tandem.addr.port();
    // http://<8-char session id>s-shop-test.proxy.localhost:<port>/__tandem/enter/<token>
    let rest = proxy_url.strip_prefix("http://").expect("http URL");
    let (label, rest) = rest.split_once('.').expect("label");
    assert_eq!(label.len(), 8 + "s-shop-test".len(), "{proxy_url}");
    assert!(label.ends_with("s-shop-test"), "{proxy_url}");
    let token = rest
        .strip_prefix(&format!("proxy.localhost:{port}/__tandem/enter/"))
        .unwrap_or_else(|| panic!("not an entry link on the zone: {proxy_url}"));
    assert!(token.len() >= 20, "the entry token must be unguessable: {proxy_url}");

    let other = world.tandem.create_session("https://shop.test/products?page=2").await;
    assert_ne!(other.proxy_url, proxy_url, "two sessions share an entry link");
    assert_ne!(other.short_id, short_id);
    assert!(!proxy_url.contains(&other.id), "two sessions share a session id");
}

#[tokio::test]
async fn unique_id_in_the_initial_url_is_recorded_and_never_reaches_the_upstream() {
    let world = World::start().await;
    let session = world.tandem.create_session("https://shop.test/echo?a=1&___upscope_unique_id=cust-42&b=2").await;
    assert_eq!(session.unique_id.as_deref(), Some("cust-42"));

    let visitor = world.tandem.enter(&session).await;
    assert_eq!(visitor.landing, session.url("https://shop.test/echo?a=1&b=2"));
    let reply = visitor.get(&visitor.landing).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["target"], "/echo?a=1&b=2");

    let requests = world.upstream.requests();
    assert!(!requests.is_empty());
    for seen in requests {
        let everything = format!("{} {:?}", seen.target, seen.headers);
        assert!(
            !everything.contains("___upscope_unique_id") && !everything.contains("cust-42"),
            "the upstream saw the integrator's visitor id: {everything}"
        );
    }
}

#[tokio::test]
async fn unique_id_field_is_recorded() {
    let tandem = Tandem::start(|_| {}).await;
    let body = r#"{"initial_url":"https://shop.test/","unique_id":"crm-7","tags":["vip"],"metadata":{"plan":"gold"}}"#;
    let reply = tandem.api_post("/v1.3/proxy_sessions", Some(API_KEY), body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["visitor"]["unique_id"], "crm-7");
}

#[tokio::test]
async fn bad_requests_get_json_errors_and_create_nothing() {
    let tandem = Tandem::start(|_| {}).await;
    let oversized =
        format!(r#"{{"initial_url":"https://shop.test/","metadata":{{"pad":"{}"}}}}"#, "x".repeat(100 * 1024));
    let cases: Vec<(&str, Option<&str>, String, StatusCode, &str)> = vec![
        ("missing URL", Some(API_KEY), "{}".into(), StatusCode::BAD_REQUEST, "invalid_initial_url"),
        (
            "ftp URL",
            Some(API_KEY),
            r#"{"initial_url":"ftp://shop.test/file"}"#.into(),
            StatusCode::BAD_REQUEST,
            "invalid_initial_url",
        ),
        (
            "not a URL",
            Some(API_KEY),
            r#"{"initial_url":"shop dot test"}"#.into(),
            StatusCode::BAD_REQUEST,
            "invalid_initial_url",
        ),
        (
            "malformed JSON",
            Some(API_KEY),
            r#"{"initial_url": "https://shop.test/""#.into(),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            "URL of the wrong type",
            Some(API_KEY),
            r#"{"initial_url": 42}"#.into(),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            "wrong key",
            Some("not-the-key"),
            r#"{"initial_url":"https://shop.test/"}"#.into(),
            StatusCode::UNAUTHORIZED,
            "invalid_api_key",
        ),
        ("no key", None, r#"{"initial_url":"https://shop.test/"}"#.into(), StatusCode::UNAUTHORIZED, "invalid_api_key"),
        ("oversized body", Some(API_KEY), oversized, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
    ];
    for (what, key, body, status, code) in cases {
        let reply = tandem.api_post("/v1.3/proxy_sessions", key, body).await;
        assert_eq!(reply.status, status, "{what}: {}", reply.text());
        assert!(
            reply.header(header::CONTENT_TYPE).is_some_and(|t| t.starts_with("application/json")),
            "{what}: not JSON"
        );
        let json = reply.json();
        assert_eq!(json["status"], "error", "{what}: {json}");
        assert_eq!(json["error"], code, "{what}: {json}");
        assert!(json["message"].as_str().is_some_and(|m| !m.is_empty()), "{what}: no message: {json}");
    }
    assert!(tandem.state.sessions.is_empty(), "a refused request created a session");
}

//! The OpenAPI document at `/v1.3/openapi.json` against the server that serves it: it
//! documents exactly the REST contract's operations behind `X-Api-Key`, every
//! documented status of every operation is reached by a real request with realistic
//! state, every reply's status is documented and its JSON body matches the documented
//! schema, and methods the document does not list are refused.

use std::collections::BTreeSet;

use http::{Method, StatusCode, header};

use crate::api_flow::quick_live;
use crate::support::openapi::{Contract, METHODS};
use crate::support::webhook_receiver::Receiver;
use crate::support::{Session, Tandem, World};

/// The REST contract's operations, as (method, path below `/v1.3`).
const CONTRACT: [(&str, &str); 11] = [
    ("post", "/proxy_sessions"),
    ("post", "/visitors/{short_id}/proxy_url"),
    ("get", "/list"),
    ("get", "/visitors/{short_id}"),
    ("delete", "/visitors/{short_id}"),
    ("post", "/visitors/{short_id}/watch_url"),
    ("delete", "/visitors/{short_id}/session"),
    ("delete", "/visitors"),
    ("get", "/usage"),
    ("get", "/agents/lookup"),
    ("get", "/cobrowsing_sessions/list"),
];

/// Without the key or with a wrong one, every operation answers its documented 401.
async fn refused_without_the_key(contract: &Contract, tandem: &Tandem) {
    for (method, path) in contract.operations() {
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
        let path = format!("/v1.3{}", path.replace("{short_id}", "abc"));
        for key in [None, Some("wrong")] {
            let reply = contract.call_with_key(tandem, method.clone(), &path, "", key).await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{method} {path}");
        }
    }
}

/// A request body over the 64 KiB limit.
fn oversized(field: &str) -> String {
    format!(r#"{{"{field}":"{}"}}"#, "x".repeat(70 * 1024))
}

#[tokio::test]
async fn the_document_covers_the_contract_behind_the_api_key() {
    let tandem = Tandem::start(|_| {}).await;
    let contract = Contract::fetch(&tandem).await;
    let document = &contract.document;
    let version = document["openapi"].as_str().expect("openapi version");
    assert!(version.starts_with("3."), "{version}");
    assert_eq!(document["servers"][0]["url"], tandem.control_url("/v1.3").as_str());
    assert_eq!(document["security"], serde_json::json!([{"api_key": []}]), "the key is required everywhere");
    assert_eq!(
        document["components"]["securitySchemes"]["api_key"],
        serde_json::json!({"type": "apiKey", "in": "header", "name": "X-Api-Key"}),
    );
    let expected: BTreeSet<_> = CONTRACT.iter().map(|(m, p)| ((*m).to_owned(), (*p).to_owned())).collect();
    assert_eq!(contract.operations(), expected);
    let operation_ids: Vec<_> = contract
        .operations()
        .iter()
        .map(|(m, p)| document["paths"][p][m]["operationId"].as_str().expect("operationId").to_owned())
        .collect();
    assert_eq!(operation_ids.iter().collect::<BTreeSet<_>>().len(), operation_ids.len(), "{operation_ids:?}");
    refused_without_the_key(&contract, &tandem).await;
}

#[tokio::test]
async fn every_documented_status_is_answered_as_documented() {
    let world = World::start_with(|config| {
        quick_live(config);
        config.max_ongoing_sessions = Some(1);
    })
    .await;
    let tandem = &world.tandem;
    let contract = Contract::fetch(tandem).await;
    let call = |method: Method, path: String, body: String| {
        let contract = &contract;
        async move { contract.call(tandem, method, &path, &body).await }
    };
    let webhook = Receiver::accepting().await;
    refused_without_the_key(&contract, tandem).await;
    // A short id that is not UTF-8 once decoded: a JSON 400 on every route that takes one.
    for (method, path) in [
        (Method::GET, "/v1.3/visitors/%FF"),
        (Method::DELETE, "/v1.3/visitors/%FF"),
        (Method::DELETE, "/v1.3/visitors/%FF/session"),
        (Method::POST, "/v1.3/visitors/%FF/watch_url"),
        (Method::POST, "/v1.3/visitors/%FF/proxy_url"),
    ] {
        let reply = call(method.clone(), path.into(), r#"{"agent":{"id":"a"}}"#.into()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{method} {path}");
    }

    // Two visitors: one with everything an integrator can give, one with nothing.
    let body = serde_json::json!({
        "initial_url": "https://shop.test/echo?___upscope_unique_id=cust-1",
        "identities": ["Jane Doe", "jane@example.com"],
        "tags": ["vip"],
        "metadata": {"plan": "pro", "seats": 3, "trial": false},
        "require_consent": true,
    });
    let created = call(Method::POST, "/v1.3/proxy_sessions".into(), body.to_string()).await.json();
    let bare =
        call(Method::POST, "/v1.3/proxy_sessions".into(), r#"{"initial_url":"https://shop.test/"}"#.into()).await;
    let bare = bare.json()["visitor"]["short_id"].as_str().expect("short_id").to_owned();
    for bad in [
        "{}",
        r#"{"initial_url":"ftp://shop.test/"}"#,
        "{",
        r#"{"initial_url":"https://a.test/","tags":[""]}"#,
        r#"{"initial_url":"https://a.test/","colour":"red"}"#,
        r#"{"initial_url":"https://a.test/","tags":"vip"}"#,
        r#"{"initial_url":"https://a.test/","require_consent":"yes"}"#,
    ] {
        let reply = call(Method::POST, "/v1.3/proxy_sessions".into(), bad.into()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    let reply = call(Method::POST, "/v1.3/proxy_sessions".into(), oversized("initial_url")).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);

    // The first visitor browses: online, with what the proxy learns.
    let session = Session::from_json(&created, tandem.addr.port());
    let short_id = session.short_id.clone();
    let visitor = tandem.enter(&session).await;
    assert_eq!(visitor.get(&visitor.landing).await.status, StatusCode::OK);
    let (presence, _) = visitor.presence(&visitor.landing).await;
    let visitor_path = format!("/v1.3/visitors/{short_id}");
    let found = call(Method::GET, "/v1.3/list?search=online".into(), String::new()).await.json();
    assert_eq!(found["visitors"][0]["short_id"], short_id.as_str(), "{found}");
    call(Method::GET, "/v1.3/list".into(), String::new()).await;
    call(Method::GET, "/v1.3/list?search=id:cust-1&max_results=1".into(), String::new()).await;
    for bad in ["max_results=0", "max_results=11", "max_results=ten"] {
        let reply = call(Method::GET, format!("/v1.3/list?{bad}"), String::new()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    call(Method::GET, visitor_path.clone(), String::new()).await;
    let reply = call(Method::GET, "/v1.3/visitors/nosuchvisitor".into(), String::new()).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    // A fresh entry link to the visitor's session.
    call(Method::POST, format!("{visitor_path}/proxy_url"), String::new()).await;
    let reply = call(Method::POST, "/v1.3/visitors/nosuchvisitor/proxy_url".into(), String::new()).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);

    // An agent joins through a watch link: the one session the limit allows goes on.
    let watch = serde_json::json!({
        "agent": {"id": "agent-7", "name": "Ann"},
        "branding": {"naked": "page_only", "on_end_url": "https://shop.test/bye"},
        "permissions": {"allow_click": false},
        "metadata": {"ticket": 1234},
        "webhook_url": webhook.url().as_str(),
        "initial_notes": "Cannot check out",
        "language": "en",
        "viewer": {"id": "lead-1"},
    });
    let watch_path = format!("{visitor_path}/watch_url");
    let link = call(Method::POST, watch_path.clone(), watch.to_string()).await.json();
    let agent = tandem.open_watch_link(link["watch_url"].as_str().expect("watch_url")).await;
    let (_agent_socket, _) = agent.join().await;
    let agent_ok = r#"{"agent":{"id":"agent-8"}}"#.to_owned();
    let limited = call(Method::POST, format!("/v1.3/visitors/{bare}/watch_url"), agent_ok.clone()).await;
    assert_eq!(limited.status, StatusCode::PAYMENT_REQUIRED, "{}", limited.text());
    for bad in [
        "{}",
        r#"{"agent":{"id":"a"},"metadata":{"nested":{"x":1}}}"#,
        "{",
        r#"{"agent":{"id":"a"},"permissions":{"allow_click":"yes"}}"#,
        r#"{"agent":{"id":"a"},"branding":{"naked":"sometimes"}}"#,
    ] {
        let reply = call(Method::POST, watch_path.clone(), bad.into()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    let reply = call(Method::POST, watch_path.clone(), oversized("initial_notes")).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    let reply = call(Method::POST, "/v1.3/visitors/nosuchvisitor/watch_url".into(), agent_ok.clone()).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);

    // While it goes on: the ongoing session in every view of it.
    let visitor_json = call(Method::GET, visitor_path.clone(), String::new()).await.json();
    assert_eq!(visitor_json["visitor"]["is_in_session"], true, "{visitor_json}");
    let ongoing = call(Method::GET, "/v1.3/cobrowsing_sessions/list?ongoing_only=true".into(), String::new()).await;
    assert_eq!(ongoing.json()["cobrowsing_sessions"].as_array().map(Vec::len), Some(1), "{}", ongoing.text());
    call(Method::GET, "/v1.3/usage".into(), String::new()).await;
    call(Method::GET, "/v1.3/agents/lookup?external_id=agent-7".into(), String::new()).await;

    // The integrator stops it; the ended session in every view of it.
    call(Method::DELETE, format!("{visitor_path}/session"), String::new()).await;
    let reply = call(Method::DELETE, "/v1.3/visitors/nosuchvisitor/session".into(), String::new()).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let list = call(Method::GET, "/v1.3/cobrowsing_sessions/list?limit=1".into(), String::new()).await.json();
    let session_id = list["last_id"].as_str().expect("a session is listed").to_owned();
    assert_eq!(list["cobrowsing_sessions"][0]["end_reason"], "api", "{list}");
    for query in [
        format!("after_id={session_id}"),
        format!("before_id={session_id}"),
        "updated_after=2020-01-01T00:00:00Z".into(),
    ] {
        call(Method::GET, format!("/v1.3/cobrowsing_sessions/list?{query}"), String::new()).await;
    }
    for bad in ["limit=0", "updated_after=yesterday", "ongoing_only=maybe"] {
        let reply = call(Method::GET, format!("/v1.3/cobrowsing_sessions/list?{bad}"), String::new()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    let found = call(Method::GET, "/v1.3/agents/lookup?external_id=agent-7".into(), String::new()).await.json();
    assert_eq!(found["agent"]["sessions"][0]["id"], session_id.as_str(), "{found}");
    for query in ["external_id=nobody", "email=ann@example.com", ""] {
        let reply = call(Method::GET, format!("/v1.3/agents/lookup?{query}"), String::new()).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{query}");
    }
    let reply = call(Method::GET, "/v1.3/agents/lookup?external_id=a&external_id=b".into(), String::new()).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text());
    let usage = call(Method::GET, "/v1.3/usage".into(), String::new()).await.json();
    assert_eq!(usage["usage"]["session_counts"]["today"], 1, "{usage}");
    let visitor_json = call(Method::GET, visitor_path.clone(), String::new()).await.json();
    assert_eq!(visitor_json["visitor"]["sessions"][0]["id"], session_id.as_str(), "{visitor_json}");

    // Deletion: refused while online, then every offline one, then the first once it left.
    let reply = call(Method::DELETE, visitor_path.clone(), String::new()).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    for bad in ["", "?all=false", "?all=maybe"] {
        let reply = call(Method::DELETE, format!("/v1.3/visitors{bad}"), String::new()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    call(Method::DELETE, "/v1.3/visitors?all=true".into(), String::new()).await;
    let reply = call(Method::DELETE, format!("/v1.3/visitors/{bare}"), String::new()).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "deleted with the offline ones");
    let reply = call(Method::DELETE, "/v1.3/visitors/nosuchvisitor".into(), String::new()).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    drop(presence);
    crate::support::api::eventually("the visitor to be deletable once offline", || async {
        let reply = call(Method::DELETE, visitor_path.clone(), String::new()).await;
        (reply.status == StatusCode::OK).then_some(())
    })
    .await;

    let uncovered = contract.uncovered();
    assert!(uncovered.is_empty(), "documented but never answered: {uncovered:#?}");
}

#[tokio::test]
async fn methods_and_paths_the_document_does_not_list_are_refused() {
    let tandem = Tandem::start(|_| {}).await;
    let contract = Contract::fetch(&tandem).await;
    let documented = contract.operations();
    let mut paths: BTreeSet<String> = documented.iter().map(|(_, path)| path.clone()).collect();
    // A route of the reference that Tandem does not have, and a near miss.
    paths.extend(["/onpremise/token".to_owned(), "/visitors/{short_id}/sessions".to_owned()]);
    for path in paths {
        // HEAD is GET without the body wherever GET is documented (RFC 9110 §9.3.2).
        for method in
            METHODS.iter().filter(|m| **m != "head" && !documented.contains(&((**m).to_owned(), path.clone())))
        {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let concrete = format!("/v1.3{}", path.replace("{short_id}", "abc"));
            let reply = tandem.api(method.clone(), &concrete, "{}").await;
            let what = format!("{method} {concrete}");
            assert!(
                matches!(reply.status, StatusCode::METHOD_NOT_ALLOWED | StatusCode::NOT_FOUND),
                "{what} is not documented but answers {}: {}",
                reply.status,
                reply.text()
            );
            assert_eq!(reply.header(header::CONTENT_TYPE), Some("application/json"), "{what}");
            contract.assert_component("ErrorBody", &reply.body, &what);
        }
    }
}

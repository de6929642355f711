//! The integrator's whole flow through the REST API, with a real HTTP client for the
//! integrator, the visitor's page and the agent's browser: create a proxy session, find
//! the visitor, get and open a watch link, stop the session, receive the webhook, list
//! the session, read usage, delete the visitor.

use http::{StatusCode, header};

use crate::support::api::{DELETE, POST, close_code, eventually, next_json};
use crate::support::webhook_receiver::Receiver;
use crate::support::{World, get, get_with_cookie};

/// Short grace periods, so that leaving takes effect within the test.
pub(crate) fn quick_live(config: &mut tandem::config::Config) {
    config.visitor_grace_ms = 200;
    config.session_grace_ms = 300;
}

#[tokio::test]
async fn integrator_flow_from_proxy_session_to_deleted_visitor() {
    let world = World::start_with(quick_live).await;
    let tandem = &world.tandem;
    let mut webhook = Receiver::accepting().await;

    // 1. The integrator starts a proxy session with its own id for the visitor.
    let body = serde_json::json!({
        "initial_url": "https://shop.test/echo?step=1&___upscope_unique_id=cust-42",
        "identities": ["Jane Doe", "jane@example.com"],
        "tags": ["vip"],
    });
    let created = tandem.api(POST, "/v1.3/proxy_sessions", &body.to_string()).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text());
    let created = created.json();
    let visitor_json = &created["visitor"];
    let short_id = visitor_json["short_id"].as_str().expect("short_id").to_owned();
    assert_eq!(visitor_json["unique_id"], "cust-42");
    assert_eq!(visitor_json["is_online"], false);

    // 2. The visitor's browser opens the proxy URL; its page holds the presence socket.
    let session = crate::support::Session::from_json(&created, tandem.addr.port());
    let visitor = tandem.enter(&session).await;
    let page = visitor.get(&visitor.landing).await;
    assert_eq!(page.json()["target"], "/echo?step=1", "the upstream saw Tandem's parameter");
    let (mut visitor_socket, hello) = visitor.presence(&visitor.landing).await;
    let code = hello["lookup_code"].as_str().expect("lookup code").to_owned();
    assert!(code.len() == 4 && code.bytes().all(|b| b.is_ascii_digit()), "{code}");

    // 3. The integrator finds the visitor by its id, by the code read out on the phone,
    //    and among the online ones; the record shows what the proxy learned.
    for search in ["id:cust-42", code.as_str(), "online", "jane@example.com", "#VIP", "ip:127.0.0.1", "jane online"] {
        let found = tandem.api_ok(&format!("/v1.3/list?search={}", urlencode(search))).await;
        let visitors = found["visitors"].as_array().expect("visitors");
        assert_eq!(visitors.len(), 1, "search {search:?}: {found}");
        assert_eq!(visitors[0]["short_id"], short_id.as_str(), "search {search:?}");
    }
    let offline = tandem.api_ok("/v1.3/list?search=-online").await;
    assert_eq!(offline["visitors"].as_array().map(Vec::len), Some(0), "{offline}");
    let record = tandem.api_ok(&format!("/v1.3/visitors/{short_id}")).await["visitor"].clone();
    assert_eq!(record["is_online"], true);
    assert_eq!(record["url"], "https://shop.test/echo?step=1");
    assert_eq!(record["ip_address"], "127.0.0.1");
    assert_eq!(record["lookup_code"], code.as_str());

    // 4. A watch link for an agent, with a webhook and metadata for the session.
    let watch = serde_json::json!({
        "agent": {"id": "agent-7", "name": "Ann"},
        "permissions": {"allow_click": false},
        "metadata": {"ticket": 1234, "channel": "phone"},
        "webhook_url": webhook.url().as_str(),
        "initial_notes": "Customer cannot check out",
    });
    let reply = tandem.api(POST, &format!("/v1.3/visitors/{short_id}/watch_url"), &watch.to_string()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let watch_url = reply.json()["watch_url"].as_str().expect("watch_url").to_owned();
    assert!(watch_url.starts_with(&tandem.control_url("/watch/")), "{watch_url}");

    // 5. The agent's browser opens it: a credential cookie, then the viewer and its socket.
    let agent = tandem.open_watch_link(&watch_url).await;
    let viewer_page = tandem.send(get_with_cookie(&agent.viewer_url, &agent.credential)).await;
    assert_eq!(viewer_page.status, StatusCode::OK, "{}", viewer_page.text());
    let (mut agent_socket, agent_hello) = agent.join().await;
    assert_eq!(agent_hello["permissions"]["allow_click"], false);
    assert_eq!(agent_hello["permissions"]["allow_console"], false, "allow_console defaults to off");
    assert_eq!(agent_hello["permissions"]["allow_scroll"], true);
    assert_eq!(agent_hello["visitor"]["short_id"], short_id.as_str());
    let session_id = agent_hello["session_id"].as_str().expect("session id").to_owned();
    assert_eq!(next_json(&mut visitor_socket).await["state"], "started", "the visitor hears the session start");
    let again = tandem.send(get(&watch_url)).await;
    assert_eq!(again.status, StatusCode::GONE, "a second open in another browser: {}", again.text());
    let record = tandem.api_ok(&format!("/v1.3/visitors/{short_id}")).await["visitor"].clone();
    assert_eq!(record["is_in_session"], true);

    // 6. The integrator stops the session: the agent and the visitor are told at once.
    let stopped = tandem.api(DELETE, &format!("/v1.3/visitors/{short_id}/session"), "").await;
    assert_eq!(stopped.status, StatusCode::OK, "{}", stopped.text());
    let ended = next_json(&mut agent_socket).await;
    assert_eq!((ended["type"].as_str(), ended["reason"].as_str()), (Some("ended"), Some("api")));
    assert_eq!(close_code(&mut agent_socket).await, Some(4410));
    assert_eq!(next_json(&mut visitor_socket).await["state"], "ended");

    // 7. The webhook arrives on the local receiver with the session's record.
    let delivery = webhook.delivery(1).await;
    assert_eq!(delivery.header(header::CONTENT_TYPE.as_str()), "application/json");
    let hook = delivery.json();
    assert_eq!(hook["id"], session_id.as_str(), "{hook}");
    assert_eq!(hook["visitor_id"], short_id.as_str());
    assert_eq!(hook["agents"][0]["id"], "agent-7");
    assert_eq!(hook["agents"][0]["name"], "Ann");
    assert!(hook["agents"][0]["left_at"].is_string(), "{hook}");
    assert_eq!(hook["metadata"], serde_json::json!({"ticket": 1234, "channel": "phone"}));
    assert_eq!(hook["notes"], "Customer cannot check out");
    assert_eq!(hook["end_reason"], "api");
    assert_eq!(hook["url"], "https://shop.test/echo?step=1");
    assert!(hook["ended_at"].is_string() && hook["is_ongoing"] == false, "{hook}");

    // 8. The session is listed, the agent can be looked up, usage counts it all.
    let list = tandem.api_ok("/v1.3/cobrowsing_sessions/list").await;
    assert_eq!(list["cobrowsing_sessions"].as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(list["last_id"], session_id.as_str());
    assert_eq!(list["has_more"], false);
    assert_eq!(list["cobrowsing_sessions"][0]["end_reason"], "api");
    let ongoing = tandem.api_ok("/v1.3/cobrowsing_sessions/list?ongoing_only=true").await;
    assert_eq!(ongoing["cobrowsing_sessions"].as_array().map(Vec::len), Some(0), "{ongoing}");
    let agent = tandem.api_ok("/v1.3/agents/lookup?external_id=agent-7").await["agent"].clone();
    assert_eq!(agent["sessions"][0]["id"], session_id.as_str(), "{agent}");
    let usage = tandem.api_ok("/v1.3/usage").await["usage"].clone();
    assert_eq!(usage["session_counts"], serde_json::json!({"last_30_days": 1, "now": 0, "today": 1}), "{usage}");
    assert_eq!(usage["agents"], serde_json::json!({"last_30_days": 1, "today": 1}), "{usage}");
    assert_eq!(usage["visitors"], serde_json::json!({"last_24_hrs": 1, "online_now": 1}), "{usage}");
    let visitor_record = tandem.api_ok(&format!("/v1.3/visitors/{short_id}")).await["visitor"].clone();
    assert_eq!(visitor_record["sessions"][0]["id"], session_id.as_str());
    assert_eq!(visitor_record["is_in_session"], false);

    // 9. Deleting the visitor: refused while its page is open, done once it has left.
    let refused = tandem.api(DELETE, &format!("/v1.3/visitors/{short_id}"), "").await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text());
    assert_eq!(refused.json()["error"], "visitor_online");
    drop(visitor_socket);
    eventually("the visitor to be deletable once offline", || async {
        let reply = tandem.api(DELETE, &format!("/v1.3/visitors/{short_id}"), "").await;
        (reply.status == StatusCode::OK).then_some(())
    })
    .await;
    let gone = tandem.api(http::Method::GET, &format!("/v1.3/visitors/{short_id}"), "").await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    let searched = tandem.api_ok("/v1.3/list?search=id:cust-42").await;
    assert_eq!(searched["visitors"].as_array().map(Vec::len), Some(0), "{searched}");
    let page = visitor.get(&visitor.landing).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND, "a deleted visitor's session is over");
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

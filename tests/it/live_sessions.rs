//! Co-browsing sessions as they happen: who can join, how they end (last agent gone
//! for the grace period, the visitor, an agent, the API), and what the record says.

use http::{StatusCode, header};

use crate::api_flow::quick_live;
use crate::support::api::{close_code, eventually, next_json, send_json};
use crate::support::webhook_receiver::Receiver;
use crate::support::{Tandem, World, get, get_with_cookie};

const AGENT: &str = r#"{"agent":{"id":"agent-1","name":"Ann"}}"#;

#[tokio::test]
async fn a_session_ends_when_the_last_agent_has_been_gone_for_the_grace_period() {
    let world = World::start_with(quick_live).await;
    let tandem = &world.tandem;
    let visitor = tandem.visitor("https://shop.test/").await;
    let (mut visitor_socket, _) = visitor.presence(&visitor.landing).await;
    let mut webhook = Receiver::accepting().await;
    let body = serde_json::json!({"agent": {"id": "agent-1"}, "webhook_url": webhook.url().as_str()}).to_string();
    let (agent_socket, hello) = tandem.agent_for(&visitor.session.short_id, &body).await.join().await;
    assert_eq!(next_json(&mut visitor_socket).await["state"], "started");
    drop(agent_socket);

    assert_eq!(next_json(&mut visitor_socket).await["state"], "ended");
    let record = webhook.delivery(1).await.json();
    assert_eq!(record["id"], hello["session_id"]);
    assert_eq!(record["end_reason"], "agents_left");
    assert_eq!(record["ended_at"], record["agents"][0]["left_at"], "the session ended when its last agent left");
}

#[tokio::test]
async fn an_agent_back_within_the_grace_period_continues_the_same_session() {
    let world = World::start_with(|config| {
        quick_live(config);
        config.session_grace_ms = 60_000;
    })
    .await;
    let tandem = &world.tandem;
    let visitor = tandem.visitor("https://shop.test/").await;
    let agent = tandem.agent_for(&visitor.session.short_id, AGENT).await;
    let (first, hello) = agent.join().await;
    drop(first);
    let (mut again, hello_again) = agent.join().await;
    assert_eq!(hello_again["session_id"], hello["session_id"], "a reconnect is the same session");
    let list = tandem.api_ok("/v1.3/cobrowsing_sessions/list").await;
    let sessions = list["cobrowsing_sessions"].as_array().expect("sessions");
    assert_eq!(sessions.len(), 1, "{list}");
    assert_eq!(sessions[0]["agents"].as_array().map(Vec::len), Some(1), "one visit, not two: {list}");
    assert!(sessions[0]["agents"][0]["left_at"].is_null(), "{list}");
    assert_eq!(sessions[0]["is_ongoing"], true);

    // The agent's own end button ends it for everyone.
    send_json(&mut again, &serde_json::json!({"type": "end_session"})).await;
    let ended = next_json(&mut again).await;
    assert_eq!(ended["reason"], "agent", "{ended}");
    let list = tandem.api_ok("/v1.3/cobrowsing_sessions/list").await;
    assert_eq!(list["cobrowsing_sessions"][0]["end_reason"], "agent", "{list}");
}

#[tokio::test]
async fn the_visitor_can_end_the_session_and_its_links_cannot_start_another() {
    let world = World::start_with(quick_live).await;
    let tandem = &world.tandem;
    let visitor = tandem.visitor("https://shop.test/").await;
    let (mut visitor_socket, _) = visitor.presence(&visitor.landing).await;
    let agent = tandem.agent_for(&visitor.session.short_id, AGENT).await;
    let (mut agent_socket, _) = agent.join().await;
    assert_eq!(next_json(&mut visitor_socket).await["state"], "started");

    send_json(&mut visitor_socket, &serde_json::json!({"type": "end_session"})).await;
    assert_eq!(next_json(&mut agent_socket).await["reason"], "visitor");
    assert_eq!(close_code(&mut agent_socket).await, Some(4410));

    // The link's credential belonged to that session: it opens no new one.
    let page = tandem.send(get_with_cookie(&agent.viewer_url, &agent.credential)).await;
    assert_eq!(page.status, StatusCode::GONE, "{}", page.text());
    let refused = tandem.websocket(&agent.live_url(), Some(agent.origin()), Some(&agent.credential)).await;
    assert_eq!(refused.err().map(|r| r.status), Some(StatusCode::GONE));
    assert_eq!(tandem.api_ok("/v1.3/usage").await["usage"]["session_counts"]["now"], 0);
}

#[tokio::test]
async fn two_agents_share_one_session() {
    let world = World::start_with(quick_live).await;
    let tandem = &world.tandem;
    let visitor = tandem.visitor("https://shop.test/").await;
    let short_id = &visitor.session.short_id;
    let (mut first, hello) = tandem.agent_for(short_id, AGENT).await.join().await;
    let second_body = r#"{"agent":{"id":"agent-2","name":"Bob"},"metadata":{"team":"billing"}}"#;
    let (mut second, hello_second) = tandem.agent_for(short_id, second_body).await.join().await;
    assert_eq!(hello_second["session_id"], hello["session_id"]);

    tandem.api(http::Method::DELETE, &format!("/v1.3/visitors/{short_id}/session"), "").await;
    assert_eq!(next_json(&mut first).await["reason"], "api");
    assert_eq!(next_json(&mut second).await["reason"], "api");
    let list = tandem.api_ok("/v1.3/cobrowsing_sessions/list").await;
    let session = &list["cobrowsing_sessions"][0];
    let agents: Vec<_> = session["agents"].as_array().expect("agents").iter().map(|a| a["id"].clone()).collect();
    assert_eq!(agents, ["agent-1", "agent-2"], "{list}");
    assert_eq!(session["metadata"]["team"], "billing", "a joining link's metadata is kept: {list}");
    for id in ["agent-1", "agent-2"] {
        let agent = tandem.api_ok(&format!("/v1.3/agents/lookup?external_id={id}")).await;
        assert_eq!(agent["agent"]["sessions"][0]["id"], hello["session_id"], "{agent}");
    }
}

#[tokio::test]
async fn watch_links_are_signed_single_use_and_short_lived() {
    let tandem = Tandem::start(|config| config.watch_link_ttl_secs = 1).await;
    let short_id = tandem.create_session("https://shop.test/").await.short_id;
    let issue = || async {
        let reply = tandem.api(http::Method::POST, &format!("/v1.3/visitors/{short_id}/watch_url"), AGENT).await;
        reply.json()["watch_url"].as_str().expect("watch_url").to_owned()
    };
    let is_page = |reply: &crate::support::Reply| {
        reply.header(header::CONTENT_TYPE).is_some_and(|t| t.starts_with("text/html"))
            && reply.header(header::SET_COOKIE).is_none()
    };

    // Forged: another link id, a changed expiry, or no token at all.
    let genuine = issue().await;
    let (base, token) = genuine.rsplit_once('/').expect("token");
    let mut parts: Vec<&str> = token.split('.').collect();
    let later = (parts[1].parse::<u64>().expect("expiry") + 3_600_000).to_string();
    parts[1] = &later;
    for forged in [format!("{base}/{}", parts.join(".")), format!("{base}/w_aaaaaaaaaaaaaaaa.1.x"), format!("{base}/x")]
    {
        let reply = tandem.send(get(&forged)).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{forged}: {}", reply.text());
        assert!(is_page(&reply), "a forged link gets a page and no credential");
    }

    // Used once; a second browser gets a clear page.
    let agent = tandem.open_watch_link(&genuine).await;
    let second = tandem.send(get(&genuine)).await;
    assert_eq!(second.status, StatusCode::GONE);
    assert!(is_page(&second) && second.text().contains("already been used"), "{}", second.text());
    // The same browser (with its credential) goes back to its viewer.
    let reload = tandem.send(get_with_cookie(&genuine, &agent.credential)).await;
    assert_eq!(reload.status, StatusCode::SEE_OTHER);

    // The viewer and its socket need that link's own credential.
    let other = tandem.open_watch_link(&issue().await).await;
    for cookie in [None, Some(other.credential.as_str()), Some("tandem_agent_w_x=forged")] {
        let request = match cookie {
            Some(cookie) => get_with_cookie(&agent.viewer_url, cookie),
            None => get(&agent.viewer_url),
        };
        assert_eq!(tandem.send(request).await.status, StatusCode::FORBIDDEN, "viewer with {cookie:?}");
        let socket = tandem.websocket(&agent.live_url(), Some(agent.origin()), cookie).await;
        assert_eq!(socket.err().map(|r| r.status), Some(StatusCode::FORBIDDEN), "socket with {cookie:?}");
    }

    // Expired: a link not opened within its lifetime. The agent who opened it in time
    // still gets back to its viewer by it.
    let unused = issue().await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let expired = tandem.send(get(&unused)).await;
    assert_eq!(expired.status, StatusCode::GONE);
    assert!(is_page(&expired) && expired.text().contains("expired"), "{}", expired.text());
    let reload = tandem.send(get_with_cookie(&genuine, &agent.credential)).await;
    assert_eq!(reload.status, StatusCode::SEE_OTHER, "{}", reload.text());
    let stranger = tandem.send(get(&genuine)).await;
    assert_eq!(stranger.status, StatusCode::GONE);
}

#[tokio::test]
async fn the_presence_socket_admits_only_the_sessions_own_pages() {
    let world = World::start_with(quick_live).await;
    let visitor = world.tandem.visitor("https://shop.test/").await;
    let other = world.tandem.visitor("https://shop.test/").await;
    let origin = visitor.session.origin("https://shop.test/");
    let socket_url = format!("{}/__tandem/live", origin.replacen("http://", "ws://", 1));
    let cases = [
        ("no binding cookie", Some(origin.as_str()), None),
        ("another session's cookie", Some(origin.as_str()), Some(other.cookie.as_str())),
        ("a foreign page", Some("https://evil.test"), Some(visitor.cookie.as_str())),
        ("another session's page", Some(&*other.session.origin("https://shop.test/")), Some(visitor.cookie.as_str())),
        ("no Origin", None, Some(visitor.cookie.as_str())),
    ];
    for (what, origin, cookie) in cases {
        let refused = world.tandem.websocket(&socket_url, origin, cookie).await;
        assert_eq!(refused.err().map(|r| r.status), Some(StatusCode::FORBIDDEN), "{what}");
    }
    let found = world.tandem.api_ok(&format!("/v1.3/visitors/{}", visitor.session.short_id)).await;
    assert_eq!(found["visitor"]["is_online"], false);
}

#[tokio::test]
async fn hide_private_details_keeps_the_visitors_address_from_the_agent() {
    let world = World::start_with(quick_live).await;
    let tandem = &world.tandem;
    let visitor = tandem.visitor("https://shop.test/").await;
    let (_presence, _) = visitor.presence(&visitor.landing).await;
    let short_id = &visitor.session.short_id;
    let (_open, hello) = tandem.agent_for(short_id, AGENT).await.join().await;
    assert_eq!(hello["visitor"]["ip_address"], "127.0.0.1", "{hello}");
    let hidden = r#"{"agent":{"id":"agent-2"},"permissions":{"hide_private_details":true}}"#;
    let (_hidden, hello) = tandem.agent_for(short_id, hidden).await.join().await;
    assert!(hello["visitor"]["ip_address"].is_null(), "{hello}");
    assert_eq!(hello["permissions"]["hide_private_details"], true);
}

#[tokio::test]
async fn sessions_are_listed_by_start_a_page_at_a_time() {
    let world = World::start_with(quick_live).await;
    let tandem = &world.tandem;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let short_id = tandem.create_session("https://shop.test/").await.short_id;
        let (_socket, hello) = tandem.agent_for(&short_id, AGENT).await.join().await;
        ids.push(hello["session_id"].as_str().expect("id").to_owned());
        tandem.api(http::Method::DELETE, &format!("/v1.3/visitors/{short_id}/session"), "").await;
    }
    let page = |query: String| async move {
        let list = tandem.api_ok(&format!("/v1.3/cobrowsing_sessions/list?{query}")).await;
        let got: Vec<String> = list["cobrowsing_sessions"]
            .as_array()
            .expect("sessions")
            .iter()
            .map(|s| s["id"].as_str().expect("id").to_owned())
            .collect();
        (got, list["has_more"].as_bool().expect("has_more"), list["last_id"].clone())
    };
    let (first, more, last) = page("limit=2".into()).await;
    assert_eq!((first.as_slice(), more), (&ids[..2], true));
    let (rest, more, _) = page(format!("limit=2&after_id={}", last.as_str().expect("last_id"))).await;
    assert_eq!((rest.as_slice(), more), (&ids[2..], false));
    let (before, _, _) = page(format!("before_id={}", ids[2])).await;
    assert_eq!(before, &ids[..2]);
    let (between, _, _) = page(format!("after_id={}&before_id={}", ids[0], ids[2])).await;
    assert_eq!(between, &ids[1..2]);
    let (none, more, last) = page("after_id=s_nosuchsession".into()).await;
    assert!(none.is_empty() && !more && last.is_null());
    let future = "2999-01-01T00:00:00.000Z";
    assert!(page(format!("updated_after={future}")).await.0.is_empty());
    assert_eq!(page("updated_after=2000-01-01T00:00:00Z".into()).await.0, ids);
}

/// A visitor back online keeps the last URL its pages reported until a page of its
/// says where it is now: the record never reads online at no URL, and a session that
/// starts then has its start URL.
#[tokio::test]
async fn a_visitor_back_online_keeps_its_last_url_until_its_page_reports() {
    let world = World::start_with(quick_live).await;
    let tandem = &world.tandem;
    let visitor = tandem.visitor("https://shop.test/").await;
    let short_id = &visitor.session.short_id;
    let record = || async { tandem.api_ok(&format!("/v1.3/visitors/{short_id}")).await["visitor"].clone() };
    let (socket, _) = visitor.presence(&visitor.url("https://shop.test/cart")).await;
    eventually("the page's URL", || async { (record().await["url"] == "https://shop.test/cart").then_some(()) }).await;
    drop(socket);
    eventually("the visitor offline", || async { (record().await["is_online"] == false).then_some(()) }).await;

    // The page's socket is open again; the page has not said where it is yet.
    let origin = visitor.session.origin("https://shop.test/");
    let socket_url = format!("{}/__tandem/live", origin.replacen("http://", "ws://", 1));
    let mut back = tandem.websocket(&socket_url, Some(&origin), Some(&visitor.cookie)).await.expect("presence socket");
    assert_eq!(next_json(&mut back).await["type"], "hello");
    let online = record().await;
    assert_eq!((online["is_online"].as_bool(), online["url"].as_str()), (Some(true), Some("https://shop.test/cart")));
    let (_agent, hello) = tandem.agent_for(short_id, AGENT).await.join().await;
    let list = tandem.api_ok("/v1.3/cobrowsing_sessions/list").await;
    assert_eq!(list["cobrowsing_sessions"][0]["id"], hello["session_id"], "{list}");
    assert_eq!(list["cobrowsing_sessions"][0]["url"], "https://shop.test/cart", "{list}");
}

//! Tandem restarted: the binary is stopped and started again on the same data
//! directory. Records survive; visitors keep their binding and their cookies; live
//! state comes back as browsers reconnect, and an ongoing session waits for its agent.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;

use http::StatusCode;
use tokio::process::Child;

use crate::support::api::{DELETE, eventually, next_json, send_json};
use crate::support::fixtures::Upstream;
use crate::support::tandem_child::tandem_command;
use crate::support::tls::TestPki;
use crate::support::{API_KEY, Endpoint, bounded};

/// The `tandem` binary serving on `port` with its records in `dir`.
struct Binary {
    child: Child,
    endpoint: Endpoint,
}

impl Binary {
    async fn start(dir: &Path, port: u16, upstream: SocketAddr) -> Binary {
        let resolve = [("shop.test", upstream), ("account.shop.test", upstream)];
        let child = tandem_command(env!("CARGO_BIN_EXE_tandem"), dir, port, API_KEY, &resolve)
            .expect("the rules dir")
            .env("TANDEM_EXTRA_ROOT_CERTS", format!("[{:?}]", TestPki::shared().write_ca(dir)))
            .env("TANDEM_VISITOR_GRACE_MS", "200")
            .env("TANDEM_SESSION_GRACE_MS", "30000")
            .stdout(Stdio::null())
            .spawn()
            .expect("start the tandem binary");
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().expect("address");
        eventually("the binary to listen", || async { tokio::net::TcpStream::connect(addr).await.ok() }).await;
        Binary { child, endpoint: Endpoint::plain(addr) }
    }

    /// Stops it as a service manager does (SIGTERM) and waits for it to exit.
    async fn stop(mut self) {
        let pid = self.child.id().expect("running").to_string();
        let status = std::process::Command::new("kill").args(["-TERM", &pid]).status().expect("kill");
        assert!(status.success());
        let exit = bounded("the binary to exit", self.child.wait()).await.expect("wait");
        assert!(exit.success(), "tandem exited with {exit}");
    }
}

#[tokio::test]
async fn records_bindings_and_cookies_survive_a_restart_and_live_state_comes_back() {
    let upstream = Upstream::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();

    // Before: a visitor online with cookies in its jar, an agent in session with it.
    let before = Binary::start(dir.path(), port, upstream.addr).await;
    let tandem = &before.endpoint;
    let session = tandem.create_session("http://shop.test/set-cookies?___upscope_unique_id=cust-9").await;
    let visitor = tandem.enter(&session).await;
    assert_eq!(visitor.get(&visitor.landing).await.status, StatusCode::OK);
    let (mut presence, hello) = visitor.presence(&visitor.landing).await;
    // A GET form sent a masked field: its name is to be masked in every address.
    send_json(&mut presence, &serde_json::json!({"type": "mask_params", "names": ["pw"]})).await;
    eventually("the page's masked field to be known", || async {
        let (_other_page, hello) = visitor.presence(&visitor.landing).await;
        (hello["mask_params"] == serde_json::json!(["pw"])).then_some(())
    })
    .await;
    let agent = tandem.agent_for(&session.short_id, r#"{"agent":{"id":"agent-1"}}"#).await;
    let (_agent_socket, agent_hello) = agent.join().await;
    let session_id = agent_hello["session_id"].clone();
    before.stop().await;

    let after = Binary::start(dir.path(), port, upstream.addr).await;
    let tandem = &after.endpoint;
    // The records are there; nobody is online until their browser reconnects.
    let record = tandem.api_ok(&format!("/v1.3/visitors/{}", session.short_id)).await["visitor"].clone();
    assert_eq!(record["unique_id"], "cust-9");
    assert_eq!(record["is_online"], false, "{record}");
    assert_eq!(record["url"], "http://shop.test/set-cookies");
    let ongoing = tandem.api_ok("/v1.3/cobrowsing_sessions/list?ongoing_only=true").await;
    assert_eq!(ongoing["cobrowsing_sessions"][0]["id"], session_id, "{ongoing}");

    // The visitor's browser is still bound, and the site still sees its cookies.
    let echo = visitor.get(&visitor.url("http://shop.test/echo")).await;
    assert_eq!(echo.status, StatusCode::OK, "{}", echo.text());
    let cookies = echo.json()["headers"]["cookie"][0].as_str().unwrap_or_default().to_owned();
    for cookie in ["a=1", "b=2", "c=3"] {
        assert!(cookies.split("; ").any(|c| c == cookie), "{cookie} lost in the restart: {cookies:?}");
    }
    // The entry link was spent before the restart and stays spent.
    let reentry = tandem.send(crate::support::get(&session.proxy_url)).await;
    assert_eq!(reentry.status, StatusCode::FORBIDDEN);

    // Live state comes back as the page and the agent reconnect.
    let (_presence, hello_again) = visitor.presence(&visitor.landing).await;
    assert_eq!(hello_again["lookup_code"], hello["lookup_code"], "the code is kept while free");
    // Forgotten, a page reloaded after the restart would report the password in its address.
    assert_eq!(hello_again["mask_params"], serde_json::json!(["pw"]), "masked field names survive the restart");
    eventually("the visitor to be online again", || async {
        let record = tandem.api_ok(&format!("/v1.3/visitors/{}", session.short_id)).await;
        (record["visitor"]["is_online"] == true).then_some(())
    })
    .await;
    let (mut agent_socket, rejoined) = agent.join().await;
    assert_eq!(rejoined["session_id"], session_id, "the agent rejoins the same session");
    let stopped = tandem.api(DELETE, &format!("/v1.3/visitors/{}/session", session.short_id), "").await;
    assert_eq!(stopped.status, StatusCode::OK);
    assert_eq!(next_json(&mut agent_socket).await["reason"], "api");
    let list = tandem.api_ok("/v1.3/cobrowsing_sessions/list").await;
    let sessions = list["cobrowsing_sessions"].as_array().expect("sessions");
    assert_eq!(sessions.len(), 1, "{list}");
    assert_eq!(sessions[0]["agents"].as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(tandem.api_ok("/v1.3/usage").await["usage"]["session_counts"]["last_30_days"], 1);
    after.stop().await;
}

#[tokio::test]
async fn records_past_their_retention_are_purged_at_start() {
    use tandem::store::{Presence, SessionRecord, SqliteStore, Store, VisitorRecord};

    let dir = tempfile::tempdir().expect("temp dir");
    let day: i64 = 24 * 3600 * 1000;
    let now = tandem::live::now_millis();
    let visitor = |short_id: &str, seen: i64| VisitorRecord {
        short_id: short_id.to_owned(),
        unique_id: Some(format!("{short_id}-unique")),
        lookup_code: "1111".to_owned(),
        identities: Vec::new(),
        tags: Vec::new(),
        metadata: Default::default(),
        created_at: seen,
        presence: Presence { last_seen_at: Some(seen), ..Presence::default() },
        is_online: false,
        is_in_session: false,
    };
    let session = |id: &str, visitor_id: &str, at: i64| SessionRecord {
        id: id.to_owned(),
        visitor_id: visitor_id.to_owned(),
        agents: Vec::new(),
        started_at: at,
        ended_at: Some(at + 60_000),
        end_reason: Some("api".to_owned()),
        metadata: Default::default(),
        notes: None,
        start_url: None,
        updated_at: at + 60_000,
    };
    {
        let store = SqliteStore::open(&dir.path().join(tandem::server::DATABASE_FILE)).expect("store");
        store.insert_visitor(&visitor("oldvisitor01", now - 31 * day)).expect("old visitor");
        store.insert_visitor(&visitor("newvisitor01", now - 29 * day)).expect("recent visitor");
        store.insert_session(&session("s_old", "oldvisitor01", now - 31 * day)).expect("old session");
        store.insert_session(&session("s_new", "newvisitor01", now - 29 * day)).expect("recent session");
    }
    let data_dir = dir.path().to_owned();
    let tandem = crate::support::Tandem::start(move |config| config.data_dir = data_dir).await;
    eventually("the old visitor to be purged", || async {
        let reply = tandem.api(http::Method::GET, "/v1.3/visitors/oldvisitor01", "").await;
        (reply.status == StatusCode::NOT_FOUND).then_some(())
    })
    .await;
    tandem.api_ok("/v1.3/visitors/newvisitor01").await;
    let list = tandem.api_ok("/v1.3/cobrowsing_sessions/list").await;
    let ids: Vec<_> =
        list["cobrowsing_sessions"].as_array().expect("sessions").iter().map(|s| s["id"].clone()).collect();
    assert_eq!(ids, ["s_new"], "{list}");
}

#[tokio::test]
async fn an_idle_session_leaves_memory_and_comes_back_with_its_cookies() {
    let world = crate::support::World::start_with(|config| {
        config.idle_session_memory_secs = 1;
        config.visitor_grace_ms = 100;
    })
    .await;
    let tandem = &world.tandem;
    let visitor = tandem.visitor("http://shop.test/set-cookies").await;
    assert_eq!(visitor.get(&visitor.landing).await.status, StatusCode::OK);
    // While its page is open the session stays, however long nothing is asked of it.
    let (presence, _) = visitor.presence(&visitor.landing).await;
    tokio::time::sleep(std::time::Duration::from_millis(3500)).await;
    assert_eq!(tandem.state.sessions.len(), 1, "an online visitor's session left memory");
    drop(presence);
    eventually("the idle session to leave memory", || async { tandem.state.sessions.is_empty().then_some(()) }).await;

    let echo = visitor.get(&visitor.url("http://shop.test/echo")).await;
    assert_eq!(echo.status, StatusCode::OK, "{}", echo.text());
    let cookies = echo.json()["headers"]["cookie"][0].as_str().unwrap_or_default().to_owned();
    for cookie in ["a=1", "b=2", "c=3"] {
        assert!(cookies.split("; ").any(|c| c == cookie), "{cookie} lost with the session's memory: {cookies:?}");
    }
    assert_eq!(tandem.state.sessions.len(), 1, "the request brought the session back");
}

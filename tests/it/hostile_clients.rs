//! No client takes Tandem down: slow and idle connections, searches, origins.

use std::time::Duration;

use http::{Method, StatusCode};
use tandem::origin::SessionId;
use tandem::session::jar_bounds::{MAX_COOKIES_PER_SITE, MAX_JAR_BYTES};
use tandem::session::labels::MAX_FALLBACK_LABELS;
use tandem::store::search::MAX_SEARCH_TERMS;
use tokio::time::Instant;

use crate::support::api::{Socket, eventually, next_json, next_message};
use crate::support::attack::{Attack, Attacker};
use crate::support::hostile_sites::{self, FLOOD_BATCH, FLOOD_VALUE_LEN, HOSTILE_HOST};
use crate::support::local_site::LocalSite;
use crate::support::{Tandem, Visitor, World, bounded};

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
        assert_eq!(short_ids(found), std::slice::from_ref(&shopper), "{search}");
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

/// A proxied site set a thousand cookies of a kilobyte (and one padded to 100 KB),
/// and its script wrote hundreds more through `document.cookie`: the session's jar
/// kept them all, in memory and in the records, and sent them all upstream in one
/// multi-megabyte `Cookie` header. The jar now keeps what a browser keeps: at most 180
/// per site, the least recently used going first, each within 4096 bytes.
/// A visitor in a session on the hostile site (kept running with the returned handle),
/// and that site's page.
async fn hostile_visitor() -> (LocalSite, World, String, Visitor) {
    let site = hostile_sites::start().await;
    let world = World::start_with(|config| {
        config.resolve.insert(HOSTILE_HOST.to_owned(), site.addr);
    })
    .await;
    let page = format!("http://{HOSTILE_HOST}/");
    let visitor = world.tandem.visitor(&page).await;
    (site, world, page, visitor)
}

#[tokio::test]
async fn a_proxied_site_cannot_grow_the_sessions_cookie_jar_without_bound() {
    let (_site, world, page, visitor) = hostile_visitor().await;
    let batches = 20;
    for batch in 0..batches {
        let reply = visitor.get_upstream(&format!("{page}flood?batch={batch}")).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    }
    let origin = visitor.session.origin(&page);
    let writes = 300;
    let mut seen = String::new();
    for i in 0..writes {
        let write = visitor
            .request(Method::POST, &format!("{origin}/__tandem/cookie?path=/"))
            .header("x-tandem-cookie", "1")
            .header(http::header::ORIGIN, &origin);
        let reply = visitor.send(write, format!("js{i}=1; Path=/")).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        seen = reply.text();
    }
    assert!(seen.split("; ").count() <= MAX_COOKIES_PER_SITE, "document.cookie reads {} bytes", seen.len());

    let sent = visitor.get_upstream(&format!("{page}cookies")).await;
    assert_eq!(sent.status, StatusCode::OK, "the site got a Cookie header it could read: {}", sent.status);
    let header = sent.text();
    let names: Vec<&str> = header.split("; ").filter_map(|pair| pair.split_once('=').map(|(n, _)| n)).collect();
    assert!(names.len() <= MAX_COOKIES_PER_SITE, "{} cookies went upstream", names.len());
    assert!(names.contains(&format!("js{}", writes - 1).as_str()), "the newest cookie is kept: {names:?}");
    assert!(header.len() <= MAX_COOKIES_PER_SITE * (FLOOD_VALUE_LEN + 16), "{} bytes went upstream", header.len());
    assert!(FLOOD_BATCH * batches + writes > 5 * MAX_COOKIES_PER_SITE, "the site did try");

    let id = SessionId::parse(&visitor.session.id).expect("session id");
    let session = world.tandem.state.sessions.get(&id).expect("the session is live");
    let saved = session.jar.to_json().len();
    assert!(saved < MAX_JAR_BYTES / 4, "the jar saves {saved} bytes to the records");
}

/// A page decides which origins it names, and an origin Tandem cannot encode in a label
/// (an underscore, an IPv6 literal, a long name) gets a hashed one that the session
/// remembers. A page naming thousands of such hosts grew that map, and the session's
/// record, without end. It keeps the most recently used now; the newest work.
#[tokio::test]
async fn a_proxied_page_naming_thousands_of_hosts_cannot_grow_the_sessions_labels_without_bound() {
    let (_site, world, page, visitor) = hostile_visitor().await;
    let hosts = 3 * MAX_FALLBACK_LABELS;
    let listing = visitor.get_upstream(&format!("{page}hosts?n={hosts}")).await;
    assert_eq!(listing.status, StatusCode::OK);
    let text = listing.text();
    let last = text.rsplit("href=\"").next().and_then(|rest| rest.split('"').next()).expect("a link");
    assert!(last.contains(ZONE_MARK), "the link is rewritten to a label: {last}");

    let id = SessionId::parse(&visitor.session.id).expect("session id");
    let session = world.tandem.state.sessions.get(&id).expect("the session is live");
    let record = session.record().fallback_labels.unwrap_or_default();
    let labels: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&record).expect("labels");
    assert!(labels.len() <= MAX_FALLBACK_LABELS, "{} labels remembered of {hosts}", labels.len());
    let newest = visitor.get(last).await;
    assert_eq!(newest.text(), "hello from the hostile site", "{last}");
}

/// The agent's socket took any `Origin`: over https its credential cookie is
/// `SameSite=None` (integrators frame the viewer), so a page of any site open in the
/// agent's browser (a proxied page above all) could open the socket with it and act as
/// the agent. Only the viewer's own origin, the control origin, may open it now; a
/// handshake without `Origin` comes from no browser page and is refused as well.
#[tokio::test]
async fn the_agents_socket_answers_only_pages_of_the_control_origin() {
    let world = World::start().await;
    let tandem = &world.tandem;
    let visitor = tandem.visitor("https://shop.test/").await;
    let agent = tandem.agent_for(&visitor.session.short_id, r#"{"agent":{"id":"a-1"}}"#).await;
    let proxied = visitor.session.origin("https://shop.test/");
    let control_elsewhere = agent.origin().replace("localhost", "127.0.0.1");
    for origin in [Some(proxied.as_str()), Some("https://evil.example"), Some(control_elsewhere.as_str()), None] {
        let refused = tandem.websocket(&agent.live_url(), origin, Some(&agent.credential)).await;
        let status = refused.as_ref().err().map(|reply| reply.status);
        assert_eq!(status, Some(StatusCode::FORBIDDEN), "Origin {origin:?}");
    }
    let (_socket, hello) = agent.join().await;
    assert_eq!(hello["agent"]["id"], "a-1");
}

/// What every label's host ends with.
const ZONE_MARK: &str = ".proxy.localhost:";

/// Connection slots in the connection tests.
const SLOTS: usize = 16;
/// The header timeout of the connection tests.
const HEADER_TIMEOUT: Duration = Duration::from_secs(4);
/// The idle timeout of the connection tests.
const IDLE_TIMEOUT: Duration = Duration::from_secs(3);

/// Small bounds for the connection tests: a few slots, timeouts of seconds.
fn small_bounds(config: &mut tandem::config::Config) {
    config.max_connections = SLOTS;
    config.header_read_timeout_ms = HEADER_TIMEOUT.as_millis() as u64;
    config.idle_timeout_ms = IDLE_TIMEOUT.as_millis() as u64;
}

/// Waits for `call` and asserts it took less than `within`: served at once, not after
/// an attacker's connection timed out.
async fn promptly<T>(what: &str, within: Duration, call: impl std::future::Future<Output = T>) -> T {
    let start = Instant::now();
    let out = bounded(what, call).await;
    assert!(start.elapsed() < within, "{what} took {:?} under attack", start.elapsed());
    out
}

/// Slowloris: connections that never send a request, or dribble its head forever, or
/// stop after the HTTP/2 preface, were never closed (the server had no timer, so
/// hyper's header timeout never fired) and every accepted socket was kept: about a
/// thousand from one client took every file descriptor, and the API, visitors and
/// agents all stopped. Now each such connection is closed by the header timeout, at
/// most `max_connections` are open at once, and at the bound the connection idle the
/// longest makes room, so the API, proxied pages and live sockets go on answering at
/// once while many more attacking sockets than the bound keep coming.
#[tokio::test]
async fn slow_and_silent_connections_are_closed_and_never_crowd_out_real_clients() {
    let world = World::start_with(small_bounds).await;
    let tandem = &world.tandem;
    let visitor = tandem.visitor("https://shop.test/").await;
    let (mut presence, _) = visitor.presence(&visitor.landing).await;

    let started = Instant::now();
    let mut attackers = Vec::new();
    for (attack, count) in [(Attack::Silent, 30), (Attack::Dribble, 10), (Attack::Http2Preface, 10)] {
        for _ in 0..count {
            attackers.push(Attacker::open(tandem.addr, attack).await);
        }
    }
    // More attacking sockets than slots: no more than the bound stay open (one slot is
    // the visitor's socket).
    let open = || attackers.iter().filter(|a| !a.closed()).count();
    eventually("attacking sockets beyond the bound to be closed", || {
        std::future::ready((open() < SLOTS).then_some(()))
    })
    .await;
    assert!(open() >= SLOTS / 2, "the attack still holds the slots: {} open", open());

    // Served at once, by closing an attacking socket, not after one timed out.
    let within = HEADER_TIMEOUT - Duration::from_secs(1);
    let usage = promptly("the API", within, tandem.api(Method::GET, "/v1.3/usage", "")).await;
    assert_eq!(usage.status, StatusCode::OK, "{}", usage.text());
    let page = promptly("a proxied page", within, visitor.get(&visitor.landing)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let agent = tandem.agent_for(&visitor.session.short_id, r#"{"agent":{"id":"a-1"}}"#).await;
    let (_agent_socket, hello) = promptly("an agent's socket", within, agent.join()).await;
    assert_eq!(hello["type"], "hello");
    assert_eq!(promptly("the visitor's socket", within, next_json(&mut presence)).await["state"], "started");

    // And every attacking socket is closed by the header timeout, dribblers too.
    eventually("every attacking socket to be closed", || {
        std::future::ready(attackers.iter().all(Attacker::closed).then_some(()))
    })
    .await;
    let took = started.elapsed();
    assert!(took < HEADER_TIMEOUT + Duration::from_secs(3), "the last attacking socket lasted {took:?}");
}

/// Live sockets had no timeout and no ping: one whose client went silent (gone, or
/// holding it without reading) stayed open and kept its connection for ever. The relay
/// now pings them, and closes one that answers nothing for `idle_timeout_ms`; a socket
/// whose client reads (and so answers pings, as browsers do) stays open.
#[tokio::test]
async fn a_live_socket_that_goes_silent_is_closed_and_one_that_answers_pings_stays() {
    let world = World::start_with(small_bounds).await;
    let tandem = &world.tandem;
    let visitor = tandem.visitor("https://shop.test/").await;
    let (mut presence, _) = visitor.presence(&visitor.landing).await;
    let agent = tandem.agent_for(&visitor.session.short_id, r#"{"agent":{"id":"a-1"}}"#).await;
    let (mut silent, _) = agent.join().await;
    assert_eq!(next_json(&mut presence).await["state"], "started");

    // The visitor's client keeps reading (tungstenite answers pings as it reads); the
    // agent's reads nothing for twice the idle timeout.
    let quiet = 2 * IDLE_TIMEOUT;
    // (`next_message` fails the test if the socket closes.)
    let reading = tokio::time::timeout(quiet, async {
        loop {
            next_message(&mut presence).await;
        }
    });
    assert!(reading.await.is_err(), "the visitor's socket stays open while its client reads");

    // The agent's socket was closed meanwhile: what is left to read ends at once.
    assert!(closed_promptly(&mut silent).await, "the silent agent's socket is still open");
    tandem.api(http::Method::DELETE, &format!("/v1.3/visitors/{}/session", visitor.session.short_id), "").await;
    assert_eq!(next_json(&mut presence).await["state"], "ended", "the reading socket still answers");
}

/// Whether `socket` ends (close frame, reset or end) within a second of reading.
async fn closed_promptly(socket: &mut Socket) -> bool {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    tokio::time::timeout(Duration::from_secs(1), async {
        loop {
            match socket.next().await {
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
                Some(Ok(_)) => continue,
            }
        }
    })
    .await
    .is_ok()
}

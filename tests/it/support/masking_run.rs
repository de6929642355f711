//! Running the masking matrix (`tests/it/masking.rs`) and reading what left the browser:
//! a Tandem whose origins name a loopback tap (`wire_tap`), the hostile site
//! (`masking_sites`) for `bank.test` and `login.bank.test` with a rules file masking
//! [`RULE_SELECTOR`](masking_sites::RULE_SELECTOR), the browser scenario
//! (`tests/browser/scenarios/masking.mjs`), an agent joining when the page is ready; then
//! every byte the browser sent, decoded (`wire_decode`), what the agent got and the
//! visitor's record, searched for secrets and public values.

use futures_util::StreamExt;
use tokio_tungstenite::tungstenite::Message;

use super::browser::run_scenario;
use super::masking_sites;
use super::wire_decode::{Sent, decode_all, find};
use super::wire_tap::WireTap;
use super::{World, ZONE};

/// The parts of the matrix, as the scenario names them: the password fields.
pub const FIELDS: &str = "fields";
/// The attribute sets.
pub const ATTRIBUTES: &str = "attributes";
/// The forms that put values into addresses.
pub const URLS: &str = "urls";
/// CSS, text and editable fields in masked places.
pub const SIBLINGS: &str = "siblings";

/// What one run of the matrix produced.
pub struct Run {
    /// What the scenario returned.
    pub result: serde_json::Value,
    /// Everything the visitor's browser sent.
    pub sent: Vec<Sent>,
    /// Everything the agent received, as text (frames inflated).
    pub agent: Vec<String>,
    /// The visitor's record after the run.
    pub visitor: serde_json::Value,
}

/// Runs the scenario on `/matrix` with `parts`, an agent joining when the page is ready;
/// returns everything the visitor's browser sent.
pub async fn run(parts: &[&str]) -> Run {
    let site = masking_sites::start().await;
    let mut tap = WireTap::bind().await;
    let rules = tempfile::tempdir().expect("rules dir");
    let hosts = masking_sites::HOSTS.map(|h| format!("\"{h}\"")).join(", ");
    let file = format!("hosts = [{hosts}]\nmask_selectors = [\"{}\"]\n", masking_sites::RULE_SELECTOR);
    std::fs::write(rules.path().join("bank.toml"), file).expect("rules file");
    let (dir, port, site_addr) = (rules.path().to_owned(), tap.addr.port(), site.addr);
    let world = World::start_with(move |config| {
        config.rules_dir = dir;
        for host in masking_sites::HOSTS {
            config.resolve.insert(host.to_owned(), site_addr);
        }
        // Every address Tandem hands the browser names the tap.
        config.content_origin = url::Url::parse(&format!("http://{ZONE}:{port}")).expect("content origin");
        config.control_origin = url::Url::parse(&format!("http://localhost:{port}")).expect("control origin");
    })
    .await;
    tap.forward_to(world.tandem.addr);

    let session = world.tandem.create_session("http://bank.test/matrix").await;
    let args = scenario_args(&session.proxy_url, parts);
    let mut running = tokio::spawn(async move { run_scenario("masking", &args).await });
    let path = format!("/v1.3/visitors/{}", session.short_id);
    // Filling the fields takes a while: the scenario's own time bound applies.
    loop {
        let url = world.tandem.api_ok(&path).await["visitor"]["url"].as_str().map(str::to_owned);
        if url.is_some_and(|url| url.ends_with("?step=ready")) {
            break;
        }
        tokio::select! {
            ended = &mut running => panic!("the scenario ended before the page was ready: {ended:?}"),
            () = tokio::time::sleep(std::time::Duration::from_millis(100)) => {}
        }
    }
    let agent = world.tandem.agent_for(&session.short_id, r#"{"agent":{"id":"agent-1","name":"Ann"}}"#).await;
    let (socket, hello) = agent.join().await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let listening = tokio::spawn(async move {
        let mut heard = vec![hello.to_string()];
        let (mut socket, mut stopped) = (socket, stopped);
        loop {
            tokio::select! {
                _ = &mut stopped => return heard,
                message = socket.next() => match message {
                    Some(Ok(Message::Text(text))) => heard.push(text.to_string()),
                    Some(Ok(Message::Binary(frame))) => heard.push(stamped_frame_text(&frame)),
                    Some(Ok(_)) => {}
                    Some(Err(_)) | None => return heard,
                },
            }
        }
    });
    let result = running.await.expect("the scenario");
    let _ = stop.send(());
    let agent = listening.await.expect("the agent's socket");
    let visitor = world.tandem.api_ok(&path).await["visitor"].clone();
    let sent = decode_all(&tap.until_all_closed().await).unwrap_or_else(|e| panic!("undecodable bytes: {e}"));
    Run { result, sent, agent, visitor }
}

/// The scenario's arguments: the fields to fill and what to put into them.
fn scenario_args(proxy_url: &str, parts: &[&str]) -> serde_json::Value {
    let mut fields = Vec::new();
    for place in masking_sites::PLACES {
        for method in masking_sites::METHODS {
            for reveal in masking_sites::REVEALS {
                let id = masking_sites::field_id(place, method, reveal);
                let values: serde_json::Map<String, serde_json::Value> = masking_sites::PARTS
                    .iter()
                    .map(|p| (p.to_string(), masking_sites::field_secret(place, method, reveal, p).into()))
                    .collect();
                fields.push(serde_json::json!({ "id": id, "method": method, "reveal": reveal, "values": values }));
            }
        }
    }
    let publics: serde_json::Map<String, serde_json::Value> = masking_sites::PLACES
        .iter()
        .map(|p| (format!("pub-{p}"), masking_sites::place_public(p)[0].clone().into()))
        .collect();
    let [password, _token, frame_password, frame_account, pin, _hash] = masking_sites::URL_SECRETS;
    let [.., textarea, editable] = masking_sites::SIBLING_SECRETS;
    serde_json::json!({
        "proxy_url": proxy_url,
        "parts": parts,
        "fields": fields,
        "publics": publics,
        "urls": {
            "public": masking_sites::URL_PUBLIC, "password": password, "frame_public": masking_sites::FRAME_PUBLIC,
            "frame_password": frame_password, "frame_account": frame_account, "pin": pin, "pages": masking_sites::URL_PAGES,
        },
        "siblings": { "textarea": textarea, "editable": editable },
        "timeout_ms": 170_000,
    })
}

/// A frame as the agent got it (sequence, time, flag byte, payload), as text.
fn stamped_frame_text(frame: &[u8]) -> String {
    let Some((flags, payload)) = frame.get(16..).and_then(|f| f.split_first()) else { return String::new() };
    if flags & 2 == 0 {
        return String::from_utf8_lossy(payload).into_owned();
    }
    let mut inflated = Vec::new();
    let _ = std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(payload), &mut inflated);
    String::from_utf8_lossy(&inflated).into_owned()
}

/// Where `secret` went that it must not: any byte to Tandem's own channels or any header
/// but `Referer` (the browser's, with the page's address), or a proxied request's body
/// that is not a submitted form.
fn leaks(sent: &[Sent], secret: &str) -> Vec<String> {
    let needle = secret.as_bytes();
    let mut found = Vec::new();
    for item in sent {
        match item {
            Sent::Request(request) => {
                let own = request.target.starts_with("/__tandem/")
                    || request.header("host").is_some_and(|h| h.starts_with("localhost"));
                let form = request.header("content-type").is_some_and(|t| {
                    t.starts_with("application/x-www-form-urlencoded") || t.starts_with("multipart/form-data")
                });
                let at = format!("connection {} {}", request.connection, request.line);
                if own && request.line.contains(secret) {
                    found.push(format!("{at}: request line"));
                }
                for (name, value) in &request.headers {
                    if value.contains(secret) && name != "referer" {
                        found.push(format!("{at}: header {name}"));
                    }
                }
                if find(&request.body, needle).is_some() && (own || !form) {
                    found.push(format!("{at}: body"));
                }
            }
            Sent::Message(message) => {
                if find(&message.payload, needle).is_some() {
                    found.push(format!("connection {} message on {}", message.connection, message.socket));
                }
            }
        }
    }
    found
}

/// Whether `text` reached Tandem on the visitor's live socket.
pub fn arrived(sent: &[Sent], text: &str) -> bool {
    sent.iter().any(|item| matches!(item, Sent::Message(m) if m.socket.ends_with("/__tandem/live") && find(&m.payload, text.as_bytes()).is_some()))
}

/// Asserts that no secret leaked anywhere (wire, agent, records) and every public text arrived.
pub fn assert_masked(run: &Run, secrets: &[String], publics: &[String]) {
    assert!(!secrets.is_empty() && !publics.is_empty());
    let mut leaked = Vec::new();
    for secret in secrets {
        let mut places = leaks(&run.sent, secret);
        places.extend(
            run.agent.iter().filter(|m| m.contains(secret.as_str())).map(|m| format!("to the agent: {:.200}", m)),
        );
        if run.visitor.to_string().contains(secret.as_str()) {
            places.push(format!("in the visitor's record: {}", run.visitor));
        }
        places.dedup();
        if !places.is_empty() {
            leaked.push(format!("{secret}: {} places: {}", places.len(), places.join(" / ")));
        }
    }
    let missing: Vec<&String> = publics.iter().filter(|p| !arrived(&run.sent, p)).collect();
    assert!(
        leaked.is_empty(),
        "{} of {} secrets left the browser:\n{}",
        leaked.len(),
        secrets.len(),
        leaked.join("\n")
    );
    assert!(missing.is_empty(), "public values missing from the mirror: {missing:?} ({})", run.result);
}

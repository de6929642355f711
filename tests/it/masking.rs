//! Masking against a hostile page: nothing masked leaves the visitor's browser, read on
//! the wire. The visitor's Chromium reaches Tandem only through a loopback tap
//! (`support::wire_tap`) that keeps every byte it sends; the test decodes all of it
//! (HTTP/1.1 requests, WebSocket frames unmasked, mirror frames gunzipped) and searches
//! it for each secret the page held in a masked place (`support::masking_sites`), while
//! the public twins of those secrets must arrive in the mirror, so that a page that sent
//! nothing could not pass. Secrets may travel only where the page itself sends them to
//! its site through the proxy: the address of a request it makes (a GET form, an image),
//! the body of a form it submits, and the `Referer` the browser adds to every request
//! (the page's address). Never anywhere else on Tandem's own channels: the live socket,
//! Tandem's `/__tandem/` paths, the control origin. Neither may they reach the visitor's
//! records or the agent.

use futures_util::StreamExt;
use tokio_tungstenite::tungstenite::Message;

use crate::support::browser::run_scenario;
use crate::support::masking_sites::{self, MaskingSite};
use crate::support::wire_decode::{Sent, decode_all, find};
use crate::support::wire_tap::WireTap;
use crate::support::{World, ZONE};

/// The parts of the matrix, as the scenario names them.
const FIELDS: &str = "fields";
const ATTRIBUTES: &str = "attributes";
const URLS: &str = "urls";
const SIBLINGS: &str = "siblings";

/// What one run of the matrix produced.
struct Run {
    result: serde_json::Value,
    sent: Vec<Sent>,
    /// Everything the agent received, as text (frames inflated).
    agent: Vec<String>,
    /// The visitor's record after the run.
    visitor: serde_json::Value,
}

/// Runs the scenario on `/matrix` with `parts`, an agent joining when the page is ready;
/// returns everything the visitor's browser sent.
async fn run(parts: &[&str]) -> Run {
    let site = MaskingSite::start().await;
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
fn arrived(sent: &[Sent], text: &str) -> bool {
    sent.iter().any(|item| matches!(item, Sent::Message(m) if m.socket.ends_with("/__tandem/live") && find(&m.payload, text.as_bytes()).is_some()))
}

/// Asserts that no secret leaked anywhere (wire, agent, records) and every public text arrived.
fn assert_masked(run: &Run, secrets: &[String], publics: &[String]) {
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

/// Whether the mirror shows `place`: rrweb reads shadow roots by `shadowRoot`, which is
/// null for a closed one (KNOWN_LIMITS.md).
fn mirrored(place: &str) -> bool {
    !place.ends_with("closed")
}

/// The secrets entered into fields, and the public texts of every mirrored place (those
/// of the masked place are secrets too).
fn field_cases() -> (Vec<String>, Vec<String>) {
    let mut secrets: Vec<String> = masking_sites::place_public(masking_sites::MASKED_PLACE).into();
    for place in masking_sites::PLACES {
        for method in masking_sites::METHODS {
            for reveal in masking_sites::REVEALS {
                secrets.extend(
                    masking_sites::PARTS.iter().map(|part| masking_sites::field_secret(place, method, reveal, part)),
                );
            }
        }
    }
    let publics = masking_sites::PLACES
        .iter()
        .filter(|p| mirrored(p) && **p != masking_sites::MASKED_PLACE)
        .flat_map(|p| masking_sites::place_public(p))
        .collect();
    (secrets, publics)
}

/// Every field holds what the scenario entered (the test cannot pass by typing nothing).
fn assert_entered(run: &Run) {
    for place in masking_sites::PLACES {
        for method in masking_sites::METHODS {
            for reveal in masking_sites::REVEALS {
                let id = masking_sites::field_id(place, method, reveal);
                let whole: String = masking_sites::PARTS
                    .iter()
                    .map(|part| masking_sites::field_secret(place, method, reveal, part))
                    .collect();
                assert_eq!(run.result["values"][&id], whole.as_str(), "field {id}: {}", run.result);
            }
        }
    }
}

/// A password field revealed as text (a show-password toggle) in a shadow root, open or
/// closed, or in a frame of the same origin (one with its own runtime, one
/// `about:blank`), or nested in these, before an agent joins or while one watches, and
/// filled by typing, pasting, script or autofill before and after: none of its value
/// leaves the browser, while the public field and text next to it reach the mirror.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_revealed_in_a_shadow_root_or_a_same_origin_frame_is_never_sent() {
    let run = run(&[FIELDS]).await;
    assert_entered(&run);
    let (secrets, publics) = field_cases();
    assert_masked(&run, &secrets, &publics);
    // Known limit: closed shadow roots are not in the mirror at all.
    for place in masking_sites::PLACES.iter().filter(|p| !mirrored(p)) {
        for public in masking_sites::place_public(place) {
            assert!(!arrived(&run.sent, &public), "{public} of a closed shadow root is mirrored now: KNOWN_LIMITS.md");
        }
    }
}

/// `title`, `aria-label`, `data-*`, `placeholder`, `value`, `href`, `alt`, `src`,
/// `srcset` and `<option value>` of elements inside `no-upscope`, `tandem-mask`, the
/// rules' selector, and of a password field, in the light DOM and in shadow roots, as
/// written in the HTML, set before or after the agent joined, or on elements added
/// later: none leaves the browser; the same attributes of a plain element arrive.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attributes_of_masked_elements_are_never_sent() {
    let run = run(&[ATTRIBUTES]).await;
    let (secrets, publics) = attribute_cases();
    assert_masked(&run, &secrets, &publics);
}

/// A GET form's password (and hidden token) lands in the address of the page it opens,
/// on another label of the session, and stays there on reload (the page also writes the
/// password's name into its fragment, again and again while its live socket opens); a
/// frame's GET form puts its password in the frame's address; a POST form then posts to
/// that address. None of
/// these values reaches the live socket (the page's address, rrweb's Meta event, links
/// made absolute against the address), the records or the agent; the public field's
/// value does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_in_a_get_forms_address_is_never_sent() {
    let run = run(&[URLS]).await;
    let (secrets, publics) = url_cases();
    assert_masked(&run, &secrets, &publics);
    assert_record_masked(&run);
}

/// The whole matrix in one visit, with the siblings: CSS (inline, in a masked shadow
/// root's `<style>` as written, rewritten and added to while watched), text right in a
/// masked shadow root, a masked textarea and contenteditable typed into, a frame inside
/// a masked element. No masked value is in any
/// byte the visitor's browser sends but where the page sends it to its own site, nor in
/// what the agent gets or the records keep; all the public twins arrive.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_masked_value_is_in_any_byte_the_visitors_browser_sends() {
    let run = run(&[FIELDS, ATTRIBUTES, URLS, SIBLINGS]).await;
    assert_entered(&run);
    let mut secrets: Vec<String> = masking_sites::SIBLING_SECRETS.iter().map(|s| s.to_string()).collect();
    let mut publics: Vec<String> = masking_sites::SIBLING_PUBLICS.iter().map(|s| s.to_string()).collect();
    for (more_secrets, more_publics) in [field_cases(), attribute_cases(), url_cases()] {
        secrets.extend(more_secrets);
        publics.extend(more_publics);
    }
    assert_masked(&run, &secrets, &publics);
    assert_record_masked(&run);
}

/// The secrets and public values of the attribute sets.
fn attribute_cases() -> (Vec<String>, Vec<String>) {
    let sets = masking_sites::attribute_sets();
    let secrets = sets.iter().filter(|s| s.masked()).flat_map(|s| s.tokens()).collect();
    let publics = sets.iter().filter(|s| !s.masked()).flat_map(|s| s.tokens()).collect();
    (secrets, publics)
}

/// The secrets the forms submit, and the public values of the addresses and pages.
fn url_cases() -> (Vec<String>, Vec<String>) {
    let secrets = masking_sites::URL_SECRETS.iter().map(|s| s.to_string()).collect();
    let mut publics = vec![masking_sites::URL_PUBLIC.to_owned(), masking_sites::FRAME_PUBLIC.to_owned()];
    publics.extend(masking_sites::URL_PAGES.iter().map(|s| s.to_string()));
    (secrets, publics)
}

/// The visitor's record has the address of the POSTed page with the GET form's public
/// value and the password's placeholder.
fn assert_record_masked(run: &Run) {
    let url = run.visitor["url"].as_str().unwrap_or_default();
    assert!(
        url.starts_with("http://login.bank.test/welcome?q=URLPUBLICQ&pw=************&"),
        "the visitor's record: {url}"
    );
}

//! Property tests of the label encoder and decoder.

use proptest::prelude::*;
use url::Url;

use super::*;

fn sid() -> SessionId {
    SessionId::parse("abcd2345").expect("valid id")
}

fn origin(url: &str) -> UpstreamOrigin {
    UpstreamOrigin::from_url(&Url::parse(url).expect("url")).expect("http origin")
}

/// Whatever the origin, the label the session would use decodes back to it.
fn assert_round_trip(origin: &UpstreamOrigin) {
    match encode_direct(&sid(), origin) {
        Some(label) => {
            assert!(label.len() <= MAX_LABEL_LEN, "{label}");
            assert!(!label.starts_with("xn--"));
            assert!(label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
            assert_eq!(
                decode(&label),
                Some(DecodedLabel::Direct { session: sid(), origin: origin.clone() }),
                "label {label}"
            );
            // The label is a valid host for browsers' URL parser, and stays as it is.
            let url = Url::parse(&format!("http://{label}.proxy.localhost/")).expect("valid host");
            assert_eq!(url.host_str(), Some(format!("{label}.proxy.localhost").as_str()));
        }
        None => {
            let label = fallback_label(&sid(), origin);
            assert!(label.len() <= MAX_LABEL_LEN);
            assert_eq!(decode(&label), Some(DecodedLabel::Fallback { session: sid() }));
            assert_eq!(label, fallback_label(&sid(), origin), "deterministic");
        }
    }
}

#[test]
fn examples_read_as_documented() {
    assert_eq!(
        encode_direct(&sid(), &origin("https://shop.example.com/")).as_deref(),
        Some("abcd2345s-shop-example-com")
    );
    assert_eq!(
        encode_direct(&sid(), &origin("http://my-shop.test:9001/")).as_deref(),
        Some("abcd2345h9001-my--shop-test")
    );
    assert_eq!(encode_direct(&sid(), &origin("http://127.0.0.1:8000/")).as_deref(), Some("abcd2345h8000-127-0-0-1"));
    // Default ports are not written; ws shares the origin of http.
    assert_eq!(origin("https://a.test:443/"), origin("wss://a.test/"));
}

#[test]
fn idn_hosts_are_encoded_as_punycode() {
    let o = origin("https://münchen.de/");
    assert_eq!(o.host(), "xn--mnchen-3ya.de");
    let label = encode_direct(&sid(), &o).expect("fits");
    assert_eq!(label, "abcd2345s-xn----mnchen--3ya-de");
    assert_round_trip(&o);
}

#[test]
fn hosts_that_cannot_be_written_fall_back() {
    for url in ["http://[::1]:8080/", "http://under_score.test/", &format!("https://{}.com/", "a".repeat(60))] {
        let o = origin(url);
        assert_eq!(encode_direct(&sid(), &o), None, "{url}");
        assert_round_trip(&o);
    }
}

#[test]
fn non_canonical_labels_are_refused() {
    for label in [
        "abcd2345h080-a-test",   // leading zero
        "abcd2345h80-a-test",    // default port written
        "abcd2345s443-a-test",   // default port written
        "abcd2345h-a---b",       // odd hyphen run
        "abcd2345h--a",          // host starting with a hyphen
        "abcd2345q-a-test",      // unknown flag
        "ABCD2345h-a-test",      // upper case session
        "abcd234h-a-test",       // short session
        "abcd2345h70000-a-test", // port out of range
        "abcd2345x-tooshort",
        "",
    ] {
        assert_eq!(decode(label), None, "{label}");
    }
}

fn dns_part() -> impl Strategy<Value = String> {
    "[a-z0-9]([a-z0-9-]{0,14}[a-z0-9])?"
}

proptest! {
    #[test]
    fn ldh_hosts_round_trip(parts in proptest::collection::vec(dns_part(), 1..5), secure: bool, port in proptest::option::of(1u16..)) {
        let host = parts.join(".");
        let scheme = if secure { "https" } else { "http" };
        let url = match port { Some(p) => format!("{scheme}://{host}:{p}/"), None => format!("{scheme}://{host}/") };
        if let Some(o) = Url::parse(&url).ok().as_ref().and_then(UpstreamOrigin::from_url) {
            assert_round_trip(&o);
        }
    }

    #[test]
    fn unicode_hosts_round_trip(host in "[a-zà-ÿа-я0-9-]{1,20}(\\.[a-zα-ω0-9]{1,10}){0,2}") {
        if let Some(o) = Url::parse(&format!("https://{host}/")).ok().as_ref().and_then(UpstreamOrigin::from_url) {
            assert_round_trip(&o);
        }
    }

    #[test]
    fn decode_never_panics_and_only_accepts_canonical(label in "[a-z0-9-]{0,70}") {
        if let Some(DecodedLabel::Direct { session, origin }) = decode(&label) {
            prop_assert_eq!(encode_direct(&session, &origin), Some(label));
        }
    }
}

/// URLs whose labels both encoders, this one and the page runtime's
/// (`injector/runtime/label.js`), must agree on.
const VECTOR_URLS: &[&str] = &[
    "https://shop.example.com/",
    "http://shop.test/",
    "HTTPS://Shop.TEST/Path",
    "http://shop.test:80/",
    "https://shop.test:443/",
    "https://shop.test:80/",
    "http://shop.test:443/",
    "http://my-shop.test:9001/a?b#c",
    "https://a--b.test/",
    "https://sub.a-b.c-d.example/",
    "http://localhost:3000/",
    "https://user:pw@a.test:8443/x",
    "ws://chat.test/socket",
    "wss://chat.test/",
    "wss://chat.test:8443/",
    "ws://chat.test:443/",
    "wss://chat.test:443/",
    "https://münchen.de/",
    "https://xn--mnchen-3ya.de/",
    "https://例え.jp/",
    "https://BÜCHER.example/",
    "http://127.0.0.1:8000/",
    "http://10.0.0.1/",
    "http://0x7f.0.0.1/",
    "http://2130706433/",
    "https://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com/",
    "https://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com/",
    "https://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com:8443/",
    "https://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com:8443/",
    "https://a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a.com/",
    "http://[::1]:8080/",
    "https://[2001:db8::1]/",
    "http://under_score.test/",
    "http://shop.test./",
];

/// `fixtures/label-vectors.json`, as the encoder writes it.
#[derive(serde::Serialize)]
struct Vectors {
    comment: &'static str,
    session: String,
    vectors: Vec<Vector>,
}

#[derive(serde::Serialize)]
struct Vector {
    url: &'static str,
    /// `None`: no direct label, the server's fallback is needed.
    label: Option<String>,
}

/// The committed vectors are what this encoder produces, so the runtime's tests
/// (`node --test`, run by the integration tests) check the same labels. After a
/// deliberate change, regenerate with `TANDEM_BLESS=1 cargo test --lib shared_vectors`.
#[test]
fn shared_vectors_are_what_the_encoder_produces() {
    let vectors = Vectors {
        comment: "Generated by src/origin/label_tests.rs (TANDEM_BLESS=1 cargo test --lib shared_vectors); \
                  label null: the origin needs the server's fallback label",
        session: sid().to_string(),
        vectors: VECTOR_URLS
            .iter()
            .map(|&url| {
                let o = UpstreamOrigin::from_url(&Url::parse(url).expect(url)).expect(url);
                Vector { url, label: encode_direct(&sid(), &o) }
            })
            .collect(),
    };
    let text = serde_json::to_string_pretty(&vectors).expect("json") + "\n";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/label-vectors.json");
    if std::env::var_os("TANDEM_BLESS").is_some() {
        std::fs::write(&path, &text).expect("write the vectors");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == text,
        "{} differs from what the encoder produces; if the change is deliberate, run \
         TANDEM_BLESS=1 cargo test --lib shared_vectors and commit the file. Expected:\n{text}",
        path.display()
    );
}

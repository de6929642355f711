//! Labels (`origin/label.rs`) and the URL mapper's way back (`Mapping::upstream_of`).
//! Invariants:
//! - decoding any text never panics, and whatever it accepts re-encodes to that text;
//! - an origin encodes to a label that is one DNS label of `[a-z0-9-]`, not starting with
//!   `xn--` or a hyphen, that a URL keeps as written, and that decodes to the same
//!   session and origin (or to the session's fallback label, which the session resolves);
//! - a URL the mapper sends to a label comes back as the same upstream URL.
//!
//! Input: `[flags][port hi][port lo][text]`; the text is tried as a label, as a host and
//! as a URL.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tandem::origin::label::{self, DecodedLabel, MAX_LABEL_LEN, SessionId, UpstreamOrigin};
use tandem::rewrite::UrlMap;
use tandem_fuzz::{SESSION_ID, lossy, mapping, rewriter, zone};
use url::Url;

fuzz_target!(|data: &[u8]| {
    let [flags, port_hi, port_lo, text @ ..] = data else { return };
    let text = lossy(text);
    decoded_labels_are_canonical(&text);
    let port = u16::from_be_bytes([*port_hi, *port_lo]);
    let scheme = ["http", "https", "ws", "wss"][usize::from(flags & 3)];
    let authority = if flags & 4 != 0 { format!("{text}:{port}") } else { text.to_string() };
    if let Ok(url) = Url::parse(&format!("{scheme}://{authority}/")) {
        origins_round_trip(&url);
    }
    mapped_urls_come_back(&text);
});

fn decoded_labels_are_canonical(text: &str) {
    match label::decode(text) {
        None => {}
        Some(DecodedLabel::Direct { session, origin }) => {
            assert_eq!(label::encode_direct(&session, &origin).as_deref(), Some(text), "{origin:?}");
        }
        Some(DecodedLabel::Fallback { session }) => {
            assert!(text.len() == label::SESSION_ID_LEN + 2 + 20 && text.starts_with(session.as_str()), "{text:?}");
        }
    }
}

fn origins_round_trip(url: &Url) {
    let Some(origin) = UpstreamOrigin::from_url(url) else { return };
    let session = SessionId::parse(SESSION_ID).expect("a valid id");
    let direct = label::encode_direct(&session, &origin);
    let label = match &direct {
        Some(label) => {
            let expected = DecodedLabel::Direct { session: session.clone(), origin: origin.clone() };
            assert_eq!(label::decode(label), Some(expected), "{label:?}");
            label.clone()
        }
        None => {
            let label = label::fallback_label(&session, &origin);
            assert_eq!(label::decode(&label), Some(DecodedLabel::Fallback { session: session.clone() }), "{label:?}");
            label
        }
    };
    let dns_label = label.len() <= MAX_LABEL_LEN
        && !label.starts_with('-')
        && !label.ends_with('-')
        && !label.starts_with("xn--")
        && label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    assert!(dns_label, "{label:?} for {origin:?} is no DNS label");
    // The browser asks for exactly this host, and the zone finds the label in it again.
    let browser = Url::parse(&zone().origin_of(&label)).expect("a label URL");
    let host = browser.host_str().expect("a host");
    assert_eq!(zone().label_of_host(host), Some(label.as_str()), "the URL parser changed {label:?}");
    let session_of_map = mapping(ZONE_INITIAL);
    assert_eq!(session_of_map.session.label_for(&origin), label);
    let decoded = label::decode(&label).expect("decodes");
    assert_eq!(session_of_map.session.origin_of(&label, decoded), Some(origin));
}

/// Where the sessions of this target started.
const ZONE_INITIAL: &str = "https://shop.test/";

/// A reference the mapper sends to a label names, through `upstream_of`, the URL the
/// browser would have fetched without the proxy (same origin, path, query and fragment);
/// one it leaves alone names the document's own origin, or none.
fn mapped_urls_come_back(reference: &str) {
    let urls = rewriter(ZONE_INITIAL);
    let base = Url::parse(ZONE_INITIAL).expect("url");
    let real = base.join(reference).ok();
    let Some(mapped) = urls.map_url(reference) else {
        let origin = real.as_ref().and_then(UpstreamOrigin::from_url);
        let own = UpstreamOrigin::from_url(&base);
        assert!(origin.is_none() || origin == own, "{reference:?} names {origin:?} but is left as it is");
        return;
    };
    let Some(back) = urls.mapping().upstream_of(&mapped) else {
        panic!("{reference:?} maps to {mapped:?}, which names no upstream URL");
    };
    let Some(real) = real else { panic!("{reference:?} maps to {mapped:?} but is no URL") };
    assert_eq!(UpstreamOrigin::from_url(&back), UpstreamOrigin::from_url(&real), "{reference:?} → {mapped:?} → {back}");
    let parts = |u: &Url| (u.path().to_owned(), u.query().map(str::to_owned), u.fragment().map(str::to_owned));
    assert_eq!(parts(&back), parts(&real), "{reference:?} → {mapped:?} → {back}");
}

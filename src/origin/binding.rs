//! Visitor binding: the HttpOnly cookie of Tandem's own that ties a browser to a
//! session. A proxy URL is only an entry link; without the cookie a session's labels
//! answer 403, so a leaked URL grants nothing once it has been used.

use std::borrow::Cow;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::HeaderMap;
use rand::{Rng, RngCore};
use subtle::ConstantTimeEq;

use super::{ContentOrigin, SessionId};

/// Prefix of every cookie Tandem sets on the content zone. Cookies with it are never
/// forwarded upstream nor shown to page scripts.
pub const COOKIE_PREFIX: &str = "tandem_";
/// Random bytes in a binding or entry token.
const TOKEN_BYTES: usize = 24;

/// A fresh unguessable token, URL- and cookie-safe.
pub fn random_token() -> String {
    let mut bytes = [0u8; TOKEN_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// `len` characters drawn uniformly from `alphabet`: the one generator of Tandem's random
/// ids (session ids, short ids, lookup codes).
pub fn random_chars(alphabet: &[u8], len: usize) -> String {
    let mut rng = rand::rng();
    (0..len).map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())])).collect()
}

/// Name of the binding cookie of `session`.
pub fn cookie_name(session: &SessionId) -> String {
    format!("{COOKIE_PREFIX}{session}")
}

/// The `Set-Cookie` value that binds a browser to `session`, shared by all of the
/// session's labels through `Domain=<zone>`. Over https it is a third-party-capable
/// cookie so that an integrator may frame the proxy URL.
///
/// `Priority=High`: when a page floods the zone past the browser's per-site cap,
/// Chromium evicts low- and medium-priority cookies first and keeps the most recent 70
/// high-priority ones, so a flood of ordinary cookies no longer evicts the binding (a
/// flood of high-priority ones still can: see [`super::sweep`] and the fresh entry link).
pub fn set_cookie_value(session: &SessionId, token: &str, zone: &ContentOrigin) -> String {
    let attributes = if zone.is_secure() { "; Secure; SameSite=None; Partitioned" } else { "; SameSite=Lax" };
    format!("{}={token}; Path=/; Domain={}; HttpOnly; Priority=High{attributes}", cookie_name(session), zone.zone())
}

/// The `Cookie` header values of a request, as text. A page can write a cookie whose
/// value is not ASCII (browsers send its UTF-8 bytes as they are); read strictly, one
/// such cookie would hide every other one in the header, the binding too.
pub fn cookie_headers(headers: &HeaderMap) -> Vec<Cow<'_, str>> {
    headers.get_all(http::header::COOKIE).iter().map(|v| String::from_utf8_lossy(v.as_bytes())).collect()
}

/// The `name=value` pairs of `Cookie` header values.
pub fn cookie_pairs<'a>(cookie_headers: impl Iterator<Item = &'a str>) -> impl Iterator<Item = (&'a str, &'a str)> {
    cookie_headers.flat_map(|header| header.split(';')).filter_map(|pair| pair.trim().split_once('='))
}

/// Whether one of the `Cookie` header values carries `expected` as `session`'s binding.
pub fn is_bound<'a>(cookie_headers: impl Iterator<Item = &'a str>, session: &SessionId, expected: &str) -> bool {
    let name = cookie_name(session);
    cookie_pairs(cookie_headers).any(|(n, value)| n == name && secrets_match(value, expected))
}

/// Constant-time equality of two secrets.
pub fn secrets_match(given: &str, expected: &str) -> bool {
    bool::from(given.as_bytes().ct_eq(expected.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binding_is_found_among_other_cookies_only_for_its_session() {
        let sid = SessionId::parse("abcd2345").expect("id");
        let other = SessionId::parse("zzzz2345").expect("id");
        let header = "a=1; tandem_abcd2345=tok; b=2";
        assert!(is_bound([header].into_iter(), &sid, "tok"));
        assert!(!is_bound([header].into_iter(), &sid, "tok2"));
        assert!(!is_bound([header].into_iter(), &other, "tok"));
    }

    #[test]
    fn cookie_is_httponly_on_the_zone() {
        let zone = ContentOrigin::new(&url::Url::parse("https://proxy.example.com").expect("url"));
        let sid = SessionId::parse("abcd2345").expect("id");
        let value = set_cookie_value(&sid, "t", &zone);
        assert!(value.contains("HttpOnly") && value.contains("Domain=proxy.example.com"));
        assert!(value.contains("SameSite=None") && value.contains("Partitioned"));
        assert!(value.contains("; Priority=High"), "{value}");
    }

    #[test]
    fn a_cookie_that_is_not_ascii_hides_no_other() {
        let mut headers = HeaderMap::new();
        let raw = "junk=\u{e9}t\u{e9}; tandem_abcd2345=tok".as_bytes();
        headers.append(http::header::COOKIE, http::HeaderValue::from_bytes(raw).expect("header"));
        let texts = cookie_headers(&headers);
        let sid = SessionId::parse("abcd2345").expect("id");
        assert!(is_bound(texts.iter().map(|t| t.as_ref()), &sid, "tok"));
    }
}

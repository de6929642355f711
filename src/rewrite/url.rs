//! The one URL mapper every rewriter uses: absolute URLs to an upstream origin become the
//! same URL on that origin's label; everything else is left exactly as it was.
//!
//! Relative and root-relative URLs need no change because each upstream origin keeps its
//! own path and query under its label. `data:`, `blob:`, `javascript:`, `mailto:` and
//! fragment-only references are not web origins and stay as they are.

use std::sync::Arc;

use url::{Position, Url};

use crate::origin::{ContentOrigin, UpstreamOrigin, label};
use crate::rules::Rules;
use crate::session::ProxySession;

/// The one interface every rewriter uses to map a URL found in a document.
pub trait UrlMap {
    /// `None` means: keep the reference byte-for-byte as it was.
    fn map_url(&self, raw: &str) -> Option<String>;
}

/// What every mapping of one session needs, shared by all of a response's rewriters.
#[derive(Clone)]
pub struct Mapping {
    /// The session whose labels are handed out.
    pub session: Arc<ProxySession>,
    /// Where labels live.
    pub zone: Arc<ContentOrigin>,
    /// Site rules (hosts never proxied).
    pub rules: Arc<Rules>,
}

impl Mapping {
    /// `rest` (path, query, fragment) on `origin`'s label, as the browser is to see it;
    /// `None` for hosts the rules keep out of the proxy.
    pub fn proxied(&self, origin: &UpstreamOrigin, websocket: bool, rest: &str) -> Option<String> {
        if self.rules.never_proxy(origin.host()) {
            return None;
        }
        let label = self.session.label_for(origin);
        let mut out = String::with_capacity(64 + rest.len());
        self.zone.write_origin(&label, websocket, &mut out);
        out.push_str(rest);
        Some(out)
    }

    /// The upstream URL behind a browser-side URL of this session, `None` if the URL
    /// is not on one of the session's labels.
    pub fn upstream_of(&self, browser_url: &str) -> Option<Url> {
        let url = Url::parse(browser_url).ok()?;
        let host = url.host_str()?;
        let label_text = self.zone.label_of_host(host)?;
        let decoded = label::decode(label_text)?;
        if decoded.session() != &self.session.id {
            return None;
        }
        let origin = self.session.origin_of(label_text, decoded)?;
        let mut upstream = Url::parse(&origin.serialize()).ok()?;
        upstream.set_path(url.path());
        upstream.set_query(url.query());
        upstream.set_fragment(url.fragment());
        Some(upstream)
    }
}

/// Maps URLs found in one document, resolving against its base URL.
#[derive(Clone)]
pub struct UrlRewriter {
    mapping: Mapping,
    base: Url,
}

impl UrlRewriter {
    /// A mapper for a document fetched from `base`.
    pub fn new(mapping: Mapping, base: Url) -> Self {
        UrlRewriter { mapping, base }
    }

    /// Follows a `<base href>`: later references resolve against it.
    pub fn set_base(&mut self, href: &str) {
        if let Ok(base) = self.base.join(href.trim()) {
            self.base = base;
        }
    }

    /// The shared mapping.
    pub fn mapping(&self) -> &Mapping {
        &self.mapping
    }
}

impl UrlMap for UrlRewriter {
    fn map_url(&self, raw: &str) -> Option<String> {
        let trimmed = raw.trim_matches(|c: char| c.is_ascii_whitespace());
        let (scheme, after_slashes) = split_absolute_web_reference(trimmed, self.base.scheme())?;
        // Only the scheme and authority change; the rest is kept as written, so that a
        // query in the page's own encoding or an odd path reaches the browser unchanged.
        let authority_end = after_slashes.find(['/', '?', '#', '\\']).unwrap_or(after_slashes.len());
        let (authority, rest) = after_slashes.split_at(authority_end);
        let joined;
        let (origin_url, rest) = if authority.is_empty() {
            // `https:///host` is `https://host/` to browsers: let the URL parser say so.
            joined = self.base.join(trimmed).ok()?;
            (joined.clone(), &joined[Position::BeforePath..])
        } else {
            (Url::parse(&format!("{scheme}://{authority}/")).ok()?, rest)
        };
        let origin = UpstreamOrigin::from_url(&origin_url)?;
        self.mapping.proxied(&origin, matches!(scheme, "ws" | "wss"), rest)
    }
}

/// Splits a reference that names an origin of its own into its (lower-case) scheme and
/// what follows the `//`: a network-scheme URL, or a scheme-relative `//host` (which
/// browsers also accept with backslashes) that takes the base's scheme.
fn split_absolute_web_reference<'r>(reference: &'r str, base_scheme: &str) -> Option<(&'static str, &'r str)> {
    const WEB_SCHEMES: [&str; 4] = ["http", "https", "ws", "wss"];
    let is_slash = |b: u8| b == b'/' || b == b'\\';
    let slashes_at = |at: usize| {
        let bytes = reference.as_bytes();
        bytes.len() >= at + 2 && is_slash(bytes[at]) && is_slash(bytes[at + 1])
    };
    if slashes_at(0) {
        let scheme = WEB_SCHEMES.into_iter().find(|s| *s == base_scheme)?;
        return Some((scheme, &reference[2..]));
    }
    let colon = reference.find(':')?;
    let scheme = WEB_SCHEMES.into_iter().find(|s| reference[..colon].eq_ignore_ascii_case(s))?;
    // `http:path` without slashes is relative to a base of the same scheme: it stays.
    slashes_at(colon + 1).then(|| (scheme, &reference[colon + 3..]))
}

/// A rewriter for a fresh session on `http://proxy.localhost:8080`, for unit tests.
#[cfg(test)]
pub(crate) fn test_rewriter(base: &str) -> UrlRewriter {
    let registry = crate::session::SessionRegistry::new(crate::session::jar::public_suffix_list());
    let settings = crate::session::NewSession {
        visitor_id: "v".to_owned(),
        initial_url: Url::parse(base).expect("url"),
        require_consent: false,
    };
    let session = registry.create(&settings, 0);
    let zone = Arc::new(ContentOrigin::new(&Url::parse("http://proxy.localhost:8080").expect("url")));
    let mapping = Mapping { session, zone, rules: Arc::new(Rules::default()) };
    UrlRewriter::new(mapping, Url::parse(base).expect("url"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_absolute_web_urls_are_mapped() {
        let r = test_rewriter("https://shop.test/a/b.html");
        let sid = r.mapping().session.id.to_string();
        assert_eq!(
            r.map_url("https://cdn.test/x.js?a=1#f"),
            Some(format!("http://{sid}s-cdn-test.proxy.localhost:8080/x.js?a=1#f"))
        );
        assert_eq!(r.map_url(" //cdn.test/x.js "), Some(format!("http://{sid}s-cdn-test.proxy.localhost:8080/x.js")));
        assert_eq!(
            r.map_url("wss://shop.test:8443/ws"),
            Some(format!("ws://{sid}s8443-shop-test.proxy.localhost:8080/ws"))
        );
        assert_eq!(r.map_url("HTTP://Shop.Test/"), Some(format!("http://{sid}h-shop-test.proxy.localhost:8080/")));
        assert_eq!(r.map_url("https://shop.test"), Some(format!("http://{sid}s-shop-test.proxy.localhost:8080")));
        // The path and query are kept as written, not re-encoded.
        assert_eq!(
            r.map_url("https://a.test/п?q=т%zz"),
            Some(format!("http://{sid}s-a-test.proxy.localhost:8080/п?q=т%zz"))
        );
        assert_eq!(r.map_url("https:///b.test/x"), Some(format!("http://{sid}s-b-test.proxy.localhost:8080/x")));
        assert_eq!(
            r.map_url("https://user:pw@a.test:8443/x"),
            Some(format!("http://{sid}s8443-a-test.proxy.localhost:8080/x"))
        );
        for kept in [
            "/root",
            "rel/x",
            "../up",
            "#frag",
            "",
            "data:text/plain,hi",
            "blob:https://shop.test/1",
            "javascript:void(0)",
            "mailto:a@b.c",
            "tel:1",
            "about:blank",
            "ftp://x/",
            "http:rel",
        ] {
            assert_eq!(r.map_url(kept), None, "{kept}");
        }
    }

    #[test]
    fn upstream_of_reverses_proxied_urls_of_the_same_session_only() {
        let r = test_rewriter("https://shop.test/");
        let browser = r.map_url("https://api.shop.test:8443/v1?q=1").expect("mapped");
        assert_eq!(
            r.mapping().upstream_of(&browser).map(String::from).as_deref(),
            Some("https://api.shop.test:8443/v1?q=1")
        );
        let other = test_rewriter("https://shop.test/");
        assert_eq!(other.mapping().upstream_of(&browser), None);
        assert_eq!(r.mapping().upstream_of("https://elsewhere.test/"), None);
    }
}

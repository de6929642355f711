//! The one URL mapper every rewriter uses: absolute URLs to an upstream origin become the
//! same URL on that origin's label; everything else is left exactly as it was.
//!
//! Relative and root-relative URLs need no change because each upstream origin keeps its
//! own path and query under its label. `data:`, `blob:`, `javascript:`, `mailto:` and
//! fragment-only references are not web origins and stay as they are.

use std::borrow::Cow;
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
        let reference = as_browsers_read(raw);
        let (scheme, after_slashes) = split_absolute_web_reference(&reference, self.base.scheme())?;
        let authority_and_rest = after_slashes.and_then(|after| {
            let end = after.find(['/', '?', '#', '\\']).unwrap_or(after.len());
            let (authority, rest) = after.split_at(end);
            (!authority.is_empty()).then_some((authority, rest))
        });
        let joined;
        let (origin_url, rest) = match authority_and_rest {
            // Only the scheme and authority change; the rest is kept as written, so that a
            // query in the page's own encoding or an odd path reaches the browser unchanged.
            Some((authority, rest)) => (Url::parse(&format!("{scheme}://{authority}/")).ok()?, rest),
            // `https:///host` is `https://host/`, and `https:x` or `https:/x` is relative to
            // a base of the same scheme but names host `x` otherwise: the browser compares
            // with the label's scheme, not the upstream's, so what the page meant is
            // written out in full. The URL parser says what that is.
            None => {
                joined = self.base.join(&reference).ok()?;
                (joined.clone(), &joined[Position::BeforePath..])
            }
        };
        let origin = UpstreamOrigin::from_url(&origin_url)?;
        self.mapping.proxied(&origin, matches!(origin_url.scheme(), "ws" | "wss"), rest)
    }
}

/// A reference as the URL parser reads it: leading and trailing C0 controls and spaces
/// stripped, tabs and newlines removed wherever they are. Anything less lets
/// `\0https://elsewhere/` or `ht\ttps://elsewhere/` past the mapper, to a browser
/// that reads them as absolute URLs.
fn as_browsers_read(raw: &str) -> Cow<'_, str> {
    let trimmed = raw.trim_matches(|c: char| c <= ' ');
    if trimmed.contains(['\t', '\n', '\r']) {
        Cow::Owned(trimmed.replace(['\t', '\n', '\r'], ""))
    } else {
        Cow::Borrowed(trimmed)
    }
}

/// Splits a reference that names an origin of its own into its (lower-case) scheme and
/// what follows the `//` (`None` when the scheme is not followed by two slashes): a
/// web-scheme URL, or a scheme-relative `//host` (which browsers also accept with
/// backslashes) that takes the base's scheme.
fn split_absolute_web_reference<'r>(reference: &'r str, base_scheme: &str) -> Option<(&'static str, Option<&'r str>)> {
    const WEB_SCHEMES: [&str; 4] = ["http", "https", "ws", "wss"];
    let is_slash = |b: u8| b == b'/' || b == b'\\';
    let slashes_at = |at: usize| {
        let bytes = reference.as_bytes();
        bytes.len() >= at + 2 && is_slash(bytes[at]) && is_slash(bytes[at + 1])
    };
    if slashes_at(0) {
        let scheme = WEB_SCHEMES.into_iter().find(|s| *s == base_scheme)?;
        return Some((scheme, Some(&reference[2..])));
    }
    let colon = reference.find(':')?;
    let scheme = WEB_SCHEMES.into_iter().find(|s| reference[..colon].eq_ignore_ascii_case(s))?;
    Some((scheme, slashes_at(colon + 1).then(|| &reference[colon + 3..])))
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
            " \x01\tjava\nscript:alert(1)",
        ] {
            assert_eq!(r.map_url(kept), None, "{kept}");
        }
    }

    /// Found by `fuzz/fuzz_targets/html.rs`: `<script src="https:/x/a.js">` on an https
    /// page is `/x/a.js` of the page's own origin, but a browser on an http label reads
    /// it as `https://x/a.js` and left the proxy (and `http:x` on an https page names
    /// host `x`, which the mapper left for the browser to read as a relative path).
    #[test]
    fn a_web_scheme_without_two_slashes_names_what_the_upstream_page_meant() {
        let r = test_rewriter("https://shop.test/a/b.html");
        let sid = r.mapping().session.id.to_string();
        let own = format!("http://{sid}s-shop-test.proxy.localhost:8080");
        assert_eq!(r.map_url("https:/x/a.js"), Some(format!("{own}/x/a.js")));
        assert_eq!(r.map_url("HTTPS:c.js?q#f"), Some(format!("{own}/a/c.js?q#f")));
        assert_eq!(r.map_url("https:\\\\evil.test/x"), Some(format!("http://{sid}s-evil-test.proxy.localhost:8080/x")));
        assert_eq!(r.map_url("http:evil.test/x"), Some(format!("http://{sid}h-evil-test.proxy.localhost:8080/x")));
        assert_eq!(r.map_url("wss:/evil.test"), Some(format!("ws://{sid}s-evil-test.proxy.localhost:8080/")));
    }

    /// Found by `fuzz/fuzz_targets/label.rs`: browsers strip leading C0 controls and drop
    /// tabs and newlines anywhere in a URL, so these are absolute URLs to another origin
    /// that the mapper took for relative ones and left pointing out of the proxy.
    #[test]
    fn control_characters_and_tabs_do_not_hide_an_absolute_url() {
        let r = test_rewriter("https://shop.test/a/b.html");
        let sid = r.mapping().session.id.to_string();
        let evil = format!("http://{sid}s-evil-test.proxy.localhost:8080/x");
        for hidden in [
            "\0\0https://evil.test/x",
            "\x01//evil.test/x\x1f",
            "ht\ttps://evil.test/x",
            "https:/\n/evil.test/x",
            "https://ev\ril.test/x",
        ] {
            assert_eq!(r.map_url(hidden).as_deref(), Some(evil.as_str()), "{hidden:?}");
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

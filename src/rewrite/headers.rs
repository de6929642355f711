//! Header rewriting in both directions: what the upstream must see of the browser's
//! request, and what the browser may see of the upstream's response.

use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use url::Url;

use super::html_attrs::rewrite_refresh;
use super::url::{UrlMap, UrlRewriter};
use crate::session::CookieJar;

/// Headers that describe one connection, not the message (RFC 9110 §7.6.1).
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// Response headers that would bind the content zone itself, report to the real site,
/// or stop the page from working under its label or inside an integrator's iframe.
const DROPPED_RESPONSE_HEADERS: &[&str] = &[
    "content-security-policy",
    "content-security-policy-report-only",
    "x-frame-options",
    "cross-origin-opener-policy",
    "cross-origin-opener-policy-report-only",
    "cross-origin-embedder-policy",
    "cross-origin-embedder-policy-report-only",
    "cross-origin-resource-policy",
    "strict-transport-security",
    "public-key-pins",
    "expect-ct",
    "report-to",
    "reporting-endpoints",
    "nel",
    "alt-svc",
    "set-cookie2",
];

/// Removes hop-by-hop headers and those the `Connection` header names. With
/// `keep_upgrade`, `Connection: upgrade` and `Upgrade` survive (WebSocket handshakes).
pub fn remove_hop_by_hop(headers: &mut HeaderMap, keep_upgrade: bool) {
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .filter(|name| !(keep_upgrade && name == header::UPGRADE))
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in HOP_BY_HOP {
        if keep_upgrade && (*name == "upgrade" || *name == "connection") {
            continue;
        }
        headers.remove(*name);
    }
}

/// What the response header phase needs to know.
pub struct ResponseContext<'a> {
    /// Maps URLs, resolving against the upstream URL that was requested.
    pub urls: &'a UrlRewriter,
    /// The session's jar, which absorbs `Set-Cookie`.
    pub jar: &'a CookieJar,
    /// The upstream URL that was requested.
    pub upstream_url: &'a Url,
    /// Extra headers the site's rules drop.
    pub rule_dropped: &'a dyn Fn(&HeaderName) -> bool,
}

/// Rewrites an upstream response's headers in place for the browser.
pub fn rewrite_response_headers(headers: &mut HeaderMap, ctx: &ResponseContext<'_>) {
    remove_hop_by_hop(headers, false);
    for value in headers.get_all(header::SET_COOKIE) {
        if let Ok(text) = value.to_str() {
            ctx.jar.absorb(ctx.upstream_url, text);
        }
    }
    headers.remove(header::SET_COOKIE);
    if let Some(clear) = headers.remove("clear-site-data") {
        // Clearing the zone's cookies would unbind every session in the browser; the
        // upstream's own cookies live in the jar, so that is where they are cleared.
        let text = clear.to_str().unwrap_or_default();
        if text.contains("\"cookies\"") || text.contains("\"*\"") {
            ctx.jar.clear_site(ctx.upstream_url);
        }
    }
    for name in DROPPED_RESPONSE_HEADERS {
        headers.remove(*name);
    }
    let dropped_by_rule: Vec<HeaderName> = headers.keys().filter(|n| (ctx.rule_dropped)(n)).cloned().collect();
    for name in dropped_by_rule {
        headers.remove(name);
    }
    map_each(headers, header::LOCATION, |v| ctx.urls.map_url(v));
    map_each(headers, header::CONTENT_LOCATION, |v| ctx.urls.map_url(v));
    map_each(headers, HeaderName::from_static("refresh"), |v| rewrite_refresh(v, ctx.urls));
    map_each(headers, header::LINK, |v| rewrite_link(v, ctx.urls));
    // A service worker's widest scope, when the server names it by absolute URL.
    map_each(headers, HeaderName::from_static("service-worker-allowed"), |v| ctx.urls.map_url(v));
    map_each(headers, header::ACCESS_CONTROL_ALLOW_ORIGIN, |v| {
        // `*` and `null` mean the same under a label; an echoed origin becomes its label.
        (v != "*" && v != "null").then(|| ctx.urls.map_url(v)).flatten()
    });
}

fn map_each(headers: &mut HeaderMap, name: HeaderName, map: impl Fn(&str) -> Option<String>) {
    let values: Vec<HeaderValue> = headers.get_all(&name).iter().cloned().collect();
    if values.is_empty() {
        return;
    }
    let mut changed = false;
    let mapped: Vec<HeaderValue> = values
        .into_iter()
        .map(|value| match value.to_str().ok().and_then(&map).and_then(|m| HeaderValue::from_str(&m).ok()) {
            Some(new) => {
                changed = true;
                new
            }
            None => value,
        })
        .collect();
    if changed {
        headers.remove(&name);
        for value in mapped {
            headers.append(name.clone(), value);
        }
    }
}

/// Maps the `<URL>` of each entry of a `Link` header.
pub fn rewrite_link(value: &str, map: &dyn UrlMap) -> Option<String> {
    let mut out = String::with_capacity(value.len() + 64);
    let mut rest = value;
    let mut changed = false;
    while let Some(open) = rest.find('<') {
        let Some(close) = rest[open..].find('>').map(|c| open + c) else { break };
        out.push_str(&rest[..=open]);
        let url = &rest[open + 1..close];
        match map.map_url(url) {
            Some(mapped) => {
                out.push_str(&mapped);
                changed = true;
            }
            None => out.push_str(url),
        }
        rest = &rest[close..];
        out.push('>');
        rest = &rest[1..];
    }
    out.push_str(rest);
    changed.then_some(out)
}

/// Every value of a list header (`Vary`, `Accept-Encoding`...), joined as one.
pub fn header_list(headers: &HeaderMap, name: header::HeaderName) -> String {
    headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
#[path = "headers_tests.rs"]
mod tests;

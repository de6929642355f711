//! The server-side cookie jar (`session/jar.rs`) through both ways in: `Set-Cookie` from
//! an upstream (as `rewrite/headers.rs` hands it over) and `document.cookie` from a page
//! script (as `proxy/cookie.rs` hands it over, label domains made real). The input is a
//! sequence of operations on a few hosts of different sites, public suffixes and IPs.
//! Invariants, for every host, path and kind of request:
//! - a cookie goes only where a browser would have let the host that set it send it:
//!   the host itself, or below a `Domain=` it could set (not a public suffix, not on an
//!   IP address); a `Secure` cookie only if set and sent over a secure scheme, and a
//!   `SameSite=None` one only if `Secure`;
//! - a cross-site request carries only `SameSite=None` cookies, a cross-site
//!   navigation no `SameSite=Strict` one;
//! - `document.cookie` shows only cookies the header would carry that were set without
//!   `HttpOnly`;
//! - the `Cookie` header is always a valid header value (or the request could not be made);
//! - a jar saved to the records and read back sends the same cookies;
//! - the jar keeps within its bounds (cookies per site and in all, bytes per cookie and
//!   in all), also after a `document.cookie` loop or a huge cookie.
#![no_main]

use std::collections::{HashMap, HashSet};

use cookie::{Cookie, SameSite};
use http::HeaderValue;
use libfuzzer_sys::fuzz_target;
use publicsuffix::Psl;
use tandem::origin::label::{self, SessionId, UpstreamOrigin};
use tandem::proxy::cookie::real_domain;
use tandem::session::CookieJar;
use tandem::session::jar::{RequestSite, registrable_domain};
use tandem::session::jar_bounds::{MAX_COOKIES, MAX_COOKIES_PER_SITE, MAX_JAR_BYTES, MAX_NAME_VALUE};
use tandem_fuzz::{SESSION_ID, suffixes};
use url::{Host, Url};

const HOSTS: [&str; 16] = [
    "www.shop.example",
    "api.shop.example",
    "shop.example",
    "other.example",
    "a.co.uk",
    "b.co.uk",
    "a.github.io",
    "b.github.io",
    "localhost",
    "app.localhost",
    "intranet",
    "127.0.0.1",
    "10.0.0.1",
    "[::1]",
    "xn--bcher-kva.example",
    "b.xn--bcher-kva.example",
];
const PATHS: [&str; 4] = ["/", "/a/", "/a/b", "/b"];
const ZONE_HOST: &str = "proxy.localhost";
/// Most operations one input runs.
const MAX_OPS: usize = 64;
/// Most checks one input asks for along the way (each reads 128 URLs), besides the last.
const MAX_CHECKS: usize = 4;
/// Most bulk operations (a `document.cookie` loop, one huge cookie) one input runs.
const MAX_BULK: usize = 2;

/// Where a cookie may go, by the browser's rules for the host that set it.
enum Reach {
    /// That host only.
    Host(&'static str),
    /// This domain and the hosts below it.
    Below(String),
    /// Nowhere: a browser refuses the cookie.
    Nowhere,
}

/// One cookie string that went into the jar.
struct Write {
    reach: Reach,
    secure: bool,
    http_only: bool,
    same_site: Option<SameSite>,
    /// `name=value` as the `Cookie` header lists it.
    pair: String,
    /// As `document.cookie` lists it (a cookie without a name shows its value only).
    script_pair: String,
}

impl Write {
    /// A browser's reading of `text`, set by the page at `url` on `host`.
    fn new(host: &'static str, url: &Url, text: &str) -> Option<Write> {
        let cookie = Cookie::parse(text).ok()?;
        let secure = cookie.secure() == Some(true);
        let refused = (secure && !secure_context(url)) || (!secure && cookie.same_site() == Some(SameSite::None));
        let reach = if refused { Reach::Nowhere } else { reach(host, cookie.domain()) };
        let pair = format!("{}={}", cookie.name(), cookie.value());
        let script_pair = if cookie.name().is_empty() { cookie.value().to_owned() } else { pair.clone() };
        let http_only = cookie.http_only() == Some(true);
        Some(Write { reach, secure, http_only, same_site: cookie.same_site(), pair, script_pair })
    }

    /// Whether a browser would send this cookie to `host` over a secure scheme or not.
    fn reaches(&self, host: &str, secure: bool) -> bool {
        if self.secure && !secure {
            return false;
        }
        match &self.reach {
            Reach::Host(own) => *own == host,
            Reach::Below(domain) => !is_ip(host) && below(host, domain),
            Reach::Nowhere => false,
        }
    }
}

/// Where a cookie with `Domain=domain` set on `host` may go.
fn reach(host: &'static str, domain: Option<&str>) -> Reach {
    let Some(domain) = domain.map(|d| d.trim().trim_start_matches('.')).filter(|d| !d.is_empty()) else {
        return Reach::Host(host);
    };
    let Ok(Host::Domain(domain)) = Host::parse(domain) else {
        // An IP address as `Domain=` is its own host only; anything else is no host.
        let own = Host::parse(domain).is_ok_and(|d| d.to_string() == host);
        return if own { Reach::Host(host) } else { Reach::Nowhere };
    };
    if is_ip(host) || !below(host, &domain) {
        return Reach::Nowhere;
    }
    if suffixes().domain(domain.as_bytes()).is_none() {
        // A public suffix: only as the writer's own host, which makes it host-only.
        return if domain == host { Reach::Host(host) } else { Reach::Nowhere };
    }
    Reach::Below(domain)
}

/// Whether `host` is `domain` or below it.
fn below(host: &str, domain: &str) -> bool {
    host == domain || host.strip_suffix(domain).is_some_and(|rest| rest.ends_with('.'))
}

fn is_ip(host: &str) -> bool {
    matches!(Host::parse(host), Ok(Host::Ipv4(_) | Host::Ipv6(_))) || host.starts_with('[')
}

/// `localhost` names and loopback addresses are secure contexts over http too.
fn secure_context(url: &Url) -> bool {
    url.scheme() == "https"
        || match url.host() {
            Some(Host::Domain(d)) => d == "localhost" || d.ends_with(".localhost"),
            Some(Host::Ipv4(ip)) => ip.is_loopback(),
            Some(Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        }
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }

    /// A length-prefixed string (cut short at the end of the input).
    fn text(&mut self) -> String {
        let len = usize::from(self.byte().unwrap_or(0)).min(self.0.len());
        let (text, rest) = self.0.split_at(len);
        self.0 = rest;
        String::from_utf8_lossy(text).into_owned()
    }
}

fn page(host: &str, path: &str, secure: bool) -> Url {
    let scheme = if secure { "https" } else { "http" };
    Url::parse(&format!("{scheme}://{host}{path}")).expect("a page URL")
}

/// The label host the page at `url` is served on.
fn label_host(url: &Url) -> String {
    let session = SessionId::parse(SESSION_ID).expect("valid id");
    let origin = UpstreamOrigin::from_url(url).expect("a web origin");
    let label = label::encode_direct(&session, &origin).unwrap_or_else(|| label::fallback_label(&session, &origin));
    format!("{label}.{ZONE_HOST}")
}

fuzz_target!(|data: &[u8]| {
    let mut input = Reader(data);
    let mut jar = CookieJar::new(suffixes());
    let mut writes: Vec<Write> = Vec::new();
    let (mut checks, mut bulk) = (0, 0);
    for _ in 0..MAX_OPS {
        let Some(op) = input.byte() else { break };
        let host = HOSTS[usize::from(input.byte().unwrap_or(0)) % HOSTS.len()];
        let url = page(host, PATHS[usize::from(op >> 3) & 3], op & 0x20 == 0);
        match op & 7 {
            0 | 1 => {
                let text = input.text();
                // Only what `HeaderValue::to_str` lets through reaches the jar.
                if HeaderValue::from_str(&text).is_ok_and(|v| v.to_str().is_ok()) {
                    jar.absorb(&url, &text);
                    writes.extend(Write::new(host, &url, &text));
                }
            }
            2 | 3 => {
                let text = real_domain(&input.text(), &label_host(&url), ZONE_HOST, &url, jar.site_of(&url));
                let stored = jar.set_from_script(&url, &text);
                if let Ok(cookie) = Cookie::parse(text.as_str()) {
                    assert!(cookie.http_only() != Some(true) || stored.is_err(), "a script set HttpOnly: {text:?}");
                }
                writes.extend(Write::new(host, &url, &text));
            }
            4 => jar.clear_site(&url),
            6 if bulk < MAX_BULK => {
                bulk += 1;
                let count = usize::from(input.byte().unwrap_or(0));
                let text = input.text();
                if op & 0x40 != 0 {
                    // One cookie of up to 16 KiB, as a header would bring it.
                    let big = format!("{}={}{text}", "big", "x".repeat(count * 64));
                    jar.absorb(&url, &big);
                    writes.extend(Write::new(host, &url, &big));
                } else {
                    // A `document.cookie` loop.
                    for i in 0..count * 2 {
                        let cookie = format!("k{i}{text}");
                        let _ = jar.set_from_script(&url, &cookie);
                        writes.extend(Write::new(host, &url, &cookie));
                    }
                }
            }
            5 => {
                let saved = CookieJar::from_json(&jar.to_json(), suffixes());
                let before = headers(&jar);
                let after = headers(&saved);
                // A cookie may expire between two reads; one more read settles it.
                assert!(after == before || after == headers(&jar), "the saved jar differs:\n{before:?}\n{after:?}");
                jar = saved;
            }
            _ if checks < MAX_CHECKS => {
                checks += 1;
                check(&jar, &writes);
            }
            _ => {}
        }
    }
    check(&jar, &writes);
});

/// The cookies of every header the jar would send, by host, path and scheme (sorted:
/// cookies of one path length come in the store's hash order).
fn headers(jar: &CookieJar) -> Vec<Vec<String>> {
    let pairs = |header: String| {
        let mut pairs: Vec<String> = header.split("; ").map(str::to_owned).collect();
        pairs.sort_unstable();
        pairs
    };
    urls().map(|url| jar.cookie_header(&url, RequestSite::FIRST_PARTY).map(pairs).unwrap_or_default()).collect()
}

fn urls() -> impl Iterator<Item = Url> {
    HOSTS
        .into_iter()
        .flat_map(|host| PATHS.into_iter().flat_map(move |path| [true, false].map(|s| page(host, path, s))))
}

fn check(jar: &CookieJar, writes: &[Write]) {
    within_bounds(jar);
    for url in urls() {
        let host = url.host_str().expect("host");
        let secure = secure_context(&url);
        let allowed: Vec<&Write> = writes.iter().filter(|w| w.reaches(host, secure)).collect();
        let pairs = |keep: &dyn Fn(&Write) -> bool| -> HashSet<&str> {
            allowed.iter().filter(|w| keep(w)).map(|w| w.pair.as_str()).collect()
        };
        let sent = |site: RequestSite, may: HashSet<&str>, what: &str| {
            let Some(header) = jar.cookie_header(&url, site) else { return };
            assert!(HeaderValue::from_str(&header).is_ok(), "{url}: the Cookie header {header:?} is no header value");
            for pair in header.split("; ") {
                assert!(may.contains(pair), "{url}: {pair:?} sent ({what}) but no write lets it go there");
            }
        };
        sent(RequestSite::FIRST_PARTY, pairs(&|_| true), "first party");
        let cross = RequestSite { same_site: false, lax_navigation: false };
        sent(cross, pairs(&|w| w.same_site == Some(SameSite::None)), "cross-site");
        let navigation = RequestSite { same_site: false, lax_navigation: true };
        sent(navigation, pairs(&|w| w.same_site != Some(SameSite::Strict)), "cross-site navigation");
        let scripts: HashSet<&str> = allowed.iter().filter(|w| !w.http_only).map(|w| w.script_pair.as_str()).collect();
        let shown = jar.script_cookies(&url);
        for pair in shown.split("; ").filter(|p| !p.is_empty()) {
            assert!(scripts.contains(pair), "{url}: document.cookie shows {pair:?}, which no script may see");
        }
    }
}

/// The jar keeps within its bounds (`session/jar_bounds.rs`), as its save shows it.
fn within_bounds(jar: &CookieJar) {
    let saved: Vec<serde_json::Value> = serde_json::from_str(&jar.to_json()).expect("the jar saves as JSON");
    assert!(saved.len() <= MAX_COOKIES, "{} cookies", saved.len());
    let (mut bytes, mut per_site) = (0, HashMap::<String, usize>::new());
    for entry in &saved {
        let text = |v: &serde_json::Value| v.as_str().map(str::to_owned);
        let domain = ["HostOnly", "Suffix"].iter().find_map(|k| text(&entry["domain"][k])).expect("a domain");
        let path = text(&entry["path"][0]).expect("a path");
        let raw = text(&entry["raw_cookie"]).expect("the cookie");
        let cookie = Cookie::parse(raw.as_str()).expect("a saved cookie parses");
        let name_value = cookie.name().len() + cookie.value().len();
        assert!(name_value <= MAX_NAME_VALUE, "a cookie of {name_value} bytes");
        bytes += name_value + domain.len() + path.len();
        *per_site.entry(registrable_domain(&suffixes(), &domain).to_owned()).or_default() += 1;
    }
    assert!(bytes <= MAX_JAR_BYTES, "{bytes} bytes");
    if let Some((site, count)) = per_site.iter().find(|(_, count)| **count > MAX_COOKIES_PER_SITE) {
        panic!("{count} cookies for {site}");
    }
}

//! The server-side cookie jar of one session. Upstream cookies live here and never in
//! the visitor's browser; `Domain=` cookies shared by `www.` and `api.` of a site keep
//! working although each is served on a label of its own. Page scripts see and set the
//! non-HttpOnly ones through Tandem's cookie endpoint, as `document.cookie` would.
//! The jar keeps within a browser's bounds ([`super::jar_bounds`]).

use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use std::cmp::Reverse;

use cookie::SameSite;
use cookie_store::{CookieDomain, CookieError, RawCookie};
use publicsuffix::{List, Psl};
use url::Url;

use super::jar_bounds::{BoundedStore, bounded};

/// The public suffix list, parsed once and shared by every jar.
pub fn public_suffix_list() -> Arc<List> {
    static LIST: OnceLock<Arc<List>> = OnceLock::new();
    static TEXT: &str = include_str!("../../data/public_suffix_list.dat");
    LIST.get_or_init(|| Arc::new(TEXT.parse().unwrap_or_else(|_| List::new()))).clone()
}

/// The site of `host`: its registrable domain by the public suffix list, or the host
/// itself when it has none (a public suffix, `localhost`, an IP address).
pub fn registrable_domain<'h>(suffixes: &List, host: &'h str) -> &'h str {
    // The list would read 10.0.0.1 as the name `0.1` under the TLD `1`.
    if host.starts_with('[') || host.parse::<IpAddr>().is_ok() {
        return host;
    }
    let site = suffixes.domain(host.as_bytes()).map_or(host.len(), |d| d.as_bytes().len());
    host.get(host.len() - site..).unwrap_or(host)
}

/// How a request relates to the site it goes to, as the real web would see it: labels
/// are all one site to the browser, so the proxy judges `SameSite` itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestSite {
    /// The request comes from a page of the same site (or from the user).
    pub same_site: bool,
    /// A top-level navigation with a safe method, which `SameSite=Lax` cookies follow.
    pub lax_navigation: bool,
}

impl RequestSite {
    /// A first-party request: every cookie that matches the URL goes.
    pub const FIRST_PARTY: RequestSite = RequestSite { same_site: true, lax_navigation: true };
}

/// Why a cookie written by a page script was not stored.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScriptCookieRefused {
    /// Not a cookie (`name=value` is missing).
    #[error("unparsable")]
    Unparsable,
    /// Scripts cannot set HttpOnly cookies.
    #[error("httponly")]
    HttpOnly,
    /// `Domain=` names a public suffix or a host the page is not on.
    #[error("domain")]
    Domain,
    /// An HttpOnly cookie of that name, domain and path exists.
    #[error("replaces-httponly")]
    ReplacesHttpOnly,
    /// `Secure` from a page that is not a secure context, or `SameSite=None` without it.
    #[error("secure")]
    Secure,
    /// Its name and value are longer than a browser keeps.
    #[error("too-large")]
    TooLarge,
}

/// One session's cookies.
pub struct CookieJar {
    store: Mutex<BoundedStore>,
    suffixes: Arc<List>,
    /// Whether a cookie changed since the jar was last saved to the records.
    unsaved: AtomicBool,
}

impl CookieJar {
    /// An empty jar judging `Domain=` attributes with `suffixes`.
    pub fn new(suffixes: Arc<List>) -> Self {
        // The list is checked here rather than handed to cookie_store, which would keep
        // a copy of it in every session.
        CookieJar::with_store(BoundedStore::default(), suffixes)
    }

    fn with_store(store: BoundedStore, suffixes: Arc<List>) -> Self {
        CookieJar { store: Mutex::new(store), suffixes, unsaved: AtomicBool::new(false) }
    }

    /// A jar as [`CookieJar::to_json`] saved it, within the bounds; an unreadable save
    /// gives an empty jar (the visitor is logged out of the sites, nothing worse).
    pub fn from_json(json: &str, suffixes: Arc<List>) -> Self {
        let saved = serde_json::from_str::<Vec<cookie_store::Cookie<'static>>>(json.trim()).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "a saved cookie jar could not be read; starting empty");
            Vec::new()
        });
        let store = BoundedStore::from_saved(saved, &suffixes);
        CookieJar::with_store(store, suffixes)
    }

    /// Every cookie, session cookies included (the visitor's browser session goes on
    /// across a restart of Tandem), least recently used first, as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.store().saved()).unwrap_or_else(|e| {
            tracing::error!(error = %e, "a cookie jar could not be saved");
            String::new()
        })
    }

    /// Whether a cookie changed since the last call.
    pub fn take_unsaved(&self) -> bool {
        self.unsaved.swap(false, Ordering::AcqRel)
    }

    fn store(&self) -> MutexGuard<'_, BoundedStore> {
        // A panic while holding the lock cannot leave a cookie store half-written in a
        // way that matters more than losing the session's cookies would.
        self.store.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Stores the cookies of one `Set-Cookie` header received for `url`.
    pub fn absorb(&self, url: &Url, set_cookie: &str) {
        let Some(raw) = parse_cookie(set_cookie).and_then(|raw| bounded(&raw)) else { return };
        let Ok(cookie) = self.admit(url, &raw) else { return };
        if self.store().insert(cookie, url, &self.suffixes).is_ok() {
            self.unsaved.store(true, Ordering::Release);
        }
    }

    /// The cookie `url` sent, as the store is to keep it, if a browser would take it:
    /// `Secure` only from a secure context, `SameSite=None` only with `Secure`, and
    /// `Domain=<public suffix>` only when it is
    /// the host itself, which then keeps the cookie host-only. The suffix is looked for in
    /// the domain as stored (IDNA applied), so that no other spelling of it gets past.
    fn admit(&self, url: &Url, raw: &RawCookie<'_>) -> Result<cookie_store::Cookie<'static>, ScriptCookieRefused> {
        if !secure_allowed(url, raw) {
            return Err(ScriptCookieRefused::Secure);
        }
        let mut cookie =
            cookie_store::Cookie::try_from_raw_cookie(raw, url).map_err(|_| ScriptCookieRefused::Domain)?.into_owned();
        if let CookieDomain::Suffix(domain) = &cookie.domain {
            let is_suffix = self.suffixes.suffix(domain.as_bytes()).is_some_and(|s| s.as_bytes() == domain.as_bytes());
            if is_suffix {
                if url.host_str() != Some(domain.as_str()) {
                    return Err(ScriptCookieRefused::Domain);
                }
                cookie.domain = CookieDomain::host_only(url).map_err(|_| ScriptCookieRefused::Domain)?;
            }
        }
        Ok(cookie)
    }

    /// Stores a cookie a script of the page at `url` wrote (`document.cookie = text`),
    /// with the rules a browser applies to the non-HTTP API: `HttpOnly` is refused, and
    /// so is replacing an HttpOnly cookie. A refused cookie is ignored, as browsers do.
    pub fn set_from_script(&self, url: &Url, text: &str) -> Result<(), ScriptCookieRefused> {
        let raw = parse_cookie(text).ok_or(ScriptCookieRefused::Unparsable)?;
        let raw = bounded(&raw).ok_or(ScriptCookieRefused::TooLarge)?;
        if raw.http_only() == Some(true) {
            return Err(ScriptCookieRefused::HttpOnly);
        }
        let cookie = self.admit(url, &raw)?;
        let domain = cookie.domain.as_cow().ok_or(ScriptCookieRefused::Domain)?.into_owned();
        let mut store = self.store();
        let old = store.cookies().get_any(&domain, &String::from(&cookie.path), cookie.name());
        if old.is_some_and(|old| old.http_only() == Some(true)) {
            return Err(ScriptCookieRefused::ReplacesHttpOnly);
        }
        match store.insert(cookie, url, &self.suffixes) {
            // An expired cookie deletes one that may not exist: nothing to store either way.
            Ok(_) | Err(CookieError::Expired) => {
                self.unsaved.store(true, Ordering::Release);
                Ok(())
            }
            Err(_) => Err(ScriptCookieRefused::Domain),
        }
    }

    /// What `document.cookie` reads on the page at `url`: its non-HttpOnly cookies,
    /// longer paths first as browsers list them.
    pub fn script_cookies(&self, url: &Url) -> String {
        let mut store = self.store();
        let cookies = matching(&mut store, url).into_iter().filter(|c| c.http_only() != Some(true));
        let pairs: Vec<String> = cookies
            .map(|c| match c.name_value() {
                ("", value) => value.to_owned(),
                (name, value) => format!("{name}={value}"),
            })
            .collect();
        pairs.join("; ")
    }

    /// The `Cookie` header to send with a request for `url`, if any cookie matches and
    /// its `SameSite` attribute lets it go with a request of this kind (unset counts as
    /// `Lax`, as in current browsers). Longer paths come first, as browsers send them:
    /// of two cookies of one name, servers read the first.
    pub fn cookie_header(&self, url: &Url, site: RequestSite) -> Option<String> {
        let mut store = self.store();
        let mut header = String::new();
        let allowed = matching(&mut store, url).into_iter().filter(|c| match c.same_site() {
            Some(SameSite::None) => true,
            Some(SameSite::Strict) => site.same_site,
            Some(SameSite::Lax) | None => site.same_site || site.lax_navigation,
        });
        for (name, value) in allowed.map(|c| c.name_value()) {
            if !header.is_empty() {
                header.push_str("; ");
            }
            header.push_str(name);
            header.push('=');
            header.push_str(value);
        }
        (!header.is_empty()).then_some(header)
    }

    /// The site (registrable domain) of `url`'s host; the host itself when it has none.
    pub fn site_of<'u>(&self, url: &'u Url) -> Option<&'u str> {
        Some(registrable_domain(&self.suffixes, url.host_str()?))
    }

    /// Forgets every cookie of the site (registrable domain) of `url`, as
    /// `Clear-Site-Data: "cookies"` asks a browser to.
    pub fn clear_site(&self, url: &Url) {
        let Some(site) = self.site_of(url) else { return };
        let mut store = self.store();
        let doomed: Vec<(String, String, String)> = store
            .cookies()
            .iter_any()
            .filter_map(|c| {
                let domain = c.domain.as_cow()?.into_owned();
                let same_site = domain == site || domain.ends_with(&format!(".{site}"));
                same_site.then(|| (domain, String::from(&c.path), c.name().to_owned()))
            })
            .collect();
        for (domain, path, name) in doomed {
            store.remove(&domain, &path, &name);
            self.unsaved.store(true, Ordering::Release);
        }
    }
}

/// The cookies of `store` that match `url`, marked as used, longer paths first (the
/// store's own order is that of a hash map).
fn matching<'s>(store: &'s mut BoundedStore, url: &Url) -> Vec<&'s cookie_store::Cookie<'static>> {
    let mut cookies = store.use_matching(url);
    cookies.sort_by_key(|c| Reverse(String::from(&c.path).len()));
    cookies
}

/// Parses one cookie string. One with a control character other than a tab in it is
/// ignored entirely, as browsers do (RFC 6265bis): kept, it would make a `Cookie`
/// header that no request to the site can carry.
fn parse_cookie(text: &str) -> Option<RawCookie<'static>> {
    let control = |b: u8| (b < 0x20 && b != b'\t') || b == 0x7f;
    if text.bytes().any(control) {
        return None;
    }
    RawCookie::parse(text.to_owned()).ok()
}

/// Browsers take a `Secure` cookie only from a secure context, lest a page reached in
/// clear plant one that the site's https pages then trust; and `SameSite=None` only with
/// `Secure` (which the store's save writes in anyway, so a restart would change it).
/// Secure contexts are those the store sends `Secure` cookies to: https, `localhost` and
/// loopback addresses.
fn secure_allowed(url: &Url, cookie: &RawCookie<'_>) -> bool {
    let secure_context = url.scheme() == "https"
        || match url.host() {
            Some(url::Host::Domain(host)) => host == "localhost",
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        };
    let secure = cookie.secure() == Some(true);
    (secure_context || !secure) && (secure || cookie.same_site() != Some(SameSite::None))
}

#[cfg(test)]
#[path = "jar_tests.rs"]
mod tests;

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
mod tests {
    use super::*;

    #[test]
    fn a_saved_jar_reads_back_with_session_cookies_and_marks_changes() {
        let jar = CookieJar::new(public_suffix_list());
        assert!(!jar.take_unsaved());
        jar.absorb(&url("https://shop.test/"), "sid=1; Domain=shop.test; HttpOnly");
        jar.absorb(&url("https://shop.test/"), "pref=dark; Max-Age=3600");
        assert!(jar.take_unsaved() && !jar.take_unsaved());
        let back = CookieJar::from_json(&jar.to_json(), public_suffix_list());
        let header = back.cookie_header(&url("https://www.shop.test/"), RequestSite::FIRST_PARTY);
        assert_eq!(header.as_deref(), Some("sid=1"));
        let header = back.cookie_header(&url("https://shop.test/"), RequestSite::FIRST_PARTY).unwrap_or_default();
        assert!(header.contains("sid=1") && header.contains("pref=dark"), "{header}");
        let empty = CookieJar::from_json("not json", public_suffix_list());
        assert_eq!(empty.cookie_header(&url("https://shop.test/"), RequestSite::FIRST_PARTY), None);
    }

    fn url(s: &str) -> Url {
        Url::parse(s).expect("url")
    }

    #[test]
    fn domain_cookies_are_shared_between_subdomains_but_not_sites() {
        let jar = CookieJar::new(public_suffix_list());
        jar.absorb(&url("https://www.shop.example/login"), "sid=1; Domain=shop.example; Path=/; HttpOnly");
        jar.absorb(&url("https://www.shop.example/login"), "host_only=2; Path=/");
        assert_eq!(
            jar.cookie_header(&url("https://api.shop.example/x"), RequestSite::FIRST_PARTY).as_deref(),
            Some("sid=1")
        );
        let www = jar.cookie_header(&url("https://www.shop.example/"), RequestSite::FIRST_PARTY).expect("cookies");
        assert!(www.contains("sid=1") && www.contains("host_only=2"), "{www}");
        assert_eq!(jar.cookie_header(&url("https://other.example/"), RequestSite::FIRST_PARTY), None);
    }

    #[test]
    fn same_site_attributes_are_honoured() {
        let jar = CookieJar::new(public_suffix_list());
        let bank = url("https://bank.example/transfer");
        jar.absorb(&bank, "strict=1; SameSite=Strict");
        jar.absorb(&bank, "lax=1; SameSite=Lax");
        jar.absorb(&bank, "unset=1");
        jar.absorb(&bank, "none=1; SameSite=None; Secure");
        assert_eq!(jar.cookie_header(&bank, RequestSite::FIRST_PARTY).map(|h| h.matches('=').count()), Some(4));
        let cross_post = RequestSite { same_site: false, lax_navigation: false };
        assert_eq!(jar.cookie_header(&bank, cross_post).as_deref(), Some("none=1"));
        let cross_link = RequestSite { same_site: false, lax_navigation: true };
        let sent = jar.cookie_header(&bank, cross_link).expect("lax cookies");
        assert!(sent.contains("lax=1") && sent.contains("unset=1") && !sent.contains("strict"), "{sent}");
        assert_eq!(jar.site_of(&url("https://www.bank.co.uk/")), Some("bank.co.uk"));
    }

    #[test]
    fn public_suffix_domains_are_refused() {
        let jar = CookieJar::new(public_suffix_list());
        jar.absorb(&url("https://a.co.uk/"), "evil=1; Domain=co.uk");
        jar.absorb(&url("https://a.github.io/"), "evil=1; Domain=github.io");
        assert_eq!(jar.cookie_header(&url("https://b.co.uk/"), RequestSite::FIRST_PARTY), None);
        assert_eq!(jar.cookie_header(&url("https://b.github.io/"), RequestSite::FIRST_PARTY), None);
    }

    #[test]
    fn scripts_see_and_set_only_non_http_only_cookies() {
        let jar = CookieJar::new(public_suffix_list());
        let page = url("https://www.shop.example/cart/view");
        jar.absorb(&page, "sid=secret; Path=/; HttpOnly");
        jar.absorb(&page, "theme=dark; Path=/");
        assert_eq!(jar.script_cookies(&page), "theme=dark");
        assert_eq!(jar.set_from_script(&page, "x=1; HttpOnly"), Err(ScriptCookieRefused::HttpOnly));
        assert_eq!(jar.set_from_script(&page, "sid=stolen; Path=/"), Err(ScriptCookieRefused::ReplacesHttpOnly));
        assert_eq!(jar.set_from_script(&page, "no pair"), Err(ScriptCookieRefused::Unparsable));
        assert_eq!(jar.set_from_script(&page, "x=1; Domain=example"), Err(ScriptCookieRefused::Domain));
        assert_eq!(jar.set_from_script(&page, "x=1; Domain=other.example"), Err(ScriptCookieRefused::Domain));
        // Default path: the page's directory; a Domain cookie reaches the sibling host.
        assert_eq!(jar.set_from_script(&page, "here=1"), Ok(()));
        assert_eq!(jar.set_from_script(&page, "shared=2; Domain=shop.example; Path=/"), Ok(()));
        assert_eq!(jar.script_cookies(&page).split("; ").next(), Some("here=1"));
        assert_eq!(jar.script_cookies(&url("https://www.shop.example/")).matches('=').count(), 2);
        let api = jar.cookie_header(&url("https://api.shop.example/"), RequestSite::FIRST_PARTY);
        assert_eq!(api.as_deref(), Some("shared=2"));
        // Expiring deletes; expiring a cookie that does not exist is no error.
        assert_eq!(jar.set_from_script(&page, "here=; Max-Age=0"), Ok(()));
        assert_eq!(jar.set_from_script(&page, "never=; Max-Age=0"), Ok(()));
        assert!(!jar.script_cookies(&page).contains("here="), "{}", jar.script_cookies(&page));
        assert_eq!(jar.cookie_header(&page, RequestSite::FIRST_PARTY).map(|h| h.contains("sid=secret")), Some(true));
    }

    /// Found by `fuzz/fuzz_targets/jar.rs`: `http://www.shop.example` set `Secure`
    /// cookies (from a response or a script) that the jar then sent to the https site,
    /// which browsers refuse so that a page reached in clear cannot plant them.
    #[test]
    fn secure_cookies_set_in_clear_never_reach_the_secure_site() {
        let jar = CookieJar::new(public_suffix_list());
        jar.absorb(&url("http://www.shop.example/"), "planted=1; Secure; Path=/");
        let script = jar.set_from_script(&url("http://www.shop.example/"), "scripted=1; Secure");
        assert_eq!(script, Err(ScriptCookieRefused::Secure));
        assert_eq!(jar.cookie_header(&url("https://www.shop.example/"), RequestSite::FIRST_PARTY), None);
        // From a secure context they are taken, and loopback over http is one.
        jar.absorb(&url("https://www.shop.example/"), "ok=1; Secure");
        assert_eq!(jar.set_from_script(&url("http://localhost:8000/"), "local=1; Secure"), Ok(()));
        let sent = |u: &str| jar.cookie_header(&url(u), RequestSite::FIRST_PARTY);
        assert_eq!(sent("https://www.shop.example/").as_deref(), Some("ok=1"));
        assert_eq!(sent("http://localhost:8000/").as_deref(), Some("local=1"));
    }

    /// Found by `fuzz/fuzz_targets/jar.rs`: a host that is itself a public suffix
    /// (`github.io`, `localhost`) may name itself in `Domain=`, but browsers then keep
    /// the cookie host-only; the jar sent it to every site below the suffix.
    #[test]
    fn a_public_suffix_naming_its_own_host_keeps_the_cookie_on_that_host() {
        let jar = CookieJar::new(public_suffix_list());
        jar.absorb(&url("https://github.io/"), "gh=1; Domain=github.io");
        let set = jar.set_from_script(&url("http://localhost/"), "lh=1; Domain=localhost");
        assert_eq!(set, Ok(()));
        let sent = |u: &str| jar.cookie_header(&url(u), RequestSite::FIRST_PARTY);
        assert_eq!(sent("https://alice.github.io/"), None);
        assert_eq!(sent("http://app.localhost/"), None);
        assert_eq!(sent("https://github.io/").as_deref(), Some("gh=1"));
        assert_eq!(sent("http://localhost/").as_deref(), Some("lh=1"));
    }

    /// A sibling of the one above: a public suffix written with other dots, full-width
    /// letters or capitals is the same suffix once the domain is in its stored (IDNA)
    /// form, and the check read it as written, so `Domain=co。uk` reached every `.co.uk` site.
    #[test]
    fn a_public_suffix_in_another_spelling_is_still_refused() {
        let jar = CookieJar::new(public_suffix_list());
        let page = url("https://a.co.uk/");
        for spelling in ["co\u{3002}uk", "\u{ff43}\u{ff4f}.uk", "CO.UK", "co\u{ff0e}uk"] {
            jar.absorb(&page, &format!("header=1; Domain={spelling}"));
            let set = jar.set_from_script(&page, &format!("script=1; Domain={spelling}"));
            assert_eq!(set, Err(ScriptCookieRefused::Domain), "{spelling}");
        }
        assert_eq!(jar.cookie_header(&url("https://b.co.uk/"), RequestSite::FIRST_PARTY), None);
    }

    /// Found by `fuzz/fuzz_targets/jar.rs`: `document.cookie = "a=\\x01"` was stored, and
    /// every later request to the site failed (a `Cookie` header cannot carry it), so one
    /// script locked the visitor out of the site. Browsers ignore such a cookie.
    #[test]
    fn a_cookie_with_a_control_character_is_ignored_and_the_site_stays_reachable() {
        let jar = CookieJar::new(public_suffix_list());
        let page = url("https://shop.example/");
        for text in ["a=\u{1}", "b\0=1", "c=1\n", "d=\u{7f}x", "e=1; Path=/\u{1b}"] {
            assert_eq!(jar.set_from_script(&page, text), Err(ScriptCookieRefused::Unparsable), "{text:?}");
            jar.absorb(&page, text);
        }
        assert_eq!(jar.set_from_script(&page, "tab=a\tb"), Ok(()));
        assert_eq!(jar.set_from_script(&page, "utf8=caf\u{e9}"), Ok(()));
        let header = jar.cookie_header(&page, RequestSite::FIRST_PARTY).expect("cookies");
        assert!(http::HeaderValue::try_from(header.clone()).is_ok(), "{header:?}");
        assert!(header.contains("tab=a\tb") && header.contains("utf8=caf\u{e9}"), "{header:?}");
    }

    /// Found by `fuzz/fuzz_targets/jar.rs` (a jar read back from the records listed its
    /// cookies in another order): the `Cookie` header came in the store's hash order, so
    /// of `sid` for `/` and `sid` for `/app/` the server often read the wrong one.
    #[test]
    fn a_cookie_for_a_longer_path_goes_first_in_the_cookie_header() {
        let jar = CookieJar::new(public_suffix_list());
        let paths = ["/", "/a/", "/a/b/", "/a/b/c/", "/a/b/c/d/", "/a/b/c/d/e/"];
        for path in paths {
            jar.absorb(&url("https://shop.example/"), &format!("sid={path}; Path={path}"));
        }
        let expected: Vec<String> = paths.iter().rev().map(|p| format!("sid={p}")).collect();
        let page = url("https://shop.example/a/b/c/d/e/page");
        assert_eq!(jar.cookie_header(&page, RequestSite::FIRST_PARTY), Some(expected.join("; ")));
        let back = CookieJar::from_json(&jar.to_json(), public_suffix_list());
        assert_eq!(back.cookie_header(&page, RequestSite::FIRST_PARTY), Some(expected.join("; ")));
    }

    /// Found by `fuzz/fuzz_targets/jar.rs` (a jar read back from the records sent less):
    /// `SameSite=None` without `Secure` was kept as it came, but saved with `Secure` added
    /// (the cookie crate writes it so), so after a restart it no longer went over http.
    /// Browsers refuse such a cookie from the start.
    #[test]
    fn same_site_none_without_secure_is_refused_before_and_after_a_restart() {
        let jar = CookieJar::new(public_suffix_list());
        let page = url("http://shop.example/");
        jar.absorb(&page, "header=1; SameSite=None");
        assert_eq!(jar.set_from_script(&page, "script=1; SameSite=None"), Err(ScriptCookieRefused::Secure));
        assert_eq!(jar.cookie_header(&page, RequestSite::FIRST_PARTY), None);
        let secure = url("https://shop.example/");
        jar.absorb(&secure, "ok=1; SameSite=None; Secure");
        let back = CookieJar::from_json(&jar.to_json(), public_suffix_list());
        let cross = RequestSite { same_site: false, lax_navigation: false };
        assert_eq!(jar.cookie_header(&secure, cross).as_deref(), Some("ok=1"));
        assert_eq!(back.cookie_header(&secure, cross).as_deref(), Some("ok=1"));
    }

    #[test]
    fn clear_site_forgets_only_that_site() {
        let jar = CookieJar::new(public_suffix_list());
        jar.absorb(&url("https://www.shop.example/"), "a=1; Domain=shop.example");
        jar.absorb(&url("https://api.shop.example/"), "b=1");
        jar.absorb(&url("https://other.example/"), "c=1");
        jar.clear_site(&url("https://www.shop.example/logout"));
        assert_eq!(jar.cookie_header(&url("https://api.shop.example/"), RequestSite::FIRST_PARTY), None);
        assert_eq!(jar.cookie_header(&url("https://other.example/"), RequestSite::FIRST_PARTY).as_deref(), Some("c=1"));
    }
}

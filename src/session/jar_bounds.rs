//! The bounds of one session's cookie jar, as a browser bounds its own: how many
//! cookies one site and the whole jar keep, how large one cookie may be, and which go
//! first (the least recently used, expired ones before any). Every way into the jar
//! passes here: `Set-Cookie` from upstreams, `document.cookie` through the cookie
//! endpoint, and a jar loaded from the records.
//!
//! The numbers are Chromium's (`net/cookies/cookie_monster.cc`,
//! `net/cookies/parsed_cookie.h`), so a site that works in Chromium fits. One bound is
//! Tandem's own: [`MAX_JAR_BYTES`].

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};

use cookie_store::{Cookie, CookieError, CookieStore, RawCookie, StoreAction};
use publicsuffix::List;
use url::Url;

use super::jar::registrable_domain;

/// Most cookies kept for one site (registrable domain): Chromium's `kDomainMaxCookies`.
pub const MAX_COOKIES_PER_SITE: usize = 180;
/// What a site over [`MAX_COOKIES_PER_SITE`] is cut down to: Chromium's
/// `kDomainMaxCookies - kDomainPurgeCookies`, so that purges stay rare.
const SITE_PURGED_TO: usize = 150;
/// Most cookies in one jar: Chromium's `kMaxCookies` (per browser profile).
pub const MAX_COOKIES: usize = 3300;
/// What a jar over [`MAX_COOKIES`] is cut down to: `kMaxCookies - kPurgeCookies`.
const PURGED_TO: usize = 3000;
/// Longest name plus value of one cookie; a longer one is refused whole. Chromium's
/// `ParsedCookie::kMaxCookieNamePlusValueSize`, RFC 6265bis section 5.6.
pub const MAX_NAME_VALUE: usize = 4096;
/// Longest `Path` or `Domain` value heeded; a longer attribute is ignored, the cookie
/// kept. Chromium's `ParsedCookie::kMaxCookieAttributeValueSize`, RFC 6265bis.
pub const MAX_ATTRIBUTE_VALUE: usize = 1024;
/// Most bytes of names, values, domains and paths in one jar. Browsers have no such
/// bound, as a profile is one person's; Tandem keeps a jar per session in one process
/// and writes it whole to the records whenever it changes. A busy real site keeps a
/// few kilobytes.
pub const MAX_JAR_BYTES: usize = 1024 * 1024;

/// A cookie as the jar keeps it, or `None` when a browser would refuse it: its name and
/// value within [`MAX_NAME_VALUE`], over-long attributes dropped, and nothing of the
/// text it came in kept (a cookie parsed from a header holds the whole header, whatever
/// unknown attributes padded it).
pub fn bounded(raw: &RawCookie<'_>) -> Option<RawCookie<'static>> {
    if raw.name().len() + raw.value().len() > MAX_NAME_VALUE {
        return None;
    }
    let mut kept = RawCookie::new(raw.name().to_owned(), raw.value().to_owned());
    kept.set_http_only(raw.http_only());
    kept.set_secure(raw.secure());
    kept.set_same_site(raw.same_site());
    kept.set_partitioned(raw.partitioned());
    kept.set_max_age(raw.max_age());
    if let Some(expires) = raw.expires() {
        kept.set_expires(expires);
    }
    if let Some(path) = raw.path().filter(|path| path.len() <= MAX_ATTRIBUTE_VALUE) {
        kept.set_path(path.to_owned());
    }
    if let Some(domain) = raw.domain().filter(|domain| domain.len() <= MAX_ATTRIBUTE_VALUE) {
        kept.set_domain(domain.to_owned());
    }
    Some(kept)
}

/// A cookie store that keeps within the bounds, and knows which cookie was used last.
#[derive(Default)]
pub struct BoundedStore {
    store: CookieStore,
    /// When each cookie (by [`BoundedStore::key`]) was last set or sent, as a count of
    /// uses: the lowest goes first.
    used: HashMap<u64, u64>,
    clock: u64,
    keys: RandomState,
}

impl BoundedStore {
    /// A store of `saved` cookies, least recently used first (as [`BoundedStore::saved`]
    /// lists them), cut down to the bounds: a jar saved before there were bounds, or
    /// under larger ones, loads like any other.
    pub fn from_saved(saved: Vec<Cookie<'static>>, suffixes: &List) -> Self {
        let mut bounded = BoundedStore::default();
        let kept: Vec<Cookie<'static>> = saved
            .into_iter()
            .filter(|c| !c.is_expired() && c.name().len() + c.value().len() <= MAX_NAME_VALUE)
            .collect();
        for cookie in &kept {
            let key = bounded.key_of(cookie);
            bounded.touch(key);
        }
        bounded.store = CookieStore::from_cookies(kept.into_iter().map(Ok::<_, CookieError>), false)
            .unwrap_or_else(|_| CookieStore::new());
        let mut per_site: HashMap<String, usize> = HashMap::new();
        for cookie in bounded.store.iter_any() {
            *per_site.entry(registrable_domain(suffixes, &domain_of(cookie)).to_owned()).or_default() += 1;
        }
        for (site, count) in per_site {
            if count > MAX_COOKIES_PER_SITE {
                bounded.evict(|domain| in_site(domain, &site), SITE_PURGED_TO, usize::MAX);
            }
        }
        bounded.bound_jar();
        bounded
    }

    /// The cookies, for reading.
    pub fn cookies(&self) -> &CookieStore {
        &self.store
    }

    /// Every cookie, least recently used first, for saving.
    pub fn saved(&self) -> Vec<&Cookie<'static>> {
        let mut cookies: Vec<(u64, &Cookie<'static>)> =
            self.store.iter_any().map(|c| (self.used.get(&self.key_of(c)).copied().unwrap_or_default(), c)).collect();
        cookies.sort_by_key(|(used, _)| *used);
        cookies.into_iter().map(|(_, c)| c).collect()
    }

    /// Stores `cookie`, received for `url`, and keeps the jar within its bounds. An
    /// expired cookie deletes the one it names.
    pub fn insert(&mut self, cookie: Cookie<'static>, url: &Url, suffixes: &List) -> Result<(), CookieError> {
        let domain = cookie.domain.as_cow().map(Cow::into_owned).ok_or(CookieError::UnspecifiedDomain)?;
        let (path, name) = (String::from(&cookie.path), cookie.name().to_owned());
        let key = self.key(&domain, &path, &name);
        match self.store.insert(cookie, url)? {
            // cookie_store keeps an expired cookie in its map; it must not count.
            StoreAction::ExpiredExisting => self.remove(&domain, &path, &name),
            StoreAction::Inserted | StoreAction::UpdatedExisting => {
                self.touch(key);
                let site = registrable_domain(suffixes, &domain);
                let in_this_site = |d: &str| in_site(d, site);
                if self.tally(in_this_site).0 > MAX_COOKIES_PER_SITE {
                    self.evict(in_this_site, SITE_PURGED_TO, usize::MAX);
                }
                self.bound_jar();
            }
        }
        Ok(())
    }

    /// Forgets one cookie.
    pub fn remove(&mut self, domain: &str, path: &str, name: &str) {
        if self.store.remove(domain, path, name).is_some() {
            self.used.remove(&self.key(domain, path, name));
        }
    }

    /// The unexpired cookies that go with a request for `url`, marked as used now.
    pub fn use_matching(&mut self, url: &Url) -> Vec<&Cookie<'static>> {
        let matching = self.store.matches(url);
        // One use for all: they went together.
        self.clock += 1;
        for cookie in &matching {
            let key = self.key_of(cookie);
            self.used.insert(key, self.clock);
        }
        matching
    }

    /// Keeps the whole jar within [`MAX_COOKIES`] and [`MAX_JAR_BYTES`].
    fn bound_jar(&mut self) {
        let (count, bytes) = self.tally(|_| true);
        if count > MAX_COOKIES || bytes > MAX_JAR_BYTES {
            self.evict(|_| true, if count > MAX_COOKIES { PURGED_TO } else { count }, MAX_JAR_BYTES);
        }
    }

    /// How many cookies of the domains `in_scope` accepts, and their bytes.
    fn tally(&self, in_scope: impl Fn(&str) -> bool) -> (usize, usize) {
        self.store
            .iter_any()
            .filter(|c| in_scope(&domain_of(c)))
            .fold((0, 0), |(count, bytes), c| (count + 1, bytes + size_of(c)))
    }

    /// Evicts cookies of the domains `in_scope` accepts, expired ones first, then the
    /// least recently used, until at most `keep` of them are left within `max_bytes`.
    fn evict(&mut self, in_scope: impl Fn(&str) -> bool, keep: usize, max_bytes: usize) {
        let mut scoped: Vec<(bool, u64, usize, String, String, String)> = self
            .store
            .iter_any()
            .filter(|c| in_scope(&domain_of(c)))
            .map(|c| {
                let used = self.used.get(&self.key_of(c)).copied().unwrap_or_default();
                (
                    !c.is_expired(),
                    used,
                    size_of(c),
                    domain_of(c).into_owned(),
                    String::from(&c.path),
                    c.name().to_owned(),
                )
            })
            .collect();
        scoped.sort_by_key(|(unexpired, used, ..)| (*unexpired, *used));
        let (mut count, mut bytes) = (scoped.len(), scoped.iter().map(|c| c.2).sum::<usize>());
        for (_, _, size, domain, path, name) in scoped {
            if count <= keep && bytes <= max_bytes {
                break;
            }
            self.remove(&domain, &path, &name);
            count -= 1;
            bytes -= size;
        }
    }

    fn key(&self, domain: &str, path: &str, name: &str) -> u64 {
        // Keyed by the process's random hasher: no page can make two cookies collide.
        self.keys.hash_one((domain, path, name))
    }

    fn key_of(&self, cookie: &Cookie<'_>) -> u64 {
        self.key(&domain_of(cookie), &cookie.path, cookie.name())
    }

    fn touch(&mut self, key: u64) {
        self.clock += 1;
        self.used.insert(key, self.clock);
    }
}

/// A stored cookie's domain (stored cookies always have one).
fn domain_of<'c>(cookie: &'c Cookie<'_>) -> Cow<'c, str> {
    cookie.domain.as_cow().unwrap_or_default()
}

/// Whether `domain` is `site` or below it.
fn in_site(domain: &str, site: &str) -> bool {
    domain == site || domain.strip_suffix(site).is_some_and(|head| head.ends_with('.'))
}

/// What a cookie costs the jar, in bytes.
fn size_of(cookie: &Cookie<'_>) -> usize {
    cookie.name().len() + cookie.value().len() + domain_of(cookie).len() + cookie.path.len()
}

#[cfg(test)]
#[path = "jar_bounds_tests.rs"]
mod tests;

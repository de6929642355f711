//! Sweeping the browser's own cookie jar on the content zone. Upstream cookies live in
//! the session's server-side jar, so the only legitimate browser cookies on the zone are
//! Tandem's binding cookies (`tandem_<session>`). Any other one was written by a page's
//! script through a route the runtime does not cover (a document it never ran in). Such
//! cookies share the zone's per-site cap with the binding: a flood of them makes the
//! browser evict the binding, and their bytes go with every request. Every answer on the
//! zone therefore carries `Set-Cookie` deletions of the cookies it was sent that Tandem
//! did not set, a bounded number per answer.
//!
//! A `Cookie` header gives names and values only, not where each cookie lives, so each
//! name is deleted at every place a cookie sent with this request can live: host-only on
//! the label, `Domain=<label>`, `Domain=<zone>`, at `/` and at each prefix of the path.
//! Names are taken as the bytes the browser sent: a page can write a name that is not
//! ASCII, and only those same bytes delete it.

use std::collections::HashSet;

use http::HeaderValue;

use super::binding::{COOKIE_PREFIX, secrets_match};
use super::{ContentOrigin, SessionId};

/// Most deletions in one answer: each is a `Set-Cookie` header, and clients and front
/// proxies bound the headers of a response (hyper's client takes 100). A flood takes a
/// few answers to sweep; a page load makes several.
const MAX_DELETIONS: usize = 48;
/// Most bytes of deletions in one answer (a name can be 4 KiB long).
const MAX_DELETION_BYTES: usize = 16 * 1024;
/// Path prefixes of the request looked at, shortest first: a cookie deeper than these
/// is swept by an answer to a deeper request.
const MAX_PATHS: usize = 8;

/// What the request carried, as far as the sweep needs it.
pub struct Sent<'a> {
    /// The request's host, without port, lower case.
    pub host: &'a str,
    /// The request's path (no query), as sent.
    pub path: &'a str,
}

/// One deletion: the cookie's name (to leave alone what the answer itself sets) and the
/// `Set-Cookie` value.
pub struct Deletion {
    /// The cookie's name as sent (empty for a nameless cookie).
    pub name: Vec<u8>,
    /// The header value that deletes it.
    pub value: HeaderValue,
}

/// The deletions for the cookies in `cookie_headers` that Tandem did not set.
/// `binding_of` gives the binding token of a session Tandem knows in memory: a cookie
/// named after such a session is kept when it carries that token, and a made-up value
/// is deleted everywhere but where Tandem puts the real one (`Domain=<zone>; Path=/`):
/// a page cannot overwrite an HttpOnly cookie there, so a cookie there is the real one,
/// even when a request did not carry it. A cookie named after a session not in memory
/// is kept (it may be the binding of another of this browser's sessions, idle now).
pub fn deletions<'a>(
    zone: &ContentOrigin,
    sent: &Sent<'_>,
    cookie_headers: impl Iterator<Item = &'a [u8]> + Clone,
    binding_of: impl Fn(&SessionId) -> Option<String>,
) -> Vec<Deletion> {
    let mut foreign: Vec<(&[u8], Keep)> = Vec::new();
    let mut seen = HashSet::new();
    for (name, _) in pairs(cookie_headers.clone()) {
        // Every foreign name takes at least one deletion: no need to look further (a
        // client other than a browser can send a megabyte of tiny cookies).
        if foreign.len() == MAX_DELETIONS {
            break;
        }
        if !seen.insert(name) {
            continue;
        }
        let session = std::str::from_utf8(name).ok().and_then(|n| n.strip_prefix(COOKIE_PREFIX));
        let Some(session) = session.and_then(SessionId::parse) else {
            foreign.push((name, Keep::Nothing));
            continue;
        };
        let Some(token) = binding_of(&session) else { continue };
        let right = |value: &[u8]| std::str::from_utf8(value).is_ok_and(|value| secrets_match(value, &token));
        if pairs(cookie_headers.clone()).any(|(n, value)| n == name && !right(value)) {
            foreign.push((name, Keep::TandemsPlace));
        }
    }
    if foreign.is_empty() {
        return Vec::new();
    }
    let places = Places::new(zone, sent);
    let mut out = Vec::new();
    let mut bytes = 0;
    for path in path_prefixes(sent.path) {
        for (name, keep) in &foreign {
            for (domain, partitioned) in places.domains() {
                if *keep == Keep::TandemsPlace && domain == Some(zone.zone()) && path == "/" {
                    continue;
                }
                let text = places.deletion(name, &path, domain, partitioned);
                bytes += text.len();
                if out.len() == MAX_DELETIONS || bytes > MAX_DELETION_BYTES {
                    return out;
                }
                if let Ok(value) = HeaderValue::from_bytes(&text) {
                    out.push(Deletion { name: name.to_vec(), value });
                }
            }
        }
    }
    out
}

/// Which place of a foreign name's cookies to leave alone.
#[derive(PartialEq, Eq)]
enum Keep {
    /// None: every place is swept.
    Nothing,
    /// `Domain=<zone>; Path=/`, where the real binding of that name lives.
    TandemsPlace,
}

/// The (name, value) pairs of the headers, in order, as bytes; a nameless cookie (no
/// `=`) has the empty name.
fn pairs<'a>(cookie_headers: impl Iterator<Item = &'a [u8]>) -> impl Iterator<Item = (&'a [u8], &'a [u8])> {
    cookie_headers
        .flat_map(|header| header.split(|b| *b == b';'))
        .map(<[u8]>::trim_ascii)
        .filter(|p| !p.is_empty())
        .map(|pair| match pair.iter().position(|b| *b == b'=') {
            Some(i) => (pair[..i].trim_ascii(), &pair[i + 1..]),
            None => (&pair[..0], pair),
        })
}

/// The cookie paths that path-match `path` (RFC 6265 5.1.4): `/`, then each prefix
/// ending before or at a `/`, then the path itself; at most [`MAX_PATHS`].
fn path_prefixes(path: &str) -> Vec<String> {
    let path = if path.starts_with('/') { path } else { "/" };
    let mut out = vec!["/".to_owned()];
    let mut push = |prefix: &str| {
        if !out.iter().any(|p| p == prefix) && out.len() < MAX_PATHS {
            out.push(prefix.to_owned());
        }
    };
    for (i, _) in path.match_indices('/').skip(1) {
        push(&path[..i]);
        push(&path[..=i]);
    }
    push(path);
    out
}

/// Where cookies sent to this request can live, and how a deletion must be written to
/// reach them.
struct Places<'a> {
    zone: &'a str,
    label_host: &'a str,
    /// `Secure` is needed to delete a secure cookie, and is refused from an insecure
    /// origin other than localhost.
    secure: bool,
    /// Over https the zone may be framed, where a cookie is partitioned (CHIPS) and a
    /// deletion must be `SameSite=None; Secure` to count.
    framed: bool,
}

impl<'a> Places<'a> {
    fn new(zone: &'a ContentOrigin, sent: &Sent<'a>) -> Self {
        let localhost = zone.zone() == "localhost" || zone.zone().ends_with(".localhost");
        Places {
            zone: zone.zone(),
            label_host: sent.host,
            secure: zone.is_secure() || localhost,
            framed: zone.is_secure(),
        }
    }

    /// Host-only on the label, `Domain=<label>`, `Domain=<zone>`; each also partitioned
    /// when the zone may be framed.
    fn domains(&self) -> Vec<(Option<&'a str>, bool)> {
        let mut domains = vec![(None, false), (Some(self.zone), false)];
        if self.label_host != self.zone {
            domains.insert(1, (Some(self.label_host), false));
        }
        if self.framed {
            let partitioned: Vec<_> = domains.iter().map(|(d, _)| (*d, true)).collect();
            domains.extend(partitioned);
        }
        domains
    }

    fn deletion(&self, name: &[u8], path: &str, domain: Option<&str>, partitioned: bool) -> Vec<u8> {
        // A nameless cookie is written as a value alone.
        let mut text = if name.is_empty() { b"x".to_vec() } else { [name, b"="].concat() };
        let mut attributes = format!("; Max-Age=0; Path={path}");
        if let Some(domain) = domain {
            attributes.push_str("; Domain=");
            attributes.push_str(domain);
        }
        if self.secure {
            attributes.push_str("; Secure");
        }
        if self.framed {
            attributes.push_str("; SameSite=None");
        }
        if partitioned {
            attributes.push_str("; Partitioned");
        }
        text.extend_from_slice(attributes.as_bytes());
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(origin: &str) -> ContentOrigin {
        ContentOrigin::new(&url::Url::parse(origin).expect("url"))
    }

    fn sweep(zone: &ContentOrigin, path: &str, header: &str) -> Vec<String> {
        let sent = Sent { host: "abcd2345h-shop-test.proxy.localhost", path };
        let known = |id: &SessionId| (id.as_str() == "abcd2345").then(|| "good".to_owned());
        let out = deletions(zone, &sent, [header.as_bytes()].into_iter(), known);
        out.iter().map(|d| String::from_utf8_lossy(d.value.as_bytes()).into_owned()).collect()
    }

    #[test]
    fn only_cookies_tandem_did_not_set_are_deleted_everywhere_they_can_live() {
        let zone = zone("http://proxy.localhost:8080");
        let out = sweep(&zone, "/", "tandem_abcd2345=good; junk=1; tandem_zzzz2345=other-session; junk=2");
        assert_eq!(
            out,
            [
                "junk=; Max-Age=0; Path=/; Secure",
                "junk=; Max-Age=0; Path=/; Domain=abcd2345h-shop-test.proxy.localhost; Secure",
                "junk=; Max-Age=0; Path=/; Domain=proxy.localhost; Secure",
            ]
        );
        assert!(sweep(&zone, "/a/b", "tandem_abcd2345=good").is_empty());
    }

    #[test]
    fn a_made_up_binding_is_deleted_but_never_where_the_real_one_lives() {
        let zone = zone("http://proxy.localhost:8080");
        let beside = sweep(&zone, "/", "tandem_abcd2345=fake; tandem_abcd2345=good");
        assert_eq!(beside.len(), 2, "{beside:?}");
        assert!(beside.iter().all(|d| !d.contains("Domain=proxy.localhost")), "{beside:?}");
        // Alone too: a request that did not carry the real one cannot have it deleted.
        assert_eq!(sweep(&zone, "/", "tandem_abcd2345=fake"), beside);
        // Not a session id: not a binding.
        assert_eq!(sweep(&zone, "/", "tandem_x=1").len(), 3);
        // A nameless cookie, and a name that is not ASCII, deleted by its own bytes.
        assert_eq!(sweep(&zone, "/", "lonely")[0], "x; Max-Age=0; Path=/; Secure");
        assert_eq!(sweep(&zone, "/", "\u{e9}t\u{e9}=1")[0], "\u{e9}t\u{e9}=; Max-Age=0; Path=/; Secure");
    }

    #[test]
    fn every_path_a_sent_cookie_can_have_is_covered_and_bounded() {
        assert_eq!(path_prefixes("/"), ["/"]);
        assert_eq!(path_prefixes("/a/b"), ["/", "/a", "/a/", "/a/b"]);
        assert_eq!(path_prefixes("/a/"), ["/", "/a", "/a/"]);
        assert_eq!(path_prefixes("/1/2/3/4/5/6/7/8").len(), MAX_PATHS);
        let zone = zone("https://proxy.example.com");
        let many: Vec<String> = (0..500).map(|i| format!("c{i}=v")).collect();
        let out = sweep(&zone, "/", &many.join("; "));
        assert_eq!(out.len(), MAX_DELETIONS);
        assert!(out[0].ends_with("; Secure; SameSite=None"), "{}", out[0]);
        assert!(out[3].ends_with("; Secure; SameSite=None; Partitioned"), "{}", out[3]);
        // A megabyte of one cookie, or of distinct ones, is looked at once per name.
        assert_eq!(sweep(&zone, "/", &"a=1; ".repeat(200_000)).len(), 6);
        let distinct: Vec<String> = (0..100_000).map(|i| format!("c{i}=")).collect();
        assert_eq!(sweep(&zone, "/", &distinct.join(";")).len(), MAX_DELETIONS);
        let huge: Vec<String> = (0..100).map(|i| format!("{}{i}=v", "n".repeat(4000))).collect();
        let out = sweep(&zone, "/", &huge.join("; "));
        assert!(out.iter().map(|d| d.len()).sum::<usize>() <= MAX_DELETION_BYTES);
        assert!(!out.is_empty());
    }
}

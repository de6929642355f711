//! The jar's rules for taking, keeping and sending cookies, as a browser has them.

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

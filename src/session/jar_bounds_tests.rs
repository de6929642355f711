//! The jar's bounds, through the jar: per site, in all, per cookie, and on loading.

use super::*;
use crate::session::jar::{CookieJar, RequestSite, public_suffix_list};

fn url(s: &str) -> Url {
    Url::parse(s).expect("url")
}

/// The names of the cookies a request for `at` carries.
fn sent(jar: &CookieJar, at: &str) -> Vec<String> {
    let header = jar.cookie_header(&url(at), RequestSite::FIRST_PARTY).unwrap_or_default();
    header.split("; ").filter_map(|pair| pair.split_once('=').map(|(name, _)| name.to_owned())).collect()
}

/// How many cookies the jar holds in all.
fn count(jar: &CookieJar) -> usize {
    serde_json::from_str::<Vec<serde_json::Value>>(&jar.to_json()).expect("saved jar").len()
}

#[test]
fn a_site_keeps_at_most_180_cookies_and_the_least_recently_used_go_first() {
    let jar = CookieJar::new(public_suffix_list());
    jar.absorb(&url("https://other.example/"), "other=1");
    jar.absorb(&url("https://www.shop.example/"), "login=1");
    for i in 0..150 {
        jar.absorb(&url("https://api.shop.example/"), &format!("c{i}=1"));
    }
    // The visitor keeps using www.: its cookie stays while api.'s old ones go.
    assert_eq!(sent(&jar, "https://www.shop.example/"), ["login"]);
    for i in 150..200 {
        jar.absorb(&url("https://api.shop.example/"), &format!("c{i}=1"));
    }
    // The 181st cookie of the site (c179) cut it to 150: api.'s 31 oldest went.
    let api = sent(&jar, "https://api.shop.example/");
    assert_eq!(api.len(), SITE_PURGED_TO - 1 + 20, "{api:?}");
    assert!(api.contains(&"c31".to_owned()) && !api.contains(&"c30".to_owned()), "{api:?}");
    assert_eq!(sent(&jar, "https://www.shop.example/"), ["login"]);
    assert_eq!(sent(&jar, "https://other.example/"), ["other"], "another site is not touched");
}

#[test]
fn a_script_writing_in_a_loop_stays_within_the_site_bound() {
    let jar = CookieJar::new(public_suffix_list());
    let page = url("https://shop.example/");
    for i in 0..1000 {
        assert_eq!(jar.set_from_script(&page, &format!("loop{i}=1")), Ok(()));
    }
    assert!(jar.script_cookies(&page).split("; ").count() <= MAX_COOKIES_PER_SITE);
    assert!(jar.script_cookies(&page).contains("loop999=1"));
}

#[test]
fn expired_cookies_neither_count_nor_stay() {
    let jar = CookieJar::new(public_suffix_list());
    let page = url("https://shop.example/");
    jar.absorb(&page, "keep=1");
    for i in 0..500 {
        jar.absorb(&page, &format!("gone{i}=1"));
        jar.absorb(&page, &format!("gone{i}=; Max-Age=0"));
    }
    assert_eq!(count(&jar), 1);
    assert_eq!(sent(&jar, "https://shop.example/"), ["keep"]);
}

#[test]
fn the_whole_jar_keeps_at_most_3300_cookies_and_a_megabyte() {
    let jar = CookieJar::new(public_suffix_list());
    for site in 0..20 {
        for i in 0..170 {
            jar.absorb(&url(&format!("https://s{site}.example/")), &format!("c{i}=1"));
        }
    }
    assert_eq!(count(&jar), PURGED_TO + 170 * 20 - (MAX_COOKIES + 1), "cut to 3000 once, at the 3301st");
    assert!(sent(&jar, "https://s0.example/").is_empty(), "the oldest site went first");
    assert_eq!(sent(&jar, "https://s19.example/").len(), 170);

    let jar = CookieJar::new(public_suffix_list());
    let value = "v".repeat(4000);
    for site in 0..4 {
        for i in 0..100 {
            jar.absorb(&url(&format!("https://s{site}.example/")), &format!("c{i}={value}"));
        }
    }
    let bytes = jar.to_json().len();
    assert!(bytes < MAX_JAR_BYTES + 400 * 100, "{bytes} bytes saved");
    assert_eq!(sent(&jar, "https://s3.example/").len(), 100);
    assert!(sent(&jar, "https://s0.example/").len() < 100);
}

#[test]
fn a_cookie_over_4096_bytes_is_refused_and_overlong_attributes_are_ignored() {
    let jar = CookieJar::new(public_suffix_list());
    let page = url("https://shop.example/dir/page");
    jar.absorb(&page, &format!("big={}", "x".repeat(MAX_NAME_VALUE - 3)));
    jar.absorb(&page, &format!("huge={}", "x".repeat(MAX_NAME_VALUE - 3)));
    assert_eq!(sent(&jar, "https://shop.example/dir/"), ["big"]);
    let script = jar.set_from_script(&page, &format!("s={}", "x".repeat(MAX_NAME_VALUE)));
    assert_eq!(script, Err(crate::session::jar::ScriptCookieRefused::TooLarge));
    // A Path too long to heed: the cookie keeps the default path, /dir.
    jar.absorb(&page, &format!("deep=1; Path=/{}", "p".repeat(MAX_ATTRIBUTE_VALUE)));
    assert!(sent(&jar, "https://shop.example/dir/").contains(&"deep".to_owned()));
    assert!(!sent(&jar, "https://shop.example/").contains(&"deep".to_owned()));
    // Unknown attributes pad a header, not the jar.
    let before = jar.to_json().len();
    jar.absorb(&page, &format!("small=1; Path=/; {}", "junk=1; ".repeat(50_000)));
    assert!(jar.to_json().len() < before + 200, "{} bytes", jar.to_json().len());
}

#[test]
fn a_saved_jar_over_the_bounds_loads_within_them_newest_kept() {
    let page = url("https://shop.example/");
    let saved: Vec<Cookie<'static>> = (0..400)
        .map(|i| Cookie::parse(format!("c{i}=1; Path=/"), &page).expect("cookie").into_owned())
        .chain(std::iter::once(
            Cookie::parse(format!("big={}", "x".repeat(MAX_NAME_VALUE)), &page).expect("cookie").into_owned(),
        ))
        .collect();
    let json = serde_json::to_string(&saved).expect("json");
    let jar = CookieJar::from_json(&json, public_suffix_list());
    // The order of use survives saving: the oldest still go first after a reload.
    let again = CookieJar::from_json(&jar.to_json(), public_suffix_list());
    let loaded = sent(&jar, "https://shop.example/");
    assert_eq!(loaded.len(), SITE_PURGED_TO, "{loaded:?}");
    assert!(loaded.contains(&"c399".to_owned()) && !loaded.contains(&"c249".to_owned()));
    assert!(!loaded.contains(&"big".to_owned()));
    for i in 0..31 {
        again.absorb(&page, &format!("more{i}=1"));
    }
    let after = sent(&again, "https://shop.example/");
    assert!(after.contains(&"more30".to_owned()) && after.contains(&"c281".to_owned()), "{after:?}");
    assert!(!after.contains(&"c280".to_owned()), "{after:?}");
}

#[test]
fn sites_are_registrable_domains_and_ip_addresses_stand_alone() {
    let list = public_suffix_list();
    assert_eq!(registrable_domain(&list, "www.shop.co.uk"), "shop.co.uk");
    assert_eq!(registrable_domain(&list, "a.github.io"), "a.github.io");
    assert_eq!(registrable_domain(&list, "10.0.0.1"), "10.0.0.1");
    assert_eq!(registrable_domain(&list, "[::1]"), "[::1]");
    assert_eq!(registrable_domain(&list, "proxy.localhost"), "proxy.localhost");
    assert_eq!(registrable_domain(&list, "localhost"), "localhost");
    assert!(in_site("www.shop.example", "shop.example") && !in_site("myshop.example", "shop.example"));
}

#[test]
fn a_kept_cookie_keeps_every_attribute_it_came_with() {
    let text = "id=1; Path=/p; Domain=shop.example; Max-Age=60; SameSite=None; HttpOnly; Partitioned";
    let raw = RawCookie::parse(text).expect("cookie");
    let kept = bounded(&raw).expect("kept");
    assert_eq!(kept.to_string(), raw.to_string());
    assert_eq!(kept.secure(), None, "not made Secure");
    let expires = RawCookie::parse("id=1; Expires=Wed, 21 Oct 2037 07:28:00 GMT").expect("cookie");
    assert_eq!(bounded(&expires).expect("kept").expires(), expires.expires());
}

//! Upstream cookies live in each session's server-side jar: absorbed from every
//! `Set-Cookie`, sent back by `Domain=` and host rules, never shown to the browser,
//! never shared between sessions.

use http::{Method, StatusCode, header};

use crate::support::fixtures::PASSWORD;
use crate::support::{Visitor, World, cookie_names};

/// Signs `user` in through the shop's login form, as the browser would post it.
async fn log_in(visitor: &Visitor, user: &str) {
    let request = visitor
        .request(Method::POST, &visitor.url("https://shop.test/login"))
        .header(header::ORIGIN, visitor.session.origin("https://shop.test/"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    let password: String = url::form_urlencoded::byte_serialize(PASSWORD.as_bytes()).collect();
    let reply = visitor.send(request, format!("user={user}&password={password}")).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "login of {user}: {}", reply.text());
    assert_eq!(reply.location(), visitor.url("https://shop.test/account"));
    assert!(reply.header(header::SET_COOKIE).is_none(), "the session cookie reached the browser");
}

#[tokio::test]
async fn several_cookies_in_one_response_are_all_kept_in_the_jar() {
    let world = World::start().await;
    let visitor = world.tandem.visitor("https://shop.test/set-cookies").await;
    let reply = visitor.get(&visitor.landing).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.header(header::SET_COOKIE), None, "upstream cookies reached the browser");

    visitor.get_upstream("https://shop.test/echo").await;
    assert_eq!(cookie_names(world.upstream.last("shop.test", "/echo").header("cookie").as_deref()), ["a", "b", "c"]);
    // Only the Domain=shop.test cookie goes to a subdomain; none to another site.
    visitor.get_upstream("https://account.shop.test/echo").await;
    assert_eq!(cookie_names(world.upstream.last("account.shop.test", "/echo").header("cookie").as_deref()), ["c"]);
    visitor.get_upstream("https://cdn.test/echo").await;
    assert_eq!(world.upstream.last("cdn.test", "/echo").header("cookie"), None);
}

#[tokio::test]
async fn a_login_works_across_subdomains_sharing_a_domain_cookie() {
    let world = World::start().await;
    let visitor = world.tandem.visitor("https://shop.test/login").await;
    log_in(&visitor, "alice").await;

    let account = visitor.get_upstream("https://shop.test/account").await;
    assert_eq!(account.status, StatusCode::OK, "{}", account.text());
    assert!(account.text().contains("Signed in as alice"), "{}", account.text());
    let profile_link = format!(r#"href="{}/profile""#, visitor.session.origin("https://account.shop.test/"));
    assert!(account.text().contains(&profile_link), "{}", account.text());

    let profile = visitor.get_upstream("https://account.shop.test/profile").await;
    assert_eq!(profile.status, StatusCode::OK, "{}", profile.text());
    assert!(profile.text().contains("Profile of alice"), "{}", profile.text());
    // The host-only cookie stayed on shop.test.
    assert_eq!(cookie_names(world.upstream.last("account.shop.test", "/profile").header("cookie").as_deref()), ["sid"]);
}

#[tokio::test]
async fn two_sessions_never_share_cookies() {
    let world = World::start().await;
    let alice = world.tandem.visitor("https://shop.test/login").await;
    let bob = world.tandem.visitor("https://shop.test/login").await;
    log_in(&alice, "alice").await;

    let bobs_account = bob.get_upstream("https://shop.test/account").await;
    assert_eq!(bobs_account.status, StatusCode::FOUND, "bob sees an account page: {}", bobs_account.text());
    assert_eq!(bobs_account.location(), "/login");
    bob.get_upstream("https://shop.test/echo").await;
    assert_eq!(world.upstream.last("shop.test", "/echo").header("cookie"), None, "bob's requests carry a cookie");

    log_in(&bob, "bob").await;
    let alices = alice.get_upstream("https://shop.test/account").await;
    assert!(alices.text().contains("Signed in as alice"), "{}", alices.text());
    let bobs = bob.get_upstream("https://shop.test/account").await;
    assert!(bobs.text().contains("Signed in as bob"), "{}", bobs.text());
}

//! Visitor binding: the proxy URL is a one-time entry link that gives the browser an
//! HttpOnly cookie of Tandem's own; without it a session's labels answer 403.

use axum::body::Body;
use http::{Method, StatusCode, header};

use crate::support::{Reply, World, cookie_names, get};

fn assert_refusal_page(reply: &Reply, status: StatusCode, says: &str) {
    assert_eq!(reply.status, status, "{}", reply.text());
    assert!(
        reply.header(header::CONTENT_TYPE).is_some_and(|t| t.starts_with("text/html")),
        "the refusal is not a page: {:?}",
        reply.headers
    );
    assert!(reply.text().contains(says), "the page does not say {says:?}: {}", reply.text());
}

#[tokio::test]
async fn the_entry_link_sets_an_httponly_cookie_and_redirects_to_the_clean_initial_path() {
    let world = World::start().await;
    let session = world.tandem.create_session("https://shop.test/echo?x=1").await;
    let reply = world.tandem.send(get(&session.proxy_url)).await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.text());
    assert_eq!(reply.location(), "/echo?x=1");
    assert_eq!(reply.header(header::CACHE_CONTROL), Some("no-store"));
    let set_cookie = reply.headers_named(header::SET_COOKIE);
    assert_eq!(set_cookie.len(), 1, "{set_cookie:?}");
    let (pair, attributes) = set_cookie[0].split_once(';').expect("cookie attributes");
    let (name, token) = pair.split_once('=').expect("name=value");
    assert_eq!(name, session.cookie_name());
    assert!(token.len() >= 20, "the binding token must be unguessable: {token}");
    for attribute in ["HttpOnly", "Path=/", "Domain=proxy.localhost"] {
        assert!(attributes.contains(attribute), "{attribute} missing from {}", set_cookie[0]);
    }

    let landing = session.url("https://shop.test/echo?x=1");
    let page = world
        .tandem
        .send(http::Request::get(&landing).header(header::COOKIE, pair).body(Body::empty()).expect("request"))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    assert_eq!(page.json()["target"], "/echo?x=1");
    assert!(
        world.upstream.requests().iter().all(|s| !s.target.contains("__tandem")),
        "Tandem's entry path reached the upstream"
    );
}

#[tokio::test]
async fn requests_without_the_binding_cookie_get_a_403_page() {
    let world = World::start().await;
    let visitor = world.tandem.visitor("https://shop.test/echo").await;
    let session = &visitor.session;

    // No cookie at all, on the landing label and on another label of the session.
    for url in [visitor.landing.clone(), session.url("https://accounts.test/echo")] {
        let reply = world.tandem.send(get(&url)).await;
        assert_refusal_page(&reply, StatusCode::FORBIDDEN, "has not joined");
    }
    // A forged token, and other cookies only.
    for cookie in [format!("{}=forged-token", session.cookie_name()), "sid=abc; theme=dark".to_owned()] {
        let request =
            http::Request::get(&visitor.landing).header(header::COOKIE, cookie).body(Body::empty()).expect("request");
        let reply = world.tandem.send(request).await;
        assert_refusal_page(&reply, StatusCode::FORBIDDEN, "has not joined");
    }
    assert!(world.upstream.requests().is_empty(), "a refused request reached the upstream");

    // The bound browser still gets through.
    assert_eq!(visitor.get(&visitor.landing).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_entry_link_used_a_second_time_without_the_cookie_is_refused() {
    let world = World::start().await;
    let session = world.tandem.create_session("https://shop.test/echo").await;
    let visitor = world.tandem.enter(&session).await;

    // Someone else opens the leaked link.
    let reply = world.tandem.send(get(&session.proxy_url)).await;
    assert_refusal_page(&reply, StatusCode::FORBIDDEN, "already been used");
    assert!(reply.header(header::SET_COOKIE).is_none(), "a second binding was handed out");

    // The bound browser opening it again is simply sent on, with no new cookie.
    let again = visitor.send(visitor.request(Method::GET, &session.proxy_url), Body::empty()).await;
    assert_eq!(again.status, StatusCode::FOUND, "{}", again.text());
    assert_eq!(again.location(), "/echo");
    assert!(again.header(header::SET_COOKIE).is_none());
}

#[tokio::test]
async fn one_sessions_binding_does_not_open_another_session() {
    let world = World::start().await;
    let alice = world.tandem.visitor("https://shop.test/echo").await;
    let bob = world.tandem.visitor("https://shop.test/echo").await;
    let reply = alice.get(&bob.landing).await;
    assert_refusal_page(&reply, StatusCode::FORBIDDEN, "has not joined");
    assert_eq!(bob.get(&bob.landing).await.status, StatusCode::OK);
}

#[tokio::test]
async fn an_unknown_session_gets_an_expired_link_page() {
    let world = World::start().await;
    let visitor = world.tandem.visitor("https://shop.test/echo").await;
    let unknown = visitor.landing.replacen(&visitor.session.id, "zzzzzzzz", 1);
    let reply = visitor.get(&unknown).await;
    assert_refusal_page(&reply, StatusCode::NOT_FOUND, "expired");
}

#[tokio::test]
async fn tandem_cookies_never_reach_the_upstream() {
    let world = World::start().await;
    let visitor = world.tandem.visitor("https://shop.test/").await;
    // The home page sets two cookies in the jar.
    assert_eq!(visitor.get(&visitor.landing).await.status, StatusCode::OK);

    // The browser sends its binding, another session's binding and a cookie that only
    // page script could have made up.
    let browser_cookies = format!("{}; tandem_abcdefgh=other; made_up=1", visitor.cookie);
    let request = http::Request::get(visitor.url("https://shop.test/echo"))
        .header(header::COOKIE, browser_cookies)
        .body(Body::empty())
        .expect("request");
    let reply = world.tandem.send(request).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());

    let seen = world.upstream.last("shop.test", "/echo");
    let cookies = seen.header("cookie");
    assert_eq!(cookie_names(cookies.as_deref()), ["pref", "visit"], "upstream got Cookie: {cookies:?}");
    for seen in world.upstream.requests() {
        let all = format!("{:?}", seen.headers);
        assert!(!all.contains("tandem_"), "Tandem's cookie reached the upstream: {all}");
    }
}

/// Served over https (behind a TLS terminator), the proxy URL may be framed by the
/// integrator's own site, where Tandem's cookie is a third-party cookie: it must be
/// `SameSite=None; Secure; Partitioned`, and the site's framing headers must go.
#[tokio::test]
async fn behind_https_the_binding_cookie_works_inside_an_integrators_iframe() {
    let world = World::start_with(|config| {
        let origin = format!("https://proxy.localhost:{}", config.listen.port());
        config.content_origin = url::Url::parse(&origin).expect("content origin");
    })
    .await;
    let session = world.tandem.create_session("https://shop.test/").await;
    assert!(session.proxy_url.starts_with("https://"), "{}", session.proxy_url);

    let entry = world.tandem.send(get(&session.proxy_url)).await;
    assert_eq!(entry.status, StatusCode::FOUND, "{}", entry.text());
    let set_cookie = entry.header(header::SET_COOKIE).expect("binding cookie");
    let attributes: Vec<&str> = set_cookie.split(';').skip(1).map(str::trim).collect();
    for attribute in ["HttpOnly", "Secure", "SameSite=None", "Partitioned", "Domain=proxy.localhost"] {
        assert!(attributes.contains(&attribute), "{attribute} missing from {set_cookie}");
    }

    let visitor = world.tandem.enter(&world.tandem.create_session("https://shop.test/").await).await;
    let page = visitor.get(&visitor.landing).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    assert_eq!(page.header(header::X_FRAME_OPTIONS), None);
    assert_eq!(page.header(header::CONTENT_SECURITY_POLICY), None);
    let accounts = visitor.session.origin("https://accounts.test/").replacen("http://", "https://", 1);
    assert!(page.text().contains(&format!(r#"href="{accounts}/login""#)), "links must stay on https: {}", page.text());
}

/// Regression: paths below `/__tandem/` other than the entry link and the runtime were
/// sent upstream; the prefix is Tandem's.
#[tokio::test]
async fn unknown_tandem_paths_are_answered_by_tandem_not_the_site() {
    let world = World::start().await;
    let visitor = world.tandem.visitor("https://shop.test/").await;
    let reply = visitor.get(&visitor.url("https://shop.test/__tandem/secret")).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(world.upstream.requests().iter().all(|r| !r.target.contains("__tandem")));
}

/// Regression: a label in an upper-case `Host` was not recognised.
#[tokio::test]
async fn a_label_in_an_upper_case_host_is_the_same_label() {
    let world = World::start().await;
    let visitor = world.tandem.visitor("https://shop.test/").await;
    let reply = visitor.get(&visitor.landing.to_ascii_uppercase().replacen("HTTP://", "http://", 1)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
}

/// A browser sends no cookies with a cross-origin request whose credentials mode is not
/// `include` (`fetch`'s default, CORS preflights, module scripts, fonts). Coming from a
/// page on one of the session's labels (`Origin` says so), such a request goes up, but
/// anonymously, as on the real web: no cookie of the jar goes with it, none comes back.
/// Without that `Origin`, or with another session's, it is refused.
#[tokio::test]
async fn a_request_without_credentials_from_a_label_of_the_session_goes_up_without_the_jars_cookies() {
    let world = World::start().await;
    let visitor = world.tandem.visitor("https://shop.test/echo").await;
    let session = &visitor.session;
    // The jar holds cookies for shop.test (and shop.test's domain cookie).
    let reply = visitor.get_upstream("https://shop.test/set-cookies").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());

    let anonymous = |origin: &str, method: Method| {
        http::Request::builder()
            .method(method)
            .uri(session.url("https://shop.test/echo"))
            .header(header::ORIGIN, origin)
            .header("sec-fetch-mode", "cors")
            .body(Body::empty())
            .expect("request")
    };
    let from_label = session.origin("https://accounts.test/");
    for method in [Method::GET, Method::OPTIONS, Method::POST] {
        let reply = world.tandem.send(anonymous(&from_label, method.clone())).await;
        assert_eq!(reply.status, StatusCode::OK, "{method}: {}", reply.text());
        let seen = world.upstream.last("shop.test", "/echo");
        assert_eq!(seen.method, method);
        assert_eq!(seen.header("cookie"), None, "{method}: the jar's cookies went up anonymously");
        assert_eq!(seen.header("origin").as_deref(), Some("https://accounts.test"));
    }
    // No cookie the upstream sets in answer to an anonymous request lands in the jar.
    let before = visitor.get_upstream("https://shop.test/echo").await.json()["headers"]["cookie"].clone();
    let mut request = anonymous(&from_label, Method::GET);
    *request.uri_mut() = session.url("https://shop.test/").parse().expect("uri");
    let reply = world.tandem.send(request).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.headers_named(header::SET_COOKIE).is_empty(), "{:?}", reply.headers);
    let after = visitor.get_upstream("https://shop.test/echo").await.json()["headers"]["cookie"].clone();
    assert_eq!(before, after, "an anonymous response changed the jar");

    // Not from the session's own labels, or a navigation: refused.
    let other = world.tandem.create_session("https://shop.test/").await;
    for origin in [other.origin("https://accounts.test/"), "https://accounts.test".to_owned(), "null".to_owned()] {
        let reply = world.tandem.send(anonymous(&origin, Method::GET)).await;
        assert_refusal_page(&reply, StatusCode::FORBIDDEN, "has not joined");
    }
    let mut navigation = anonymous(&from_label, Method::POST);
    navigation.headers_mut().insert("sec-fetch-mode", http::HeaderValue::from_static("navigate"));
    assert_refusal_page(&world.tandem.send(navigation).await, StatusCode::FORBIDDEN, "has not joined");
}

/// The runtime is served compressed to browsers that take it, with a validator; pages load it
/// by a versioned URL that is cached for good, so a page load after the first costs no
/// request for it at all, while the plain URL (or an old version) is revalidated.
#[tokio::test]
async fn the_runtime_is_served_compressed_and_revalidated() {
    use std::io::Read;
    let world = World::start().await;
    let visitor = world.tandem.visitor("https://shop.test/").await;
    let url = visitor.url("https://shop.test/__tandem/runtime.js");
    let plain = visitor.send(visitor.request(Method::GET, &url), Body::empty()).await;
    assert_eq!(plain.status, StatusCode::OK);
    assert_eq!(plain.header(header::CONTENT_ENCODING), None);
    assert!(plain.text().contains("use strict"), "{}", plain.text());

    let gzipped = visitor
        .send(visitor.request(Method::GET, &url).header(header::ACCEPT_ENCODING, "gzip, deflate"), Body::empty())
        .await;
    assert_eq!(gzipped.header(header::CONTENT_ENCODING), Some("gzip"));
    assert!(gzipped.body.len() * 2 < plain.body.len(), "{} vs {} bytes", gzipped.body.len(), plain.body.len());
    let mut inflated = Vec::new();
    flate2::read::GzDecoder::new(&gzipped.body[..]).read_to_end(&mut inflated).expect("gzip");
    assert_eq!(inflated, plain.body);

    let etag = plain.header(header::ETAG).expect("validator").to_owned();
    let again =
        visitor.send(visitor.request(Method::GET, &url).header(header::IF_NONE_MATCH, &etag), Body::empty()).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    let refused = visitor
        .send(visitor.request(Method::GET, &url).header(header::ACCEPT_ENCODING, "gzip;q=0"), Body::empty())
        .await;
    assert_eq!(refused.header(header::CONTENT_ENCODING), None);
    assert_eq!(plain.header(header::CACHE_CONTROL), Some("no-cache"));

    let tag = tandem::injector::page_script_tag();
    let path = tag.split('"').nth(1).expect("the tag's src");
    let versioned = visitor
        .send(visitor.request(Method::GET, &visitor.url(&format!("https://shop.test{path}"))), Body::empty())
        .await;
    assert_eq!(versioned.status, StatusCode::OK);
    assert_eq!(versioned.body, plain.body);
    assert_eq!(versioned.header(header::CACHE_CONTROL), Some("public, max-age=31536000, immutable"));
    let old = visitor.send(visitor.request(Method::GET, &format!("{url}?v=0123456789abcdef")), Body::empty()).await;
    assert_eq!(old.body, plain.body);
    assert_eq!(
        old.header(header::CACHE_CONTROL),
        Some("no-cache"),
        "an old version's URL would keep old pages' runtime"
    );
}

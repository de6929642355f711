//! `/__tandem/cookie`: what `document.cookie` reads and writes, from the session's jar.
//! Only the label's own pages may use it; malformed requests get a clear 4xx.

use http::{Method, StatusCode};

use crate::support::{Reply, Visitor, World, cookie_names};

const COOKIE: &str = "/__tandem/cookie";

/// The runtime's request: the guard header, and the browser's `Sec-Fetch-Site`.
async fn ask(visitor: &Visitor, method: Method, query: &str, body: impl Into<axum::body::Body>) -> Reply {
    let url = visitor.url(&format!("https://shop.test{COOKIE}{query}"));
    let request = visitor.request(method, &url).header("x-tandem-cookie", "1").header("sec-fetch-site", "same-origin");
    visitor.send(request, body).await
}

async fn sent_to(world: &World, visitor: &Visitor, host: &str) -> Vec<String> {
    visitor.get_upstream(&format!("https://{host}/echo")).await;
    cookie_names(world.upstream.last(host, "/echo").header("cookie").as_deref())
}

/// Reads list the jar's non-HttpOnly cookies; writes land in the jar and go upstream
/// with the next request, with the browser's rules for scripts (no HttpOnly, no
/// replacing an HttpOnly cookie), and a label-form `Domain` means the real one.
#[tokio::test]
async fn reads_and_writes_go_through_the_jar() {
    let world = World::start().await;
    let visitor = world.tandem.visitor("https://shop.test/set-cookies").await;
    assert_eq!(visitor.get(&visitor.landing).await.status, StatusCode::OK);

    let read = ask(&visitor, Method::GET, "?path=/", "").await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text());
    assert_eq!(read.header("cache-control"), Some("no-store"));
    assert_eq!(cookie_names(Some(&read.text())), ["a", "c"], "the HttpOnly cookie is not for scripts: {}", read.text());

    let wrote = ask(&visitor, Method::POST, "?path=/cart/", "js=1").await;
    assert!(wrote.text().starts_with("js=1; "), "default path /cart/ comes first: {}", wrote.text());
    assert!(!ask(&visitor, Method::GET, "?path=/", "").await.text().contains("js="), "path-scoped");
    assert_eq!(ask(&visitor, Method::POST, "?path=/", "top=2; Path=/").await.status, StatusCode::OK);
    assert_eq!(sent_to(&world, &visitor, "shop.test").await, ["a", "b", "c", "top"]);

    for (text, reason) in
        [("h=1; HttpOnly", "httponly"), ("b=stolen", "replaces-httponly"), ("x=1; Domain=cdn.test", "domain")]
    {
        let reply = ask(&visitor, Method::POST, "?path=/", text).await;
        assert_eq!(reply.status, StatusCode::OK, "{text}");
        assert_eq!(reply.header("x-tandem-cookie-refused"), Some(reason), "{text}");
    }
    let echo = world.upstream.last("shop.test", "/echo").header("cookie").unwrap_or_default();
    assert!(echo.contains("b=2"), "{echo}");

    // `Domain=` from `location.hostname`: the label's host, or the zone above it.
    let label_host = visitor.session.label("https://shop.test/") + "." + crate::support::ZONE;
    ask(&visitor, Method::POST, "?path=/", format!("host=1; Path=/; Domain={label_host}")).await;
    ask(&visitor, Method::POST, "?path=/", format!("site=1; Path=/; Domain=.{}", crate::support::ZONE)).await;
    // Both became `Domain=` cookies of the real host, which its subdomains get too.
    assert_eq!(sent_to(&world, &visitor, "account.shop.test").await, ["c", "host", "site"]);
    assert_eq!(sent_to(&world, &visitor, "cdn.test").await, Vec::<String>::new());

    // Deleting works as a page does it.
    ask(&visitor, Method::POST, "?path=/", "top=; Path=/; Max-Age=0").await;
    assert!(!ask(&visitor, Method::GET, "?path=/", "").await.text().contains("top="));
}

/// Another label of the session (all labels are one site to the browser), a request
/// without the runtime's header, and an unbound browser are all refused.
#[tokio::test]
async fn only_the_labels_own_pages_may_ask() {
    let world = World::start().await;
    let visitor = world.tandem.visitor("https://shop.test/set-cookies").await;
    visitor.get(&visitor.landing).await;
    let url = visitor.url(&format!("https://shop.test{COOKIE}?path=/"));
    let other = visitor.session.origin("https://cdn.test/");
    let own = visitor.session.origin("https://shop.test/");
    for (what, headers) in [
        ("another label", vec![("x-tandem-cookie", "1"), ("sec-fetch-site", "same-site"), ("origin", other.as_str())]),
        ("forged origin", vec![("x-tandem-cookie", "1"), ("origin", other.as_str())]),
        ("no guard header", vec![("sec-fetch-site", "same-origin"), ("origin", own.as_str())]),
    ] {
        for method in [Method::GET, Method::POST, Method::OPTIONS] {
            let mut request = visitor.request(method.clone(), &url);
            for (name, value) in &headers {
                request = request.header(*name, *value);
            }
            let reply = visitor.send(request, "planted=1; Path=/").await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{what} {method}: {}", reply.text());
            assert_eq!(reply.header("access-control-allow-origin"), None, "{what}");
        }
    }
    let unbound = world.tandem.send(crate::support::get(&url)).await;
    assert_eq!(unbound.status, StatusCode::FORBIDDEN);
    assert_eq!(sent_to(&world, &visitor, "shop.test").await, ["a", "b", "c"], "nothing was planted");
    // The page's own origin, as a browser sends it on POST, is welcome.
    let request = visitor.request(Method::POST, &url).header("x-tandem-cookie", "1").header("origin", own.as_str());
    assert_eq!(visitor.send(request, "mine=1").await.text().matches('=').count(), 3);
}

/// Malformed requests get a clear 4xx, never a panic or a 5xx.
#[tokio::test]
async fn malformed_requests_get_a_clear_client_error() {
    let world = World::start().await;
    let visitor = world.tandem.visitor("https://shop.test/set-cookies").await;
    for (method, query, body, status) in [
        (Method::GET, "", vec![], StatusCode::BAD_REQUEST),
        (Method::GET, "?path=relative", vec![], StatusCode::BAD_REQUEST),
        (Method::GET, "?path=%FF%FE", vec![], StatusCode::BAD_REQUEST),
        (Method::POST, "?path=/", vec![0xff, 0xfe, b'='], StatusCode::BAD_REQUEST),
        (Method::POST, "?path=/", vec![b'a'; 64 * 1024], StatusCode::PAYLOAD_TOO_LARGE),
        (Method::PUT, "?path=/", b"a=1".to_vec(), StatusCode::METHOD_NOT_ALLOWED),
        (Method::POST, "?path=//evil.test/x", b"a=1".to_vec(), StatusCode::OK),
        (Method::POST, "?path=/", b"=;;;=; Domain=;Path".to_vec(), StatusCode::OK),
        (Method::POST, "?path=/", vec![], StatusCode::OK),
    ] {
        let reply = ask(&visitor, method.clone(), query, body).await;
        assert_eq!(reply.status, status, "{method} {query}: {}", reply.text());
    }
    assert!(world.upstream.requests_to("evil.test", "/x").is_empty());
}

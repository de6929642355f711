//! Responses coming down: URLs in HTML, CSS and `Location` lead to the session's labels,
//! headers that would break the page under a label are dropped, and compressed or
//! non-UTF-8 pages come out rewritten with every other byte intact.

use http::{Method, StatusCode, header};

use http_body_util::BodyExt;
use tandem::injector::page_script_tag;
use tandem::rewrite::decode::{Decoder, parse_content_encoding};
use tandem::rewrite::filter::BodyFilter;

use crate::support::fixtures::{CP1251_PAGE, REAL_PAGES, STALLED_HEAD, compressed_page};
use crate::support::{Reply, World, bounded, cookie_names};

fn assert_no_length_after_rewrite(reply: &Reply) {
    assert_eq!(reply.header(header::CONTENT_LENGTH), None, "a rewritten body kept the upstream's Content-Length");
}

#[tokio::test]
async fn html_urls_lead_to_labels_and_the_runtime_comes_first_in_head() {
    let world = World::start().await;
    for scheme in ["https", "http"] {
        let visitor = world.tandem.visitor(&format!("{scheme}://shop.test/")).await;
        let session = &visitor.session;
        let shop = session.origin(&format!("{scheme}://shop.test/"));
        let cdn = session.origin(&format!("{scheme}://cdn.test/"));
        let accounts = session.origin(&format!("{scheme}://accounts.test/"));

        let reply = visitor.get(&visitor.landing).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        let page = reply.text();
        let tag = page_script_tag();
        assert!(page.contains(&format!("<head>{tag}<title>Shop</title>")), "runtime not first in head: {page}");
        assert_eq!(page.matches("/__tandem/runtime.js").count(), 1, "{page}");
        for expected in [
            format!(r#"<link rel="stylesheet" href="{cdn}/app.css">"#),
            r#"<script src="/static/app.js"></script>"#.to_owned(),
            format!(r#"<a id="same" href="{shop}/products?page=2#top">"#),
            format!(r#"<a id="cross" href="{accounts}/login">"#),
            r#"<a id="relative" href="/cart">"#.to_owned(),
            format!(r#"src="{cdn}/logo.png" srcset="{cdn}/logo.png 1x, {cdn}/logo@2x.png 2x""#),
            format!(r#"<form id="search" action="{shop}/search" method="post">"#),
            format!(r#"style="background: url(&quot;{cdn}/bg.png&quot;)""#),
        ] {
            assert!(page.contains(&expected), "{scheme}: missing {expected}\nin {page}");
        }
        for real in ["shop.test", "cdn.test", "accounts.test"] {
            assert!(
                !page.contains(&format!("{scheme}://{real}")),
                "{scheme}: a link to {real} escaped rewriting: {page}"
            );
        }
        assert_eq!(page.matches(&session.id).count(), 8, "{page}");

        // Headers that would bind the zone or stop framing are gone, and so are the
        // upstream's cookies and the length of a body that changed.
        for dropped in [
            header::CONTENT_SECURITY_POLICY,
            header::X_FRAME_OPTIONS,
            header::STRICT_TRANSPORT_SECURITY,
            header::SET_COOKIE,
        ] {
            assert_eq!(reply.header(&dropped), None, "{scheme}: {dropped} reached the browser");
        }
        assert_no_length_after_rewrite(&reply);
        assert_eq!(reply.header(header::ETAG), Some("W/\"home-v1\""), "a rewritten body's validator must be weak");
        assert!(reply.header(header::CONTENT_TYPE).is_some_and(|t| t.starts_with("text/html")));
    }
}

#[tokio::test]
async fn css_urls_lead_to_labels() {
    let world = World::start().await;
    let visitor = world.tandem.visitor("https://shop.test/").await;
    let session = &visitor.session;
    let shop = session.origin("https://shop.test/");
    let cdn = session.origin("https://cdn.test/");
    let reply = visitor.get_upstream("https://cdn.test/app.css").await;
    // Unquoted URLs come back quoted: a mapped URL may hold characters an unquoted one cannot.
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let expected = format!(
        r#"@import url("{shop}/theme.css");
body {{ background: url("{cdn}/img/bg.png") no-repeat; }}
.icon {{ background-image: url('/img/icon.svg'); }}
@font-face {{ font-family: Shop; src: url("{cdn}/font.woff2") format("woff2"); }}
"#
    );
    assert_eq!(reply.text(), expected);
    assert_no_length_after_rewrite(&reply);
}

#[tokio::test]
async fn a_redirect_chain_across_hosts_lands_on_the_right_labels() {
    let world = World::start().await;
    let visitor = world.tandem.visitor("https://shop.test/sso").await;
    let session = &visitor.session;

    // shop.test → accounts.test
    let hop = visitor.get(&visitor.landing).await;
    assert_eq!(hop.status, StatusCode::FOUND, "{}", hop.text());
    let to_accounts = hop.location().to_owned();
    assert_eq!(
        to_accounts,
        session.url("https://accounts.test/authorize?return_to=https%3A%2F%2Fshop.test%2Fcallback")
    );

    // accounts.test → shop.test, with a cookie for accounts.test on the way
    let hop = visitor.get(&to_accounts).await;
    assert_eq!(hop.status, StatusCode::FOUND, "{}", hop.text());
    assert!(hop.header(header::SET_COOKIE).is_none(), "accounts.test's cookie reached the browser");
    let back = hop.location().to_owned();
    assert_eq!(back, session.url("https://shop.test/callback?code=xyz"));

    // shop.test, signed in
    let done = visitor.get(&back).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text());
    assert!(done.text().contains("Signed in with code xyz"), "{}", done.text());

    // Each host got only its own cookies on the way.
    assert_eq!(world.upstream.last("shop.test", "/callback").header("cookie"), None);
    visitor.get_upstream("https://accounts.test/echo").await;
    visitor.get_upstream("https://shop.test/echo").await;
    assert_eq!(
        cookie_names(world.upstream.last("accounts.test", "/echo").header("cookie").as_deref()),
        ["acct", "acct_lax"]
    );
    assert_eq!(cookie_names(world.upstream.last("shop.test", "/echo").header("cookie").as_deref()), ["shop_session"]);
}

#[tokio::test]
async fn gzip_and_brotli_pages_are_decoded_and_rewritten() {
    let world = World::start().await;
    let visitor = world.tandem.visitor("https://shop.test/").await;
    let session = &visitor.session;
    for coding in ["gzip", "br"] {
        let request = visitor
            .request(Method::GET, &visitor.url(&format!("https://shop.test/compressed/{coding}")))
            .header(header::ACCEPT_ENCODING, "gzip, deflate, br, zstd, sdch");
        let reply = visitor.send(request, axum::body::Body::empty()).await;
        assert_eq!(reply.status, StatusCode::OK, "{coding}: {}", reply.text());
        assert_eq!(
            reply.header(header::CONTENT_ENCODING),
            Some("zstd"),
            "{coding}: encoded again, in the coding Tandem prefers of those accepted"
        );
        assert_no_length_after_rewrite(&reply);
        let expected = compressed_page("https", coding)
            .replace("<head>", &format!("<head>{}", page_script_tag()))
            .replace("https://cdn.test", &session.origin("https://cdn.test/"))
            .replace("https://shop.test", &session.origin("https://shop.test/"));
        let text = String::from_utf8_lossy(&reply.decoded()).into_owned();
        assert!(text == expected, "{coding}: got\n{text}\nexpected\n{expected}");

        let seen = world.upstream.last("shop.test", &format!("/compressed/{coding}"));
        assert_eq!(
            seen.header("accept-encoding").as_deref(),
            Some("gzip, deflate, br, zstd"),
            "only codings Tandem can decode may be offered upstream"
        );
    }
}

/// An upstream that sends its head gzipped and flushed, and then stalls: the head, with
/// the runtime's tag, reaches the browser in the coding it asked for while the rest does
/// not exist yet (each chunk is decoded and encoded at once, not held for a better ratio).
#[tokio::test]
async fn a_compressed_head_reaches_the_browser_while_the_upstream_stalls() {
    let world = World::start().await;
    let visitor = world.tandem.visitor("https://shop.test/").await;
    let expected = STALLED_HEAD.replace("<head>", &format!("<head>{}", page_script_tag()));
    for coding in ["br", "zstd", "gzip"] {
        let request = visitor
            .request(Method::GET, &visitor.url("https://shop.test/stalled-head"))
            .header(header::ACCEPT_ENCODING, coding);
        let mut response = visitor.open(request).await;
        assert_eq!(response.headers().get(header::CONTENT_ENCODING).map(|v| v.as_bytes()), Some(coding.as_bytes()));
        let codings = parse_content_encoding(coding).expect("known coding");
        let mut decoder = Decoder::new(codings[0], 1000).expect("decoder");
        let mut decoded = Vec::new();
        while decoded.len() < expected.len() {
            let frame = bounded("the head while the upstream stalls", response.body_mut().frame())
                .await
                .expect("the body goes on")
                .expect("a frame");
            if let Ok(data) = frame.into_data() {
                decoder.write(&data, &mut decoded).expect("decodes");
            }
        }
        assert_eq!(String::from_utf8_lossy(&decoded), expected, "{coding}");
    }
}

/// The windows-1251 page after rewriting: byte for byte the page, but for the runtime
/// tag and the absolute links, which lead to labels.
fn expected_cp1251(session: &crate::support::Session) -> Vec<u8> {
    let replacements = [
        ("<head>".to_owned(), format!("<head>{}", page_script_tag())),
        ("http://127.0.0.1:18805/".to_owned(), format!("{}/", session.origin("http://127.0.0.1:18805/"))),
        ("https://example.ru/".to_owned(), format!("{}/", session.origin("https://example.ru/"))),
        // Protocol-relative: the page was fetched over https.
        ("\"//127.0.0.1:18805/".to_owned(), format!("\"{}/", session.origin("https://127.0.0.1:18805/"))),
    ];
    let mut page = CP1251_PAGE.to_vec();
    for (from, to) in replacements {
        page = replace_bytes(&page, from.as_bytes(), to.as_bytes());
    }
    page
}

fn replace_bytes(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut i = 0;
    let mut found = false;
    while i < haystack.len() {
        if haystack[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
            found = true;
        } else {
            out.push(haystack[i]);
            i += 1;
        }
    }
    assert!(found, "{} does not occur in the page", String::from_utf8_lossy(from));
    out
}

#[tokio::test]
async fn a_windows_1251_page_keeps_its_cyrillic_bytes_and_gets_its_links_mapped() {
    let world = World::start().await;
    let visitor = world.tandem.visitor("https://shop.test/").await;
    let expected = expected_cp1251(&visitor.session);
    // Once with the encoding named only by <meta charset>, once by the header too.
    for (path, content_type) in [("/cp1251", "text/html"), ("/cp1251?declared", "text/html; charset=windows-1251")] {
        let reply = visitor.get_upstream(&format!("https://shop.test{path}")).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert_eq!(reply.header(header::CONTENT_TYPE), Some(content_type), "{path}");
        let (text, _, malformed) = encoding_rs::WINDOWS_1251.decode(&reply.body);
        assert!(!malformed, "{path}: not valid windows-1251");
        for phrase in ["Добро пожаловать!", "«ёлка», «Щука», «Юла», «Ъ» и знак №&nbsp;1", "value=\"чай\""]
        {
            assert!(text.contains(phrase), "{path}: {phrase} was damaged:\n{text}");
        }
        if reply.body != expected[..] {
            let (want, _, _) = encoding_rs::WINDOWS_1251.decode(&expected);
            panic!("{path}: the page changed beyond its links;\ngot:\n{text}\nexpected:\n{want}");
        }
    }
}

/// A page's script calling another site's API: the browser checks CORS against the
/// label origin, so the site's `Access-Control-Allow-Origin` (its real origin) must
/// come back as the calling page's label; and, as on the real web, only the API's
/// `SameSite=None` cookie goes with the cross-site call.
#[tokio::test]
async fn a_cross_origin_api_call_gets_cors_headers_for_the_calling_label() {
    let world = World::start().await;
    let visitor = world.tandem.visitor("https://shop.test/sso").await;
    // Sign in through the round trip so the API has a user to report.
    let hop = visitor.get(&visitor.landing).await;
    let hop = visitor.get(hop.location()).await;
    visitor.get(hop.location()).await;

    let page_origin = visitor.session.origin("https://shop.test/");
    let api = visitor.url("https://accounts.test/api/me");
    let preflight = visitor
        .request(Method::OPTIONS, &api)
        .header(header::ORIGIN, &page_origin)
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
        .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "content-type");
    let reply = visitor.send(preflight, axum::body::Body::empty()).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text());
    assert_eq!(reply.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), Some(page_origin.as_str()));
    assert_eq!(reply.header(header::ACCESS_CONTROL_ALLOW_CREDENTIALS), Some("true"));

    // What Chromium sends with fetch(api, {credentials: "include"}) from the shop's
    // page: to the browser all labels are one site.
    let call = visitor
        .request(Method::GET, &api)
        .header(header::ORIGIN, &page_origin)
        .header(header::REFERER, visitor.url("https://shop.test/callback"))
        .header("sec-fetch-site", "same-site")
        .header("sec-fetch-mode", "cors")
        .header("sec-fetch-dest", "empty");
    let reply = visitor.send(call, axum::body::Body::empty()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), Some(page_origin.as_str()));
    let json = reply.json();
    assert_eq!(json["user"], "alice", "{json}");
    assert!(json["lax_cookie"].is_null(), "a SameSite=Lax cookie went with a cross-site call: {json}");
}

/// Pages of real apps, one of them a megabyte, plain and gzipped: what comes out is
/// the page byte for byte but for the runtime tag and the absolute links to its app.
/// A gzipped page goes out in the coding the browser asked for (br, zstd or gzip),
/// never 1.1 times longer than the upstream's gzip, the same bytes once decoded; a plain
/// one stays plain whatever the browser accepts, as its site chose.
#[tokio::test]
async fn real_pages_come_through_whole() {
    let world = World::start().await;
    let visitor = world.tandem.visitor("https://shop.test/").await;
    for (name, page) in REAL_PAGES {
        let mut expected = replace_bytes(page, b"<head>", format!("<head>{}", page_script_tag()).as_bytes());
        if name.starts_with("datasette") {
            // Links in attributes only: the same URLs in text stay as they are.
            for origin in ["http://127.0.0.1:18802", "https://example.com", "https://datasette.io"] {
                let label = visitor.session.origin(&format!("{origin}/"));
                expected = replace_bytes(
                    &expected,
                    format!("href=\"{origin}").as_bytes(),
                    format!("href=\"{label}").as_bytes(),
                );
            }
        }
        for (query, accept, coding) in [
            ("", None, None),
            ("?gzip", None, None),
            ("", Some("br, gzip, zstd"), None),
            ("?gzip", Some("br"), Some("br")),
            ("?gzip", Some("zstd"), Some("zstd")),
            ("?gzip", Some("gzip"), Some("gzip")),
        ] {
            let url = visitor.url(&format!("https://shop.test/pages/{name}{query}"));
            let mut request = visitor.request(Method::GET, &url);
            if let Some(accept) = accept {
                request = request.header(header::ACCEPT_ENCODING, accept);
            }
            let reply = visitor.send(request, axum::body::Body::empty()).await;
            let name = format!("{name}{query} as {accept:?}");
            assert_eq!(reply.status, StatusCode::OK, "{name}");
            assert_eq!(reply.header(header::CONTENT_ENCODING), coding, "{name}");
            let varies = reply.headers_named(header::VARY).iter().any(|v| v.contains("Accept-Encoding"));
            assert_eq!(varies, !query.is_empty(), "{name}: Vary: Accept-Encoding");
            assert_no_length_after_rewrite(&reply);
            if coding.is_some() {
                let upstream_gzip = crate::support::fixtures::gzipped(page).len();
                assert!(
                    reply.body.len() <= upstream_gzip * 11 / 10,
                    "{name}: {} bytes, gzip {upstream_gzip}",
                    reply.body.len()
                );
            }
            let reply = crate::support::Reply { body: reply.decoded().into(), ..reply };
            if reply.body != expected[..] {
                let at = reply
                    .body
                    .iter()
                    .zip(expected.iter())
                    .position(|(a, b)| a != b)
                    .unwrap_or(reply.body.len().min(expected.len()));
                let from = at.saturating_sub(80);
                panic!(
                    "{name}{query}: {} bytes, expected {}; first difference at {at}:\ngot      {:?}\nexpected {:?}",
                    reply.body.len(),
                    expected.len(),
                    String::from_utf8_lossy(&reply.body[from..(at + 80).min(reply.body.len())]),
                    String::from_utf8_lossy(&expected[from..(at + 80).min(expected.len())]),
                );
            }
        }
    }
}

//! The agent's viewer of the live mirror: its code served on the control origin, and the
//! asset endpoint through which the replay loads the visitor's images, fonts and styles
//! with the session's cookies, read-only, for that visitor's session only.

use axum::body::Body;
use http::{Method, Request, StatusCode, header};

use crate::api_flow::quick_live;
use crate::support::api::{Agent, DELETE, close_code};
use crate::support::viewer_sites::PHOTO_SIZE;
use crate::support::{Reply, Session, World, cookie_names, get, get_with_cookie};

const AGENT: &str = r#"{"agent":{"id":"agent-1","name":"Ann"}}"#;

/// `path` below the asset endpoint of `agent`'s viewer, on `upstream`'s label of `session`.
fn asset_url(agent: &Agent, session: &Session, upstream: &str, path: &str) -> String {
    format!("{}/asset/{}{path}", agent.viewer_url, session.label(upstream))
}

fn request(method: Method, url: &str, cookie: &str) -> Request<Body> {
    Request::builder().method(method).uri(url).header(header::COOKIE, cookie).body(Body::empty()).expect("request")
}

fn assert_inert_headers(reply: &Reply) {
    assert_eq!(reply.header(header::X_CONTENT_TYPE_OPTIONS), Some("nosniff"), "{:?}", reply.headers);
    let csp = reply.header(header::CONTENT_SECURITY_POLICY).unwrap_or_default();
    assert!(csp.contains("sandbox") && csp.contains("default-src 'none'"), "{csp}");
    assert!(reply.header(header::SET_COOKIE).is_none(), "no cookie for the agent: {:?}", reply.headers);
}

/// An agent watching a visitor who holds cookies of the shop reads the page's image and
/// stylesheet through the asset endpoint: the upstream gets the session's cookies (and
/// the visitor's page as `Referer`), the agent gets the bytes with no cookie, under a
/// sandboxing CSP, and the cookie the image tried to set is stored nowhere. The stylesheet's
/// relative and root-relative `url()`s point back at the endpoint; a redirect stays on it.
#[tokio::test]
async fn the_agent_reads_the_pages_assets_with_the_sessions_cookies() {
    let world = World::start_with(quick_live).await;
    let tandem = &world.tandem;
    let visitor = tandem.visitor("https://shop.test/mirror/page").await;
    visitor.get_upstream("https://shop.test/set-cookies").await;
    let (_presence, _) = visitor.presence(&visitor.url("https://shop.test/mirror/page")).await;
    let agent = tandem.agent_for(&visitor.session.short_id, AGENT).await;
    let (_socket, _) = agent.join().await;
    let session = &visitor.session;

    let photo = tandem
        .send(get_with_cookie(&asset_url(&agent, session, "https://shop.test", "/mirror/photo.svg"), &agent.credential))
        .await;
    assert_eq!(photo.status, StatusCode::OK, "{}", photo.text());
    assert_eq!(photo.header(header::CONTENT_TYPE), Some("image/svg+xml"));
    assert!(photo.text().contains(&format!("width=\"{}\"", PHOTO_SIZE.0)), "{}", photo.text());
    assert_inert_headers(&photo);
    let seen = world.upstream.last("shop.test", "/mirror/photo.svg");
    assert_eq!(seen.method, Method::GET);
    assert_eq!(cookie_names(seen.header("cookie").as_deref()), ["a", "b", "c"], "the session's cookies, no Tandem's");
    assert_eq!(seen.header("referer").as_deref(), Some("https://shop.test/mirror/page"), "the visitor's page");

    // The cookie the image set reached neither the agent nor the jar.
    let echo = visitor.get_upstream("https://shop.test/echo").await;
    let sent = echo.json()["headers"]["cookie"].to_string();
    assert!(!sent.contains("from_asset"), "the asset's cookie was stored: {sent}");

    let head = tandem
        .send(request(
            Method::HEAD,
            &asset_url(&agent, session, "https://shop.test", "/mirror/photo.svg"),
            &agent.credential,
        ))
        .await;
    assert_eq!(head.status, StatusCode::OK);
    assert!(head.body.is_empty());
    assert_eq!(world.upstream.last("shop.test", "/mirror/photo.svg").method, Method::HEAD);

    let style = tandem
        .send(get_with_cookie(&asset_url(&agent, session, "https://shop.test", "/mirror/style.css"), &agent.credential))
        .await;
    assert_eq!(style.status, StatusCode::OK, "{}", style.text());
    assert_inert_headers(&style);
    let base = asset_url(&agent, session, "https://shop.test", "/mirror/");
    let base_path = &base[base.find("/watch/").expect("path")..];
    assert!(style.text().contains(&format!("url(\"{base_path}bg.svg\")")), "{}", style.text());
    assert!(style.text().contains(&format!("url('{base_path}photo.svg')")), "{}", style.text());

    let moved = tandem
        .send(get_with_cookie(&asset_url(&agent, session, "https://shop.test", "/mirror/moved.svg"), &agent.credential))
        .await;
    assert_eq!(moved.status, StatusCode::FOUND);
    let cdn = asset_url(&agent, session, "https://cdn.test", "/logo.png");
    assert_eq!(Some(moved.location()), cdn.find("/watch/").map(|at| &cdn[at..]));
    let logo = tandem.send(get_with_cookie(&cdn, &agent.credential)).await;
    assert_eq!((logo.status, logo.header(header::CONTENT_TYPE)), (StatusCode::OK, Some("image/png")));
}

/// What the endpoint refuses: other methods (405, nothing sent upstream), a request
/// without the agent's credential, another visitor's session (403), documents and data
/// (403), a path that would name another host, and everything once the session is over
/// (410).
#[tokio::test]
async fn the_asset_endpoint_is_read_only_inert_and_for_the_links_session_only() {
    let world = World::start_with(quick_live).await;
    let tandem = &world.tandem;
    let visitor = tandem.visitor("https://shop.test/mirror/page").await;
    let other = tandem.visitor("https://shop.test/mirror/page").await;
    let agent = tandem.agent_for(&visitor.session.short_id, AGENT).await;
    let (mut socket, _) = agent.join().await;
    let photo = asset_url(&agent, &visitor.session, "https://shop.test", "/mirror/photo.svg");

    for method in [Method::POST, Method::PUT, Method::DELETE, Method::PATCH, Method::OPTIONS] {
        let reply = tandem.send(request(method.clone(), &photo, &agent.credential)).await;
        assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED, "{method}");
    }
    assert!(world.upstream.requests_to("shop.test", "/mirror/photo.svg").is_empty(), "nothing went upstream");

    assert_eq!(tandem.send(get(&photo)).await.status, StatusCode::FORBIDDEN, "no credential");
    let forged = format!("{}=forged", agent.credential.split('=').next().expect("name"));
    assert_eq!(tandem.send(get_with_cookie(&photo, &forged)).await.status, StatusCode::FORBIDDEN);
    let foreign = asset_url(&agent, &other.session, "https://shop.test", "/mirror/photo.svg");
    let reply = tandem.send(get_with_cookie(&foreign, &agent.credential)).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text());
    assert!(world.upstream.requests_to("shop.test", "/mirror/photo.svg").is_empty(), "nothing went upstream");

    for path in ["/mirror/private.json", "/mirror/page"] {
        let url = asset_url(&agent, &visitor.session, "https://shop.test", path);
        let reply = tandem.send(get_with_cookie(&url, &agent.credential)).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{path}: {}", reply.text());
        assert!(!reply.text().contains("4111") && !reply.text().contains("visitor's page"), "{}", reply.text());
    }
    // A path that starts with `//` stays a path on the label's own upstream.
    let sideways = asset_url(&agent, &visitor.session, "https://shop.test", "//accounts.test/mirror/photo.svg");
    tandem.send(get_with_cookie(&sideways, &agent.credential)).await;
    let elsewhere: Vec<_> = world.upstream.requests().into_iter().filter(|s| s.host != "shop.test").collect();
    assert!(elsewhere.is_empty(), "the asset endpoint reached another host: {:?}", elsewhere[0].target);
    assert_eq!(world.upstream.requests_to("shop.test", "//accounts.test/mirror/photo.svg").len(), 1);
    let unknown = format!("{}/asset/nolabel/x.png", agent.viewer_url);
    assert_eq!(tandem.send(get_with_cookie(&unknown, &agent.credential)).await.status, StatusCode::NOT_FOUND);

    tandem.api(DELETE, &format!("/v1.3/visitors/{}/session", visitor.session.short_id), "").await;
    assert_eq!(close_code(&mut socket).await, Some(4410));
    assert_eq!(tandem.send(get_with_cookie(&photo, &agent.credential)).await.status, StatusCode::GONE);
}

/// The viewer's code: rrweb's replayer and the viewer's script and styles, at versioned
/// URLs cached for good, gzipped for browsers that take it; the page names them and
/// carries a CSP that lets no other script run.
#[tokio::test]
async fn the_viewer_page_loads_versioned_code_under_a_strict_policy() {
    let world = World::start_with(quick_live).await;
    let tandem = &world.tandem;
    let visitor = tandem.visitor("https://shop.test/mirror/page").await;
    let agent = tandem.agent_for(&visitor.session.short_id, AGENT).await;
    let page = tandem.send(get_with_cookie(&agent.viewer_url, &agent.credential)).await;
    assert_eq!(page.status, StatusCode::OK);
    let csp = page.header(header::CONTENT_SECURITY_POLICY).expect("a CSP");
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-eval"), "{csp}");
    assert!(!csp.split(';').any(|d| d.contains("script-src") && d.contains("unsafe-inline")), "{csp}");
    let html = page.text();
    assert!(html.contains(&format!("data-content-origin=\"http://proxy.localhost:{}\"", tandem.addr.port())), "{html}");
    for (name, content_type, marker) in [
        ("replay.js", "text/javascript; charset=utf-8", "function loadRrwebReplay()"),
        ("viewer.js", "text/javascript; charset=utf-8", "Tandem's agent viewer"),
        ("viewer.css", "text/css; charset=utf-8", ".replayer-mouse"),
    ] {
        let start = html.find(&format!("/watch/assets/{name}?v=")).unwrap_or_else(|| panic!("{name} in {html}"));
        let path = &html[start..start + html[start..].find('"').expect("end of URL")];
        let served = tandem.send(get(&tandem.control_url(path))).await;
        assert_eq!(served.status, StatusCode::OK, "{path}");
        assert_eq!(served.header(header::CONTENT_TYPE), Some(content_type), "{path}");
        assert!(served.header(header::CACHE_CONTROL).is_some_and(|c| c.contains("immutable")), "{path}");
        assert!(served.text().contains(marker), "{path}");
        let gzip = Request::get(tandem.control_url(path)).header(header::ACCEPT_ENCODING, "gzip").body(Body::empty());
        let gzipped = tandem.send(gzip.expect("request")).await;
        assert_eq!(gzipped.header(header::CONTENT_ENCODING), Some("gzip"), "{path}");
    }
    let missing = tandem.send(get(&tandem.control_url("/watch/assets/nothing.js"))).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

/// The agent's Chromium watches the visitor's Chromium through the viewer: it sees the
/// page's text and an element the visitor adds later; the replay iframe is sandboxed
/// without `allow-scripts` and the page's script ran neither there nor in the viewer; the
/// page's image loads through the asset endpoint (the upstream saw that request with the
/// session's cookies) while a POST there is refused; the Click tool presses the page's
/// button, the agent's pointer shows as its labelled cursor there and the Draw tool leaves
/// a stroke; `naked` hides Tandem's brand and `page_only` every control.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_sees_the_visitors_page_rebuilt_inert_and_can_click() {
    let world = World::start_with(quick_live).await;
    let session = world.tandem.create_session("https://shop.test/mirror/page").await;
    let result = crate::support::browser::run_scenario("mirror_viewer", &world.tandem.scenario_args(&session)).await;
    assert_viewer_works(&world, &result);
}

/// The same with Tandem serving https itself to a Chromium that trusts its CA: the
/// agent's viewer and its socket on the control origin, the visitor's page and the
/// relay in the zone, all over HTTP/2 (the sockets by extended CONNECT).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_sees_the_visitors_page_and_can_click_over_https_and_http2() {
    let dir = tempfile::tempdir().expect("temp dir");
    let world = World::start_with(|config| {
        quick_live(config);
        crate::support::https::serve_tls(config, dir.path());
    })
    .await;
    let session = world.tandem.create_session("https://shop.test/mirror/page").await;
    let mut args = world.tandem.scenario_args(&session);
    args["trust_ca"] = crate::support::https::tandem_pki().write_ca(dir.path()).to_str().expect("path").into();
    args["record_network"] = true.into();
    let result = crate::support::browser::run_scenario("mirror_viewer", &args).await;
    assert_viewer_works(&world, &result);
    crate::support::https::assert_one_http2_connection_per_label(&result);
}

fn assert_viewer_works(world: &World, result: &serde_json::Value) {
    assert_eq!(result["text"], "Hello from the visitor's page", "{result:#}");
    assert_eq!(result["added"], "Added by the visitor", "{result:#}");
    assert_eq!(result["status_text"], "Live", "{result:#}");
    let zoom = &result["zoom"];
    let fit: u32 = zoom["fit"].as_str().and_then(|z| z.trim_end_matches('%').parse().ok()).expect("fit level");
    assert!((10..100).contains(&fit), "the visitor's viewport is fitted into the smaller area: {zoom}");
    assert_eq!((&zoom["full"], &zoom["out"]), (&"100%".into(), &"80%".into()), "{zoom}");
    assert_eq!(zoom["fit_again"], zoom["fit"], "{zoom}");
    let sandbox = result["sandbox"].as_str().expect("the replay iframe is sandboxed");
    assert!(!sandbox.contains("allow-scripts"), "{sandbox}");
    assert_eq!(result["script_ran_in_replay"], false, "{result:#}");
    assert!(result["script_touched_viewer"].is_null(), "{result:#}");
    let src = result["photo"]["src"].as_str().expect("src");
    assert!(src.starts_with("/watch/s/") && src.contains("/asset/") && src.ends_with("/mirror/photo.svg"), "{src}");
    assert_eq!(result["photo"]["width"], PHOTO_SIZE.0, "{result:#}");
    let through_endpoint: Vec<_> = world
        .upstream
        .requests_to("shop.test", "/mirror/photo.svg")
        .into_iter()
        .filter(|seen| seen.header("sec-fetch-site").as_deref() == Some("same-site"))
        .collect();
    assert!(!through_endpoint.is_empty(), "the agent's image request never reached the upstream");
    for seen in through_endpoint {
        // (`from_asset` is the image's own cookie, set when the visitor's page loaded it.)
        let names = cookie_names(seen.header("cookie").as_deref());
        assert!(["a", "b", "c"].iter().all(|n| names.iter().any(|m| m == n)), "{seen:?}");
        assert!(!names.iter().any(|n| n.starts_with("tandem")), "{seen:?}");
    }
    assert_eq!(result["post_status"], 405, "{result:#}");
    assert!(result["pressed"].as_str().is_some_and(|t| t.starts_with("pressed")), "{result:#}");
    assert_eq!(result["cursors"][0]["name"], "Vera", "the agent's labelled cursor: {result:#}");
    assert!(result["strokes"].as_array().is_some_and(|s| !s.is_empty()), "{result:#}");
    assert_eq!(result["naked"]["brand_shown"], false, "{result:#}");
    assert_eq!(result["naked"]["tools_shown"], true, "{result:#}");
    assert_eq!(result["page_only"]["header_shown"], false, "{result:#}");
    assert_eq!(result["page_only"]["tools_shown"], false, "{result:#}");
}

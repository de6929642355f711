//! The pages the agent viewer's tests watch, on `shop.test` below `/mirror/`: a page with
//! text, an image, a stylesheet whose `url()`s are relative and root-relative, and a
//! script whose effects must never show in the agent's replay; and the things an agent
//! must not read through the asset endpoint (a JSON document, the page itself); and a
//! page on another host (`accounts.test`) that the page links to, for following.

use axum::Router;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::{StatusCode, header};

/// Width and height of `/mirror/photo.svg`.
pub const PHOTO_SIZE: (u32, u32) = (40, 30);

/// The routes, for the shop's router.
pub fn routes() -> Router {
    Router::new()
        .route("/mirror/page", get(page))
        .route("/mirror/photo.svg", get(photo))
        .route("/mirror/bg.svg", get(photo))
        .route("/mirror/style.css", get(style))
        .route(
            "/mirror/moved.svg",
            get(|| async { (StatusCode::FOUND, [(header::LOCATION, "https://cdn.test/logo.png")]) }),
        )
        .route(
            "/mirror/private.json",
            get(|| async { ([(header::CONTENT_TYPE, "application/json")], r#"{"card":"4111"}"#) }),
        )
}

/// The routes on `accounts.test`: the page on another host.
pub fn other_host_routes() -> Router {
    let page = r#"<!doctype html><html><head><title>Away</title></head>
<body><h1 id="title">Another host</h1><p>Followed by the agent.</p></body></html>"#;
    Router::new()
        .route("/mirror/away", get(move || async move { ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page) }))
}

async fn page() -> Response {
    let page = r#"<!doctype html><html><head><title>Mirror</title>
<link rel="stylesheet" href="/mirror/style.css">
<style>#hover-me:hover { background-color: rgb(200, 30, 30); }</style></head>
<body><h1 id="title">Hello from the visitor's page</h1>
<p class="banner">Banner</p>
<img id="photo" src="/mirror/photo.svg" alt="photo">
<button id="press" type="button">Press</button>
<p id="pressed"></p>
<p id="hover-me">Hover me</p>
<a id="away" href="https://accounts.test/mirror/away">To the other host</a>
<script>
  window.visitorScriptRan = (window.visitorScriptRan || 0) + 1;
  document.getElementById('press').addEventListener('click', () => {
    document.getElementById('pressed').textContent = 'pressed ' + Date.now();
  });
  try { top.document.documentElement.dataset.pageScript = 'ran in ' + location.href; } catch (e) {}
</script>
</body></html>"#;
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response()
}

/// An image that also tries to set a cookie (the agent's reads must not store it).
async fn photo() -> Response {
    let (w, h) = PHOTO_SIZE;
    let svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}"><rect width="{w}" height="{h}" fill="teal"/></svg>"#
    );
    ([(header::CONTENT_TYPE, "image/svg+xml"), (header::SET_COOKIE, "from_asset=1; Path=/")], svg).into_response()
}

async fn style() -> Response {
    let css = ".banner { background: url(bg.svg) no-repeat; }\nh1 { background-image: url('/mirror/photo.svg'); }\n";
    ([(header::CONTENT_TYPE, "text/css")], css).into_response()
}

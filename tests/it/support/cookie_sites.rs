//! Fixture pages for `document.cookie`, `document.referrer` and `document.domain`
//! through the runtime (`tests/it/runtime_cookies.rs`), merged into `app.test` and
//! `api.test` of `runtime_sites`. Each page writes a JSON report into `#out`.

use axum::Router;
use axum::extract::{Extension, Query};
use axum::response::Response;
use axum::routing::get;
use http::header::{self, HeaderValue};
use std::collections::HashMap;

use super::fixtures::Scheme;
use super::runtime_sites::html;

/// Routes merged into `app.test`.
pub fn app<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/cookie/page", get(cookie_page))
        .route("/cookie/limits", get(limits_page))
        .route("/identity", get(identity_page))
}

/// Routes merged into `api.test`.
pub fn api<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/cookie/plant", get(plant_page))
        .route("/cookie/strict-frame", get(strict_frame))
        .route("/identity-frame", get(identity_frame))
}

/// `?mode=write`: sets an HttpOnly and a visible cookie by header, then reads, writes
/// (allowed, HttpOnly, replacing the HttpOnly one, default path) and reads 50 times in
/// one task. `?mode=read&name=N`: reads only. Either ends with a fetch of
/// `/record/cookie-<mode or name>`, whose Cookie header shows what went upstream.
/// `?mode=store&name=N`: the `cookieStore` API sets, reads and deletes a cookie.
/// `&measure=1` also times 20 reads, each in a task of its own (`read_ms`, the median).
async fn cookie_page(Query(query): Query<HashMap<String, String>>) -> Response {
    let write = query.get("mode").map(String::as_str) == Some("write");
    let name = if write { "write" } else { query.get("name").map(String::as_str).unwrap_or("read") };
    let script = if write {
        r#"out.initial = document.cookie;
document.cookie = 'js=hello; Path=/';
document.cookie = 'bad=1; HttpOnly; Path=/';
document.cookie = 'secret=stolen; Path=/';
document.cookie = 'local=here';
out.after = document.cookie;
let same = 0;
for (let i = 0; i < 50; i++) same += document.cookie === out.after ? 1 : 0;
out.loop_same = same;
out.parsed = new DOMParser().parseFromString('<p>', 'text/html').cookie;
const d = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
const show = (f) => Function.prototype.toString.call(f);
out.disguise = { get: show(d.get), set: show(d.set), name: d.get.name };
const measured = null;"#
    } else if query.get("mode").map(String::as_str) == Some("store") {
        r#"const measured = (async () => {
  await cookieStore.set('store', 'one');
  out.after_set = document.cookie;
  out.get = await cookieStore.get('store');
  out.all = (await cookieStore.getAll()).map((c) => c.name).sort();
  await fetch('/record/cookie-store-set');
  await cookieStore.delete('store');
  out.after_delete = document.cookie;
  out.disguise = Function.prototype.toString.call(CookieStore.prototype.set);
})();"#
    } else if query.contains_key("measure") {
        // 20 reads, each in a task of its own (the cache lasts one task): a round trip each.
        r#"out.cookie = document.cookie;
const times = [];
const measured = (async () => {
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    const start = performance.now();
    void document.cookie;
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  out.read_ms = times[10];
})();"#
    } else {
        "out.cookie = document.cookie; const measured = null;"
    };
    let mut response = html(format!(
        r#"<!doctype html><html><head><title>Cookies</title></head><body><pre id="out"></pre>
<script>
const out = {{}};
{script}
Promise.resolve(measured).then(() => fetch('/record/cookie-{name}')).then(() => {{
  document.getElementById('out').textContent = JSON.stringify(out);
}});
</script></body></html>"#
    ));
    if write {
        let headers = response.headers_mut();
        headers.append(header::SET_COOKIE, HeaderValue::from_static("secret=s1; Path=/; HttpOnly"));
        headers.append(header::SET_COOKIE, HeaderValue::from_static("visible=v1; Path=/"));
    }
    response
}

/// A page of `api.test` that tries to read and plant `app.test`'s cookies: through
/// app.test's cookie endpoint (with and without CORS) and with `Domain=app.test`.
async fn plant_page(Extension(scheme): Extension<Scheme>) -> Response {
    let s = scheme.as_str();
    html(format!(
        r#"<!doctype html><html><head><title>Plant</title></head><body><pre id="out"></pre>
<script>
const target = '{s}://app.test/__tandem/cookie?path=/';
const out = {{}};
const attempt = (name, request) => request().then(
  (r) => r.text().then((t) => (out[name] = 'answered ' + r.status + ': ' + t)),
  (e) => (out[name] = 'refused: ' + e.name));
document.cookie = 'planted_domain=1; Domain=app.test; Path=/';
(async () => {{
  await attempt('cors_post', () => fetch(target, {{ method: 'POST', body: 'planted_cors=1; Path=/',
    credentials: 'include', headers: {{ 'X-Tandem-Cookie': '1' }} }}));
  await attempt('cors_read', () => fetch(target, {{ credentials: 'include', headers: {{ 'X-Tandem-Cookie': '1' }} }}));
  await attempt('no_cors', () => fetch(target, {{ method: 'POST', mode: 'no-cors', body: 'planted_simple=1; Path=/',
    credentials: 'include' }}));
  out.own = document.cookie;
  document.getElementById('out').textContent = JSON.stringify(out);
}})();
</script></body></html>"#
    ))
}

/// `document.domain` on app.test, then an api.test frame reports its
/// `document.referrer` (another label: the real URL) and `document.domain`.
async fn identity_page(Extension(scheme): Extension<Scheme>) -> Response {
    let s = scheme.as_str();
    html(format!(
        r#"<!doctype html><html><head><title>Identity</title></head><body><pre id="out"></pre>
<a id="self" href="/identity?x=1">self</a>
<script>
const out = {{ domain: document.domain, url: document.URL, referrer: document.referrer }};
out.self_href_is_location = document.getElementById('self').href === location.origin + '/identity?x=1';
try {{ document.domain = 'app.test'; out.set_domain = document.domain; }} catch (e) {{ out.set_domain = e.name; }}
const show = (f) => Function.prototype.toString.call(f);
out.disguise = show(Object.getOwnPropertyDescriptor(Document.prototype, 'referrer').get);
window.addEventListener('message', (e) => {{
  out.frame = e.data;
  document.getElementById('out').textContent = JSON.stringify(out);
}});
const frame = document.createElement('iframe');
frame.src = '{s}://api.test/identity-frame';
document.body.appendChild(frame);
</script></body></html>"#
    ))
}

async fn identity_frame() -> Response {
    html(
        r#"<!doctype html><html><head><title>Frame</title></head><body><script>
parent.postMessage({ referrer: document.referrer, domain: document.domain }, '*');
</script></body></html>"#
            .to_owned(),
    )
}

/// What still differs from a browser (KNOWN_LIMITS.md): a nameless cookie, a
/// `cookieStore` change event, and a `SameSite=Strict` cookie of a cross-site frame.
async fn limits_page(Extension(scheme): Extension<Scheme>) -> Response {
    let s = scheme.as_str();
    html(format!(
        r#"<!doctype html><html><head><title>Cookie limits</title></head><body><pre id="out"></pre>
<script>
const out = {{}};
document.cookie = 'nameless';
out.nameless = document.cookie;
let changes = 0;
cookieStore.addEventListener('change', () => changes++);
const frameCookie = new Promise((resolve) => window.addEventListener('message', (e) => resolve(e.data)));
const frame = document.createElement('iframe');
frame.src = '{s}://api.test/cookie/strict-frame';
document.body.appendChild(frame);
(async () => {{
  await cookieStore.set('watched', '1');
  out.frame_cookie = await frameCookie;
  // The frame's answer took a round trip after the set: a change event would be in.
  await new Promise((resolve) => setTimeout(resolve, 200));
  out.changes = changes;
  document.getElementById('out').textContent = JSON.stringify(out);
}})();
</script></body></html>"#
    ))
}

/// Sets a `SameSite=Strict` cookie while framed by another site, and tells its parent
/// what `document.cookie` reads.
async fn strict_frame() -> Response {
    let mut response = html(
        r#"<!doctype html><html><head><title>Strict</title></head><body><script>
parent.postMessage(document.cookie, '*');
</script></body></html>"#
            .to_owned(),
    );
    response.headers_mut().append(header::SET_COOKIE, HeaderValue::from_static("strict=1; SameSite=Strict; Path=/"));
    response
}

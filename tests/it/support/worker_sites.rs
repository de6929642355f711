//! Fixture pages and scripts for the runtime's worker and module tests
//! (`tests/it/workers.rs`), merged into the routes of `runtime_sites::app` (and, for
//! `/module/{name}`, of `runtime_sites::api`):
//!
//! - `/workers`: starts a dedicated worker (classic, with `importScripts` and a nested
//!   worker; and module), a shared worker and a `blob:` worker, each from an absolute
//!   URL where the API allows one, and the cases of KNOWN_LIMITS.md (a `data:` worker, a
//!   module worker's static import of another origin); sets the cookie `worker=yes`;
//! - `/sw/page`: registers a service worker (absolute script URL and scope) whose fetch
//!   handler answers `/sw/probe` with a fetch of its own and, like an app-shell router,
//!   answers every path it does not know with its own 404.
//! - `/modules`: module imports through a static import map, import maps inserted by
//!   script and `import()` of absolute URLs; `/module/{name}` serves a module (CORS for
//!   `app.test` only); sets the cookie `modules=yes`.
//!
//! Every worker fetches `/record/<kind>-own` on its own origin and `/record/<kind>-api`
//! on `api.test`, both by absolute URL, and posts back what it saw.

use axum::Router;
use axum::extract::{Extension, Path};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::HeaderMap;
use http::StatusCode;
use http::header;

use super::fixtures::Scheme;
use super::runtime_sites::{allow_app, html};

/// The routes `runtime_sites::app` merges in.
pub fn routes() -> Router {
    Router::new()
        .route("/workers", get(workers_page))
        .route("/worker/{name}", get(worker_script))
        .route("/sw/page", get(service_worker_page))
        .route("/sw/sw.js", get(service_worker))
        .route("/modules", get(modules_page))
        .route("/module/{name}", get(module))
}

/// The routes `runtime_sites::api` merges in.
pub fn api_routes() -> Router {
    Router::new().route("/module/{name}", get(module))
}

/// A module whose default export is its name.
async fn module(Extension(scheme): Extension<Scheme>, Path(name): Path<String>, headers: HeaderMap) -> Response {
    let mut response = javascript(format!("export default {:?};", format!("module {name}")));
    allow_app(scheme, &headers, &mut response);
    response
}

/// Imports modules every way a page can: a static import through the server's import
/// map, `import()` of an absolute URL of its own origin, of `api.test` once the page
/// fetched from it, of `cdn.test` named only in the server's HTML (an image), through
/// import maps inserted by script (type then text; text then `setAttribute('type')`), and of an origin
/// the page never reached (a known limit). Reports in `#out`.
async fn modules_page(Extension(scheme): Extension<Scheme>) -> Response {
    let s = scheme.as_str();
    let mut response = html(format!(
        r#"<!doctype html><html><head><title>Modules</title>
<script type="importmap">{{"imports": {{"static-dep": "{s}://api.test/module/static"}}}}</script></head>
<body><pre id="out"></pre><img src="{s}://cdn.test/logo.png" alt="">
<script type="module">
import staticDep from 'static-dep';
const load = (specifier) => import(specifier).then((m) => m.default, (e) => 'error: ' + e.message);
const insertMap = (imports, typeFirst) => {{
  const script = document.createElement('script');
  if (typeFirst) script.type = 'importmap';
  script.textContent = JSON.stringify({{ imports }});
  if (!typeFirst) script.setAttribute('type', 'importmap');
  document.head.appendChild(script);
}};
const out = {{ static: staticDep }};
out.own = await load('{s}://app.test/module/own');
await fetch('{s}://api.test/record/module-fetch', {{ method: 'POST', body: 'module-body' }});
out.learned = await load('{s}://api.test/module/learned');
insertMap({{ 'inserted-dep': '{s}://api.test/module/inserted' }}, true);
out.inserted = await load('inserted-dep');
insertMap({{ 'late-dep': '{s}://api.test/module/late' }}, false);
out.late = await load('late-dep');
out.from_html = await load('{s}://cdn.test/module/from-html');
out.unknown = await load('{s}://accounts.test/module/unknown');
out.maps = document.querySelectorAll('script[type=importmap]').length;
document.getElementById('out').textContent = JSON.stringify(out);
</script></body></html>"#
    ));
    response.headers_mut().insert(header::SET_COOKIE, http::HeaderValue::from_static("modules=yes; Path=/"));
    response
}

/// Worker code that defines `report()`: the two fetches of a worker of `kind`, then what
/// the worker saw (replies, its own URL, globals that name Tandem).
fn report_code(s: &str, kind: &str) -> String {
    format!(
        r#"const report = () => Promise.all([
  fetch('{s}://app.test/record/{kind}-own', {{ method: 'POST', body: '{kind}-own-body' }}).then((r) => r.text()),
  fetch('{s}://api.test/record/{kind}-api', {{ method: 'PUT', body: '{kind}-api-body' }}).then((r) => r.text()),
]).then(
  ([own, api]) => ({{ own, api, href: self.location.href, globals: Object.keys(self).filter((k) => /tandem/i.test(k)) }}),
  (e) => ({{ error: String(e) }}),
);
"#
    )
}

fn javascript(code: String) -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], code).into_response()
}

/// The worker scripts of `/workers`.
async fn worker_script(Extension(scheme): Extension<Scheme>, Path(name): Path<String>) -> Response {
    let s = scheme.as_str();
    let post = "report().then((r) => postMessage(r));";
    let code = match name.as_str() {
        "classic.js" => format!(
            r#"{report}
importScripts('{s}://app.test/worker/imported.js');
const nested = new Promise((resolve) => {{
  const worker = new Worker('{s}://app.test/worker/nested.js');
  worker.onmessage = (e) => resolve(e.data);
  worker.onerror = () => resolve({{ error: 'nested worker failed' }});
}});
Promise.all([report(), nested]).then(([r, nested]) => postMessage({{ ...r, imported: self.importedValue, nested }}));"#,
            report = report_code(s, "classic")
        ),
        "imported.js" => "self.importedValue = 'imported';".to_owned(),
        "nested.js" => format!("{}{post}", report_code(s, "nested")),
        // Its static import's code runs before its own: the import needs the worker part too.
        "module.js" => format!(
            "import '/worker/module-dep.js';\n{}report().then(async (r) => postMessage({{ ...r, dep: await self.depReply }}));",
            report_code(s, "module")
        ),
        "module-dep.js" => format!(
            "self.depReply = fetch('{s}://api.test/record/module-dep', {{ method: 'POST', body: 'dep-body' }}).then((r) => r.text());"
        ),
        "module-static.js" => format!("import '{s}://api.test/worker/static.js';\n{post}"),
        "shared.js" => format!(
            "{}onconnect = (e) => {{ const port = e.ports[0]; report().then((r) => port.postMessage(r)); }};",
            report_code(s, "shared")
        ),
        other => return (StatusCode::NOT_FOUND, format!("no worker script {other}")).into_response(),
    };
    javascript(code)
}

/// Starts every kind of worker in turn and reports what each posted back in `#out`.
async fn workers_page(Extension(scheme): Extension<Scheme>) -> Response {
    let s = scheme.as_str();
    let post = "report().then((r) => postMessage(r));";
    let blob_code = serde_json::to_string(&format!("{}{post}", report_code(s, "blob"))).unwrap_or_default();
    let blob_module_code =
        serde_json::to_string(&format!("{}{post}", report_code(s, "blob-module"))).unwrap_or_default();
    let data_code = serde_json::to_string(&format!("{}{post}", report_code(s, "data"))).unwrap_or_default();
    let page = html(format!(
        r#"<!doctype html><html><head><title>Workers</title></head><body><pre id="out"></pre>
<script>
const run = (make) => new Promise((resolve) => {{
  let worker;
  try {{ worker = make(); }} catch (e) {{ resolve({{ error: 'constructor: ' + e }}); return; }}
  (worker.port || worker).onmessage = (e) => resolve(e.data);
  worker.onerror = () => resolve({{ error: 'worker failed to load' }});
}});
const blobUrl = (code) => URL.createObjectURL(new Blob([code], {{ type: 'text/javascript' }}));
(async () => {{
  const out = {{}};
  out.classic = await run(() => new Worker('{s}://app.test/worker/classic.js'));
  out.module = await run(() => new Worker('/worker/module.js', {{ type: 'module' }}));
  out.shared = await run(() => new SharedWorker('{s}://app.test/worker/shared.js'));
  const url = blobUrl({blob_code});
  const blob = run(() => new Worker(url));
  // Pages often revoke the URL at once: the worker must start all the same.
  URL.revokeObjectURL(url);
  out.blob = await blob;
  out.blob_module = await run(() => new Worker(blobUrl({blob_module_code}), {{ type: 'module' }}));
  out.data = await run(() => new Worker('data:text/javascript,' + encodeURIComponent({data_code})));
  out.module_static = await run(() => new Worker('/worker/module-static.js', {{ type: 'module' }}));
  const show = (f) => Function.prototype.toString.call(f);
  out.disguise = {{ Worker: show(Worker), SharedWorker: show(SharedWorker), name: Worker.name, length: Worker.length }};
  document.getElementById('out').textContent = JSON.stringify(out);
}})();
</script></body></html>"#
    ));
    let mut response = page;
    response.headers_mut().insert(header::SET_COOKIE, http::HeaderValue::from_static("worker=yes; Path=/"));
    response
}

/// A page a service worker controls. Not yet controlled: registers the worker (absolute
/// URL and scope), waits until it controls the page, asks it for `/sw/probe` and asks for
/// Tandem's runtime through it. Controlled (after a reload): the page's runtime, loaded
/// through the worker, maps a fetch to `api.test`. Reports in `#out`.
async fn service_worker_page(Extension(scheme): Extension<Scheme>) -> Response {
    let s = scheme.as_str();
    html(format!(
        r#"<!doctype html><html><head><title>Service worker</title></head><body><pre id="out"></pre>
<script>
const text = (r) => r.text();
const fail = (e) => 'error: ' + e;
(async () => {{
  const container = navigator.serviceWorker;
  const out = {{ controlled: !!container.controller }};
  if (!container.controller) {{
    const controlled = new Promise((resolve) => container.addEventListener('controllerchange', resolve, {{ once: true }}));
    const registration = await container.register('{s}://app.test/sw/sw.js', {{ scope: '{s}://app.test/sw/' }});
    out.scope = registration.scope;
    await controlled;
    out.probe = await fetch('/sw/probe').then(text, fail);
    out.runtime = await fetch('/__tandem/runtime.js').then(text, fail).then((t) => t.slice(0, 40));
    out.redirect = await fetch('/sw/redirect', {{ method: 'POST', body: 'redirect-body' }}).then(text, fail);
  }} else {{
    out.fetch = await fetch('{s}://api.test/record/sw-page', {{ method: 'POST', body: 'sw-page-body' }}).then(text, fail);
  }}
  document.getElementById('out').textContent = JSON.stringify(out);
}})();
</script></body></html>"#
    ))
}

/// The service worker: takes control at once; answers `/sw/probe` from a fetch of its own
/// to an absolute URL of `api.test` and `/sw/redirect` with a redirect there; lets navigations and `/record/` through; answers
/// everything else (as an app-shell router would) with its own 404.
async fn service_worker(Extension(scheme): Extension<Scheme>) -> Response {
    let s = scheme.as_str();
    javascript(format!(
        r#"self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
self.addEventListener('fetch', (event) => {{
  const url = new URL(event.request.url);
  if (url.pathname === '/sw/probe') {{
    const reply = fetch('{s}://api.test/record/sw-fetch', {{ method: 'POST', body: 'sw-body' }})
      .then((r) => r.text())
      .then((t) => new Response('worker fetched ' + t), (e) => new Response('worker fetch failed: ' + e));
    event.respondWith(reply);
  }} else if (url.pathname === '/sw/redirect') {{
    event.respondWith(Response.redirect('{s}://api.test/record/sw-redirect', 307));
  }} else if (event.request.mode !== 'navigate' && !url.pathname.startsWith('/record/')) {{
    event.respondWith(new Response('not found by the site worker', {{ status: 404 }}));
  }}
}});
"#
    ))
}

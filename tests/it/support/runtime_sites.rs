//! Fixture sites for the in-page runtime's tests (`tests/it/runtime.rs`):
//!
//! - `app.test`: pages whose scripts make requests, connections and navigations to
//!   absolute URLs at run time (one page per runtime capability), and `/record/{name}`;
//! - `api.test`: `/record/{name}` for any method (CORS for `app.test` only, like a real
//!   API), a server-sent event stream and a WebSocket echo that refuse other origins.
//!
//! `/record/{name}` logs the method, host, `Origin` and body it received, so tests can
//! assert what reached which upstream; the pages only report what they saw.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Extension, Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use http::header::{self, HeaderMap, HeaderValue};
use http::{Method, StatusCode};

use super::fixtures::{Scheme, Shared};
use super::{cookie_sites, message_sites};

/// A request to `/record/{name}` as the upstream received it.
#[derive(Clone, Debug)]
pub struct Record {
    /// `app.test` or `api.test`.
    pub host: String,
    /// The `{name}` part of the path.
    pub name: String,
    /// Its method.
    pub method: Method,
    /// Its `Origin` header, if any.
    pub origin: Option<String>,
    /// Its body as text.
    pub body: String,
    /// Its `Cookie` header, if any.
    pub cookie: Option<String>,
}

fn origin_of(headers: &HeaderMap) -> Option<String> {
    headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// The pages' real origin: the only one `api.test` grants CORS to.
fn app_origin(scheme: Scheme) -> String {
    format!("{}://app.test", scheme.as_str())
}

/// An HTML page of `body`.
pub(crate) fn html(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

/// CORS headers as a careful API sets them: only for the app's real origin.
/// (`under_score.test`, served over http only, grants it to `https://app.test` too.)
pub(crate) fn allow_app(scheme: Scheme, headers: &HeaderMap, response: &mut Response) {
    let seen = origin_of(headers).unwrap_or_default();
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let allowed =
        if host.starts_with("under_score.test") && seen == "https://app.test" { seen } else { app_origin(scheme) };
    if origin_of(headers).as_deref() == Some(allowed.as_str()) {
        let h = response.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_str(&allowed).expect("origin"));
        h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST, PUT, PATCH, DELETE"));
        h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("content-type"));
        h.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
}

async fn record(
    State(shared): State<Arc<Shared>>,
    Extension(scheme): Extension<Scheme>,
    Path(name): Path<String>,
    method: Method,
    uri: http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).or_else(|| uri.authority().map(|a| a.as_str()));
    let host = host.unwrap_or_default().split(':').next().unwrap_or_default().to_owned();
    let mut response = if method == Method::OPTIONS {
        StatusCode::NO_CONTENT.into_response()
    } else {
        let seen = Record {
            host: host.clone(),
            name: name.clone(),
            method: method.clone(),
            origin: origin_of(&headers),
            body: String::from_utf8_lossy(&body).into_owned(),
            cookie: headers.get(header::COOKIE).and_then(|v| v.to_str().ok()).map(str::to_owned),
        };
        shared.records.lock().expect("record log").push(seen);
        let reply = serde_json::json!({ "host": host, "name": name, "method": method.as_str() });
        axum::Json(reply).into_response()
    };
    allow_app(scheme, &headers, &mut response);
    response
}

// ---------------------------------------------------------------- app.test

/// The routes of `app.test`.
pub fn app(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/network", get(network_page))
        .route("/nav/{step}", get(navigation_page))
        .route("/dom", get(dom_page))
        .route("/html", get(html_page))
        .route("/css", get(css_page))
        .route("/message", get(message_page))
        .route("/fallback", get(fallback_page))
        .route("/limits", get(limits_page))
        .route("/frames", get(frames_page))
        .route("/record/{name}", any(record))
        .merge(cookie_sites::app())
        .merge(message_sites::app())
        .with_state(shared)
}

/// Every network API the runtime covers, each to an absolute URL of `api.test`, plus a
/// relative fetch that must stay on `app.test`. The runtime is loaded a second time first
/// (idempotence). Results land as JSON in `#out`.
async fn network_page(Extension(scheme): Extension<Scheme>) -> Response {
    let s = scheme.as_str();
    let ws = if scheme == Scheme::Https { "wss" } else { "ws" };
    html(format!(
        r#"<!doctype html><html><head><title>Network</title>
<script src="/__tandem/runtime.js"></script></head>
<body><pre id="out"></pre>
<script>
const api = '{s}://api.test';
const out = {{}};
const text = (r) => r.text();
const steps = {{
  fetch_string: () => fetch(api + '/record/fetch-string', {{ method: 'POST', body: 'body-1' }}).then(text),
  fetch_url: () => fetch(new URL(api + '/record/fetch-url'), {{ method: 'PUT', body: 'body-2' }}).then(text),
  fetch_request: () => fetch(new Request(api + '/record/fetch-request', {{ method: 'POST', body: 'body-3' }})).then(text),
  fetch_relative: () => fetch('/record/fetch-relative', {{ method: 'POST', body: 'body-4' }}).then(text),
  xhr: () => new Promise((resolve, reject) => {{
    const xhr = new XMLHttpRequest();
    xhr.open('PATCH', api + '/record/xhr');
    xhr.onload = () => resolve(xhr.responseText);
    xhr.onerror = () => reject(new Error('xhr failed'));
    xhr.send('body-5');
  }}),
  beacon: () => navigator.sendBeacon(api + '/record/beacon', 'body-6'),
  event_source: () => new Promise((resolve, reject) => {{
    const source = new EventSource(api + '/events');
    source.onmessage = (e) => {{ source.close(); resolve(e.data); }};
    source.onerror = () => {{ source.close(); reject(new Error('event source failed')); }};
  }}),
  websocket: () => new Promise((resolve, reject) => {{
    const socket = new WebSocket('{ws}://api.test/socket');
    socket.onopen = () => socket.send('ping');
    socket.onmessage = (e) => {{ socket.close(); resolve(e.data); }};
    socket.onerror = () => reject(new Error('websocket failed'));
  }}),
}};
(async () => {{
  for (const [name, step] of Object.entries(steps)) {{
    try {{ out[name] = await step(); }} catch (e) {{ out[name] = 'error: ' + e.message; }}
  }}
  const show = (f) => ({{ name: f.name, length: f.length, source: Function.prototype.toString.call(f) }});
  out.disguise = {{
    fetch: show(fetch),
    Request: show(Request),
    open: show(XMLHttpRequest.prototype.open),
    sendBeacon: show(navigator.sendBeacon),
    EventSource: show(EventSource),
    WebSocket: show(WebSocket),
    toString: show(Function.prototype.toString),
    fetch_to_string: String(fetch),
  }};
  out.instance_of = new WebSocket('{ws}://api.test/socket') instanceof WebSocket && WebSocket.OPEN === 1
    && new Request('/x') instanceof Request && Request.prototype.constructor === Request;
  out.globals = Object.keys(window).filter((k) => /tandem/i.test(k));
  out.runtime_tags = document.querySelectorAll('script[src^="/__tandem/runtime.js"]').length;
  document.getElementById('out').textContent = JSON.stringify(out);
}})();
</script></body></html>"#
    ))
}

/// One navigation per page, to an absolute URL of `api.test` (`/record/nav-<step>`):
/// started by the page's script on load, or built into the DOM by a route no setter sees
/// (`insertAdjacentHTML`) for the test to click (`#go`). `push` reports in `#out`.
async fn navigation_page(Extension(scheme): Extension<Scheme>, Path(step): Path<String>) -> Response {
    let s = scheme.as_str();
    let api = format!("{s}://api.test/record/nav-{step}");
    let html_of = |markup: String| format!("document.body.insertAdjacentHTML('beforeend', {markup:?});");
    let script = match step.as_str() {
        "assign" => format!("location.assign('{api}');"),
        "replace" => format!("location.replace('{api}');"),
        "href" => format!("location.href = '{api}';"),
        "open" => format!("window.open('{api}');"),
        "push" => format!(
            "history.pushState({{}}, '', '{s}://app.test/pushed?x=1#h');
let cross;
try {{ history.replaceState({{}}, '', '{s}://api.test/x'); cross = 'allowed'; }} catch (e) {{ cross = e.name; }}
document.getElementById('out').textContent = JSON.stringify({{ href: location.href, cross }});"
        ),
        "link" => html_of(format!(r#"<a id="go" href="{api}">go</a>"#)),
        "link-blank" => html_of(format!(r#"<a id="go" target="_blank" href="{api}">go</a>"#)),
        "form" => html_of(format!(
            r#"<form method="post" action="{api}"><input name="q" value="hello"><button id="go">go</button></form>"#
        )),
        "formaction" => html_of(format!(
            r#"<form method="post" action="/record/wrong"><input name="q" value="fa"><button id="go" formaction="{api}">go</button></form>"#
        )),
        "form-blank" => html_of(format!(
            r#"<form method="post" target="_blank" action="{api}"><input name="q" value="blank"><button id="go">go</button></form>"#
        )),
        "form-submit" => format!(
            "{} document.getElementById('f').submit();",
            html_of(format!(r#"<form id="f" method="post" action="{api}"><input name="q" value="submitted"></form>"#))
        ),
        "get-form" => {
            html_of(format!(r#"<form action="{api}"><input name="q" value="got"><button id="go">go</button></form>"#))
        }
        other => return (StatusCode::NOT_FOUND, format!("no navigation step {other}")).into_response(),
    };
    html(format!(
        r#"<!doctype html><html><head><title>Navigation {step}</title></head>
<body><pre id="out"></pre><script>{script}</script></body></html>"#
    ))
}

/// Sets every URL property and attribute the runtime covers to absolute URLs of
/// `api.test`; the loading ones hit `/record/dom-<what>`. Reports the attribute values
/// the browser ended up with in `#out`.
async fn dom_page(Extension(scheme): Extension<Scheme>) -> Response {
    let s = scheme.as_str();
    html(format!(
        r#"<!doctype html><html><head><title>DOM</title></head><body><pre id="out"></pre>
<script>
const api = '{s}://api.test/record/';
const make = (tag) => document.body.appendChild(document.createElement(tag));
const img = make('img'); img.src = api + 'dom-img-src';
const img2 = make('img'); img2.setAttribute('SRC', api + 'dom-img-setattribute');
const img3 = make('img'); img3.srcset = api + 'dom-img-srcset 1x, ' + api + 'dom-img-srcset-2x 2x';
const script = document.createElement('script'); script.src = api + 'dom-script-src'; document.head.appendChild(script);
const frame = document.createElement('iframe'); frame.src = api + 'dom-iframe-src'; document.body.appendChild(frame);
const video = make('video'); video.poster = api + 'dom-video-poster';
const object = make('object'); object.data = api + 'dom-object-data';
const link = make('a'); link.href = '{s}://api.test/a';
const link2 = make('a'); link2.setAttribute('href', '{s}://api.test/b');
const relative = make('a'); relative.href = '/relative';
const form = make('form'); form.action = '{s}://api.test/form';
const button = make('button'); button.formAction = '{s}://api.test/button';
const input = make('input'); input.setAttribute('formaction', '{s}://api.test/input');
const div = make('div'); div.setAttribute('data', '{s}://api.test/not-a-url-attribute');
const attributes = {{
  a_href: link.getAttribute('href'),
  a_setattribute: link2.getAttribute('href'),
  a_relative: relative.getAttribute('href'),
  form_action: form.getAttribute('action'),
  button_formaction: button.getAttribute('formaction'),
  input_formaction: input.getAttribute('formaction'),
  img_srcset: img3.getAttribute('srcset'),
  div_data: div.getAttribute('data'),
}};
const show = (f) => Function.prototype.toString.call(f);
const setter = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, 'src').set;
attributes.disguise = {{ setAttribute: show(Element.prototype.setAttribute), src_setter: show(setter), name: setter.name }};
window.addEventListener('load', () => {{
  document.getElementById('out').textContent = JSON.stringify(attributes);
}});
</script></body></html>"#
    ))
}

/// Inserts markup and elements holding absolute URLs of `api.test` every way a page can:
/// the loads hit `/record/html-<route>`. Reports in `#out` what the page can see.
async fn html_page(Extension(scheme): Extension<Scheme>) -> Response {
    let s = scheme.as_str();
    html(format!(
        r#"<!doctype html><html><head><title>HTML</title>
<script>
const api = '{s}://api.test/record/';
document.write('<img src="', api, 'html-write">');
document.writeln("<script src='" + api + "html-writeln'></scr" + "ipt>");
</script></head><body><pre id="out"></pre>
<script>
const div = (id) => {{ const d = document.createElement('div'); document.body.appendChild(d); return d; }};
div().innerHTML = '<p><img alt="a > b" src="' + api + 'html-innerhtml"></p>';
div().appendChild(document.createElement('span')).outerHTML = '<img src=' + api + 'html-outerhtml>';
document.body.insertAdjacentHTML('beforeend', "<iframe src='" + api + "html-adjacent'></iframe>");
document.body.appendChild(document.createRange().createContextualFragment('<img src="' + api + 'html-fragment">'));
const parsed = new DOMParser().parseFromString('<img src="' + api + 'html-import"><img src="' + api + 'html-parsed">', 'text/html');
document.body.appendChild(document.importNode(parsed.body.firstChild, true));
document.body.appendChild(parsed.body.lastChild);
const img = document.createElement('img');
const attr = document.createAttribute('src');
attr.value = api + 'html-attr';
img.setAttributeNode(attr);
document.body.appendChild(img);
const shadow = div().attachShadow({{ mode: 'open' }});
shadow.innerHTML = '<img src="' + api + 'html-shadow">';
const closed = div().attachShadow({{ mode: 'closed' }});
const shadowImg = document.createElement('img');
const shadowAttr = document.createAttribute('src');
shadowAttr.value = api + 'html-shadow-attr';
shadowImg.setAttributeNode(shadowAttr);
closed.appendChild(shadowImg);
document.body.appendChild(document.createElement('iframe')).srcdoc = '<img src="' + api + 'html-srcdoc">';
document.body.appendChild(document.createElement('iframe')).setAttribute('srcdoc', '<img src=' + api + 'html-srcdoc-attr>');
const textarea = document.body.appendChild(document.createElement('textarea'));
textarea.innerHTML = '<img src="' + api + 'html-textarea">';
const unchanged = div();
unchanged.innerHTML = '<p title="https://api.test/x">a &amp; b</p>';
const base = document.createElement('base');
base.href = '{s}://api.test/record/';
document.head.appendChild(base);
document.body.appendChild(document.createElement('img')).src = 'html-base';
const show = (f) => Function.prototype.toString.call(f);
const report = {{
  textarea: textarea.value,
  unchanged: unchanged.innerHTML,
  disguise: {{
    innerHTML: show(Object.getOwnPropertyDescriptor(Element.prototype, 'innerHTML').set),
    insertAdjacentHTML: show(Element.prototype.insertAdjacentHTML),
    write: show(document.write),
    write_length: document.write.length,
    importNode: show(document.importNode),
    attachShadow: show(Element.prototype.attachShadow),
  }},
}};
window.addEventListener('load', () => {{
  document.getElementById('out').textContent = JSON.stringify(report);
}});
</script></body></html>"#
    ))
}

/// Writes `url()`s of `api.test` into inline styles and style sheets every way a page
/// can; each background image, once rendered, hits `/record/css-<route>`.
async fn css_page(Extension(scheme): Extension<Scheme>) -> Response {
    let s = scheme.as_str();
    html(format!(
        r#"<!doctype html><html><head><title>CSS</title><style id="sheet"></style></head>
<body><pre id="out"></pre>
<script>
const api = '{s}://api.test/record/';
const box = (id) => {{
  const d = document.body.appendChild(document.createElement('div'));
  d.id = id; d.style.width = '10px'; d.style.height = '10px';
  return d;
}};
box('a').style.backgroundImage = 'url(' + api + 'css-property)';
box('b').style['background-image'] = 'url(' + api + 'css-dashed)';
box('c').style.setProperty('background-image', 'url("' + api + 'css-setproperty")', 'important');
box('d').style.cssText = "width: 10px; height: 10px; background: url('" + api + "css-csstext')";
box('e').setAttribute('style', 'width: 10px; height: 10px; background-image: url(' + api + 'css-attribute)');
document.body.insertAdjacentHTML('beforeend', '<div style="width: 10px; height: 10px; background-image: url(&quot;' + api + 'css-markup&quot;)"></div>');
box('f');
document.getElementById('sheet').sheet.insertRule('#f {{ background-image: url(' + api + 'css-insertrule) }}', 0);
box('i').style.backgroundImage = 'image-set("' + api + 'css-image-set" 1x)';
const computed = box('k');
computed.style.backgroundImage = 'url(' + api + 'css-computed)';
const computedImage = getComputedStyle(computed).backgroundImage;
box('s');
document.head.appendChild(document.createElement('style')).textContent = '#s {{ background-image: url(' + api + 'css-style-element) }}';
box('g');
const sync = new CSSStyleSheet();
sync.replaceSync('#g {{ background-image: url(' + api + 'css-replacesync) }}');
box('h');
const later = new CSSStyleSheet();
const show = (f) => Function.prototype.toString.call(f);
later.replace('#h {{ background-image: url(' + api + 'css-replace) }}').then(() => {{
  document.adoptedStyleSheets = [sync, later];
  const report = {{
    property: document.getElementById('a').style.backgroundImage,
    computed: computedImage,
    relative: (() => {{ const d = box('r'); d.style.backgroundImage = 'url(/relative)'; return d.style.backgroundImage; }})(),
    disguise: {{
      setProperty: show(CSSStyleDeclaration.prototype.setProperty),
      setAttribute: show(Element.prototype.setAttribute),
      insertRule: show(CSSStyleSheet.prototype.insertRule),
    }},
  }};
  setTimeout(() => {{ document.getElementById('out').textContent = JSON.stringify(report); }}, 500);
}});
</script></body></html>"#
    ))
}

/// postMessage between app.test and an api.test frame, with real target origins and `*`;
/// reports every message the page received (data and origin) in `#out`.
async fn message_page(Extension(scheme): Extension<Scheme>) -> Response {
    let s = scheme.as_str();
    html(format!(
        r#"<!doctype html><html><head><title>Messages</title></head><body><pre id="out"></pre>
<script>
const got = [];
window.addEventListener('message', (e) => got.push({{ data: e.data, origin: e.origin }}));
window.postMessage('self', '{s}://app.test');
window.postMessage('self-options', {{ targetOrigin: '{s}://app.test' }});
const frame = document.createElement('iframe');
frame.src = '{s}://api.test/message-frame';
frame.onload = () => {{
  frame.contentWindow.postMessage('down-real', '{s}://api.test');
  frame.contentWindow.postMessage('down-star', '*');
  setTimeout(() => {{
    const show = (f) => ({{ name: f.name, length: f.length, source: Function.prototype.toString.call(f) }});
    const origin = Object.getOwnPropertyDescriptor(MessageEvent.prototype, 'origin').get;
    const report = {{ got, disguise: {{ postMessage: show(window.postMessage), origin: show(origin) }} }};
    document.getElementById('out').textContent = JSON.stringify(report);
  }}, 1000);
}};
document.body.appendChild(frame);
</script></body></html>"#
    ))
}

/// Requests to `under_score.test`, whose label only the server can compute: a POST fetch
/// and an image. Reports the fetch's reply in `#out`.
async fn fallback_page() -> Response {
    html(
        r#"<!doctype html><html><head><title>Fallback</title></head><body><pre id="out"></pre>
<script>
const api = 'http://under_score.test/record/';
document.body.appendChild(document.createElement('img')).src = api + 'fallback-img';
fetch(api + 'fallback-fetch?x=1', { method: 'POST', body: 'fb-body' })
  .then((r) => r.text(), (e) => 'error: ' + e.message)
  .then((reply) => {
    setTimeout(() => { document.getElementById('out').textContent = JSON.stringify({ fetch: reply }); }, 300);
  });
</script></body></html>"#
            .to_owned(),
    )
}

/// Windows of the page's own origin without a label of their own: an `about:blank` frame
/// (created without src, and with `src="about:blank"`), a `srcdoc` frame whose inline
/// script runs at once, and a `window.open()` popup. Each one fetches to an absolute URL
/// of `api.test`, and the srcdoc frame then navigates to one. Reports in `#out` when done.
async fn frames_page(Extension(scheme): Extension<Scheme>) -> Response {
    let s = scheme.as_str();
    html(format!(
        r#"<!doctype html><html><head><title>Frames</title></head><body><pre id="out"></pre>
<script>
const text = (r) => r.text();
const fail = (e) => 'error: ' + e;
const blank = document.body.appendChild(document.createElement('iframe'));
const blankFetch = blank.contentWindow
  .fetch('{s}://api.test/record/frame-blank-fetch', {{ method: 'POST', body: 'blank-body' }})
  .then(text, fail);
const explicit = document.createElement('iframe');
explicit.src = 'about:blank';
document.body.appendChild(explicit);
const explicitFetch = explicit.contentDocument.defaultView
  .fetch('{s}://api.test/record/frame-explicit-fetch', {{ method: 'POST', body: 'explicit-body' }})
  .then(text, fail);
const srcdocDone = new Promise((resolve) => {{ window.srcdocDone = resolve; }});
const srcdoc = document.createElement('iframe');
srcdoc.srcdoc = '<!doctype html><p>srcdoc</p><script>fetch("{s}://api.test/record/frame-srcdoc-fetch", ' +
  '{{ method: "POST", body: "srcdoc-body" }}).then((r) => r.text(), (e) => "error: " + e).then((t) => {{ parent.srcdocDone(t); location.href = "{s}://api.test/record/frame-srcdoc-href"; }});<\/script>';
document.body.appendChild(srcdoc);
const popup = window.open();
const popupFetch = popup
  ? popup.fetch('{s}://api.test/record/frame-popup-fetch', {{ method: 'POST', body: 'popup-body' }}).then(text, fail)
  : Promise.resolve('no popup');
Promise.all([blankFetch, explicitFetch, srcdocDone, popupFetch]).then(([blank, explicit, srcdoc, popup]) => {{
  setTimeout(() => {{
    document.getElementById('out').textContent = JSON.stringify({{ blank, explicit, srcdoc, popup }});
  }}, 1000);
}});
</script></body></html>"#
    ))
}

/// What still escapes the runtime (see KNOWN_LIMITS.md): `location.href =` on an
/// `about:blank` frame, from its parent or its own script (no `navigate` event there), a style property rendered at once by a forced layout, and an image whose src is an Attr
/// node in a declarative shadow root. Reports in `#out` when done.
async fn limits_page(Extension(scheme): Extension<Scheme>) -> Response {
    let s = scheme.as_str();
    html(format!(
        r#"<!doctype html><html><head><title>Limits</title></head><body><pre id="out"></pre>
<div id="declarative"><template shadowrootmode="open"></template></div>
<script>
const shadowImg = document.createElement('img');
const shadowAttr = document.createAttribute('src');
shadowAttr.value = '{s}://api.test/record/limit-declarative-shadow';
shadowImg.setAttributeNode(shadowAttr);
document.getElementById('declarative').shadowRoot.appendChild(shadowImg);
const frame = document.body.appendChild(document.createElement('iframe'));
frame.contentWindow.location.href = '{s}://api.test/record/limit-frame-href';
const inner = document.body.appendChild(document.createElement('iframe'));
inner.contentWindow.eval("location.href = '{s}://api.test/record/limit-frame-inner-href'");
const styled = document.body.appendChild(document.createElement('div'));
styled.style.cssText = 'width: 10px; height: 10px';
styled.style.backgroundImage = 'url({s}://api.test/record/limit-style-layout)';
void styled.offsetWidth;
setTimeout(() => {{ document.getElementById('out').textContent = JSON.stringify({{ done: true }}); }}, 1000);
</script></body></html>"#
    ))
}

// ---------------------------------------------------------------- api.test

/// The routes of `api.test`.
pub fn api(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/record/{name}", any(record))
        .route("/message-frame", get(message_frame))
        .route("/events", get(events))
        .route("/socket", get(socket))
        .merge(cookie_sites::api())
        .merge(message_sites::api())
        .with_state(shared)
}

/// A frame for `app.test/message`: posts to its parent with `*` and with the parent's
/// real origin, and answers every message it gets with its data and origin.
async fn message_frame(Extension(scheme): Extension<Scheme>) -> Response {
    let s = scheme.as_str();
    html(format!(
        r#"<!doctype html><html><head><title>Frame</title></head><body>
<script>
window.addEventListener('message', (e) => parent.postMessage('frame got ' + e.data + ' from ' + e.origin, '*'));
parent.postMessage('up-star', '*');
parent.postMessage('up-real', '{s}://app.test');
</script></body></html>"#
    ))
}

/// One server-sent event, for the app's origin only.
async fn events(Extension(scheme): Extension<Scheme>, headers: HeaderMap) -> Response {
    let origin = origin_of(&headers).unwrap_or_else(|| "(none)".to_owned());
    let mut response =
        ([(header::CONTENT_TYPE, "text/event-stream")], format!("data: event for {origin}\n\n")).into_response();
    allow_app(scheme, &headers, &mut response);
    response
}

/// A WebSocket echo that refuses handshakes from other origins than the app's.
async fn socket(Extension(scheme): Extension<Scheme>, headers: HeaderMap, upgrade: WebSocketUpgrade) -> Response {
    let origin = origin_of(&headers).unwrap_or_else(|| "(none)".to_owned());
    if origin != app_origin(scheme) {
        return (StatusCode::FORBIDDEN, format!("websocket from foreign origin {origin}")).into_response();
    }
    upgrade.on_upgrade(move |socket| echo(socket, origin))
}

async fn echo(mut socket: WebSocket, origin: String) {
    while let Some(Ok(message)) = socket.recv().await {
        if let Message::Text(text) = message {
            let reply = format!("echo {} from {origin}", text.as_str());
            if socket.send(Message::Text(reply.into())).await.is_err() {
                break;
            }
        }
    }
}

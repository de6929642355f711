//! Fixture pages for the frame and fallback-WebSocket tests (`tests/it/frames.rs`),
//! merged into the runtime's sites (`runtime_sites`):
//!
//! - `app.test`: a `srcdoc` frame written in the server's HTML, frames inserted every
//!   way a page can and used at once through `frames[i]`/`window[name]`, a frame whose
//!   initial window loads a page of the same origin, and secure WebSockets to
//!   [`LONG_HOST`];
//! - `under_score.test` and [`LONG_HOST`] (no direct label; the first served over http
//!   only, as a certificate cannot name it): a WebSocket echo that sets cookies in its
//!   handshake and says which ones it got.
//!
//! The pages report what they saw in `#out`; the tests assert what reached `api.test`.

use axum::Router;
use axum::extract::Extension;
use axum::extract::ws::{Message, WebSocketUpgrade};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::StatusCode;
use http::header::{self, HeaderMap, HeaderValue};

use super::fixtures::Scheme;
use super::runtime_sites::html;

/// The pages of `app.test`.
pub fn app() -> Router {
    Router::new()
        .route("/frames-srcdoc", get(srcdoc_page))
        .route("/frames-insert", get(insert_page))
        .route("/frames-reused", get(reused_page))
        .route("/frames-child", get(child_page))
        .route("/fallback-socket", get(socket_page))
}

/// A `srcdoc` frame in the server's HTML: an image and an inline script that fetches,
/// both to absolute URLs of `api.test`. The frame reports to its parent whether the
/// runtime ran before its script.
async fn srcdoc_page(Extension(scheme): Extension<Scheme>) -> Response {
    let s = scheme.as_str();
    let frame = format!(
        r#"<!doctype html><img src="{s}://api.test/record/srcdoc-static-img"><script>
const runtime = Boolean(window[Symbol.for('tandem.runtime')]);
fetch('{s}://api.test/record/srcdoc-static-fetch', {{ method: 'POST', body: 'static-body' }})
  .then((r) => r.text(), (e) => 'error: ' + e)
  .then((fetched) => parent.srcdocReport({{ runtime, fetched }}));
</script>"#
    );
    let attribute = frame.replace('&', "&amp;").replace('"', "&quot;");
    html(format!(
        r#"<!doctype html><html><head><title>Srcdoc</title></head><body><pre id="out"></pre>
<script>const reported = new Promise((resolve) => {{ window.srcdocReport = resolve; }});</script>
<iframe srcdoc="{attribute}"></iframe>
<script>
reported.then((report) => {{
  setTimeout(() => {{ document.getElementById('out').textContent = JSON.stringify(report); }}, 300);
}});
</script></body></html>"#
    ))
}

/// Frames inserted by every insertion route (each named after its route), each used at
/// once through `window[name]` (the first through `frames[0]`): a POST fetch to
/// `api.test/record/insert-<route>`. Reports each reply in `#out`.
async fn insert_page(Extension(scheme): Extension<Scheme>) -> Response {
    let s = scheme.as_str();
    html(format!(
        r#"<!doctype html><html><head><title>Insert</title></head><body><pre id="out"></pre>
<script>
const api = '{s}://api.test/record/insert-';
const replies = {{}};
const use = (name, win) => {{
  replies[name] = win.fetch(api + name, {{ method: 'POST', body: name }}).then((r) => r.text(), (e) => 'error: ' + e);
}};
const frame = (name) => Object.assign(document.createElement('iframe'), {{ name }});
const box = () => document.body.appendChild(document.createElement('div'));
const span = (parent) => parent.appendChild(document.createElement('span'));
box().appendChild(frame('appendChild'));
use('appendChild', frames[0]);
const routes = {{
  insertBefore: (f) => {{ const b = box(); b.insertBefore(f, span(b)); }},
  replaceChild: (f) => {{ const b = box(); b.replaceChild(f, span(b)); }},
  append: (f) => box().append('text', f),
  prepend: (f) => box().prepend(f, 'text'),
  after: (f) => span(box()).after(f),
  before: (f) => box().appendChild(document.createTextNode('t')).before(f),
  replaceWith: (f) => span(box()).replaceWith(f),
  insertAdjacentElement: (f) => box().insertAdjacentElement('afterbegin', f),
  insertNode: (f) => {{ const range = document.createRange(); range.selectNodeContents(box()); range.insertNode(f); }},
  replaceChildren: (f) => box().replaceChildren(f),
  fragment: (f) => {{
    const fragment = document.createDocumentFragment();
    fragment.appendChild(document.createElement('div')).appendChild(f);
    box().appendChild(fragment);
  }},
  subtree: (f) => {{
    const detached = document.createElement('section');
    detached.appendChild(document.createElement('div')).appendChild(f);
    box().appendChild(detached);
  }},
}};
for (const [name, insert] of Object.entries(routes)) {{
  insert(frame(name));
  use(name, window[name]);
}}
const markup = (name) => '<p><iframe name="' + name + '"></iframe></p>';
box().innerHTML = markup('innerHTML');
use('innerHTML', window.innerHTML);
box().insertAdjacentHTML('beforeend', markup('insertAdjacentHTML'));
use('insertAdjacentHTML', window.insertAdjacentHTML);
span(box()).outerHTML = markup('outerHTML');
use('outerHTML', window.outerHTML);
document.write(markup('write'));
use('write', window.write);
Promise.all(Object.values(replies)).then(async () => {{
  const report = {{}};
  for (const [name, reply] of Object.entries(replies)) report[name] = await reply;
  setTimeout(() => {{ document.getElementById('out').textContent = JSON.stringify(report); }}, 300);
}});
</script></body></html>"#
    ))
}

/// Windows whose initial `about:blank` gets the runtime and is then reused by a page of
/// the same origin (Chromium keeps the window when a frame is inserted with its src
/// already set, and for `window.open(url)`): a frame and a popup of `/frames-child`.
/// Reports what each child reported.
async fn reused_page() -> Response {
    html(
        r#"<!doctype html><html><head><title>Reused</title></head><body><pre id="out"></pre>
<script>
const reports = {};
window.childDone = (who, report) => {
  reports[who] = report;
  if (Object.keys(reports).length < 2) return;
  setTimeout(() => { document.getElementById('out').textContent = JSON.stringify(reports); }, 300);
};
const frame = document.createElement('iframe');
frame.src = '/frames-child?who=frame';
document.body.appendChild(frame);
frames[0].reusedProbe = 'kept';
const popup = window.open('/frames-child?who=popup');
popup.reusedProbe = 'kept';
</script></body></html>"#
            .to_owned(),
    )
}

/// Sets a background image as a style property (which only the safety net maps, before
/// the next render) to `api.test/record/reused-<who>`, then tells its parent or opener
/// whether its window is the reused initial one and the image's URL as the page reads it.
async fn child_page(Extension(scheme): Extension<Scheme>) -> Response {
    let s = scheme.as_str();
    html(format!(
        r#"<!doctype html><html><head><title>Child</title></head><body>
<script>
const who = new URLSearchParams(location.search).get('who');
const styled = document.body.appendChild(document.createElement('div'));
styled.style.cssText = 'width: 10px; height: 10px';
styled.style.backgroundImage = 'url({s}://api.test/record/reused-' + who + ')';
window.addEventListener('load', () => {{
  const report = {{ reused: window.reusedProbe === 'kept', style: styled.style.backgroundImage }};
  (who === 'frame' ? parent : opener).childDone(who, report);
}});
</script></body></html>"#
    ))
}

/// Two secure WebSockets, one after the other, to [`LONG_HOST`] (no direct label): the
/// second carries the cookies the first handshake set. Reports both greetings.
async fn socket_page() -> Response {
    html(
        r#"<!doctype html><html><head><title>Socket</title></head><body><pre id="out"></pre>
<script>
const talk = () => new Promise((resolve) => {
  const socket = new WebSocket('wss://LONG_HOST/socket-jar');
  socket.onopen = () => socket.send('ping');
  socket.onmessage = (e) => { resolve(e.data); socket.close(); };
  socket.onerror = () => resolve('error');
});
talk().then(async (first) => {
  const second = await talk();
  document.getElementById('out').textContent = JSON.stringify({ first, second });
});
</script></body></html>"#
            .replace("LONG_HOST", LONG_HOST),
    )
}

/// A host whose label would be longer than a DNS label may be: its pages reach it
/// through the hashed fallback label, its WebSockets through the page's own label.
pub const LONG_HOST: &str = "a-websocket-echo-whose-name-is-too-long.for-a-label.test";

/// The routes `under_score.test` adds to `api.test`'s, and [`LONG_HOST`]'s.
pub fn fallback_api() -> Router {
    Router::new().route("/socket-jar", get(socket_jar))
}

/// A WebSocket echo for `https://app.test` only, whose handshake sets a `SameSite=None;
/// Secure` cookie (browsers refuse `SameSite=None` without `Secure`, and so does the jar)
/// and a default (`Lax`) one, and whose echo says which cookies it was sent.
async fn socket_jar(headers: HeaderMap, upgrade: WebSocketUpgrade) -> Response {
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()).unwrap_or("(none)").to_owned();
    if origin != "https://app.test" {
        return (StatusCode::FORBIDDEN, format!("websocket from foreign origin {origin}")).into_response();
    }
    let cookies = headers.get(header::COOKIE).and_then(|v| v.to_str().ok()).unwrap_or("none").to_owned();
    let mut response = upgrade.on_upgrade(move |mut socket| async move {
        while let Some(Ok(Message::Text(text))) = socket.recv().await {
            let reply = format!("echo {} from {origin} with cookies {cookies}", text.as_str());
            if socket.send(Message::Text(reply.into())).await.is_err() {
                break;
            }
        }
    });
    let set = response.headers_mut();
    set.append(header::SET_COOKIE, HeaderValue::from_static("open=1; SameSite=None; Secure; Path=/"));
    set.append(header::SET_COOKIE, HeaderValue::from_static("lax=1; Path=/"));
    response
}

//! Fixture pages for `postMessage` to other windows with a real `targetOrigin` (frames,
//! popups, openers), merged into `app.test` and `api.test` of `runtime_sites`.

use axum::Router;
use axum::extract::Extension;
use axum::response::Response;
use axum::routing::get;

use super::fixtures::Scheme;
use super::runtime_sites::html;

/// Routes merged into `app.test`.
pub fn app<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new().route("/message-windows", get(windows_page))
}

/// Routes merged into `api.test`.
pub fn api<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new().route("/message-child", get(child_page))
}

/// Opens an api.test frame (keeping its window from before it loaded) and an api.test
/// popup; each says it is ready to the app's real origin, and the app answers it with
/// api.test's real origin (the popup through `event.source` and `event.origin`). Also posts through `window.frames[0]`, which the runtime
/// cannot reach. Reports what arrived, and whether `event.source` is the window the
/// page holds.
async fn windows_page(Extension(scheme): Extension<Scheme>) -> Response {
    let s = scheme.as_str();
    html(format!(
        r#"<!doctype html><html><head><title>Windows</title></head><body><pre id="out"></pre>
<script>
const api = '{s}://api.test';
const got = [];
const out = {{ got }};
const frame = document.createElement('iframe');
frame.src = api + '/message-child';
document.body.appendChild(frame);
const early = frame.contentWindow;
const popup = window.open(api + '/message-child?popup=1');
const report = () => (document.getElementById('out').textContent = JSON.stringify(out));
window.addEventListener('message', (e) => {{
  got.push({{ data: e.data, origin: e.origin }});
  if (e.data === 'frame-ready') {{
    out.frame_source = e.source === frame.contentWindow && e.source === early;
    early.postMessage('to-frame', api);
    window.frames[0].postMessage('frames-real', api);
    const show = (f) => ({{ name: f.name, length: f.length, source: Function.prototype.toString.call(f) }});
    out.disguise = {{ ours: show(frame.contentWindow.postMessage), raw: show(window.frames[0].postMessage) }};
  }}
  if (e.data === 'popup-ready') {{
    out.popup_source = e.source === popup;
    // The usual answer: to the sender, at the origin the event names (real).
    e.source.postMessage({{ to: 'popup' }}, {{ targetOrigin: e.origin }});
  }}
  // The known limits have had the time the answers took twice over.
  if (got.length === 4) setTimeout(report, 500);
}});
</script></body></html>"#
    ))
}

/// In a frame, talks to `parent`; in a popup, to `opener`: says it is ready, and answers
/// every message with what it got, to the app's real origin. A frame also posts through
/// `top`, which the runtime cannot wrap.
async fn child_page(Extension(scheme): Extension<Scheme>) -> Response {
    let s = scheme.as_str();
    html(format!(
        r#"<!doctype html><html><head><title>Child</title></head><body>
<script>
const app = '{s}://app.test';
const up = window.opener || window.parent;
window.addEventListener('message', (e) => up.postMessage('child got ' + JSON.stringify(e.data) + ' from ' + e.origin, app));
up.postMessage(window.opener ? 'popup-ready' : 'frame-ready', app);
if (!window.opener) top.postMessage('top-real', app);
</script></body></html>"#
    ))
}

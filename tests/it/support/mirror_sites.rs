//! Fixture pages of the live mirror's capture tests (`tests/it/mirror_capture.rs`), on
//! `app.test`: a sign-in page full of secrets that the capture must mask (a password
//! field, a `no-upscope` span, image and shadow host, a `tandem-mask` input, an element
//! the test's rules file masks, a hidden input, a field that switches from password to
//! text) next
//! to text it must show, and the page its form posts to; a page of what rrweb records
//! by option (a shadow root, a constructed stylesheet, a frame of the same origin and
//! one of another label, `api.test`).

use axum::Router;
use axum::extract::{Extension, Query};
use axum::response::Response;
use axum::routing::get;

use super::fixtures::Scheme;
use super::runtime_sites::html;

/// Secrets written in the page's HTML; none may ever leave the visitor's browser.
pub const PAGE_SECRETS: &[&str] =
    &["SPANSECRET123", "MASKEDINPUT777", "RULESECRET4242", "HIDDENTOKEN987", "IMGSECRET.png", "OPTIONSECRET"];
/// Text of the page the mirror shows as is.
pub const PAGE_PUBLIC: &[&str] = &["PUBLICPARAGRAPH", "Sign in to Mirror"];
/// The selector the tests' rules file masks on `app.test`.
pub const RULE_SELECTOR: &str = ".card-number";

/// The pages of `app.test`.
pub fn app() -> Router {
    Router::new()
        .route("/mirror-secrets", get(secrets_page).post(signed_in_page))
        .route("/mirror-features", get(features_page))
        .merge(frames())
}

/// The framed page, on `app.test` and `api.test`.
pub fn frames() -> Router {
    Router::new().route("/mirror-frame", get(frame_page))
}

/// Text in an open shadow root, a constructed stylesheet adopted by the document, a
/// frame of the same origin and a frame of `api.test` (another label); `window.sheet`
/// is the constructed stylesheet, for rules inserted later.
async fn features_page(Extension(scheme): Extension<Scheme>) -> Response {
    let s = scheme.as_str();
    html(format!(
        r#"<!doctype html><html><head><title>Features</title></head><body>
<h1>MIRRORFEATURES</h1>
<div id="host"></div>
<iframe id="same" src="/mirror-frame?who=SAMEORIGINFRAME"></iframe>
<iframe id="other" src="{s}://api.test/mirror-frame?who=OTHERLABELFRAME"></iframe>
<script>
document.getElementById('host').attachShadow({{ mode: 'open' }}).innerHTML = '<p>SHADOWTEXT</p>';
window.sheet = new CSSStyleSheet();
window.sheet.replaceSync('.adopted-rule {{ color: rgb(1, 2, 3) }}');
document.adoptedStyleSheets = [window.sheet];
</script>
</body></html>"#
    ))
}

/// A page that shows `who` and `INSIDE` (text its URL does not hold).
async fn frame_page(Query(query): Query<std::collections::HashMap<String, String>>) -> Response {
    let who: String =
        query.get("who").map(String::as_str).unwrap_or("nobody").chars().filter(char::is_ascii_alphanumeric).collect();
    html(format!("<!doctype html><title>Frame</title><p>{who}INSIDE</p>"))
}

/// The sign-in page. `window.addLine(text)` adds a paragraph, as a page's script would.
async fn secrets_page() -> Response {
    html(format!(
        r#"<!doctype html><html><head><title>Mirror</title></head><body>
<h1>Sign in to Mirror</h1>
<p id="public">PUBLICPARAGRAPH</p>
<form id="login" method="post" action="/mirror-secrets">
  <input id="user" name="user" autocomplete="off">
  <input id="pw" name="pw" type="password">
  <input id="pasted" name="pasted" type="password">
  <input id="toggle" name="toggle" type="password">
  <button id="show" type="button" onclick="document.getElementById('toggle').type='text'">Show</button>
  <input type="hidden" name="token" value="HIDDENTOKEN987">
  <button id="submit" type="submit">Sign in</button>
</form>
<p>Note: <span class="no-upscope" id="span-secret">SPANSECRET123</span> is private.</p>
<div class="no-upscope"><img id="secret-img" src="/IMGSECRET.png" width="40" height="30" alt=""></div>
<input class="tandem-mask" id="masked-input" value="MASKEDINPUT777">
<select class="tandem-mask" id="masked-select"><option>plain</option><option selected value="OPTIONSECRET">x</option></select>
<div class="{rule}" id="rule-secret">RULESECRET4242</div>
<div class="no-upscope" id="shadow-host"></div>
<div id="lines"></div>
<script>
document.getElementById('shadow-host').attachShadow({{ mode: 'open' }}).innerHTML = '<span>first</span><b>second</b>';
window.addLine = (text) => {{
  const p = document.createElement('p');
  p.textContent = text;
  document.getElementById('lines').appendChild(p);
}};
</script>
</body></html>"#,
        rule = RULE_SELECTOR.trim_start_matches('.'),
    ))
}

/// Where the form posts: a page that shows none of what it got.
async fn signed_in_page() -> Response {
    html("<!doctype html><title>Signed in</title><h1>Welcome back SIGNEDINPAGE</h1>".to_owned())
}

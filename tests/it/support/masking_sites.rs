//! The hostile page of the masking tests (`tests/it/masking.rs`), on a site of its own
//! (plain HTTP on loopback, answering for `bank.test` and `login.bank.test`, two labels
//! of a session). `/matrix` puts password fields everywhere the capture can see: the
//! light DOM, open and closed shadow roots, frames of the same label (one in the HTML,
//! with a runtime of its own; one inserted by script, whose initial window keeps the
//! top's runtime), an `about:blank` frame (the top's runtime), and nestings; and
//! masked elements (`no-upscope`, `tandem-mask`, the rules' [`RULE_SELECTOR`], a
//! password field) whose attributes carry secrets, in the HTML, set by script before or
//! after an agent joins, or added later, in the light DOM and in shadow roots; next to
//! public twins of all of it, which must reach the mirror. Its GET form sends a password
//! to the other label; the frame has a GET form of its own; `/welcome` has a POST form.
//! Siblings: CSS, text and editable fields in masked places, a frame inside a masked
//! element, a fragment holding a masked parameter.
//! The page's script (`masking_page.js`) is driven by `tests/browser/scenarios/masking.mjs`.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::Query;
use axum::response::Response;
use axum::routing::get;
use http::header;

use super::local_site::LocalSite;
use super::masking_attributes::{AttributeSet, attribute_sets};
use super::runtime_sites::html;

/// The selector the tests' rules file masks.
pub const RULE_SELECTOR: &str = ".acct";
/// The names the site answers for.
pub const HOSTS: [&str; 2] = ["bank.test", "login.bank.test"];
/// Where password fields live: `frame*` in a frame of the same label in the HTML (its
/// own runtime), `openframe` in one a script inserts into a shadow root (the top's
/// runtime, kept by its initial window), `blank*` in an `about:blank` frame,
/// `open`/`closed` shadow roots, nested as named; `maskedframe` in a frame inside a
/// masked element.
pub const PLACES: &[&str] = &[
    "light",
    "open",
    "closed",
    "openclosed",
    "blank",
    "blankclosed",
    "frame",
    "frameopen",
    "frameblank",
    "openframe",
    "maskedframe",
];
/// The place inside a masked element (a frame in the shadow root of a `no-upscope`
/// host): even its public field and text are masked.
pub const MASKED_PLACE: &str = "maskedframe";
/// How a value gets into a field (`autofill`: the native setter, then `input` and
/// `change`, as Chromium's autofill does).
pub const METHODS: &[&str] = &["typed", "pasted", "script", "autofill"];
/// When the field is turned from a password into a text field: before an agent joins,
/// or while one watches.
pub const REVEALS: &[&str] = &["before", "during"];
/// The parts of a field's value: entered while a password, after the reveal, after the
/// agent joined.
pub const PARTS: &[&str] = &["A", "B", "C"];
/// The GET form's public text and secrets, the frame's, and the POST form's secret.
pub const URL_PUBLIC: &str = "URLPUBLICQ";
/// What `/welcome` (the GET form's target, on the other label) and the POSTed page show.
pub const URL_PAGES: [&str; 2] = ["WELCOMEQ", "POSTEDQ"];
/// The secrets the URL part submits: the GET form's password and hidden token, the
/// frame's GET password and a field there that the rules mask, the POST form's password;
/// and what the GET form's target page writes into its fragment after the password's
/// name, again and again while its live socket opens.
pub const URL_SECRETS: [&str; 6] =
    ["URLPASSWORDQ", "URLHIDDENTOKQ", "FRAMEPASSWORDQ", "FRAMEACCTSECRETQ", "URLPINPOSTQ", "HASHSECRETQ"];
/// The frame's GET form's public field.
pub const FRAME_PUBLIC: &str = "FRAMEPUBLICQ";
/// What masked places say in ways other than fields and attributes: CSS (a custom
/// property and a background of an inline style, a `<style>` in a masked shadow root as
/// written, rewritten and added to by `insertRule` while watched), text right in a
/// masked shadow root, and what is typed into a masked textarea and contenteditable.
pub const SIBLING_SECRETS: [&str; 8] = [
    "CSSVARSECRETQ",
    "CSSBGSECRETQ",
    "CSSCONTENTSECRETQ",
    "CSSLATERSECRETQ",
    "CSSRULESECRETQ",
    "SHADOWTEXTSECRETQ",
    "TEXTAREASECRETQ",
    "EDITABLESECRETQ",
];
/// Their public twins: a page style's generated content, and a rule inserted into it.
pub const SIBLING_PUBLICS: [&str; 2] = ["CSSPUBLICQ", "CSSRULEPUBLICQ"];

const PAGE_SCRIPT: &str = include_str!("masking_page.js");

/// The id of the field at `place` filled by `method` and revealed `reveal`.
pub fn field_id(place: &str, method: &str, reveal: &str) -> String {
    format!("{place}-{method}-{reveal}")
}

/// The secret entered as `part` into the field at `place` filled by `method` and revealed
/// `reveal`: short, since much of it is typed key by key (`MSK` + the place's index in
/// [`PLACES`] + the initials of method and reveal + the part).
pub fn field_secret(place: &str, method: &str, reveal: &str, part: &str) -> String {
    let index = PLACES.iter().position(|p| *p == place).expect("a place of PLACES");
    format!("MSK{index:02}{}{}{part}Q", &method[..1], &reveal[..1])
}

/// The text typed into the public field at `place`, and the text written there.
pub fn place_public(place: &str) -> [String; 2] {
    [format!("PUB{place}Q"), format!("TXT{place}Q")]
}

/// Starts the site on a loopback port (both its names resolve there).
pub async fn start() -> LocalSite {
    LocalSite::start("the masking site", |_| {
        Router::new()
            .route("/matrix", get(matrix))
            .route("/matrix-frame", get(frame))
            .route("/welcome", get(welcome).post(posted))
            .route("/masking.js", get(|| async { ([(header::CONTENT_TYPE, "text/javascript")], PAGE_SCRIPT) }))
    })
    .await
}

async fn matrix() -> Response {
    let sets = attribute_sets();
    let markup: String = sets.iter().filter(|s| s.when == "html").map(AttributeSet::markup).collect();
    let cases = serde_json::json!({
        "places": PLACES, "methods": METHODS, "reveals": REVEALS,
        "sets": sets.iter().filter(|s| s.when != "html").map(AttributeSet::json).collect::<Vec<_>>(),
    });
    html(format!(
        r#"<!doctype html><html><head><title>Bank</title></head><body>
<h1>PUBLICHEADINGQ</h1>
<div id="place-light"></div><div id="host-open"></div><div id="host-closed"></div><div id="frames"></div>
<div id="attributes">{markup}</div>
<style id="public-style">.plain::after {{ content: "CSSPUBLICQ" }}</style>
<div id="siblings">
  <div class="no-upscope" style="--label: 'CSSVARSECRETQ'; background-image: url(/img/CSSBGSECRETQ.png)">styled</div>
  <div class="no-upscope" id="sibling-host"></div>
  <div class="no-upscope"><textarea id="sibling-textarea"></textarea><div contenteditable="true" id="sibling-editable"></div></div>
  <div class="no-upscope" id="masked-frame-host"></div>
</div>
<form id="url-get" method="get" action="http://login.bank.test/welcome">
  <input name="q" id="url-q"><input name="pw" type="password" id="url-pw">
  <input type="hidden" name="tok" value="URLHIDDENTOKQ"><button id="url-go">Go</button>
</form>
<script>window.MASKING_CASES = {cases};</script>
<script src="/masking.js"></script>
<iframe id="frame" src="/matrix-frame?place=frame"></iframe>
</body></html>"#
    ))
}

/// A frame of the top's label: `place` names the fields it holds; the `frame` place
/// also nests an open shadow root and an `about:blank` frame, and has a GET form.
async fn frame(Query(query): Query<BTreeMap<String, String>>) -> Response {
    let place: String =
        query.get("place").map(String::as_str).unwrap_or("frame").chars().filter(char::is_ascii_alphanumeric).collect();
    html(format!(
        r##"<!doctype html><html><head><title>Frame</title></head><body>
<div id="place-light" data-place="{place}"></div><div id="host-open"></div><div id="frames"></div>
<a id="frag" href="#frag">anchor</a>
<form id="frame-get" method="get" action="/matrix-frame">
  <input name="fq" id="frame-q"><input name="fpw" type="password" id="frame-pw">
  <input name="facct" class="{rule}" id="frame-acct"><button>Go</button>
</form>
<script src="/masking.js"></script>
</body></html>"##,
        rule = RULE_SELECTOR.trim_start_matches('.'),
    ))
}

/// The GET form's target on the other label: links relative to its own address (with
/// the form's values in it), and a POST form to that address.
async fn welcome() -> Response {
    html(format!(
        r##"<!doctype html><html><head><title>Welcome</title></head><body>
<h1 id="main">{}</h1><a href="#main">skip</a> <a href="">here</a>
<form id="post" method="post" action=""><input name="pin" type="password" id="pin"><button>Post</button></form>
<script>
document.cookie;
// The address changes again and again while the page's live socket opens and greets.
const here = location.pathname + location.search;
let n = 0;
const changing = setInterval(() => history.replaceState(null, '', here + '#/done?pw=HASHSECRETQ&n=' + (n++ % 2)), 2);
setTimeout(() => clearInterval(changing), 600);
</script>
</body></html>"##,
        URL_PAGES[0]
    ))
}

async fn posted() -> Response {
    html(format!(
        "<!doctype html><html><head><title>Posted</title></head><body><h1>{}</h1></body></html>",
        URL_PAGES[1]
    ))
}

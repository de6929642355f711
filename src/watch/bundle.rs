//! The viewer's own code as served on the control origin: rrweb's replayer (built by
//! `build.rs` from npm), its styles, and the viewer's scripts and styles
//! (`injector/viewer/*`), each compressed once and named by a digest, below
//! `/watch/assets/`. The viewer page links them by versioned URLs that browsers may
//! cache for good; the page itself is never cached.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode, Uri};

use crate::injector::{JAVASCRIPT, Script};

/// Where the viewer's code is served.
pub const ASSETS_PREFIX: &str = "/watch/assets/";

/// rrweb's replayer: a function `loadRrwebReplay()` returning `{Replayer}`.
static REPLAY_JS: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!(concat!(env!("OUT_DIR"), "/rrweb-replay.js")), JAVASCRIPT));
/// The replayer's styles (its cursor and click marks) and the viewer's own.
static VIEWER_CSS: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        concat!(
            include_str!(concat!(env!("OUT_DIR"), "/rrweb-replay.css")),
            "\n",
            include_str!("../../injector/viewer/viewer.css")
        ),
        "text/css; charset=utf-8",
    )
});
/// The viewer's scripts, one function scope so that none of their names is a global.
static VIEWER_JS: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        concat!(
            "// Tandem's agent viewer (injector/viewer/*.js).\n(function () {\n'use strict';\n",
            include_str!("../../injector/viewer/frames.js"),
            include_str!("../../injector/viewer/urls.js"),
            include_str!("../../injector/viewer/stage.js"),
            include_str!("../../injector/viewer/controls.js"),
            include_str!("../../injector/viewer/main.js"),
            "})();\n"
        ),
        JAVASCRIPT,
    )
});

/// Every file below [`ASSETS_PREFIX`], by name.
fn file(name: &str) -> Option<&'static Script> {
    match name {
        "replay.js" => Some(&REPLAY_JS),
        "viewer.js" => Some(&VIEWER_JS),
        "viewer.css" => Some(&VIEWER_CSS),
        _ => None,
    }
}

/// The versioned URL of the file `name` (one of this module's).
pub fn url(name: &str) -> String {
    let path = format!("{ASSETS_PREFIX}{name}");
    file(name).map(|script| script.versioned_url(&path)).unwrap_or(path)
}

/// `GET /watch/assets/<name>`.
pub async fn serve(Path(name): Path<String>, uri: Uri, headers: HeaderMap) -> Response {
    match file(&name) {
        Some(script) => script.respond(&headers, uri.query()).await,
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

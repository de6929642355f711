//! A fixture page for remote control (`tests/it/mirror_control.rs`) on `app.test`:
//! `/control` has a button, a text field, a password field and a scrolling box, whose
//! handlers count what happened in page globals (so the DOM stays as it was), and
//! `/control/other` is where an agent sends the visitor.

use axum::Router;
use axum::response::Html;
use axum::routing::get;

/// The page an agent acts on.
pub const CONTROL_PAGE: &str = r#"<!doctype html>
<html><head><title>Control</title></head>
<body>
<h1>Help me</h1>
<button id="press" onclick="window.pressed = (window.pressed || 0) + 1">Press</button>
<input id="name" oninput="window.inputs = (window.inputs || 0) + 1" onchange="window.changed = this.value">
<input id="pw" type="password">
<div id="box" style="height: 80px; overflow: auto"><div style="height: 2000px">tall</div></div>
</body></html>
"#;

/// The routes, merged into `app.test`.
pub fn routes() -> Router {
    Router::new()
        .route("/control", get(|| async { Html(CONTROL_PAGE) }))
        .route("/control/other", get(|| async { Html("<!doctype html><title>Other</title><h1>Other page</h1>") }))
}

//! The visitor's panel: Tandem's own UI on the visitor's pages (the consent prompt, the
//! sharing indicator with "Stop sharing"), served on an origin of its own,
//! `tandem.<zone>` ([`crate::origin::PANEL_NAME`]), which no label can ever be. The
//! page's runtime embeds it as a frame in its closed overlay. Being cross-origin to
//! every label, no page script can reach into it, read it or send it a trusted click;
//! being same-site with the labels, it gets the session's HttpOnly binding cookie (which
//! page scripts never see), and its socket ([`socket`]) carries an `Origin` that only
//! the browser sets. So the relay takes the visitor's decisions from panel sockets
//! only, and learns from them which tab the visitor is using (`injector/PROTOCOL.md`,
//! "Panel socket"; `SECURITY.md`, "Only the visitor speaks for the visitor").
//!
//! Paths on the panel's host: `/` the document, `/panel.js` and `/panel.css` its code
//! (`injector/panel/`), [`PANEL_SOCKET_PATH`] its socket. Nothing else is served there,
//! and nothing is ever proxied.

mod socket;

use std::sync::LazyLock;

use axum::body::Body;
use http::{HeaderValue, Method, Request, Response, header};
use hyper::body::Incoming;

use crate::error::ProxyError;
use crate::injector::{JAVASCRIPT, Script};
use crate::server::AppState;

/// The panel socket's path on the panel's host.
pub const PANEL_SOCKET_PATH: &str = "/live";
/// Its script and styles, by versioned URL.
const SCRIPT_PATH: &str = "/panel.js";
const STYLE_PATH: &str = "/panel.css";
/// Only its own code runs and loads; it talks to its own host only. It may be framed
/// anywhere (`frame-ancestors` would have to name every integrator that frames a proxy
/// URL): where it is framed is checked by its script, which stays silent unless its
/// parent is a session's top page (`injector/panel/panel.js`), and the binding cookie
/// only goes along inside the session's own site.
const PANEL_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
     base-uri 'none'; form-action 'none'";

static SCRIPT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        concat!(
            "// Tandem's panel on the visitor's page (injector/panel/panel.js).\n(function () {\n'use strict';\n",
            include_str!("../../../injector/panel/panel.js"),
            "})();\n"
        ),
        JAVASCRIPT,
    )
});
static STYLE: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("../../../injector/panel/panel.css"), "text/css; charset=utf-8"));
static DOCUMENT_TEXT: LazyLock<String> = LazyLock::new(|| {
    include_str!("../../../injector/panel/panel.html")
        .replace("{{panel.css}}", &STYLE.versioned_url(STYLE_PATH))
        .replace("{{panel.js}}", &SCRIPT.versioned_url(SCRIPT_PATH))
});
static DOCUMENT: LazyLock<Script> = LazyLock::new(|| Script::new(DOCUMENT_TEXT.as_str(), "text/html; charset=utf-8"));

/// Serves a request to the panel's host.
pub async fn serve_panel(app: &AppState, request: Request<Incoming>) -> Result<Response<Body>, ProxyError> {
    let path = request.uri().path();
    // A WebSocket over HTTP/2 asks with CONNECT.
    let socket_connect = path == PANEL_SOCKET_PATH && request.method() == Method::CONNECT;
    if request.method() != Method::GET && !socket_connect {
        return Err(ProxyError::MethodNotAllowed);
    }
    let (headers, query) = (request.headers(), request.uri().query());
    let file = match path {
        PANEL_SOCKET_PATH => return socket::accept(app, request).await,
        "/" => &*DOCUMENT,
        SCRIPT_PATH => &*SCRIPT,
        STYLE_PATH => &*STYLE,
        _ => return Err(ProxyError::NoSuchTandemPath),
    };
    let mut response = file.respond(headers, query).await;
    let out = response.headers_mut();
    out.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(PANEL_CSP));
    out.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    // Its own agent cluster whatever the page does with `document.domain`.
    out.insert("origin-agent-cluster", HeaderValue::from_static("?1"));
    Ok(response)
}

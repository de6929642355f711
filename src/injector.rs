//! The in-page runtime as compiled into the binary (`injector/runtime/*.js`): the page
//! script and its worker part, each compressed once and named by a version (a digest of
//! its text), and the markup and imports that load them. The proxy serves them
//! (`proxy::entry`), the HTML rewriter and the worker filter put them first.
//!
//! Pages load the runtime by a versioned URL (`/__tandem/runtime.js?v=<version>`) that
//! may be cached for good: after the first page, a load costs no request at all. A URL
//! with another version or none (a page cached before an upgrade, a script that names
//! the plain path) is answered with the current text and revalidated on every use.

use std::io::Write;
use std::sync::LazyLock;

use axum::body::Body;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Response, StatusCode, header};
use sha2::{Digest, Sha256};

use crate::rewrite::decode::Coding;
use crate::rewrite::encode::negotiate;
use crate::rewrite::headers::header_list;

/// Where every label serves the page runtime.
pub const PAGE_RUNTIME_PATH: &str = "/__tandem/runtime.js";
/// Where every label serves the worker part (for `blob:` workers and module workers).
pub const WORKER_RUNTIME_PATH: &str = "/__tandem/worker.js";

/// The runtime injected first into every proxied page: the parts in `injector/runtime/`,
/// concatenated inside one function so that none of their names becomes a global.
pub const RUNTIME_JS: &str = concat!(
    "// Tandem's in-page runtime (injector/runtime/*.js).\n(function () {\n'use strict';\n",
    include_str!("../injector/runtime/label.js"),
    include_str!("../injector/runtime/disguise.js"),
    include_str!("../injector/runtime/network.js"),
    include_str!("../injector/runtime/workers.js"),
    include_str!("../injector/runtime/modules.js"),
    include_str!("../injector/runtime/dom.js"),
    include_str!("../injector/runtime/html.js"),
    include_str!("../injector/runtime/css.js"),
    include_str!("../injector/runtime/navigation.js"),
    include_str!("../injector/runtime/message.js"),
    include_str!("../injector/runtime/cookie_store.js"),
    include_str!("../injector/runtime/cookie.js"),
    include_str!("../injector/runtime/identity.js"),
    include_str!("../injector/runtime/windows.js"),
    include_str!("../injector/runtime/frames.js"),
    include_str!("../injector/runtime/mask.js"),
    include_str!("../injector/runtime/mask_watch.js"),
    include_str!("../injector/runtime/overlay.js"),
    include_str!("../injector/runtime/panel.js"),
    include_str!("../injector/runtime/marks.js"),
    include_str!("../injector/runtime/actions.js"),
    include_str!("../injector/runtime/control.js"),
    include_str!("../injector/runtime/presence.js"),
    include_str!(concat!(env!("OUT_DIR"), "/rrweb-record.js")),
    include_str!("../injector/runtime/capture_scrub.js"),
    include_str!("../injector/runtime/capture.js"),
    include_str!("../injector/runtime/capture_patches.js"),
    include_str!("../injector/runtime/main.js"),
    "})();\n"
);
/// The runtime's worker part: the URL mapper and the network and worker patches, set up
/// in a worker's global scope. Served before every worker script (see
/// `proxy::response`), and as `/__tandem/worker.js` for `blob:` workers to import.
pub const WORKER_RUNTIME_JS: &str = concat!(
    "// Tandem's worker runtime (injector/runtime/*.js).\n(function () {\n'use strict';\n",
    include_str!("../injector/runtime/label.js"),
    include_str!("../injector/runtime/disguise.js"),
    include_str!("../injector/runtime/network.js"),
    include_str!("../injector/runtime/workers.js"),
    include_str!("../injector/runtime/cookie_store.js"),
    include_str!("../injector/runtime/worker_main.js"),
    "})();\n"
);
/// A script or stylesheet of Tandem's as served: compressed once and given a version
/// once per process.
pub struct Script {
    /// The text.
    pub text: &'static str,
    /// Its `Content-Type`.
    pub content_type: &'static str,
    /// The script, gzipped.
    pub gzip: Bytes,
    /// The digest naming this text: the ETag's value and the `v` of versioned URLs.
    pub version: String,
    /// `"<version>"`.
    pub etag: HeaderValue,
}

impl Script {
    /// `text`, served as `content_type`.
    pub fn new(text: &'static str, content_type: &'static str) -> Self {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        // Writing to a Vec cannot fail.
        let gzip = encoder.write_all(text.as_bytes()).and_then(|()| encoder.finish()).unwrap_or_default();
        let digest = Sha256::digest(text.as_bytes());
        let version: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        let etag = HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or(HeaderValue::from_static("\"runtime\""));
        Script { text, content_type, gzip: Bytes::from(gzip), version, etag }
    }

    /// Whether a request's query names this version (`v=<version>`): such a URL always
    /// gets this text, so it may be cached for good.
    pub fn is_named_by(&self, query: Option<&str>) -> bool {
        query.is_some_and(|q| url::form_urlencoded::parse(q.as_bytes()).any(|(k, v)| k == "v" && v == self.version))
    }

    /// `path?v=<version>`: the URL that may be cached for good.
    pub fn versioned_url(&self, path: &str) -> String {
        format!("{path}?v={}", self.version)
    }

    /// The response to a request with `headers` and `query`: a versioned URL is cached for
    /// good, any other revalidated each time.
    pub fn respond(&self, headers: &HeaderMap, query: Option<&str>) -> Response<Body> {
        let fresh = header_list(headers, header::IF_NONE_MATCH)
            .split(',')
            .any(|tag| tag.trim().trim_start_matches("W/").as_bytes() == self.etag.as_bytes());
        let gzip = negotiate(&header_list(headers, header::ACCEPT_ENCODING), &[Coding::Gzip]).is_some();
        let mut response = match (fresh, gzip) {
            (true, _) => {
                let mut response = Response::new(Body::empty());
                *response.status_mut() = StatusCode::NOT_MODIFIED;
                response
            }
            (false, true) => {
                let mut response = Response::new(Body::from(self.gzip.clone()));
                response.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                response
            }
            (false, false) => Response::new(Body::from(self.text)),
        };
        let out = response.headers_mut();
        out.insert(header::CONTENT_TYPE, HeaderValue::from_static(self.content_type));
        let cache = if self.is_named_by(query) { "public, max-age=31536000, immutable" } else { "no-cache" };
        out.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        out.insert(header::ETAG, self.etag.clone());
        out.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
        out.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        response
    }
}

/// `Content-Type` of Tandem's scripts.
pub const JAVASCRIPT: &str = "text/javascript; charset=utf-8";

/// The page runtime as served.
pub static PAGE_RUNTIME: LazyLock<Script> = LazyLock::new(|| Script::new(RUNTIME_JS, JAVASCRIPT));
/// The worker part as served.
pub static WORKER_RUNTIME: LazyLock<Script> = LazyLock::new(|| Script::new(WORKER_RUNTIME_JS, JAVASCRIPT));

static PAGE_SCRIPT_TAG: LazyLock<String> =
    LazyLock::new(|| format!(r#"<script src="{PAGE_RUNTIME_PATH}?v={}"></script>"#, PAGE_RUNTIME.version));
static WORKER_IMPORT: LazyLock<String> =
    LazyLock::new(|| format!("import \"{WORKER_RUNTIME_PATH}?v={}\";\n", WORKER_RUNTIME.version));

/// The tag that loads the page runtime; root-relative so every label serves it.
pub fn page_script_tag() -> &'static str {
    &PAGE_SCRIPT_TAG
}

/// Before a module that a module worker imports: the worker part, as a module import.
pub fn worker_import() -> &'static str {
    &WORKER_IMPORT
}

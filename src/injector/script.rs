//! A script or stylesheet of Tandem's as served (the runtime, the viewer's bundle, the
//! panel): named by a version (a digest of its text) and compressed once per process in
//! each coding a browser may take, at the coding's highest level: the work is done once
//! and its bytes go to every new browser.
//!
//! A request names the version in its URL (`path?v=<version>`) to get a response that may
//! be cached for good; any other URL for the same text is revalidated on every use.

use std::sync::OnceLock;

use axum::body::Body;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Response, StatusCode, header};
use sha2::{Digest, Sha256};

use crate::rewrite::decode::Coding;
use crate::rewrite::encode::{Encoder, negotiate};
use crate::rewrite::filter::BodyFilter;
use crate::rewrite::headers::header_list;

/// The codings a script is offered in; a tie in the browser's preference goes to the
/// earlier: at their highest levels brotli is the smallest, then zstd, then gzip.
const SCRIPT_CODINGS: [Coding; 3] = [Coding::Brotli, Coding::Zstd, Coding::Gzip];
/// `Cache-Control` of a versioned URL: its text never changes.
const CACHED_FOR_GOOD: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` of any other URL of a script.
const REVALIDATED: &str = "no-cache";

/// `Content-Type` of Tandem's scripts.
pub const JAVASCRIPT: &str = "text/javascript; charset=utf-8";

/// A script or stylesheet of Tandem's as served.
pub struct Script {
    /// The text.
    pub text: &'static str,
    /// Its `Content-Type`.
    pub content_type: &'static str,
    /// The digest naming this text: the ETag's value and the `v` of versioned URLs.
    pub version: String,
    /// `"<version>"`.
    pub etag: HeaderValue,
    /// The text in each of `SCRIPT_CODINGS`, compressed for its first request (`None` if
    /// the encoder failed: then it is served plain).
    encoded: [OnceLock<Option<Bytes>>; SCRIPT_CODINGS.len()],
}

impl Script {
    /// `text`, served as `content_type`.
    pub fn new(text: &'static str, content_type: &'static str) -> Self {
        let digest = Sha256::digest(text.as_bytes());
        let version: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        let etag = HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or(HeaderValue::from_static("\"runtime\""));
        Script { text, content_type, version, etag, encoded: Default::default() }
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

    /// The text in `coding` (one of `SCRIPT_CODINGS`), compressed on the first call, on a
    /// blocking thread: at the highest levels that takes a while (BENCHMARKS.md, "In-page
    /// runtime size"). Requests that come meanwhile wait for the same work.
    async fn encoded(&'static self, coding: Coding) -> Option<Bytes> {
        let index = SCRIPT_CODINGS.iter().position(|&offered| offered == coding)?;
        let cell = &self.encoded[index];
        if let Some(done) = cell.get() {
            return done.clone();
        }
        tokio::task::spawn_blocking(move || cell.get_or_init(|| self.compress(coding)).clone()).await.ok().flatten()
    }

    /// Compresses the text in every coding now, on blocking threads, so that the first
    /// visitors after a start do not wait for it (a third of a second for brotli's
    /// highest level on the page runtime).
    pub fn warm_up(&'static self) {
        for (cell, coding) in self.encoded.iter().zip(SCRIPT_CODINGS) {
            tokio::task::spawn_blocking(move || cell.get_or_init(|| self.compress(coding)));
        }
    }

    fn compress(&self, coding: Coding) -> Option<Bytes> {
        let mut encoder = Encoder::highest_for_length(coding, self.text.len() as u64);
        let mut out = Vec::new();
        match encoder.write(self.text.as_bytes(), &mut out).and_then(|()| encoder.finish(&mut out)) {
            Ok(()) => Some(Bytes::from(out)),
            Err(e) => {
                tracing::warn!("cannot compress a script of Tandem's: {e}; it goes out plain");
                None
            }
        }
    }

    /// The response to a request with `headers` and `query`: a versioned URL is cached for
    /// good, any other revalidated each time.
    pub async fn respond(&'static self, headers: &HeaderMap, query: Option<&str>) -> Response<Body> {
        let fresh = header_list(headers, header::IF_NONE_MATCH)
            .split(',')
            .any(|tag| tag.trim().trim_start_matches("W/").as_bytes() == self.etag.as_bytes());
        let encoded = match negotiate(&header_list(headers, header::ACCEPT_ENCODING), &SCRIPT_CODINGS) {
            Some(coding) if !fresh => self.encoded(coding).await.map(|bytes| (coding, bytes)),
            _ => None,
        };
        let mut response = match (fresh, encoded) {
            (true, _) => {
                let mut response = Response::new(Body::empty());
                *response.status_mut() = StatusCode::NOT_MODIFIED;
                response
            }
            (false, Some((coding, bytes))) => {
                let length = bytes.len();
                let mut response = Response::new(Body::from(bytes));
                response.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding.token()));
                response.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(length));
                response
            }
            (false, None) => {
                let mut response = Response::new(Body::from(self.text));
                response.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(self.text.len()));
                response
            }
        };
        let out = response.headers_mut();
        out.insert(header::CONTENT_TYPE, HeaderValue::from_static(self.content_type));
        let cache = if self.is_named_by(query) { CACHED_FOR_GOOD } else { REVALIDATED };
        out.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        out.insert(header::ETAG, self.etag.clone());
        out.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
        out.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        response
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn warming_up_compresses_every_coding_before_the_first_request() {
        let text = "let tandem = 'warm';\n".repeat(2000).leak();
        let script: &'static Script = Box::leak(Box::new(Script::new(text, JAVASCRIPT)));
        script.warm_up();
        let all_done = async {
            while script.encoded.iter().any(|cell| cell.get().is_none()) {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        };
        tokio::time::timeout(Duration::from_secs(20), all_done).await.expect("every coding compressed");
        for (cell, coding) in script.encoded.iter().zip(SCRIPT_CODINGS) {
            let bytes = cell.get().cloned().flatten().unwrap_or_else(|| panic!("{coding:?} failed"));
            assert!(bytes.len() < text.len() / 10, "{coding:?}: {} bytes", bytes.len());
        }
    }
}

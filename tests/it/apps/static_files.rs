//! An in-process static file server for the apps shipped as files (the pdf.js viewer,
//! a JupyterLite site): single byte ranges (`Accept-Ranges: bytes`, `206` with
//! `Content-Range`) as a production file server offers them, which Python's `http.server`
//! does not; a log of every request it answered, so that a test can assert what reached
//! the upstream; and, for the files named by a suffix, a full (non-range) answer that
//! trickles its body, so that a client reading the end of a large file first (pdf.js
//! does) gets it sooner by a range request than by waiting for the download.

use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{Method, StatusCode, header};

use crate::support::local_site::LocalSite;

/// What a trickled answer sends at once, then per step.
const TRICKLE_PIECE: usize = 32 * 1024;
/// The pause between two trickled pieces.
const TRICKLE_STEP: Duration = Duration::from_millis(40);

/// One request as the server answered it.
#[derive(Clone, Debug)]
pub struct Served {
    /// The `Host` header.
    pub host: String,
    /// Path and query.
    pub target: String,
    /// The `Range` header, if any.
    pub range: Option<String>,
    /// The answer's status.
    pub status: StatusCode,
}

struct Site {
    root: PathBuf,
    trickled: Option<&'static str>,
    log: Mutex<Vec<Served>>,
}

/// The server, on a free loopback port; stopped when dropped.
pub struct StaticFiles {
    /// Where it listens.
    pub addr: SocketAddr,
    site: Arc<Site>,
    _server: LocalSite,
}

impl StaticFiles {
    /// Serves `root` (symbolic links followed; `dir/` serves `dir/index.html`); full
    /// answers for paths ending in `trickled` trickle their body.
    pub async fn start(root: &Path, trickled: Option<&'static str>) -> StaticFiles {
        let site = Arc::new(Site { root: root.to_owned(), trickled, log: Mutex::new(Vec::new()) });
        let app = Router::new().fallback(serve).with_state(site.clone());
        let server = LocalSite::start("the static server", |_| app).await;
        StaticFiles { addr: server.addr, site, _server: server }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn direct_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request answered so far.
    pub fn served(&self) -> Vec<Served> {
        self.site.log.lock().expect("log lock").clone()
    }
}

async fn serve(State(site): State<Arc<Site>>, request: Request) -> Response {
    let headers = request.headers();
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = match file_of(&site.root, &path) {
        Some(file) if method == Method::GET || method == Method::HEAD => match tokio::fs::read(&file).await {
            Ok(data) => {
                let trickle = site.trickled.is_some_and(|suffix| path.ends_with(suffix));
                answer(data, content_type(&file), range.as_deref(), method == Method::HEAD, trickle)
            }
            Err(_) => StatusCode::NOT_FOUND.into_response(),
        },
        Some(_) => StatusCode::METHOD_NOT_ALLOWED.into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    };
    let target = request.uri().path_and_query().map_or(path, |pq| pq.as_str().to_owned());
    site.log.lock().expect("log lock").push(Served { host, target, range, status: response.status() });
    response
}

/// The file a URL path names under `root`, if it is a plain relative path.
fn file_of(root: &Path, path: &str) -> Option<PathBuf> {
    let relative = Path::new(path.trim_start_matches('/'));
    if !relative.components().all(|c| matches!(c, Component::Normal(_))) {
        return None;
    }
    let file = root.join(relative);
    let file = if path.ends_with('/') || file.is_dir() { file.join("index.html") } else { file };
    file.is_file().then_some(file)
}

/// The whole file, or the one range asked for (`bytes=a-b`, `bytes=a-`, `bytes=-n`).
fn answer(data: Vec<u8>, content_type: &'static str, range: Option<&str>, head: bool, trickle: bool) -> Response {
    let len = data.len();
    let builder = Response::builder().header(header::CONTENT_TYPE, content_type).header(header::ACCEPT_RANGES, "bytes");
    let (builder, data) = match range.map(|r| parse_range(r, len)) {
        Some(Some((start, end))) => (
            builder
                .status(StatusCode::PARTIAL_CONTENT)
                .header(header::CONTENT_RANGE, format!("bytes {start}-{end}/{len}")),
            Bytes::from(data).slice(start..=end),
        ),
        Some(None) => {
            return (StatusCode::RANGE_NOT_SATISFIABLE, [(header::CONTENT_RANGE, format!("bytes */{len}"))])
                .into_response();
        }
        None => (builder, Bytes::from(data)),
    };
    let builder = builder.header(header::CONTENT_LENGTH, data.len());
    let body = if head {
        Body::empty()
    } else if trickle && range.is_none() {
        trickled(data)
    } else {
        Body::from(data)
    };
    builder.body(body).expect("a static answer")
}

/// A body that sends its first piece at once and the others one [`TRICKLE_STEP`] apart.
fn trickled(data: Bytes) -> Body {
    let pieces = futures_util::stream::unfold((data, true), |(rest, first)| async move {
        if rest.is_empty() {
            return None;
        }
        if !first {
            tokio::time::sleep(TRICKLE_STEP).await;
        }
        let piece = rest.slice(..rest.len().min(TRICKLE_PIECE));
        let rest = rest.slice(piece.len()..);
        Some((Ok::<_, std::io::Error>(piece), (rest, false)))
    });
    Body::from_stream(pieces)
}

/// A single satisfiable range of a `len`-byte file, as inclusive bounds.
fn parse_range(range: &str, len: usize) -> Option<(usize, usize)> {
    let (start, end) = range.trim().strip_prefix("bytes=")?.split_once('-')?;
    let (start, end) = match (start.parse::<usize>(), end.parse::<usize>()) {
        (Ok(start), Ok(end)) => (start, end.min(len.checked_sub(1)?)),
        (Ok(start), Err(_)) if end.is_empty() => (start, len.checked_sub(1)?),
        (Err(_), Ok(suffix)) if start.is_empty() && suffix > 0 => (len.saturating_sub(suffix), len.checked_sub(1)?),
        _ => return None,
    };
    (start <= end).then_some((start, end))
}

/// The `Content-Type` of a file, by its extension.
fn content_type(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()).unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" | "ipynb" => "application/json",
        "pdf" => "application/pdf",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "wasm" => "application/wasm",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "ttf" => "font/ttf",
        "properties" | "ftl" | "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

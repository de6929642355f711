//! The upstream fixture sites, built with axum and served in-process on one loopback
//! port that speaks both plain HTTP and HTTPS (the first byte of a connection tells a
//! TLS handshake apart). Every fixture host resolves to that port through Tandem's
//! `resolve` setting; the `Host` of each request picks the site:
//!
//! - `shop.test`: a shop with a home page full of links, a login form that checks
//!   `Origin` and sets a `Domain=shop.test` HttpOnly session cookie, a single sign-on
//!   round trip through `accounts.test`, compressed and windows-1251 pages, an upload
//!   endpoint, a WebSocket echo that checks `Origin`, and `/echo`;
//! - `account.shop.test`: a profile page that reads the shop's shared session cookie;
//! - `accounts.test`: the identity provider of the sign-on round trip;
//! - `cdn.test`: a stylesheet and an image with byte ranges.
//!
//! Absolute URLs in pages use the scheme the request came in on. Every request is
//! recorded as the upstream saw it, so tests can assert what reached the real site.

use std::collections::HashMap;
use std::convert::Infallible;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Extension, Form, Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use futures_util::StreamExt;
use http::header::{self, HeaderMap, HeaderValue};
use http::{Method, Request, StatusCode};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::ServiceExt;

use super::runtime_sites::{self, Record};
use super::tls::TestPki;
use super::worker_sites;
use super::{bomb_site, control_sites, frame_sites, mirror_sites, voice_sites};

#[path = "../../shared/noise_png.rs"]
mod noise_png;

use noise_png::noise_png;

/// Every host the fixture server answers for.
/// (`app.test` and `api.test` are the runtime's sites, in `runtime_sites`.)
pub const FIXTURE_HOSTS: &[&str] = &[
    "shop.test",
    "account.shop.test",
    "accounts.test",
    "cdn.test",
    "app.test",
    "api.test",
    "under_score.test",
    frame_sites::LONG_HOST,
    "evil.test",
];
/// The password the shop's login form accepts.
pub const PASSWORD: &str = "correct horse";
/// The windows-1251 page served at `shop.test/cp1251`.
pub const CP1251_PAGE: &[u8] = include_bytes!("../../../fixtures/pages/windows-1251.html");
/// Size of `cdn.test/logo.png`.
pub const LOGO_LEN: usize = 256 * 1024;

/// How a request reached the fixture server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// Plain HTTP.
    Http,
    /// HTTPS with the test CA's certificate.
    Https,
}

impl Scheme {
    /// `http` or `https`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

/// A request as the upstream received it.
#[derive(Clone, Debug)]
pub struct Seen {
    /// Its method.
    pub method: Method,
    /// `Host` (or the HTTP/2 authority), without port.
    pub host: String,
    /// How it came in.
    pub scheme: Scheme,
    /// Path and query.
    pub target: String,
    /// Its headers.
    pub headers: HeaderMap,
}

impl Seen {
    /// Every value of a header, joined with `; ` (cookies may arrive split in HTTP/2).
    pub fn header(&self, name: &str) -> Option<String> {
        let values: Vec<&str> = self.headers.get_all(name).iter().map(|v| v.to_str().expect("text header")).collect();
        (!values.is_empty()).then(|| values.join("; "))
    }
}

/// What the fixture sites share.
pub struct Shared {
    seen: Mutex<Vec<Seen>>,
    /// Bytes of the current upload received so far.
    pub upload_progress: watch::Sender<u64>,
    /// What `/record/{name}` of the runtime's sites received.
    pub records: Mutex<Vec<Record>>,
}

/// The running fixture server.
pub struct Upstream {
    /// Where it listens (plain HTTP and HTTPS alike).
    pub addr: SocketAddr,
    /// State shared with the handlers.
    pub shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Upstream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Upstream {
    /// Starts the fixture sites on 127.0.0.1:0.
    pub async fn start() -> Upstream {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the fixture server");
        let addr = listener.local_addr().expect("fixture address");
        let shared = Arc::new(Shared {
            seen: Mutex::new(Vec::new()),
            upload_progress: watch::Sender::new(0),
            records: Mutex::new(Vec::new()),
        });
        let sites = Arc::new(Sites::new(shared.clone()));
        let acceptor = TestPki::shared().acceptor();
        let task = tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let sites = sites.clone();
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let mut first = [0u8; 1];
                    if !matches!(tcp.peek(&mut first).await, Ok(1)) {
                        return;
                    }
                    // 0x16: a TLS handshake record.
                    if first[0] == 0x16 {
                        if let Ok(tls) = acceptor.accept(tcp).await {
                            serve_connection(tls, Scheme::Https, sites).await;
                        }
                    } else {
                        serve_connection(tcp, Scheme::Http, sites).await;
                    }
                });
            }
        });
        Upstream { addr, shared, task }
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Seen> {
        self.shared.seen.lock().expect("request log").clone()
    }

    /// The requests received for `host` whose path (without query) is `path`.
    pub fn requests_to(&self, host: &str, path: &str) -> Vec<Seen> {
        self.requests().into_iter().filter(|s| s.host == host && s.target.split('?').next() == Some(path)).collect()
    }

    /// The requests `/record/{name}` received, in order.
    pub fn records(&self, name: &str) -> Vec<Record> {
        self.shared.records.lock().expect("record log").iter().filter(|r| r.name == name).cloned().collect()
    }

    /// The last request for `host` and `path`, which must exist.
    pub fn last(&self, host: &str, path: &str) -> Seen {
        self.requests_to(host, path)
            .pop()
            .unwrap_or_else(|| panic!("the upstream never received a request for {host}{path}"))
    }
}

async fn serve_connection<I>(io: I, scheme: Scheme, sites: Arc<Sites>)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |mut request: Request<Incoming>| {
        let sites = sites.clone();
        async move {
            request.extensions_mut().insert(scheme);
            Ok::<_, Infallible>(sites.handle(request.map(Body::new)).await)
        }
    });
    let _ = auto::Builder::new(TokioExecutor::new()).serve_connection_with_upgrades(TokioIo::new(io), service).await;
}

/// The routers of all fixture hosts.
struct Sites {
    shared: Arc<Shared>,
    by_host: HashMap<&'static str, Router>,
}

impl Sites {
    fn new(shared: Arc<Shared>) -> Self {
        let by_host = HashMap::from([
            ("shop.test", shop(shared.clone())),
            ("account.shop.test", account_shop()),
            ("accounts.test", accounts()),
            ("cdn.test", cdn()),
            (
                "app.test",
                runtime_sites::app(shared.clone())
                    .merge(worker_sites::routes())
                    .merge(frame_sites::app())
                    .merge(control_sites::routes())
                    .merge(mirror_sites::app())
                    .merge(bomb_site::routes())
                    .merge(voice_sites::app()),
            ),
            (
                "api.test",
                runtime_sites::api(shared.clone())
                    .merge(worker_sites::api_routes())
                    .merge(mirror_sites::frames())
                    .merge(voice_sites::api()),
            ),
            // A host without a direct label (hashed fallback): the same routes as api.test.
            ("under_score.test", runtime_sites::api(shared.clone()).merge(frame_sites::fallback_api())),
            // A host too long for a direct label, served over https too.
            (frame_sites::LONG_HOST, frame_sites::fallback_api()),
            // A hostile site (eviction_sites).
            ("evil.test", super::eviction_sites::evil()),
        ]);
        Sites { shared, by_host }
    }

    async fn handle(&self, request: Request<Body>) -> Response {
        let scheme = *request.extensions().get::<Scheme>().expect("scheme extension");
        let host = request
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .or_else(|| request.uri().authority().map(|a| a.as_str()))
            .unwrap_or_default();
        let host = host.split(':').next().unwrap_or_default().to_owned();
        let target = request.uri().path_and_query().map_or("/", |p| p.as_str()).to_owned();
        self.shared.seen.lock().expect("request log").push(Seen {
            method: request.method().clone(),
            host: host.clone(),
            scheme,
            target,
            headers: request.headers().clone(),
        });
        match self.by_host.get(host.as_str()) {
            Some(router) => router.clone().oneshot(request).await.unwrap_or_else(|never| match never {}),
            None => (StatusCode::MISDIRECTED_REQUEST, format!("no fixture site for {host}")).into_response(),
        }
    }
}

fn html(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find_map(|(n, v)| (n == name).then_some(v))
}

fn redirect(status: StatusCode, location: &str) -> Response {
    (status, [(header::LOCATION, location.to_owned())]).into_response()
}

/// Reports the request as JSON: method, target (path and query) and every header
/// (name → values).
async fn echo(method: Method, uri: http::Uri, headers: HeaderMap) -> Response {
    let target = uri.path_and_query().map_or("/", |p| p.as_str());
    let mut map = serde_json::Map::new();
    for name in headers.keys() {
        let values: Vec<&str> = headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).collect();
        map.insert(name.as_str().to_owned(), serde_json::json!(values));
    }
    axum::Json(serde_json::json!({ "method": method.as_str(), "target": target, "headers": map })).into_response()
}

// ---------------------------------------------------------------- shop.test

fn shop(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", get(shop_home))
        .route("/echo", any(echo))
        .route("/set-cookies", get(set_cookies))
        .route("/login", get(login_form).post(login))
        .route("/account", get(account))
        .route("/sso", get(sso))
        .route("/callback", get(callback))
        .route("/compressed/{coding}", get(compressed))
        .route("/cp1251", get(cp1251))
        .route("/stalled-head", get(stalled_head))
        .route("/pages/{name}", get(real_page))
        .route("/data.json", get(data_json))
        .route("/upload", post(upload))
        .route("/ws", get(websocket))
        .with_state(shared)
        .merge(super::viewer_sites::routes())
}

async fn shop_home(Extension(scheme): Extension<Scheme>) -> Response {
    let s = scheme.as_str();
    let page = format!(
        r#"<!doctype html><html><head><title>Shop</title><link rel="stylesheet" href="{s}://cdn.test/app.css"><script src="/static/app.js"></script></head>
<body><h1>Welcome to the shop</h1>
<a id="same" href="{s}://shop.test/products?page=2#top">Products</a>
<a id="cross" href="{s}://accounts.test/login">Sign in</a>
<a id="relative" href="/cart">Cart</a>
<img id="logo" src="{s}://cdn.test/logo.png" srcset="{s}://cdn.test/logo.png 1x, {s}://cdn.test/logo@2x.png 2x">
<form id="search" action="{s}://shop.test/search" method="post"><input name="q"></form>
<div id="styled" style="background: url({s}://cdn.test/bg.png)"></div>
</body></html>"#
    );
    let mut response = html(page);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=63072000; includeSubDomains"));
    headers.insert(header::ETAG, HeaderValue::from_static("\"home-v1\""));
    headers.append(header::SET_COOKIE, HeaderValue::from_static("visit=1; Path=/"));
    headers.append(header::SET_COOKIE, HeaderValue::from_static("pref=compact; Path=/; Max-Age=3600"));
    response
}

async fn set_cookies() -> Response {
    let mut response = "three cookies set".into_response();
    let headers = response.headers_mut();
    headers.append(header::SET_COOKIE, HeaderValue::from_static("a=1; Path=/"));
    headers.append(header::SET_COOKIE, HeaderValue::from_static("b=2; Path=/; HttpOnly"));
    headers.append(header::SET_COOKIE, HeaderValue::from_static("c=3; Domain=shop.test; Path=/"));
    response
}

async fn login_form() -> Response {
    html(
        r#"<!doctype html><html><head><title>Sign in</title></head><body>
<form id="login" method="post" action="/login">
<label>User <input name="user" id="user"></label>
<label>Password <input name="password" id="password" type="password"></label>
<button id="submit" type="submit">Sign in</button>
</form></body></html>"#
            .to_owned(),
    )
}

async fn login(
    Extension(scheme): Extension<Scheme>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let s = scheme.as_str();
    // Like a real CSRF defence: a form post must come from the shop itself.
    let expected_origin = format!("{s}://shop.test");
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()).unwrap_or("(none)");
    if origin != expected_origin {
        return (StatusCode::FORBIDDEN, format!("cross-site login refused: Origin {origin}")).into_response();
    }
    let user = form.get("user").map(String::as_str).unwrap_or_default();
    if form.get("password").map(String::as_str) != Some(PASSWORD) || user.is_empty() {
        return (StatusCode::UNAUTHORIZED, "wrong user or password").into_response();
    }
    let secure = if scheme == Scheme::Https { "; Secure" } else { "" };
    let mut response = redirect(StatusCode::SEE_OTHER, &format!("{s}://shop.test/account"));
    let headers = response.headers_mut();
    let session = format!("sid=user-{user}; Domain=shop.test; Path=/; HttpOnly; SameSite=Lax{secure}");
    headers.append(header::SET_COOKIE, HeaderValue::from_str(&session).expect("cookie"));
    headers.append(header::SET_COOKIE, HeaderValue::from_static("theme=dark; Path=/"));
    response
}

/// The signed-in user, from the shop's shared session cookie.
fn signed_in_user(headers: &HeaderMap) -> Option<&str> {
    cookie(headers, "sid").and_then(|v| v.strip_prefix("user-"))
}

async fn account(Extension(scheme): Extension<Scheme>, headers: HeaderMap) -> Response {
    let s = scheme.as_str();
    match signed_in_user(&headers) {
        Some(user) => html(format!(
            r#"<!doctype html><html><head><title>Your account</title></head><body>
<p id="who">Signed in as {user}</p>
<a id="profile" href="{s}://account.shop.test/profile">Your profile</a>
</body></html>"#
        )),
        None => redirect(StatusCode::FOUND, "/login"),
    }
}

async fn sso(Extension(scheme): Extension<Scheme>) -> Response {
    let s = scheme.as_str();
    let back: String = url::form_urlencoded::byte_serialize(format!("{s}://shop.test/callback").as_bytes()).collect();
    redirect(StatusCode::FOUND, &format!("{s}://accounts.test/authorize?return_to={back}"))
}

async fn callback(Query(query): Query<HashMap<String, String>>) -> Response {
    let code = query.get("code").cloned().unwrap_or_default();
    let mut response =
        html(format!("<!doctype html><title>Signed in</title><p id=done>Signed in with code {code}</p>"));
    let value = format!("shop_session=from-{code}; Path=/; HttpOnly");
    response.headers_mut().append(header::SET_COOKIE, HeaderValue::from_str(&value).expect("cookie"));
    response
}

/// The page behind `/compressed/{gzip|br}`, before compression.
pub fn compressed_page(scheme: &str, coding: &str) -> String {
    let filler = "<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit.</p>\n".repeat(200);
    format!(
        r#"<!doctype html><html><head><title>Compressed {coding}</title><link rel="stylesheet" href="{scheme}://cdn.test/app.css"></head><body>
{filler}<a id="next" href="{scheme}://shop.test/next">Next</a></body></html>"#
    )
}

async fn compressed(Extension(scheme): Extension<Scheme>, Path(coding): Path<String>) -> Response {
    let page = compressed_page(scheme.as_str(), &coding);
    let body = match coding.as_str() {
        "gzip" => gzipped(page.as_bytes()),
        "br" => {
            let mut out = Vec::new();
            {
                let mut encoder = brotli::CompressorWriter::new(&mut out, 4096, 9, 22);
                encoder.write_all(page.as_bytes()).expect("brotli");
            }
            out
        }
        other => return (StatusCode::NOT_FOUND, format!("no coding {other}")).into_response(),
    };
    let length = body.len().to_string();
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8".to_owned()),
            (header::CONTENT_ENCODING, coding),
            (header::CONTENT_LENGTH, length),
            (header::VARY, "Accept-Encoding".to_owned()),
        ],
        body,
    )
        .into_response()
}

/// `/cp1251` serves the windows-1251 page as `text/html`, leaving the `<meta charset>`
/// to name the encoding; `/cp1251?declared` names it in the header too.
async fn cp1251(Query(query): Query<HashMap<String, String>>) -> Response {
    let content_type = if query.contains_key("declared") { "text/html; charset=windows-1251" } else { "text/html" };
    ([(header::CONTENT_TYPE, content_type)], CP1251_PAGE).into_response()
}

/// Saved pages of real web apps (see fixtures/pages/README.md), by the name tests use.
pub const REAL_PAGES: &[(&str, &[u8])] = &[
    ("django-changelist-all", include_bytes!("../../../fixtures/pages/django-admin-user-changelist-all.html")),
    ("datasette-table", include_bytes!("../../../fixtures/pages/datasette-table.html")),
];

/// `/pages/{name}` serves a saved real page as its app did; `?gzip` compresses it.
async fn real_page(Path(name): Path<String>, Query(query): Query<HashMap<String, String>>) -> Response {
    let Some((_, page)) = REAL_PAGES.iter().find(|(n, _)| *n == name) else {
        return (StatusCode::NOT_FOUND, format!("no saved page {name}")).into_response();
    };
    let content_type = (header::CONTENT_TYPE, "text/html; charset=utf-8");
    if !query.contains_key("gzip") {
        return ([content_type], *page).into_response();
    }
    ([content_type, (header::CONTENT_ENCODING, "gzip")], gzipped(page)).into_response()
}

/// `body` gzipped at the default level, as a typical server sends it.
pub fn gzipped(body: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(body).expect("gzip");
    encoder.finish().expect("gzip")
}

/// What `/stalled-head` sends before it stalls.
pub const STALLED_HEAD: &str = "<!doctype html><html><head><title>Stalled</title>";

/// [`STALLED_HEAD`] gzipped and flushed, then nothing until the request goes away: an
/// upstream slow to compute the rest of its page.
async fn stalled_head() -> Response {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(STALLED_HEAD.as_bytes()).expect("gzip");
    encoder.flush().expect("gzip flush");
    let head = std::mem::take(encoder.get_mut());
    let (tx, body) = super::channel_body(1);
    tokio::spawn(async move {
        if tx.send(head.into()).await.is_ok() {
            tx.closed().await;
        }
    });
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CONTENT_ENCODING, "gzip")], body).into_response()
}

/// JSON that mentions absolute URLs, which Tandem must leave alone.
pub const DATA_JSON: &str = r#"{"self":"https://shop.test/data.json","image":"https://cdn.test/logo.png","note":"<a href=\"https://shop.test/\">"}"#;

async fn data_json() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], DATA_JSON).into_response()
}

/// Counts and hashes the uploaded bytes as they arrive, publishing progress.
async fn upload(State(shared): State<Arc<Shared>>, body: Body) -> Response {
    let mut stream = body.into_data_stream();
    let mut hasher = Sha256::new();
    let mut received: u64 = 0;
    shared.upload_progress.send_replace(0);
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else {
            return (StatusCode::BAD_REQUEST, "upload broke off").into_response();
        };
        hasher.update(&chunk);
        received += chunk.len() as u64;
        shared.upload_progress.send_replace(received);
    }
    let digest: String = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    axum::Json(serde_json::json!({ "bytes": received, "sha256": digest })).into_response()
}

/// A WebSocket echo that, like many real sites, refuses handshakes from other origins.
/// Its first message reports the `Cookie` header of the handshake.
async fn websocket(Extension(scheme): Extension<Scheme>, headers: HeaderMap, upgrade: WebSocketUpgrade) -> Response {
    let expected = format!("{}://shop.test", scheme.as_str());
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()).unwrap_or("(none)").to_owned();
    if origin != expected {
        return (StatusCode::FORBIDDEN, format!("websocket from foreign origin {origin}")).into_response();
    }
    let cookies = headers.get(header::COOKIE).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    upgrade.on_upgrade(move |socket| echo_socket(socket, cookies))
}

async fn echo_socket(mut socket: WebSocket, cookies: String) {
    if socket.send(Message::Text(format!("cookies: {cookies}").into())).await.is_err() {
        return;
    }
    while let Some(Ok(message)) = socket.recv().await {
        let reply = match message {
            Message::Text(text) => Message::Text(format!("echo: {}", text.as_str()).into()),
            Message::Binary(bytes) => Message::Binary(bytes),
            Message::Close(_) => break,
            Message::Ping(_) | Message::Pong(_) => continue,
        };
        if socket.send(reply).await.is_err() {
            break;
        }
    }
}

// ---------------------------------------------------------------- account.shop.test

fn account_shop() -> Router {
    Router::new().route("/profile", get(profile)).route("/echo", any(echo))
}

async fn profile(headers: HeaderMap) -> Response {
    match signed_in_user(&headers) {
        Some(user) => html(format!(
            "<!doctype html><html><head><title>Profile</title></head><body><p id=\"profile\">Profile of {user}</p></body></html>"
        )),
        None => (StatusCode::UNAUTHORIZED, html("<!doctype html><p id=\"profile\">Not signed in</p>".to_owned()))
            .into_response(),
    }
}

// ---------------------------------------------------------------- accounts.test

fn accounts() -> Router {
    Router::new()
        .route("/authorize", get(authorize))
        .route("/login", get(|| async { html("<!doctype html><title>Accounts</title><p>Sign in</p>".to_owned()) }))
        .route("/echo", any(echo))
        .route("/api/me", any(api_me))
        .merge(super::viewer_sites::other_host_routes())
}

/// A CORS API for the shop's pages: it allows the shop's real origin, with credentials.
async fn api_me(Extension(scheme): Extension<Scheme>, method: Method, headers: HeaderMap) -> Response {
    let shop = format!("{}://shop.test", scheme.as_str());
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let mut response = if method == Method::OPTIONS {
        let mut preflight = StatusCode::NO_CONTENT.into_response();
        preflight.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST"));
        preflight.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("content-type"));
        preflight
    } else {
        let reply = serde_json::json!({ "user": cookie(&headers, "acct"), "lax_cookie": cookie(&headers, "acct_lax") });
        axum::Json(reply).into_response()
    };
    let headers = response.headers_mut();
    headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    if origin == Some(shop.as_str()) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_str(&shop).expect("origin"));
        headers.insert(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, HeaderValue::from_static("true"));
    }
    response
}

/// Signs the visitor in at the identity provider and sends it back. `acct` is meant for
/// cross-site API calls (`SameSite=None`, so `Secure` over https); `acct_lax` is not.
async fn authorize(Extension(scheme): Extension<Scheme>, Query(query): Query<HashMap<String, String>>) -> Response {
    let Some(back) = query.get("return_to") else {
        return (StatusCode::BAD_REQUEST, "return_to is required").into_response();
    };
    let mut response = redirect(StatusCode::FOUND, &format!("{back}?code=xyz"));
    let cross_site = if scheme == Scheme::Https { "; Secure; SameSite=None" } else { "" };
    let acct = format!("acct=alice; Path=/; HttpOnly{cross_site}");
    response.headers_mut().append(header::SET_COOKIE, HeaderValue::from_str(&acct).expect("cookie"));
    response.headers_mut().append(header::SET_COOKIE, HeaderValue::from_static("acct_lax=1; Path=/"));
    response
}

// ---------------------------------------------------------------- cdn.test

fn cdn() -> Router {
    Router::new().route("/app.css", get(stylesheet)).route("/logo.png", get(logo)).route("/echo", any(echo))
}

/// The stylesheet at `cdn.test/app.css`, for the scheme it was fetched with.
pub fn stylesheet_text(scheme: &str) -> String {
    format!(
        r#"@import url("{scheme}://shop.test/theme.css");
body {{ background: url({scheme}://cdn.test/img/bg.png) no-repeat; }}
.icon {{ background-image: url('/img/icon.svg'); }}
@font-face {{ font-family: Shop; src: url(//cdn.test/font.woff2) format("woff2"); }}
"#
    )
}

async fn stylesheet(Extension(scheme): Extension<Scheme>) -> Response {
    ([(header::CONTENT_TYPE, "text/css")], stylesheet_text(scheme.as_str())).into_response()
}

/// The bytes of `cdn.test/logo.png`: a PNG signature, then a fixed pseudo-random tail.
pub fn logo_bytes() -> Vec<u8> {
    noise_png(LOGO_LEN)
}

/// The image, with single byte ranges (`bytes=a-b`, `bytes=a-`) like a static file server.
async fn logo(headers: HeaderMap) -> Response {
    let data = logo_bytes();
    let len = data.len();
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("bytes="))
        .and_then(|v| v.split_once('-'))
        .and_then(|(a, b)| {
            let start: usize = a.parse().ok()?;
            let end: usize = if b.is_empty() { len - 1 } else { b.parse().ok()? };
            (start <= end && end < len).then_some((start, end))
        });
    let common = [
        (header::CONTENT_TYPE, "image/png".to_owned()),
        (header::ETAG, "\"logo-v1\"".to_owned()),
        (header::ACCEPT_RANGES, "bytes".to_owned()),
    ];
    match range {
        Some((start, end)) => (
            StatusCode::PARTIAL_CONTENT,
            common,
            [
                (header::CONTENT_RANGE, format!("bytes {start}-{end}/{len}")),
                (header::CONTENT_LENGTH, (end - start + 1).to_string()),
            ],
            data[start..=end].to_vec(),
        )
            .into_response(),
        None => (common, [(header::CONTENT_LENGTH, len.to_string())], data).into_response(),
    }
}

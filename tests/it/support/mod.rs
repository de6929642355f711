//! What every integration test needs: Tandem started in-process on a loopback port,
//! the fixture sites it proxies, and a small HTTP client that talks to Tandem the way a
//! browser would (any `*.proxy.localhost` name, connected to 127.0.0.1) without
//! following redirects, so that tests can assert each hop.

pub mod api;
pub mod attack;
pub mod bomb_site;
pub mod browser;
pub mod control_sites;
pub mod cookie_sites;
pub mod eviction_sites;
pub mod fixtures;
pub mod frame_sites;
pub mod hostile_sites;
pub mod https;
pub mod local_site;
pub mod masking_attributes;
pub mod masking_run;
pub mod masking_sites;
pub mod message_sites;
pub mod mirror_sites;
pub mod openapi;
pub mod panel;
pub mod relay;
pub mod runtime_sites;
pub mod snapshots;
#[path = "../../shared/tandem_child.rs"]
pub mod tandem_child;
pub mod tls;
pub mod viewer_sites;
pub mod voice_sites;
pub mod webhook_receiver;
pub mod wire_decode;
pub mod wire_tap;
pub mod worker_sites;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderValue};
use http::{Method, Request, StatusCode, Uri};
use http_body_util::BodyExt;
use hyper_util::rt::TokioIo;
use tandem::config::Config;
use tandem::server::{App, AppState};
use tempfile::TempDir;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use url::Url;

use fixtures::{FIXTURE_HOSTS, Upstream};
use tls::TestPki;

/// Upper bound of any single step (a request, a connection, a wait); generous for a
/// loaded two-core machine, short enough that a hang fails the test instead of the run.
pub const STEP: Duration = Duration::from_secs(20);
/// The API key every test instance of Tandem is started with.
pub const API_KEY: &str = "test-key";
/// The content zone of every test instance.
pub const ZONE: &str = "proxy.localhost";

/// Awaits `fut`, failing the test with `what` if it takes longer than [`STEP`].
pub async fn bounded<F: Future>(what: &str, fut: F) -> F::Output {
    match tokio::time::timeout(STEP, fut).await {
        Ok(output) => output,
        Err(_) => panic!("{what}: did not finish within {STEP:?}"),
    }
}

/// Logs of Tandem itself, when `TANDEM_TEST_LOG` asks for them (e.g. `tandem=debug`).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("TANDEM_TEST_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("off"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
}

/// Where a Tandem listens: everything a client can do with it (its methods are here
/// and in [`api`]), whether it runs in-process ([`Tandem`]) or as the binary.
#[derive(Clone, Debug)]
pub struct Endpoint {
    /// Where it listens.
    pub addr: SocketAddr,
    /// How to reach it when it serves https.
    pub tls: Option<Arc<rustls::ClientConfig>>,
}

/// A Tandem instance serving on 127.0.0.1:<port>, stopped when dropped.
pub struct Tandem {
    /// Where it listens.
    pub endpoint: Endpoint,
    /// Where it serves its metrics, when the test set `metrics_listen` (port 0 takes a free one).
    pub metrics_addr: Option<SocketAddr>,
    /// Its shared state.
    pub state: Arc<AppState>,
    /// Data and rules directories, and the test CA's PEM file; removed on drop.
    _dir: TempDir,
    task: JoinHandle<()>,
}

impl Drop for Tandem {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl std::ops::Deref for Tandem {
    type Target = Endpoint;

    fn deref(&self) -> &Endpoint {
        &self.endpoint
    }
}

impl Tandem {
    /// Starts Tandem with the test defaults (fixed API key, empty rules, the test CA
    /// trusted, zone `proxy.localhost:<port>`), then whatever `configure` changes.
    pub async fn start(configure: impl FnOnce(&mut Config)) -> Tandem {
        init_logging();
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind Tandem's listener");
        let addr = listener.local_addr().expect("listener address");
        let dir = tempfile::tempdir().expect("temp dir");
        let rules_dir = dir.path().join("rules");
        std::fs::create_dir(&rules_dir).expect("rules dir");
        let mut config = Config {
            listen: addr,
            control_origin: Url::parse(&format!("http://localhost:{}", addr.port())).expect("control origin"),
            content_origin: Url::parse(&format!("http://{ZONE}:{}", addr.port())).expect("content origin"),
            data_dir: dir.path().join("data"),
            rules_dir,
            api_key: Some(API_KEY.to_owned()),
            extra_root_certs: vec![TestPki::shared().write_ca(dir.path())],
            ..Config::default()
        };
        configure(&mut config);
        // Tandem on https is reached trusting the test CA of its own names.
        let tls = config.tls_cert.is_some().then(|| https::client_config(&[&https::tandem_pki().ca_pem]));
        let metrics_listener = match config.metrics_listen {
            Some(addr) => Some(TcpListener::bind(addr).await.expect("bind Tandem's metrics listener")),
            None => None,
        };
        let metrics_addr = metrics_listener.as_ref().map(|l| l.local_addr().expect("metrics address"));
        let app = App::new(config).expect("Tandem starts");
        let state = app.state().clone();
        if let Some(listener) = metrics_listener {
            tandem::metrics::endpoint::spawn(listener, state.clone());
        }
        let task = tokio::spawn(async move {
            if let Err(e) = app.serve(listener).await {
                panic!("Tandem stopped serving: {e}");
            }
        });
        Tandem { endpoint: Endpoint { addr, tls }, metrics_addr, state, _dir: dir, task }
    }
}

impl Endpoint {
    /// An endpoint served in plain http.
    pub fn plain(addr: SocketAddr) -> Endpoint {
        Endpoint { addr, tls: None }
    }

    /// The control origin, e.g. `http://localhost:PORT`.
    pub fn control_url(&self, path: &str) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://localhost:{}{path}", self.addr.port())
    }

    /// Sends one request (absolute URL, any host) to Tandem on a fresh connection.
    pub async fn send(&self, request: Request<Body>) -> Reply {
        let description = format!("{} {}", request.method(), request.uri());
        read_whole(&description, self.open(request).await).await
    }

    /// Sends one request (absolute URL, any host) to Tandem on a fresh connection and
    /// returns the response as soon as its head arrives.
    pub async fn open(&self, request: Request<Body>) -> http::Response<hyper::body::Incoming> {
        match &self.tls {
            Some(client) => https::open(self.addr, client, request).await,
            None => open_response(self.addr, request).await,
        }
    }

    /// `POST` to the REST API with `key` (none: no `X-Api-Key` header).
    pub async fn api_post(&self, path: &str, key: Option<&str>, body: impl Into<Body>) -> Reply {
        let mut request = Request::post(self.control_url(path)).header(header::CONTENT_TYPE, "application/json");
        if let Some(key) = key {
            request = request.header("x-api-key", key);
        }
        self.send(request.body(body.into()).expect("API request")).await
    }

    /// Creates a session through the REST API, as an integrator would.
    pub async fn create_session(&self, initial_url: &str) -> Session {
        self.create_session_with(serde_json::json!({ "initial_url": initial_url })).await
    }

    /// Creates a session with the request body `body` (`initial_url` and settings).
    pub async fn create_session_with(&self, body: serde_json::Value) -> Session {
        let reply = self.api_post("/v1.3/proxy_sessions", Some(API_KEY), body.to_string()).await;
        assert_eq!(reply.status, StatusCode::OK, "creating a session failed: {}", reply.text());
        Session::from_reply(&reply, self.addr.port())
    }

    /// What a browser scenario needs to act for `session`: its proxy URL, and the REST
    /// API (control origin, key, visitor) to call as the integrator does.
    pub fn scenario_args(&self, session: &Session) -> serde_json::Value {
        serde_json::json!({
            "proxy_url": session.proxy_url,
            "control": self.control_url(""),
            "api_key": API_KEY,
            "short_id": session.short_id,
        })
    }

    /// Opens the proxy URL like a browser: gets the binding cookie and the landing page.
    pub async fn enter(&self, session: &Session) -> Visitor {
        let reply = self.send(get(&session.proxy_url)).await;
        assert_eq!(reply.status, StatusCode::FOUND, "entry link: {}", reply.text());
        let set_cookie = reply.header(header::SET_COOKIE).expect("the entry link sets a cookie");
        let cookie = set_cookie.split(';').next().expect("cookie pair").trim().to_owned();
        assert!(cookie.starts_with(&session.cookie_name()), "{set_cookie}");
        let location = reply.header(header::LOCATION).expect("entry redirects");
        let entry = Url::parse(&session.proxy_url).expect("proxy URL");
        let landing = entry.join(location).expect("landing URL").to_string();
        Visitor { endpoint: self.clone(), session: session.clone(), cookie, landing }
    }

    /// Creates a session for `initial_url` and enters it.
    pub async fn visitor(&self, initial_url: &str) -> Visitor {
        let session = self.create_session(initial_url).await;
        self.enter(&session).await
    }
}

/// Tandem in front of the fixture sites: every fixture host resolves to the fixture
/// server, loopback upstreams are allowed, the test CA is trusted.
pub struct World {
    /// The proxy.
    pub tandem: Tandem,
    /// The fixture sites.
    pub upstream: Upstream,
}

impl World {
    /// The usual set-up.
    pub async fn start() -> World {
        World::start_with(|_| {}).await
    }

    /// The usual set-up, then `configure`.
    pub async fn start_with(configure: impl FnOnce(&mut Config)) -> World {
        let upstream = Upstream::start().await;
        let tandem = Tandem::start(|config| {
            config.allow_private_upstreams = true;
            for host in FIXTURE_HOSTS {
                config.resolve.insert((*host).to_owned(), upstream.addr);
            }
            configure(config);
        })
        .await;
        World { tandem, upstream }
    }
}

/// A session as the REST API described it.
#[derive(Clone, Debug)]
pub struct Session {
    /// The entry link.
    pub proxy_url: String,
    /// The session id every label starts with.
    pub id: String,
    /// The visitor's id.
    pub short_id: String,
    /// The integrator's id for the visitor.
    pub unique_id: Option<String>,
    port: u16,
}

impl Session {
    fn from_reply(reply: &Reply, port: u16) -> Session {
        Session::from_json(&reply.json(), port)
    }

    /// The session a `POST /v1.3/proxy_sessions` answer describes.
    pub fn from_json(json: &serde_json::Value, port: u16) -> Session {
        assert_eq!(json["status"], "ok", "{json}");
        let proxy_url = json["proxy_url"].as_str().expect("proxy_url").to_owned();
        let host = Url::parse(&proxy_url).expect("proxy_url is a URL").host_str().expect("host").to_owned();
        let id = host.get(..8).expect("label starts with the session id").to_owned();
        Session {
            proxy_url,
            id,
            short_id: json["visitor"]["short_id"].as_str().expect("short_id").to_owned(),
            unique_id: json["visitor"]["unique_id"].as_str().map(str::to_owned),
            port,
        }
    }

    /// The label serving `upstream`'s origin in this session, computed independently of
    /// Tandem: `<session><h|s><port if not default>-<host, '-' doubled, '.' as '-'>`.
    pub fn label(&self, upstream: &str) -> String {
        let url = Url::parse(upstream).expect("upstream URL");
        let flag = match url.scheme() {
            "http" | "ws" => "h",
            "https" | "wss" => "s",
            other => panic!("not a web scheme: {other}"),
        };
        let port = url.port().map(|p| p.to_string()).unwrap_or_default();
        let host = url.host_str().expect("host").replace('-', "--").replace('.', "-");
        format!("{}{flag}{port}-{host}", self.id)
    }

    /// The browser-side origin of `upstream`'s origin.
    pub fn origin(&self, upstream: &str) -> String {
        let scheme = Url::parse(&self.proxy_url).expect("proxy_url is a URL").scheme().to_owned();
        format!("{scheme}://{}.{ZONE}:{}", self.label(upstream), self.port)
    }

    /// The browser-side URL of an upstream URL (same path, query and fragment).
    pub fn url(&self, upstream: &str) -> String {
        let url = Url::parse(upstream).expect("upstream URL");
        let rest = &url[url::Position::BeforePath..];
        format!("{}{rest}", self.origin(upstream))
    }

    /// Name of the binding cookie.
    pub fn cookie_name(&self) -> String {
        format!("tandem_{}", self.id)
    }
}

/// A browser bound to a session: it sends the binding cookie with every request.
#[derive(Clone, Debug)]
pub struct Visitor {
    endpoint: Endpoint,
    /// Its session.
    pub session: Session,
    /// `tandem_<sid>=<token>`, as the browser would send it.
    pub cookie: String,
    /// Where the entry link sent the browser (absolute browser URL).
    pub landing: String,
}

impl Visitor {
    /// Browser-side URL of an upstream URL.
    pub fn url(&self, upstream: &str) -> String {
        self.session.url(upstream)
    }

    /// A request to a browser-side URL, carrying the binding cookie.
    pub fn request(&self, method: Method, browser_url: &str) -> http::request::Builder {
        Request::builder().method(method).uri(browser_url).header(header::COOKIE, &self.cookie)
    }

    /// Sends a request built with [`Visitor::request`].
    pub async fn send(&self, request: http::request::Builder, body: impl Into<Body>) -> Reply {
        self.endpoint.send(request.body(body.into()).expect("request")).await
    }

    /// Sends a request built with [`Visitor::request`] and returns the response once its
    /// head arrives, the body still streaming.
    pub async fn open(&self, request: http::request::Builder) -> http::Response<hyper::body::Incoming> {
        self.endpoint.open(request.body(Body::empty()).expect("request")).await
    }

    /// `GET` of a browser-side URL.
    pub async fn get(&self, browser_url: &str) -> Reply {
        self.send(self.request(Method::GET, browser_url), Body::empty()).await
    }

    /// `GET` of an upstream URL through its label.
    pub async fn get_upstream(&self, upstream_url: &str) -> Reply {
        self.get(&self.url(upstream_url)).await
    }
}

/// A directory the test command installs things into: `$variable` when set, else
/// `default_in_repo` below the repository.
pub fn installed_dir(variable: &str, default_in_repo: &str) -> std::path::PathBuf {
    std::env::var(variable)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(default_in_repo))
}

/// A loopback server that accepts connections and never answers on them, for timeouts.
/// It stops when dropped.
pub struct SilentServer {
    /// Where it listens.
    pub addr: SocketAddr,
    task: JoinHandle<()>,
}

impl SilentServer {
    /// Starts one on an ephemeral loopback port.
    pub async fn start() -> SilentServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let task = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((tcp, _)) = listener.accept().await {
                held.push(tcp);
            }
        });
        SilentServer { addr, task }
    }
}

impl Drop for SilentServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A body fed chunk by chunk through the returned sender, ending when the sender is
/// dropped: an upload, or an upstream's answer, whose pace the test controls.
pub fn channel_body(capacity: usize) -> (tokio::sync::mpsc::Sender<Bytes>, Body) {
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(capacity);
    let body = Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (Ok::<_, std::convert::Infallible>(chunk), rx))
    }));
    (tx, body)
}

/// The names in a `Cookie` header, sorted (jars send cookies in no fixed order).
pub fn cookie_names(header: Option<&str>) -> Vec<String> {
    let mut names: Vec<String> = header
        .unwrap_or_default()
        .split(';')
        .filter_map(|pair| pair.trim().split_once('=').map(|(n, _)| n.to_owned()))
        .collect();
    names.sort();
    names
}

/// A `GET` of `url` with no cookies.
pub fn get(url: &str) -> Request<Body> {
    Request::get(url).body(Body::empty()).expect("GET request")
}

/// A `GET` of `url` with a `Cookie` header.
pub fn get_with_cookie(url: &str, cookie: &str) -> Request<Body> {
    Request::get(url).header(header::COOKIE, cookie).body(Body::empty()).expect("GET request")
}

/// A complete response.
#[derive(Debug)]
pub struct Reply {
    /// Its status.
    pub status: StatusCode,
    /// Its headers.
    pub headers: HeaderMap,
    /// Its whole body.
    pub body: Bytes,
}

impl Reply {
    /// The body as UTF-8 text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.text()))
    }

    /// The body as sent before its `Content-Encoding` (Tandem's own decoders undo it).
    pub fn decoded(&self) -> Vec<u8> {
        let coding = self.header(header::CONTENT_ENCODING).unwrap_or_default();
        let codings = tandem::rewrite::decode::parse_content_encoding(coding).expect("a coding Tandem knows");
        codings.iter().rev().fold(self.body.to_vec(), |body, &coding| {
            let mut decoder = tandem::rewrite::decode::Decoder::new(coding, u64::MAX).expect("decoder");
            tandem::rewrite::filter::run_split(&mut decoder, &body, &[]).expect("the body decodes")
        })
    }

    /// The first value of a header.
    pub fn header(&self, name: impl header::AsHeaderName) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().expect("header is text"))
    }

    /// Every value of a header.
    pub fn headers_named(&self, name: impl header::AsHeaderName) -> Vec<&str> {
        self.headers.get_all(name).iter().map(|v| v.to_str().expect("header is text")).collect()
    }

    /// The `Location` header, which must be present.
    pub fn location(&self) -> &str {
        self.header(header::LOCATION).unwrap_or_else(|| panic!("no Location in a {} response", self.status))
    }
}

/// The whole of a response whose head has arrived.
pub async fn read_whole(description: &str, response: http::Response<hyper::body::Incoming>) -> Reply {
    let (parts, body) = response.into_parts();
    let body = bounded(description, body.collect())
        .await
        .unwrap_or_else(|e| panic!("{description}: reading the body: {e}"))
        .to_bytes();
    Reply { status: parts.status, headers: parts.headers, body }
}

/// Sends `request` (an absolute URL, sent in origin form) to Tandem at `addr` and
/// returns the response as soon as its head arrives, the body still streaming.
pub async fn open_response(addr: SocketAddr, request: Request<Body>) -> http::Response<hyper::body::Incoming> {
    let (mut parts, body) = request.into_parts();
    let authority = parts.uri.authority().expect("absolute URL").to_string();
    parts.headers.entry(header::HOST).or_insert(HeaderValue::from_str(&authority).expect("host header"));
    let target = parts.uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
    parts.uri = target.parse::<Uri>().expect("origin-form target");
    let description = format!("{} {authority}{target}", parts.method);

    let stream = bounded("connect to Tandem", TcpStream::connect(addr)).await.expect("connect to Tandem");
    let (mut sender, connection) =
        bounded("HTTP handshake", hyper::client::conn::http1::handshake(TokioIo::new(stream)))
            .await
            .expect("HTTP handshake");
    tokio::spawn(connection);
    bounded(&description, sender.send_request(Request::from_parts(parts, body)))
        .await
        .unwrap_or_else(|e| panic!("{description}: {e}"))
}

/// The configuration of an in-process Tandem on a port picked now, data in `dir`.
pub fn config_on_free_port(dir: &std::path::Path) -> Config {
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
    let config = Config {
        listen: ([127, 0, 0, 1], port).into(),
        control_origin: format!("http://localhost:{port}").parse().expect("origin"),
        content_origin: format!("http://proxy.localhost:{port}").parse().expect("origin"),
        data_dir: dir.join("data"),
        rules_dir: dir.join("rules"),
        api_key: Some(API_KEY.to_owned()),
        ..Default::default()
    };
    std::fs::create_dir_all(&config.rules_dir).expect("rules dir");
    config
}

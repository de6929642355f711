//! The one listener. Each request is sent by its `Host`: names in the content zone go
//! to the proxy, everything else to the control side (REST API). Accepting and serving
//! connections, and stopping gracefully, is [`listener`]'s; how many may be open, and
//! how long one may go unused, [`connections`]'s; https, [`tls`]'s; the plain listener
//! that sends browsers to https, [`redirect`]'s.

pub mod connections;
mod file_limit;
mod listener;
mod redirect;
pub mod tls;
mod tracked_io;

pub use listener::Listeners;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use http::Request;
use hyper::body::Incoming;
use hyper_util::rt::TokioExecutor;
use hyper_util::server::conn::auto;

use tower::ServiceExt;

use connections::Connections;

use crate::config::Config;
use crate::live::{Live, now_millis};
use crate::metrics::{Metrics, Outcome, Side};
use crate::origin::{ContentOrigin, SessionId, request_host_name};
use crate::rewrite::{Mapping, RewriteLimits};
use crate::rules::{Rules, RulesError};
use crate::session::jar::public_suffix_list;
use crate::session::{ProxySession, SessionRegistry};
use crate::store::{SqliteStore, Store, StoreError};
use crate::upstream::{UpstreamClient, UpstreamSettings, UpstreamSetupError};
use crate::watch::WatchTokens;
use crate::webhook::WebhookSender;

/// File in the data directory that keeps the generated API key.
const API_KEY_FILE: &str = "api_key";
/// File in the data directory that keeps the key signing watch links.
const WATCH_KEY_FILE: &str = "watch_key";
/// The records' database in the data directory.
pub const DATABASE_FILE: &str = "tandem.db";
/// How often changed proxy sessions are saved to the records.
const SAVE_INTERVAL: Duration = Duration::from_secs(2);
/// How often records past their retention are purged.
const PURGE_INTERVAL: Duration = Duration::from_secs(3600);

/// The address a request's connection came from (a request extension).
#[derive(Clone, Copy, Debug)]
pub struct ClientAddr(pub SocketAddr);

/// Everything request handlers share.
pub struct AppState {
    /// The configuration Tandem started with.
    pub config: Config,
    /// Where labels live.
    pub zone: Arc<ContentOrigin>,
    /// Live sessions.
    pub sessions: SessionRegistry,
    /// The pooled upstream client.
    pub upstream: UpstreamClient,
    /// Per-site rules.
    pub rules: Arc<Rules>,
    /// The key REST callers must present.
    pub api_key: String,
    /// Bounds of body rewriting.
    pub limits: RewriteLimits,
    /// Who is online and which co-browsing sessions go on; the records behind them.
    pub live: Arc<Live>,
    /// Signs and checks watch links.
    pub watch_tokens: WatchTokens,
    /// What Tandem counts, for `metrics_listen`.
    pub metrics: Arc<Metrics>,
}

impl AppState {
    /// The URL mapping of one session.
    pub fn mapping(&self, session: Arc<ProxySession>) -> Mapping {
        Mapping { session, zone: self.zone.clone(), rules: self.rules.clone() }
    }

    /// Runs `job` on the records, off the async workers.
    pub async fn records<T: Send + 'static>(
        &self,
        job: impl FnOnce(&dyn Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let store = self.live.store().clone();
        tokio::task::spawn_blocking(move || job(store.as_ref()))
            .await
            .map_err(|e| StoreError::Interrupted(e.to_string()))?
    }

    /// A session Tandem no longer had in memory (it restarted, or let the session go
    /// while idle), from the records.
    pub async fn restore_session(&self, id: &SessionId) -> Option<Arc<ProxySession>> {
        let key = id.to_string();
        // A session let go a moment ago may still have its last save queued.
        self.live.flush().await;
        match self.records(move |s| s.proxy_session(&key)).await {
            Ok(record) => self.sessions.adopt(record?),
            Err(e) => {
                tracing::error!(error = %e, "could not read a proxy session from the records");
                None
            }
        }
    }

    /// Saves what is not saved yet (proxy sessions' cookies and labels, queued live
    /// changes): on the way out.
    pub async fn save_before_exit(&self) {
        self.save_proxy_sessions();
        self.live.flush().await;
    }

    /// Saves the proxy sessions whose tokens, labels or cookies changed, and lets go of
    /// those idle for `idle_session_memory_secs` whose visitor is offline (saved once more).
    fn save_proxy_sessions(&self) {
        let idle = Duration::from_secs(self.config.idle_session_memory_secs).as_millis() as i64;
        let evicted = self.sessions.evict_idle(now_millis() - idle, |visitor| self.live.is_online(visitor));
        for session in self.sessions.take_unsaved().into_iter().chain(evicted) {
            let record = session.record();
            self.live.writer().write("proxy session", move |s| save_state(s, record));
        }
    }

    /// Saves a proxy session's changing state now (a new entry link must outlive a
    /// crash), in order after any save already queued, which holds an older state.
    pub async fn save_proxy_session_now(&self, session: &ProxySession) {
        let record = session.record();
        self.live.writer().write("proxy session", move |s| save_state(s, record));
        self.live.flush().await;
    }
}

/// The parts of a proxy session that change as the visitor browses, into the records.
fn save_state(store: &dyn Store, record: crate::store::ProxySessionRecord) -> Result<(), StoreError> {
    store.save_proxy_session_state(&record)
}

/// Why Tandem could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A rule file is invalid.
    #[error(transparent)]
    Rules(#[from] RulesError),
    /// The upstream TLS settings are invalid.
    #[error("upstream TLS settings: {0}")]
    Upstream(#[from] UpstreamSetupError),
    /// The records could not be opened.
    #[error("records: {0}")]
    Store(#[from] StoreError),
    /// The TLS certificates cannot be served.
    #[error("TLS: {0}")]
    Tls(#[from] tls::TlsError),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    File {
        /// The file.
        path: String,
        /// The I/O error.
        source: io::Error,
    },
}

/// A configured Tandem, ready to serve.
pub struct App {
    state: Arc<AppState>,
    control: Router,
    connections: Arc<Connections>,
    http: auto::Builder<TokioExecutor>,
    tls: Option<Arc<tls::Tls>>,
}

impl App {
    /// Loads rules, certificates and the API key, and builds the shared state.
    pub fn new(config: Config) -> Result<Self, StartError> {
        let rules = Arc::new(crate::rules::load_dir(&config.rules_dir)?);
        let metrics = Arc::new(Metrics::new());
        let mut extra_root_pems = Vec::new();
        for path in &config.extra_root_certs {
            extra_root_pems.push(
                std::fs::read(path).map_err(|source| StartError::File { path: path.display().to_string(), source })?,
            );
        }
        let upstream = UpstreamClient::new(UpstreamSettings {
            resolve: config.resolve.clone(),
            allow_private: config.allow_private_upstreams,
            extra_root_pems,
            connect_timeout: config.connect_timeout(),
            response_timeout: config.response_timeout(),
            ssrf_refusals: metrics.ssrf_refusals.clone(),
        })?;
        let api_key = match &config.api_key {
            Some(key) => key.clone(),
            None => load_or_create_secret(&config.data_dir, API_KEY_FILE)?,
        };
        let watch_key = load_or_create_secret(&config.data_dir, WATCH_KEY_FILE)?;
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&config.data_dir.join(DATABASE_FILE))?);
        let webhooks = WebhookSender::new(upstream.clone(), &config);
        let live = Live::new(store, webhooks, config.live_settings(), &metrics)
            .map_err(|source| StartError::File { path: "store writer thread".into(), source })?;
        let state = Arc::new(AppState {
            zone: Arc::new(ContentOrigin::new(&config.content_origin)),
            sessions: SessionRegistry::new(public_suffix_list()),
            upstream,
            rules,
            api_key,
            live,
            watch_tokens: WatchTokens::new(watch_key.as_bytes()),
            metrics,
            limits: RewriteLimits {
                html_memory: config.html_rewriter_memory,
                css_buffer: config.css_buffer,
                max_decompression_ratio: config.max_decompression_ratio,
            },
            config,
        });
        let tls = state.config.tls_files().map(tls::Tls::new).transpose()?.map(Arc::new);
        let control = crate::api::router(state.clone());
        let (connections, http) = listener::prepare(state.config.connection_settings());
        Ok(App { state, control, connections, http, tls })
    }

    /// The shared state (tests create sessions through it).
    pub fn state(&self) -> &Arc<AppState> {
        &self.state
    }

    /// The listener's TLS, to reload its certificates on request (SIGHUP); `None` when off.
    pub fn tls(&self) -> Option<Arc<tls::Tls>> {
        self.tls.clone()
    }

    /// Tells the operator where Tandem is and how to use it.
    pub fn print_banner(&self) {
        let config = &self.state.config;
        let control = config.control_origin.as_str().trim_end_matches('/');
        let protocols = if self.tls.is_some() { "https (HTTP/2, HTTP/1.1)" } else { "http" };
        println!("Tandem is listening on {} ({protocols})", config.listen);
        if let Some(redirect) = config.redirect_listen {
            println!("  redirecting http on {redirect} to https");
        }
        println!("  control origin: {control}");
        println!("  content zone:   *.{} ({})", self.state.zone.zone(), config.content_origin);
        println!("  API key:        {}", self.state.api_key);
        if let Some(metrics) = config.metrics_listen {
            println!("  metrics:        http://{metrics}{}", crate::metrics::endpoint::METRICS_PATH);
        }
        println!("Create a session:");
        println!(
            "  curl -s -X POST {control}/v1.3/proxy_sessions -H 'X-Api-Key: {}' -H 'Content-Type: application/json' -d '{{\"initial_url\":\"https://example.com/\"}}'",
            self.state.api_key
        );
    }

    /// Rebuilds live state from the records and starts the background work: compressing
    /// the runtime ahead of the first page, saving proxy sessions, purging old records.
    fn start_background(&self) -> Result<(), StoreError> {
        self.state.live.restore()?;
        crate::injector::warm_up();
        let state = self.state.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(SAVE_INTERVAL);
            loop {
                every.tick().await;
                state.save_proxy_sessions();
            }
        });
        let state = self.state.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(PURGE_INTERVAL);
            let retention = Duration::from_secs(state.config.retention_days * 24 * 3600);
            loop {
                every.tick().await;
                let cutoff = now_millis() - retention.as_millis() as i64;
                match state.records(move |s| s.purge(cutoff)).await {
                    Ok(0) => {}
                    Ok(purged) => tracing::info!(purged, "old records purged"),
                    Err(e) => tracing::error!(error = %e, "purging old records failed"),
                }
            }
        });
        Ok(())
    }

    async fn dispatch(&self, request: Request<Incoming>) -> http::Response<Body> {
        let name = request_host_name(request.headers(), request.uri());
        let (side, mut response) = if self.state.zone.holds(&name) {
            (Side::Content, crate::proxy::handle(&self.state, request).await)
        } else {
            match self.control.clone().oneshot(request.map(Body::new)).await {
                Ok(response) => (Side::Control, response),
                Err(never) => match never {},
            }
        };
        // A failure says whose it was; any other answer of the proxy is the upstream's or ours as asked.
        let outcome = response.extensions_mut().remove::<Outcome>().unwrap_or(match side {
            Side::Content => Outcome::Ok,
            Side::Control => Outcome::of_status(response.status()),
        });
        self.state.metrics.count_request(side, outcome, response.status());
        response
    }
}

/// A secret kept in `file` of the data directory, made on first start.
fn load_or_create_secret(data_dir: &std::path::Path, file: &str) -> Result<String, StartError> {
    let path = data_dir.join(file);
    let file_error = |source| StartError::File { path: path.display().to_string(), source };
    match std::fs::read_to_string(&path) {
        Ok(key) if !key.trim().is_empty() => return Ok(key.trim().to_owned()),
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(file_error(e)),
    }
    std::fs::create_dir_all(data_dir).map_err(file_error)?;
    let key = crate::origin::binding::random_token();
    write_private(&path, &key).map_err(file_error)?;
    Ok(key)
}

/// Writes a secret readable by its owner only.
fn write_private(path: &std::path::Path, text: &str) -> io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(text.as_bytes())
}

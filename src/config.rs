//! Tandem's settings: every default as a named constant, a TOML file that rejects
//! unknown keys, and `TANDEM_*` environment variables that override both.
//!
//! An environment variable `TANDEM_<KEY>` sets the top-level key `<key>`. Its value is
//! read as a TOML value when it is one (`true`, `30000`, `["a.pem"]`,
//! `{"shop.test" = "127.0.0.1:9001"}`) and as a plain string otherwise.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use url::Url;

use crate::server::tls::CertificateFiles;

/// Address the single listener binds to.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// Origin of the REST API, watch pages and relay.
pub const DEFAULT_CONTROL_ORIGIN: &str = "http://localhost:8080";
/// Origin whose host is the content zone: every proxied origin is served on a label below it.
pub const DEFAULT_CONTENT_ORIGIN: &str = "http://proxy.localhost:8080";
/// Where Tandem keeps its API key and, later, its records.
pub const DEFAULT_DATA_DIR: &str = "./tandem-data";
/// Per-site rules, loaded at start.
pub const DEFAULT_RULES_DIR: &str = "./rules";
/// Time allowed to open a TCP connection to an upstream.
pub const DEFAULT_CONNECT_TIMEOUT_MS: u64 = 10_000;
/// Time allowed for an upstream to send its response headers.
pub const DEFAULT_RESPONSE_TIMEOUT_MS: u64 = 30_000;
/// Memory one HTML rewriter may hold before it passes the rest of the page through untouched.
pub const DEFAULT_HTML_REWRITER_MEMORY: usize = 4 * 1024 * 1024;
/// Largest CSS tail buffered while waiting for a safe point to rewrite at.
pub const DEFAULT_CSS_BUFFER: usize = 256 * 1024;
/// A compressed body may grow at most this many times its compressed size when decoded.
pub const DEFAULT_MAX_DECOMPRESSION_RATIO: u64 = 200;
/// Largest JSON body the REST API reads.
pub const DEFAULT_MAX_API_BODY: usize = 64 * 1024;
/// Attempts to deliver one webhook, the first included.
pub const DEFAULT_WEBHOOK_ATTEMPTS: u32 = 5;
/// Wait after a webhook's first failed attempt; doubled after each further failure.
pub const DEFAULT_WEBHOOK_FIRST_RETRY_MS: u64 = 1_000;
/// Time one webhook attempt may take until the receiver's response headers.
pub const DEFAULT_WEBHOOK_TIMEOUT_MS: u64 = 10_000;
/// A visitor whose pages all closed stays online this long (following a link closes
/// one page before the next one connects).
pub const DEFAULT_VISITOR_GRACE_MS: u64 = 10_000;
/// A co-browsing session whose agents all left ends unless one is back within this time.
pub const DEFAULT_SESSION_GRACE_MS: u64 = 30_000;
/// How long a watch link can be opened after it was issued.
pub const DEFAULT_WATCH_LINK_TTL_SECS: u64 = 120;
/// Records older than this are purged.
pub const DEFAULT_RETENTION_DAYS: u64 = 30;
/// A proxy session whose visitor is offline and which served nothing for this long
/// leaves memory; the records keep it, and its next request brings it back.
pub const DEFAULT_IDLE_SESSION_MEMORY_SECS: u64 = 600;
/// Whether a proxy session asks the visitor before an agent sees the page, when its
/// creation request does not say.
pub const DEFAULT_REQUIRE_CONSENT: bool = false;
/// Time a client has to send a request's head, from when the connection is ready for
/// one; for HTTP/1.1 also how long an idle keep-alive connection stays open.
pub const DEFAULT_HEADER_READ_TIMEOUT_MS: u64 = 15_000;
/// Time a connection may go unused after its first request (HTTP/2 with no request in
/// flight), a live socket may stay silent (pinged at a third of it), and a client may
/// leave a response unread, before Tandem closes the connection.
pub const DEFAULT_IDLE_TIMEOUT_MS: u64 = 60_000;
/// Most client connections open at once (WebSockets included). When all are taken,
/// the connection idle the longest is closed for a newcomer. Lowered at start to what
/// the open-file limit carries.
pub const DEFAULT_MAX_CONNECTIONS: usize = 10_000;
/// Largest request head (request line and headers) Tandem reads, in bytes. It must
/// hold any `Cookie` header a browser can send to the zone, whatever a page wrote there:
/// Chromium keeps up to 180 cookies of 4096 bytes per site, about 740 KB in one header
/// (hyper's own limit, about 400 KB, answered such a visitor 431 on every label).
pub const MAX_REQUEST_HEAD_BYTES: usize = 1024 * 1024;
/// How often the TLS certificate files are looked at for a renewal, in ms.
pub const DEFAULT_TLS_RELOAD_CHECK_MS: u64 = 10_000;
/// How long a stopping Tandem lets requests and live sockets finish, in ms.
pub const DEFAULT_SHUTDOWN_GRACE_MS: u64 = 10_000;
/// How log lines are written unless `log_format` says otherwise.
pub const DEFAULT_LOG_FORMAT: LogFormat = LogFormat::Text;
/// Environment variables with the `TANDEM_` prefix that are not configuration keys.
const NON_CONFIG_VARIABLES: &[&str] = &["TANDEM_CONFIG", "TANDEM_LOG"];
const ENV_PREFIX: &str = "TANDEM_";

/// Everything Tandem can be told at start.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address the listener binds to.
    pub listen: SocketAddr,
    /// Public origin of the control side (API, watch pages).
    pub control_origin: Url,
    /// Public origin whose host is the content zone.
    pub content_origin: Url,
    /// Directory for the API key and records.
    pub data_dir: PathBuf,
    /// Fixed API key; when absent one is generated once and kept in `data_dir`.
    pub api_key: Option<String>,
    /// Directory of per-site rule files.
    pub rules_dir: PathBuf,
    /// Allow upstreams on loopback and private networks (tests and local demos).
    pub allow_private_upstreams: bool,
    /// PEM files with extra trusted root certificates for upstream TLS.
    pub extra_root_certs: Vec<PathBuf>,
    /// Host name overrides: `"shop.test" = "127.0.0.1:9001"`.
    pub resolve: HashMap<String, SocketAddr>,
    /// Connect timeout towards upstreams, in milliseconds.
    pub connect_timeout_ms: u64,
    /// Response-header timeout towards upstreams, in milliseconds.
    pub response_timeout_ms: u64,
    /// Memory bound of one HTML rewriter, in bytes.
    pub html_rewriter_memory: usize,
    /// Largest CSS tail held while streaming a stylesheet, in bytes.
    pub css_buffer: usize,
    /// Bound on decoded size over compressed size.
    pub max_decompression_ratio: u64,
    /// Largest REST request body, in bytes.
    pub max_api_body: usize,
    /// Attempts to deliver one webhook (at least 1).
    pub webhook_attempts: u32,
    /// Wait after a webhook's first failed attempt, in milliseconds; it doubles after each
    /// further failure, up to `webhook::MAX_RETRY_DELAY`.
    pub webhook_first_retry_ms: u64,
    /// Time one webhook attempt may take, in milliseconds.
    pub webhook_timeout_ms: u64,
    /// How long a visitor with no page open stays online, in milliseconds.
    pub visitor_grace_ms: u64,
    /// How long a session waits for an agent to come back before it ends, in milliseconds.
    pub session_grace_ms: u64,
    /// Lifetime of a watch link, in seconds.
    pub watch_link_ttl_secs: u64,
    /// Most co-browsing sessions at once; watch links beyond it are refused with 402.
    pub max_ongoing_sessions: Option<usize>,
    /// Days records are kept.
    pub retention_days: u64,
    /// Seconds an unused proxy session of an offline visitor stays in memory.
    pub idle_session_memory_secs: u64,
    /// Whether sessions ask the visitor's consent before an agent sees the page, unless
    /// their creation request says otherwise.
    pub require_consent: bool,
    /// Time a client has for a request's head, in milliseconds.
    pub header_read_timeout_ms: u64,
    /// Time a connection may go unused (or a live socket silent, or a response unread),
    /// in milliseconds.
    pub idle_timeout_ms: u64,
    /// Most client connections open at once.
    pub max_connections: usize,
    /// PEM certificate chain served on `listen` (TLS is on when set, with `tls_key`):
    /// the content zone's wildcard and the control origin's name, unless `tls_sni` has them.
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of `tls_cert`.
    pub tls_key: Option<PathBuf>,
    /// More certificates, each served to clients asking for a name it holds.
    pub tls_sni: Vec<CertificateFiles>,
    /// How often the certificate files are looked at for a renewal (SIGHUP reloads at once).
    pub tls_reload_check_ms: u64,
    /// A plain-HTTP listener that answers every request for Tandem's names with a
    /// permanent redirect to the same URL over https.
    pub redirect_listen: Option<SocketAddr>,
    /// How long a stopping Tandem lets requests and live sockets finish.
    pub shutdown_grace_ms: u64,
    /// Address serving Prometheus metrics at `/metrics`, apart from `listen`; none when unset.
    pub metrics_listen: Option<SocketAddr>,
    /// How log lines are written.
    pub log_format: LogFormat,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// For people: one readable line per event.
    Text,
    /// For log collectors: one JSON object per line, the event's fields at its top level.
    Json,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: parse_constant(DEFAULT_LISTEN),
            control_origin: parse_constant(DEFAULT_CONTROL_ORIGIN),
            content_origin: parse_constant(DEFAULT_CONTENT_ORIGIN),
            data_dir: PathBuf::from(DEFAULT_DATA_DIR),
            api_key: None,
            rules_dir: PathBuf::from(DEFAULT_RULES_DIR),
            allow_private_upstreams: false,
            extra_root_certs: Vec::new(),
            resolve: HashMap::new(),
            connect_timeout_ms: DEFAULT_CONNECT_TIMEOUT_MS,
            response_timeout_ms: DEFAULT_RESPONSE_TIMEOUT_MS,
            html_rewriter_memory: DEFAULT_HTML_REWRITER_MEMORY,
            css_buffer: DEFAULT_CSS_BUFFER,
            max_decompression_ratio: DEFAULT_MAX_DECOMPRESSION_RATIO,
            max_api_body: DEFAULT_MAX_API_BODY,
            webhook_attempts: DEFAULT_WEBHOOK_ATTEMPTS,
            webhook_first_retry_ms: DEFAULT_WEBHOOK_FIRST_RETRY_MS,
            webhook_timeout_ms: DEFAULT_WEBHOOK_TIMEOUT_MS,
            visitor_grace_ms: DEFAULT_VISITOR_GRACE_MS,
            session_grace_ms: DEFAULT_SESSION_GRACE_MS,
            watch_link_ttl_secs: DEFAULT_WATCH_LINK_TTL_SECS,
            max_ongoing_sessions: None,
            retention_days: DEFAULT_RETENTION_DAYS,
            idle_session_memory_secs: DEFAULT_IDLE_SESSION_MEMORY_SECS,
            require_consent: DEFAULT_REQUIRE_CONSENT,
            header_read_timeout_ms: DEFAULT_HEADER_READ_TIMEOUT_MS,
            idle_timeout_ms: DEFAULT_IDLE_TIMEOUT_MS,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            tls_cert: None,
            tls_key: None,
            tls_sni: Vec::new(),
            tls_reload_check_ms: DEFAULT_TLS_RELOAD_CHECK_MS,
            redirect_listen: None,
            shutdown_grace_ms: DEFAULT_SHUTDOWN_GRACE_MS,
            metrics_listen: None,
            log_format: DEFAULT_LOG_FORMAT,
        }
    }
}

/// Our own constants always parse; a failure here is a typo caught by the unit tests.
fn parse_constant<T: std::str::FromStr>(text: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    text.parse().unwrap_or_else(|e| panic!("built-in default {text:?} is invalid: {e:?}"))
}

/// Why the configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file or an environment override is not valid.
    #[error("invalid configuration in {origin}: {message}")]
    Invalid {
        /// Which file or variable.
        origin: String,
        /// What is wrong, with line and column where known.
        message: String,
    },
}

impl Config {
    /// Reads `path` (if any), applies `TANDEM_*` overrides from `env`, and validates the result.
    pub fn load(path: Option<&Path>, env: impl IntoIterator<Item = (String, String)>) -> Result<Self, ConfigError> {
        let (mut table, origin) = match path {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|source| ConfigError::Read { path: path.to_owned(), source })?;
                let table: toml::Table = toml::from_str(&text)
                    .map_err(|e| ConfigError::Invalid { origin: path.display().to_string(), message: e.to_string() })?;
                (table, path.display().to_string())
            }
            None => (toml::Table::new(), "the defaults".to_owned()),
        };
        let mut overridden = Vec::new();
        for (name, value) in env {
            let Some(key) = name.strip_prefix(ENV_PREFIX) else { continue };
            if NON_CONFIG_VARIABLES.contains(&name.as_str()) {
                continue;
            }
            table.insert(key.to_ascii_lowercase(), env_value(&value));
            overridden.push(name);
        }
        let origin = if overridden.is_empty() { origin } else { format!("{origin} with {}", overridden.join(", ")) };
        let config = Config::deserialize(toml::Value::Table(table))
            .map_err(|e| ConfigError::Invalid { origin: origin.clone(), message: e.to_string() })?;
        config.validate().map_err(|message| ConfigError::Invalid { origin, message })?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), String> {
        for (name, origin) in [("control_origin", &self.control_origin), ("content_origin", &self.content_origin)] {
            if !matches!(origin.scheme(), "http" | "https") || origin.host_str().is_none() {
                return Err(format!("{name} must be an http(s) origin, got {origin}"));
            }
            if origin.path() != "/" || origin.query().is_some() {
                return Err(format!("{name} must have no path or query, got {origin}"));
            }
        }
        self.check_sites()?;
        if self.watch_link_ttl_secs == 0 || self.retention_days == 0 {
            return Err("watch_link_ttl_secs and retention_days must be at least 1".into());
        }
        if self.max_decompression_ratio == 0 {
            return Err("max_decompression_ratio must be at least 1".into());
        }
        if self.webhook_attempts == 0 || self.webhook_timeout_ms == 0 {
            return Err("webhook_attempts and webhook_timeout_ms must be at least 1".into());
        }
        if self.header_read_timeout_ms == 0 || self.idle_timeout_ms == 0 || self.max_connections == 0 {
            return Err("header_read_timeout_ms, idle_timeout_ms and max_connections must be at least 1".into());
        }
        self.check_tls()
    }

    /// TLS needs both files, and https origins: links Tandem writes into pages name the
    /// origins, and a page of an https listener linking to http ones would be broken.
    fn check_tls(&self) -> Result<(), String> {
        let tls = match (&self.tls_cert, &self.tls_key) {
            (Some(_), Some(_)) => true,
            (None, None) if self.tls_sni.is_empty() => false,
            (None, None) => return Err("tls_sni needs tls_cert and tls_key (the default certificate)".into()),
            _ => return Err("tls_cert and tls_key go together: set both or neither".into()),
        };
        if tls && self.tls_reload_check_ms == 0 {
            return Err("tls_reload_check_ms must be at least 1".into());
        }
        if tls || self.redirect_listen.is_some() {
            for (name, origin) in [("control_origin", &self.control_origin), ("content_origin", &self.content_origin)] {
                if origin.scheme() != "https" {
                    return Err(format!(
                        "with tls_cert or redirect_listen set, {name} must be https (links in pages name it), got {origin}"
                    ));
                }
            }
        }
        Ok(())
    }

    /// The certificate files to serve, the default pair first; `None` when TLS is off.
    pub fn tls_files(&self) -> Option<Vec<CertificateFiles>> {
        let (cert, key) = (self.tls_cert.clone()?, self.tls_key.clone()?);
        Some(std::iter::once(CertificateFiles { cert, key }).chain(self.tls_sni.iter().cloned()).collect())
    }

    /// How long a stopping Tandem waits for requests and sockets.
    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_millis(self.shutdown_grace_ms)
    }

    /// The control origin must be another site than the content zone: pages in the zone
    /// run whatever the proxied sites send, and a same-site page shares the control
    /// origin's `SameSite` cookies (the agent's credential) and can frame it as
    /// same-site. Sites are compared by registrable domain, with the public suffix list
    /// the cookie jar uses.
    fn check_sites(&self) -> Result<(), String> {
        let zone = match self.content_origin.host() {
            Some(url::Host::Domain(zone)) => zone,
            _ => {
                return Err(format!(
                    "content_origin must name a domain (labels go below it), got {}",
                    self.content_origin
                ));
            }
        };
        let control = self.control_origin.host_str().unwrap_or_default();
        let advice = "Give the control origin a registrable domain of its own, e.g. control_origin = \
                      \"https://cobrowse.example.com\" with content_origin = \"https://proxy.example-cobrowse.net\"";
        if control == zone || control.ends_with(&format!(".{zone}")) {
            return Err(format!("control_origin's host {control} is in the content zone *.{zone}. {advice}"));
        }
        let suffixes = crate::session::jar::public_suffix_list();
        let site = crate::session::jar::registrable_domain(&suffixes, control);
        if site == crate::session::jar::registrable_domain(&suffixes, zone) {
            return Err(format!(
                "control_origin ({control}) and the content zone ({zone}) are one site, {site}: proxied pages \
                 would be same-site with the API and the agent's viewer. {advice}"
            ));
        }
        Ok(())
    }

    /// Connect timeout as a duration.
    pub fn connect_timeout(&self) -> Duration {
        Duration::from_millis(self.connect_timeout_ms)
    }

    /// The grace periods of live state, and how long a live socket may stay silent.
    pub fn live_settings(&self) -> crate::live::LiveSettings {
        crate::live::LiveSettings {
            visitor_grace: Duration::from_millis(self.visitor_grace_ms),
            session_grace: Duration::from_millis(self.session_grace_ms),
            socket_silence: Duration::from_millis(self.idle_timeout_ms),
        }
    }

    /// The bounds of client connections, before the file limit has its say.
    pub fn connection_settings(&self) -> crate::server::connections::ConnectionSettings {
        crate::server::connections::ConnectionSettings {
            header_read_timeout: Duration::from_millis(self.header_read_timeout_ms),
            idle_timeout: Duration::from_millis(self.idle_timeout_ms),
            max_connections: self.max_connections,
        }
    }

    /// Response-header timeout as a duration.
    pub fn response_timeout(&self) -> Duration {
        Duration::from_millis(self.response_timeout_ms)
    }
}

/// An override is a TOML value when it parses as one, a string otherwise, so that
/// `TANDEM_LISTEN=127.0.0.1:9000` needs no quotes while `TANDEM_ALLOW_PRIVATE_UPSTREAMS=true` is a bool.
fn env_value(raw: &str) -> toml::Value {
    toml::from_str::<toml::Table>(&format!("v = {raw}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(raw.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let c = Config::load(None, env(&[])).expect("defaults load");
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.content_origin.host_str(), Some("proxy.localhost"));
        assert_eq!(c.control_origin.as_str(), "http://localhost:8080/");
        assert!(!c.allow_private_upstreams);
    }

    #[test]
    fn environment_overrides_file_and_parses_types() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("tandem.toml");
        std::fs::write(&path, "listen = \"127.0.0.1:1\"\nallow_private_upstreams = false\n").expect("write");
        let c = Config::load(
            Some(&path),
            env(&[
                ("TANDEM_LISTEN", "127.0.0.1:9000"),
                ("TANDEM_ALLOW_PRIVATE_UPSTREAMS", "true"),
                ("TANDEM_RESOLVE", r#"{"shop.test" = "127.0.0.1:9001"}"#),
                ("TANDEM_LOG", "debug"),
                ("PATH", "/bin"),
            ]),
        )
        .expect("loads");
        assert_eq!(c.listen.port(), 9000);
        assert!(c.allow_private_upstreams);
        assert_eq!(c.resolve["shop.test"].port(), 9001);
    }

    #[test]
    fn unknown_keys_are_rejected_with_their_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("bad.toml");
        std::fs::write(&path, "listen = \"127.0.0.1:1\"\n\nlisten_port = 3\n").expect("write");
        let err = Config::load(Some(&path), env(&[])).expect_err("unknown key").to_string();
        assert!(err.contains("listen_port"), "{err}");
        assert!(err.contains("bad.toml"), "{err}");
        let err = Config::load(None, env(&[("TANDEM_LISTEN_PORT", "3")])).expect_err("unknown env");
        assert!(err.to_string().contains("TANDEM_LISTEN_PORT"), "{err}");
    }

    #[test]
    fn same_host_for_control_and_content_is_refused() {
        let err =
            Config::load(None, env(&[("TANDEM_CONTENT_ORIGIN", "http://localhost:8080")])).expect_err("same host");
        assert!(err.to_string().contains("in the content zone"), "{err}");
    }

    /// The README promised a control origin on another site than the zone; nothing
    /// checked it, and a control origin inside the zone or beside it on one registrable
    /// domain started as well as any.
    #[test]
    fn a_control_origin_same_site_with_the_content_zone_is_refused_at_start() {
        for (control, zone, why) in [
            ("https://api.proxy.example.com", "https://proxy.example.com", "in the content zone"),
            ("https://x.y.proxy.example.com", "https://proxy.example.com", "in the content zone"),
            ("https://cobrowse.example.com", "https://proxy.example.com", "are one site, example.com"),
            ("https://example.com", "https://proxy.example.com", "are one site, example.com"),
            ("https://a.shop.co.uk", "https://proxy.shop.co.uk:8443", "are one site, shop.co.uk"),
            ("http://localhost:8080", "http://127.0.0.1:8080", "must name a domain"),
        ] {
            let overrides = env(&[("TANDEM_CONTROL_ORIGIN", control), ("TANDEM_CONTENT_ORIGIN", zone)]);
            let err = Config::load(None, overrides).expect_err(control).to_string();
            assert!(err.contains(why) && err.contains("TANDEM_CONTROL_ORIGIN"), "{control} with {zone}: {err}");
        }
        for (control, zone) in [
            ("https://cobrowse.example.com", "https://proxy.example-cobrowse.net"),
            ("https://cobrowse.example.com", "https://example.co.uk"),
            ("https://a.github.io", "https://b.github.io"),
            ("http://127.0.0.1:8080", "http://proxy.localhost:8080"),
        ] {
            let overrides = env(&[("TANDEM_CONTROL_ORIGIN", control), ("TANDEM_CONTENT_ORIGIN", zone)]);
            Config::load(None, overrides).unwrap_or_else(|e| panic!("{control} with {zone}: {e}"));
        }
        // The development defaults: `localhost` is a site of its own, `proxy.localhost` another.
        Config::load(None, env(&[])).expect("the defaults are two sites");
    }

    #[test]
    fn webhooks_need_an_attempt_and_a_timeout() {
        let c = Config::load(None, env(&[])).expect("defaults load");
        assert_eq!((c.webhook_attempts, c.webhook_first_retry_ms, c.webhook_timeout_ms), (5, 1000, 10_000));
        for (key, value) in [("TANDEM_WEBHOOK_ATTEMPTS", "0"), ("TANDEM_WEBHOOK_TIMEOUT_MS", "0")] {
            let err = Config::load(None, env(&[(key, value)])).expect_err("zero refused");
            assert!(err.to_string().contains("webhook_"), "{err}");
        }
    }

    #[test]
    fn metrics_are_off_unless_an_address_is_given_and_logs_are_text_or_json() {
        let c = Config::load(None, env(&[])).expect("defaults load");
        assert_eq!((c.metrics_listen, c.log_format), (None, LogFormat::Text));
        let c = Config::load(None, env(&[("TANDEM_METRICS_LISTEN", "127.0.0.1:9100"), ("TANDEM_LOG_FORMAT", "json")]))
            .expect("loads");
        assert_eq!(c.metrics_listen.map(|a| a.port()), Some(9100));
        assert_eq!(c.log_format, LogFormat::Json);
        let err = Config::load(None, env(&[("TANDEM_LOG_FORMAT", "xml")])).expect_err("unknown format");
        assert!(err.to_string().contains("TANDEM_LOG_FORMAT") && err.to_string().contains("json"), "{err}");
    }

    #[test]
    fn example_config_in_the_repo_loads() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tandem.example.toml");
        Config::load(Some(&path), env(&[])).expect("example config is valid");
    }
}

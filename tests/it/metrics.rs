//! The operator's view: Prometheus metrics on `metrics_listen`, an address of their own,
//! and log lines as JSON when `log_format = "json"`. After a browsing test (a page loaded
//! in Chromium, a compressed page rewritten, an address Tandem may not reach, a
//! stylesheet too long to rewrite, an agent watching a visitor) a plain scrape shows
//! every family, with the values that flow explains.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::process::Stdio;

use axum::body::Body;
use http::{Method, StatusCode, header};
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::api_flow::quick_live;
use crate::support::api::{eventually, next_frame, send_frame};
use crate::support::browser::run_scenario;
use crate::support::tandem_child::tandem_command;
use crate::support::{API_KEY, Endpoint, World, bounded, get};

const SNAPSHOT: u8 = 1;
const AGENT: &str = r#"{"agent":{"id":"agent-1","name":"Ann"}}"#;

/// Every family Tandem exports, as a scrape names it.
const FAMILIES: [&str; 15] = [
    "tandem_requests_total",
    "tandem_upstream_first_byte_seconds",
    "tandem_upstream_duration_seconds",
    "tandem_upstream_body_bytes_total",
    "tandem_client_body_bytes_total",
    "tandem_compression_ratio",
    "tandem_rewrite_bail_outs_total",
    "tandem_ssrf_refusals_total",
    "tandem_relay_frames_total",
    "tandem_relay_dropped_frames_total",
    "tandem_store_write_seconds",
    "tandem_proxy_sessions",
    "tandem_online_visitors",
    "tandem_cobrowsing_sessions",
    "tandem_agents",
];

/// A scrape: the text, and each series (name with its labels as written) with its value.
struct Scrape {
    text: String,
    series: BTreeMap<String, f64>,
}

impl Scrape {
    async fn of(metrics: SocketAddr) -> Scrape {
        let reply = Endpoint::plain(metrics).send(get(&format!("http://{metrics}/metrics"))).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        let content_type = reply.header(header::CONTENT_TYPE).unwrap_or_default().to_owned();
        assert!(content_type.starts_with("text/plain; version=0.0.4"), "{content_type}");
        let text = reply.text();
        let series = text
            .lines()
            .filter(|line| !line.starts_with('#') && !line.is_empty())
            .map(|line| {
                let (name, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("a series without a value: {line}"));
                (name.to_owned(), value.parse().unwrap_or_else(|e| panic!("{line}: {e}")))
            })
            .collect();
        Scrape { text, series }
    }

    /// The value of one series, e.g. `tandem_agents` or `x_total{reason="corrupt"}`.
    fn value(&self, series: &str) -> f64 {
        *self.series.get(series).unwrap_or_else(|| panic!("no series {series} in\n{}", self.text))
    }

    fn exactly(&self, series: &str, expected: f64) {
        assert_eq!(self.value(series), expected, "{series} in\n{}", self.text);
    }

    fn at_least(&self, series: &str, least: f64) {
        assert!(self.value(series) >= least, "{series} below {least} in\n{}", self.text);
    }
}

/// The browsing test, then the scrape. Exact values are those the flow makes (two proxy
/// sessions, one refusal, one visitor and one agent still there); counts of requests
/// and bytes only need to be there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scrape_after_a_browsing_test_shows_every_family() {
    let world = World::start_with(|config| {
        quick_live(config);
        config.metrics_listen = Some("127.0.0.1:0".parse().expect("address"));
        // The shop's stylesheet has longer pieces than this: they pass through untouched.
        config.css_buffer = 32;
    })
    .await;
    let tandem = &world.tandem;
    let metrics = tandem.metrics_addr.expect("the metrics listener");

    // A visitor's Chromium loads the shop: its page, stylesheet, script and images.
    let browsed = tandem.create_session("https://shop.test/").await;
    let loaded = run_scenario("smoke", &serde_json::json!({ "url": browsed.proxy_url })).await;
    assert_eq!((loaded["status"].as_u64(), loaded["title"].as_str()), (Some(200), Some("Shop")), "{loaded:#}");

    let visitor = tandem.visitor("https://shop.test/").await;
    let compressed = visitor.request(Method::GET, &visitor.url("https://shop.test/compressed/gzip"));
    let compressed = visitor.send(compressed.header(header::ACCEPT_ENCODING, "gzip"), Body::empty()).await;
    assert_eq!(compressed.header(header::CONTENT_ENCODING), Some("gzip"), "rewritten and compressed again");
    // Cloud metadata is out of reach even where private upstreams are allowed.
    let refused = visitor.get_upstream("http://169.254.169.254/latest/meta-data/").await;
    assert_eq!(refused.status, StatusCode::BAD_GATEWAY, "{}", refused.text());

    // The visitor's page and an agent watching it; a change sent before any snapshot is
    // of no use to an agent and is dropped, the snapshot is relayed.
    let (mut page, _) = visitor.presence(&visitor.landing).await;
    let (mut agent, _) = tandem.agent_for(&visitor.session.short_id, AGENT).await.join().await;
    send_frame(&mut page, 0, "[change before any snapshot]").await;
    send_frame(&mut page, SNAPSHOT, "[snapshot]").await;
    assert_eq!(next_frame(&mut agent).await.body, "[snapshot]");

    // Chromium's visitor leaves with its browser; the other stays while the agent watches.
    let scrape = eventually("Chromium's visitor offline", || async {
        let scrape = Scrape::of(metrics).await;
        (scrape.value("tandem_online_visitors") == 1.0).then_some(scrape)
    })
    .await;
    for family in FAMILIES {
        assert!(scrape.text.contains(&format!("# TYPE {family} ")), "{family} is missing:\n{}", scrape.text);
    }
    let content_ok = r#"tandem_requests_total{side="content",outcome="ok",status="2xx"}"#;
    // The landing page, the runtime, the stylesheet and the compressed page at least.
    scrape.at_least(content_ok, 4.0);
    scrape.at_least(r#"tandem_requests_total{side="control",outcome="ok",status="2xx"}"#, 3.0);
    scrape.exactly(r#"tandem_requests_total{side="content",outcome="upstream_error",status="5xx"}"#, 1.0);
    scrape.at_least("tandem_upstream_first_byte_seconds_count", 4.0);
    scrape.at_least("tandem_upstream_duration_seconds_count", 4.0);
    // The compressed page alone inflates to more.
    scrape.at_least("tandem_upstream_body_bytes_total", 10_000.0);
    scrape.at_least("tandem_client_body_bytes_total", 10_000.0);
    scrape.exactly(r#"tandem_compression_ratio_count{coding="gzip"}"#, 1.0);
    let ratio = scrape.value(r#"tandem_compression_ratio_sum{coding="gzip"}"#);
    assert!(ratio > 0.0 && ratio < 0.2, "the page's repeated filler compresses well: {ratio}");
    scrape.at_least(r#"tandem_rewrite_bail_outs_total{reason="css_buffer"}"#, 1.0);
    scrape.exactly("tandem_ssrf_refusals_total", 1.0);
    scrape.exactly("tandem_relay_frames_total", 1.0);
    scrape.exactly(r#"tandem_relay_dropped_frames_total{reason="not_mirrored"}"#, 1.0);
    scrape.exactly(r#"tandem_relay_dropped_frames_total{reason="too_large"}"#, 0.0);
    scrape.at_least("tandem_store_write_seconds_count", 1.0);
    scrape.exactly("tandem_proxy_sessions", 2.0);
    scrape.exactly("tandem_cobrowsing_sessions", 1.0);
    scrape.exactly("tandem_agents", 1.0);

    // The agent leaves: the gauges follow at the next scrape.
    drop(agent);
    eventually("the agent gone from the gauge", || async {
        (Scrape::of(metrics).await.value("tandem_agents") == 0.0).then_some(())
    })
    .await;
    drop(page);
}

/// The binary with `TANDEM_LOG_FORMAT=json` writes every log line as a JSON object, the
/// event's message and fields at its top level (its start included, which says where
/// it listens), and serves its metrics on `TANDEM_METRICS_LISTEN`.
#[tokio::test]
async fn the_binary_logs_json_lines_and_serves_metrics_on_its_own_address() {
    let dir = tempfile::tempdir().expect("temp dir");
    let free_port = || std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port").port();
    let (port, metrics_port) = (free_port(), free_port());
    let mut child = tandem_command(env!("CARGO_BIN_EXE_tandem"), dir.path(), port, API_KEY, &[])
        .expect("the rules dir")
        .env("TANDEM_LOG", "info")
        .env("TANDEM_LOG_FORMAT", "json")
        .env("TANDEM_METRICS_LISTEN", format!("127.0.0.1:{metrics_port}"))
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the tandem binary");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let started = loop {
        let line = bounded("a log line", lines.next_line()).await.expect("stdout").expect("a line before the start");
        let event: serde_json::Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
        assert!(event["level"].is_string() && event["timestamp"].is_string(), "{event}");
        if event["message"] == "Tandem is listening" {
            break event;
        }
    };
    assert_eq!(started["listen"], format!("127.0.0.1:{port}"), "{started}");
    assert_eq!(started["metrics_listen"], format!("127.0.0.1:{metrics_port}"), "{started}");
    assert!(!started.to_string().contains(API_KEY), "the API key stays out of the logs: {started}");

    let tandem = Endpoint::plain(format!("127.0.0.1:{port}").parse().expect("address"));
    let reply = tandem.send(get(&tandem.control_url("/healthz"))).await;
    assert_eq!(reply.status, StatusCode::OK);
    let metrics: SocketAddr = format!("127.0.0.1:{metrics_port}").parse().expect("address");
    let scrape = Scrape::of(metrics).await;
    assert_eq!(scrape.value(r#"tandem_requests_total{side="control",outcome="ok",status="2xx"}"#), 1.0);
    // The metrics are not on the listener browsers and integrators use.
    assert_eq!(tandem.send(get(&tandem.control_url("/metrics"))).await.status, StatusCode::NOT_FOUND);
    child.kill().await.expect("stop the binary");
}

//! The registry as a scrape shows it, and the body counter on bodies of known length.

use std::time::Instant;

use bytes::Bytes;
use http_body::Body as _;
use http_body_util::{BodyExt, Full};

use super::*;
use crate::rewrite::decode::Coding;
use crate::rewrite::filter::{BailOut, Recompressed};

#[test]
fn every_family_is_in_the_scrape_from_the_first_request_with_its_help_and_type() {
    let metrics = Metrics::new();
    // Requests are counted by label sets as they come; every other family is there before.
    metrics.count_request(Side::Control, Outcome::Ok, http::StatusCode::OK);
    let text = metrics.encode().expect("encodes");
    for (family, kind) in [
        ("tandem_requests_total", "counter"),
        ("tandem_upstream_first_byte_seconds", "histogram"),
        ("tandem_upstream_duration_seconds", "histogram"),
        ("tandem_upstream_body_bytes_total", "counter"),
        ("tandem_client_body_bytes_total", "counter"),
        ("tandem_compression_ratio", "histogram"),
        ("tandem_rewrite_bail_outs_total", "counter"),
        ("tandem_ssrf_refusals_total", "counter"),
        ("tandem_relay_frames_total", "counter"),
        ("tandem_relay_dropped_frames_total", "counter"),
        ("tandem_store_write_seconds", "histogram"),
        ("tandem_proxy_sessions", "gauge"),
        ("tandem_online_visitors", "gauge"),
        ("tandem_cobrowsing_sessions", "gauge"),
        ("tandem_agents", "gauge"),
    ] {
        assert!(text.contains(&format!("# TYPE {family} {kind}\n")), "{family}:\n{text}");
        assert!(text.contains(&format!("# HELP {family} ")), "{family}:\n{text}");
    }
    // Each reason and coding is a series at zero before the first of its kind.
    for series in [
        r#"tandem_relay_dropped_frames_total{reason="agent_lagging"} 0"#,
        r#"tandem_rewrite_bail_outs_total{reason="decompression_limit"} 0"#,
        r#"tandem_compression_ratio_count{coding="zstd"} 0"#,
    ] {
        assert!(text.contains(&format!("{series}\n")), "{series}:\n{text}");
    }
}

#[test]
fn requests_reports_and_live_counts_land_in_their_series() {
    let metrics = Metrics::new();
    metrics.count_request(Side::Content, Outcome::UpstreamError, http::StatusCode::GATEWAY_TIMEOUT);
    metrics.count_request(Side::Control, Outcome::Ok, http::StatusCode::OK);
    metrics.count_request(Side::Control, Outcome::Ok, http::StatusCode::NO_CONTENT);
    let compression = Recompressed { coding: Coding::Brotli, plain_bytes: 1000, encoded_bytes: 250 };
    let report = FilterReport { bail_outs: vec![BailOut::HtmlMemory], compression: Some(compression) };
    metrics.record_rewrite(&report);
    metrics.set_live(LiveCounts { proxy_sessions: 3, online_visitors: 2, cobrowsing_sessions: 1, agents: 4 });
    let text = metrics.encode().expect("encodes");
    for series in [
        r#"tandem_requests_total{side="content",outcome="upstream_error",status="5xx"} 1"#,
        r#"tandem_requests_total{side="control",outcome="ok",status="2xx"} 2"#,
        r#"tandem_rewrite_bail_outs_total{reason="html_memory"} 1"#,
        r#"tandem_compression_ratio_sum{coding="br"} 0.25"#,
        r#"tandem_compression_ratio_bucket{coding="br",le="0.2"} 0"#,
        r#"tandem_compression_ratio_bucket{coding="br",le="0.25"} 1"#,
        "tandem_proxy_sessions 3",
        "tandem_agents 4",
    ] {
        assert!(text.contains(&format!("{series}\n")), "{series}:\n{text}");
    }
}

/// hyper stops polling a body of known length after its last frame: its end is timed
/// then, and an empty one (HEAD, 304) when it is made.
#[tokio::test]
async fn a_counted_body_counts_its_bytes_and_times_its_end_without_being_polled_past_it() {
    let metrics = Metrics::new();
    let mut body = metrics.upstream_body(Full::new(Bytes::from_static(b"hello")), Instant::now());
    let frame = body.frame().await.expect("a frame").expect("data");
    assert_eq!(frame.into_data().ok(), Some(Bytes::from_static(b"hello")));
    assert!(body.is_end_stream());
    let _empty = metrics.upstream_body(Full::new(Bytes::new()), Instant::now());
    let passed = metrics.client_body(Full::new(Bytes::from_static(b"hi")));
    passed.collect().await.expect("collects");

    assert_eq!((metrics.upstream_bytes.get(), metrics.client_bytes.get()), (5, 2));
    let text = metrics.encode().expect("encodes");
    assert!(text.contains("tandem_upstream_duration_seconds_count 2\n"), "{text}");
}

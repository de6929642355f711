//! Prometheus metrics: every family Tandem exports, in one registry per [`Metrics`] (so
//! that several Tandems in one process, as the tests start them, never mix), served as
//! text on an address of the operator's own ([`endpoint`]). Label values come from
//! closed sets ([`labels`]): no host, session or visitor is ever a label.
//!
//! Counting is cheap where it runs often: counters are relaxed atomic adds, bodies are
//! counted by [`CountedBody`] once per frame, and what only matters at scrape time
//! (how many sessions, visitors and agents there are now) is read then, not kept.

mod body;
pub mod endpoint;
mod labels;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};

pub use body::CountedBody;
pub use labels::{Outcome, Side};

use crate::rewrite::encode::RESPONSE_CODINGS;
use crate::rewrite::filter::{BailOut, FilterReport};
use labels::{CodingLabels, ReasonLabels, RequestLabels, status_class};

/// Bounds of the latency histograms, in seconds: from a loopback answer to a slow
/// site's whole page (past the upstream response timeout's default of 30 s).
const LATENCY_BUCKETS: [f64; 13] = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];
/// Bounds of the store write histogram, in seconds: a write is a few hundred
/// microseconds when the disk keeps up.
const STORE_WRITE_BUCKETS: [f64; 12] = [0.0002, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0];
/// Bounds of the compression ratio histogram (encoded size over plain size).
const RATIO_BUCKETS: [f64; 10] = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1.0];

/// The live mirror's relay: frames passed on and frames not, by reason. Unregistered
/// by default (a mirror of the unit tests); [`Metrics`] makes the registered one.
#[derive(Clone, Debug, Default)]
pub struct RelayMetrics {
    /// Frames of the mirrored page taken: passed on to the agents watching, kept for
    /// late joiners.
    pub frames: Counter,
    /// Frames refused for inflating past the bound.
    pub too_large: Counter,
    /// Frames refused for saying gzip and not being it.
    pub corrupt: Counter,
    /// Frames of a page that is not the mirrored one, or of a chain already dropped.
    pub not_mirrored: Counter,
    /// Frames sent while the visitor has not consented to being seen.
    pub no_consent: Counter,
    /// Frames not queued for an agent that lags behind (it catches up from the chain
    /// instead): one per agent skipped.
    pub agent_lagging: Counter,
}

/// Every metric family of one Tandem.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    /// From sending a proxied request upstream to its response head.
    pub upstream_first_byte: Histogram,
    /// From sending a proxied request upstream to the last byte of its response body.
    pub upstream_duration: Histogram,
    /// Response body bytes read from upstreams.
    pub upstream_bytes: Counter,
    /// Proxied response body bytes sent to browsers.
    pub client_bytes: Counter,
    compression_ratio: Family<CodingLabels, Histogram, fn() -> Histogram>,
    bail_outs: Family<ReasonLabels, Counter>,
    /// Upstream requests refused because the address is one Tandem may not reach.
    pub ssrf_refusals: Counter,
    /// The relay.
    pub relay: RelayMetrics,
    /// Time one write of the store writer took.
    pub store_write: Histogram,
    proxy_sessions: Gauge,
    online_visitors: Gauge,
    cobrowsing_sessions: Gauge,
    agents: Gauge,
}

/// What is live at scrape time.
#[derive(Clone, Copy, Debug)]
pub struct LiveCounts {
    /// Proxy sessions in memory.
    pub proxy_sessions: usize,
    /// Visitors with a page open (or in their grace period).
    pub online_visitors: usize,
    /// Co-browsing sessions going on.
    pub cobrowsing_sessions: usize,
    /// Agents with a viewer open.
    pub agents: usize,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Every family, registered; the series of closed label sets at zero, those of
    /// requests made as requests come.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("tandem");
        let requests = Family::default();
        registry.register("requests", "Requests answered, by side, outcome and status class", requests.clone());
        let upstream_first_byte = Histogram::new(LATENCY_BUCKETS);
        registry.register_with_unit(
            "upstream_first_byte",
            "Time from sending a proxied request upstream to its response head",
            Unit::Seconds,
            upstream_first_byte.clone(),
        );
        let upstream_duration = Histogram::new(LATENCY_BUCKETS);
        registry.register_with_unit(
            "upstream_duration",
            "Time from sending a proxied request upstream to the end of its response body",
            Unit::Seconds,
            upstream_duration.clone(),
        );
        let upstream_bytes = Counter::default();
        registry.register_with_unit(
            "upstream_body",
            "Response body bytes read from upstreams",
            Unit::Bytes,
            upstream_bytes.clone(),
        );
        let client_bytes = Counter::default();
        registry.register_with_unit(
            "client_body",
            "Proxied response body bytes sent to browsers",
            Unit::Bytes,
            client_bytes.clone(),
        );
        // Series of closed sets are there from the start: a dashboard sees a zero, not a gap.
        let compression_ratio: Family<CodingLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(|| Histogram::new(RATIO_BUCKETS));
        for coding in RESPONSE_CODINGS {
            compression_ratio.get_or_create_owned(&CodingLabels { coding: coding.token() });
        }
        registry.register(
            "compression_ratio",
            "Encoded size over plain size of each rewritten body compressed again for the browser, by coding",
            compression_ratio.clone(),
        );
        let bail_outs = Family::<ReasonLabels, Counter>::default();
        for bail_out in BailOut::ALL {
            bail_outs.get_or_create_owned(&ReasonLabels { reason: bail_out.label() });
        }
        registry.register(
            "rewrite_bail_outs",
            "Bodies whose rewriting gave up on a part (passed through untouched) or on the rest (cut off), by reason",
            bail_outs.clone(),
        );
        let ssrf_refusals = Counter::default();
        registry.register(
            "ssrf_refusals",
            "Upstream requests refused because their host resolves only to addresses Tandem may not reach",
            ssrf_refusals.clone(),
        );
        let dropped = Family::<ReasonLabels, Counter>::default();
        // The relay holds the family's own counters, so it never looks a label up.
        let dropped_for = |reason| dropped.get_or_create_owned(&ReasonLabels { reason });
        let relay = RelayMetrics {
            frames: Counter::default(),
            too_large: dropped_for("too_large"),
            corrupt: dropped_for("corrupt"),
            not_mirrored: dropped_for("not_mirrored"),
            no_consent: dropped_for("no_consent"),
            agent_lagging: dropped_for("agent_lagging"),
        };
        registry.register(
            "relay_frames",
            "Mirror frames the relay took: passed on to the agents watching, kept for late joiners",
            relay.frames.clone(),
        );
        registry.register("relay_dropped_frames", "Mirror frames not passed on, by reason", dropped);
        let store_write = Histogram::new(STORE_WRITE_BUCKETS);
        registry.register_with_unit(
            "store_write",
            "Time one write of live state to the records took",
            Unit::Seconds,
            store_write.clone(),
        );
        let gauge = |registry: &mut Registry, name: &str, help: &str| {
            let gauge = Gauge::default();
            registry.register(name, help, gauge.clone());
            gauge
        };
        Metrics {
            proxy_sessions: gauge(&mut registry, "proxy_sessions", "Proxy sessions in memory"),
            online_visitors: gauge(
                &mut registry,
                "online_visitors",
                "Visitors online (a page open, or closed within the grace period)",
            ),
            cobrowsing_sessions: gauge(&mut registry, "cobrowsing_sessions", "Co-browsing sessions going on"),
            agents: gauge(&mut registry, "agents", "Agents with a viewer open"),
            registry,
            requests,
            upstream_first_byte,
            upstream_duration,
            upstream_bytes,
            client_bytes,
            compression_ratio,
            bail_outs,
            ssrf_refusals,
            relay,
            store_write,
        }
    }

    /// Counts one answered request.
    pub fn count_request(&self, side: Side, outcome: Outcome, status: http::StatusCode) {
        let labels = RequestLabels { side: side.label(), outcome: outcome.label(), status: status_class(status) };
        self.requests.get_or_create(&labels).inc();
    }

    /// Records what the filters of one rewritten body reported at its end.
    pub fn record_rewrite(&self, report: &FilterReport) {
        for bail_out in &report.bail_outs {
            self.bail_outs.get_or_create(&ReasonLabels { reason: bail_out.label() }).inc();
        }
        if let Some(compression) = report.compression.filter(|c| c.plain_bytes > 0) {
            let ratio = compression.encoded_bytes as f64 / compression.plain_bytes as f64;
            self.compression_ratio.get_or_create(&CodingLabels { coding: compression.coding.token() }).observe(ratio);
        }
    }

    /// Sets the gauges of what is live now (at scrape time).
    pub fn set_live(&self, live: LiveCounts) {
        let set = |gauge: &Gauge, count: usize| gauge.set(i64::try_from(count).unwrap_or(i64::MAX));
        set(&self.proxy_sessions, live.proxy_sessions);
        set(&self.online_visitors, live.online_visitors);
        set(&self.cobrowsing_sessions, live.cobrowsing_sessions);
        set(&self.agents, live.agents);
    }

    /// Every family in the Prometheus text exposition format.
    pub fn encode(&self) -> Result<String, std::fmt::Error> {
        let mut text = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

#[cfg(test)]
mod tests;

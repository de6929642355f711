//! The load table of one [`Mode`]: what each contender answered each page with (the
//! check before the load), the wrk runs and their CPU time, and their medians as a
//! Markdown table. Without compression the columns are those of every run since issue
//! 6; with compression the table also shows the coding each contender answered with,
//! the body's size on the wire and decoded, and CPU per MiB of decoded content served.

use crate::check::Check;
use crate::median;
use crate::mode::{CHROMIUM_ACCEPT_ENCODING, Mode};
use crate::nginx::PAGES;
use crate::wrk::Figures;

const MIB: f64 = 1024.0 * 1024.0;

/// One wrk run and the CPU time the contender spent on it.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    /// What wrk measured.
    pub figures: Figures,
    /// CPU seconds of the contender's processes over the run.
    pub cpu_secs: f64,
}

/// Everything measured in one mode.
#[derive(Default)]
pub struct Table {
    /// Each page (inner) as each contender (outer) answered it before the load.
    pub checks: Vec<Vec<Check>>,
    /// The runs of each contender (outer) on each page (inner).
    pub samples: [[Vec<Sample>; PAGES.len()]; 4],
}

/// Medians of one contender on one page.
#[derive(Clone, Copy, Debug, Default)]
pub struct Medians {
    /// Requests per second, and the lowest and highest run's.
    pub rps: f64,
    pub rps_min: f64,
    pub rps_max: f64,
    /// Latency percentiles, milliseconds.
    pub p50: f64,
    pub p99: f64,
    /// MiB that wrk read per second.
    pub mib_s: f64,
    /// CPU per MiB that wrk read (headers and bodies as sent).
    pub cpu_ms_mib: f64,
    /// CPU per MiB of content: requests × the decoded body's size.
    pub cpu_ms_content_mib: f64,
    /// Errors over all runs.
    pub errors: u64,
}

/// Medians of `samples`, each request's body `decoded` bytes once decoded.
pub fn medians(samples: &[Sample], decoded: usize) -> Medians {
    let of = |f: &dyn Fn(&Sample) -> f64| median(samples.iter().map(f).collect());
    let content_mib = |s: &Sample| s.figures.requests * decoded as f64 / MIB;
    Medians {
        rps: of(&|s| s.figures.rps),
        rps_min: samples.iter().map(|s| s.figures.rps).fold(f64::INFINITY, f64::min),
        rps_max: samples.iter().map(|s| s.figures.rps).fold(0.0, f64::max),
        p50: of(&|s| s.figures.p50_ms),
        p99: of(&|s| s.figures.p99_ms),
        mib_s: of(&|s| s.figures.bytes / MIB / s.figures.secs),
        cpu_ms_mib: of(&|s| s.cpu_secs * 1000.0 / (s.figures.bytes / MIB)),
        cpu_ms_content_mib: of(&|s| s.cpu_secs * 1000.0 / content_mib(s)),
        errors: samples.iter().map(|s| s.figures.errors).sum(),
    }
}

/// `a / b` if both answered at all.
pub fn ratio(a: f64, b: f64) -> Option<f64> {
    (a > 0.0 && b > 0.0).then_some(a / b)
}

/// A ratio as the table shows it.
pub fn shown(ratio: Option<f64>, scale: f64, unit: &str) -> String {
    ratio.map_or("n/a (no answers)".to_owned(), |r| format!("{:.1}{unit}", r * scale))
}

/// CPU per MiB as the compressed table shows it: `n/a` when no request was answered.
fn per_mib(ms: f64) -> String {
    if ms.is_finite() { format!("{ms:.1}") } else { "n/a (no answers)".to_owned() }
}

impl Table {
    /// The check of contender `c` on page `p`, if it was made.
    fn check(&self, c: usize, p: usize) -> Option<&Check> {
        self.checks.get(c).and_then(|checks| checks.get(p))
    }

    /// The medians of each contender (outer) on each page (inner).
    pub fn medians(&self) -> Vec<Vec<Medians>> {
        let decoded = |c: usize, p: usize| self.check(c, p).map_or(0, |check| check.decoded.len());
        let of = |c: usize, samples: &[Vec<Sample>; PAGES.len()]| {
            samples.iter().enumerate().map(|(p, s)| medians(s, decoded(c, p))).collect()
        };
        self.samples.iter().enumerate().map(|(c, samples)| of(c, samples)).collect()
    }

    /// Prints the table of `mode` (its pages only) on standard output.
    pub fn print(&self, mode: Mode, names: &[&str; 4]) {
        let (sizes, cpu) = match mode {
            Mode::Identity => ("body bytes", "MiB/s | CPU ms per MiB"),
            Mode::Compressed => {
                println!(
                    "\nWith compression: every request sends `Accept-Encoding: {CHROMIUM_ACCEPT_ENCODING}`, \
                     the upstream gzips HTML, CSS and JS at level 6. Sizes are of one response's body, \
                     as sent and decoded; CPU per decoded MiB is over requests × decoded bytes, \
                     per wire MiB over the bytes wrk read (headers and bodies as sent)."
                );
                ("Content-Encoding | wire bytes | decoded bytes", "CPU ms per decoded MiB | CPU ms per wire MiB")
            }
        };
        // Right-aligned: the sizes, req/s, p50, p99, the CPU columns, the ratio, errors.
        let right = sizes.split('|').count() + 3 + cpu.split('|').count() + 2;
        println!(
            "\n| page | contender | {sizes} | req/s (min–max) | p50 (ms) | p99 (ms) | {cpu} | req/s vs nginx proxy_pass | errors |"
        );
        println!("|---|---|{}", "---:|".repeat(right));
        let all = self.medians();
        for (p, page) in PAGES.iter().enumerate().filter(|(_, page)| mode.loads(page)) {
            for (c, name) in names.iter().enumerate() {
                let m = all[c][p];
                let check = self.check(c, p);
                let decoded = check.map_or(0, |check| check.decoded.len());
                let (sizes, cpu) = match mode {
                    Mode::Identity => (decoded.to_string(), format!("{:.0} | {:.1}", m.mib_s, m.cpu_ms_mib)),
                    Mode::Compressed => (
                        format!(
                            "{} | {} | {decoded}",
                            check.map_or("?", Check::coding),
                            check.map_or(0, |check| check.wire)
                        ),
                        format!("{} | {}", per_mib(m.cpu_ms_content_mib), per_mib(m.cpu_ms_mib)),
                    ),
                };
                println!(
                    "| {} | {name} | {sizes} | {:.0} ({:.0}–{:.0}) | {:.2} | {:.2} | {cpu} | {} | {} |",
                    page.label,
                    m.rps,
                    m.rps_min,
                    m.rps_max,
                    m.p50,
                    m.p99,
                    shown(ratio(m.rps, all[1][p].rps), 1.0, ""),
                    m.errors
                );
            }
        }
    }
}

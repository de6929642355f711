//! The one table of the run, in Markdown for `BENCHMARKS.md`: the command and the
//! machine, each contender's medians on each page, time to the head with a stalling
//! upstream, a fresh Tandem's memory with idle sessions, and the targets as
//! ratios taken in this run, met or not.

use std::process::Command;

use crate::nginx::{Kind, PAGES};
use crate::tandem::Usage;
use crate::wrk::Figures;
use crate::{Options, median};

/// One wrk run and the CPU time the contender spent on it.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    /// What wrk measured.
    pub figures: Figures,
    /// CPU seconds of the contender's processes over the run.
    pub cpu_secs: f64,
}

/// A fresh Tandem with this many idle sessions.
#[derive(Clone, Copy, Debug)]
pub struct Memory {
    /// Sessions entered so far.
    pub sessions: usize,
    /// Resident set, KiB.
    pub rss_kib: u64,
    /// Peak resident set, KiB.
    pub hwm_kib: u64,
}

/// Everything measured, as the run goes.
pub struct Report {
    options: Options,
    load_before: String,
    /// Body bytes of each page through each contender.
    pub sizes: Vec<Vec<usize>>,
    /// The runs of each contender (outer) on each page (inner).
    pub samples: [[Vec<Sample>; PAGES.len()]; 4],
    /// The one-connection runs of each contender on the first page.
    pub single: [Vec<Figures>; 4],
    /// Median milliseconds to the head through each contender, or why not.
    pub ttfb: Vec<Result<f64, String>>,
    /// The fresh Tandem before any session.
    pub idle: Option<Usage>,
    /// The fresh Tandem with 1, 1,000, 10,000 sessions.
    pub memory: Vec<Memory>,
}

/// Medians of one contender on one page.
#[derive(Clone, Copy, Debug, Default)]
struct Medians {
    rps: f64,
    rps_min: f64,
    rps_max: f64,
    p50: f64,
    p99: f64,
    mib_s: f64,
    cpu_ms_mib: f64,
    errors: u64,
}

/// Medians of the one-connection runs.
fn single_medians(runs: &[Figures]) -> Medians {
    let samples: Vec<Sample> = runs.iter().map(|f| Sample { figures: *f, cpu_secs: 0.0 }).collect();
    medians(&samples)
}

fn medians(samples: &[Sample]) -> Medians {
    let of = |f: &dyn Fn(&Sample) -> f64| median(samples.iter().map(f).collect());
    const MIB: f64 = 1024.0 * 1024.0;
    Medians {
        rps: of(&|s| s.figures.rps),
        rps_min: samples.iter().map(|s| s.figures.rps).fold(f64::INFINITY, f64::min),
        rps_max: samples.iter().map(|s| s.figures.rps).fold(0.0, f64::max),
        p50: of(&|s| s.figures.p50_ms),
        p99: of(&|s| s.figures.p99_ms),
        mib_s: of(&|s| s.figures.bytes / MIB / s.figures.secs),
        cpu_ms_mib: of(&|s| s.cpu_secs * 1000.0 / (s.figures.bytes / MIB)),
        errors: samples.iter().map(|s| s.figures.errors).sum(),
    }
}

/// The first line a command prints (on either stream), or `?`.
fn say(program: &str, args: &[&str]) -> String {
    let Ok(out) = Command::new(program).args(args).output() else { return "?".to_owned() };
    let text = [out.stdout, out.stderr].concat();
    String::from_utf8_lossy(&text).lines().next().unwrap_or("?").trim().to_owned()
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map_or("?".to_owned(), |l| l.split(' ').take(3).collect::<Vec<_>>().join(" "))
}

fn met(ok: bool) -> &'static str {
    if ok { "met" } else { "**not met**" }
}

/// `a / b` if both answered at all.
fn ratio(a: f64, b: f64) -> Option<f64> {
    (a > 0.0 && b > 0.0).then_some(a / b)
}

/// A ratio as the table shows it.
fn shown(ratio: Option<f64>, scale: f64, unit: &str) -> String {
    ratio.map_or("n/a (no answers)".to_owned(), |r| format!("{:.1}{unit}", r * scale))
}

impl Report {
    /// A report of a run with `options`, starting now.
    pub fn new(options: Options) -> Report {
        Report {
            options,
            load_before: load_average(),
            sizes: Vec::new(),
            samples: Default::default(),
            single: Default::default(),
            ttfb: Vec::new(),
            idle: None,
            memory: Vec::new(),
        }
    }

    /// Prints it all on standard output.
    pub fn print(&self, names: &[&str; 4]) -> anyhow::Result<()> {
        let o = self.options;
        let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
        let cpu = std::fs::read_to_string("/proc/cpuinfo")?;
        let model = cpu
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .map_or("?", |m| m.trim_start_matches([' ', '\t', ':']));
        let manifest = env!("CARGO_MANIFEST_DIR");
        println!("\n## Side by side: Tandem, nginx and testcafe-hammerhead\n");
        println!("- command: `{}`", ["scripts/bench".to_owned()].into_iter().chain(args).collect::<Vec<_>>().join(" "));
        println!(
            "- date: {} at commit {}",
            say("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
            say("git", &["-C", manifest, "rev-parse", "--short", "HEAD"])
        );
        println!(
            "- machine: nproc {}, {model}; load average {} before, {} after (1, 5, 15 min)",
            say("nproc", &[]),
            self.load_before,
            load_average()
        );
        println!(
            "- load: `wrk -t{} -c{} -d{}s --latency`, {} rounds interleaving the contenders, medians",
            o.load.threads, o.load.connections, o.load.secs, o.rounds
        );
        println!(
            "- {}; {}; node {}",
            say("nginx", &["-v"]),
            say("wrk", &["-v"]).split(" Copyright").next().unwrap_or("?"),
            say("node", &["--version"])
        );
        println!(
            "\n| page | contender | body bytes | req/s (min–max) | p50 (ms) | p99 (ms) | MiB/s | CPU ms per MiB | req/s vs nginx proxy_pass | errors |"
        );
        println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        let all: Vec<Vec<Medians>> = self.samples.iter().map(|c| c.iter().map(|s| medians(s)).collect()).collect();
        for (p, page) in PAGES.iter().enumerate() {
            for (c, name) in names.iter().enumerate() {
                let m = all[c][p];
                let size = self.sizes.get(c).and_then(|s| s.get(p)).copied().unwrap_or(0);
                println!(
                    "| {} | {name} | {size} | {:.0} ({:.0}–{:.0}) | {:.2} | {:.2} | {:.0} | {:.1} | {} | {} |",
                    page.label,
                    m.rps,
                    m.rps_min,
                    m.rps_max,
                    m.p50,
                    m.p99,
                    m.mib_s,
                    m.cpu_ms_mib,
                    shown(ratio(m.rps, all[1][p].rps), 1.0, ""),
                    m.errors
                );
            }
        }
        let single: Vec<Medians> = self.single.iter().map(|runs| single_medians(runs)).collect();
        println!(
            "\n| {}, one connection (`-t1 -c1`) | req/s | p50 (ms) | p99 (ms) | p50 added over direct (ms) |",
            PAGES[0].label
        );
        println!("|---|---:|---:|---:|---:|");
        for (name, m) in names.iter().zip(&single) {
            println!("| {name} | {:.0} | {:.3} | {:.3} | {:.3} |", m.rps, m.p50, m.p99, m.p50 - single[0].p50);
        }
        println!(
            "\n| time to the page's head, upstream stalling {} s after it | ms (median of {}) |",
            crate::ttfb::STALL.as_secs(),
            crate::ttfb::VISITS
        );
        println!("|---|---:|");
        for (name, ttfb) in names.iter().zip(&self.ttfb) {
            match ttfb {
                Ok(ms) => println!("| {name} | {ms:.1} |"),
                Err(why) => println!("| {name} | none: {why} |"),
            }
        }
        let idle = self.idle.map_or(0, |u| u.rss_kib);
        println!(
            "\n| Tandem, idle sessions (each entered, first page loaded) | RSS (MiB) | peak RSS (MiB) | KiB per session over idle |"
        );
        println!("|---:|---:|---:|---:|");
        println!("| 0 | {:.1} | {:.1} | |", idle as f64 / 1024.0, self.idle.map_or(0, |u| u.hwm_kib) as f64 / 1024.0);
        for m in &self.memory {
            let per = (m.rss_kib as f64 - idle as f64) / m.sessions as f64;
            // Below 1,000 the division mostly shows the allocator's first growth.
            let per = if m.sessions < 1000 { format!("({per:.1})") } else { format!("{per:.1}") };
            println!(
                "| {} | {:.1} | {:.1} | {per} |",
                m.sessions,
                m.rss_kib as f64 / 1024.0,
                m.hwm_kib as f64 / 1024.0
            );
        }
        self.print_targets(&all, &single);
        Ok(())
    }

    /// The targets against this run's figures.
    fn print_targets(&self, all: &[Vec<Medians>], single: &[Medians]) {
        let (tandem, proxy, hammerhead) = (&all[2], &all[1], &all[3]);
        println!("\n| target | this run | |\n|---|---:|---|");
        for (p, page) in PAGES.iter().enumerate() {
            let floor = if page.kind == Kind::Html { 0.5 } else { 0.8 };
            let r = ratio(tandem[p].rps, proxy[p].rps);
            println!(
                "| {}: Tandem ≥ {:.0}% of nginx proxy_pass req/s | {} | {} |",
                page.label,
                floor * 100.0,
                shown(r, 100.0, "%"),
                met(r.is_some_and(|r| r >= floor))
            );
        }
        for (p, page) in PAGES.iter().enumerate() {
            let r = ratio(tandem[p].rps, hammerhead[p].rps);
            println!(
                "| {}: Tandem ≥ 10× hammerhead req/s | {} | {} |",
                page.label,
                shown(r, 1.0, "×"),
                met(r.is_some_and(|r| r >= 10.0))
            );
        }
        let added = single[2].p50 - single[0].p50;
        println!(
            "| {}: p50 added over direct < 1 ms (one connection) | {added:.3} ms | {} |",
            PAGES[0].label,
            met(added < 1.0)
        );
        if let Some(Ok(ms)) = self.ttfb.get(2) {
            println!(
                "| head with the runtime's `<script` ≤ 50 ms, upstream stalling | {ms:.1} ms | {} |",
                met(*ms <= 50.0)
            );
        }
        let idle = self.idle.map_or(0, |u| u.rss_kib) as f64;
        if let Some(last) = self.memory.last() {
            let per = (last.rss_kib as f64 - idle) / last.sessions as f64;
            println!(
                "| idle session ≤ 32 KB (at {}) | {per:.1} KiB | {} |",
                last.sessions,
                met(per * 1024.0 <= 32_000.0)
            );
            let mb = last.hwm_kib as f64 * 1024.0 / 1e6;
            println!("| {} idle sessions in < 500 MB (peak RSS) | {mb:.0} MB | {} |", last.sessions, met(mb < 500.0));
        }
    }
}

//! The tables of the run, in Markdown for `BENCHMARKS.md`: the command and the
//! machine, each contender's medians on each page without compression and with it
//! (`table`), time to the head with a stalling upstream, a fresh Tandem's memory with
//! idle sessions, and the targets as ratios taken in this run, met or not.

use std::process::Command;

use crate::Options;
use crate::mode::Mode;
use crate::nginx::{Kind, PAGES};
use crate::table::{Medians, Sample, Table, medians, ratio, shown};
use crate::tandem::Usage;
use crate::wrk::Figures;

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
    /// The load tables, by [`Mode::index`].
    pub tables: [Table; 2],
    /// The one-connection runs of each contender on the first page.
    pub single: [Vec<Figures>; 4],
    /// Median milliseconds to the head through each contender, or why not.
    pub ttfb: Vec<Result<f64, String>>,
    /// The fresh Tandem before any session.
    pub idle: Option<Usage>,
    /// The fresh Tandem with 1, 1,000, 10,000 sessions.
    pub memory: Vec<Memory>,
}

/// Medians of the one-connection runs.
fn single_medians(runs: &[Figures]) -> Medians {
    let samples: Vec<Sample> = runs.iter().map(|f| Sample { figures: *f, cpu_secs: 0.0 }).collect();
    medians(&samples, 0)
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

impl Report {
    /// A report of a run with `options`, starting now.
    pub fn new(options: Options) -> Report {
        Report {
            options,
            load_before: load_average(),
            tables: Default::default(),
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
            "- load: `wrk -t{} -c{} -d{}s --latency`, {} rounds interleaving the contenders \
             (each round: every page without compression, then the text pages with), medians",
            o.load.threads, o.load.connections, o.load.secs, o.rounds
        );
        println!(
            "- {}; {}; node {}",
            say("nginx", &["-v"]),
            say("wrk", &["-v"]).split(" Copyright").next().unwrap_or("?"),
            say("node", &["--version"])
        );
        for mode in Mode::ALL {
            self.tables[mode.index()].print(mode, names);
        }
        let all = self.tables[Mode::Identity.index()].medians();
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

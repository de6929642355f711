//! The figures of one run, gathered from the pages, the agents and `/proc`, and printed
//! as the rows BENCHMARKS.md keeps.

use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::Bytes;

use crate::Options;
use crate::agent::Seen;
use crate::tandem::Usage;
use crate::visitor::Sent;

/// Everything measured in one run.
pub struct Run {
    options: Options,
    /// The snapshot every page sends (flag byte and gzip).
    pub snapshot: Bytes,
    /// Time to set every session up.
    pub setup: Duration,
    /// Tandem started, no session yet.
    pub idle: Usage,
    /// Every proxy session made and entered (first page loaded), no socket yet.
    pub entered: Usage,
    /// Every session's sockets open, no frame sent yet.
    pub connected: Usage,
    /// At the end of sending: every chain built up.
    pub loaded: Usage,
    /// Once the agents drained and left; the pages still connected.
    pub drained: Usage,
    /// CPU seconds over the second half of sending: Tandem's, the harness's, and its length.
    cpu: (f64, f64, f64),
    latencies_us: Vec<u32>,
    max_us: u64,
    window_frames: u64,
    lost: u64,
    out_of_order: u64,
    replays: u64,
    missing: u64,
    frames_sent: u64,
    snapshots_sent: u64,
    late: Vec<(u64, u64, u64)>,
}

impl Run {
    /// A run with nothing measured yet.
    pub fn new(options: Options, snapshot: Bytes) -> Run {
        let zero = Usage { rss_kib: 0, hwm_kib: 0, cpu_secs: 0.0 };
        Run {
            options,
            snapshot,
            setup: Duration::ZERO,
            idle: zero,
            entered: zero,
            connected: zero,
            loaded: zero,
            drained: zero,
            cpu: (0.0, 0.0, 0.0),
            latencies_us: Vec::new(),
            max_us: 0,
            window_frames: 0,
            lost: 0,
            out_of_order: 0,
            replays: 0,
            missing: 0,
            frames_sent: 0,
            snapshots_sent: 0,
            late: Vec::new(),
        }
    }

    /// CPU used between two readings of (Tandem, harness).
    pub fn cpu(&mut self, from: (Usage, Usage), to: (Usage, Usage)) {
        let secs = (self.options.secs - self.options.secs / 2) as f64;
        self.cpu = (to.0.cpu_secs - from.0.cpu_secs, to.1.cpu_secs - from.1.cpu_secs, secs);
    }

    /// One of the two agents of a session.
    pub fn add_agent(&mut self, seen: Seen) {
        self.count(&seen);
        self.latencies_us.extend(seen.latencies_us);
        self.window_frames += seen.window_frames;
    }

    /// A late joiner that began to connect at `joined`: its times to the first snapshot
    /// and to the first live frame; its frames count for losses, not for the rates.
    pub fn add_late(&mut self, joined: u64, seen: Seen) {
        self.count(&seen);
        let since = |at: Option<u64>| at.map_or(u64::MAX, |at| at - joined);
        self.late.push((since(seen.first_snapshot_us), since(seen.first_live_us), seen.frames));
    }

    fn count(&mut self, seen: &Seen) {
        self.max_us = self.max_us.max(seen.max_us);
        self.lost += seen.lost;
        self.out_of_order += seen.out_of_order;
        self.replays += seen.replays;
        self.missing += seen.missing_at_end;
    }

    /// One page's totals.
    pub fn add_page(&mut self, sent: &Sent) {
        self.frames_sent += sent.frames.load(Ordering::Acquire);
        self.snapshots_sent += sent.snapshots.load(Ordering::Acquire);
    }

    /// Prints the run.
    pub fn print(&mut self) {
        let o = self.options;
        let n = o.sessions as f64;
        self.latencies_us.sort_unstable();
        let at = |q: f64| -> f64 {
            let i = ((self.latencies_us.len() as f64 - 1.0) * q).round() as usize;
            self.latencies_us.get(i).map_or(f64::NAN, |us| f64::from(*us) / 1000.0)
        };
        let window_secs = (o.secs - 2) as f64;
        let per_session = |usage: &Usage| (usage.rss_kib as f64 - self.idle.rss_kib as f64) / n;
        let mib = |kib: u64| kib as f64 / 1024.0;
        println!("\n== relay load: {} sessions x 2 agents, {} frames/s per page, {} s ==", o.sessions, o.rate, o.secs);
        println!(
            "snapshot: {} bytes gzipped from ~{} KiB of JSON; incremental frames ~430 bytes",
            self.snapshot.len(),
            o.snapshot_kib
        );
        println!("setup of all sessions: {:.1} s", self.setup.as_secs_f64());
        println!(
            "frames sent by pages: {} ({} snapshots, {:.0}/s of {:.0}/s planned); delivered to agents in the window: {:.0}/s",
            self.frames_sent,
            self.snapshots_sent,
            self.frames_sent as f64 / o.secs as f64,
            n * f64::from(o.rate),
            self.window_frames as f64 / window_secs,
        );
        println!(
            "latency (ms) over {} frames: p50 {:.2}, p90 {:.2}, p99 {:.2}, p99.9 {:.2}, max in window {:.2}, max overall {:.2}",
            self.latencies_us.len(),
            at(0.5),
            at(0.9),
            at(0.99),
            at(0.999),
            at(1.0),
            self.max_us as f64 / 1000.0
        );
        println!(
            "lost {}, out of order {}, missing at the end {}, restarts from the chain {}",
            self.lost, self.out_of_order, self.missing, self.replays
        );
        println!(
            "Tandem RSS: idle {:.1} MiB; sessions entered {:.1} MiB ({:.1} KiB/session); sockets open {:.1} MiB ({:.1} KiB/session); chains built {:.1} MiB ({:.1} KiB/session); agents gone {:.1} MiB; peak {:.1} MiB",
            mib(self.idle.rss_kib),
            mib(self.entered.rss_kib),
            per_session(&self.entered),
            mib(self.connected.rss_kib),
            per_session(&self.connected),
            mib(self.loaded.rss_kib),
            per_session(&self.loaded),
            mib(self.drained.rss_kib),
            mib(self.drained.hwm_kib)
        );
        let (tandem, harness, secs) = self.cpu;
        println!(
            "CPU over the second half: Tandem {:.0}% of one core, harness {:.0}%",
            100.0 * tandem / secs,
            100.0 * harness / secs
        );
        let ms = |us: u64| if us == u64::MAX { "never".to_owned() } else { format!("{:.1} ms", us as f64 / 1000.0) };
        for (snapshot, live, frames) in &self.late {
            println!(
                "late joiner: first snapshot after {}, first live frame after {}, {frames} frames",
                ms(*snapshot),
                ms(*live)
            );
        }
        println!(
            "| {} | {:.0} | {:.2} | {:.2} | {:.2} | {} / {} | {:.1} | {:.1} | {:.1} | {:.0}% |",
            o.sessions,
            self.window_frames as f64 / window_secs,
            at(0.5),
            at(0.99),
            self.max_us as f64 / 1000.0,
            self.lost + self.missing,
            self.out_of_order,
            per_session(&self.entered),
            per_session(&self.connected),
            per_session(&self.loaded),
            100.0 * tandem / secs
        );
    }
}

/// What Tandem logged (warnings and worse), for a relay that complained under load.
pub fn print_log(path: &Path) -> anyhow::Result<()> {
    let log = std::fs::read_to_string(path)?;
    let lines: Vec<&str> = log.lines().collect();
    println!("Tandem logged {} lines (warn and above)", lines.len());
    for line in lines.iter().take(10) {
        println!("  {line}");
    }
    Ok(())
}

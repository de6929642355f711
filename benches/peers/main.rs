//! Tandem side by side with its peers, in one run on this machine (issue 6): nginx
//! serving real pages of `fixtures/pages` on loopback, then the same `wrk` load on four
//! contenders in turn: that nginx directly (the limit), nginx as a plain reverse proxy
//! (`proxy_pass`, no rewriting), the release `tandem` binary (a proxy session made by
//! the REST API and entered), and testcafe-hammerhead (`hammerhead/start.js`). Rounds
//! interleave the contenders so that the machine's noise spreads over all of them; the
//! table shows medians and ratios taken in the same run. Each round runs two modes
//! (`mode`): without compression (no `Accept-Encoding`, the upstream serves plain: the
//! table of every run since issue 6) and with it (issue 15: Chromium's
//! `Accept-Encoding: gzip, deflate, br, zstd`, an upstream port of the same nginx that
//! gzips at level 6, every contender pointed at it, the image left out); the second
//! table adds the coding each contender answered with, the body's bytes on the wire and
//! decoded, and CPU per MiB of decoded content served. Then: time to the page's head
//! through each with an upstream that stalls after its `<head>`, and a fresh Tandem's
//! memory with 1, 1,000 and 10,000 idle sessions (entered, first page loaded).
//!
//! Run it with `scripts/bench` (installs nginx, wrk, node and hammerhead when missing):
//!
//! ```text
//! scripts/bench [--rounds 3] [--secs 5] [--threads 2] [--connections 32] [--sessions 10000]
//! ```
//!
//! `cargo test --all-targets` builds it and runs it without `--bench`: it then does
//! nothing, so the load never runs in CI.

mod check;
#[path = "../common/client.rs"]
mod client;
mod contenders;
mod mode;
mod nginx;
mod report;
mod table;
#[path = "../common/tandem.rs"]
mod tandem;
mod ttfb;
mod wrk;

use std::time::Duration;

use anyhow::Context;

use client::{Visitor, each};
use contenders::Hammerhead;
use mode::Mode;
use nginx::{Nginx, PAGES, Role};
use report::{Memory, Report};
use table::Sample;
use tandem::{SITE, Tandem};

/// The host name of the stalling upstream, for Tandem.
const STALL_SITE: &str = "stall.test";
/// The host name of the compressing upstream, for Tandem.
const GZIP_SITE: &str = "gzip.shop.test";

/// The site Tandem's sessions of `mode` start on.
fn site(mode: Mode) -> &'static str {
    match mode {
        Mode::Identity => SITE,
        Mode::Compressed => GZIP_SITE,
    }
}

/// What to run, from the command line.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Rounds of load over every page and contender.
    pub rounds: usize,
    /// The load of each wrk run.
    pub load: wrk::Load,
    /// Idle sessions for the last memory figure.
    pub sessions: usize,
}

impl Options {
    fn parse(args: &[String]) -> anyhow::Result<Options> {
        let load = wrk::Load { threads: 2, connections: 32, secs: 5 };
        let mut options = Options { rounds: 3, load, sessions: 10_000 };
        let mut args = args.iter().filter(|a| *a != "--bench");
        while let Some(name) = args.next() {
            let value = args.next().with_context(|| format!("{name} needs a value"))?;
            match name.as_str() {
                "--rounds" => options.rounds = value.parse()?,
                "--secs" => options.load.secs = value.parse()?,
                "--threads" => options.load.threads = value.parse()?,
                "--connections" => options.load.connections = value.parse()?,
                "--sessions" => options.sessions = value.parse()?,
                other => anyhow::bail!("unknown option {other}"),
            }
        }
        anyhow::ensure!(options.rounds > 0 && options.load.secs > 0, "rounds and secs > 0");
        anyhow::ensure!(options.load.connections >= options.load.threads, "connections >= threads");
        Ok(options)
    }
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !args.iter().any(|a| a == "--bench") {
        println!("peers: a load run, only under `scripts/bench` (cargo bench --bench peers)");
        return Ok(());
    }
    let options = Options::parse(&args)?;
    tandem::raise_open_files();
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(run(options))
}

/// The median of `values` (the mean of the middle two for an even count).
pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => values[n / 2],
        _ => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// CPU seconds used so far by all of `pids`.
fn cpu(pids: &[u32]) -> anyhow::Result<f64> {
    pids.iter().map(|pid| Ok(tandem::usage(Some(*pid))?.cpu_secs)).sum()
}

/// Waits (at most a minute) until `pids` use under 5% of a core: a contender slower
/// than the load still works off requests that wrk gave up on when its run ended, and
/// the next run must not pay for them.
async fn settle(pids: &[u32]) -> anyhow::Result<()> {
    let tick = Duration::from_millis(250);
    for _ in 0..240 {
        let before = cpu(pids)?;
        tokio::time::sleep(tick).await;
        if cpu(pids)? - before < 0.05 * tick.as_secs_f64() {
            break;
        }
    }
    Ok(())
}

async fn run(options: Options) -> anyhow::Result<()> {
    let mut report = Report::new(options);
    let dir = tempfile::tempdir()?;
    let root = dir.path().join("site");
    nginx::build_site(&root)?;
    let stall = ttfb::start_staller().await?;
    let origin = Nginx::start(&dir.path().join("origin"), Role::Origin(&root)).await?;
    let upstreams = Mode::ALL.map(|mode| origin.addr(mode));
    let proxy = Nginx::start(&dir.path().join("proxy"), Role::Proxy { upstreams, stall }).await?;
    let mut resolve: Vec<_> = Mode::ALL.iter().map(|mode| (site(*mode), origin.addr(*mode))).collect();
    resolve.push((STALL_SITE, stall));
    let server = Tandem::start(&dir.path().join("tandem"), &resolve).await?;
    let mut sites = Vec::new();
    for mode in Mode::ALL {
        sites.push(Visitor::enter(server.addr, format!("http://{}{}", site(mode), PAGES[0].path)).await?);
    }
    let stalling = Visitor::enter(server.addr, format!("http://{STALL_SITE}/")).await?;
    let hammerhead = Hammerhead::start(upstreams, stall).await?;
    let proxy_stall = (proxy.addr(Mode::Identity), "/stall/");
    let (origin_pids, proxy_pids) = (origin.pids()?, proxy.pids()?);
    let modes = Mode::ALL.map(|mode| {
        let direct = contenders::plain("nginx direct", origin_pids.clone(), origin.addr(mode), (stall, "/"), mode);
        let passing = contenders::plain("nginx proxy_pass", proxy_pids.clone(), proxy.addr(mode), proxy_stall, mode);
        let through_tandem = contenders::tandem(server.pid, server.addr, &sites[mode.index()], &stalling, mode);
        [direct, passing, through_tandem]
    });
    let all = Mode::ALL.map(|mode| {
        let [direct, passing, through_tandem] = &modes[mode.index()];
        [direct, passing, through_tandem, &hammerhead.contenders[mode.index()]]
    });
    for mode in Mode::ALL {
        for (c, contender) in all[mode.index()].iter().enumerate() {
            let identity = (mode == Mode::Compressed).then(|| report.tables[0].checks[c].as_slice());
            let checks = check::check(contender, &root, identity).await?;
            report.tables[mode.index()].checks.push(checks);
        }
    }

    for round in 0..options.rounds {
        eprintln!("peers: round {} of {}", round + 1, options.rounds);
        for mode in Mode::ALL {
            for (p, _) in PAGES.iter().enumerate().filter(|(_, page)| mode.loads(page)) {
                for (c, contender) in all[mode.index()].iter().enumerate() {
                    let before = cpu(&contender.pids)?;
                    let figures = wrk::run(options.load, &contender.pages[p]).await?;
                    let cpu_secs = cpu(&contender.pids)? - before;
                    report.tables[mode.index()].samples[c][p].push(Sample { figures, cpu_secs });
                    settle(&contender.pids).await?;
                }
            }
        }
        // Latency without queueing: one connection, one request at a time.
        let contenders = all[Mode::Identity.index()];
        for (c, contender) in contenders.iter().enumerate() {
            let one = wrk::Load { threads: 1, connections: 1, ..options.load };
            report.single[c].push(wrk::run(one, &contender.pages[0]).await?);
            settle(&contender.pids).await?;
        }
    }
    let contenders = all[Mode::Identity.index()];
    for contender in contenders {
        eprintln!("peers: time to the head through {}", contender.name);
        let ttfb = ttfb::median_visit(&contender.stall, contender.marker).await;
        report.ttfb.push(ttfb.map_err(|e| format!("{e:#}")));
    }
    let names = contenders.map(|c| c.name);
    drop(hammerhead);
    server.stop().await?;

    eprintln!("peers: a fresh Tandem's memory with idle sessions");
    let fresh = Tandem::start(&dir.path().join("memory"), &[(SITE, origin.addr(Mode::Identity))]).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    report.idle = Some(tandem::usage(Some(fresh.pid))?);
    let mut entered = 0;
    for sessions in [1, 1_000, 10_000].into_iter().filter(|n| *n <= options.sessions) {
        let first_page = format!("http://{SITE}{}", PAGES[0].path);
        each(vec![(); sessions - entered], |()| Visitor::enter(fresh.addr, first_page.clone())).await?;
        entered = sessions;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let usage = tandem::usage(Some(fresh.pid))?;
        report.memory.push(Memory { sessions, rss_kib: usage.rss_kib, hwm_kib: usage.hwm_kib });
    }
    fresh.stop().await?;
    report.print(&names)
}

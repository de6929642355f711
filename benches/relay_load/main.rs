//! Load harness of the live mirror's relay: the release `tandem` binary started as a
//! child process on loopback; N proxy sessions, each with a simulated visitor page and
//! two agents' viewers on the real sockets; each page sends a gzipped full snapshot,
//! then incremental frames at a steady rate. Measured on the agents: visitor-to-agent
//! latency (the harness's own clock at send and at receipt), frames delivered per
//! second, frames lost or out of order; on Tandem: memory per session and CPU; and a
//! late joiner's time to its first snapshot under that load.
//!
//! Run (figures in BENCHMARKS.md):
//!
//! ```text
//! cargo bench --bench relay_load -- --sessions 1000 [--secs 30] [--rate 10] [--snapshot-kib 45] [--late 3]
//! ```
//!
//! `cargo test --all-targets` builds it and runs it without `--bench`: it then does
//! nothing, so the load never runs in CI.

mod agent;
#[path = "../common/client.rs"]
mod client;
mod live;
mod report;
#[path = "../common/tandem.rs"]
mod tandem;
mod visitor;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use anyhow::Context;
use tokio::sync::watch;
use tokio::time::Instant;

use client::{Visitor, each};
use live::Socket;
use report::Run;
use visitor::{Plan, Sent};

/// The harness's clock: microseconds since it started.
pub fn now_us() -> u64 {
    static START: OnceLock<std::time::Instant> = OnceLock::new();
    START.get_or_init(std::time::Instant::now).elapsed().as_micros() as u64
}

/// What to run, from the command line.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Proxy sessions, each with one page and two agents.
    pub sessions: usize,
    /// Seconds the pages send for.
    pub secs: u64,
    /// Incremental frames per second per page.
    pub rate: u32,
    /// Size of the snapshot's JSON before gzip, in KiB.
    pub snapshot_kib: usize,
    /// Late joiners, one each on as many sessions, half-way through.
    pub late: usize,
}

impl Options {
    fn parse(args: &[String]) -> anyhow::Result<Options> {
        let mut options = Options { sessions: 10, secs: 30, rate: 10, snapshot_kib: 45, late: 3 };
        let mut args = args.iter().filter(|a| *a != "--bench");
        while let Some(name) = args.next() {
            let value = args.next().with_context(|| format!("{name} needs a value"))?;
            match name.as_str() {
                "--sessions" => options.sessions = value.parse()?,
                "--secs" => options.secs = value.parse()?,
                "--rate" => options.rate = value.parse()?,
                "--snapshot-kib" => options.snapshot_kib = value.parse()?,
                "--late" => options.late = value.parse()?,
                other => anyhow::bail!("unknown option {other}"),
            }
        }
        anyhow::ensure!(options.sessions > 0 && options.rate > 0 && options.secs > 4, "sessions, rate > 0, secs > 4");
        Ok(options)
    }
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !args.iter().any(|a| a == "--bench") {
        println!("relay_load: a load run, only under `cargo bench --bench relay_load -- --sessions N`");
        return Ok(());
    }
    let options = Options::parse(&args)?;
    let files = tandem::raise_open_files();
    // Four sockets per session in each process (page, panel, two agents), plus the
    // setup's short connections.
    let needed = 4 * options.sessions as u64 + 512;
    anyhow::ensure!(files >= needed, "open-files limit {files} < {needed}: raise it (`ulimit -n {needed}`)");
    now_us();
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(run(options))
}

/// One session as set up: its visitor, page and panel sockets and agents' sockets.
type Opened = (Visitor, (Socket, Socket), [(Socket, u64); 2]);

async fn open_sockets(addr: std::net::SocketAddr, visitor: Visitor) -> anyhow::Result<Opened> {
    let page = visitor.open_page(addr).await?;
    let agents = [visitor.join_agent(addr, "agent-a").await?, visitor.join_agent(addr, "agent-b").await?];
    Ok((visitor, page, agents))
}

async fn run(options: Options) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let upstream = live::start_upstream().await?;
    let tandem = tandem::Tandem::start(dir.path(), &[(tandem::SITE, upstream)]).await?;
    let addr = tandem.addr;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut run = Run::new(options, visitor::snapshot(options.snapshot_kib)?);
    run.idle = tandem::usage(Some(tandem.pid))?;

    let setup = Instant::now();
    let first_page = format!("http://{}/", tandem::SITE);
    let visitors = each(vec![(); options.sessions], |()| Visitor::enter(addr, first_page.clone())).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    run.entered = tandem::usage(Some(tandem.pid))?;
    let sessions = each(visitors, |visitor| open_sockets(addr, visitor)).await?;
    run.setup = setup.elapsed();
    tokio::time::sleep(Duration::from_secs(1)).await;
    run.connected = tandem::usage(Some(tandem.pid))?;

    // The pages' phases are spread over one period, as independent pages' would be.
    let start = Instant::now() + Duration::from_millis(500);
    let stop_at = start + Duration::from_secs(options.secs);
    let start_us = now_us() + 500_000;
    let window = (start_us + 2_000_000, start_us + options.secs * 1_000_000);
    let (stop, stopped) = watch::channel(false);
    let (release, held) = watch::channel(false);
    let period = Duration::from_secs(1) / options.rate;
    let mut pages = Vec::new();
    let mut agents = Vec::new();
    let mut kept = Vec::new();
    let mut panels = Vec::new();
    for (i, (visitor, (page, panel), watchers)) in sessions.into_iter().enumerate() {
        panels.push(panel);
        let sent = Arc::new(Sent::default());
        let plan =
            Plan { start: start + period * i as u32 / options.sessions as u32, stop: stop_at, rate: options.rate };
        pages.push(tokio::spawn(visitor::run(page, run.snapshot.clone(), plan, sent.clone(), held.clone())));
        for (socket, _) in watchers {
            agents.push(tokio::spawn(agent::run(socket, start_us, window, sent.clone(), stopped.clone())));
        }
        kept.push((visitor, sent));
    }

    tokio::time::sleep_until(start + Duration::from_secs(options.secs / 2)).await;
    let cpu_from = (tandem::usage(Some(tandem.pid))?, tandem::usage(None)?);
    let mut late = Vec::new();
    for i in 0..options.late.min(options.sessions) {
        let (visitor, sent) = &kept[i * options.sessions / options.late.max(1)];
        let (socket, joined) = visitor.join_agent(addr, "agent-late").await?;
        let watching = agent::run(socket, joined, window, sent.clone(), stopped.clone());
        late.push((joined, tokio::spawn(watching)));
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep_until(stop_at).await;
    let cpu_to = (tandem::usage(Some(tandem.pid))?, tandem::usage(None)?);
    run.cpu(cpu_from, cpu_to);
    run.loaded = tandem::usage(Some(tandem.pid))?;

    stop.send_replace(true);
    for seen in agents {
        run.add_agent(seen.await??);
    }
    for (joined, seen) in late {
        run.add_late(joined, seen.await??);
    }
    for (_, sent) in &kept {
        run.add_page(sent);
    }
    run.drained = tandem::usage(Some(tandem.pid))?;
    release.send_replace(true);
    for page in pages {
        page.await??;
    }
    drop(panels);
    run.print();
    tandem.stop().await?;
    report::print_log(&dir.path().join("tandem.log"))
}

//! The Tandem under load, shared by the load benches (`relay_load`, `peers`): the
//! release binary started as a child process on a free loopback port with a temporary
//! data directory and its upstream host names resolved to loopback servers, and what
//! `/proc` tells of a process (memory, CPU time).

use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::process::Child;

#[path = "../../tests/shared/tandem_child.rs"]
mod tandem_child;

use tandem_child::tandem_command;

/// The API key the child is started with.
pub const API_KEY: &str = "load-key";
/// The site proxy sessions start on; it resolves to the bench's loopback upstream.
pub const SITE: &str = "shop.test";
/// Descriptors wanted by each process: four sockets per session on each side, and room.
const WANTED_FILES: u64 = 16_384;

/// The running binary; killed when dropped.
pub struct Tandem {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its process id, for `/proc`.
    pub pid: u32,
    child: Child,
}

impl Tandem {
    /// Starts the binary with its records and log in `dir`, each host name of `resolve`
    /// proxied to its loopback address.
    pub async fn start(dir: &Path, resolve: &[(&str, SocketAddr)]) -> anyhow::Result<Tandem> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let mut command = tandem_command(env!("CARGO_BIN_EXE_tandem"), dir, port, API_KEY, resolve)?;
        let log = std::fs::File::create(dir.join("tandem.log"))?;
        let child = command.stdout(Stdio::null()).stderr(log).spawn().context("starting the tandem binary")?;
        let pid = child.id().context("the child's pid")?;
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse()?;
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(addr).await.is_ok() {
                return Ok(Tandem { addr, pid, child });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!("tandem did not listen on {addr} within 10 s (see {})", dir.join("tandem.log").display())
    }

    /// Stops it as a service manager does (SIGTERM), for a clean exit.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        std::process::Command::new("kill").args(["-TERM", &self.pid.to_string()]).status()?;
        let exit = tokio::time::timeout(Duration::from_secs(20), self.child.wait()).await??;
        anyhow::ensure!(exit.success(), "tandem exited with {exit}");
        Ok(())
    }
}

/// Memory and CPU time of a process, read from `/proc`.
#[derive(Clone, Copy, Debug)]
pub struct Usage {
    /// Resident set, in KiB.
    pub rss_kib: u64,
    /// Peak resident set, in KiB.
    pub hwm_kib: u64,
    /// User plus system CPU time, in seconds.
    pub cpu_secs: f64,
}

/// What `/proc/<pid>` (or `/proc/self` for `None`) says now.
pub fn usage(pid: Option<u32>) -> anyhow::Result<Usage> {
    let dir = pid.map_or("/proc/self".to_owned(), |p| format!("/proc/{p}"));
    let status = std::fs::read_to_string(format!("{dir}/status"))?;
    let field = |name: &str| -> anyhow::Result<u64> {
        let line = status.lines().find(|l| l.starts_with(name)).with_context(|| format!("{name} in {dir}/status"))?;
        Ok(line.split_whitespace().nth(1).context("a value")?.parse()?)
    };
    let stat = std::fs::read_to_string(format!("{dir}/stat"))?;
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    let after_name = stat.rsplit_once(')').context("a stat line")?.1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks: u64 =
        fields.get(11).context("utime")?.parse::<u64>()? + fields.get(12).context("stime")?.parse::<u64>()?;
    let per_second = rustix::param::clock_ticks_per_second() as f64;
    Ok(Usage { rss_kib: field("VmRSS:")?, hwm_kib: field("VmHWM:")?, cpu_secs: ticks as f64 / per_second })
}

/// Raises this process's open-files limit (the child inherits it) to what the load
/// needs, within the hard limit; the limit in force.
pub fn raise_open_files() -> u64 {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut limit = getrlimit(Resource::Nofile);
    let wanted = limit.maximum.map_or(WANTED_FILES, |max| max.min(WANTED_FILES));
    if limit.current.is_some_and(|current| current < wanted) {
        limit.current = Some(wanted);
        if let Err(e) = setrlimit(Resource::Nofile, limit) {
            eprintln!("could not raise the open-files limit: {e} (try `ulimit -n {WANTED_FILES}`)");
        }
    }
    getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX)
}

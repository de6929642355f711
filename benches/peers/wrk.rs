//! One load run of `wrk` (Debian's) against one URL of one contender: fixed threads,
//! connections and duration, latency percentiles from `--latency`; what it printed,
//! read back into figures.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context, ensure};
use tokio::process::Command;

/// Where and how to send a request: the contender's loopback address, the path and
/// query, and the headers a browser would send there (`Host` first).
#[derive(Clone, Debug)]
pub struct Target {
    /// The contender's socket.
    pub addr: SocketAddr,
    /// The request's path and query.
    pub path: String,
    /// The request's headers, `Host` included.
    pub headers: Vec<(String, String)>,
}

/// What a browser's navigation asks for; hammerhead only rewrites what asks for HTML.
pub const ACCEPT_HTML: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

/// The load: wrk's threads, connections and seconds.
#[derive(Clone, Copy, Debug)]
pub struct Load {
    /// wrk's `-t`.
    pub threads: u32,
    /// wrk's `-c`.
    pub connections: u32,
    /// wrk's `-d`, in seconds.
    pub secs: u64,
}

/// The figures of one run.
#[derive(Clone, Copy, Debug, Default)]
pub struct Figures {
    /// Requests answered per second.
    pub rps: f64,
    /// Requests answered in all.
    pub requests: f64,
    /// Median latency, in milliseconds.
    pub p50_ms: f64,
    /// 99th percentile latency, in milliseconds.
    pub p99_ms: f64,
    /// Bytes read (headers and bodies).
    pub bytes: f64,
    /// How long it ran, in seconds.
    pub secs: f64,
    /// Socket errors and non-2xx/3xx answers.
    pub errors: u64,
}

/// Runs wrk with `load` against `target`.
pub async fn run(load: Load, target: &Target) -> anyhow::Result<Figures> {
    let mut wrk = Command::new("wrk");
    wrk.arg(format!("-t{}", load.threads))
        .arg(format!("-c{}", load.connections))
        .arg(format!("-d{}s", load.secs))
        .args(["--latency", "--timeout", "10s"]);
    for (name, value) in &target.headers {
        wrk.arg("-H").arg(format!("{name}: {value}"));
    }
    let url = format!("http://{}{}", target.addr, target.path);
    let out = tokio::time::timeout(Duration::from_secs(load.secs + 30), wrk.arg(&url).output())
        .await
        .context("wrk did not finish")?
        .context("running wrk (scripts/bench installs it)")?;
    let text = String::from_utf8_lossy(&out.stdout);
    ensure!(out.status.success(), "wrk {url}: {}\n{text}", String::from_utf8_lossy(&out.stderr));
    parse(&text).with_context(|| format!("reading wrk's output for {url}:\n{text}"))
}

/// Reads wrk's report.
fn parse(text: &str) -> anyhow::Result<Figures> {
    let mut figures = Figures::default();
    for line in text.lines().map(str::trim) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["50%", value] => figures.p50_ms = millis(value)?,
            ["99%", value] => figures.p99_ms = millis(value)?,
            ["Requests/sec:", value] => figures.rps = value.parse()?,
            [requests, "requests", "in", secs, read, "read"] => {
                figures.requests = requests.parse()?;
                figures.secs = secs.trim_end_matches(['s', ',']).parse()?;
                figures.bytes = bytes(read)?;
            }
            ["Socket", "errors:", rest @ ..] => {
                for count in rest.iter().skip(1).step_by(2) {
                    figures.errors += count.trim_end_matches(',').parse::<u64>()?;
                }
            }
            ["Non-2xx", "or", "3xx", "responses:", count] => figures.errors += count.parse::<u64>()?,
            _ => {}
        }
    }
    ensure!(figures.secs > 0.0, "no summary line");
    Ok(figures)
}

/// A duration as wrk prints it (`353.00us`, `1.23ms`, `2.01s`), in milliseconds.
fn millis(value: &str) -> anyhow::Result<f64> {
    let split = value.find(|c: char| c.is_ascii_alphabetic()).context("a unit")?;
    let (number, unit) = value.split_at(split);
    let scale = match unit {
        "us" => 0.001,
        "ms" => 1.0,
        "s" => 1000.0,
        "m" => 60_000.0,
        other => anyhow::bail!("unit {other}"),
    };
    Ok(number.parse::<f64>()? * scale)
}

/// A size as wrk prints it (`215.79MB`, binary multiples), in bytes.
fn bytes(value: &str) -> anyhow::Result<f64> {
    let split = value.find(|c: char| c.is_ascii_alphabetic()).context("a unit")?;
    let (number, unit) = value.split_at(split);
    let scale = match unit.trim_end_matches(',') {
        "B" => 1.0,
        "KB" => 1024.0,
        "MB" => 1024.0 * 1024.0,
        "GB" => 1024.0 * 1024.0 * 1024.0,
        other => anyhow::bail!("unit {other}"),
    };
    Ok(number.parse::<f64>()? * scale)
}

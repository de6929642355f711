//! The four contenders on the same site, each once per [`Mode`]: where each one is
//! asked for each page (the targets, with the mode's `Accept-Encoding`), which
//! processes' CPU time it costs, what it adds to an HTML page; and the
//! testcafe-hammerhead child (`hammerhead/start.js`), one session per page and mode.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;

use anyhow::{Context, ensure};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::client::Visitor;
use crate::mode::Mode;
use crate::nginx::{Kind, PAGES};
use crate::wrk::{ACCEPT_HTML, Target};

/// One contender as the load sees it.
pub struct Contender {
    /// How the table names it.
    pub name: &'static str,
    /// How it is asked and what its upstream serves.
    pub mode: Mode,
    /// The processes whose CPU time it costs.
    pub pids: Vec<u32>,
    /// Where each page of [`PAGES`] is asked for, in order.
    pub pages: Vec<Target>,
    /// Where the stalling upstream's page is asked for.
    pub stall: Target,
    /// What it adds to an HTML page (its script), or `</head>` if nothing.
    pub marker: &'static str,
}

/// The headers of a browser asking for `kind` at `host` in `mode`, with `extra` ones.
fn headers(host: &str, kind: Kind, mode: Mode, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let accept = if kind == Kind::Html { ACCEPT_HTML } else { "*/*" };
    let mut headers = vec![("Host".to_owned(), host.to_owned()), ("Accept".to_owned(), accept.to_owned())];
    headers.extend(mode.accept_encoding().iter().chain(extra).map(|(n, v)| ((*n).to_owned(), (*v).to_owned())));
    headers
}

/// A server that serves every page at its own path (nginx, direct or as a proxy).
pub fn plain(name: &'static str, pids: Vec<u32>, addr: SocketAddr, stall: (SocketAddr, &str), mode: Mode) -> Contender {
    let host = addr.to_string();
    let pages =
        PAGES.iter().map(|p| Target { addr, path: p.path.to_owned(), headers: headers(&host, p.kind, mode, &[]) });
    let stall = Target {
        addr: stall.0,
        path: stall.1.to_owned(),
        headers: headers(&stall.0.to_string(), Kind::Html, mode, &[]),
    };
    Contender { name, mode, pids, pages: pages.collect(), stall, marker: "</head>" }
}

/// Tandem, through a session entered on the site of `mode` and one on the stalling site.
pub fn tandem(pid: u32, addr: SocketAddr, site: &Visitor, stalling: &Visitor, mode: Mode) -> Contender {
    let target = |visitor: &Visitor, path: &str, kind: Kind| {
        let host = &visitor.landing[url::Position::BeforeHost..url::Position::AfterPort];
        Target { addr, path: path.to_owned(), headers: headers(host, kind, mode, &[("Cookie", &visitor.cookie)]) }
    };
    Contender {
        name: "Tandem",
        mode,
        pids: vec![pid],
        pages: PAGES.iter().map(|p| target(site, p.path, p.kind)).collect(),
        stall: target(stalling, stalling.landing.path(), Kind::Html),
        marker: ::tandem::injector::PAGE_RUNTIME_PATH,
    }
}

/// The running testcafe-hammerhead proxy; killed when dropped.
pub struct Hammerhead {
    /// What the load asks it for, by [`Mode::index`].
    pub contenders: [Contender; 2],
    _child: Child,
}

/// Where the npm packages of `scripts/bench` are (`TANDEM_BENCH_NPM`, or the
/// checkout's `.cache/bench-npm`).
fn npm_dir() -> PathBuf {
    std::env::var_os("TANDEM_BENCH_NPM")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".cache/bench-npm"), PathBuf::from)
}

impl Hammerhead {
    /// Starts `hammerhead/start.js` on two free loopback ports with one session per
    /// page of each mode's site (by [`Mode::index`]) and one on the stalling server.
    pub async fn start(sites: [SocketAddr; 2], stall: SocketAddr) -> anyhow::Result<Hammerhead> {
        let ports = [free_addr()?.port(), free_addr()?.port()];
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/peers/hammerhead/start.js");
        let mut urls: Vec<String> =
            sites.iter().flat_map(|site| PAGES.iter().map(move |p| format!("http://{site}{}", p.path))).collect();
        urls.push(format!("http://{stall}/"));
        let mut child = Command::new("node")
            .arg(script)
            .args(ports.map(|p| p.to_string()))
            .args(&urls)
            .env("NODE_PATH", npm_dir().join("node_modules"))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .context("starting node (scripts/bench installs it)")?;
        let pid = child.id().context("node's pid")?;
        let mut lines = BufReader::new(child.stdout.take().context("node's stdout")?).lines();
        let mut proxied = Vec::new();
        while let Some(line) = lines.next_line().await? {
            if line == "ready" {
                break;
            }
            proxied.push(url::Url::parse(&line).with_context(|| format!("hammerhead said {line}"))?);
        }
        ensure!(proxied.len() == urls.len(), "hammerhead gave {} URLs for {}", proxied.len(), urls.len());
        let addr: SocketAddr = format!("127.0.0.1:{}", ports[0]).parse()?;
        let target = |url: &url::Url, kind: Kind, mode: Mode| {
            let path = &url[url::Position::BeforePath..];
            Target { addr, path: path.to_owned(), headers: headers(&addr.to_string(), kind, mode, &[]) }
        };
        let stalling = &proxied[Mode::ALL.len() * PAGES.len()];
        let contenders = Mode::ALL.map(|mode| {
            let sessions = &proxied[mode.index() * PAGES.len()..];
            let pages = PAGES.iter().zip(sessions).map(|(p, url)| target(url, p.kind, mode)).collect();
            let stall = target(stalling, Kind::Html, mode);
            Contender { name: "testcafe-hammerhead", mode, pids: vec![pid], pages, stall, marker: "hammerhead.js" }
        });
        Ok(Hammerhead { contenders, _child: child })
    }
}

/// A free loopback address (port 0 bound and released).
pub fn free_addr() -> anyhow::Result<SocketAddr> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?)
}

//! The four contenders on the same site: where each one is asked for each page (the
//! targets), which processes' CPU time it costs, what it adds to an HTML page; the
//! testcafe-hammerhead child (`hammerhead/start.js`); and a check, before any load,
//! that every contender answers every page as it should.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;

use anyhow::{Context, ensure};
use http::Method;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::client::{Visitor, send};
use crate::nginx::{Kind, PAGES};
use crate::wrk::{ACCEPT_HTML, Target};

/// One contender as the load sees it.
pub struct Contender {
    /// How the table names it.
    pub name: &'static str,
    /// The processes whose CPU time it costs.
    pub pids: Vec<u32>,
    /// Where each page of [`PAGES`] is asked for, in order.
    pub pages: Vec<Target>,
    /// Where the stalling upstream's page is asked for.
    pub stall: Target,
    /// What it adds to an HTML page (its script), or `</head>` if nothing.
    pub marker: &'static str,
}

/// The headers of a browser asking for `kind` at `host`, with `extra` ones.
fn headers(host: &str, kind: Kind, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let accept = if kind == Kind::Html { ACCEPT_HTML } else { "*/*" };
    let mut headers = vec![("Host".to_owned(), host.to_owned()), ("Accept".to_owned(), accept.to_owned())];
    headers.extend(extra.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())));
    headers
}

/// A server that serves every page at its own path (nginx, direct or as a proxy).
pub fn plain(name: &'static str, pids: Vec<u32>, addr: SocketAddr, stall: (SocketAddr, &str)) -> Contender {
    let host = addr.to_string();
    let pages = PAGES.iter().map(|p| Target { addr, path: p.path.to_owned(), headers: headers(&host, p.kind, &[]) });
    let stall =
        Target { addr: stall.0, path: stall.1.to_owned(), headers: headers(&stall.0.to_string(), Kind::Html, &[]) };
    Contender { name, pids, pages: pages.collect(), stall, marker: "</head>" }
}

/// Tandem, through a session entered on the site and one on the stalling site.
pub fn tandem(pid: u32, addr: SocketAddr, site: &Visitor, stalling: &Visitor) -> Contender {
    let target = |visitor: &Visitor, path: &str, kind: Kind| {
        let host = &visitor.landing[url::Position::BeforeHost..url::Position::AfterPort];
        Target { addr, path: path.to_owned(), headers: headers(host, kind, &[("Cookie", &visitor.cookie)]) }
    };
    Contender {
        name: "Tandem",
        pids: vec![pid],
        pages: PAGES.iter().map(|p| target(site, p.path, p.kind)).collect(),
        stall: target(stalling, stalling.landing.path(), Kind::Html),
        marker: ::tandem::injector::PAGE_RUNTIME_PATH,
    }
}

/// The running testcafe-hammerhead proxy; killed when dropped.
pub struct Hammerhead {
    /// What the load asks it for.
    pub contender: Contender,
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
    /// page of the `site` and one on the stalling server.
    pub async fn start(site: SocketAddr, stall: SocketAddr) -> anyhow::Result<Hammerhead> {
        let ports = [free_port()?, free_port()?];
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/peers/hammerhead/start.js");
        let mut urls: Vec<String> = PAGES.iter().map(|p| format!("http://{site}{}", p.path)).collect();
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
        let target = |url: &url::Url, kind: Kind| {
            let path = &url[url::Position::BeforePath..];
            Target { addr, path: path.to_owned(), headers: headers(&addr.to_string(), kind, &[]) }
        };
        let pages = PAGES.iter().zip(&proxied).map(|(p, url)| target(url, p.kind)).collect();
        let stall = target(&proxied[PAGES.len()], Kind::Html);
        let contender =
            Contender { name: "testcafe-hammerhead", pids: vec![pid], pages, stall, marker: "hammerhead.js" };
        Ok(Hammerhead { contender, _child: child })
    }
}

/// A free loopback port.
pub fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Asks `contender` for every page once: 200, and for HTML the contender's own script
/// in it; the body sizes, in the order of [`PAGES`].
pub async fn check(contender: &Contender) -> anyhow::Result<Vec<usize>> {
    let mut sizes = Vec::new();
    for (page, target) in PAGES.iter().zip(&contender.pages) {
        let host = &target.headers[0].1;
        let url = format!("http://{host}{}", target.path);
        let headers: Vec<(http::HeaderName, &str)> = target.headers[1..]
            .iter()
            .map(|(n, v)| Ok((http::HeaderName::from_bytes(n.as_bytes())?, v.as_str())))
            .collect::<anyhow::Result<_>>()?;
        let reply = send(target.addr, Method::GET, &url, &headers, String::new()).await?;
        ensure!(reply.status == http::StatusCode::OK, "{}: {url}: {}", contender.name, reply.status);
        let body = String::from_utf8_lossy(&reply.body);
        if page.kind == Kind::Html {
            ensure!(body.contains(contender.marker), "{}: {url} lacks {}", contender.name, contender.marker);
        }
        sizes.push(reply.body.len());
    }
    Ok(sizes)
}

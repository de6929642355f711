//! The upstream and the pass-through proxy: the site's pages copied from
//! `fixtures/pages` into a temporary root (and an image generated there), and Debian's
//! nginx started as a child with a generated configuration, either serving that root
//! (the upstream) or proxying to it without rewriting anything (`proxy_pass`). Each
//! listens on one port per [`Mode`]: the upstream's second port gzips what it serves,
//! the proxy's second port passes on to that one.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::process::{Child, Command};

#[path = "../../tests/shared/noise_png.rs"]
mod noise_png;

use noise_png::noise_png;

use crate::mode::Mode;

/// What kind of resource a page of the site is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// An HTML document: the rewriting proxies rewrite it.
    Html,
    /// A stylesheet: the rewriting proxies map its URLs.
    Css,
    /// A script: Tandem passes it on untouched (its runtime works in the page),
    /// hammerhead rewrites it.
    Script,
    /// An image: every proxy passes it on untouched.
    Image,
}

/// One resource of the benchmark's site.
#[derive(Clone, Copy, Debug)]
pub struct Page {
    /// How the table names it.
    pub label: &'static str,
    /// Its path on the site.
    pub path: &'static str,
    /// What it is.
    pub kind: Kind,
}

/// The site: two real HTML pages of Django's admin (the 21 KB change form of one user
/// and the 1 MB "show all" user list), its 22 KB base stylesheet, the 87 KB jQuery it
/// ships, and a generated image (none of the real apps serves an image of 20 KB or more;
/// its bytes change nothing for any contender, its size does).
pub const PAGES: [Page; 5] = [
    Page {
        label: "HTML 21 KB (Django admin user change form)",
        path: "/django-admin-user-change.html",
        kind: Kind::Html,
    },
    Page {
        label: "HTML 1 MB (Django admin user list, all)",
        path: "/django-admin-user-changelist-all.html",
        kind: Kind::Html,
    },
    Page { label: "CSS 22 KB (Django admin base.css)", path: "/django-admin-base.css", kind: Kind::Css },
    Page { label: "JS 87 KB (Django admin jquery.min.js)", path: "/django-admin-jquery.min.js", kind: Kind::Script },
    Page { label: "image 100 KB (generated PNG bytes)", path: "/photo.png", kind: Kind::Image },
];

/// Size of the generated image.
const IMAGE_BYTES: usize = 100 * 1024;

/// Fills `root` with the site: the fixtures copied, the image generated.
pub fn build_site(root: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(root)?;
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/pages");
    for page in PAGES.iter().filter(|p| p.kind != Kind::Image) {
        let name = page.path.trim_start_matches('/');
        std::fs::copy(fixtures.join(name), root.join(name)).with_context(|| format!("copying {name}"))?;
    }
    std::fs::write(root.join("photo.png"), noise_png(IMAGE_BYTES))?;
    Ok(())
}

/// What an nginx does.
#[derive(Clone, Copy)]
pub enum Role<'a> {
    /// Serves the files of this root.
    Origin(&'a Path),
    /// Passes `/` on to the upstream of each mode (by [`Mode::index`]) and `/stall/`
    /// to the stalling server.
    Proxy { upstreams: [SocketAddr; 2], stall: SocketAddr },
}

/// A running nginx (master and workers); stopped when dropped.
pub struct Nginx {
    /// Where it listens, by [`Mode::index`].
    addrs: [SocketAddr; 2],
    /// Its master's process id.
    pub pid: u32,
    child: Child,
}

impl Nginx {
    /// Writes a configuration for `role` into `dir` and starts nginx on a free loopback
    /// port per mode.
    pub async fn start(dir: &Path, role: Role<'_>) -> anyhow::Result<Nginx> {
        std::fs::create_dir_all(dir)?;
        let addrs = [crate::contenders::free_addr()?, crate::contenders::free_addr()?];
        let prefix = dir.display();
        let mut conf = String::new();
        if rustix::process::getuid().is_root() {
            // Workers would switch to `nobody`, who cannot read the temporary root.
            conf.push_str("user root;\n");
        }
        writeln!(
            conf,
            "worker_processes auto;\ndaemon off;\npid {prefix}/nginx.pid;\nerror_log {prefix}/error.log warn;"
        )?;
        conf.push_str(
            "events { worker_connections 4096; }\nhttp {\n  access_log off;\n  keepalive_requests 1000000;\n",
        );
        conf.push_str(
            "  types { text/html html; text/css css; application/javascript js; image/png png; }\n  charset utf-8;\n  charset_types text/css;\n",
        );
        for temp in ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"] {
            writeln!(conf, "  {temp}_temp_path {prefix}/{temp}_temp;")?;
        }
        if let Role::Proxy { upstreams, stall } = role {
            for mode in Mode::ALL {
                writeln!(conf, "  upstream {} {{ server {}; keepalive 64; }}", mode.name(), upstreams[mode.index()])?;
            }
            writeln!(conf, "  upstream stall {{ server {stall}; }}")?;
            conf.push_str("  proxy_http_version 1.1;\n  proxy_set_header Connection \"\";\n");
        }
        for mode in Mode::ALL {
            writeln!(conf, "  server {{\n    listen {};", addrs[mode.index()])?;
            match role {
                Role::Origin(root) => {
                    writeln!(conf, "    root {};\n{}", root.display(), mode.upstream_directives())?;
                }
                Role::Proxy { .. } => {
                    writeln!(conf, "    location / {{ proxy_pass http://{}; }}", mode.name())?;
                    conf.push_str("    location /stall/ { proxy_pass http://stall/; }\n");
                }
            }
            conf.push_str("  }\n");
        }
        conf.push_str("}\n");
        let path = dir.join("nginx.conf");
        std::fs::write(&path, conf)?;
        let log = std::fs::File::create(dir.join("stderr.log"))?;
        let child = Command::new("nginx")
            .arg("-p")
            .arg(dir)
            .arg("-e")
            .arg(dir.join("error.log"))
            .arg("-c")
            .arg(&path)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .context("starting nginx (scripts/bench installs it)")?;
        let pid = child.id().context("nginx's pid")?;
        let nginx = Nginx { addrs, pid, child };
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(addrs[1]).await.is_ok() {
                return Ok(nginx);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!("nginx did not listen on {} (see {})", addrs[1], dir.display())
    }

    /// Where it listens for `mode`.
    pub fn addr(&self, mode: Mode) -> SocketAddr {
        self.addrs[mode.index()]
    }

    /// The master and its workers, for their CPU time.
    pub fn pids(&self) -> anyhow::Result<Vec<u32>> {
        let mut pids = vec![self.pid];
        for entry in std::fs::read_dir("/proc")? {
            let Some(pid) = entry?.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
            let parent = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().nth(1));
            if parent == Some(self.pid.to_string().as_str()) {
                pids.push(pid);
            }
        }
        Ok(pids)
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGTERM, not the SIGKILL of `kill_on_drop`: the master then stops its workers.
        if let Some(pid) = rustix::process::Pid::from_raw(self.pid as i32) {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
        }
        let _ = self.child.try_wait();
    }
}

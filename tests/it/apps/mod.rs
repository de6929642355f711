//! Real third-party applications, run as they are shipped (installed from PyPI by
//! `scripts/test` into the venv named by `TANDEM_TEST_VENV`), driven in Chromium once
//! directly and once through a Tandem session with the same scenario, so that a failure
//! says which side broke.
//!
//! [`AppProcess`] is the harness: one app as a child process on a free loopback port,
//! awaited until it answers HTTP, killed when dropped. Each app's set-up (a throwaway
//! Django project, a small sqlite database for Datasette) lives in `tests/apps/`.

mod cross_origin;
mod datasette;
mod django_admin;
mod jupyterlite;
mod load_times;
mod mirror_similarity;
mod mkdocs;
mod openapi;
mod pdf_fixture;
mod pdfjs;
mod static_files;

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::Tandem;

/// Bound on an app's start-up (on a loaded two-core machine).
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// The venv holding the apps: `TANDEM_TEST_VENV`, else `.cache/venv` of the repository.
pub fn venv() -> PathBuf {
    let venv = crate::support::installed_dir("TANDEM_TEST_VENV", ".cache/venv");
    assert!(
        venv.join("bin/python").exists(),
        "no Python venv at {} (set TANDEM_TEST_VENV, or run scripts/test, which creates it)",
        venv.display()
    );
    venv
}

/// A program of the venv (`python`, `datasette`, ...), which must be installed.
pub fn venv_bin(name: &str) -> PathBuf {
    let path = venv().join("bin").join(name);
    assert!(
        path.exists(),
        "{} is missing: install tests/apps/requirements.txt into the venv (scripts/test does)",
        path.display()
    );
    path
}

/// A file of `tests/apps/`.
pub fn apps_dir(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/apps").join(path)
}

/// Runs a set-up command to completion, failing the test with its output if it fails.
pub fn run_to_completion(what: &str, command: &mut Command) {
    let output = command
        .stdin(Stdio::null())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run {command:?}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A free loopback port (bound then released; the app binds it right after).
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    listener.local_addr().expect("local address").port()
}

/// An app server running as a child process on `127.0.0.1:port`; killed on drop.
pub struct AppProcess {
    name: String,
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Everything it printed so far (stdout and stderr, interleaved by line).
    output: Arc<Mutex<String>>,
}

impl AppProcess {
    /// Starts the app with `command(port)` on a free port and waits until `GET
    /// ready_path` answers with any HTTP status but a 5xx. Should another process take
    /// the port between its release and the app's bind, tries again on another one.
    pub async fn start(name: &str, ready_path: &str, command: impl Fn(u16) -> Command) -> AppProcess {
        const ATTEMPTS: u32 = 3;
        for attempt in 1..=ATTEMPTS {
            let port = free_port();
            let mut app = AppProcess::spawn(name, command(port), port);
            match app.wait_until_ready(ready_path).await {
                Ok(()) => return app,
                Err(exited) if attempt < ATTEMPTS && app.output().contains("already in use") => {
                    eprintln!("{name}: port {port} was taken ({exited}), trying another");
                }
                Err(exited) => panic!("{name} {exited} before answering:\n{}", app.output()),
            }
        }
        unreachable!("the last attempt returns or panics")
    }

    fn spawn(name: &str, mut command: Command, port: u16) -> AppProcess {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("PYTHONUNBUFFERED", "1")
            .spawn()
            .unwrap_or_else(|e| panic!("{name}: cannot start {command:?}: {e}"));
        let output = Arc::new(Mutex::new(String::new()));
        drain(child.stdout.take().expect("stdout"), output.clone());
        drain(child.stderr.take().expect("stderr"), output.clone());
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        AppProcess { name: name.to_owned(), child, addr, output }
    }

    /// What the app printed so far.
    pub fn output(&self) -> String {
        self.output.lock().expect("output lock").clone()
    }

    /// `http://127.0.0.1:PORT`, the app's own address as a browser opens it directly.
    pub fn direct_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Polls until the app answers (`Ok`) or exits (`Err` with its exit status); fails
    /// the test if it does neither within [`START_TIMEOUT`].
    async fn wait_until_ready(&mut self, path: &str) -> Result<(), String> {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().expect("child status") {
                return Err(format!("exited ({status})"));
            }
            let last = match probe(self.addr, path).await {
                Ok(status) if !status.is_server_error() => return Ok(()),
                Ok(status) => format!("answered {status}"),
                Err(e) => e,
            };
            assert!(
                Instant::now() < deadline,
                "{} did not answer GET {path} on {} within {START_TIMEOUT:?} ({last}):\n{}",
                self.name,
                self.addr,
                self.output()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for AppProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Copies `stream` line by line into `output` on a thread of its own, so that the pipe
/// never fills up and stalls the app.
fn drain(stream: impl Read + Send + 'static, output: Arc<Mutex<String>>) {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            let mut output = output.lock().expect("output lock");
            output.push_str(&line);
            output.push('\n');
        }
    });
}

/// One `GET path` on a fresh connection; the status, or why there was none.
async fn probe(addr: SocketAddr, path: &str) -> Result<StatusCode, String> {
    let attempt = async {
        let mut tcp = TcpStream::connect(addr).await.map_err(|e| format!("connect: {e}"))?;
        let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        tcp.write_all(request.as_bytes()).await.map_err(|e| format!("write: {e}"))?;
        let mut head = [0u8; 12];
        tcp.read_exact(&mut head).await.map_err(|e| format!("read: {e}"))?;
        let text = std::str::from_utf8(&head).map_err(|_| "not HTTP".to_owned())?;
        let code = text.strip_prefix("HTTP/1.").and_then(|t| t.get(2..5)).ok_or(format!("not HTTP: {text:?}"))?;
        StatusCode::from_bytes(code.as_bytes()).map_err(|e| format!("status {code:?}: {e}"))
    };
    match tokio::time::timeout(Duration::from_secs(5), attempt).await {
        Ok(result) => result,
        Err(_) => Err("no answer within 5 s".to_owned()),
    }
}

/// Tandem in front of one app: `host` (a real-looking name, any port) resolves to the
/// app's loopback address, and loopback upstreams are allowed.
pub async fn tandem_for(host: &str, app: &AppProcess) -> Tandem {
    tandem_at(host, app.addr).await
}

/// Tandem in front of an upstream at `addr` known to the browser as `host`.
pub async fn tandem_at(host: &str, addr: SocketAddr) -> Tandem {
    let host = host.to_owned();
    Tandem::start(move |config| {
        config.allow_private_upstreams = true;
        config.resolve.insert(host, addr);
    })
    .await
}

/// Asserts that the browser's cookie jar (a scenario's list of cookie names under
/// `key`) holds Tandem's binding cookie and nothing an upstream set.
pub fn assert_only_tandem_cookies(result: &serde_json::Value, key: &str, binding: &str) {
    let names: Vec<&str> =
        result[key].as_array().expect("cookie list").iter().map(|c| c.as_str().expect("cookie name")).collect();
    assert_eq!(names, [binding], "{key}: an upstream cookie reached the browser through Tandem: {result:#}");
}

/// nginx (Debian's package) in front of the app at `app`, compressing what it answers
/// as production front ends do (gzip level 6 for text, scripts, JSON, SVG and wasm),
/// with its configuration and logs in `dir`: the app as visitors get it on a real site.
pub async fn compressing_front(dir: &std::path::Path, app: SocketAddr) -> AppProcess {
    std::fs::create_dir_all(dir).expect("nginx dir");
    let prefix = dir.display();
    AppProcess::start(&format!("nginx in front of {app}"), "/", |port| {
        let mut conf = format!(
            "daemon off;\nmaster_process off;\npid {prefix}/nginx.pid;\nerror_log {prefix}/error.log warn;\n\
             events {{ worker_connections 1024; }}\nhttp {{\n  access_log off;\n"
        );
        for temp in ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"] {
            conf.push_str(&format!("  {temp}_temp_path {prefix}/{temp}_temp;\n"));
        }
        conf.push_str(
            "  gzip on;\n  gzip_comp_level 6;\n  gzip_proxied any;\n  gzip_vary on;\n  gzip_min_length 256;\n  \
             gzip_types text/css text/javascript application/javascript application/json application/xml \
             image/svg+xml application/wasm text/plain;\n",
        );
        conf.push_str(&format!(
            "  server {{\n    listen 127.0.0.1:{port};\n    location / {{\n      proxy_pass http://{app};\n      \
             proxy_http_version 1.1;\n      proxy_set_header Host $http_host;\n      proxy_buffering off;\n    }}\n  }}\n}}\n"
        ));
        let path = dir.join(format!("nginx-{port}.conf"));
        std::fs::write(&path, conf).expect("write nginx.conf");
        let mut command = Command::new("/usr/sbin/nginx");
        command.arg("-p").arg(dir).arg("-e").arg(dir.join("error.log")).arg("-c").arg(&path);
        command
    })
    .await
}

/// A static file server (Python's `http.server` from the venv) for `dir`.
pub async fn static_server(name: &str, dir: &std::path::Path) -> AppProcess {
    let python = venv_bin("python");
    AppProcess::start(name, "/", |port| {
        let mut command = Command::new(&python);
        command.args(["-m", "http.server", "--bind", "127.0.0.1", "--directory"]).arg(dir).arg(port.to_string());
        command
    })
    .await
}

/// An npm app's installed package directory, under `node_modules` of
/// `TANDEM_TEST_APPS_NPM` (else `.cache/apps-npm` of the repository); `probe`, a path in
/// the package, must exist.
pub fn npm_package(package: &str, probe: &str) -> PathBuf {
    let dir = crate::support::installed_dir("TANDEM_TEST_APPS_NPM", ".cache/apps-npm");
    let package_dir = dir.join("node_modules").join(package);
    assert!(
        package_dir.join(probe).exists(),
        "npm {package} is not installed in {} (run scripts/test, which installs tests/apps/npm there)",
        dir.display()
    );
    package_dir
}

/// `path` must name an existing file (a guard against a moved `tests/apps/` file).
pub fn existing(path: PathBuf) -> PathBuf {
    assert!(path.exists(), "{} is missing", path.display());
    path
}

//! The deployment as written in `deploy/`: the systemd unit is valid as systemd reads
//! it, and its command line starts the binary on the production configuration, which
//! then serves https with HTTP/2 and compressed pages, redirects plain http, re-reads its
//! certificates on the unit's reload signal and stops cleanly on its stop signal.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use http::{Method, StatusCode, Version, header};

use crate::support::api::eventually;
use crate::support::fixtures::Upstream;
use crate::support::https::{TANDEM_NAMES, client_config, tandem_pki, write_pair};
use crate::support::tls::TestPki;
use crate::support::{API_KEY, Endpoint, bounded, get};

fn deploy_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy").join(name)
}

/// The unit's `ExecStart=` split into words.
fn unit_command_line(unit: &str) -> Vec<String> {
    let line = unit.lines().find_map(|l| l.strip_prefix("ExecStart=")).expect("the unit has ExecStart=");
    line.split_whitespace().map(str::to_owned).collect()
}

fn signal(child: &tokio::process::Child, signal: &str) {
    let pid = child.id().expect("running").to_string();
    let status = std::process::Command::new("kill").args([signal, &pid]).status().expect("kill");
    assert!(status.success(), "kill {signal} {pid}");
}

#[test]
fn the_systemd_unit_is_valid_and_hardened() {
    let unit = std::fs::read_to_string(deploy_file("tandem.service")).expect("deploy/tandem.service");
    for setting in [
        "User=tandem",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "StateDirectory=tandem",
        "ExecReload=/bin/kill -HUP $MAINPID",
        "KillSignal=SIGTERM",
    ] {
        assert!(unit.lines().any(|l| l == setting), "the unit lacks {setting}");
    }
    // systemd's own reading of it, with the binary path of this build.
    let dir = tempfile::tempdir().expect("temp dir");
    let copy = dir.path().join("tandem.service");
    std::fs::write(&copy, unit.replace("/usr/local/bin/tandem", env!("CARGO_BIN_EXE_tandem"))).expect("write");
    let verified = std::process::Command::new("systemd-analyze")
        .args(["verify", copy.to_str().expect("path")])
        .output()
        .expect("systemd-analyze (Debian's systemd; scripts/test installs it)");
    let complaints = String::from_utf8_lossy(&verified.stderr);
    assert!(verified.status.success() && complaints.trim().is_empty(), "systemd-analyze verify: {complaints}");
}

#[tokio::test]
async fn the_units_command_line_serves_https_with_http2_compressed_and_reloads_on_its_signal() {
    let unit = std::fs::read_to_string(deploy_file("tandem.service")).expect("deploy/tandem.service");
    let command_line = unit_command_line(&unit);
    assert_eq!(command_line, ["/usr/local/bin/tandem", "/etc/tandem/tandem.toml"], "{unit}");

    let upstream = Upstream::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let free_port = || std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port").port();
    let (port, redirect_port) = (free_port(), free_port());
    let (cert, key) = write_pair(tandem_pki(), dir.path(), "tls");
    // The repository's production file stands in for /etc/tandem/tandem.toml; what is
    // this machine's (addresses, names, paths) comes as TANDEM_* overrides.
    let mut command = crate::support::tandem_child::tandem_command(
        env!("CARGO_BIN_EXE_tandem"),
        dir.path(),
        port,
        API_KEY,
        &[("shop.test", upstream.addr)],
    )
    .expect("the rules dir");
    command
        .arg(deploy_file("tandem.production.toml"))
        .env("TANDEM_REDIRECT_LISTEN", format!("127.0.0.1:{redirect_port}"))
        .env("TANDEM_CONTROL_ORIGIN", format!("https://localhost:{port}"))
        .env("TANDEM_CONTENT_ORIGIN", format!("https://proxy.localhost:{port}"))
        .env("TANDEM_TLS_CERT", &cert)
        .env("TANDEM_TLS_KEY", &key)
        .stdout(Stdio::null());
    let mut child = command.spawn().expect("start the tandem binary");
    let addr = format!("127.0.0.1:{port}").parse().expect("address");
    eventually("the binary to listen", || async { tokio::net::TcpStream::connect(addr).await.ok() }).await;
    let tandem = Endpoint { addr, tls: Some(client_config(&[&tandem_pki().ca_pem])) };

    // A proxied page its upstream gzipped, asked as Chromium asks: HTTP/2, brotli.
    let visitor = tandem.visitor("http://shop.test/").await;
    let page = visitor.url("http://shop.test/pages/django-changelist-all?gzip");
    let compressed =
        visitor.open(visitor.request(Method::GET, &page).header(header::ACCEPT_ENCODING, "gzip, br")).await;
    assert_eq!((compressed.version(), compressed.status()), (Version::HTTP_2, StatusCode::OK));
    let compressed = crate::support::read_whole("compressed page", compressed).await;
    assert_eq!(compressed.header(header::CONTENT_ENCODING), Some("br"));
    let plain = visitor.get(&page).await;
    assert_eq!(plain.header(header::CONTENT_ENCODING), None, "no Accept-Encoding: identity");
    assert!(compressed.body.len() * 10 < plain.body.len(), "{} of {}", compressed.body.len(), plain.body.len());
    assert!(compressed.decoded() == plain.body, "the compressed page decodes to the uncompressed one");

    // Plain http is sent to https.
    let redirected = Endpoint::plain(format!("127.0.0.1:{redirect_port}").parse().expect("address"))
        .send(get(&format!("http://localhost:{redirect_port}/healthz")))
        .await;
    assert_eq!(redirected.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(redirected.location(), format!("https://localhost:{port}/healthz"));

    // `systemctl reload` (SIGHUP) serves renewed certificates at once.
    let renewed = TestPki::new(&TANDEM_NAMES);
    write_pair(&renewed, dir.path(), "tls");
    signal(&child, "-HUP");
    let both = client_config(&[&tandem_pki().ca_pem, &renewed.ca_pem]);
    let health = format!("https://localhost:{port}/healthz").parse().expect("URL");
    eventually("the renewed certificate", || async {
        let tls = crate::support::https::connect(addr, &both, &health).await;
        let served = tls.get_ref().1.peer_certificates().expect("certificates")[0].to_vec();
        (served == renewed.leaf_der.to_vec()).then_some(())
    })
    .await;

    // `systemctl stop` (SIGTERM): a clean exit.
    signal(&child, "-TERM");
    let exit = bounded("the binary to stop", child.wait()).await.expect("wait");
    assert!(exit.success(), "tandem exited with {exit}");
}

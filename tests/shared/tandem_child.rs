//! The `tandem` binary as a child process on loopback, as the restart test and the load
//! benches (`benches/common/tandem.rs`) start it: a port of its own, its records and
//! rules in a directory of the caller's, an API key, upstream host names resolved to
//! loopback servers, private upstreams allowed, and nothing of the caller's environment.

use std::net::SocketAddr;
use std::path::Path;

use tokio::process::Command;

/// The command that starts the binary at `binary` on `127.0.0.1:port` with `api_key`,
/// keeping its data and rules below `dir` and sending each host name of `resolve` to its
/// address. The caller adds its own settings (more `TANDEM_*`), output and spawns it.
pub fn tandem_command(
    binary: &str,
    dir: &Path,
    port: u16,
    api_key: &str,
    resolve: &[(&str, SocketAddr)],
) -> std::io::Result<Command> {
    let rules = dir.join("rules");
    std::fs::create_dir_all(&rules)?;
    let resolve: Vec<String> = resolve.iter().map(|(host, addr)| format!("\"{host}\" = \"{addr}\"")).collect();
    let mut command = Command::new(binary);
    command
        .env_clear()
        .env("TANDEM_LISTEN", format!("127.0.0.1:{port}"))
        .env("TANDEM_CONTROL_ORIGIN", format!("http://localhost:{port}"))
        .env("TANDEM_CONTENT_ORIGIN", format!("http://proxy.localhost:{port}"))
        .env("TANDEM_DATA_DIR", dir.join("data"))
        .env("TANDEM_RULES_DIR", rules)
        .env("TANDEM_API_KEY", api_key)
        .env("TANDEM_ALLOW_PRIVATE_UPSTREAMS", "true")
        .env("TANDEM_RESOLVE", format!("{{{}}}", resolve.join(", ")))
        .env("TANDEM_LOG", "warn")
        .kill_on_drop(true);
    Ok(command)
}

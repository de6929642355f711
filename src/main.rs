//! The `tandem` binary: loads the configuration and serves until interrupted (SIGINT or
//! SIGTERM), then stops gracefully and saves what is not saved yet. SIGHUP re-reads the
//! TLS certificates.

use anyhow::Context;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("TANDEM_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let config_path = std::env::var_os("TANDEM_CONFIG")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::args_os().nth(1).map(std::path::PathBuf::from));
    let config =
        tandem::config::Config::load(config_path.as_deref(), std::env::vars()).context("loading the configuration")?;
    let main = bind(config.listen).await?;
    let redirect = match config.redirect_listen {
        Some(address) => Some(bind(address).await?),
        None => None,
    };
    let app = tandem::server::App::new(config).context("starting Tandem")?;
    app.print_banner();
    if let Some(tls) = app.tls() {
        reload_on_hangup(tls);
    }
    let state = app.state().clone();
    app.run(tandem::server::Listeners { main, redirect }, stop_signal()).await.context("serving")?;
    state.save_before_exit().await;
    tracing::info!("stopped");
    Ok(())
}

async fn bind(address: std::net::SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(address).await.with_context(|| format!("binding {address}"))
}

/// SIGHUP re-reads the certificates (after a renewal, without waiting for the next look).
fn reload_on_hangup(tls: std::sync::Arc<tandem::server::tls::Tls>) {
    #[cfg(unix)]
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
        Ok(mut hangups) => {
            tokio::spawn(async move {
                while hangups.recv().await.is_some() {
                    tls.reload_now();
                }
            });
        }
        Err(e) => tracing::warn!(error = %e, "cannot watch SIGHUP; certificates reload when their files change"),
    }
}

/// SIGINT (Ctrl-C) or, on Unix, SIGTERM (what service managers send).
async fn stop_signal() {
    stop_requested().await;
    tracing::info!("stopping: finishing requests and live sockets");
}

async fn stop_requested() {
    #[cfg(unix)]
    {
        let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(e) => {
                tracing::warn!(error = %e, "cannot watch SIGTERM; only Ctrl-C stops Tandem cleanly");
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

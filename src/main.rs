//! The `tandem` binary: loads the configuration and serves until interrupted (SIGINT or
//! SIGTERM), then saves what is not saved yet.

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
    let listener =
        tokio::net::TcpListener::bind(config.listen).await.with_context(|| format!("binding {}", config.listen))?;
    let app = tandem::server::App::new(config).context("starting Tandem")?;
    app.print_banner();
    let state = app.state().clone();
    tokio::select! {
        result = app.serve(listener) => result.context("serving"),
        () = stop_signal() => {
            state.save_before_exit().await;
            tracing::info!("stopped");
            Ok(())
        }
    }
}

/// SIGINT (Ctrl-C) or, on Unix, SIGTERM (what service managers send).
async fn stop_signal() {
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

//! The `tandem` binary: loads the configuration and serves until interrupted (SIGINT or
//! SIGTERM), then stops gracefully and saves what is not saved yet. SIGHUP re-reads the
//! TLS certificates.

use anyhow::Context;
use tandem::config::{Config, LogFormat};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config_path = std::env::var_os("TANDEM_CONFIG")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::args_os().nth(1).map(std::path::PathBuf::from));
    // The log format is a setting, so logging starts once the settings load; when they
    // do not, the error main returns says why.
    let config = Config::load(config_path.as_deref(), std::env::vars()).context("loading the configuration")?;
    init_logging(config.log_format);
    let main = bind(config.listen).await?;
    let redirect = match config.redirect_listen {
        Some(address) => Some(bind(address).await?),
        None => None,
    };
    let metrics_listener = match config.metrics_listen {
        Some(address) => Some(bind(address).await?),
        None => None,
    };
    let app = tandem::server::App::new(config).context("starting Tandem")?;
    announce(&app);
    if let Some(tls) = app.tls() {
        reload_on_hangup(tls);
    }
    let state = app.state().clone();
    if let Some(metrics_listener) = metrics_listener {
        tandem::metrics::endpoint::spawn(metrics_listener, state.clone());
    }
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

/// Log lines at the level `TANDEM_LOG` asks (`info` by default), as text or JSON lines.
fn init_logging(format: LogFormat) {
    let logs = tracing_subscriber::fmt().with_env_filter(
        tracing_subscriber::EnvFilter::try_from_env("TANDEM_LOG")
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
    );
    match format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().flatten_event(true).init(),
    }
}

/// Tells where Tandem is: the banner for people, or one log line for a log collector
/// (without the API key, which logs must not carry).
fn announce(app: &tandem::server::App) {
    let config = &app.state().config;
    match config.log_format {
        LogFormat::Text => app.print_banner(),
        LogFormat::Json => tracing::info!(
            listen = %config.listen,
            metrics_listen = config.metrics_listen.map(tracing::field::display),
            control_origin = %config.control_origin,
            content_origin = %config.content_origin,
            "Tandem is listening"
        ),
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

//! The `tandem` binary: loads the configuration and serves until interrupted.

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
    tokio::select! {
        result = app.serve(listener) => result.context("serving"),
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}

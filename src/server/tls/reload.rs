//! Certificates renewed while Tandem runs. The files are looked at every
//! `tls_reload_check_ms` and read again when any of them changed (its size, time or
//! the file a symlink points to), or at once when asked ([`Tls::reload_now`], SIGHUP).
//! Handshakes after the swap get the new certificates; connections already open keep
//! theirs, so nothing is dropped. A renewal that cannot be used (half written, a key of
//! another certificate) leaves the served certificates as they were, and says why in
//! the log.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::Tls;
use super::certs::CertificateSet;

/// What is looked at to tell that a file changed, without reading it.
type Stamp = Option<(u64, SystemTime, std::path::PathBuf)>;

impl Tls {
    /// Watches the files every `check` until dropped (run as a task).
    pub async fn keep_current(self: Arc<Self>, check: Duration) {
        let mut seen = self.stamps().await;
        loop {
            let asked = tokio::select! {
                () = tokio::time::sleep(check) => false,
                () = self.reload_asked.notified() => true,
            };
            let now = self.stamps().await;
            if !asked && now == seen {
                continue;
            }
            // Whatever the outcome, this state of the files has been tried: a broken
            // renewal is reported once, and tried again when the files change again.
            seen = now;
            self.reload().await;
        }
    }

    /// Reads the files again and serves them if they are usable.
    async fn reload(&self) {
        let (files, provider) = (self.files.clone(), self.provider.clone());
        let loaded = tokio::task::spawn_blocking(move || CertificateSet::load(&files, &provider)).await;
        match loaded {
            Ok(Ok(set)) => {
                self.resolver.replace(set);
                tracing::info!("TLS certificates reloaded");
            }
            Ok(Err(e)) => tracing::error!(error = %e, "TLS certificates not reloaded; still serving the previous ones"),
            Err(e) => tracing::error!(error = %e, "TLS certificate reload was interrupted"),
        }
    }

    async fn stamps(&self) -> Vec<Stamp> {
        let mut stamps = Vec::with_capacity(self.files.len() * 2);
        for pair in &self.files {
            stamps.push(stamp(&pair.cert).await);
            stamps.push(stamp(&pair.key).await);
        }
        stamps
    }
}

async fn stamp(path: &Path) -> Stamp {
    let metadata = tokio::fs::metadata(path).await.ok()?;
    // certbot and Kubernetes secrets renew by pointing a symlink elsewhere.
    let target = tokio::fs::canonicalize(path).await.ok()?;
    Some((metadata.len(), metadata.modified().ok()?, target))
}

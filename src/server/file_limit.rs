//! The open-file limit: raised at start as far as the system allows, and the bound on
//! client connections fitted under it, so that Tandem refuses (or makes room for)
//! connections before the kernel refuses it sockets, files and upstream connections.

use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};

/// Descriptors kept for everything but client connections: the listener, the
/// records, the rules, logs, webhooks, DNS.
const RESERVED_FILES: u64 = 256;

/// Raises the soft limit on open files to the hard one; the limit now in force, or
/// `None` when there is none.
pub fn raise() -> Option<u64> {
    let limit = getrlimit(Resource::Nofile);
    if limit.current != limit.maximum {
        let raised = Rlimit { current: limit.maximum, maximum: limit.maximum };
        if let Err(e) = setrlimit(Resource::Nofile, raised) {
            tracing::warn!(error = %e, "could not raise the open-file limit");
        }
    }
    getrlimit(Resource::Nofile).current
}

/// The most client connections `files` descriptors carry: each may hold its own socket
/// and one towards an upstream (a proxied request, a proxied WebSocket).
pub fn connections_within(files: Option<u64>, wanted: usize) -> usize {
    let Some(files) = files else { return wanted };
    let fit = usize::try_from(files.saturating_sub(RESERVED_FILES) / 2).unwrap_or(usize::MAX);
    wanted.min(fit.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_connection_bound_fits_under_the_file_limit() {
        assert_eq!(connections_within(Some(1024), 10_000), 384);
        assert_eq!(connections_within(Some(1_048_576), 10_000), 10_000);
        assert_eq!(connections_within(None, 10_000), 10_000);
        assert_eq!(connections_within(Some(10), 10_000), 1);
        assert_eq!(raise(), getrlimit(Resource::Nofile).maximum, "the soft limit is raised to the hard one");
    }
}

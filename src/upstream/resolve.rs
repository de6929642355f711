//! Name resolution for upstream connections, followed by the SSRF guard.
//!
//! Order of precedence:
//! 1. the operator's override map (`UpstreamSettings::resolve`), so test and
//!    staging setups can pin names without touching system DNS;
//! 2. `localhost` and `*.localhost`, which RFC 6761 reserves for loopback; we
//!    answer them ourselves rather than trusting whatever the resolver says;
//! 3. IP literals (including bracketed IPv6 such as `[::1]`) as themselves;
//! 4. `*.invalid`, which RFC 6761 reserves for names that never resolve: refused at once;
//! 5. the system resolver via `tokio::net::lookup_host`.
//!
//! Every resulting address then goes through [`super::guard::is_forbidden`].
//! The caller connects only to the addresses returned here, so what was checked
//! is exactly what gets connected to (no re-resolution, no DNS rebinding gap).

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use super::guard::is_forbidden;

/// Why a host name produced no address we may connect to.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ResolveError {
    /// The lookup failed, timed out or returned nothing.
    #[error("{0}")]
    Dns(io::Error),
    /// Addresses were found, but the guard refused all of them; `addr` is the
    /// first refused one (for the error page).
    #[error("address {addr} is not allowed")]
    Forbidden { addr: IpAddr },
}

/// Resolver configured from `UpstreamSettings`; cheap to share behind an `Arc`.
#[derive(Debug)]
pub(crate) struct Resolver {
    /// Keys normalised with [`normalize_host`] so lookups are case-insensitive.
    overrides: HashMap<String, SocketAddr>,
    allow_private: bool,
    /// Upper bound on a system DNS lookup, so a stuck resolver surfaces as a
    /// DNS error instead of hanging the request until the response timeout.
    lookup_timeout: Duration,
}

impl Resolver {
    pub(crate) fn new(overrides: &HashMap<String, SocketAddr>, allow_private: bool, lookup_timeout: Duration) -> Self {
        let overrides = overrides.iter().map(|(host, addr)| (normalize_host(host), *addr)).collect();
        Self { overrides, allow_private, lookup_timeout }
    }

    /// Resolves `host` (as found in a URI, brackets allowed) to the addresses
    /// to try, in order, all of which passed the guard.
    ///
    /// `explicit_port` is the URI's port if it spelled one out; otherwise an
    /// override's own port wins over `default_port` (the scheme's default).
    pub(crate) async fn resolve(
        &self,
        host: &str,
        explicit_port: Option<u16>,
        default_port: u16,
    ) -> Result<Vec<SocketAddr>, ResolveError> {
        let candidates = self.lookup(host, explicit_port, default_port).await?;
        self.apply_guard(host, candidates)
    }

    async fn lookup(
        &self,
        host: &str,
        explicit_port: Option<u16>,
        default_port: u16,
    ) -> Result<Vec<SocketAddr>, ResolveError> {
        let name = normalize_host(host);
        let port = explicit_port.unwrap_or(default_port);

        if let Some(addr) = self.overrides.get(&name) {
            let port = explicit_port.unwrap_or(addr.port());
            return Ok(vec![SocketAddr::new(addr.ip(), port)]);
        }
        if name == "localhost" || name.ends_with(".localhost") {
            // IPv4 first: local dev servers most often bind 127.0.0.1 only.
            return Ok(vec![
                SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port),
                SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), port),
            ]);
        }
        if let Ok(ip) = name.parse::<IpAddr>() {
            return Ok(vec![SocketAddr::new(ip, port)]);
        }
        if name == "invalid" || name.ends_with(".invalid") {
            // RFC 6761: such names never resolve, and asking a DNS server is pointless.
            return Err(ResolveError::Dns(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{name} is a reserved name that never resolves"),
            )));
        }
        if name.is_empty() {
            return Err(ResolveError::Dns(io::Error::new(io::ErrorKind::InvalidInput, "empty host name")));
        }

        let lookup = tokio::net::lookup_host((name.as_str(), port));
        let addrs: Vec<SocketAddr> = match tokio::time::timeout(self.lookup_timeout, lookup).await {
            Ok(Ok(addrs)) => addrs.collect(),
            Ok(Err(err)) => return Err(ResolveError::Dns(err)),
            Err(_) => {
                return Err(ResolveError::Dns(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("lookup timed out after {:?}", self.lookup_timeout),
                )));
            }
        };
        if addrs.is_empty() {
            return Err(ResolveError::Dns(io::Error::new(io::ErrorKind::NotFound, "name resolved to no addresses")));
        }
        Ok(addrs)
    }

    /// Drops forbidden addresses; refuses the host if none remain.
    fn apply_guard(&self, host: &str, candidates: Vec<SocketAddr>) -> Result<Vec<SocketAddr>, ResolveError> {
        let mut first_forbidden = None;
        let allowed: Vec<SocketAddr> = candidates
            .into_iter()
            .filter(|addr| {
                let forbidden = is_forbidden(addr.ip(), self.allow_private);
                if forbidden {
                    tracing::debug!(host, %addr, "upstream address refused by guard");
                    first_forbidden.get_or_insert(addr.ip());
                }
                !forbidden
            })
            .collect();
        match (allowed.is_empty(), first_forbidden) {
            (true, Some(addr)) => Err(ResolveError::Forbidden { addr }),
            // `lookup` never returns an empty list, but stay total anyway.
            (true, None) => {
                Err(ResolveError::Dns(io::Error::new(io::ErrorKind::NotFound, "name resolved to no addresses")))
            }
            (false, _) => Ok(allowed),
        }
    }
}

/// Canonical form of a host for lookups: no IPv6 brackets, ASCII lowercase,
/// no trailing root dot (`Shop.Test.` and `shop.test` are the same name).
pub(crate) fn normalize_host(host: &str) -> String {
    let host = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    let host = host.strip_suffix('.').unwrap_or(host);
    host.to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolver(allow_private: bool) -> Resolver {
        let mut overrides = HashMap::new();
        overrides.insert("Shop.Test".to_string(), SocketAddr::from(([127, 0, 0, 1], 9001)));
        overrides.insert("meta.test".to_string(), SocketAddr::from(([169, 254, 169, 254], 80)));
        Resolver::new(&overrides, allow_private, Duration::from_secs(5))
    }

    #[tokio::test]
    async fn override_port_applies_only_without_explicit_port() {
        let r = resolver(true);
        let got = r.resolve("shop.test.", None, 443).await.expect("resolves");
        assert_eq!(got, vec![SocketAddr::from(([127, 0, 0, 1], 9001))]);
        let got = r.resolve("SHOP.test", Some(8080), 443).await.expect("resolves");
        assert_eq!(got, vec![SocketAddr::from(([127, 0, 0, 1], 8080))]);
    }

    #[tokio::test]
    async fn localhost_names_map_to_loopback() {
        let r = resolver(true);
        for host in ["localhost", "app.localhost", "a.b.LOCALHOST."] {
            let got = r.resolve(host, Some(3000), 80).await.expect("resolves");
            assert_eq!(
                got,
                vec![SocketAddr::from(([127, 0, 0, 1], 3000)), SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), 3000),]
            );
        }
        // Not a *.localhost name, just one that contains the word.
        assert!(matches!(resolver(true).lookup("notlocalhost.invalid", None, 80).await, Err(ResolveError::Dns(_))));
    }

    #[tokio::test]
    async fn ip_literals_resolve_to_themselves() {
        let r = resolver(true);
        let got = r.resolve("[::1]", None, 80).await.expect("resolves");
        assert_eq!(got, vec![SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), 80)]);
        let got = r.resolve("127.0.0.2", Some(81), 80).await.expect("resolves");
        assert_eq!(got, vec![SocketAddr::from(([127, 0, 0, 2], 81))]);
    }

    #[tokio::test]
    async fn guard_applies_to_every_source() {
        let r = resolver(false);
        for host in ["shop.test", "localhost", "x.localhost", "127.0.0.1", "[::1]"] {
            assert!(
                matches!(r.resolve(host, None, 80).await, Err(ResolveError::Forbidden { .. })),
                "{host} must be forbidden"
            );
        }
        // Metadata stays forbidden even when private addresses are allowed.
        let r = resolver(true);
        assert!(matches!(
            r.resolve("meta.test", None, 80).await,
            Err(ResolveError::Forbidden { addr }) if addr == IpAddr::from([169, 254, 169, 254])
        ));
    }

    #[tokio::test]
    async fn empty_host_is_a_dns_error() {
        assert!(matches!(resolver(true).resolve("", None, 80).await, Err(ResolveError::Dns(_))));
    }

    #[test]
    fn normalize() {
        assert_eq!(normalize_host("[::1]"), "::1");
        assert_eq!(normalize_host("Example.COM."), "example.com");
        assert_eq!(normalize_host("["), "[");
    }
}

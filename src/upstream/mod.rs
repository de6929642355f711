//! Upstream HTTP client: how Tandem fetches third-party sites for visitors.
//!
//! [`UpstreamClient`] is a pooled HTTP/1.1 + HTTP/2 client (hyper-util over
//! rustls) whose connector resolves names itself and refuses addresses the SSRF
//! policy in [`guard`] forbids, so a visitor cannot make the proxy reach
//! loopback, the LAN or cloud metadata services. Failures come back as
//! [`UpstreamError`], which always names the upstream host and port for the
//! error page.
//!
//! - `client`: the client, its settings and TLS setup.
//! - `connector`: the guarded TCP connector under the TLS layer.
//! - `error`: setup and request errors, and classification of hyper failures.
//! - `resolve`: name resolution (overrides, `*.localhost`, literals, DNS) + guard.
//! - [`guard`]: the address policy itself.

mod client;
mod connector;
mod error;
pub mod guard;
mod resolve;

pub use client::{UpstreamClient, UpstreamSettings};
pub use error::{UpstreamError, UpstreamSetupError};
pub use guard::is_forbidden;

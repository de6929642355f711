//! Tandem: a universal reverse proxy for code-less co-browsing.
//!
//! A request enters [`server`], is matched to a session and an upstream origin
//! ([`origin`], [`session`]), goes up through [`upstream`] and comes back down through
//! the [`rewrite`] filters, driven phase by phase by [`proxy`]. The REST API lives in
//! [`api`]; start-up and settings in [`config`]; webhooks to integrators go out
//! through [`webhook`]; what Tandem counts is exported by [`metrics`].
#![forbid(unsafe_code)]

pub mod api;
pub mod config;
pub mod error;
pub mod injector;
pub mod live;
pub mod metrics;
pub mod origin;
pub mod proxy;
pub mod rewrite;
pub mod rules;
pub mod server;
pub mod session;
pub mod store;
pub mod upstream;
pub mod watch;
pub mod webhook;

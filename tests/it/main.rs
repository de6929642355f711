//! Tandem's integration tests: one binary, one module per capability. Each test starts
//! its own Tandem in-process on a loopback port, in front of the fixture sites of
//! `support::fixtures`, and talks to it as a browser or an integrator would.

mod support;

mod api_browser;
mod api_errors;
mod api_flow;
mod api_openapi;
mod apps;
mod binding;
mod binding_eviction;
mod browser;
mod cookie_endpoint;
mod cookies;
mod deploy;
mod frames;
mod graceful_stop;
mod health;
mod hostile_clients;
mod live_sessions;
mod masking;
mod metrics;
mod mirror_bombs;
mod mirror_capture;
mod mirror_consent;
mod mirror_control;
mod mirror_follow;
mod mirror_relay;
mod mirror_viewer;
mod modules;
mod passthrough;
mod requests;
mod restart;
mod rewriting;
mod runtime;
mod runtime_cookies;
mod runtime_delivery;
mod runtime_messages;
mod sessions;
mod tls_listener;
mod upstream;
mod upstream_failures;
mod visitor_voice;
mod webhooks;
mod websocket;
mod workers;

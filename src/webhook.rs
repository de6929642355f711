//! Webhook delivery: POSTs a JSON document (a session's record, when a session ends) to
//! an integrator's URL in a task of its own, retrying with exponential backoff.
//!
//! Requests go through the [`UpstreamClient`], so a webhook gets the same SSRF guard
//! and `resolve` overrides as a visitor's request: a URL on a private address is
//! refused unless `allow_private_upstreams` is set. Pending deliveries live in memory
//! only; a restart of Tandem drops them.

use std::time::Duration;

use axum::body::Body;
use bytes::Bytes;
use http::header::{CONTENT_TYPE, USER_AGENT};
use http::{HeaderValue, Request, StatusCode};
use http_body_util::BodyExt;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use url::Url;

use crate::config::Config;
use crate::upstream::{UpstreamClient, UpstreamError};

/// Longest wait between two attempts, however many have failed: doubling from the first
/// delay stays below the time a receiver's redeploy or restart usually takes.
pub const MAX_RETRY_DELAY: Duration = Duration::from_secs(5 * 60);
/// Header that numbers the attempts of one delivery from 1, so a receiver can tell a
/// retry (of a request it may have processed before answering badly) from a new event.
pub const ATTEMPT_HEADER: &str = "x-tandem-attempt";
/// The `User-Agent` of every webhook request.
const USER_AGENT_VALUE: &str = concat!("Tandem-Webhook/", env!("CARGO_PKG_VERSION"));

/// How often and how patiently a delivery is tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included; at least 1.
    pub attempts: u32,
    /// Wait after the first failed attempt; it doubles after each further failure, up
    /// to [`MAX_RETRY_DELAY`].
    pub first_retry: Duration,
    /// Time one attempt may take, from connecting until the response headers.
    pub timeout: Duration,
}

impl RetryPolicy {
    /// The policy the configuration describes.
    pub fn from_config(config: &Config) -> Self {
        Self {
            attempts: config.webhook_attempts,
            first_retry: Duration::from_millis(config.webhook_first_retry_ms),
            timeout: Duration::from_millis(config.webhook_timeout_ms),
        }
    }

    /// The wait after failed attempt `attempt` (1-based) before the next one.
    pub fn delay_after(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1);
        let factor = 2u32.checked_pow(doublings).unwrap_or(u32::MAX);
        self.first_retry.saturating_mul(factor).min(MAX_RETRY_DELAY)
    }
}

/// How a delivery ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// The receiver answered 2xx to attempt number `attempts`.
    Delivered {
        /// Attempts made, the successful one included.
        attempts: u32,
    },
    /// Every attempt failed, or the URL can never be delivered to (not http(s), or an
    /// address the SSRF guard refuses), which ends the delivery at once.
    GaveUp {
        /// Attempts made.
        attempts: u32,
    },
}

/// Sends webhooks in the background. Cheap to clone.
#[derive(Debug, Clone)]
pub struct WebhookSender {
    client: UpstreamClient,
    policy: RetryPolicy,
}

/// Why one attempt failed, and whether trying again can help.
enum Failure {
    /// Worth retrying: the receiver may be down or overloaded for now.
    Transient(String),
    /// Retrying cannot help: the URL is unusable or refused by policy.
    Permanent(String),
}

impl WebhookSender {
    /// A sender that uses `client` for every request, retrying as `config` says.
    pub fn new(client: UpstreamClient, config: &Config) -> Self {
        Self { client, policy: RetryPolicy::from_config(config) }
    }

    /// Starts delivering `body` to `url` and returns at once; must be called within the
    /// Tokio runtime. Dropping the handle leaves the delivery running; awaiting it tells
    /// how the delivery ended.
    pub fn deliver(&self, url: Url, body: serde_json::Value) -> JoinHandle<Delivery> {
        let sender = self.clone();
        let body = Bytes::from(body.to_string());
        tokio::spawn(async move { sender.run(url, body).await })
    }

    async fn run(self, url: Url, body: Bytes) -> Delivery {
        let shown = loggable(&url);
        let attempts = self.policy.attempts.max(1);
        for attempt in 1..=attempts {
            let error = match self.attempt(&url, body.clone(), attempt).await {
                Ok(status) => {
                    tracing::info!(url = %shown, attempt, %status, "webhook delivered");
                    return Delivery::Delivered { attempts: attempt };
                }
                Err(Failure::Permanent(error)) => {
                    tracing::warn!(url = %shown, attempt, %error, "webhook not deliverable; giving up");
                    return Delivery::GaveUp { attempts: attempt };
                }
                Err(Failure::Transient(error)) => error,
            };
            if attempt == attempts {
                tracing::warn!(url = %shown, attempt, %error, "webhook attempt failed; giving up");
                break;
            }
            let delay = self.policy.delay_after(attempt);
            tracing::warn!(url = %shown, attempt, %error, next_delay_ms = delay.as_millis(), "webhook attempt failed");
            tokio::time::sleep(delay).await;
        }
        Delivery::GaveUp { attempts }
    }

    /// One POST; `Ok` with the status when it is 2xx.
    async fn attempt(&self, url: &Url, body: Bytes, attempt: u32) -> Result<StatusCode, Failure> {
        let request = Request::post(url.as_str())
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .header(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE))
            .header(ATTEMPT_HEADER, attempt)
            .body(Body::from(body))
            .map_err(|e| Failure::Permanent(format!("unusable URL: {e}")))?;
        let deadline = Instant::now() + self.policy.timeout;
        let response = match tokio::time::timeout_at(deadline, self.client.send(request)).await {
            Err(_elapsed) => return Err(Failure::Transient(format!("no answer within {:?}", self.policy.timeout))),
            Ok(Err(e @ (UpstreamError::InvalidUri { .. } | UpstreamError::Forbidden { .. }))) => {
                return Err(Failure::Permanent(e.to_string()));
            }
            Ok(Err(e)) => return Err(Failure::Transient(e.to_string())),
            Ok(Ok(response)) => response,
        };
        let status = response.status();
        // Reading the body to its end lets the pool reuse the connection. The status has
        // decided the attempt already: a receiver slow to finish its body must not turn a
        // delivered event into a retry, so this only gets what is left of the deadline.
        let mut body = response.into_body();
        let drained = tokio::time::timeout_at(deadline, async {
            while let Some(frame) = body.frame().await {
                frame?;
            }
            Ok::<(), hyper::Error>(())
        })
        .await;
        if !matches!(drained, Ok(Ok(()))) {
            tracing::debug!(url = %loggable(url), attempt, "webhook response body not read to its end");
        }
        if status.is_success() { Ok(status) } else { Err(Failure::Transient(format!("answered {status}"))) }
    }
}

/// `url` without what may be secret in it (query, fragment, credentials): receivers
/// often authenticate webhooks with a token in the query.
fn loggable(url: &Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    shown.set_fragment(None);
    // Both fail only on URLs that cannot have credentials, which then have none to hide.
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_from_the_first_and_stop_at_the_cap() {
        let policy =
            RetryPolicy { attempts: 40, first_retry: Duration::from_millis(1000), timeout: Duration::from_secs(1) };
        let delays: Vec<u64> = (1..=5).map(|n| policy.delay_after(n).as_millis() as u64).collect();
        assert_eq!(delays, [1000, 2000, 4000, 8000, 16000]);
        assert_eq!(policy.delay_after(10), MAX_RETRY_DELAY);
        assert_eq!(policy.delay_after(u32::MAX), MAX_RETRY_DELAY);
    }

    #[test]
    fn logged_urls_keep_no_query_fragment_or_credentials() {
        let url = Url::parse("https://user:pw@hooks.example.com:8443/in/tandem?token=s3cret#frag").expect("url");
        assert_eq!(loggable(&url), "https://hooks.example.com:8443/in/tandem");
        let odd = Url::parse("mailto:someone@example.com?subject=x").expect("url");
        assert_eq!(loggable(&odd), "mailto:someone@example.com");
    }
}

//! Webhook delivery: a session's record reaches the integrator's receiver, failed
//! attempts (an error status, a receiver that hangs past the attempt's timeout, a closed
//! port) are retried with backoff up to the configured number of attempts, and the
//! caller is never held up. The tests drive a sender built the way Tandem builds its
//! own, from its upstream client and configuration, without a co-browsing session.

use std::time::{Duration, Instant};

use http::{StatusCode, header};
use serde_json::json;
use tandem::webhook::{ATTEMPT_HEADER, Delivery, RetryPolicy, WebhookSender};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use url::Url;

use crate::support::webhook_receiver::{Answer, Receiver};
use crate::support::{Tandem, bounded};

/// Attempts in the tests' policy.
const ATTEMPTS: u32 = 4;

/// Tandem allowed to reach the loopback receiver, with short delays: 20 ms after the
/// first failure, then 40, 80...
async fn tandem(timeout_ms: u64) -> Tandem {
    Tandem::start(|config| {
        config.allow_private_upstreams = true;
        config.webhook_attempts = ATTEMPTS;
        config.webhook_first_retry_ms = 20;
        config.webhook_timeout_ms = timeout_ms;
    })
    .await
}

/// Tandem's webhook sender: its upstream client (SSRF guard included) and its settings.
fn webhooks(tandem: &Tandem) -> WebhookSender {
    WebhookSender::new(tandem.state.upstream.clone(), &tandem.state.config)
}

fn record() -> serde_json::Value {
    json!({ "id": "sess_1", "visitor": "v_abc", "agents": [{ "id": "agent-7" }], "metadata": { "ticket": "T-42" } })
}

async fn outcome(handle: JoinHandle<Delivery>) -> Delivery {
    bounded("the delivery ends", handle).await.expect("the delivery task does not panic")
}

#[tokio::test]
async fn a_failed_attempt_is_retried_with_the_same_body_and_the_next_number() {
    let tandem = tandem(5_000).await;
    let mut receiver =
        Receiver::start(&[Answer::Status(StatusCode::INTERNAL_SERVER_ERROR), Answer::Status(StatusCode::OK)]).await;

    let delivery = webhooks(&tandem).deliver(receiver.url(), record());

    assert_eq!(outcome(delivery).await, Delivery::Delivered { attempts: 2 });
    let hits = receiver.wait_for(2).await;
    assert_eq!(hits.len(), 2, "{hits:?}");
    for (n, hit) in hits.iter().enumerate() {
        assert_eq!(hit.header(ATTEMPT_HEADER), (n + 1).to_string());
        assert_eq!(hit.header(header::CONTENT_TYPE.as_str()), "application/json");
        assert!(hit.header(header::USER_AGENT.as_str()).starts_with("Tandem-Webhook/"), "{hit:?}");
        let sent: serde_json::Value = serde_json::from_slice(&hit.body).expect("a JSON body");
        assert_eq!(sent, record());
    }
    assert_eq!(hits[0].body, hits[1].body);
}

#[tokio::test]
async fn a_receiver_that_always_fails_gets_every_attempt_and_then_no_more() {
    let tandem = tandem(5_000).await;
    let mut receiver = Receiver::start(&[Answer::Status(StatusCode::SERVICE_UNAVAILABLE)]).await;

    let delivery = webhooks(&tandem).deliver(receiver.url(), record());

    receiver.wait_for(ATTEMPTS as usize).await;
    assert_eq!(outcome(delivery).await, Delivery::GaveUp { attempts: ATTEMPTS });
    // Another attempt would come after the next backoff at the latest: wait well past it.
    let policy = RetryPolicy::from_config(&tandem.state.config);
    tokio::time::sleep(policy.delay_after(ATTEMPTS) * 4).await;
    let numbers: Vec<String> = receiver.hits().iter().map(|hit| hit.header(ATTEMPT_HEADER).to_owned()).collect();
    assert_eq!(numbers, ["1", "2", "3", "4"]);
}

#[tokio::test]
async fn an_attempt_that_outlasts_its_timeout_is_retried() {
    let timeout = Duration::from_millis(300);
    let tandem = tandem(timeout.as_millis() as u64).await;
    let mut receiver = Receiver::start(&[Answer::Hang, Answer::Status(StatusCode::NO_CONTENT)]).await;

    let started = Instant::now();
    let delivery = webhooks(&tandem).deliver(receiver.url(), record());

    assert_eq!(outcome(delivery).await, Delivery::Delivered { attempts: 2 });
    assert!(started.elapsed() >= timeout, "the second attempt came before the first timed out");
    let numbers: Vec<String> = receiver.wait_for(2).await.iter().map(|h| h.header(ATTEMPT_HEADER).to_owned()).collect();
    assert_eq!(numbers, ["1", "2"]);
}

#[tokio::test]
async fn a_closed_port_is_retried_and_then_given_up() {
    let tandem = tandem(5_000).await;
    let closed = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = closed.local_addr().expect("address").port();
    drop(closed);
    let url = Url::parse(&format!("http://127.0.0.1:{port}/hooks")).expect("url");

    let delivery = webhooks(&tandem).deliver(url, record());

    assert_eq!(outcome(delivery).await, Delivery::GaveUp { attempts: ATTEMPTS });
}

/// `#[tokio::test]` runs on one thread: the delivery task cannot start before the test
/// yields, so a `deliver` that did any of the work itself would be seen here.
#[tokio::test]
async fn deliver_returns_at_once_even_when_the_receiver_hangs() {
    let tandem = tandem(60_000).await;
    let mut receiver = Receiver::start(&[Answer::Hang]).await;

    let started = Instant::now();
    let delivery = webhooks(&tandem).deliver(receiver.url(), record());
    assert!(started.elapsed() < Duration::from_secs(1), "deliver took {:?}", started.elapsed());
    assert!(receiver.hits().is_empty(), "deliver sent the request itself");

    receiver.wait_for(1).await;
    tokio::task::yield_now().await;
    assert!(!delivery.is_finished(), "the hanging attempt is still waiting for its answer");
    delivery.abort();
}

#[tokio::test]
async fn urls_that_can_never_be_delivered_to_are_given_up_at_once() {
    // The SSRF guard refuses loopback unless told otherwise, as for any upstream.
    let tandem = Tandem::start(|config| config.webhook_first_retry_ms = 20).await;
    let receiver = Receiver::start(&[Answer::Status(StatusCode::OK)]).await;
    let ftp = Url::parse(&format!("ftp://127.0.0.1:{}/hooks", receiver.site.addr.port())).expect("url");
    for url in [receiver.url(), ftp, Url::parse("mailto:ops@hooks.test").expect("url")] {
        let delivery = webhooks(&tandem).deliver(url.clone(), record());
        assert_eq!(outcome(delivery).await, Delivery::GaveUp { attempts: 1 }, "{url}");
    }
    assert!(receiver.hits().is_empty(), "{:?}", receiver.hits());
}

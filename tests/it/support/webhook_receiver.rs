//! An integrator's webhook receiver on loopback: it records every request and answers
//! as the test scripts it (a status, or never), for the webhook and session tests.

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use tokio::sync::watch;
use url::Url;

use super::bounded;
use super::local_site::LocalSite;

/// What the receiver answers to one attempt.
#[derive(Clone, Copy, Debug)]
pub enum Answer {
    /// Answers with this status.
    Status(StatusCode),
    /// Takes the request and never answers.
    Hang,
}

/// One request as the receiver saw it.
#[derive(Clone, Debug)]
pub struct Hit {
    /// Its headers.
    pub headers: HeaderMap,
    /// Its body.
    pub body: Bytes,
}

impl Hit {
    /// Its body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    /// A header's value, empty when absent.
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
    }
}

#[derive(Clone)]
struct Script {
    /// The answer to the n-th request (0-based); the last one repeats.
    answers: &'static [Answer],
    hits: watch::Sender<Vec<Hit>>,
}

/// An integrator's webhook receiver on loopback that records every request.
pub struct Receiver {
    /// Where it listens.
    pub site: LocalSite,
    hits: watch::Receiver<Vec<Hit>>,
}

impl Receiver {
    /// A receiver that accepts every delivery.
    pub async fn accepting() -> Receiver {
        Receiver::start(&[Answer::Status(StatusCode::OK)]).await
    }

    /// The `n`-th delivery (1-based), waiting for it.
    pub async fn delivery(&mut self, n: usize) -> Hit {
        self.wait_for(n).await[n - 1].clone()
    }

    /// Starts a receiver answering `answers` in turn (the last one repeats).
    pub async fn start(answers: &'static [Answer]) -> Receiver {
        let (hits, watched) = watch::channel(Vec::new());
        let app = Router::new().route("/hooks/tandem", post(receive)).with_state(Script { answers, hits });
        let site = LocalSite::start("the webhook receiver", |_| app).await;
        Receiver { site, hits: watched }
    }

    /// Its URL, with the kind of secret an integrator puts in the query.
    pub fn url(&self) -> Url {
        Url::parse(&format!("{}/hooks/tandem?token=s3cret", self.site.url())).expect("receiver URL")
    }

    /// Every request so far.
    pub fn hits(&self) -> Vec<Hit> {
        self.hits.borrow().clone()
    }

    /// Waits until at least `count` requests arrived.
    pub async fn wait_for(&mut self, count: usize) -> Vec<Hit> {
        let hits = bounded(&format!("{count} webhook attempts"), self.hits.wait_for(|hits| hits.len() >= count)).await;
        hits.expect("the receiver is running").clone()
    }
}

async fn receive(State(script): State<Script>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let mut seen = 0;
    script.hits.send_modify(|hits| {
        seen = hits.len();
        hits.push(Hit { headers, body });
    });
    let last = script.answers.len() - 1;
    match script.answers[seen.min(last)] {
        Answer::Status(status) => status,
        Answer::Hang => std::future::pending().await,
    }
}

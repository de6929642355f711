//! Stopping gracefully: on the stop signal Tandem takes no new connection, finishes
//! what is in flight, and returns as soon as nothing is open (at the latest after
//! `shutdown_grace_ms`), so the binary can save its sessions and exit.

use std::time::Duration;

use axum::Router;
use http::{Method, StatusCode, header};
use http_body_util::BodyExt;

use crate::support::api::eventually;
use crate::support::local_site::LocalSite;
use crate::support::{Endpoint, bounded, config_on_free_port};

#[tokio::test]
async fn a_stopping_tandem_finishes_the_response_in_flight_and_takes_no_new_connection() {
    let (finish, finished) = tokio::sync::oneshot::channel::<()>();
    let finished = std::sync::Arc::new(std::sync::Mutex::new(Some(finished)));
    let site = LocalSite::start("a slow site", move |_| {
        Router::new().route(
            "/slow",
            axum::routing::get(move || async move {
                let rest = finished.lock().expect("the site's lock").take();
                let (tx, body) = crate::support::channel_body(1);
                tokio::spawn(async move {
                    let _ = tx.send("first, ".into()).await;
                    if let Some(rest) = rest {
                        let _ = rest.await;
                    }
                    let _ = tx.send("last".into()).await;
                });
                ([(header::CONTENT_TYPE, "text/plain")], body)
            }),
        )
    })
    .await;
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = config_on_free_port(dir.path());
    config.allow_private_upstreams = true;
    config.resolve.insert("slow.test".into(), site.addr);
    config.shutdown_grace_ms = 10_000;
    let addr = config.listen;
    let main = tokio::net::TcpListener::bind(addr).await.expect("bind");
    let app = tandem::server::App::new(config).expect("Tandem starts");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let stopping = async move {
        let _ = stopped.await;
    };
    let serving = tokio::spawn(app.run(tandem::server::Listeners { main, redirect: None }, stopping));

    let visitor = Endpoint::plain(addr).visitor("http://slow.test/slow").await;
    let response = visitor.open(visitor.request(Method::GET, &visitor.landing)).await;
    assert_eq!(response.status(), StatusCode::OK);
    stop.send(()).expect("Tandem is running");
    eventually("new connections to be refused", || async {
        tokio::net::TcpStream::connect(addr).await.is_err().then_some(())
    })
    .await;
    finish.send(()).expect("the site is waiting");
    let body = bounded("the rest of the response", response.into_body().collect()).await.expect("the whole body");
    assert_eq!(body.to_bytes(), "first, last", "the response in flight was finished");
    let started = tokio::time::Instant::now();
    bounded("Tandem to stop", serving).await.expect("the task").expect("a clean stop");
    assert!(started.elapsed() < Duration::from_secs(5), "it stopped once nothing was open, not at the grace's end");
}

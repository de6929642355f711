//! The operator's probes: `/healthz` (the process answers) and `/readyz` (it can serve:
//! the listener is up and the store takes writes), on the control side.

use http::StatusCode;
use tandem::server::DATABASE_FILE;

use crate::support::{Tandem, get};

/// Another process holding the database's write lock (an operator's `sqlite3` in a
/// transaction, a second Tandem on the same data directory) leaves Tandem alive but
/// unable to record anything: `/readyz` says so with a 503 and the reason, and says
/// ready again once the lock is gone; `/healthz` stays 200 throughout.
#[tokio::test]
async fn readyz_is_unready_while_the_store_cannot_take_a_write() {
    let tandem = Tandem::start(|_| {}).await;
    let probe = |path: &'static str| {
        let tandem = &tandem;
        async move { tandem.send(get(&tandem.control_url(path))).await }
    };
    assert_eq!(probe("/healthz").await.status, StatusCode::OK);
    let ready = probe("/readyz").await;
    assert_eq!((ready.status, ready.json()["status"].as_str()), (StatusCode::OK, Some("ready")), "{}", ready.text());

    let database = tandem.state.config.data_dir.join(DATABASE_FILE);
    let other = rusqlite::Connection::open(&database).expect("a second connection to the database");
    other.execute_batch("BEGIN IMMEDIATE").expect("the write lock");
    let unready = probe("/readyz").await;
    assert_eq!(unready.status, StatusCode::SERVICE_UNAVAILABLE, "{}", unready.text());
    assert_eq!(unready.json()["status"], "unready");
    assert!(!unready.json()["reason"].as_str().unwrap_or_default().is_empty(), "{}", unready.text());
    assert_eq!(probe("/healthz").await.status, StatusCode::OK, "alive while unready");

    other.execute_batch("ROLLBACK").expect("the lock let go");
    let again = probe("/readyz").await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text());
}

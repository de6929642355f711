//! Datasette (PyPI `datasette`) serving a small sqlite database made at test time by
//! `tests/apps/datasette/make_db.py`, started with `--root` for its login link.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use super::{AppProcess, apps_dir, assert_only_tandem_cookies, existing, run_to_completion, tandem_for, venv_bin};
use crate::support::browser::run_scenario;

/// The name the site has through Tandem (resolved to the app's loopback port).
pub(super) const HOST: &str = "data.example.test";
pub(super) const TABLE_PATH: &str = "/birds/birds";
const API_PATH: &str = "/birds/birds.json?_search=heron&_shape=array";

/// One Datasette server and the one-use token of its root login link.
pub(super) struct Datasette {
    pub(super) server: AppProcess,
    token: String,
}

impl Datasette {
    /// Serves `db` on a free port with `--root`.
    pub(super) async fn start(db: &Path) -> Datasette {
        let datasette = venv_bin("datasette");
        let server = AppProcess::start("Datasette", "/-/versions.json", |port| {
            let mut command = Command::new(&datasette);
            command.arg("serve").arg(db).args(["--root", "-h", "127.0.0.1", "-p", &port.to_string()]);
            command
        })
        .await;
        // `--root` prints `http://127.0.0.1:PORT/-/auth-token?token=...` before serving.
        let deadline = Instant::now() + Duration::from_secs(5);
        let token = loop {
            let output = server.output();
            if let Some(token) = output.split("/-/auth-token?token=").nth(1).and_then(|t| t.split_whitespace().next()) {
                break token.to_owned();
            }
            assert!(Instant::now() < deadline, "datasette --root printed no login link:\n{output}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        Datasette { server, token }
    }
}

/// Creates the birds database in `dir`; returns its path.
pub(super) fn make_db(dir: &Path) -> PathBuf {
    let db = dir.join("birds.db");
    run_to_completion(
        "make_db.py",
        Command::new(venv_bin("python")).arg(existing(apps_dir("datasette/make_db.py"))).arg(&db),
    );
    db
}

/// Runs the Datasette scenario against `base_url` (Tandem's `entry_url` first, if any).
async fn drive(base_url: &str, entry_url: Option<&str>, token: &str) -> serde_json::Value {
    let args = serde_json::json!({
        "base_url": base_url,
        "entry_url": entry_url,
        "table_path": TABLE_PATH,
        "search": "wetland",
        "api_path": API_PATH,
        "api_pages_path": format!("{TABLE_PATH}.json?_size=3"),
        "token": token,
    });
    run_scenario("app_datasette", &args).await
}

/// The results' keys that must be equal directly and through Tandem.
const SAME_ON_BOTH_SIDES: &[&str] = &[
    "table",
    "all_rows",
    "search_box",
    "searched",
    "search_value",
    "search_rows",
    "api_status",
    "api_json",
    "csv",
    "facet",
    "facet_value",
    "facet_rows",
    "next_page",
    "next_page_rows",
    "sorted_desc",
    "sorted_desc_rows",
    "after_login",
    "actor",
    "actor_json",
    "after_logout",
    "logout_message",
    "actor_after_logout",
    "foreign_urls",
];

/// Search form, JSON API via fetch, CSV download, links written as absolute URLs, root
/// login link and logout: directly (which must
/// behave as described), then through Tandem (which must behave the same, with no
/// cookie of Datasette's in the browser).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn datasette_search_api_csv_links_and_root_login_directly_and_through_tandem() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = make_db(dir.path());
    // The root login link works once per process: one server for each side.
    let (direct_app, proxied_app) = tokio::join!(Datasette::start(&db), Datasette::start(&db));

    let direct = drive(&direct_app.server.direct_url(), None, &direct_app.token).await;
    let expect = |key: &str, value: serde_json::Value| assert_eq!(direct[key], value, "directly: {key}: {direct:#}");
    expect("table", TABLE_PATH.into());
    assert_eq!(direct["all_rows"].as_array().map(Vec::len), Some(8), "{direct:#}");
    expect("search_box", true.into());
    expect("searched", TABLE_PATH.into());
    expect("search_value", "wetland".into());
    expect("search_rows", serde_json::json!(["Grey heron", "Little egret", "Common redshank"]));
    expect("api_status", 200.into());
    expect("api_json", serde_json::json!([{ "id": 1, "name": "Grey heron", "habitat": "wetland" }]));
    let next_path = format!("{TABLE_PATH}.json?_size=3&_next=3");
    let next_rows = serde_json::json!(["Eurasian wren", "Great spotted woodpecker", "Barn owl"]);
    let next_url = format!("{}{next_path}", direct_app.server.direct_url());
    expect("api_next", serde_json::json!({ "next_url": next_url, "status": 200, "rows": next_rows }));
    expect(
        "csv",
        serde_json::json!({
            "origin_ok": true,
            "path": format!("{TABLE_PATH}.csv?_dl=on&_search=wetland&_sort=id&_size=max"),
            "name": "birds.csv",
            "text": "id,name,habitat\r\n1,Grey heron,wetland\r\n2,Little egret,wetland\r\n8,Common redshank,wetland\r\n",
        }),
    );
    expect("facet", format!("{TABLE_PATH}?_facet=habitat").into());
    expect("facet_value", format!("{TABLE_PATH}?_facet=habitat&habitat=farmland").into());
    expect("facet_rows", serde_json::json!(["Barn owl", "Skylark"]));
    expect("next_page", format!("{TABLE_PATH}?_size=3&_next=3").into());
    expect("next_page_rows", serde_json::json!(["Eurasian wren", "Great spotted woodpecker", "Barn owl"]));
    expect("sorted_desc", format!("{TABLE_PATH}?_sort_desc=name").into());
    assert_eq!(direct["sorted_desc_rows"][0], "Skylark", "{direct:#}");
    expect("after_login", "/".into());
    expect("actor", "root".into());
    expect("actor_json", serde_json::json!({ "actor": { "id": "root" } }));
    expect("after_logout", "/".into());
    expect("logout_message", "You are now logged out".into());
    expect("actor_after_logout", serde_json::json!({ "actor": null }));
    expect("foreign_urls", serde_json::json!([]));
    expect("runtime", serde_json::Value::Null);
    expect("cookies_after_login", serde_json::json!(["ds_actor", "ds_csrftoken"]));

    let tandem = tandem_for(HOST, &proxied_app.server).await;
    let upstream = format!("http://{HOST}");
    let session = tandem.create_session(&format!("{upstream}{TABLE_PATH}")).await;
    let proxied = drive(&session.origin(&upstream), Some(&session.proxy_url), &proxied_app.token).await;
    for key in SAME_ON_BOTH_SIDES {
        assert_eq!(proxied[key], direct[key], "{key} differs through Tandem: {proxied:#}\ndirectly: {direct:#}");
    }
    // The page read Datasette's real absolute next_url and fetched it: Tandem's runtime
    // sent that fetch to the site's label.
    let next_url = format!("{upstream}{next_path}");
    assert_eq!(
        proxied["api_next"],
        serde_json::json!({ "next_url": next_url, "status": 200, "rows": next_rows }),
        "{proxied:#}"
    );
    assert!(proxied["runtime"].is_number(), "Tandem's runtime did not run in Datasette: {proxied:#}");
    assert_only_tandem_cookies(&proxied, "cookies", &session.cookie_name());
    assert_only_tandem_cookies(&proxied, "cookies_after_login", &session.cookie_name());
}

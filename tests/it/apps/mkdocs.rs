//! A documentation site built with mkdocs-material (PyPI `mkdocs-material`) from
//! `tests/apps/mkdocs/` at test time, served as static files: instant navigation (fetch
//! and pushState) and search in material's Web Worker.

use std::path::Path;
use std::process::Command;

use super::{apps_dir, assert_only_tandem_cookies, existing, run_to_completion, static_server, tandem_for, venv_bin};
use crate::support::browser::run_scenario;

/// The name the site has through Tandem (resolved to the static server's port).
pub(super) const HOST: &str = "docs.example.test";

/// Builds the site into `site` for a browser that sees it on `port` (material's instant
/// navigation needs `site_url` to name that port, as a real deployment does).
pub(super) fn build(site: &Path, port: u16) {
    run_to_completion(
        "mkdocs build",
        Command::new(venv_bin("mkdocs"))
            .args(["build", "--quiet", "--strict", "-f"])
            .arg(existing(apps_dir("mkdocs/mkdocs.yml")))
            .arg("-d")
            .arg(site)
            .env("TANDEM_SITE_URL", format!("http://{HOST}:{port}/"))
            .env("NO_MKDOCS_2_WARNING", "1"),
    );
}

/// Runs the mkdocs scenario against `base_url` (Tandem's `entry_url` first, if any).
async fn drive(base_url: &str, entry_url: Option<&str>) -> serde_json::Value {
    let args = serde_json::json!({
        "base_url": base_url,
        "entry_url": entry_url,
        "link": "wetlands",
        "query": "heron",
    });
    run_scenario("app_mkdocs", &args).await
}

/// The results' keys that must be equal directly and through Tandem.
const SAME_ON_BOTH_SIDES: &[&str] = &["home_title", "instant", "back", "search", "workers", "foreign_urls"];

/// Builds the site once for each side, serves it, and reads it directly and through
/// Tandem.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mkdocs_material_instant_navigation_and_search_worker_directly_and_through_tandem() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (direct_site, proxied_site) = (dir.path().join("direct"), dir.path().join("proxied"));
    std::fs::create_dir(&direct_site).expect("site dir");
    std::fs::create_dir(&proxied_site).expect("site dir");
    let server = static_server("mkdocs site", &direct_site).await;
    let proxied_server = static_server("mkdocs site (through Tandem)", &proxied_site).await;
    build(&direct_site, server.addr.port());

    let direct = drive(&server.direct_url(), None).await;
    let expect = |key: &str, value: serde_json::Value| assert_eq!(direct[key], value, "directly: {key}: {direct:#}");
    expect("home_title", "Bird notes".into());
    expect(
        "instant",
        serde_json::json!({
            "path": "/wetlands/",
            "title": "Wetland birds",
            "same_window": true,
            "navigations": 1,
            "headings": ["Grey heron", "Little egret"],
        }),
    );
    expect("back", serde_json::json!({ "path": "/", "title": "Bird notes", "same_window": true }));
    assert_eq!(direct["search"]["meta"], "1 matching document", "{direct:#}");
    assert_eq!(direct["search"]["titles"], serde_json::json!(["Wetland birds"]), "{direct:#}");
    let workers = direct["workers"].as_array().expect("workers");
    assert!(
        workers.len() == 1 && workers[0].as_str().is_some_and(|w| w.starts_with("/assets/javascripts/workers/search.")),
        "directly: material's search worker did not start: {direct:#}"
    );
    expect("foreign_urls", serde_json::json!([]));
    expect("runtime", serde_json::Value::Null);

    let tandem = tandem_for(HOST, &proxied_server).await;
    build(&proxied_site, tandem.addr.port());
    let upstream = format!("http://{HOST}");
    let session = tandem.create_session(&format!("{upstream}/")).await;
    let proxied = drive(&session.origin(&upstream), Some(&session.proxy_url)).await;
    for key in SAME_ON_BOTH_SIDES {
        assert_eq!(proxied[key], direct[key], "{key} differs through Tandem: {proxied:#}\ndirectly: {direct:#}");
    }
    assert!(proxied["runtime"].is_number(), "Tandem's runtime did not run in the mkdocs site: {proxied:#}");
    assert_only_tandem_cookies(&proxied, "cookies", &session.cookie_name());
}

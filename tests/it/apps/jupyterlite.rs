//! JupyterLite (PyPI `jupyterlite-core` with `jupyterlite-echo-kernel`), a JupyterLab
//! site built at test time from `tests/apps/jupyterlite/` with `jupyter lite build`
//! (offline: the app ships in the wheels) and served as static files: its service worker
//! controls the page, a notebook made from the launcher runs a cell on the echo kernel.

use std::path::Path;
use std::process::Command;

use super::static_files::{Served, StaticFiles};
use super::{apps_dir, assert_only_tandem_cookies, existing, run_to_completion, tandem_at, venv_bin};
use crate::support::browser::run_scenario;

/// The name the site has through Tandem (resolved to the static server's port).
pub(super) const HOST: &str = "lite.example.test";
/// The lab's page.
pub(super) const LAB_PATH: &str = "/lab/index.html";
/// What the test types into the first cell (the echo kernel answers it back).
const CODE: &str = "grey heron, little egret";

/// Builds the site into `dir/site`, working in `dir/lite` (the build keeps its state
/// next to its configuration: never in `tests/apps`).
pub(super) fn build(dir: &Path) -> std::path::PathBuf {
    let lite = dir.join("lite");
    std::fs::create_dir(&lite).expect("lite dir");
    for file in ["jupyter_lite_config.json", "jupyter-lite.json"] {
        std::fs::copy(existing(apps_dir(&format!("jupyterlite/{file}"))), lite.join(file)).expect("copy the config");
    }
    let site = dir.join("site");
    run_to_completion(
        "jupyter lite build",
        Command::new(venv_bin("jupyter-lite")).arg("build").arg("--output-dir").arg(&site).current_dir(&lite),
    );
    site
}

/// Runs the scenario against `base_url` (Tandem's `entry_url` first, if any).
async fn drive(base_url: &str, entry_url: Option<&str>) -> serde_json::Value {
    let args = serde_json::json!({ "base_url": base_url, "entry_url": entry_url, "lab_path": LAB_PATH, "code": CODE });
    run_scenario("app_jupyterlite", &args).await
}

/// The results' keys that must be equal directly and through Tandem.
const SAME_ON_BOTH_SIDES: &[&str] = &["service_worker", "notebook", "resource_origins", "foreign_requests"];

/// The paths the static server answered with an error (JupyterLite probes for optional
/// files), without their query, sorted and deduplicated.
fn refused_paths(served: &[Served]) -> Vec<String> {
    let mut paths: Vec<String> = served
        .iter()
        .filter(|s| s.status.is_client_error() || s.status.is_server_error())
        .map(|s| s.target.split('?').next().unwrap_or_default().to_owned())
        .collect();
    paths.sort();
    paths.dedup();
    paths
}

/// The service worker controls the lab and a cell runs on the echo kernel, directly and
/// through Tandem.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jupyterlite_service_worker_controls_the_lab_and_a_cell_runs_directly_and_through_tandem() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = StaticFiles::start(&build(dir.path()), None).await;

    let direct = drive(&server.direct_url(), None).await;
    let expect = |key: &str, value: serde_json::Value| assert_eq!(direct[key], value, "directly: {key}: {direct:#}");
    expect(
        "service_worker",
        serde_json::json!({
            "script": "/service-worker.js",
            "scope": "/",
            "claimed": true,
            "after_reload": "/service-worker.js",
            "navigation_via_worker": true,
        }),
    );
    expect(
        "notebook",
        serde_json::json!({ "tab": "Untitled.ipynb", "kernel": "Echo", "prompt": "[1]:", "output": CODE }),
    );
    expect("resource_origins", serde_json::json!(["base"]));
    expect("foreign_requests", serde_json::json!([]));
    expect("runtime", serde_json::Value::Null);
    expect("worker_runtime", serde_json::json!([null]));
    let direct_served = server.served();

    let tandem = tandem_at(HOST, server.addr).await;
    let upstream = format!("http://{HOST}");
    let session = tandem.create_session(&format!("{upstream}{LAB_PATH}")).await;
    let proxied = drive(&session.origin(&upstream), Some(&session.proxy_url)).await;
    for key in SAME_ON_BOTH_SIDES {
        assert_eq!(proxied[key], direct[key], "{key} differs through Tandem: {proxied:#}\ndirectly: {direct:#}");
    }
    assert!(proxied["runtime"].is_number(), "Tandem's runtime did not run in the lab: {proxied:#}");
    assert_eq!(
        proxied["worker_runtime"],
        serde_json::json!([1]),
        "Tandem's worker part is not in the service worker: {proxied:#}"
    );
    assert_only_tandem_cookies(&proxied, "cookies", &session.cookie_name());

    let through_tandem = &server.served()[direct_served.len()..];
    let strays: Vec<&Served> = through_tandem.iter().filter(|s| s.host != HOST).collect();
    assert!(strays.is_empty(), "requests through Tandem under another host name: {strays:#?}");
    assert_eq!(refused_paths(through_tandem), refused_paths(&direct_served), "the upstream refused other requests");
}

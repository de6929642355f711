//! The live mirror on real apps: how much of the visitor's page the agent's rebuilt copy
//! shows pixel for pixel, on Django's admin (logged in) and on the mkdocs-material site.
//! Fonts, stylesheets and images reach the copy through the viewer's asset endpoint, so
//! a share well below the threshold means part of the page did not come across.

use serde_json::{Value, json};

use super::{django_admin, mkdocs, static_server, tandem_for};
use crate::support::browser::run_scenario;
use crate::support::{Session, Tandem};

/// Least share of matching pixels kept between the visitor's view and the agent's.
/// Measured on this machine: see BENCHMARKS.md ("Live mirror: how alike").
const MIN_SHARE: f64 = 0.97;

async fn compare(tandem: &Tandem, session: &Session, name: &str, ready: &str, login: Value) -> Value {
    let mut args = tandem.scenario_args(session);
    args["name"] = name.into();
    args["ready_selector"] = ready.into();
    args["login"] = login;
    let result = run_scenario("app_mirror_similarity", &args).await;
    eprintln!("mirror similarity of {name}: {:.4} ({})", result["share"], result["screenshots"]);
    assert_eq!(result["zoom"], "100%", "{result:#}");
    assert_eq!(result["replay_title"], result["visitor_title"], "{result:#}");
    let share = result["share"].as_f64().expect("share");
    assert!(share >= MIN_SHARE, "{name}: only {share:.4} of the pixels match: {result:#}");
    result
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mirror_of_django_admin_matches_the_visitors_view() {
    let django = django_admin::Django::start().await;
    let tandem = tandem_for(django_admin::HOST, &django.server).await;
    let session = tandem.create_session(&format!("http://{}/admin/", django_admin::HOST)).await;
    let login = json!({"user": django_admin::USER, "password": django_admin::PASSWORD});
    compare(&tandem, &session, "django-admin", "#user-tools", login).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mirror_of_mkdocs_material_matches_the_visitors_view() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = static_server("mkdocs site (mirrored)", dir.path()).await;
    let tandem = tandem_for(mkdocs::HOST, &server).await;
    mkdocs::build(dir.path(), tandem.addr.port());
    let session = tandem.create_session(&format!("http://{}/", mkdocs::HOST)).await;
    compare(&tandem, &session, "mkdocs", ".md-content h1", Value::Null).await;
}

//! Django admin (PyPI `django`): a throwaway project (`tests/apps/django/`) with a fresh
//! sqlite database and a superuser, served by `manage.py runserver`.

use std::path::Path;
use std::process::Command;

use tempfile::TempDir;

use super::{AppProcess, apps_dir, assert_only_tandem_cookies, existing, run_to_completion, tandem_for, venv_bin};
use crate::support::Tandem;
use crate::support::browser::run_scenario;
use crate::support::https::{assert_one_http2_connection_per_label, serve_tls, tandem_pki};

/// The name the site has through Tandem (resolved to the app's loopback port).
pub(super) const HOST: &str = "admin.example.test";
pub(super) const USER: &str = "admin";
pub(super) const PASSWORD: &str = "tandem-admin-pw";

/// The Django site: its temporary directory (database) and its server.
pub(super) struct Django {
    pub(super) server: AppProcess,
    _dir: TempDir,
}

impl Django {
    /// Migrates a fresh database, creates the superuser and starts the server.
    pub(super) async fn start() -> Django {
        let dir = tempfile::tempdir().expect("temp dir");
        let manage = existing(apps_dir("django/manage.py"));
        let python = venv_bin("python");
        let command = |args: &[&str]| {
            let mut command = Command::new(&python);
            command
                .arg(&manage)
                .args(args)
                .env("TANDEM_APP_DIR", dir.path())
                .env("TANDEM_APP_HOSTS", format!("127.0.0.1,{HOST}"))
                .env("DJANGO_SUPERUSER_PASSWORD", PASSWORD);
            command
        };
        run_to_completion("manage.py migrate", &mut command(&["migrate", "--noinput", "-v0"]));
        run_to_completion(
            "manage.py createsuperuser",
            &mut command(&["createsuperuser", "--noinput", "--username", USER, "--email", "admin@example.test"]),
        );
        // --insecure serves the admin's static files with DEBUG off.
        let server = AppProcess::start("Django runserver", "/admin/login/", |port| {
            command(&["runserver", &format!("127.0.0.1:{port}"), "--noreload", "--insecure"])
        })
        .await;
        Django { server, _dir: dir }
    }
}

/// Runs the admin scenario with `base_url` (and Tandem's `entry_url`), adding `group`;
/// with `trust_ca`, in a Chromium trusting that CA, recording its network.
async fn drive(base_url: &str, entry_url: Option<&str>, group: &str, trust_ca: Option<&Path>) -> serde_json::Value {
    let args = serde_json::json!({
        "base_url": base_url,
        "entry_url": entry_url,
        "user": USER,
        "password": PASSWORD,
        "group": group,
        "trust_ca": trust_ca,
        "record_network": trust_ca.is_some(),
    });
    run_scenario("app_django_admin", &args).await
}

/// What both runs must show: every step on the site's own origin, with Django's own
/// pages, redirects and messages.
fn assert_admin_works(result: &serde_json::Value, group: &str, side: &str) {
    let expect = |key: &str, value: serde_json::Value| {
        assert_eq!(result[key], value, "{side}: {key}: {result:#}");
    };
    expect("start", "/admin/login/?next=/admin/".into());
    expect("after_login", "/admin/".into());
    expect("welcome", USER.into());
    expect("add_form", "/admin/auth/group/add/".into());
    expect("after_add", "/admin/auth/group/".into());
    let message = result["message"].as_str().unwrap_or_default();
    assert!(message.contains(group) && message.contains("was added successfully"), "{side}: message: {result:#}");
    assert!(
        result["listed"].as_array().is_some_and(|l| l.iter().any(|g| g == group)),
        "{side}: the new group is not listed: {result:#}"
    );
    expect("change", "/admin/auth/group/ID/change/".into());
    expect("confirm", "/admin/auth/group/ID/delete/".into());
    expect("after_delete", "/admin/auth/group/".into());
    let message = result["delete_message"].as_str().unwrap_or_default();
    assert!(message.contains(group) && message.contains("was deleted successfully"), "{side}: delete: {result:#}");
    assert!(
        result["listed_after_delete"].as_array().is_some_and(|l| !l.iter().any(|g| g == group)),
        "{side}: the deleted group is still listed: {result:#}"
    );
    // The admin's --header-bg (#417690), so its stylesheet loaded and applied.
    expect("header_background", "rgb(65, 118, 144)".into());
    expect("after_logout", "/admin/logout/".into());
    expect("logged_out_title", "Logged out".into());
    expect("admin_after_logout", "/admin/login/?next=/admin/".into());
    expect("foreign_urls", serde_json::json!([]));
}

/// Log in, add a group, see it listed, delete it, log out: directly, then through Tandem, where
/// the browser holds no cookie of Django's and the admin can be framed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn django_admin_login_add_and_delete_a_group_logout_directly_and_through_tandem() {
    let django = Django::start().await;

    let direct = drive(&django.server.direct_url(), None, "Direct editors", None).await;
    assert_admin_works(&direct, "Direct editors", "directly");
    assert_eq!(direct["runtime"], serde_json::Value::Null, "{direct:#}");
    assert_eq!(direct["x_frame_options"], "DENY", "{direct:#}");
    assert_eq!(direct["framed_form"], false, "X-Frame-Options DENY did not stop framing directly: {direct:#}");
    assert_eq!(direct["cookies_after_login"], serde_json::json!(["csrftoken", "sessionid"]), "{direct:#}");

    let tandem = tandem_for(HOST, &django.server).await;
    let upstream = format!("http://{HOST}");
    let session = tandem.create_session(&format!("{upstream}/admin/")).await;
    let proxied = drive(&session.origin(&upstream), Some(&session.proxy_url), "Proxied editors", None).await;
    assert_admin_works(&proxied, "Proxied editors", "through Tandem");
    assert!(proxied["runtime"].is_number(), "Tandem's runtime did not run in the admin: {proxied:#}");
    assert_eq!(proxied["x_frame_options"], serde_json::Value::Null, "Tandem passed X-Frame-Options on: {proxied:#}");
    assert_eq!(proxied["framed_form"], true, "the admin could not be framed through Tandem: {proxied:#}");
    assert_only_tandem_cookies(&proxied, "cookies_after_login", &session.cookie_name());
    assert_only_tandem_cookies(&proxied, "cookies", &session.cookie_name());

    // Django saw its own host name on every request, so its Origin check held.
    assert!(!django.server.output().contains("Forbidden (Origin checking failed"), "{}", django.server.output());
}

/// The same visit in a Chromium that trusts a test CA, to Tandem serving https itself:
/// every page and asset of the admin over HTTP/2, one connection per label.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn django_admin_works_through_tandem_over_https_and_http2_with_a_trusted_test_ca() {
    let django = Django::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let tandem = Tandem::start(|config| {
        config.allow_private_upstreams = true;
        config.resolve.insert(HOST.to_owned(), django.server.addr);
        serve_tls(config, dir.path());
    })
    .await;
    let upstream = format!("http://{HOST}");
    let session = tandem.create_session(&format!("{upstream}/admin/")).await;
    let origin = session.origin(&upstream);
    assert!(origin.starts_with("https://"), "{origin}");
    let ca = tandem_pki().write_ca(dir.path());
    let proxied = drive(&origin, Some(&session.proxy_url), "Secure editors", Some(&ca)).await;
    assert_admin_works(&proxied, "Secure editors", "through Tandem over https");
    assert!(proxied["runtime"].is_number(), "Tandem's runtime did not run in the admin: {proxied:#}");
    assert_one_http2_connection_per_label(&proxied);
}

//! Two real apps in one session: a page of Datasette's posts a forged login form to the
//! Django admin. Django's CSRF protection must refuse it through Tandem as it does
//! directly, because Tandem passes `Origin: null` on as it is (Datasette's pages are
//! `Referrer-Policy: no-referrer`) and reports a label's origin as the real foreign
//! origin, never as Django's own.

use super::datasette::{self, Datasette, make_db};
use super::django_admin::{self, Django};
use crate::support::Tandem;
use crate::support::browser::run_scenario;

/// What the forged form sends: a plausible login with a made-up CSRF token.
fn fields() -> serde_json::Value {
    serde_json::json!({ "username": "admin", "password": "guess", "csrfmiddlewaretoken": "forged" })
}

/// Both attempts of the scenario ended on Django's 403 CSRF page at `target`, and the
/// forging page was at `page_origin`.
fn assert_refused(result: &serde_json::Value, target: &str, page_origin: &str, side: &str) {
    let attempts = result.as_array().expect("attempts");
    assert_eq!(attempts.len(), 2, "{side}: {result:#}");
    for attempt in attempts {
        assert_eq!(attempt["page_origin"], page_origin, "{side}: {result:#}");
        assert_eq!(attempt["status"], 403, "{side}: {result:#}");
        assert_eq!(attempt["origin"], target, "{side}: {result:#}");
        assert_eq!(attempt["path"], "/admin/login/", "{side}: {result:#}");
        let text = attempt["text"].as_str().unwrap_or_default();
        assert!(text.contains("CSRF verification failed"), "{side}: {result:#}");
    }
}

/// The origins Django's CSRF check refused so far, in order.
fn refused_origins(django: &Django) -> Vec<String> {
    let output = django.server.output();
    output
        .lines()
        .filter_map(|line| line.split("Origin checking failed - ").nth(1))
        .map(|rest| rest.split(' ').next().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn django_refuses_a_login_forged_by_datasettes_page_directly_and_through_tandem() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = make_db(dir.path());
    let (django, data) = tokio::join!(Django::start(), Datasette::start(&db));
    let page_path = datasette::TABLE_PATH;

    let direct = run_scenario(
        "app_cross_origin_post",
        &serde_json::json!({
            "page_url": format!("{}{page_path}", data.server.direct_url()),
            "action": format!("{}/admin/login/", django.server.direct_url()),
            "fields": fields(),
        }),
    )
    .await;
    let direct_origin = data.server.direct_url();
    assert_refused(&direct, &django.server.direct_url(), &direct_origin, "directly");
    assert_eq!(refused_origins(&django), ["null", direct_origin.as_str()], "{}", django.server.output());

    let (admin_host, data_host) = (django_admin::HOST, datasette::HOST);
    let (admin_addr, data_addr) = (django.server.addr, data.server.addr);
    let tandem = Tandem::start(move |config| {
        config.allow_private_upstreams = true;
        config.resolve.insert(admin_host.to_owned(), admin_addr);
        config.resolve.insert(data_host.to_owned(), data_addr);
    })
    .await;
    let (admin, data_site) = (format!("http://{admin_host}"), format!("http://{data_host}"));
    let session = tandem.create_session(&format!("{data_site}{page_path}")).await;
    let proxied = run_scenario(
        "app_cross_origin_post",
        &serde_json::json!({
            "entry_url": session.proxy_url,
            "page_url": session.url(&format!("{data_site}{page_path}")),
            // The real URL, as Datasette's page would write it; the runtime maps it.
            "action": format!("{admin}/admin/login/"),
            "fields": fields(),
        }),
    )
    .await;
    assert_refused(&proxied, &session.origin(&admin), &session.origin(&data_site), "through Tandem");
    for (there, here) in proxied.as_array().into_iter().flatten().zip(direct.as_array().into_iter().flatten()) {
        assert_eq!(there["text"], here["text"], "through Tandem: {proxied:#}");
    }
    // Django saw the real foreign origin, not the label's, and not its own.
    assert_eq!(
        refused_origins(&django),
        ["null", direct_origin.as_str(), "null", data_site.as_str()],
        "{}",
        django.server.output()
    );
}

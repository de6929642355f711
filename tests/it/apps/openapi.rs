//! swagger-ui and redoc (npm `swagger-ui-dist`, `redoc` 2.x, installed into
//! `.cache/apps-npm` by `scripts/test` from `tests/apps/npm/`) rendering an OpenAPI spec
//! (`tests/apps/openapi/`) that their page fetches at run time from an absolute URL of the
//! site's real host, all served as static files.

use std::path::Path;

use super::{apps_dir, assert_only_tandem_cookies, existing, npm_package, static_server, tandem_for};
use crate::support::browser::run_scenario;

/// The name the site has through Tandem (resolved to the static server's port).
pub(super) const HOST: &str = "api.example.test";

/// The site: the two pages and the spec, and links to the two packages' files.
pub(super) fn make_site(site: &Path) {
    for file in ["swagger.html", "redoc.html", "openapi.json"] {
        std::fs::copy(existing(apps_dir(&format!("openapi/{file}"))), site.join(file)).expect("copy a site file");
    }
    let swagger = npm_package("swagger-ui-dist", "swagger-ui-bundle.js");
    std::os::unix::fs::symlink(swagger, site.join("swagger-ui-dist")).expect("symlink");
    std::os::unix::fs::symlink(npm_package("redoc", "bundles").join("bundles"), site.join("redoc")).expect("symlink");
}

/// Runs the scenario against `base_url` (Tandem's `entry_url` first, if any).
async fn drive(base_url: &str, entry_url: Option<&str>, spec_url: &str) -> serde_json::Value {
    let args = serde_json::json!({ "base_url": base_url, "entry_url": entry_url, "spec_url": spec_url });
    run_scenario("app_openapi", &args).await
}

/// The results' keys that must be equal directly and through Tandem.
const SAME_ON_BOTH_SIDES: &[&str] = &["swagger", "redoc"];

/// redoc's footer logo, the one request of the pages to another origin (refused by the
/// scenario).
const REDOC_LOGO: &str = "https://cdn.redoc.ly/redoc/logo-mini.svg";

/// Both viewers fetch the spec from the site's absolute URL and render its operations.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swagger_ui_and_redoc_render_a_spec_fetched_at_run_time_directly_and_through_tandem() {
    let dir = tempfile::tempdir().expect("temp dir");
    make_site(dir.path());
    let server = static_server("swagger-ui and redoc site", dir.path()).await;

    let direct_url = server.direct_url();
    let direct = drive(&direct_url, None, &format!("{direct_url}/openapi.json")).await;
    let expect = |key: &str, value: serde_json::Value| assert_eq!(direct[key], value, "directly: {key}: {direct:#}");
    let spec = serde_json::json!([{ "path": "/openapi.json", "status": 200 }]);
    expect(
        "swagger",
        serde_json::json!({
            "title": "Birds API",
            "paths": ["/birds", "/birds", "/birds/{id}"],
            "operation_ids": ["listBirds", "addBird", "getBird"],
            "spec": spec,
        }),
    );
    expect(
        "redoc",
        serde_json::json!({
            "title": "Birds API (1.0.0)",
            "operation_ids": ["operation/listBirds", "operation/addBird", "operation/getBird"],
            "summaries": ["List birds", "Add a bird", "Get one bird"],
            "spec": spec,
        }),
    );
    expect("foreign_requests", serde_json::json!([REDOC_LOGO]));
    expect("runtime", serde_json::Value::Null);

    let tandem = tandem_for(HOST, &server).await;
    let upstream = format!("http://{HOST}");
    let spec_url = format!("{upstream}/openapi.json");
    let entry = format!("{upstream}/swagger.html?spec={}", urlencode(&spec_url));
    let session = tandem.create_session(&entry).await;
    let proxied = drive(&session.origin(&upstream), Some(&session.proxy_url), &spec_url).await;
    for key in SAME_ON_BOTH_SIDES {
        assert_eq!(proxied[key], direct[key], "{key} differs through Tandem: {proxied:#}\ndirectly: {direct:#}");
    }
    // redoc's logo, an <img> React renders with the CDN's URL, went to the CDN's label.
    assert_eq!(proxied["foreign_requests"], serde_json::json!([session.url(REDOC_LOGO)]), "{proxied:#}");
    assert!(proxied["runtime"].is_number(), "Tandem's runtime did not run in swagger-ui: {proxied:#}");
    assert_only_tandem_cookies(&proxied, "cookies", &session.cookie_name());
}

/// `encodeURIComponent` for a URL (what the scenario does for the same query).
pub(super) fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>().replace('+', "%20")
}

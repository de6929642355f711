//! The page-load harness behind BENCHMARKS.md's real-app table: each app's first page
//! loaded in Chromium directly and through Tandem, cache off and on, median of several
//! runs. Ignored by the suite (it measures, it does not check); run it on a release build:
//!
//! ```text
//! cargo test --release --test it -- --ignored --nocapture page_load_times
//! ```
//!
//! `TANDEM_LOAD_RUNS` sets the runs per series (default 7).

use std::net::SocketAddr;

use tempfile::TempDir;

use super::datasette::{self, Datasette, make_db};
use super::django_admin::{self, Django};
use super::static_files::StaticFiles;
use super::{jupyterlite, mkdocs, openapi, pdfjs, static_server, tandem_at};
use crate::support::Tandem;
use crate::support::browser::run_scenario;

/// The time one load may take on a loaded machine, for the harness's overall bound.
const LOAD_BOUND_MS: u64 = 15_000;

/// One page to load, directly and through Tandem, and what shows that the app rendered it.
struct Target {
    name: &'static str,
    direct_url: String,
    proxied_url: String,
    entry_url: String,
    ready: &'static str,
}

impl Target {
    /// `path` of the app at `addr`, which Tandem (started here) serves as `host`.
    async fn new(
        name: &'static str,
        host: &str,
        addr: SocketAddr,
        path: &str,
        ready: &'static str,
        tandems: &mut Vec<Tandem>,
    ) -> Target {
        let tandem = tandem_at(host, addr).await;
        let upstream = format!("http://{host}");
        let session = tandem.create_session(&format!("{upstream}{path}")).await;
        tandems.push(tandem);
        Target {
            name,
            direct_url: format!("http://{addr}{path}"),
            proxied_url: format!("{}{path}", session.origin(&upstream)),
            entry_url: session.proxy_url,
            ready,
        }
    }

    fn sides(&self) -> [serde_json::Value; 2] {
        [
            serde_json::json!({ "name": self.name, "side": "direct", "url": self.direct_url, "ready": self.ready }),
            serde_json::json!({
                "name": self.name,
                "side": "tandem",
                "url": self.proxied_url,
                "entry_url": self.entry_url,
                "ready": self.ready,
            }),
        ]
    }
}

/// The median of a series of milliseconds.
fn median(series: &serde_json::Value) -> f64 {
    let mut values: Vec<f64> = series.as_array().expect("a series").iter().filter_map(|v| v.as_f64()).collect();
    assert!(!values.is_empty(), "an empty series");
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    if values.len() % 2 == 1 { values[middle] } else { (values[middle - 1] + values[middle]) / 2.0 }
}

/// Starts every app, loads each first page directly and through Tandem, and prints the
/// table of medians (milliseconds) that BENCHMARKS.md shows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, not a check: run it on a release build (see the module docs)"]
async fn page_load_times_directly_and_through_tandem() {
    let runs: u64 = std::env::var("TANDEM_LOAD_RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(7);
    let dir = TempDir::new().expect("temp dir");
    let mut tandems = Vec::new();
    let mut targets = Vec::new();

    let django = Django::start().await;
    targets.push(
        Target::new(
            "Django admin login",
            django_admin::HOST,
            django.server.addr,
            "/admin/login/",
            "#id_username",
            &mut tandems,
        )
        .await,
    );

    let db = make_db(dir.path());
    let datasette = Datasette::start(&db).await;
    let table = "table.rows-and-columns tbody tr";
    targets.push(
        Target::new(
            "Datasette table",
            datasette::HOST,
            datasette.server.addr,
            datasette::TABLE_PATH,
            table,
            &mut tandems,
        )
        .await,
    );

    // material's instant navigation wants `site_url` to name the port the browser sees:
    // one build for each side, as the app test does.
    let (docs_direct, docs_proxied) = (dir.path().join("docs-direct"), dir.path().join("docs-proxied"));
    std::fs::create_dir(&docs_direct).expect("site dir");
    std::fs::create_dir(&docs_proxied).expect("site dir");
    let docs = static_server("mkdocs site", &docs_direct).await;
    let docs_for_tandem = static_server("mkdocs site (through Tandem)", &docs_proxied).await;
    mkdocs::build(&docs_direct, docs.addr.port());
    let mut docs_target = Target::new(
        "mkdocs-material home",
        mkdocs::HOST,
        docs_for_tandem.addr,
        "/",
        "article.md-content__inner h1",
        &mut tandems,
    )
    .await;
    mkdocs::build(&docs_proxied, tandems.last().expect("the docs' Tandem").addr.port());
    docs_target.direct_url = format!("{}/", docs.direct_url());
    targets.push(docs_target);

    let openapi_site = dir.path().join("openapi");
    std::fs::create_dir(&openapi_site).expect("site dir");
    openapi::make_site(&openapi_site);
    let openapi_server = static_server("swagger-ui and redoc site", &openapi_site).await;
    let spec = openapi::urlencode(&format!("http://{}/openapi.json", openapi::HOST));
    for (name, page, ready) in [
        ("swagger-ui", "swagger.html", ".opblock .opblock-summary-path"),
        ("redoc", "redoc.html", "[data-section-id^=\"operation/\"] h2"),
    ] {
        let path = format!("/{page}?spec={spec}");
        let mut target = Target::new(name, openapi::HOST, openapi_server.addr, &path, ready, &mut tandems).await;
        // The spec's absolute URL names the site's real host: directly, its own address.
        target.direct_url = format!("{}/{page}?spec={}", openapi_server.direct_url(), {
            openapi::urlencode(&format!("{}/openapi.json", openapi_server.direct_url()))
        });
        targets.push(target);
    }

    let pdf_site = dir.path().join("pdf");
    std::fs::create_dir(&pdf_site).expect("site dir");
    pdfjs::make_site(&pdf_site);
    let pdf_server = StaticFiles::start(&pdf_site, None).await;
    let first_page = ".page[data-page-number=\"1\"] .textLayer span";
    targets.push(
        Target::new("pdf.js viewer", pdfjs::HOST, pdf_server.addr, pdfjs::VIEWER_PATH, first_page, &mut tandems).await,
    );

    let lite_server = StaticFiles::start(&jupyterlite::build(dir.path()), None).await;
    let launcher = ".jp-LauncherCard[data-category=\"Notebook\"]";
    targets.push(
        Target::new(
            "JupyterLite lab",
            jupyterlite::HOST,
            lite_server.addr,
            jupyterlite::LAB_PATH,
            launcher,
            &mut tandems,
        )
        .await,
    );

    let sides: Vec<serde_json::Value> = targets.iter().flat_map(Target::sides).collect();
    // Bounded per load (a cold and a warm series per side), not by the usual 90 s.
    let timeout_ms = 60_000 + sides.len() as u64 * runs * 2 * LOAD_BOUND_MS;
    let args = serde_json::json!({ "runs": runs, "targets": sides, "timeout_ms": timeout_ms });
    let result = run_scenario("app_load_times", &args).await;
    let rows = result.as_array().expect("one result per side");

    println!("\nMedian of {runs} loads, milliseconds (load event / app rendered):\n");
    println!("| app | cold, direct | cold, Tandem | warm, direct | warm, Tandem |");
    println!("|---|---:|---:|---:|---:|");
    for pair in rows.chunks(2) {
        let [direct, tandem] = pair else { panic!("results come in pairs: {result:#}") };
        let cell = |side: &serde_json::Value, cache: &str| {
            format!("{:.0} / {:.0}", median(&side[cache]["load"]), median(&side[cache]["ready"]))
        };
        println!(
            "| {} | {} | {} | {} | {} |",
            direct["name"].as_str().unwrap_or("?"),
            cell(direct, "cold"),
            cell(tandem, "cold"),
            cell(direct, "warm"),
            cell(tandem, "warm"),
        );
    }
}

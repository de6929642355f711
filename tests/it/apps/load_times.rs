//! Every real app over https and HTTP/2 through Tandem (a test of the suite), and the
//! page-load harness behind BENCHMARKS.md's real-app tables: each app's first page,
//! the app behind nginx compressing as production front ends do, loaded in Chromium
//! directly, through Tandem, and through Tandem over https (HTTP/2, a test CA the
//! browser trusts), with the network emulated as a visitor's line, cache off and on;
//! bytes on the wire and times, medians of several runs, and their ratios to direct.
//! Ignored by the suite (it measures, it does not check); `scripts/page-loads` installs
//! what it needs (nginx too) and runs it on a release build:
//!
//! ```text
//! cargo test --release --test it -- --ignored --nocapture page_load_times
//! ```
//!
//! `TANDEM_LOAD_RUNS` sets the runs per series (default 7). `TANDEM_LOAD_NETWORK` sets
//! the emulated line as `RTT_MS/DOWN_KBIT/UP_KBIT` (default `40/20000/5000`: 40 ms round
//! trip, 20 Mbit/s down, 5 up), or `none` for loopback as it is.

use std::net::SocketAddr;
use std::path::Path;

use tempfile::TempDir;

use super::datasette::{self, Datasette, make_db};
use super::django_admin::{self, Django};
use super::static_files::StaticFiles;
use super::{compressing_front, jupyterlite, mkdocs, openapi, pdfjs, static_server};
use crate::support::Tandem;
use crate::support::browser::run_scenario;
use crate::support::https::{serve_tls, tandem_pki};

/// The time one load may take on a loaded machine, for the harness's overall bound.
const LOAD_BOUND_MS: u64 = 20_000;

/// The emulated line unless `TANDEM_LOAD_NETWORK` says otherwise: round trip (ms), down
/// and up (kbit/s).
const DEFAULT_NETWORK: (u64, u64, u64) = (40, 20_000, 5_000);

/// How the browser reaches the app, in the order of the tables' columns.
const SIDES: [&str; 3] = ["direct", "Tandem", "Tandem https+h2"];

/// Tandem in front of the upstream at `addr`, known as `host`; over https (certificate
/// files in `dir`) when `dir` is given.
async fn tandem_for_app(host: &str, addr: SocketAddr, tls_dir: Option<&Path>) -> Tandem {
    Tandem::start(|config| {
        config.allow_private_upstreams = true;
        config.resolve.insert(host.to_owned(), addr);
        if let Some(dir) = tls_dir {
            serve_tls(config, dir);
        }
    })
    .await
}

/// One page to load three ways, and what shows that the app rendered it.
struct Target {
    name: &'static str,
    ready: &'static str,
    direct_url: String,
    /// Through Tandem (plain, then https): the page's URL on its label and the entry link.
    proxied: Vec<(String, String)>,
}

impl Target {
    /// `path` of the app directly at `upstreams[0]`, and through two Tandems (started
    /// here, kept in `tandems`), plain in front of `upstreams[1]` and https in front of
    /// `upstreams[2]`, that serve it as `host`. The three are one server for most apps.
    async fn new(
        name: &'static str,
        (host, upstreams, path): (&str, [SocketAddr; 3], &str),
        ready: &'static str,
        tls_dir: &Path,
        tandems: &mut Vec<Tandem>,
    ) -> Target {
        let mut proxied = Vec::new();
        for (addr, tls) in [(upstreams[1], None), (upstreams[2], Some(tls_dir))] {
            let tandem = tandem_for_app(host, addr, tls).await;
            let upstream = format!("http://{host}");
            let session = tandem.create_session(&format!("{upstream}{path}")).await;
            proxied.push((format!("{}{path}", session.origin(&upstream)), session.proxy_url.clone()));
            tandems.push(tandem);
        }
        Target { name, ready, direct_url: format!("http://{}{path}", upstreams[0]), proxied }
    }

    fn sides(&self) -> Vec<serde_json::Value> {
        let direct =
            serde_json::json!({ "name": self.name, "side": SIDES[0], "url": self.direct_url, "ready": self.ready });
        let proxied = self.proxied.iter().zip(&SIDES[1..]).map(|((url, entry_url), side)| {
            serde_json::json!({ "name": self.name, "side": side, "url": url, "entry_url": entry_url, "ready": self.ready })
        });
        std::iter::once(direct).chain(proxied).collect()
    }
}

/// The median of a series.
fn median(series: &serde_json::Value) -> f64 {
    let mut values: Vec<f64> = series.as_array().expect("a series").iter().filter_map(|v| v.as_f64()).collect();
    assert!(!values.is_empty(), "an empty series");
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    if values.len() % 2 == 1 { values[middle] } else { (values[middle - 1] + values[middle]) / 2.0 }
}

/// The emulated line from `TANDEM_LOAD_NETWORK`, for the scenario (`null`: none).
fn network() -> serde_json::Value {
    let spec = std::env::var("TANDEM_LOAD_NETWORK").unwrap_or_default();
    if spec == "none" {
        return serde_json::Value::Null;
    }
    let (rtt, down, up) = match spec.split('/').map(str::parse).collect::<Result<Vec<u64>, _>>().as_deref() {
        Ok([rtt, down, up]) => (*rtt, *down, *up),
        _ if spec.is_empty() => DEFAULT_NETWORK,
        _ => panic!("TANDEM_LOAD_NETWORK={spec}: expected RTT_MS/DOWN_KBIT/UP_KBIT or none"),
    };
    serde_json::json!({ "latency_ms": rtt, "down_kbit": down, "up_kbit": up })
}

/// Every real app running, each first page reachable three ways ([`Target`]s), and
/// what must live as long as they do.
struct Apps {
    targets: Vec<Target>,
    _running: Vec<Box<dyn Send>>,
}

impl Apps {
    /// Starts every app (files in `dir`), behind a compressing nginx with `compressed`.
    async fn start(dir: &Path, compressed: bool) -> Apps {
        let mut tandems = Vec::new();
        let mut targets = Vec::new();

        // With `compressed`, every app behind nginx compressing as production front ends do:
        // the browser directly and Tandem both talk to that front.
        let mut fronts = Vec::new();
        let mut front = async |app: SocketAddr| {
            if !compressed {
                return app;
            }
            let process = compressing_front(&dir.join(format!("nginx-{}", fronts.len())), app).await;
            let addr = process.addr;
            fronts.push(process);
            addr
        };

        let django = Django::start().await;
        let login = (django_admin::HOST, [front(django.server.addr).await; 3], "/admin/login/");
        targets.push(Target::new("Django admin login", login, "#id_username", dir, &mut tandems).await);

        let db = make_db(dir);
        let datasette = Datasette::start(&db).await;
        let table = (datasette::HOST, [front(datasette.server.addr).await; 3], datasette::TABLE_PATH);
        let rows = "table.rows-and-columns tbody tr";
        targets.push(Target::new("Datasette table", table, rows, dir, &mut tandems).await);

        // material's instant navigation wants `site_url` to name the port the browser sees:
        // one build for each way in, as the app test does.
        let mut docs = Vec::new();
        for way in ["direct", "tandem", "tandem-https"] {
            let site = dir.join(format!("docs-{way}"));
            std::fs::create_dir(&site).expect("site dir");
            let server = static_server(&format!("mkdocs site ({way})"), &site).await;
            let addr = front(server.addr).await;
            docs.push((site, server, addr));
        }
        let upstreams = [docs[0].2, docs[1].2, docs[2].2];
        let heading = "article.md-content__inner h1";
        let mut docs_target =
            Target::new("mkdocs-material home", (mkdocs::HOST, upstreams, "/"), heading, dir, &mut tandems).await;
        docs_target.direct_url = format!("http://{}/", docs[0].2);
        let ports = [docs[0].2.port(), tandems[tandems.len() - 2].addr.port(), tandems[tandems.len() - 1].addr.port()];
        for ((site, _, _), port) in docs.iter().zip(ports) {
            mkdocs::build(site, port);
        }
        targets.push(docs_target);

        let openapi_site = dir.join("openapi");
        std::fs::create_dir(&openapi_site).expect("site dir");
        openapi::make_site(&openapi_site);
        let openapi_server = static_server("swagger-ui and redoc site", &openapi_site).await;
        let openapi_front = front(openapi_server.addr).await;
        let spec = openapi::urlencode(&format!("http://{}/openapi.json", openapi::HOST));
        for (name, page, ready) in [
            ("swagger-ui", "swagger.html", ".opblock .opblock-summary-path"),
            ("redoc", "redoc.html", "[data-section-id^=\"operation/\"] h2"),
        ] {
            let path = format!("/{page}?spec={spec}");
            let app = (openapi::HOST, [openapi_front; 3], path.as_str());
            let mut target = Target::new(name, app, ready, dir, &mut tandems).await;
            // The spec's absolute URL names the site's real host: directly, its own address.
            let direct = format!("http://{openapi_front}");
            let spec = openapi::urlencode(&format!("{direct}/openapi.json"));
            target.direct_url = format!("{direct}/{page}?spec={spec}");
            targets.push(target);
        }

        let pdf_site = dir.join("pdf");
        std::fs::create_dir(&pdf_site).expect("site dir");
        pdfjs::make_site(&pdf_site);
        let pdf_server = StaticFiles::start(&pdf_site, None).await;
        let viewer = (pdfjs::HOST, [front(pdf_server.addr).await; 3], pdfjs::VIEWER_PATH);
        let first_page = ".page[data-page-number=\"1\"] .textLayer span";
        targets.push(Target::new("pdf.js viewer", viewer, first_page, dir, &mut tandems).await);

        let lite_server = StaticFiles::start(&jupyterlite::build(dir), None).await;
        let lab = (jupyterlite::HOST, [front(lite_server.addr).await; 3], jupyterlite::LAB_PATH);
        let launcher = ".jp-LauncherCard[data-category=\"Notebook\"]";
        targets.push(Target::new("JupyterLite lab", lab, launcher, dir, &mut tandems).await);
        let mut running: Vec<Box<dyn Send>> = vec![Box::new(django), Box::new(datasette), Box::new(tandems)];
        running.push(Box::new(docs));
        running.extend([Box::new(openapi_server) as Box<dyn Send>, Box::new(pdf_server), Box::new(lite_server)]);
        running.push(Box::new(fronts));
        Apps { targets, _running: running }
    }
}

/// Starts every app, loads each first page three ways, and prints BENCHMARKS.md's tables.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, not a check: run it on a release build (see the module docs)"]
async fn page_load_times_directly_and_through_tandem() {
    let runs: u64 = std::env::var("TANDEM_LOAD_RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(7);
    let dir = TempDir::new().expect("temp dir");
    let apps = Apps::start(dir.path(), true).await;
    let targets = &apps.targets;
    let tls_dir = dir.path();
    let sides: Vec<serde_json::Value> = targets.iter().flat_map(Target::sides).collect();
    // Bounded per load (a cold and a warm series per side), not by the usual 90 s.
    let timeout_ms = 60_000 + sides.len() as u64 * (runs + 1) * 2 * LOAD_BOUND_MS;
    let ca = tandem_pki().write_ca(tls_dir);
    let network = network();
    let args = serde_json::json!({
        "runs": runs,
        "targets": sides,
        "network": network,
        "trust_ca": ca,
        "loopback_only": true,
        "timeout_ms": timeout_ms,
    });
    let result = run_scenario("app_load_times", &args).await;
    let outside: Vec<&serde_json::Value> = result
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|side| {
            ["cold", "warm"]
                .map(|cache| &side[cache]["outside"])
                .into_iter()
                .flat_map(|n| n.as_array().into_iter().flatten())
        })
        .filter(|n| n.as_u64() != Some(0))
        .collect();
    assert!(outside.is_empty(), "a load got responses from outside loopback: {outside:?}");
    let rows: Vec<&[serde_json::Value]> = result.as_array().expect("one result per side").chunks(SIDES.len()).collect();
    println!("\nMedians of {runs} loads; network: {network}\n");
    print_tables(&rows);
    print_milestones(&rows);
    print_extra_requests(&rows);
    print_profiles(&rows);
}

/// Every real app's first page renders through Tandem serving https itself, in a
/// Chromium that trusts the test CA as an installed root, and every response the page
/// gets comes over HTTP/2.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_real_app_renders_through_tandem_over_https_and_http2() {
    let dir = TempDir::new().expect("temp dir");
    let apps = Apps::start(dir.path(), false).await;
    let https = SIDES.len() - 1;
    let sides: Vec<serde_json::Value> = apps.targets.iter().map(|target| target.sides().swap_remove(https)).collect();
    let args = serde_json::json!({
        "runs": 1,
        "series": ["cold"],
        "profile": false,
        "targets": sides,
        "trust_ca": tandem_pki().write_ca(dir.path()),
        "loopback_only": true,
        "timeout_ms": 60_000 + sides.len() as u64 * 2 * LOAD_BOUND_MS,
    });
    let result = run_scenario("app_load_times", &args).await;
    let apps_seen = result.as_array().expect("one result per app");
    assert_eq!(apps_seen.len(), apps.targets.len(), "{result:#}");
    for app in apps_seen {
        let protocols = &app["cold"]["protocols"];
        let all: Vec<&str> = protocols.as_array().into_iter().flatten().filter_map(|p| p.as_str()).collect();
        assert!(!all.is_empty() && all.iter().all(|p| *p == "h2"), "{}: {protocols}", app["name"]);
    }
}

/// When each warm load reached its first byte, DOM interactive and load event.
fn print_milestones(rows: &[&[serde_json::Value]]) {
    let title = "Warm loads, ms from the navigation's start (first byte / DOM interactive / load event):";
    print_side_table(rows, title, |sides, at| {
        let ms = |key: &str| median(&sides[at]["warm"][key]);
        format!("{:.0} / {:.0} / {:.0}", ms("first_byte"), ms("interactive"), ms("load"))
    });
}

/// Where the main thread's time went in one warm load of each side.
fn print_profiles(rows: &[&[serde_json::Value]]) {
    let title = "One warm load under V8's sampling profiler, main thread, ms (runtime / page scripts / GC / other):";
    print_side_table(rows, title, |sides, at| {
        let ms = |key: &str| sides[at]["profile"][key].as_f64().unwrap_or(f64::NAN);
        format!("{:.0} / {:.0} / {:.0} / {:.0}", ms("runtime"), ms("page"), ms("gc"), ms("other"))
    });
}

/// A Markdown table under `title`: a row per app, a column per side, each cell what
/// `cell` makes of the app's sides and the side's index.
fn print_side_table(rows: &[&[serde_json::Value]], title: &str, cell: impl Fn(&[serde_json::Value], usize) -> String) {
    println!("\n{title}\n");
    println!("| app | {} | {} | {} |", SIDES[0], SIDES[1], SIDES[2]);
    println!("|---|---:|---:|---:|");
    for sides in rows {
        let cells: Vec<String> = (0..sides.len()).map(|at| cell(sides, at)).collect();
        println!("| {} | {} |", sides[0]["name"].as_str().unwrap_or("?"), cells.join(" | "));
    }
}

/// What each load through Tandem fetched that the direct one did not (the last load of
/// each series), to see where a difference in time comes from.
fn print_extra_requests(rows: &[&[serde_json::Value]]) {
    println!("\nResponses through Tandem (plain) that the direct load did not get, last load of each series:\n");
    for sides in rows {
        for cache in ["cold", "warm"] {
            let paths = |side: &serde_json::Value| -> Vec<String> {
                side[cache]["paths"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|p| p.as_str().map(str::to_owned))
                    .collect()
            };
            let mut direct = paths(&sides[0]);
            let extra: Vec<String> = paths(&sides[1])
                .into_iter()
                .filter(|path| match direct.iter().position(|d| d == path) {
                    Some(at) => {
                        direct.swap_remove(at);
                        false
                    }
                    None => true,
                })
                .collect();
            let runtime_bytes = median(&sides[1][cache]["runtime_bytes"]);
            let name = sides[0]["name"].as_str().unwrap_or("?");
            println!("- {name} ({cache}): {} (runtime: {runtime_bytes:.0} bytes on the wire)", extra.join(", "));
        }
    }
}

/// The bytes table (cold loads: every file fetched) and the times table, each side with
/// its ratio to direct.
fn print_tables(rows: &[&[serde_json::Value]]) {
    let ratio = |value: f64, direct: f64| if direct > 0.0 { value / direct } else { f64::NAN };
    for cache in ["cold", "warm"] {
        let state = if cache == "cold" { "off" } else { "on" };
        let title = format!(
            "Bytes on the wire per load, cache {state} (KB and responses; × direct; Tandem's runtime apart, after +):"
        );
        print_side_table(rows, &title, |sides, at| {
            let figure = |side: &serde_json::Value, key: &str| median(&side[cache][key]);
            let page = figure(&sides[at], "page_bytes") / 1000.0;
            let mut cell = format!("{page:.1} ({:.0})", figure(&sides[at], "requests"));
            if at > 0 {
                let (direct, runtime) = (figure(&sides[0], "page_bytes") / 1000.0, figure(&sides[at], "runtime_bytes"));
                cell.push_str(&format!(" {:.3}× +{:.1}", ratio(page, direct), runtime / 1000.0));
            }
            match figure(&sides[at], "from_service_worker") {
                0.0 => cell,
                served => format!("{cell}, {served:.0} from a service worker"),
            }
        });
    }
    for cache in ["cold", "warm"] {
        let state = if cache == "cold" { "off" } else { "on" };
        let title = format!("Times, cache {state} (ms, load event / app rendered; × direct of app rendered):");
        print_side_table(rows, &title, |sides, at| {
            let (load, ready) = (median(&sides[at][cache]["load"]), median(&sides[at][cache]["ready"]));
            let times = format!("{load:.0} / {ready:.0}");
            if at == 0 { times } else { format!("{times} ({:.2})", ratio(ready, median(&sides[0][cache]["ready"]))) }
        });
    }
}

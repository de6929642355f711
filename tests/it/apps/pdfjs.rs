//! The full pdf.js viewer (npm `pdfjs-dist-viewer-min`, installed into `.cache/apps-npm`
//! by `scripts/test` from `tests/apps/npm/`) opening a multi-page PDF the test writes
//! (`pdf_fixture`), served with byte ranges by `static_files`: the document is parsed in
//! pdf.js's Web Worker, read by range requests, and every page is rendered.
//!
//! The PDF is on the viewer's own origin: the viewer refuses a `?file=` of another origin
//! by design (`validateFileURL`: "file origin does not match viewer's").

use std::path::Path;

use http::StatusCode;

use super::pdf_fixture::{birds_pdf, page_heading};
use super::static_files::{Served, StaticFiles};
use super::{assert_only_tandem_cookies, npm_package, tandem_at};
use crate::support::browser::run_scenario;

/// The name the site has through Tandem (resolved to the static server's port).
pub(super) const HOST: &str = "pdf.example.test";
/// The pages of the PDF.
const PAGES: usize = 6;
/// Where the site has the PDF.
const PDF_PATH: &str = "/docs/birds.pdf";
/// The viewer with the PDF.
pub(super) const VIEWER_PATH: &str = "/pdfjs/web/viewer.html?file=%2Fdocs%2Fbirds.pdf";

/// The site: the viewer's build (a link into the package) and the PDF.
pub(super) fn make_site(site: &Path) {
    let viewer = npm_package("pdfjs-dist-viewer-min", "build/minified/web/viewer.html");
    std::os::unix::fs::symlink(viewer.join("build/minified"), site.join("pdfjs")).expect("symlink");
    std::fs::create_dir(site.join("docs")).expect("docs dir");
    std::fs::write(site.join(PDF_PATH.trim_start_matches('/')), birds_pdf(PAGES)).expect("write the PDF");
}

/// Runs the scenario against `base_url` (Tandem's `entry_url` first, if any); `real_origin`
/// is the site's origin as its own links name it.
async fn drive(base_url: &str, entry_url: Option<&str>, real_origin: &str) -> serde_json::Value {
    let args = serde_json::json!({
        "base_url": base_url,
        "entry_url": entry_url,
        "viewer_path": VIEWER_PATH,
        "pdf_path": PDF_PATH,
        "absolute_file_url": format!("{real_origin}{PDF_PATH}"),
    });
    run_scenario("app_pdfjs", &args).await
}

/// The results' keys that must be equal directly and through Tandem.
const SAME_ON_BOTH_SIDES: &[&str] =
    &["pages_count", "num_pages_label", "pages", "worker", "failed", "http_errors", "foreign_requests"];

/// How many of the PDF's range requests in `served` the static server answered with `206`.
fn upstream_ranges(served: &[Served]) -> usize {
    served
        .iter()
        .filter(|s| s.target == PDF_PATH && s.range.is_some() && s.status == StatusCode::PARTIAL_CONTENT)
        .count()
}

/// The viewer renders every page of a PDF read by range requests, in its worker, directly
/// and through Tandem.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pdfjs_viewer_renders_every_page_of_a_pdf_read_by_range_requests_in_its_worker_directly_and_through_tandem() {
    let dir = tempfile::tempdir().expect("temp dir");
    make_site(dir.path());
    let server = StaticFiles::start(dir.path(), Some(".pdf")).await;

    let direct = drive(&server.direct_url(), None, &server.direct_url()).await;
    let expect = |key: &str, value: serde_json::Value| assert_eq!(direct[key], value, "directly: {key}: {direct:#}");
    expect("pages_count", PAGES.into());
    expect("num_pages_label", format!("of {PAGES}").into());
    let pages: Vec<serde_json::Value> = (1..=PAGES)
        .map(|n| serde_json::json!({ "number": n, "heading": page_heading(n, PAGES), "canvas_inked": true, "text_spans": 2 }))
        .collect();
    expect("pages", pages.into());
    expect("worker", serde_json::json!({ "real": true, "urls": ["/pdfjs/build/pdf.worker.js"] }));
    expect("failed", serde_json::json!([]));
    expect("http_errors", serde_json::json!([]));
    expect("foreign_requests", serde_json::json!([]));
    expect("runtime", serde_json::Value::Null);
    expect("worker_runtime", serde_json::Value::Null);
    expect("absolute_file", serde_json::json!({ "pages": PAGES, "error": null }));
    assert!(direct["pdf"]["ranged_206"].as_u64() >= Some(1), "directly: pdf.js made no range request: {direct:#}");
    let direct_served = server.served();
    assert!(upstream_ranges(&direct_served) >= 1, "directly: no 206 at the upstream: {direct_served:#?}");

    let tandem = tandem_at(HOST, server.addr).await;
    let upstream = format!("http://{HOST}");
    let session = tandem.create_session(&format!("{upstream}{VIEWER_PATH}")).await;
    let proxied = drive(&session.origin(&upstream), Some(&session.proxy_url), &upstream).await;
    for key in SAME_ON_BOTH_SIDES {
        assert_eq!(proxied[key], direct[key], "{key} differs through Tandem: {proxied:#}\ndirectly: {direct:#}");
    }
    assert!(proxied["pdf"]["ranged_206"].as_u64() >= Some(1), "through Tandem, no range request: {proxied:#}");
    assert_eq!(proxied["pdf"]["statuses"], direct["pdf"]["statuses"], "{proxied:#}");
    assert!(proxied["runtime"].is_number(), "Tandem's runtime did not run in the viewer: {proxied:#}");
    assert_eq!(proxied["worker_runtime"], 1, "Tandem's worker part did not run in pdf.js's worker: {proxied:#}");
    assert_only_tandem_cookies(&proxied, "cookies", &session.cookie_name());
    // Known limit: the viewer compares the origin of an absolute `?file=` with its own
    // `location`, which is the label's (KNOWN_LIMITS.md).
    assert_eq!(
        proxied["absolute_file"],
        serde_json::json!({ "pages": null, "error": "file origin does not match viewer's" }),
        "{proxied:#}"
    );

    // What reached the upstream through Tandem: the 206s, all under the real host name,
    // and no request the page made failed there. (The browser's own `/favicon.ico`,
    // which the site does not have, is a 404 directly too; whether it is asked before
    // the scenario ends is up to Chromium.)
    let through_tandem = &server.served()[direct_served.len()..];
    assert!(upstream_ranges(through_tandem) >= 1, "no 206 reached the upstream through Tandem: {through_tandem:#?}");
    let failed = |s: &Served| s.status.is_client_error() || s.status.is_server_error();
    let strays: Vec<&Served> =
        through_tandem.iter().filter(|s| s.host != HOST || (failed(s) && s.target != "/favicon.ico")).collect();
    assert!(
        strays.is_empty(),
        "requests through Tandem that the upstream refused or saw under another host: {strays:#?}"
    );
}

//! What the runtime costs a visitor on the wire: minified at build time, served in the
//! smallest coding the browser takes, and cached for good by its versioned URL, so every
//! page after the first loads it without a request.

use axum::body::Body;
use std::time::Instant;

use http::{Method, StatusCode, header};
use tandem::injector::{PAGE_RUNTIME, PAGE_RUNTIME_PATH, WORKER_RUNTIME, WORKER_RUNTIME_PATH};

use crate::support::{Reply, Visitor, World};

/// Issue 15's budget for the runtime as a browser first downloads it.
const RUNTIME_BUDGET_ON_THE_WIRE: usize = 40 * 1024;

/// The versioned runtime as a page's tag loads it, with `accept_encoding`.
async fn fetch_runtime(visitor: &Visitor, accept_encoding: &str) -> Reply {
    let tag = tandem::injector::page_script_tag();
    fetch(visitor, tag.split('"').nth(1).expect("the tag's src"), accept_encoding).await
}

/// `path` of shop.test's label, with `accept_encoding`.
async fn fetch(visitor: &Visitor, path: &str, accept_encoding: &str) -> Reply {
    let request = visitor
        .request(Method::GET, &visitor.url(&format!("https://shop.test{path}")))
        .header(header::ACCEPT_ENCODING, accept_encoding);
    visitor.send(request, Body::empty()).await
}

/// Guards the budget: a browser taking brotli, zstd, or gzip alone (over plain HTTP,
/// where browsers offer neither of the others) downloads at most 40 KB for the whole
/// runtime, rrweb's recorder included, and what it decodes is exactly the runtime; the
/// response is cached for good.
#[tokio::test]
async fn the_runtime_is_at_most_40_kb_on_the_wire_and_cached_for_good() {
    let world = World::start().await;
    let visitor = world.tandem.visitor("https://shop.test/").await;
    let plain = fetch_runtime(&visitor, "identity").await;
    assert_eq!(plain.status, StatusCode::OK);
    assert_eq!(plain.header(header::CONTENT_ENCODING), None);
    assert_eq!(plain.body, tandem::injector::RUNTIME_JS.as_bytes());
    for (accept_encoding, coding) in
        [("gzip, deflate, br, zstd", "br"), ("gzip, deflate", "gzip"), ("zstd", "zstd"), ("br", "br")]
    {
        let reply = fetch_runtime(&visitor, accept_encoding).await;
        assert_eq!(reply.status, StatusCode::OK, "{accept_encoding}");
        assert_eq!(reply.header(header::CONTENT_ENCODING), Some(coding), "{accept_encoding}");
        assert_eq!(reply.header(header::CONTENT_LENGTH), Some(reply.body.len().to_string().as_str()));
        assert!(
            reply.body.len() <= RUNTIME_BUDGET_ON_THE_WIRE,
            "the runtime in {coding} is {} bytes, over the budget of {RUNTIME_BUDGET_ON_THE_WIRE}",
            reply.body.len()
        );
        assert!(reply.decoded() == plain.body, "the runtime in {coding} does not decode to the runtime");
        assert_eq!(reply.header(header::CACHE_CONTROL), Some("public, max-age=31536000, immutable"));
        assert_eq!(reply.header(header::VARY), Some("Accept-Encoding"));
    }
}

/// Guards the build: the runtime as served is minified (no comment of the sources is
/// left) and keeps rrweb's license notice, which its recorder inside requires.
#[tokio::test]
async fn the_served_runtime_is_minified_and_keeps_rrwebs_license_notice() {
    let world = World::start().await;
    let visitor = world.tandem.visitor("https://shop.test/").await;
    let runtime = fetch_runtime(&visitor, "identity").await.text();
    let notice = include_str!("../../injector/capture/NOTICE");
    for line in notice.lines() {
        assert!(runtime.contains(&format!("// {line}\n")), "the notice's line {line:?} is missing");
    }
    let main = include_str!("../../injector/runtime/main.js");
    let comment = main.lines().find(|line| line.starts_with("// ")).expect("main.js has a comment");
    assert!(!runtime.contains(comment), "the sources' comments are served: {comment:?}");
}

/// The sizes BENCHMARKS.md shows ("In-page runtime size"), printed as a Markdown table by
/// `scripts/runtime-size`: each runtime as its parts add up (before minifying), as
/// served, and on the wire in each coding, with the time its first request took (the
/// compression, once per process, unless the warm-up at the start did it first).
#[tokio::test]
#[ignore = "a measurement, not a check: scripts/runtime-size runs it on a release build"]
async fn runtime_sizes() {
    let world = World::start().await;
    let visitor = world.tandem.visitor("https://shop.test/").await;
    let runtimes = [
        (
            "page runtime",
            include_str!(concat!(env!("OUT_DIR"), "/runtime.source.js")),
            &*PAGE_RUNTIME,
            PAGE_RUNTIME_PATH,
        ),
        (
            "worker part",
            include_str!(concat!(env!("OUT_DIR"), "/worker.source.js")),
            &*WORKER_RUNTIME,
            WORKER_RUNTIME_PATH,
        ),
    ];
    println!("| runtime | parts added up | as served | br | zstd | gzip |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (name, source, script, path) in runtimes {
        let url = script.versioned_url(path);
        let served = fetch(&visitor, &url, "identity").await;
        assert_eq!(served.body, script.text.as_bytes(), "{name}");
        let mut cells = vec![source.len().to_string(), served.body.len().to_string()];
        for coding in ["br", "zstd", "gzip"] {
            let started = Instant::now();
            let reply = fetch(&visitor, &url, coding).await;
            let first = started.elapsed();
            assert_eq!(reply.header(header::CONTENT_ENCODING), Some(coding), "{name}");
            cells.push(format!("{} ({} ms)", reply.body.len(), first.as_millis()));
        }
        println!("| {name} | {} |", cells.join(" | "));
    }
}

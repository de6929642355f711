//! HTML rewrite throughput on real pages saved from real apps (`fixtures/pages`), next to
//! lol_html parsing the same bytes with no handlers: the floor any lol_html-based
//! rewriter stands on. Both are fed the same 16 KiB chunks, as a network would.
//!
//! Run: `cargo bench --bench rewrite` (figures in BENCHMARKS.md).

// criterion_group! generates an undocumented function.
#![allow(missing_docs)]

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tandem::origin::ContentOrigin;
use tandem::rewrite::filter::{BodyFilter, run_split};
use tandem::rewrite::html::{HtmlFilter, HtmlOptions};
use tandem::rewrite::{Mapping, UrlRewriter};
use tandem::rules::Rules;
use tandem::session::jar::public_suffix_list;
use tandem::session::{NewSession, SessionRegistry};
use url::Url;

/// Chunk size fed to both rewriters.
const CHUNK: usize = 16 * 1024;
/// The pages measured: the largest of each app, plus a small one.
const PAGES: &[&str] = &[
    "django-admin-user-changelist-all.html",
    "django-admin-user-changelist.html",
    "datasette-table.html",
    "mkdocs-material-api.html",
    "redoc-index.html",
];

fn rewriter() -> UrlRewriter {
    let base = Url::parse("http://127.0.0.1:8000/").expect("url");
    let registry = SessionRegistry::new(public_suffix_list());
    let settings = NewSession { visitor_id: "bench".to_owned(), initial_url: base.clone(), require_consent: false };
    let session = registry.create(&settings, 0);
    let zone = Arc::new(ContentOrigin::new(&Url::parse("http://proxy.localhost:8080").expect("url")));
    UrlRewriter::new(Mapping { session, zone, rules: Arc::new(Rules::default()) }, base)
}

/// lol_html fed the same chunks, with no handlers at all or with one empty handler on
/// every element (which makes it tokenize every tag, as any URL rewriter must); returns
/// the bytes written.
fn bare_run(input: &[u8], splits: &[usize], every_element: bool) -> usize {
    let mut total = 0;
    let mut settings = lol_html::Settings::new();
    if every_element {
        settings = settings.append_element_content_handler(lol_html::element!("*", |_el| Ok(())));
    }
    let mut rewriter = lol_html::HtmlRewriter::new(settings, |chunk: &[u8]| total += chunk.len());
    let mut start = 0;
    for &split in splits.iter().chain(std::iter::once(&input.len())) {
        rewriter.write(&input[start..split]).expect("parses");
        start = split;
    }
    rewriter.end().expect("ends");
    total
}

fn bench_pages(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/pages");
    let urls = rewriter();
    let options = HtmlOptions { header_encoding: None, memory_limit: 4 * 1024 * 1024, css_buffer_limit: 256 * 1024 };
    for page in PAGES {
        let input = std::fs::read(dir.join(page)).expect("saved page");
        let splits: Vec<usize> = (CHUNK..input.len()).step_by(CHUNK).collect();
        let mut group = c.benchmark_group(*page);
        group.throughput(Throughput::Bytes(input.len() as u64));
        group.bench_function("lol_html bare", |b| b.iter(|| black_box(bare_run(black_box(&input), &splits, false))));
        group.bench_function("lol_html every element", |b| {
            b.iter(|| black_box(bare_run(black_box(&input), &splits, true)))
        });
        group.bench_function("tandem rewrite", |b| {
            b.iter(|| {
                let mut filter = HtmlFilter::new(urls.clone(), &options).expect("utf-8");
                let filter: &mut dyn BodyFilter = &mut filter;
                black_box(run_split(filter, black_box(&input), &splits).expect("rewrites").len())
            })
        });
        group.finish();
    }
}

criterion_group!(benches, bench_pages);
criterion_main!(benches);

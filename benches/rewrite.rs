//! Rewrite throughput on real pages saved from real apps (`fixtures/pages`): HTML next to
//! lol_html parsing the same bytes with no handlers (the floor any lol_html-based
//! rewriter stands on), stylesheets next to a plain copy. All are fed the same 16 KiB
//! chunks, as a network would.
//!
//! Run: `cargo bench --bench rewrite` (figures in BENCHMARKS.md). With
//! `REWRITE_ONCE=<contender>:<page>` (contender `bare`, `every` or `tandem` for a page,
//! `copy` or `css` for a stylesheet) it rewrites that page once after one warm-up pass
//! and exits, for instruction counts:
//! `valgrind --tool=callgrind --toggle-collect='*measured_pass*' <bench binary>`.

// criterion_group! generates an undocumented function.
#![allow(missing_docs)]

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group};
use tandem::origin::ContentOrigin;
use tandem::rewrite::css::CssStreamRewriter;
use tandem::rewrite::filter::{BodyFilter, FilterError, run_split};
use tandem::rewrite::html::{HtmlFilter, HtmlOptions};
use tandem::rewrite::{Mapping, UrlRewriter};
use tandem::rules::Rules;
use tandem::session::jar::public_suffix_list;
use tandem::session::{NewSession, SessionRegistry};
use url::Url;

/// Chunk size fed to every contender.
const CHUNK: usize = 16 * 1024;
/// The pages measured: the largest of each app, plus a small one.
const PAGES: &[&str] = &[
    "django-admin-user-changelist-all.html",
    "django-admin-user-changelist.html",
    "datasette-table.html",
    "mkdocs-material-api.html",
    "redoc-index.html",
];
/// The stylesheets measured: the largest of each app that has one.
const STYLESHEETS: &[&str] = &["django-admin-base.css", "mkdocs-material-main.min.css", "swagger-ui.css"];

/// What rewrites the page.
#[derive(Clone, Copy)]
enum Contender {
    /// lol_html with no handlers at all.
    Bare,
    /// lol_html with one empty handler on every element (which makes it tokenize every
    /// tag, as any URL rewriter must).
    EveryElement,
    /// Tandem's HTML filter.
    Tandem,
    /// The chunks copied to the output, as a pass-through would.
    Copy,
    /// Tandem's stylesheet filter.
    Css,
}

const PAGE_CONTENDERS: [(&str, &str, Contender); 3] = [
    ("bare", "lol_html bare", Contender::Bare),
    ("every", "lol_html every element", Contender::EveryElement),
    ("tandem", "tandem rewrite", Contender::Tandem),
];
const STYLESHEET_CONTENDERS: [(&str, &str, Contender); 2] =
    [("copy", "copy", Contender::Copy), ("css", "tandem css rewrite", Contender::Css)];

/// One page and everything its rewrites need.
struct Page {
    input: Vec<u8>,
    splits: Vec<usize>,
    urls: UrlRewriter,
    options: HtmlOptions,
}

impl Page {
    fn load(name: &str) -> Self {
        let input = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/pages").join(name))
            .unwrap_or_else(|e| panic!("saved page {name}: {e}"));
        let splits = (CHUNK..input.len()).step_by(CHUNK).collect();
        let options =
            HtmlOptions { header_encoding: None, memory_limit: 4 * 1024 * 1024, css_buffer_limit: 256 * 1024 };
        Page { input, splits, urls: rewriter(), options }
    }

    /// Rewrites the page once with `contender`; returns the bytes written.
    fn run(&self, contender: Contender) -> usize {
        match contender {
            Contender::Bare => bare_run(&self.input, &self.splits, false),
            Contender::EveryElement => bare_run(&self.input, &self.splits, true),
            Contender::Tandem => {
                let mut filter = HtmlFilter::new(self.urls.clone(), &self.options).expect("utf-8");
                self.filter(&mut filter)
            }
            Contender::Copy => self.filter(&mut CopyFilter),
            Contender::Css => {
                self.filter(&mut CssStreamRewriter::new(self.urls.clone(), self.options.css_buffer_limit))
            }
        }
    }

    fn filter(&self, filter: &mut dyn BodyFilter) -> usize {
        run_split(filter, black_box(&self.input), &self.splits).expect("rewrites").len()
    }
}

/// The pass-through a proxy that rewrites nothing does: every chunk copied out.
struct CopyFilter;

impl BodyFilter for CopyFilter {
    fn write(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), FilterError> {
        out.extend_from_slice(input);
        Ok(())
    }

    fn finish(&mut self, _out: &mut Vec<u8>) -> Result<(), FilterError> {
        Ok(())
    }
}

fn rewriter() -> UrlRewriter {
    let base = Url::parse("http://127.0.0.1:8000/").expect("url");
    let registry = SessionRegistry::new(public_suffix_list());
    let settings = NewSession { visitor_id: "bench".to_owned(), initial_url: base.clone(), require_consent: false };
    let session = registry.create(&settings, 0);
    let zone = Arc::new(ContentOrigin::new(&Url::parse("http://proxy.localhost:8080").expect("url")));
    UrlRewriter::new(Mapping { session, zone, rules: Arc::new(Rules::default()) }, base)
}

/// lol_html fed the chunks, with no handlers or one empty handler on every element.
fn bare_run(input: &[u8], splits: &[usize], every_element: bool) -> usize {
    let mut total = 0;
    let mut settings = lol_html::Settings::new();
    if every_element {
        settings = settings.append_element_content_handler(lol_html::element!("*", |_el| Ok(())));
    }
    let mut rewriter = lol_html::HtmlRewriter::new(settings, |chunk: &[u8]| total += chunk.len());
    let mut start = 0;
    for &split in splits.iter().chain(std::iter::once(&input.len())) {
        rewriter.write(&black_box(input)[start..split]).expect("parses");
        start = split;
    }
    rewriter.end().expect("ends");
    total
}

/// Every page with the contenders measured on it.
fn pages() -> impl Iterator<Item = (&'static str, &'static [(&'static str, &'static str, Contender)])> {
    let pages = PAGES.iter().map(|&name| (name, &PAGE_CONTENDERS[..]));
    pages.chain(STYLESHEETS.iter().map(|&name| (name, &STYLESHEET_CONTENDERS[..])))
}

fn bench_pages(c: &mut Criterion) {
    for (name, contenders) in pages() {
        let page = Page::load(name);
        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Bytes(page.input.len() as u64));
        for &(_, label, contender) in contenders {
            group.bench_function(label, |b| b.iter(|| black_box(page.run(contender))));
        }
        group.finish();
    }
}

/// The pass callgrind counts (`--toggle-collect`): not inlined, so it has a name.
#[inline(never)]
fn measured_pass(page: &Page, contender: Contender) -> usize {
    page.run(contender)
}

/// `REWRITE_ONCE=<contender>:<page>`: one warm-up pass (lazy statics, first allocations),
/// then the measured one.
fn once(spec: &str) -> anyhow::Result<()> {
    let (key, name) = spec.split_once(':').ok_or_else(|| anyhow::anyhow!("REWRITE_ONCE=<contender>:<page>"))?;
    let contender = PAGE_CONTENDERS
        .iter()
        .chain(&STYLESHEET_CONTENDERS)
        .find(|(k, _, _)| *k == key)
        .map(|&(_, _, c)| c)
        .ok_or_else(|| anyhow::anyhow!("contender {key:?}: bare, every, tandem, copy or css"))?;
    let page = Page::load(name);
    black_box(page.run(contender));
    let written = measured_pass(&page, contender);
    println!("{key} {name}: {} bytes in, {written} bytes out", page.input.len());
    Ok(())
}

criterion_group!(benches, bench_pages);

fn main() -> anyhow::Result<()> {
    if let Ok(spec) = std::env::var("REWRITE_ONCE") {
        return once(&spec);
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
    Ok(())
}

//! What filters report once a body went through them: where rewriting gave up, and how
//! the body compressed for the browser came out; through chains, as the proxy builds them.

use super::*;
use crate::rewrite::css::CssStreamRewriter;
use crate::rewrite::encode::Encoder;
use crate::rewrite::html::{HtmlFilter, HtmlOptions};
use crate::rewrite::url::test_rewriter;

const OPTIONS: HtmlOptions = HtmlOptions { header_encoding: None, memory_limit: 64 * 1024, css_buffer_limit: 64 };

/// Runs `input` through `filter` in a few chunks and returns its report.
fn report_of(mut filter: impl BodyFilter, input: &[u8]) -> FilterReport {
    run_split(&mut filter, input, &[input.len() / 3, input.len() / 2]).expect("filters");
    let mut report = FilterReport::default();
    filter.report(&mut report);
    report
}

fn html(input: &str) -> Vec<BailOut> {
    let filter = HtmlFilter::new(test_rewriter("https://shop.test/"), &OPTIONS).expect("UTF-8");
    report_of(filter, input.as_bytes()).bail_outs
}

#[test]
fn the_html_rewriter_reports_its_memory_limit_and_a_style_too_long_to_hold() {
    assert_eq!(html("<a href='https://a.test/'>a</a><style>.a{color:red}</style>"), []);
    let huge_attribute = "x".repeat(256 * 1024);
    assert_eq!(html(&format!("<div title='{huge_attribute}'></div><a href='/'>b</a>")), [BailOut::HtmlMemory]);
    let long_style = format!("<style>.a{{background:url(/a.png)}}{}</style>", "/* pad */".repeat(20));
    assert_eq!(html(&long_style), [BailOut::CssBuffer]);
}

#[test]
fn a_stylesheet_reports_a_segment_too_long_to_rewrite_once() {
    let rewriter = || CssStreamRewriter::new(test_rewriter("https://shop.test/"), 32);
    assert_eq!(report_of(rewriter(), b".a{background:url(/a.png)}").bail_outs, []);
    let long = format!(".a{{background:url(/a.png) {}}}.b{{}}", "no-repeat ".repeat(20)).repeat(3);
    assert_eq!(report_of(rewriter(), long.as_bytes()).bail_outs, [BailOut::CssBuffer]);
}

#[test]
fn an_encoder_behind_a_rewriter_reports_what_it_took_and_made() {
    let page = "<p>Lorem ipsum dolor sit amet</p>\n".repeat(100);
    let css = CssStreamRewriter::new(test_rewriter("https://shop.test/"), 1 << 20);
    let report = report_of(Chain::new(css, Encoder::new(Coding::Gzip)), page.as_bytes());
    let compression = report.compression.expect("compressed");
    assert_eq!((compression.coding, compression.plain_bytes), (Coding::Gzip, page.len() as u64));
    assert!(compression.encoded_bytes > 0 && compression.encoded_bytes < page.len() as u64 / 10, "{compression:?}");
    assert_eq!(report.bail_outs, []);
}

#[test]
fn a_failure_is_a_bail_out_by_its_cause() {
    assert_eq!(BailOut::of(&FilterError::ExpansionLimit { ratio: 10 }), BailOut::DecompressionLimit);
    assert_eq!(BailOut::of(&FilterError::Rewrite("x".into())), BailOut::Failed);
}

//! The streamed stylesheet rewriter (`rewrite/css_stream.rs`, over `rewrite/css.rs`),
//! fed a stylesheet in one piece and at the input's chunk boundaries. Invariants:
//! - the output is the same at any chunking, with the session's URL mapper and with a
//!   small buffer (whose pass-through is decided by segment length alone);
//! - with a mapper that maps nothing, the output is the input, byte for byte;
//! - for a UTF-8 stylesheet, every piece written out ends on a character boundary.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tandem::config::DEFAULT_CSS_BUFFER;
use tandem::rewrite::UrlMap;
use tandem::rewrite::css::CssStreamRewriter;
use tandem::rewrite::filter::BodyFilter;
use tandem_fuzz::{Chunked, lossy, rewriter, same_at_any_chunking};

/// Maps nothing: the rewriter must then copy its input exactly.
struct NoMap;

impl UrlMap for NoMap {
    fn map_url(&self, _raw: &str) -> Option<String> {
        None
    }
}

fuzz_target!(|data: &[u8]| {
    let Some(input) = Chunked::parse(data) else { return };
    // Small buffers reach the pass-through of long segments.
    let max_buffer = if input.options & 1 != 0 { usize::from(input.options >> 1) } else { DEFAULT_CSS_BUFFER };
    let urls = rewriter("https://shop.test/css/site.css");
    let make = || -> Box<dyn BodyFilter> { Box::new(CssStreamRewriter::new(urls.clone(), max_buffer)) };
    let _ = same_at_any_chunking(make, input.document, &input.splits);

    let mut copy = CssStreamRewriter::new(NoMap, max_buffer);
    let utf8 = std::str::from_utf8(input.document).is_ok();
    let mut out = Vec::new();
    let mut start = 0;
    for &split in input.splits.iter().chain(std::iter::once(&input.document.len())) {
        let before = out.len();
        copy.write(&input.document[start..split], &mut out);
        start = split;
        assert!(
            !utf8 || std::str::from_utf8(&out[before..]).is_ok(),
            "a piece ends inside a character: {:?}",
            lossy(&out[before..])
        );
    }
    copy.finish(&mut out);
    assert!(out == input.document, "unmapped output differs:\n{:?}\n{:?}", lossy(input.document), lossy(&out));
});

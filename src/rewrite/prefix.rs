//! The worker-script filter: a fixed text (the runtime's worker part) goes out before
//! the first byte of the body, and the body then streams through untouched. Nothing is
//! held back, so a worker starts as soon as its script would have.

use super::filter::{BodyFilter, FilterError};

/// Prepends `prefix` to the body.
pub struct PrefixFilter {
    /// Still to be written: `None` once it went out.
    prefix: Option<&'static [u8]>,
}

impl PrefixFilter {
    /// A filter that writes `prefix` first.
    pub fn new(prefix: &'static str) -> Self {
        PrefixFilter { prefix: Some(prefix.as_bytes()) }
    }

    fn flush_prefix(&mut self, out: &mut Vec<u8>) {
        if let Some(prefix) = self.prefix.take() {
            out.extend_from_slice(prefix);
        }
    }
}

impl BodyFilter for PrefixFilter {
    fn write(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), FilterError> {
        self.flush_prefix(out);
        out.extend_from_slice(input);
        Ok(())
    }

    fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), FilterError> {
        // An empty script still gets the prefix: the worker runs it and nothing else.
        self.flush_prefix(out);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::rewrite::filter::run_split;
    use crate::rewrite::url::test_rewriter;
    use crate::rewrite::{BodyKind, RewriteLimits, body_filter};

    const PREFIX: &str = "/* worker part */\n";

    fn script() -> Vec<u8> {
        (0..2_000).map(|i| format!("self.x{i} = 'é{i}';\n")).collect::<String>().into_bytes()
    }

    fn expected(body: &[u8]) -> Vec<u8> {
        [PREFIX.as_bytes(), body].concat()
    }

    #[test]
    fn the_prefix_goes_first_at_any_chunking() {
        let body = script();
        let every_byte: Vec<usize> = (1..body.len()).collect();
        let mut seed = 7u64;
        let random: Vec<usize> = {
            let mut points: Vec<usize> = (0..50)
                .map(|_| {
                    seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    (seed >> 33) as usize % body.len()
                })
                .collect();
            points.sort_unstable();
            points
        };
        for splits in [vec![], vec![0], every_byte, random] {
            let mut filter = PrefixFilter::new(PREFIX);
            assert_eq!(run_split(&mut filter, &body, &splits).expect("filters"), expected(&body));
        }
    }

    #[test]
    fn output_starts_with_the_first_chunk_and_nothing_waits() {
        let mut filter = PrefixFilter::new(PREFIX);
        let mut out = Vec::new();
        filter.write(b"first", &mut out).expect("write");
        assert_eq!(out, expected(b"first"));
        out.clear();
        filter.write(b"second", &mut out).expect("write");
        assert_eq!(out, b"second");
    }

    #[test]
    fn an_empty_body_is_the_prefix() {
        let mut filter = PrefixFilter::new(PREFIX);
        assert_eq!(run_split(&mut filter, b"", &[]).expect("filters"), PREFIX.as_bytes());
    }

    /// A gzip-coded upstream script is decoded first: the browser gets plain text.
    #[test]
    fn compressed_scripts_are_decoded_then_prefixed() {
        let body = script();
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(&body).expect("gzip");
        let gzip = encoder.finish().expect("gzip");
        let limits = RewriteLimits { html_memory: 1 << 20, css_buffer: 1 << 16, max_decompression_ratio: 100 };
        for splits in [vec![], (1..gzip.len()).step_by(3).collect::<Vec<_>>()] {
            let urls = test_rewriter("https://app.test/w.js");
            let kind = BodyKind::Prefixed(PREFIX);
            let mut filter = body_filter(kind, Some("text/javascript"), Some("gzip"), urls, &limits).expect("a filter");
            assert_eq!(run_split(&mut filter, &gzip, &splits).expect("filters"), expected(&body));
        }
    }
}

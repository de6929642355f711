//! Streamed stylesheets: owns cutting a `text/css` body that arrives in arbitrary chunks
//! into segments the whole-piece rewrite ([`super::rewrite_css`]) can take one by one,
//! holding back only the unfinished segment, with output that does not depend on how the
//! body was chunked.

use super::css_scan::SafePointScanner;
use super::{may_hold_url, rewrite_tokens};
use crate::rewrite::filter::{BailOut, BodyFilter, FilterError, FilterReport};
use crate::rewrite::url::UrlMap;

/// Streaming stylesheet rewriter for `text/css` bodies arriving in arbitrary chunks.
///
/// The body is cut into segments at every safe split point (a top-level `;`, `{` or `}`, see
/// `css_scan`), and each segment is rewritten on its own as [`super::rewrite_css`] would as
/// soon as it is complete. Because segment boundaries depend only on the content, the output
/// is identical however the input is chunked. Only the current, incomplete segment is buffered.
pub struct CssStreamRewriter<M: UrlMap> {
    map: M,
    max_buffer: usize,
    scanner: SafePointScanner,
    /// The not yet emitted part of the current segment (the tests check how much it holds).
    pub(super) pending: Vec<u8>,
    /// The current segment outgrew `max_buffer`: it is passed through as it arrives.
    passthrough: bool,
    /// A segment of this stylesheet passed through for its size (for the metrics).
    bailed_out: bool,
    /// Reused output buffer for `rewrite_css`.
    scratch: String,
}

impl<M: UrlMap> CssStreamRewriter<M> {
    /// Creates a rewriter that buffers at most about `max_buffer` bytes of an unfinished segment.
    ///
    /// A segment (the text between two safe split points) longer than `max_buffer` is passed
    /// through unrewritten, from its start up to its end, and rewriting resumes with the next
    /// segment. This bounds memory for hostile or broken input (a huge unterminated string, an
    /// unclosed parenthesis) at the cost of leaving URLs in that one segment unmapped. Deciding by
    /// segment length rather than by buffer fill keeps the output independent of chunking.
    pub fn new(map: M, max_buffer: usize) -> Self {
        Self {
            map,
            max_buffer,
            scanner: SafePointScanner::new(),
            pending: Vec::new(),
            passthrough: false,
            bailed_out: false,
            scratch: String::new(),
        }
    }

    /// Feeds one chunk; appends whatever can already be emitted to `out`.
    ///
    /// Segments with no hint of a URL (see `take_url_hint`) are not copied one by one: a
    /// run of them goes out in one piece when a segment needing a rewrite comes, or at the
    /// end of the chunk.
    pub fn write(&mut self, chunk: &[u8], out: &mut Vec<u8>) {
        // chunk[unsent..from] is a run of finished segments that go out as they are.
        let mut unsent = 0;
        let mut from = 0;
        let mut i = 0;
        while i < chunk.len() {
            i += self.scanner.skip_plain(&chunk[i..]);
            let Some(&b) = chunk.get(i) else { break };
            if self.scanner.push(b) {
                let may_hold_url = self.scanner.take_url_hint();
                if !self.pending.is_empty() {
                    let mut segment = std::mem::take(&mut self.pending);
                    segment.extend_from_slice(&chunk[from..=i]);
                    self.emit(&segment, out);
                    segment.clear();
                    self.pending = segment;
                    unsent = i + 1;
                } else if may_hold_url || self.passthrough {
                    // The whole segment is in this chunk: no need to hold it.
                    out.extend_from_slice(&chunk[unsent..from]);
                    self.emit(&chunk[from..=i], out);
                    unsent = i + 1;
                }
                from = i + 1;
            }
            i += 1;
        }
        out.extend_from_slice(&chunk[unsent..from]);
        // A segment longer than the buffer passes through (see `new`); one that does not end
        // in this chunk is decided here, one that does in `emit`.
        self.passthrough |= self.pending.len() + (chunk.len() - from) > self.max_buffer;
        self.pending.extend_from_slice(&chunk[from..]);
        if self.passthrough {
            self.bailed_out = true;
            // Hold back a split UTF-8 sequence so every emitted piece ends on a char boundary.
            let keep = incomplete_utf8_suffix(&self.pending);
            let emit = self.pending.len() - keep;
            out.extend_from_slice(&self.pending[..emit]);
            self.pending.drain(..emit);
        }
    }

    /// End of input: flushes the rest. The rewriter is then ready for a new stylesheet.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        let rest = std::mem::take(&mut self.pending);
        self.emit(&rest, out);
        self.scanner = SafePointScanner::new();
    }

    /// Emits the rest of the current segment (`pending` is already in it), rewritten unless
    /// passing through.
    fn emit(&mut self, segment: &[u8], out: &mut Vec<u8>) {
        let passthrough = std::mem::take(&mut self.passthrough) || segment.len() > self.max_buffer;
        self.bailed_out |= passthrough;
        if !passthrough
            && may_hold_url(segment)
            && let Ok(text) = std::str::from_utf8(segment)
        {
            self.scratch.clear();
            rewrite_tokens(text, &self.map, &mut self.scratch);
            out.extend_from_slice(self.scratch.as_bytes());
        } else {
            // Nothing to rewrite; or oversize, or not valid UTF-8: not ours to interpret.
            out.extend_from_slice(segment);
        }
    }
}

/// Length of a UTF-8 sequence cut short at the end of `bytes` (0 if none).
fn incomplete_utf8_suffix(bytes: &[u8]) -> usize {
    for back in 1..=bytes.len().min(3) {
        let b = bytes[bytes.len() - back];
        let needed = match b {
            0xc0..=0xdf => 2,
            0xe0..=0xef => 3,
            0xf0..=0xf7 => 4,
            0x80..=0xbf => continue,
            _ => return 0,
        };
        return if needed > back { back } else { 0 };
    }
    0
}

impl<M: UrlMap + Send> BodyFilter for CssStreamRewriter<M> {
    fn write(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), FilterError> {
        CssStreamRewriter::write(self, input, out);
        Ok(())
    }

    fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), FilterError> {
        CssStreamRewriter::finish(self, out);
        Ok(())
    }

    fn report(&self, report: &mut FilterReport) {
        if self.bailed_out {
            report.bail_outs.push(BailOut::CssBuffer);
        }
    }
}

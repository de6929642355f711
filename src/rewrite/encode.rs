//! Compression for the browser of the bodies Tandem decoded to rewrite: what the upstream
//! sent compressed goes out encoded again, in the coding the browser prefers of `zstd`,
//! `br` and `gzip` (what it sent plain stays plain: `proxy/response.rs`). The output of every input chunk is flushed at once: what the
//! rewriter has produced (the head with the runtime's tag first) reaches the browser as
//! soon as it would uncompressed, for a few bytes per chunk. Each encoder's memory is
//! bounded by its window (the levels and windows below, chosen by measurement:
//! BENCHMARKS.md, "Compression"). The same encoders compress Tandem's own scripts, once
//! per process, at each coding's highest level (`injector::Script`).

use std::io::Write;

use flate2::Compression;
use flate2::write::{GzEncoder, ZlibEncoder};
use zstd::zstd_safe::CParameter;

use super::decode::Coding;
use super::filter::{BodyFilter, FilterError, FilterReport, Recompressed};

/// gzip's level (1–9): what servers usually send, for browsers that take nothing better.
pub const GZIP_LEVEL: u32 = 6;
/// Brotli's quality (0–11): the lowest that is no larger than the upstream's gzip on
/// any measured body.
pub const BROTLI_QUALITY: u32 = 5;
/// Brotli's window: 2^18 bytes.
pub const BROTLI_WINDOW_LOG: u32 = 18;
/// zstd's level (1–19): level 3 came to 1.15 times the upstream's gzip on a small page;
/// 6 is within 1.05 on every body and still the fastest of the three.
pub const ZSTD_LEVEL: i32 = 6;
/// zstd's window: 2^19 bytes.
pub const ZSTD_WINDOW_LOG: u32 = 19;
/// zstd's match-finder tables for responses: 2^17 hash and 2^16 chain entries. Level 6's
/// own (2^19 and 2^18 for a body of unknown length) are 3 MB to allocate and clear for
/// every response: 0.6–0.9 ms of CPU on a 21 KB page, more than compressing it. These
/// take 0.75 MB and came within 0.3% of level 6's sizes on every measured body.
pub const ZSTD_HASH_LOG: u32 = 17;
/// See [`ZSTD_HASH_LOG`].
pub const ZSTD_CHAIN_LOG: u32 = 16;
/// Brotli's own output buffer.
const BROTLI_BUFFER: usize = 16 * 1024;

/// The codings Tandem encodes rewritten bodies in; a tie in the browser's preference
/// goes to the earlier: zstd at its level is smaller than brotli at its, and faster.
pub const RESPONSE_CODINGS: [Coding; 3] = [Coding::Zstd, Coding::Brotli, Coding::Gzip];

/// Of `offered`, the coding an `Accept-Encoding` value prefers: the highest `q` (`*`
/// stands for codings it does not name), ties to the earlier in `offered`; `None` when
/// it accepts none of them.
pub fn negotiate(accept_encoding: &str, offered: &[Coding]) -> Option<Coding> {
    let mut named = Vec::new();
    let mut wildcard = None;
    for entry in accept_encoding.split(',') {
        let mut fields = entry.split(';').map(str::trim);
        let coding = fields.next().unwrap_or_default();
        if coding.is_empty() {
            continue;
        }
        let q = fields
            .find_map(|param| param.strip_prefix("q=").or_else(|| param.strip_prefix("Q=")))
            .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok().filter(|q| (0.0..=1.0).contains(q)))
            .unwrap_or(0.0);
        if coding == "*" {
            wildcard = Some(q);
        } else {
            named.push((coding, q));
        }
    }
    let weight = |coding: Coding| {
        named.iter().find(|(name, _)| coding.is_named(name)).map(|&(_, q)| q).or(wildcard).unwrap_or(0.0)
    };
    let mut best: Option<(Coding, f32)> = None;
    for &coding in offered {
        let q = weight(coding);
        if q > 0.0 && best.is_none_or(|(_, best_q)| q > best_q) {
            best = Some((coding, q));
        }
    }
    best.map(|(coding, _)| coding)
}

/// `filter`'s output encoded in `coding`, or `filter` itself for `None`.
pub fn encoded(filter: Box<dyn BodyFilter>, coding: Option<Coding>) -> Box<dyn BodyFilter> {
    match coding {
        Some(coding) => Box::new(super::filter::Chain::new(filter, Encoder::new(coding))),
        None => filter,
    }
}

enum Inner {
    Gzip(GzEncoder<Vec<u8>>),
    Deflate(ZlibEncoder<Vec<u8>>),
    Brotli(Box<brotli::CompressorWriter<Vec<u8>>>),
    Zstd(zstd::stream::write::Encoder<'static, Vec<u8>>),
    /// Set up failed (zstd's context); reported on the first write.
    Failed(String),
    Finished,
}

/// Encodes a body in one content coding, flushing after every input chunk.
pub struct Encoder {
    coding: Coding,
    inner: Inner,
    plain_bytes: u64,
    encoded_bytes: u64,
}

impl Encoder {
    /// An encoder for a response in `coding`, at the level and table sizes above.
    pub fn new(coding: Coding) -> Self {
        let level = match coding {
            Coding::Gzip | Coding::Deflate => GZIP_LEVEL,
            Coding::Brotli => BROTLI_QUALITY,
            Coding::Zstd => ZSTD_LEVEL.unsigned_abs(),
        };
        let mut encoder = Encoder::with_level(coding, level);
        if let Inner::Zstd(zstd) = &mut encoder.inner {
            let tables = [CParameter::HashLog(ZSTD_HASH_LOG), CParameter::ChainLog(ZSTD_CHAIN_LOG)];
            if let Err(e) = tables.into_iter().try_for_each(|table| zstd.set_parameter(table)) {
                encoder.inner = Inner::Failed(e.to_string());
            }
        }
        encoder
    }

    /// An encoder for `coding` at `level` (clamped to the coding's range), for the
    /// measurements that chose the levels above.
    pub fn with_level(coding: Coding, level: u32) -> Self {
        let inner = match coding {
            Coding::Gzip => Inner::Gzip(GzEncoder::new(Vec::new(), Compression::new(level.clamp(1, 9)))),
            Coding::Deflate => Inner::Deflate(ZlibEncoder::new(Vec::new(), Compression::new(level.clamp(1, 9)))),
            Coding::Brotli => Inner::Brotli(Box::new(brotli::CompressorWriter::new(
                Vec::new(),
                BROTLI_BUFFER,
                level.min(11),
                BROTLI_WINDOW_LOG,
            ))),
            Coding::Zstd => zstd::stream::write::Encoder::new(Vec::new(), level.clamp(1, 19) as i32)
                .and_then(|mut encoder| encoder.window_log(ZSTD_WINDOW_LOG).map(|()| encoder))
                .map_or_else(|e| Inner::Failed(e.to_string()), Inner::Zstd),
        };
        Encoder { coding, inner, plain_bytes: 0, encoded_bytes: 0 }
    }

    /// An encoder for one whole body of `length` bytes at `coding`'s highest level, for
    /// Tandem's own scripts (`injector::Script`, compressed once per process). zstd is told
    /// the length, so its tables fit the body: for a body of unknown length, level 19's
    /// take some 80 MB and most of the time.
    pub fn highest_for_length(coding: Coding, length: u64) -> Self {
        let mut encoder = Encoder::with_level(coding, u32::MAX);
        if let Inner::Zstd(zstd) = &mut encoder.inner
            && let Err(e) = zstd.set_pledged_src_size(Some(length))
        {
            encoder.inner = Inner::Failed(e.to_string());
        }
        encoder
    }

    fn error(&self, e: impl std::fmt::Display) -> FilterError {
        FilterError::Encode { coding: self.coding.token(), detail: e.to_string() }
    }
}

impl BodyFilter for Encoder {
    fn write(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), FilterError> {
        fn push(encoder: &mut impl Write, input: &[u8]) -> std::io::Result<()> {
            encoder.write_all(input)?;
            encoder.flush()
        }
        if input.is_empty() {
            return Ok(());
        }
        let (result, sink) = match &mut self.inner {
            Inner::Gzip(e) => (push(e, input), e.get_mut()),
            Inner::Deflate(e) => (push(e, input), e.get_mut()),
            Inner::Brotli(e) => (push(e.as_mut(), input), e.get_mut()),
            Inner::Zstd(e) => (push(e, input), e.get_mut()),
            Inner::Failed(detail) => {
                return Err(FilterError::Encode { coding: self.coding.token(), detail: detail.clone() });
            }
            Inner::Finished => return Err(self.error("written after the end")),
        };
        self.plain_bytes += input.len() as u64;
        self.encoded_bytes += sink.len() as u64;
        // The sink keeps its capacity for the next chunk.
        out.append(sink);
        result.map_err(|e| self.error(e))
    }

    fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), FilterError> {
        let rest = match std::mem::replace(&mut self.inner, Inner::Finished) {
            Inner::Gzip(e) => e.finish(),
            Inner::Deflate(e) => e.finish(),
            Inner::Brotli(e) => Ok(e.into_inner()),
            Inner::Zstd(e) => e.finish(),
            Inner::Failed(detail) => Err(std::io::Error::other(detail)),
            Inner::Finished => Ok(Vec::new()),
        };
        let rest = rest.map_err(|e| self.error(e))?;
        self.encoded_bytes += rest.len() as u64;
        out.extend_from_slice(&rest);
        Ok(())
    }

    fn report(&self, report: &mut FilterReport) {
        let (plain_bytes, encoded_bytes) = (self.plain_bytes, self.encoded_bytes);
        report.compression = Some(Recompressed { coding: self.coding, plain_bytes, encoded_bytes });
    }
}

#[cfg(test)]
#[path = "encode_tests.rs"]
mod tests;

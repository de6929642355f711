//! Content decoding before rewriting: gzip, deflate, br and zstd, as push decoders so a
//! body is decoded chunk by chunk. Output is bounded by a ratio to the input consumed
//! so far, which stops decompression bombs before the memory is spent.

use std::io::Write;

use flate2::write::{DeflateDecoder, MultiGzDecoder, ZlibDecoder};

use super::filter::{BodyFilter, FilterError};

/// Decoded bytes always allowed, whatever the ratio: small bodies compress very well.
const EXPANSION_FLOOR: u64 = 1024 * 1024;
const BROTLI_BUFFER: usize = 16 * 1024;

/// A content coding Tandem can decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    /// `gzip` / `x-gzip`.
    Gzip,
    /// `deflate` (zlib-wrapped, or raw as some servers send it).
    Deflate,
    /// `br`.
    Brotli,
    /// `zstd`.
    Zstd,
}

impl Coding {
    /// The coding's name in `Content-Encoding` and `Accept-Encoding`.
    pub fn token(self) -> &'static str {
        match self {
            Coding::Gzip => "gzip",
            Coding::Deflate => "deflate",
            Coding::Brotli => "br",
            Coding::Zstd => "zstd",
        }
    }

    /// Whether `name` (any case) names this coding.
    pub fn is_named(self, name: &str) -> bool {
        name.eq_ignore_ascii_case(self.token()) || (self == Coding::Gzip && name.eq_ignore_ascii_case("x-gzip"))
    }
}

/// Every coding Tandem decodes.
pub const ALL_CODINGS: [Coding; 4] = [Coding::Gzip, Coding::Deflate, Coding::Brotli, Coding::Zstd];

/// The codings of a `Content-Encoding` header in the order they were applied, or
/// `None` if one of them is unknown (the body must then pass through untouched).
pub fn parse_content_encoding(header: &str) -> Option<Vec<Coding>> {
    header
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty() && !c.eq_ignore_ascii_case("identity"))
        .map(|c| ALL_CODINGS.into_iter().find(|coding| coding.is_named(c)))
        .collect()
}

/// Where decoders write: refuses to grow past the allowance the ratio gives.
struct BoundedSink {
    buf: Vec<u8>,
    allowance: u64,
}

impl Write for BoundedSink {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if data.len() as u64 > self.allowance {
            return Err(std::io::Error::other(ExpansionExceeded));
        }
        self.allowance -= data.len() as u64;
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[derive(Debug)]
struct ExpansionExceeded;

impl std::fmt::Display for ExpansionExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("expansion limit")
    }
}

impl std::error::Error for ExpansionExceeded {}

enum Inner {
    Gzip(MultiGzDecoder<BoundedSink>),
    /// Deflate waits for two bytes to tell zlib from raw deflate.
    DeflatePending(Vec<u8>, BoundedSink),
    Zlib(ZlibDecoder<BoundedSink>),
    RawDeflate(DeflateDecoder<BoundedSink>),
    Brotli(Box<brotli::DecompressorWriter<BoundedSink>>),
    Zstd(zstd::stream::write::Decoder<'static, BoundedSink>),
    Taken,
}

/// Decodes one content coding.
pub struct Decoder {
    coding: Coding,
    inner: Inner,
    ratio: u64,
    consumed: u64,
    produced: u64,
}

impl Decoder {
    /// A decoder for `coding` allowing `ratio` decoded bytes per compressed byte.
    pub fn new(coding: Coding, ratio: u64) -> Result<Self, FilterError> {
        let sink = BoundedSink { buf: Vec::new(), allowance: EXPANSION_FLOOR };
        let inner = match coding {
            Coding::Gzip => Inner::Gzip(MultiGzDecoder::new(sink)),
            Coding::Deflate => Inner::DeflatePending(Vec::new(), sink),
            Coding::Brotli => Inner::Brotli(Box::new(brotli::DecompressorWriter::new(sink, BROTLI_BUFFER))),
            Coding::Zstd => Inner::Zstd(zstd::stream::write::Decoder::new(sink).map_err(|e| corrupt(coding, &e))?),
        };
        Ok(Decoder { coding, inner, ratio, consumed: 0, produced: 0 })
    }

    fn sink(&mut self) -> Option<&mut BoundedSink> {
        Some(match &mut self.inner {
            Inner::Gzip(d) => d.get_mut(),
            Inner::DeflatePending(_, s) => s,
            Inner::Zlib(d) => d.get_mut(),
            Inner::RawDeflate(d) => d.get_mut(),
            Inner::Brotli(d) => d.get_mut(),
            Inner::Zstd(d) => d.get_mut(),
            Inner::Taken => return None,
        })
    }

    fn error(&self, e: std::io::Error) -> FilterError {
        if e.get_ref().is_some_and(|inner| inner.is::<ExpansionExceeded>()) {
            FilterError::ExpansionLimit { ratio: self.ratio }
        } else {
            corrupt(self.coding, &e)
        }
    }

    fn feed(&mut self, input: &[u8]) -> std::io::Result<()> {
        if let Inner::DeflatePending(pending, _) = &mut self.inner {
            pending.extend_from_slice(input);
            if pending.len() < 2 {
                return Ok(());
            }
            let Inner::DeflatePending(pending, sink) = std::mem::replace(&mut self.inner, Inner::Taken) else {
                unreachable!("matched above")
            };
            let (cmf, flg) = (pending[0], pending[1]);
            let zlib = cmf & 0x0f == 8 && (u16::from(cmf) << 8 | u16::from(flg)) % 31 == 0;
            self.inner =
                if zlib { Inner::Zlib(ZlibDecoder::new(sink)) } else { Inner::RawDeflate(DeflateDecoder::new(sink)) };
            return self.feed(&pending);
        }
        // A decoder keeps what it decoded from the last input until the next write unless
        // flushed: a head sent before the upstream stalls would wait for the rest.
        fn push(decoder: &mut impl Write, input: &[u8]) -> std::io::Result<()> {
            decoder.write_all(input)?;
            decoder.flush()
        }
        match &mut self.inner {
            Inner::Gzip(d) => push(d, input),
            Inner::Zlib(d) => push(d, input),
            Inner::RawDeflate(d) => push(d, input),
            Inner::Brotli(d) => push(d.as_mut(), input),
            Inner::Zstd(d) => push(d, input),
            Inner::DeflatePending(..) | Inner::Taken => Ok(()),
        }
    }

    fn drain(&mut self, out: &mut Vec<u8>) {
        if let Some(sink) = self.sink() {
            let len = sink.buf.len() as u64;
            out.append(&mut sink.buf);
            self.produced += len;
        }
    }
}

fn corrupt(coding: Coding, e: &dyn std::fmt::Display) -> FilterError {
    FilterError::Corrupt { coding: coding.token(), detail: e.to_string() }
}

impl BodyFilter for Decoder {
    fn write(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), FilterError> {
        self.consumed += input.len() as u64;
        let allowed_total = EXPANSION_FLOOR.saturating_add(self.consumed.saturating_mul(self.ratio));
        let produced = self.produced;
        if let Some(sink) = self.sink() {
            sink.allowance = allowed_total.saturating_sub(produced);
        }
        self.feed(input).map_err(|e| self.error(e))?;
        self.drain(out);
        Ok(())
    }

    fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), FilterError> {
        if let Inner::DeflatePending(pending, _) = &self.inner
            && !pending.is_empty()
        {
            return Err(corrupt(self.coding, &"truncated deflate stream"));
        }
        let result = match &mut self.inner {
            Inner::Gzip(d) => d.try_finish(),
            Inner::Zlib(d) => d.try_finish(),
            Inner::RawDeflate(d) => d.try_finish(),
            Inner::Brotli(d) => d.close().map_err(std::io::Error::other),
            Inner::Zstd(d) => d.flush(),
            Inner::DeflatePending(..) | Inner::Taken => Ok(()),
        };
        result.map_err(|e| self.error(e))?;
        self.drain(out);
        Ok(())
    }
}

#[cfg(test)]
#[path = "decode_tests.rs"]
mod tests;

//! The synchronous body filter: the last phase of the pipeline. Filters take input
//! chunks as they arrive and append whatever output they can already produce; they
//! never need the whole body. Once a body is done with, they tell where they gave up
//! and how its compression came out ([`FilterReport`]).

use super::decode::Coding;

/// Why a body could not be filtered to the end.
#[derive(Debug, thiserror::Error)]
pub enum FilterError {
    /// The compressed body expands beyond the allowed ratio (a decompression bomb).
    #[error("the compressed body expands more than {ratio} times")]
    ExpansionLimit {
        /// The configured bound.
        ratio: u64,
    },
    /// The upstream sent a body that does not decode.
    #[error("the upstream's {coding} body is corrupt: {detail}")]
    Corrupt {
        /// Which content coding.
        coding: &'static str,
        /// The decoder's message.
        detail: String,
    },
    /// Encoding the rewritten body for the browser failed (Tandem's fault).
    #[error("{coding} encoding failed: {detail}")]
    Encode {
        /// Which content coding.
        coding: &'static str,
        /// The encoder's message.
        detail: String,
    },
    /// The rewriter failed in a way it could not pass through.
    #[error("rewriting failed: {0}")]
    Rewrite(String),
}

/// Where rewriting gave up on part of a body (which then passed through untouched) or
/// on the rest of it (which was cut off).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BailOut {
    /// The HTML rewriter reached `html_rewriter_memory`: the rest of the page passed
    /// through untouched.
    HtmlMemory,
    /// A piece of CSS (a stylesheet's segment, a `<style>` or an import map) outgrew
    /// `css_buffer`: it passed through untouched.
    CssBuffer,
    /// The body expanded past `max_decompression_ratio` as it was decoded: cut off.
    DecompressionLimit,
    /// The body did not decode, or encoding or rewriting it failed: cut off.
    Failed,
}

impl BailOut {
    /// Every bail-out.
    pub const ALL: [BailOut; 4] =
        [BailOut::HtmlMemory, BailOut::CssBuffer, BailOut::DecompressionLimit, BailOut::Failed];

    /// Why a filter failed, as a bail-out.
    pub fn of(error: &FilterError) -> Self {
        match error {
            FilterError::ExpansionLimit { .. } => BailOut::DecompressionLimit,
            _ => BailOut::Failed,
        }
    }

    /// Its name in the metrics.
    pub fn label(self) -> &'static str {
        match self {
            BailOut::HtmlMemory => "html_memory",
            BailOut::CssBuffer => "css_buffer",
            BailOut::DecompressionLimit => "decompression_limit",
            BailOut::Failed => "failed",
        }
    }
}

/// How a body compressed for the browser came out.
#[derive(Clone, Copy, Debug)]
pub struct Recompressed {
    /// The coding.
    pub coding: Coding,
    /// Bytes given to the encoder.
    pub plain_bytes: u64,
    /// Bytes it made of them.
    pub encoded_bytes: u64,
}

/// What the filters of one body tell once it is done with, for the metrics.
#[derive(Debug, Default)]
pub struct FilterReport {
    /// Each way rewriting gave up, once.
    pub bail_outs: Vec<BailOut>,
    /// The body's compression for the browser, if it was compressed again.
    pub compression: Option<Recompressed>,
}

/// One stage of a response body's transformation.
pub trait BodyFilter: Send {
    /// Takes the next input chunk; appends any output to `out`.
    fn write(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), FilterError>;
    /// Input has ended; appends the rest of the output to `out`.
    fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), FilterError>;
    /// Adds to `report` what this filter has to tell of the body so far; most filters
    /// have nothing to tell.
    fn report(&self, _report: &mut FilterReport) {}
}

/// Two filters in a row, e.g. a decoder feeding a rewriter.
pub struct Chain<A, B> {
    first: A,
    second: B,
    between: Vec<u8>,
}

impl<A: BodyFilter, B: BodyFilter> Chain<A, B> {
    /// `first`'s output becomes `second`'s input.
    pub fn new(first: A, second: B) -> Self {
        Chain { first, second, between: Vec::new() }
    }
}

impl<A: BodyFilter, B: BodyFilter> BodyFilter for Chain<A, B> {
    fn write(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), FilterError> {
        self.between.clear();
        self.first.write(input, &mut self.between)?;
        if !self.between.is_empty() {
            self.second.write(&self.between, out)?;
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), FilterError> {
        self.between.clear();
        self.first.finish(&mut self.between)?;
        if !self.between.is_empty() {
            self.second.write(&self.between, out)?;
        }
        self.second.finish(out)
    }

    fn report(&self, report: &mut FilterReport) {
        self.first.report(report);
        self.second.report(report);
    }
}

impl BodyFilter for Box<dyn BodyFilter> {
    fn write(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), FilterError> {
        (**self).write(input, out)
    }

    fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), FilterError> {
        (**self).finish(out)
    }

    fn report(&self, report: &mut FilterReport) {
        (**self).report(report)
    }
}

/// Runs `filter` over `input` split at `splits` (ascending byte offsets) and returns the
/// whole output: the tool every rewriter's chunk-boundary tests are built on.
pub fn run_split(filter: &mut dyn BodyFilter, input: &[u8], splits: &[usize]) -> Result<Vec<u8>, FilterError> {
    let mut out = Vec::new();
    let mut start = 0;
    for &split in splits.iter().chain(std::iter::once(&input.len())) {
        let split = split.clamp(start, input.len());
        filter.write(&input[start..split], &mut out)?;
        start = split;
    }
    filter.finish(&mut out)?;
    Ok(out)
}

#[cfg(test)]
#[path = "report_tests.rs"]
mod tests;

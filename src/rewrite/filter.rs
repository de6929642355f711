//! The synchronous body filter: the last phase of the pipeline. Filters take input
//! chunks as they arrive and append whatever output they can already produce; they
//! never need the whole body.

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

/// One stage of a response body's transformation.
pub trait BodyFilter: Send {
    /// Takes the next input chunk; appends any output to `out`.
    fn write(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), FilterError>;
    /// Input has ended; appends the rest of the output to `out`.
    fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), FilterError>;
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
}

impl BodyFilter for Box<dyn BodyFilter> {
    fn write(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), FilterError> {
        (**self).write(input, out)
    }

    fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), FilterError> {
        (**self).finish(out)
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

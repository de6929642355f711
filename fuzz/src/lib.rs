//! What the fuzz targets share: reading a fuzz input as a document plus the chunk
//! boundaries to feed it at, and a session whose URL mapper the rewriters use.
//!
//! The targets check invariants, not only that nothing panics; `SECURITY.md` ("Fuzzing")
//! lists them with the record of each run.
#![forbid(unsafe_code)]

use std::sync::{Arc, LazyLock};

use tandem::origin::ContentOrigin;
use tandem::rewrite::filter::{BodyFilter, FilterError, run_split};
use tandem::rewrite::{Mapping, UrlRewriter};
use tandem::rules::Rules;
use tandem::session::jar::public_suffix_list;
use tandem::session::{CookieJar, ProxySession};
use tandem::store::ProxySessionRecord;
use url::Url;

/// The content zone every target's session lives in (the development default).
pub const ZONE: &str = "http://proxy.localhost:8080";

/// Most chunk lengths one input lists; they repeat until the document ends.
const MAX_CHUNK_LENGTHS: usize = 16;

/// A fuzz input read as `[options][n][n chunk lengths][document]`: one byte of
/// target-specific options, then up to [`MAX_CHUNK_LENGTHS`] chunk lengths (one byte
/// each, 0 an empty write) that are used in turn, over and over, until the document is
/// cut up. Any byte string is a valid input; seeds are documents behind a short header.
pub struct Chunked<'a> {
    /// The target's options byte.
    pub options: u8,
    /// Where the document is cut (ascending offsets, repeats allowed: empty writes).
    pub splits: Vec<usize>,
    /// The document.
    pub document: &'a [u8],
}

impl<'a> Chunked<'a> {
    /// Reads `data`; `None` when it is too short to hold the header.
    pub fn parse(data: &'a [u8]) -> Option<Self> {
        let (&options, rest) = data.split_first()?;
        let (&count, rest) = rest.split_first()?;
        let count = usize::from(count) % (MAX_CHUNK_LENGTHS + 1);
        let lengths = rest.get(..count)?;
        let document = &rest[count..];
        let mut splits = Vec::new();
        // All-zero lengths would never reach the end: they are one round of empty writes.
        if lengths.iter().any(|&l| l > 0) {
            let mut at = 0;
            for &length in lengths.iter().cycle() {
                at += usize::from(length);
                if at >= document.len() {
                    break;
                }
                splits.push(at);
            }
        } else {
            splits.extend(lengths.iter().map(|_| 0));
        }
        Some(Chunked { options, splits, document })
    }
}

/// Runs a fresh filter from `make` over `document` in one piece and at `splits`, and
/// asserts both give the same output (or both fail); returns the one-piece result.
pub fn same_at_any_chunking(
    make: impl Fn() -> Box<dyn BodyFilter>,
    document: &[u8],
    splits: &[usize],
) -> Result<Vec<u8>, FilterError> {
    let whole = run_split(&mut *make(), document, &[]);
    let chunked = run_split(&mut *make(), document, splits);
    match (&whole, &chunked) {
        (Ok(a), Ok(b)) => assert!(a == b, "output differs at splits {splits:?}:\n{:?}\n{:?}", lossy(a), lossy(b)),
        (Err(_), Err(_)) => {}
        _ => panic!("one chunking failed and the other did not: {whole:?} / {chunked:?} at splits {splits:?}"),
    }
    whole
}

/// Bytes as text, for assertion messages.
pub fn lossy(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

/// The id of every target's session: fixed, so that a crash reproduces byte for byte.
pub const SESSION_ID: &str = "fuzzfuzz";

/// A fresh session (no fallback labels yet, an empty jar) that started at `initial`.
pub fn session(initial: &str) -> Arc<ProxySession> {
    let record = ProxySessionRecord {
        id: SESSION_ID.to_owned(),
        visitor_id: "fuzz".to_owned(),
        binding_token: String::new(),
        entry_token: None,
        initial_url: initial.to_owned(),
        created_at: 0,
        jar: None,
        fallback_labels: None,
        require_consent: false,
        masked_params: None,
    };
    let jar = CookieJar::new(suffixes());
    Arc::new(ProxySession::restore(record, jar).unwrap_or_else(|| panic!("session record for {initial:?}")))
}

/// The public suffix list, parsed once per process.
pub fn suffixes() -> Arc<publicsuffix::List> {
    static LIST: LazyLock<Arc<publicsuffix::List>> = LazyLock::new(public_suffix_list);
    LIST.clone()
}

/// The zone every target's labels live in.
pub fn zone() -> Arc<ContentOrigin> {
    static ZONE_ORIGIN: LazyLock<Arc<ContentOrigin>> = LazyLock::new(|| Arc::new(ContentOrigin::new(&url(ZONE))));
    ZONE_ORIGIN.clone()
}

/// A mapping for a fresh session that started at `initial`, with no site rules.
pub fn mapping(initial: &str) -> Mapping {
    Mapping { session: session(initial), zone: zone(), rules: Arc::new(Rules::default()) }
}

/// The URL mapper of a document fetched from `base`, in a fresh session.
pub fn rewriter(base: &str) -> UrlRewriter {
    UrlRewriter::new(mapping(base), url(base))
}

/// Parses a URL the targets wrote themselves.
pub fn url(text: &str) -> Url {
    Url::parse(text).unwrap_or_else(|e| panic!("built-in URL {text:?}: {e}"))
}

//! Gzip bombs for the mirror-frame tests (`tests/it/mirror_bombs.rs`): a few megabytes
//! of gzip that inflate to gigabytes, and the page of `app.test` whose hostile script
//! fetches one (`/gzip-bomb`) to slip it into the runtime's live socket.

use axum::Router;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use flate2::{Compress, Compression, FlushCompress};
use http::header;

use super::runtime_sites::html;

/// What the bomb of `/gzip-bomb` inflates to, in MiB.
pub const SITE_BOMB_MIB: usize = 4096;
/// Text of the page the bomb is thrown from.
pub const BOMB_PAGE_TEXT: &str = "BOMBPAGE";

/// One gzip member of `mib` MiB of spaces, about a kilobyte per MiB, built in
/// milliseconds: a sync-flushed deflate block that encodes a MiB of spaces only by
/// referring back into a window of spaces means "one more MiB of spaces" wherever it
/// stands, so it is written once and repeated. The CRC is left zero: an inflater only
/// meets it after inflating everything, which is what a bomb is for.
pub fn gzip_bomb(mib: usize) -> Vec<u8> {
    let spaces = vec![b' '; 1 << 20];
    let mut deflate = Compress::new(Compression::best(), false);
    let mut block = |input: &[u8], flush| {
        let mut out = Vec::with_capacity(64 * 1024);
        let before = deflate.total_in();
        deflate.compress_vec(input, &mut out, flush).expect("deflate");
        assert_eq!(deflate.total_in() - before, input.len() as u64, "the block took all its input");
        out
    };
    let first = block(&spaces, FlushCompress::Sync);
    let next = block(&spaces, FlushCompress::Sync);
    let last = block(&[], FlushCompress::Finish);
    // Header: magic, deflate, no flags, no time, no extra flags, unknown OS.
    let mut gzip = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    gzip.extend_from_slice(&first);
    for _ in 1..mib {
        gzip.extend_from_slice(&next);
    }
    gzip.extend_from_slice(&last);
    gzip.extend_from_slice(&0u32.to_le_bytes());
    gzip.extend_from_slice(&((mib as u64 * 1024 * 1024) as u32).to_le_bytes());
    gzip
}

/// `/bomb-page` and `/gzip-bomb` of `app.test`.
pub fn routes() -> Router {
    Router::new().route("/bomb-page", get(page)).route("/gzip-bomb", get(bomb))
}

async fn page() -> Response {
    html(format!(
        "<!doctype html><html><head><title>Bombs</title></head><body><h1 id=\"title\">{BOMB_PAGE_TEXT}</h1></body></html>"
    ))
}

async fn bomb() -> Response {
    ([(header::CONTENT_TYPE, "application/octet-stream")], gzip_bomb(SITE_BOMB_MIB)).into_response()
}

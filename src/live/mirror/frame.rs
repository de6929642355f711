//! The bounds of one mirror frame as a visitor's page sends it (a flag byte, then a
//! JSON payload, gzipped when the flag says so), checked before the relay keeps or
//! fans out anything. A page is not trusted to compress honestly: a few kilobytes of
//! gzip can inflate to gigabytes in every agent's viewer, so the relay inflates each
//! gzipped frame into nothing, counting, and refuses the frame once it passes
//! [`MAX_INFLATED_FRAME`]. The viewer applies the same bound ([`MAX_INFLATED_FRAME`] is
//! written into its page), so a frame that got past one would still stop at the other.

use std::io::Read;
use std::sync::Arc;

use bytes::Bytes;

use super::{FLAG_SNAPSHOT, Mirror};

/// Flag of a frame whose payload is gzip.
pub const FLAG_GZIP: u8 = 2;
/// Largest frame a page may send as it is on the wire (a big page's gzipped snapshot).
pub const MAX_MIRROR_FRAME: usize = 8 * 1024 * 1024;
/// Largest payload a frame may have once inflated: four times the wire bound, room for
/// the snapshot of a page of several megabytes of HTML.
pub const MAX_INFLATED_FRAME: u64 = 32 * 1024 * 1024;
/// Frames up to this size on the wire are checked on the socket's own task; larger ones
/// on a blocking thread, so that inflating them never stalls other sockets.
pub const INLINE_CHECK_BYTES: usize = 64 * 1024;

/// Why a frame is not mirrored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FrameRefused {
    /// The payload inflates past [`MAX_INFLATED_FRAME`].
    #[error("too_large")]
    TooLarge,
    /// The payload says gzip and is not.
    #[error("corrupt")]
    Corrupt,
}

impl FrameRefused {
    /// The reason agents are told (`frame_dropped {reason}`).
    pub fn reason(self) -> &'static str {
        match self {
            FrameRefused::TooLarge => "too_large",
            FrameRefused::Corrupt => "corrupt",
        }
    }
}

/// Checks `frame` (flag byte, then payload) against the bounds: a plain payload is
/// already bounded by the socket; a gzipped one is inflated, counting, and never held.
pub fn check(frame: &[u8]) -> Result<(), FrameRefused> {
    let Some((&flags, payload)) = frame.split_first() else { return Ok(()) };
    if flags & FLAG_GZIP == 0 {
        return Ok(());
    }
    // Every member, as browsers' inflaters go on past the first; one more byte than
    // allowed tells "too large" from "exactly the bound".
    let mut inflated = flate2::read::MultiGzDecoder::new(payload).take(MAX_INFLATED_FRAME + 1);
    match std::io::copy(&mut inflated, &mut std::io::sink()) {
        Ok(n) if n > MAX_INFLATED_FRAME => Err(FrameRefused::TooLarge),
        Ok(_) => Ok(()),
        Err(_) => Err(FrameRefused::Corrupt),
    }
}

impl Mirror {
    /// A frame `page` sent: published when it keeps within the bounds ([`check`]),
    /// refused otherwise ([`Mirror::refuse`]).
    pub async fn receive(&self, page: u64, frame: Bytes) {
        let checked = if frame.len() <= INLINE_CHECK_BYTES {
            check(&frame)
        } else {
            let owned = frame.clone();
            tokio::task::spawn_blocking(move || check(&owned)).await.unwrap_or(Err(FrameRefused::Corrupt))
        };
        match checked {
            Ok(()) => self.publish(page, &frame),
            Err(refused) => self.refuse(page, &frame, refused),
        }
    }

    /// A frame of `page` that [`check`] refused. An incremental frame of the mirrored
    /// page leaves the agents' copies behind for good: the chain is dropped (later
    /// frames are useless until a snapshot), the page is asked for a fresh snapshot and
    /// the agents are told. A refused snapshot changes nothing but the telling: asking
    /// for another would only bring the same one back. Frames [`Mirror::publish`] would
    /// not take anyway (another page's, a change without its snapshot) are let be.
    pub fn refuse(&self, page: u64, frame: &[u8], refused: FrameRefused) {
        match refused {
            FrameRefused::TooLarge => self.relay.too_large.inc(),
            FrameRefused::Corrupt => self.relay.corrupt.inc(),
        };
        let snapshot = frame.first().is_some_and(|flags| flags & FLAG_SNAPSHOT != 0);
        let mut state = self.state();
        if state.source != Some(page) || (!snapshot && state.chain_of != Some(page)) {
            return;
        }
        tracing::warn!(page, snapshot, bytes = frame.len(), reason = refused.reason(), "mirror frame refused");
        if !snapshot {
            state.chain_of = None;
            state.chain.clear();
            state.chain_bytes = 0;
            state.ask_snapshot();
        }
        // Once until the next snapshot is published: a page sending bomb after bomb
        // must not flood the agents' queues with the news.
        if !std::mem::replace(&mut state.refusal_told, true) {
            let told: Arc<str> =
                Arc::from(serde_json::json!({"type": "frame_dropped", "reason": refused.reason()}).to_string());
            for agent in &state.agents {
                let _ = agent.queue.try_send(super::AgentFeed::Text(told.clone()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(vec![FLAG_GZIP], flate2::Compression::best());
        encoder.write_all(bytes).expect("gzip");
        encoder.finish().expect("gzip")
    }

    #[test]
    fn plain_and_honest_gzip_frames_pass() {
        assert_eq!(check(b"\x01[{\"type\":4}]"), Ok(()));
        assert_eq!(check(&gzip(br#"[{"type":2,"data":{}}]"#)), Ok(()));
        assert_eq!(check(&gzip(&vec![b' '; MAX_INFLATED_FRAME as usize])), Ok(()), "exactly the bound passes");
        assert_eq!(check(b""), Ok(()));
    }

    #[test]
    fn a_gzip_bomb_is_refused_without_inflating_it_whole() {
        // 40 MiB of spaces is about 40 KB of gzip.
        let bomb = gzip(&vec![b' '; 40 * 1024 * 1024]);
        assert!(bomb.len() < 64 * 1024, "a small bomb: {} bytes", bomb.len());
        assert_eq!(check(&bomb), Err(FrameRefused::TooLarge));
    }

    #[test]
    fn a_frame_that_says_gzip_and_is_not_is_refused() {
        assert_eq!(check(b"\x02[not gzip]"), Err(FrameRefused::Corrupt));
        let mut cut = gzip(&[b'x'; 1000]);
        cut.truncate(cut.len() / 2);
        assert_eq!(check(&cut), Err(FrameRefused::Corrupt));
    }
}

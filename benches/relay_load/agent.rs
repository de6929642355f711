//! A simulated agent's viewer: it reads the stamped frames of its socket and checks and
//! times them: the sequence numbers must follow one another (a snapshot may start over
//! from the chain, as the protocol allows), and each incremental frame's latency is
//! the harness's clock at receipt minus the send time the page wrote into it.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use crate::live::Socket;
use crate::now_us;
use crate::visitor::{SENT_PREFIX, SENT_WIDTH, SNAPSHOT, Sent};

/// Bytes the relay puts before the page's frame: sequence number and relay time.
const STAMP_LEN: usize = 16;
/// How long an agent waits, once the pages stopped, for frames still on their way.
const DRAIN: Duration = Duration::from_secs(15);

/// What one agent saw.
#[derive(Default)]
pub struct Seen {
    /// Latency of each incremental frame received in the measuring window, in µs.
    pub latencies_us: Vec<u32>,
    /// Highest latency of any live incremental frame, window or not, in µs.
    pub max_us: u64,
    /// Frames received in all.
    pub frames: u64,
    /// Frames received in the measuring window.
    pub window_frames: u64,
    /// Frames whose sequence number skipped some (the skipped count).
    pub lost: u64,
    /// Frames that came with a sequence number already seen, but for a snapshot.
    pub out_of_order: u64,
    /// Snapshots that started the agent over from the chain (it lagged or resynced).
    pub replays: u64,
    /// Frames the page sent that never came, counted after the drain.
    pub missing_at_end: u64,
    /// When the first snapshot came (harness clock, µs).
    pub first_snapshot_us: Option<u64>,
    /// When the first frame sent after the agent joined came (harness clock, µs).
    pub first_live_us: Option<u64>,
}

/// Reads the agent's socket, timing frames received between `window.0` and `window.1`,
/// until `stop` and then until every frame the page sent has come (or [`DRAIN`] ends).
pub async fn run(
    mut socket: Socket,
    joined_us: u64,
    window: (u64, u64),
    sent: Arc<Sent>,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<Seen> {
    let mut seen = Seen::default();
    let mut last_seq: Option<u64> = None;
    let mut deadline: Option<Instant> = None;
    loop {
        let got = last_seq.map_or(0, |s| s + 1);
        if deadline.is_some() && got >= sent.frames.load(Ordering::Acquire) {
            break;
        }
        let message = tokio::select! {
            message = socket.next() => message,
            _ = stop.wait_for(|stop| *stop), if deadline.is_none() => {
                deadline = Some(Instant::now() + DRAIN);
                continue;
            }
            () = tokio::time::sleep_until(deadline.unwrap_or_else(Instant::now)), if deadline.is_some() => break,
        };
        let frame = match message {
            Some(Ok(Message::Binary(frame))) if frame.len() > STAMP_LEN => frame,
            Some(Ok(Message::Close(_))) | None => break,
            Some(Ok(_)) => continue,
            Some(Err(e)) => return Err(e.into()),
        };
        let now = now_us();
        seen.frames += 1;
        let seq = u64::from_be_bytes(frame[..8].try_into()?);
        let snapshot = frame[STAMP_LEN] & SNAPSHOT != 0;
        let expected = last_seq.map_or(seq, |s| s + 1);
        if seq > expected {
            seen.lost += seq - expected;
        } else if seq < expected && snapshot {
            seen.replays += 1;
        } else if seq < expected || (last_seq.is_none() && !snapshot) {
            seen.out_of_order += 1;
        }
        last_seq = Some(seq);
        if (window.0..window.1).contains(&now) {
            seen.window_frames += 1;
        }
        if snapshot {
            seen.first_snapshot_us.get_or_insert(now);
            continue;
        }
        // Frames sent before the agent joined come from the chain: they are not live.
        let Some(sent_us) = sent_time(&frame[STAMP_LEN + 1..]).filter(|sent| *sent >= joined_us) else { continue };
        let latency = now.saturating_sub(sent_us);
        seen.max_us = seen.max_us.max(latency);
        if (window.0..window.1).contains(&now) {
            seen.latencies_us.push(u32::try_from(latency).unwrap_or(u32::MAX));
        }
        seen.first_live_us.get_or_insert(now);
    }
    seen.missing_at_end = sent.frames.load(Ordering::Acquire).saturating_sub(last_seq.map_or(0, |s| s + 1));
    Ok(seen)
}

/// The send time the page wrote at the start of an incremental payload.
fn sent_time(payload: &[u8]) -> Option<u64> {
    let digits = payload.strip_prefix(SENT_PREFIX)?.get(..SENT_WIDTH)?;
    std::str::from_utf8(digits).ok()?.trim().parse().ok()
}

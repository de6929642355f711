//! Live sockets that go silent. The relay pings each live socket every third of
//! `socket_silence` and closes it once it has heard nothing, not even a pong, for
//! `socket_silence`. Browsers answer pings themselves (page scripts never see them), so
//! the socket of a live page or viewer always answers, throttled background tab or not;
//! a peer that vanished, or a client that holds the socket without reading, does not.
//! Neither the runtime nor the viewer sends anything on its own while idle.

use std::time::Duration;

use axum::extract::ws::{Message, WebSocket};
use tokio::time::{Instant, Interval, MissedTickBehavior};

/// What a live socket's loop does next.
#[derive(Debug, PartialEq, Eq)]
pub enum Beat {
    /// Send a ping.
    Ping,
    /// Nothing came for too long: close the socket.
    Silent,
}

/// One socket's heartbeat.
pub struct Heartbeat {
    silence: Duration,
    last_heard: Instant,
    ticks: Interval,
}

impl Heartbeat {
    /// A socket heard just now, closed after `silence` without a word.
    pub fn new(silence: Duration) -> Self {
        let every = (silence / 3).max(Duration::from_millis(1));
        let mut ticks = tokio::time::interval_at(Instant::now() + every, every);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        Heartbeat { silence, last_heard: Instant::now(), ticks }
    }

    /// The socket said something (a pong counts).
    pub fn heard(&mut self) {
        self.last_heard = Instant::now();
    }

    /// Waits for the next ping, or for the silence to be too long. Cancel-safe, for
    /// `select!`.
    pub async fn beat(&mut self) -> Beat {
        self.ticks.tick().await;
        if self.last_heard.elapsed() >= self.silence { Beat::Silent } else { Beat::Ping }
    }
}

/// Acts on `beat` on `socket`: sends the ping; `false` when the socket is to close
/// (silent too long, or the ping could not go).
pub async fn answer(beat: Beat, socket: &mut WebSocket) -> bool {
    match beat {
        Beat::Ping => socket.send(Message::Ping(Default::default())).await.is_ok(),
        Beat::Silent => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_socket_that_answers_is_pinged_and_a_silent_one_is_given_up() {
        let mut heartbeat = Heartbeat::new(Duration::from_secs(30));
        for _ in 0..10 {
            assert_eq!(heartbeat.beat().await, Beat::Ping);
            heartbeat.heard();
        }
        let start = Instant::now();
        while heartbeat.beat().await == Beat::Ping {}
        assert_eq!(start.elapsed(), Duration::from_secs(30), "three pings unanswered");
    }
}

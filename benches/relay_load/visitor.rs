//! A simulated visitor's page: it sends a gzipped full snapshot (rrweb's Meta and
//! FullSnapshot events, as the capture would) when recording starts or the relay asks
//! for one, then small incremental frames at a steady rate, each carrying its send time
//! on the harness's clock at a fixed place for the agents to read.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use tokio::time::{Instant, MissedTickBehavior};
use tokio_tungstenite::tungstenite::Message;

use crate::live::Socket;
use crate::now_us;

/// Flag of a frame that starts a chain with a full snapshot.
pub const SNAPSHOT: u8 = 1;
/// Flag of a gzipped payload.
pub const GZIP: u8 = 2;
/// What every incremental payload starts with; the send time follows, in microseconds.
pub const SENT_PREFIX: &[u8] = br#"[{"load":{"sent_us":"#;
/// Width of the send time (space-padded, which JSON allows).
pub const SENT_WIDTH: usize = 15;

/// What one page is to do.
#[derive(Clone, Copy)]
pub struct Plan {
    /// When to send the first snapshot.
    pub start: Instant,
    /// When to stop sending.
    pub stop: Instant,
    /// Incremental frames per second.
    pub rate: u32,
}

/// Frames one page sent, shared with its agents (who know from it how many to expect).
#[derive(Default)]
pub struct Sent {
    /// Every frame, snapshots included: the relay numbers them all.
    pub frames: AtomicU64,
    /// Full snapshots among them.
    pub snapshots: AtomicU64,
}

/// Runs the page until `plan.stop`, then keeps its socket open until `hold` ends.
pub async fn run(
    socket: Socket,
    snapshot: Bytes,
    plan: Plan,
    sent: Arc<Sent>,
    hold: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let (mut sink, mut stream) = socket.split();
    let (asked_tx, mut asked) = tokio::sync::mpsc::unbounded_channel::<()>();
    // The relay's requests (a snapshot) and session messages; everything else is ignored.
    let reader = tokio::spawn(async move {
        while let Some(Ok(message)) = stream.next().await {
            if let Message::Text(text) = message
                && text.contains(r#""type":"snapshot""#)
            {
                let _ = asked_tx.send(());
            }
        }
    });
    tokio::time::sleep_until(plan.start).await;
    let mut send_snapshot = true;
    let mut ticks = tokio::time::interval(Duration::from_secs(1) / plan.rate);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    // The first tick is at once: the snapshot goes now, the first change one period later.
    ticks.tick().await;
    let mut n = 0u64;
    while Instant::now() < plan.stop {
        while asked.try_recv().is_ok() {
            send_snapshot = true;
        }
        let frame = if std::mem::take(&mut send_snapshot) {
            sent.snapshots.fetch_add(1, Ordering::Relaxed);
            snapshot.clone()
        } else {
            n += 1;
            incremental(n)
        };
        sink.send(Message::Binary(frame)).await?;
        sent.frames.fetch_add(1, Ordering::Release);
        ticks.tick().await;
    }
    let mut hold = hold;
    let _ = hold.wait_for(|done| *done).await;
    reader.abort();
    Ok(())
}

/// An incremental frame like rrweb's: a DOM mutation and a mouse move, about 400 bytes
/// of plain JSON, with the send time where agents find it.
fn incremental(n: u64) -> Bytes {
    let id = 100 + n % 900;
    let payload = format!(
        r#"{prefix}{sent:>width$},"n":{n}}},"type":3,"timestamp":{ms},"data":{{"source":0,"texts":[{{"id":{id},"value":"Item {n} added to the basket"}}],"attributes":[{{"id":{a},"attributes":{{"class":"row row-selected","aria-selected":"true"}}}}],"removes":[],"adds":[{{"parentId":42,"nextId":null,"node":{{"type":2,"tagName":"li","attributes":{{"class":"basket-line","data-sku":"SKU-{n}"}},"childNodes":[],"id":{b}}}}}]}}}},{{"type":3,"timestamp":{ms},"data":{{"source":1,"positions":[{{"x":{x},"y":{y},"id":{id},"timeOffset":-40}},{{"x":{x},"y":{y2},"id":{id},"timeOffset":0}}]}}}}]"#,
        prefix = std::str::from_utf8(SENT_PREFIX).unwrap_or_default(),
        sent = now_us(),
        width = SENT_WIDTH,
        ms = 1_764_000_000_000u64 + n * 100,
        a = id + 1,
        b = 10_000 + n,
        x = n % 1280,
        y = n % 800,
        y2 = (n + 3) % 800,
    );
    let mut frame = Vec::with_capacity(1 + payload.len());
    frame.push(0);
    frame.extend_from_slice(payload.as_bytes());
    Bytes::from(frame)
}

/// A full snapshot of a shop page of about `json_kib` KiB of JSON, gzipped as the page's
/// `CompressionStream` would: flag byte, then the payload.
pub fn snapshot(json_kib: usize) -> anyhow::Result<Bytes> {
    const WORDS: [&str; 24] = [
        "basket", "delivery", "organic", "fresh", "price", "offer", "sauce", "tomato", "kitchen", "garden", "linen",
        "cotton", "blue", "large", "small", "returns", "account", "search", "review", "stars", "free", "week", "order",
        "today",
    ];
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut items = Vec::new();
    let mut json_len = 0;
    let mut id = 20u64;
    while json_len < json_kib * 1024 {
        let words: Vec<&str> = (0..4 + next() % 8).map(|_| WORDS[(next() % 24) as usize]).collect();
        let text = serde_json::json!({"type": 3, "textContent": words.join(" "), "id": id + 2});
        let link = serde_json::json!({"type": 2, "tagName": "a", "attributes": {"href": format!("/p/{}", next() % 100_000), "class": "product-link"}, "childNodes": [text], "id": id + 1});
        let item = serde_json::json!({"type": 2, "tagName": "li", "attributes": {"class": format!("product p{}", next() % 50), "data-price": format!("{}.{:02}", next() % 200, next() % 100)}, "childNodes": [link], "id": id});
        json_len += item.to_string().len();
        items.push(item);
        id += 3;
    }
    let body = serde_json::json!({"type": 2, "tagName": "body", "attributes": {}, "childNodes": [{"type": 2, "tagName": "ul", "attributes": {"id": "products"}, "childNodes": items, "id": 12}], "id": 11});
    let html = serde_json::json!({"type": 2, "tagName": "html", "attributes": {"lang": "en"}, "childNodes": [{"type": 2, "tagName": "head", "attributes": {}, "childNodes": [], "id": 10}, body], "id": 2});
    let events = serde_json::json!([
        {"type": 4, "data": {"href": "http://shop.test/", "width": 1280, "height": 800}, "timestamp": 1_764_000_000_000u64},
        {"type": 2, "data": {"node": {"type": 0, "childNodes": [{"type": 1, "name": "html", "publicId": "", "systemId": "", "id": 1}, html], "id": 0}, "initialOffset": {"left": 0, "top": 0}}, "timestamp": 1_764_000_000_001u64},
    ]);
    let mut gzip = flate2::write::GzEncoder::new(vec![SNAPSHOT | GZIP], flate2::Compression::default());
    gzip.write_all(events.to_string().as_bytes())?;
    Ok(Bytes::from(gzip.finish()?))
}

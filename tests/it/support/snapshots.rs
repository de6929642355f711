//! Reading the mirror as an agent's socket gets it (`injector/PROTOCOL.md`: stamp, flag
//! byte, payload, gzipped when flagged): the next full snapshot as text, and the mirror
//! ids of elements in it.

use std::io::Read;

use serde_json::Value;
use tandem::live::{FLAG_SNAPSHOT, STAMP_LEN};

use super::api::{LiveMessage, Socket, next_message};

/// Flag of a gzipped payload.
const FLAG_GZIP: u8 = 2;
/// rrweb's event type of a full snapshot.
const FULL_SNAPSHOT: u8 = 2;

/// The next full snapshot an agent gets: its payload as text (gunzipped), with the text
/// of every message and frame that came before it.
pub async fn next_snapshot(agent: &mut Socket) -> (String, Vec<String>) {
    let mut before = Vec::new();
    loop {
        let text = match next_message(agent).await {
            LiveMessage::Json(message) => message.to_string(),
            LiveMessage::Frame(frame) => {
                let (flags, payload) = (frame[STAMP_LEN], &frame[STAMP_LEN + 1..]);
                let mut text = String::new();
                if flags & FLAG_GZIP != 0 {
                    flate2::read::GzDecoder::new(payload).read_to_string(&mut text).expect("gzip frame");
                } else {
                    text = String::from_utf8_lossy(payload).into_owned();
                }
                if flags & FLAG_SNAPSHOT != 0 {
                    return (text, before);
                }
                text
            }
        };
        before.push(text);
    }
}

/// The next full snapshot that contains `wanted`.
pub async fn snapshot_with(agent: &mut Socket, wanted: &str) -> String {
    loop {
        let (snapshot, _) = next_snapshot(agent).await;
        if snapshot.contains(wanted) {
            return snapshot;
        }
    }
}

/// The mirror ids of the elements with the HTML ids `wanted` in a snapshot's text.
pub fn node_ids(snapshot: &str, wanted: &[&str]) -> Vec<u64> {
    let events: Vec<Value> = serde_json::from_str(snapshot).expect("a JSON array of events");
    let full = events.iter().find(|e| e["type"] == FULL_SNAPSHOT).expect("a full snapshot");
    wanted
        .iter()
        .map(|html_id| find_node(&full["data"]["node"], html_id).unwrap_or_else(|| panic!("no #{html_id}")))
        .collect()
}

/// The mirror id of the element with the HTML id `html_id` in a serialized rrweb node.
fn find_node(node: &Value, html_id: &str) -> Option<u64> {
    if node["attributes"]["id"] == html_id {
        return node["id"].as_u64();
    }
    node["childNodes"].as_array()?.iter().find_map(|child| find_node(child, html_id))
}

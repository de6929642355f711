//! What a browser sent on the connections a [`WireTap`](super::wire_tap::WireTap)
//! recorded, decoded: HTTP/1.1 requests (request line, headers, body with chunked
//! transfer undone) and, after an accepted WebSocket upgrade, the client's messages
//! (frames unmasked and reassembled; Tandem's mirror frames gunzipped when their flag
//! says so). Anything that does not parse is an error, so that nothing the browser sent
//! can hide from a search by being unreadable.

use std::io::Read;

use super::wire_tap::Tapped;

/// The path of the visitor's live socket, whose binary messages are mirror frames.
const LIVE_PATH: &str = "/__tandem/live";
/// The mirror frame flag of a gzipped payload (injector/PROTOCOL.md).
const GZIP_FLAG: u8 = 2;

/// One thing the browser sent.
#[derive(Clone, Debug)]
pub enum Sent {
    /// An HTTP request.
    Request(Request),
    /// A WebSocket message (or control frame) on an upgraded connection.
    Message(Message),
}

/// An HTTP/1.1 request as sent.
#[derive(Clone, Debug)]
pub struct Request {
    /// Which tapped connection it came on.
    pub connection: usize,
    /// `METHOD target HTTP/1.1`.
    pub line: String,
    /// The request target (path and query).
    pub target: String,
    /// Its headers, names in lower case, in order.
    pub headers: Vec<(String, String)>,
    /// Its body, with any chunked transfer coding undone.
    pub body: Vec<u8>,
}

/// A WebSocket message the client sent.
#[derive(Clone, Debug)]
pub struct Message {
    /// Which tapped connection it came on.
    pub connection: usize,
    /// The host and path the socket was opened for.
    pub socket: String,
    /// The opcode of its first frame (1 text, 2 binary, 8 close, 9 ping, 10 pong).
    pub opcode: u8,
    /// The unmasked payload; for a mirror frame, its flag byte then the (inflated) JSON.
    pub payload: Vec<u8>,
}

impl Request {
    /// The first value of header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Decodes every tapped connection; an error names the connection and what failed.
pub fn decode_all(connections: &[Tapped]) -> Result<Vec<Sent>, String> {
    let mut sent = Vec::new();
    for (index, tapped) in connections.iter().enumerate() {
        sent.extend(decode(index, tapped).map_err(|e| format!("connection {index}: {e}"))?);
    }
    Ok(sent)
}

fn decode(connection: usize, tapped: &Tapped) -> Result<Vec<Sent>, String> {
    let bytes = &tapped.from_client;
    let mut sent = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let (request, next) = request_at(connection, bytes, at)?;
        at = next;
        let upgrade = request.header("upgrade").is_some_and(|u| u.eq_ignore_ascii_case("websocket"));
        let socket = format!("{}{}", request.header("host").unwrap_or_default(), request.target);
        sent.push(Sent::Request(request));
        if upgrade && accepted_upgrade(&tapped.from_server)? {
            sent.extend(messages(connection, &socket, &bytes[at..])?.into_iter().map(Sent::Message));
            break;
        }
    }
    Ok(sent)
}

/// Whether the server switched protocols; a compressing extension would hide the
/// payloads from the search, so it is an error.
fn accepted_upgrade(from_server: &[u8]) -> Result<bool, String> {
    let Some(start) = find(from_server, b"HTTP/1.1 101 ") else { return Ok(false) };
    let head_end = find(&from_server[start..], b"\r\n\r\n").ok_or("a truncated 101 response")?;
    let head = String::from_utf8_lossy(&from_server[start..start + head_end]).to_ascii_lowercase();
    if head.contains("sec-websocket-extensions") {
        return Err(format!("the server accepted a WebSocket extension: {head}"));
    }
    Ok(true)
}

fn request_at(connection: usize, bytes: &[u8], at: usize) -> Result<(Request, usize), String> {
    let head_len = find(&bytes[at..], b"\r\n\r\n").ok_or("a request head without its end")?;
    let head = std::str::from_utf8(&bytes[at..at + head_len]).map_err(|e| format!("a request head not UTF-8: {e}"))?;
    let mut lines = head.split("\r\n");
    let line = lines.next().unwrap_or_default().to_owned();
    let target = line.split(' ').nth(1).ok_or_else(|| format!("a bad request line: {line}"))?.to_owned();
    let mut headers = Vec::new();
    for header in lines {
        let (name, value) = header.split_once(':').ok_or_else(|| format!("a bad header line: {header}"))?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let mut request = Request { connection, line, target, headers, body: Vec::new() };
    let mut next = at + head_len + 4;
    if request.header("transfer-encoding").is_some_and(|t| t.eq_ignore_ascii_case("chunked")) {
        loop {
            let size_end = find(&bytes[next..], b"\r\n").ok_or("a chunk size without its end")?;
            let size_text = String::from_utf8_lossy(&bytes[next..next + size_end]);
            let size_text = size_text.split(';').next().unwrap_or_default().trim().to_owned();
            let size =
                usize::from_str_radix(&size_text, 16).map_err(|e| format!("a bad chunk size {size_text}: {e}"))?;
            next += size_end + 2;
            if size == 0 {
                let trailer_end = find(&bytes[next..], b"\r\n").ok_or("a chunked body without its end")?;
                next += trailer_end + 2;
                break;
            }
            let chunk = bytes.get(next..next + size).ok_or("a truncated chunk")?;
            request.body.extend_from_slice(chunk);
            next += size + 2;
        }
    } else if let Some(length) = request.header("content-length") {
        let length: usize = length.parse().map_err(|e| format!("a bad Content-Length {length}: {e}"))?;
        request.body = bytes.get(next..next + length).ok_or("a truncated body")?.to_vec();
        next += length;
    }
    if let Some(coding) = request.header("content-encoding") {
        return Err(format!("a request body with Content-Encoding {coding}"));
    }
    Ok((request, next))
}

/// The client's messages on an upgraded connection, control frames included.
fn messages(connection: usize, socket: &str, bytes: &[u8]) -> Result<Vec<Message>, String> {
    let mut messages = Vec::new();
    let mut partial: Option<Message> = None;
    let mut at = 0;
    while at < bytes.len() {
        let header = bytes.get(at..at + 2).ok_or("a truncated frame header")?;
        let (fin, rsv, opcode, masked) = (header[0] & 0x80 != 0, header[0] & 0x70, header[0] & 0x0f, header[1] & 0x80);
        if rsv != 0 {
            return Err(format!("a frame with reserved bits {rsv:#x} (a compressed frame?)"));
        }
        if masked == 0 {
            return Err("an unmasked client frame".to_owned());
        }
        let (length, mut next) = match header[1] & 0x7f {
            126 => (u64::from(u16::from_be_bytes(slice(bytes, at + 2)?)), at + 4),
            127 => (u64::from_be_bytes(slice(bytes, at + 2)?), at + 10),
            short => (u64::from(short), at + 2),
        };
        let key: [u8; 4] = slice(bytes, next)?;
        next += 4;
        let length = usize::try_from(length).map_err(|_| "a frame too long")?;
        let payload = bytes.get(next..next + length).ok_or("a truncated frame")?;
        let payload: Vec<u8> = payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]).collect();
        at = next + length;
        let message = Message { connection, socket: socket.to_owned(), opcode, payload };
        match opcode {
            0 => partial.as_mut().ok_or("a continuation frame without a message")?.payload.extend(message.payload),
            // Control frames may come between the fragments of a message.
            8.. => messages.push(message),
            _ if partial.is_some() => return Err("a new message inside a fragmented one".to_owned()),
            _ => partial = Some(message),
        }
        if fin && opcode < 8 {
            messages.push(inflate_mirror(partial.take().ok_or("a final frame without a message")?)?);
        }
    }
    if partial.is_some() {
        return Err("a fragmented message without its end".to_owned());
    }
    Ok(messages)
}

/// A mirror frame with its payload inflated when its flag says gzip.
fn inflate_mirror(mut message: Message) -> Result<Message, String> {
    let is_mirror = message.opcode == 2 && message.socket.ends_with(LIVE_PATH);
    if is_mirror && message.payload.first().is_some_and(|flags| flags & GZIP_FLAG != 0) {
        let mut inflated = vec![message.payload[0]];
        flate2::read::GzDecoder::new(&message.payload[1..])
            .read_to_end(&mut inflated)
            .map_err(|e| format!("a gzipped mirror frame that does not inflate: {e}"))?;
        message.payload = inflated;
    }
    Ok(message)
}

fn slice<const N: usize>(bytes: &[u8], at: usize) -> Result<[u8; N], String> {
    bytes.get(at..at + N).and_then(|s| s.try_into().ok()).ok_or_else(|| "a truncated frame header".to_owned())
}

/// Where `needle` first occurs in `haystack`.
pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

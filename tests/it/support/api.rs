//! Talking to Tandem as an integrator, a visitor's page and an agent's viewer do: REST
//! calls with the API key, the live sockets, and waiting for a condition with a bound.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use futures_util::{SinkExt, StreamExt};
use http::{HeaderValue, Method, Request, StatusCode, header};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, client_async};

use super::{API_KEY, Endpoint, Reply, STEP, Visitor, bounded};

/// A live socket as a test client holds it.
pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

impl Endpoint {
    /// A REST call with the test key; `body` is JSON text or empty.
    pub async fn api(&self, method: Method, path: &str, body: &str) -> Reply {
        let request = Request::builder()
            .method(method)
            .uri(self.control_url(path))
            .header("x-api-key", API_KEY)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_owned()))
            .expect("API request");
        self.send(request).await
    }

    /// A `GET` of the REST API that must answer 200; its JSON.
    pub async fn api_ok(&self, path: &str) -> serde_json::Value {
        let reply = self.api(Method::GET, path, "").await;
        assert_eq!(reply.status, StatusCode::OK, "GET {path}: {}", reply.text());
        reply.json()
    }

    /// Opens a WebSocket to `url` through Tandem with `Origin` and `Cookie` headers.
    pub async fn websocket(&self, url: &str, origin: Option<&str>, cookie: Option<&str>) -> Result<Socket, Reply> {
        websocket_at(self.addr, url, origin, cookie).await
    }
}

/// Opens a WebSocket to `url` on the Tandem at `addr`; a refused handshake is its reply.
pub async fn websocket_at(
    addr: SocketAddr,
    url: &str,
    origin: Option<&str>,
    cookie: Option<&str>,
) -> Result<Socket, Reply> {
    let mut request = url.into_client_request().expect("websocket request");
    for (name, value) in [(header::ORIGIN, origin), (header::COOKIE, cookie)] {
        if let Some(value) = value {
            request.headers_mut().insert(name, HeaderValue::from_str(value).expect("header"));
        }
    }
    let tcp = bounded("connect to Tandem", TcpStream::connect(addr)).await.expect("connect");
    match bounded("websocket handshake", client_async(request, MaybeTlsStream::Plain(tcp))).await {
        Ok((socket, _)) => Ok(socket),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            let status = response.status();
            let body = response.into_body().unwrap_or_default();
            Err(Reply { status, headers: Default::default(), body: body.into() })
        }
        Err(e) => panic!("websocket to {url} failed: {e}"),
    }
}

/// An agent's browser after it opened a watch link.
pub struct Agent {
    /// The credential cookie pair the link gave.
    pub credential: String,
    /// The viewer page.
    pub viewer_url: String,
    /// The control origin the link named, which the viewer's browser sends as `Origin`
    /// (a test may reach Tandem by another port than the one its origins name).
    origin: String,
    addr: SocketAddr,
}

impl Endpoint {
    /// Opens a watch link as the agent's browser does; it must be accepted.
    pub async fn open_watch_link(&self, watch_url: &str) -> Agent {
        let opened = self.send(super::get(watch_url)).await;
        assert_eq!(opened.status, StatusCode::SEE_OTHER, "watch link refused: {}", opened.text());
        let cookie = opened.header(header::SET_COOKIE).expect("the watch link sets the credential");
        let credential = cookie.split(';').next().expect("cookie pair").to_owned();
        let origin = url::Url::parse(watch_url).expect("watch URL").origin().ascii_serialization();
        Agent { credential, viewer_url: self.control_url(opened.location()), origin, addr: self.addr }
    }

    /// Asks for a watch link for `short_id` with `body` (JSON) and opens it.
    pub async fn agent_for(&self, short_id: &str, body: &str) -> Agent {
        let reply = self.api(Method::POST, &format!("/v1.3/visitors/{short_id}/watch_url"), body).await;
        assert_eq!(reply.status, StatusCode::OK, "watch_url: {}", reply.text());
        self.open_watch_link(reply.json()["watch_url"].as_str().expect("watch_url")).await
    }
}

impl Agent {
    /// The viewer's live socket URL.
    pub fn live_url(&self) -> String {
        format!("{}/live", self.viewer_url.replacen("http://", "ws://", 1))
    }

    /// The viewer page's origin (the control origin), as its browser sends it.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Opens the viewer's live socket (joining the session) and reads the hello.
    pub async fn join(&self) -> (Socket, serde_json::Value) {
        let mut socket = websocket_at(self.addr, &self.live_url(), Some(self.origin()), Some(&self.credential))
            .await
            .unwrap_or_else(|reply| panic!("agent socket refused: {} {}", reply.status, reply.text()));
        let hello = next_json(&mut socket).await;
        assert_eq!(hello["type"], "hello", "{hello}");
        (socket, hello)
    }
}

impl Visitor {
    /// A presence socket on the label of `page_url` (a browser-side URL), as any script of
    /// a page of the session can open it, with no panel of its own; the server's hello
    /// is read and returned with it, and the page said. [`Visitor::presence`] is the
    /// visitor's own page, with its panel.
    pub async fn unpaired_presence(&self, page_url: &str) -> (Socket, serde_json::Value) {
        let page = url::Url::parse(page_url).expect("page URL");
        let origin = page.origin().ascii_serialization();
        let socket_url = format!("ws://{}/__tandem/live", &page[url::Position::BeforeHost..url::Position::AfterPort]);
        let mut socket = websocket_at(self.endpoint.addr, &socket_url, Some(&origin), Some(&self.cookie))
            .await
            .unwrap_or_else(|reply| panic!("presence socket refused: {} {}", reply.status, reply.text()));
        let hello = next_json(&mut socket).await;
        assert_eq!(hello["type"], "hello", "{hello}");
        send_json(&mut socket, &serde_json::json!({"type": "page", "url": page_url})).await;
        (socket, hello)
    }
}

/// Messages of the live mirror that come unasked: who watches, and requests for a
/// snapshot. [`next_json`] skips them for tests of other things.
const MIRROR_CHATTER: [&str; 2] = ["agents", "snapshot"];

/// A message on a live socket.
#[derive(Debug)]
pub enum LiveMessage {
    /// A JSON text message.
    Json(serde_json::Value),
    /// A binary mirror frame.
    Frame(Vec<u8>),
}

/// The next message (pings skipped), within [`STEP`].
pub async fn next_message(socket: &mut Socket) -> LiveMessage {
    loop {
        match bounded("a live socket message", socket.next()).await {
            Some(Ok(Message::Text(text))) => {
                return LiveMessage::Json(serde_json::from_str(&text).expect("live messages are JSON"));
            }
            Some(Ok(Message::Binary(frame))) => return LiveMessage::Frame(frame.to_vec()),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            other => panic!("expected a live message, got {other:?}"),
        }
    }
}

/// The next JSON text message but the mirror's chatter, within [`STEP`].
pub async fn next_json(socket: &mut Socket) -> serde_json::Value {
    loop {
        match next_message(socket).await {
            LiveMessage::Json(message) if !MIRROR_CHATTER.iter().any(|t| message["type"] == *t) => return message,
            LiveMessage::Json(_) => continue,
            LiveMessage::Frame(frame) => panic!("expected a JSON message, got a frame of {} bytes", frame.len()),
        }
    }
}

/// The next JSON message of type `kind`, skipping any other message and frame.
pub async fn next_of(socket: &mut Socket, kind: &str) -> serde_json::Value {
    loop {
        if let LiveMessage::Json(message) = next_message(socket).await
            && message["type"] == kind
        {
            return message;
        }
    }
}

/// Sends one JSON message.
pub async fn send_json(socket: &mut Socket, message: &serde_json::Value) {
    bounded("sending on a live socket", socket.send(Message::text(message.to_string())))
        .await
        .expect("live socket send");
}

/// The close code the server ended the socket with (messages before it skipped).
pub async fn close_code(socket: &mut Socket) -> Option<u16> {
    loop {
        match bounded("the socket to close", socket.next()).await {
            Some(Ok(Message::Close(frame))) => return frame.map(|f| f.code.into()),
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => return None,
        }
    }
}

/// Polls `check` until it gives `Some`, for at most [`STEP`].
pub async fn eventually<T, F: Future<Output = Option<T>>>(what: &str, mut check: impl FnMut() -> F) -> T {
    let deadline = tokio::time::Instant::now() + STEP;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Method shorthand for tests.
pub const DELETE: Method = Method::DELETE;
/// Method shorthand for tests.
pub const POST: Method = Method::POST;

/// A frame as an agent gets it: sequence number, relay time, flags, payload.
#[derive(Debug, PartialEq)]
pub struct Stamped {
    /// Its sequence number.
    pub seq: u64,
    /// The relay's time.
    pub time: i64,
    /// The page's flag byte.
    pub flags: u8,
    /// The payload, as text.
    pub body: String,
}

/// Sends a mirror frame as a visitor's page does.
pub async fn send_frame(page: &mut Socket, flags: u8, body: &str) {
    let mut frame = vec![flags];
    frame.extend_from_slice(body.as_bytes());
    bounded("sending a frame", page.send(Message::binary(frame))).await.expect("send frame");
}

/// The next frame on an agent's socket, skipping text messages.
pub async fn next_frame(agent: &mut Socket) -> Stamped {
    loop {
        if let LiveMessage::Frame(frame) = next_message(agent).await {
            assert!(frame.len() > 16, "a stamped frame");
            return Stamped {
                seq: u64::from_be_bytes(frame[..8].try_into().expect("seq")),
                time: i64::from_be_bytes(frame[8..16].try_into().expect("time")),
                flags: frame[16],
                body: String::from_utf8_lossy(&frame[17..]).into_owned(),
            };
        }
    }
}

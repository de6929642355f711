//! The live sockets of a proxy session as the relay load sees them: the visitor's page
//! socket, watch links made, redeemed (the credential cookie) and joined on the agent
//! socket; and the tiny loopback site the sessions start on.

use std::net::SocketAddr;

use anyhow::{Context, bail, ensure};
use futures_util::StreamExt;
use http::{HeaderValue, Method, StatusCode, header};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{WebSocketStream, client_async};

use crate::client::{Visitor, api, cookie_pair, send};

/// A live socket as the harness holds it.
pub type Socket = WebSocketStream<TcpStream>;

/// Opens a WebSocket to `url` on Tandem with these `Origin` and `Cookie` headers.
async fn websocket(addr: SocketAddr, url: &str, origin: &str, cookie: &str) -> anyhow::Result<Socket> {
    let mut request = url.into_client_request()?;
    request.headers_mut().insert(header::COOKIE, HeaderValue::from_str(cookie)?);
    request.headers_mut().insert(header::ORIGIN, HeaderValue::from_str(origin)?);
    let tcp = TcpStream::connect(addr).await?;
    // As browsers do: small frames go out at once.
    tcp.set_nodelay(true)?;
    let (socket, _) = client_async(request, tcp).await.with_context(|| format!("websocket {url}"))?;
    Ok(socket)
}

/// The next text message, parsed; binary frames and pings are skipped.
pub async fn next_json(socket: &mut Socket) -> anyhow::Result<serde_json::Value> {
    loop {
        match socket.next().await.context("the socket closed")?? {
            Message::Text(text) => return Ok(serde_json::from_str(&text)?),
            Message::Close(frame) => bail!("the socket closed: {frame:?}"),
            _ => continue,
        }
    }
}

impl Visitor {
    /// The page's socket, as the runtime opens it: hello read, `page` said.
    pub async fn open_page(&self, addr: SocketAddr) -> anyhow::Result<Socket> {
        let host = &self.landing[url::Position::BeforeHost..url::Position::AfterPort];
        let origin = self.landing.origin().ascii_serialization();
        let mut socket = websocket(addr, &format!("ws://{host}/__tandem/live"), &origin, &self.cookie).await?;
        let hello = next_json(&mut socket).await?;
        ensure!(hello["type"] == "hello", "page hello: {hello}");
        let page = serde_json::json!({"type": "page", "url": self.landing.as_str()});
        futures_util::SinkExt::send(&mut socket, Message::text(page.to_string())).await?;
        Ok(socket)
    }

    /// A watch link for agent `agent_id`, redeemed, and its live socket joined (hello
    /// read); with the harness's clock when the socket began to connect.
    pub async fn join_agent(&self, addr: SocketAddr, agent_id: &str) -> anyhow::Result<(Socket, u64)> {
        let body = serde_json::json!({"agent": {"id": agent_id, "name": agent_id}});
        let link = api(addr, &format!("/v1.3/visitors/{}/watch_url", self.short_id), body).await?;
        let watch_url = link["watch_url"].as_str().context("watch_url")?;
        let opened = send(addr, Method::GET, watch_url, &[], String::new()).await?;
        ensure!(opened.status == StatusCode::SEE_OTHER, "watch link: {}", opened.status);
        let credential = cookie_pair(&opened)?;
        let viewer = url::Url::parse(watch_url)?.join(opened.header(header::LOCATION)?)?;
        let live = format!("{}/live", viewer.as_str().trim_end_matches('/')).replacen("http://", "ws://", 1);
        let joined = crate::now_us();
        // The viewer page's own origin, the control origin, as its browser sends it.
        let origin = viewer.origin().ascii_serialization();
        let mut socket = websocket(addr, &live, &origin, &credential).await?;
        let hello = next_json(&mut socket).await?;
        ensure!(hello["type"] == "hello", "agent hello: {hello}");
        Ok((socket, joined))
    }
}

/// A tiny site for the sessions' first page: one small HTML page on every path.
pub async fn start_upstream() -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let page = "<!doctype html><html><head><title>Shop</title></head><body><h1>Shop</h1>\
                <ul><li><a href=\"/a\">A</a></li><li><a href=\"/b\">B</a></li></ul></body></html>";
    let app = axum::Router::new().fallback(move || async move { axum::response::Html(page) });
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(addr)
}

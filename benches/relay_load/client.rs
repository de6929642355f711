//! Talking to Tandem as an integrator, a visitor's browser and an agent's browser do:
//! a proxy session made by the REST API and entered by its link (the binding cookie),
//! the visitor's page socket, watch links made, redeemed (the credential cookie) and
//! joined on the agent socket.

use std::net::SocketAddr;

use anyhow::{Context, bail, ensure};
use bytes::Bytes;
use futures_util::StreamExt;
use http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{WebSocketStream, client_async};

use crate::tandem::{API_KEY, SITE};

/// A live socket as the harness holds it.
pub type Socket = WebSocketStream<TcpStream>;

/// A reply to one request.
pub struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Reply {
    fn header(&self, name: header::HeaderName) -> anyhow::Result<&str> {
        Ok(self.headers.get(&name).with_context(|| format!("no {name} header"))?.to_str()?)
    }

    fn json(&self) -> anyhow::Result<serde_json::Value> {
        Ok(serde_json::from_slice(&self.body)?)
    }
}

/// One request to Tandem at `addr` on a fresh connection, as a browser names hosts.
pub async fn send(
    addr: SocketAddr,
    method: Method,
    url: &str,
    headers: &[(header::HeaderName, &str)],
    body: String,
) -> anyhow::Result<Reply> {
    let uri: http::Uri = url.parse()?;
    let mut request = Request::builder()
        .method(method)
        .uri(uri.path_and_query().map_or("/", |p| p.as_str()))
        .header(header::HOST, uri.authority().context("an absolute URL")?.as_str());
    for (name, value) in headers {
        request = request.header(name, *value);
    }
    let stream = TcpStream::connect(addr).await?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let response = sender.send_request(request.body(Full::new(Bytes::from(body)))?).await?;
    let (parts, body) = response.into_parts();
    let body = body.collect().await?.to_bytes();
    Ok(Reply { status: parts.status, headers: parts.headers, body })
}

/// A REST call with the API key; its JSON, which must come with 200.
async fn api(addr: SocketAddr, path: &str, body: serde_json::Value) -> anyhow::Result<serde_json::Value> {
    let url = format!("http://localhost:{}{path}", addr.port());
    let headers = [(header::HeaderName::from_static("x-api-key"), API_KEY), (header::CONTENT_TYPE, "application/json")];
    let reply = send(addr, Method::POST, &url, &headers, body.to_string()).await?;
    ensure!(reply.status == StatusCode::OK, "POST {path}: {} {}", reply.status, String::from_utf8_lossy(&reply.body));
    reply.json()
}

/// Opens a WebSocket to `url` on Tandem with these `Origin` and `Cookie` headers.
async fn websocket(addr: SocketAddr, url: &str, origin: Option<&str>, cookie: &str) -> anyhow::Result<Socket> {
    let mut request = url.into_client_request()?;
    request.headers_mut().insert(header::COOKIE, HeaderValue::from_str(cookie)?);
    if let Some(origin) = origin {
        request.headers_mut().insert(header::ORIGIN, HeaderValue::from_str(origin)?);
    }
    let tcp = TcpStream::connect(addr).await?;
    // As browsers do: small frames go out at once.
    tcp.set_nodelay(true)?;
    let (socket, _) = client_async(request, tcp).await.with_context(|| format!("websocket {url}"))?;
    Ok(socket)
}

/// The first cookie pair a reply sets.
fn cookie_pair(reply: &Reply) -> anyhow::Result<String> {
    Ok(reply.header(header::SET_COOKIE)?.split(';').next().context("a cookie pair")?.trim().to_owned())
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

/// A visitor bound to its proxy session, with its page loaded once.
pub struct Visitor {
    /// Its id in the REST API.
    pub short_id: String,
    cookie: String,
    landing: url::Url,
}

impl Visitor {
    /// Makes a proxy session on [`SITE`] and enters it as a browser: the entry link,
    /// then the first page through the proxy.
    pub async fn enter(addr: SocketAddr) -> anyhow::Result<Visitor> {
        let made =
            api(addr, "/v1.3/proxy_sessions", serde_json::json!({"initial_url": format!("http://{SITE}/")})).await?;
        let entry = made["proxy_url"].as_str().context("proxy_url")?;
        let short_id = made["visitor"]["short_id"].as_str().context("short_id")?.to_owned();
        let entered = send(addr, Method::GET, entry, &[], String::new()).await?;
        ensure!(entered.status == StatusCode::FOUND, "entry link: {}", entered.status);
        let cookie = cookie_pair(&entered)?;
        let landing = url::Url::parse(entry)?.join(entered.header(header::LOCATION)?)?;
        let page = send(addr, Method::GET, landing.as_str(), &[(header::COOKIE, &cookie)], String::new()).await?;
        ensure!(page.status == StatusCode::OK, "first page: {}", page.status);
        Ok(Visitor { short_id, cookie, landing })
    }

    /// The page's socket, as the runtime opens it: hello read, `page` said.
    pub async fn open_page(&self, addr: SocketAddr) -> anyhow::Result<Socket> {
        let host = &self.landing[url::Position::BeforeHost..url::Position::AfterPort];
        let origin = self.landing.origin().ascii_serialization();
        let mut socket = websocket(addr, &format!("ws://{host}/__tandem/live"), Some(&origin), &self.cookie).await?;
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
        let mut socket = websocket(addr, &live, None, &credential).await?;
        let hello = next_json(&mut socket).await?;
        ensure!(hello["type"] == "hello", "agent hello: {hello}");
        Ok((socket, joined))
    }
}

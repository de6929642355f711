//! Talking to Tandem as an integrator and a visitor's browser do, shared by the load
//! benches (`relay_load`, `peers`): one request on a fresh connection, a REST call with
//! the API key, a proxy session made by the REST API and entered by its link (the
//! binding cookie) with its first page loaded, and many such steps run 32 at a time.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, ensure};
use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

use crate::tandem::API_KEY;

/// A reply to one request.
pub struct Reply {
    /// Its status.
    pub status: StatusCode,
    /// Its headers.
    pub headers: HeaderMap,
    /// Its whole body.
    pub body: Bytes,
}

impl Reply {
    /// The value of header `name`, which must be there.
    pub fn header(&self, name: header::HeaderName) -> anyhow::Result<&str> {
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
pub async fn api(addr: SocketAddr, path: &str, body: serde_json::Value) -> anyhow::Result<serde_json::Value> {
    let url = format!("http://localhost:{}{path}", addr.port());
    let headers = [(header::HeaderName::from_static("x-api-key"), API_KEY), (header::CONTENT_TYPE, "application/json")];
    let reply = send(addr, Method::POST, &url, &headers, body.to_string()).await?;
    ensure!(reply.status == StatusCode::OK, "POST {path}: {} {}", reply.status, String::from_utf8_lossy(&reply.body));
    reply.json()
}

/// The first cookie pair a reply sets.
pub fn cookie_pair(reply: &Reply) -> anyhow::Result<String> {
    Ok(reply.header(header::SET_COOKIE)?.split(';').next().context("a cookie pair")?.trim().to_owned())
}

/// A visitor bound to its proxy session, with its page loaded once.
pub struct Visitor {
    /// Its id in the REST API.
    #[allow(dead_code, reason = "relay_load's watch links use it; peers has no agents")]
    pub short_id: String,
    /// The binding cookie's pair, for a `Cookie` header.
    pub cookie: String,
    /// The first page's URL through the proxy, on the session's label.
    pub landing: url::Url,
}

impl Visitor {
    /// Makes a proxy session on `initial_url` and enters it as a browser: the entry
    /// link, then the first page through the proxy.
    pub async fn enter(addr: SocketAddr, initial_url: String) -> anyhow::Result<Visitor> {
        let made = api(addr, "/v1.3/proxy_sessions", serde_json::json!({"initial_url": initial_url})).await?;
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
}

/// Runs `step` for every item, 32 at a time, keeping their order.
pub async fn each<T: Send + 'static, U: Send + 'static, F: Future<Output = anyhow::Result<U>> + Send + 'static>(
    items: Vec<T>,
    step: impl Fn(T) -> F,
) -> anyhow::Result<Vec<U>> {
    let gate = Arc::new(Semaphore::new(32));
    let running: Vec<_> = items
        .into_iter()
        .map(|item| {
            let gate = gate.clone();
            let work = step(item);
            tokio::spawn(async move {
                let _permit = gate.acquire_owned().await?;
                work.await
            })
        })
        .collect();
    let mut done = Vec::with_capacity(running.len());
    for task in running {
        done.push(task.await??);
    }
    Ok(done)
}

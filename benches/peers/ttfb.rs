//! Streaming through a slow upstream: a tiny loopback HTTP server that sends a page's
//! `<head>` at once, then stalls before the rest; and the visitor's clock from sending
//! its request to holding that head (with the proxy's own script tag, if it adds one).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::wrk::Target;

/// How long the upstream holds back the rest of the page.
pub const STALL: Duration = Duration::from_secs(2);
/// Visits per contender; the table shows their median.
pub const VISITS: usize = 5;

const HEAD: &str = "<!doctype html><html><head><meta charset=\"utf-8\"><title>Slow page</title>\
                    <link rel=\"stylesheet\" href=\"/site.css\"></head><body><h1>Slow page</h1>";
const REST: &str = "<p>The rest, after the stall.</p></body></html>";

/// Starts the stalling server on a free loopback port.
pub async fn start_staller() -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(serve(socket));
        }
    });
    Ok(addr)
}

/// One request: its head at once (chunked), the rest after [`STALL`], then close.
async fn serve(mut socket: TcpStream) -> anyhow::Result<()> {
    socket.set_nodelay(true)?;
    let mut request = Vec::new();
    let mut buf = [0u8; 4096];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = socket.read(&mut buf).await?;
        anyhow::ensure!(n > 0, "closed before the request's end");
        request.extend_from_slice(&buf[..n]);
    }
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nTransfer-Encoding: chunked\r\n\
         Connection: close\r\n\r\n{:x}\r\n{HEAD}\r\n",
        HEAD.len()
    );
    socket.write_all(head.as_bytes()).await?;
    tokio::time::sleep(STALL).await;
    socket.write_all(format!("{:x}\r\n{REST}\r\n0\r\n\r\n", REST.len()).as_bytes()).await?;
    socket.shutdown().await?;
    Ok(())
}

/// Milliseconds from sending the request to `target` until the reply holds the whole
/// head (`</head>`) and `marker` (the proxy's own script); at most the stall and a
/// second, after which the proxy plainly waits for the whole page.
pub async fn visit(target: &Target, marker: &str) -> anyhow::Result<f64> {
    let mut request = format!("GET {} HTTP/1.1\r\n", target.path);
    for (name, value) in &target.headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("Connection: close\r\n\r\n");
    let mut socket = TcpStream::connect(target.addr).await?;
    socket.set_nodelay(true)?;
    let start = Instant::now();
    socket.write_all(request.as_bytes()).await?;
    let mut reply = Vec::new();
    let mut buf = [0u8; 16384];
    let give_up = STALL + Duration::from_secs(1);
    loop {
        let text = String::from_utf8_lossy(&reply);
        if text.contains("</head>") && text.contains(marker) {
            return Ok(start.elapsed().as_secs_f64() * 1000.0);
        }
        let left = give_up.checked_sub(start.elapsed()).context("no head within the stall and a second")?;
        let n = tokio::time::timeout(left, socket.read(&mut buf)).await.context("no head in time")??;
        anyhow::ensure!(n > 0, "the reply ended without the head and {marker}: {text}");
        reply.extend_from_slice(&buf[..n]);
    }
}

/// The median of [`VISITS`] visits, one after another.
pub async fn median_visit(target: &Target, marker: &str) -> anyhow::Result<f64> {
    let mut times = Vec::with_capacity(VISITS);
    for _ in 0..VISITS {
        times.push(visit(target, marker).await?);
    }
    Ok(crate::median(times))
}

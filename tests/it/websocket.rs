//! WebSockets through Tandem: the handshake goes up like any request (real origin,
//! jar cookies, binding checked), then frames flow both ways.

use futures_util::{SinkExt, StreamExt};
use http::{HeaderValue, StatusCode, header};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, client_async};

use crate::support::{Visitor, World, bounded, cookie_names};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Opens `ws://<label of upstream>` through Tandem with the given `Origin` and `Cookie`.
pub(crate) async fn connect(
    world: &World,
    visitor: &Visitor,
    upstream: &str,
    origin: &str,
    cookie: Option<&str>,
) -> Result<Socket, WsError> {
    let url = visitor.url(upstream).replacen("http://", "ws://", 1);
    let mut request = url.into_client_request().expect("websocket request");
    request.headers_mut().insert(header::ORIGIN, HeaderValue::from_str(origin).expect("origin"));
    if let Some(cookie) = cookie {
        request.headers_mut().insert(header::COOKIE, HeaderValue::from_str(cookie).expect("cookie"));
    }
    let tcp = bounded("connect to Tandem", TcpStream::connect(world.tandem.addr)).await.expect("connect");
    let (socket, response) = bounded("websocket handshake", client_async(request, MaybeTlsStream::Plain(tcp))).await?;
    assert_eq!(response.status(), StatusCode::SWITCHING_PROTOCOLS);
    Ok(socket)
}

async fn next_text(socket: &mut Socket) -> String {
    loop {
        match bounded("a websocket message", socket.next()).await {
            Some(Ok(Message::Text(text))) => return text.as_str().to_owned(),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            other => panic!("expected a text message, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_websocket_echoes_through_tandem_with_the_real_origin_and_the_jars_cookies() {
    let world = World::start().await;
    for scheme in ["https", "http"] {
        let visitor = world.tandem.visitor(&format!("{scheme}://shop.test/")).await;
        // The home page puts two cookies in the jar.
        assert_eq!(visitor.get(&visitor.landing).await.status, StatusCode::OK);

        let origin = visitor.session.origin(&format!("{scheme}://shop.test/"));
        let mut socket = connect(&world, &visitor, &format!("{scheme}://shop.test/ws"), &origin, Some(&visitor.cookie))
            .await
            .unwrap_or_else(|e| panic!("{scheme}: handshake through Tandem: {e}"));
        let greeting = next_text(&mut socket).await;
        let cookies = greeting.strip_prefix("cookies: ").expect("greeting");
        assert_eq!(cookie_names(Some(cookies)), ["pref", "visit"], "{scheme}: the handshake carried {cookies}");

        for text in ["hello", "привет, мир", &"long ".repeat(20_000)] {
            bounded("send", socket.send(Message::Text(text.into()))).await.expect("send");
            assert_eq!(next_text(&mut socket).await, format!("echo: {text}"), "{scheme}");
        }
        let binary: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
        bounded("send", socket.send(Message::Binary(binary.clone().into()))).await.expect("send");
        match bounded("binary echo", socket.next()).await {
            Some(Ok(Message::Binary(echoed))) => assert!(echoed[..] == binary[..], "{scheme}: binary frame changed"),
            other => panic!("{scheme}: expected the binary echo, got {other:?}"),
        }
        bounded("close", socket.close(None)).await.expect("close");

        let seen = world.upstream.last("shop.test", "/ws");
        assert_eq!(seen.header("origin"), Some(format!("{scheme}://shop.test")));
    }
}

#[tokio::test]
async fn a_websocket_handshake_without_the_binding_is_refused() {
    let world = World::start().await;
    let visitor = world.tandem.visitor("https://shop.test/").await;
    let origin = visitor.session.origin("https://shop.test/");
    match connect(&world, &visitor, "https://shop.test/ws", &origin, None).await {
        Err(WsError::Http(response)) => assert_eq!(response.status(), StatusCode::FORBIDDEN),
        Err(other) => panic!("expected a 403, got {other}"),
        Ok(_) => panic!("an unbound browser opened a websocket"),
    }
    assert!(world.upstream.requests_to("shop.test", "/ws").is_empty(), "the handshake reached the upstream");
}

#[tokio::test]
async fn a_websocket_from_a_foreign_page_reaches_the_site_as_a_foreign_origin() {
    let world = World::start().await;
    let visitor = world.tandem.visitor("https://shop.test/").await;
    match connect(&world, &visitor, "https://shop.test/ws", "http://evil.example", Some(&visitor.cookie)).await {
        Err(WsError::Http(response)) => assert_eq!(response.status(), StatusCode::FORBIDDEN),
        Err(other) => panic!("expected the site's 403, got {other}"),
        Ok(_) => panic!("the site accepted a websocket from a foreign origin"),
    }
    assert_eq!(world.upstream.last("shop.test", "/ws").header("origin").as_deref(), Some("null"));
}

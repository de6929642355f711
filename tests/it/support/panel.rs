//! The visitor's panel as a test client speaks it (`injector/PROTOCOL.md`, "Panel
//! socket"): Tandem's own frame in the visitor's page, on `tandem.<zone>`, whose socket is
//! the only one the relay takes the visitor's decisions from and which says whether its
//! tab is visible. A visitor's page is its presence socket paired with such a panel.

use std::ops::{Deref, DerefMut};

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

use super::api::{Socket, next_json, send_json, websocket_at};
use super::{Reply, Visitor, ZONE, bounded};

/// A page of the visitor's as its runtime holds it: the presence socket, paired with the
/// panel the runtime embeds. It derefs to the presence socket.
pub struct Page {
    /// The presence socket.
    pub socket: Socket,
    /// The panel's socket.
    pub panel: Socket,
}

impl Deref for Page {
    type Target = Socket;

    fn deref(&self) -> &Socket {
        &self.socket
    }
}

impl DerefMut for Page {
    fn deref_mut(&mut self) -> &mut Socket {
        &mut self.socket
    }
}

impl Page {
    /// Says, as the panel does, whether the page's tab is visible now; returns once the
    /// relay has taken it.
    pub async fn set_visible(&mut self, visible: bool) {
        send_json(&mut self.panel, &serde_json::json!({"type": "visible", "visible": visible})).await;
        settled(&mut self.panel).await;
    }
}

impl Visitor {
    /// The panel's origin, as its socket's `Origin`.
    pub fn panel_origin(&self) -> String {
        format!("http://tandem.{ZONE}:{}", self.session.port)
    }

    /// Opens a panel socket for this visitor's session with `origin` and `cookie`.
    pub async fn panel_socket(&self, nonce: &str, origin: Option<&str>, cookie: Option<&str>) -> Result<Socket, Reply> {
        let url = format!("ws://tandem.{ZONE}:{}/live?session={}&pair={nonce}", self.session.port, self.session.id);
        websocket_at(self.endpoint.addr, &url, origin, cookie).await
    }

    /// A panel of this visitor's, as Tandem's frame opens it (its origin, the binding
    /// cookie) with `nonce`; the hello is read and returned with it.
    pub async fn panel(&self, nonce: &str) -> (Socket, serde_json::Value) {
        let origin = self.panel_origin();
        let mut panel = self
            .panel_socket(nonce, Some(&origin), Some(&self.cookie))
            .await
            .unwrap_or_else(|reply| panic!("panel socket refused: {} {}", reply.status, reply.text()));
        let hello = next_json(&mut panel).await;
        assert_eq!(hello["type"], "hello", "{hello}");
        (panel, hello)
    }

    /// The visitor's page at `page_url` (a browser-side URL) in the tab it is using: the
    /// presence socket, paired with a panel that says its tab is visible, as the runtime
    /// and its panel do. The presence socket's hello is returned with it.
    pub async fn presence(&self, page_url: &str) -> (Page, serde_json::Value) {
        let (socket, hello) = self.unpaired_presence(page_url).await;
        let nonce = tandem::origin::binding::random_token();
        let (panel, _) = self.panel(&nonce).await;
        let mut page = Page { socket, panel };
        page.set_visible(true).await;
        // The relay reads a socket in order: what the test sends next comes after the pairing.
        send_json(&mut page.socket, &serde_json::json!({"type": "pair", "nonce": nonce})).await;
        (page, hello)
    }
}

/// Returns once the relay has read everything sent on `socket` so far (a ping is answered
/// in order), with the text messages that came meanwhile.
pub async fn settled(socket: &mut Socket) -> Vec<serde_json::Value> {
    let token = tandem::origin::binding::random_token();
    bounded("a ping", socket.send(Message::Ping(token.clone().into_bytes().into()))).await.expect("ping");
    let mut told = Vec::new();
    loop {
        match bounded("the pong", socket.next()).await {
            Some(Ok(Message::Pong(payload))) if payload.as_ref() == token.as_bytes() => return told,
            Some(Ok(Message::Text(text))) => told.push(serde_json::from_str(&text).expect("live messages are JSON")),
            Some(Ok(_)) => continue,
            other => panic!("the socket ended before the pong: {other:?}"),
        }
    }
}

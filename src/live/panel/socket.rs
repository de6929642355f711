//! The panel socket, [`super::PANEL_SOCKET_PATH`] on the panel's host: the one place the
//! relay takes the visitor's decisions from (consent, the end of the session), and where
//! it learns whether the tab a panel is in is visible, which decides the page mirrored
//! ([`crate::live::mirror`]). It is admitted only with an `Origin` of the panel's own
//! (browsers set it; page scripts cannot, and every page has a label's) and the binding
//! cookie of the session it names.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::IntoResponse;
use http::{Request, Response, header};
use hyper::body::Incoming;
use tokio::sync::{Notify, broadcast};

use crate::error::ProxyError;
use crate::live::heartbeat::{self, Heartbeat};
use crate::live::mirror::is_pairing_nonce;
use crate::live::sessions::END_VISITOR;
use crate::live::{Live, MAX_SOCKET_MESSAGE, Mirror, SOCKET_READ_BUFFER};
use crate::origin::SessionId;
use crate::proxy::context::{is_bound, query_param};
use crate::server::AppState;
use crate::server::connections::ConnectionInUse;

/// One open panel of the visitor's; it leaves the mirror when dropped.
struct PanelConnection {
    live: Arc<Live>,
    short_id: String,
    id: u64,
    mirror: Arc<Mirror>,
    /// Session starts and ends and consent answers, as the visitor's pages hear them.
    events: broadcast::Receiver<Arc<str>>,
    /// Notified when another panel took this one's place (the panel connects again).
    evicted: Arc<Notify>,
}

impl Drop for PanelConnection {
    fn drop(&mut self) {
        if let Some(url) = self.mirror.remove_panel(self.id) {
            self.live.visitor_navigated(&self.short_id, url);
        }
        self.live.release_mirror(&self.short_id);
    }
}

impl Live {
    /// A panel of the visitor's opened its socket with its pairing `nonce`. Panels live
    /// in pages: a visitor with none open has none.
    fn panel_connected(self: &Arc<Self>, short_id: &str, nonce: &str) -> Result<PanelConnection, ProxyError> {
        let no_page = || ProxyError::PanelRefused("no page of this visitor is open");
        let events = self.visitors.get(short_id).map(|v| v.events.subscribe()).ok_or_else(no_page)?;
        let mirror = self.mirror_of(short_id);
        let id = self.next_tap_id();
        let evicted = match mirror.add_panel(id, nonce) {
            Ok(evicted) => evicted,
            Err(refused) => {
                drop(mirror);
                self.release_mirror(short_id);
                tracing::warn!(visitor = short_id, %refused, "panel refused");
                return Err(ProxyError::PanelRefused("too many panels are open"));
            }
        };
        Ok(PanelConnection { live: self.clone(), short_id: short_id.to_owned(), id, mirror, events, evicted })
    }
}

/// Accepts the socket of a panel of a bound browser.
pub async fn accept(app: &AppState, request: Request<Incoming>) -> Result<Response<Body>, ProxyError> {
    let (mut parts, _) = request.into_parts();
    let origin = parts.headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    if !origin.is_some_and(|o| o.eq_ignore_ascii_case(&app.zone.panel_origin())) {
        return Err(ProxyError::NotOwnOrigin);
    }
    let session_id =
        query_param(&parts, "session").and_then(|s| SessionId::parse(&s)).ok_or(ProxyError::UnknownSession)?;
    let session = match app.sessions.get(&session_id) {
        Some(session) => session,
        None => app.restore_session(&session_id).await.ok_or(ProxyError::UnknownSession)?,
    };
    if !is_bound(&parts, &session) {
        return Err(ProxyError::NotBound);
    }
    let nonce = query_param(&parts, "pair")
        .filter(|n| is_pairing_nonce(n))
        .ok_or_else(|| ProxyError::BadRequest("no pairing nonce".into()))?;
    let upgrade = WebSocketUpgrade::from_request_parts(&mut parts, &())
        .await
        .map_err(|e| ProxyError::BadRequest(e.body_text()))?;
    let connection = app.live.panel_connected(&session.visitor_id, &nonce)?;
    let (live, requires_consent) = (app.live.clone(), session.require_consent);
    let in_use = ConnectionInUse::of(&parts.extensions);
    let response = upgrade
        .max_message_size(MAX_SOCKET_MESSAGE)
        .read_buffer_size(SOCKET_READ_BUFFER)
        .on_upgrade(move |socket| ConnectionInUse::during(in_use, serve(live, connection, requires_consent, socket)))
        .into_response();
    Ok(response.map(Body::new))
}

async fn serve(live: Arc<Live>, mut connection: PanelConnection, requires_consent: bool, mut socket: WebSocket) {
    let mut hello = serde_json::json!({"type": "hello"});
    live.tell_sharing(&connection.short_id, requires_consent, &mut hello);
    if socket.send(Message::text(hello.to_string())).await.is_err() {
        return;
    }
    let evicted = connection.evicted.clone();
    let mut heartbeat = Heartbeat::new(live.settings.socket_silence);
    loop {
        tokio::select! {
            () = evicted.notified() => return,
            beat = heartbeat.beat() => if !heartbeat::answer(beat, &mut socket).await {
                return;
            },
            event = connection.events.recv() => if !crate::live::pass_event(event, &mut socket).await {
                return;
            },
            message = socket.recv() => match message.inspect(|_| heartbeat.heard()) {
                Some(Ok(Message::Text(text))) if text.len() <= MAX_SOCKET_MESSAGE => heard(&live, &connection, &text),
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return,
            },
        }
    }
}

/// What the visitor said through its panel, or what its tab's visibility is now.
fn heard(live: &Live, connection: &PanelConnection, text: &str) {
    let short_id = connection.short_id.as_str();
    let said: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
    match said["type"].as_str() {
        Some("visible") => {
            let url =
                said["visible"].as_bool().and_then(|visible| connection.mirror.panel_visible(connection.id, visible));
            if let Some(url) = url {
                live.visitor_navigated(short_id, url);
            }
        }
        // Heeded only while a question is asked (see `Live::consent_answered`).
        Some("consent") => {
            if let Some(granted) = said["granted"].as_bool() {
                live.consent_answered(short_id, granted);
            }
        }
        Some("end_session") => {
            tracing::info!(visitor = short_id, "the visitor ended the session");
            live.end_session(short_id, END_VISITOR);
        }
        _ => {}
    }
}

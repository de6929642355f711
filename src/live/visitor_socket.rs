//! The visitor's presence socket, `/__tandem/live` on any label of its session: the
//! runtime of the visitor's top page holds it open. It makes the visitor online, tells
//! the proxy which real URL the page is on, carries session starts and ends and agents'
//! actions to the page, and the page's mirror frames to the relay.
//!
//! Any script of any page of the session can open this socket, so nothing said on it
//! speaks for the visitor: consent and the end of a session are taken only from the
//! visitor's panel ([`super::panel`]), and a page is mirrored, hears actions and answers
//! them only while it is the page the visitor uses ([`super::mirror`]).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::IntoResponse;
use http::{Request, Response, header};
use hyper::body::Incoming;

use super::heartbeat::{self, Heartbeat};
use super::mirror::is_pairing_nonce;
use super::{Live, MAX_MIRROR_FRAME, MAX_SOCKET_MESSAGE, SOCKET_READ_BUFFER, VisitorConnection, now_millis};
use crate::error::ProxyError;
use crate::proxy::context::{find_session, is_bound};
use crate::rewrite::Mapping;
use crate::server::connections::ConnectionInUse;
use crate::server::{AppState, ClientAddr};
use crate::store::Presence;

/// The socket's path on every label.
pub const VISITOR_SOCKET_PATH: &str = "/__tandem/live";
/// Longest page URL recorded.
const MAX_URL_LEN: usize = 4096;

/// Accepts the presence socket of a bound browser's page on one of its session's labels.
pub async fn visitor_socket(app: &AppState, request: Request<Incoming>) -> Result<Response<Body>, ProxyError> {
    let (mut parts, _) = request.into_parts();
    let (session, _) = find_session(app, &parts).await?;
    if !is_bound(&parts, &session) {
        return Err(ProxyError::NotBound);
    }
    // The binding cookie goes along cross-site over https (SameSite=None, for framed
    // sessions), so only the session's own pages may open the socket.
    let mapping = app.mapping(session.clone());
    let origin = parts.headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let Some(page) = origin.and_then(|origin| mapping.upstream_of(origin)) else {
        return Err(ProxyError::NotOwnOrigin);
    };
    // What the page masks in the mirror: the rules of the site it shows.
    let mask: Vec<String> = app.rules.mask_selectors(page.host_str().unwrap_or_default()).map(str::to_owned).collect();
    let upgrade = WebSocketUpgrade::from_request_parts(&mut parts, &())
        .await
        .map_err(|e| ProxyError::BadRequest(e.body_text()))?;
    let visitor_id = session.visitor_id.clone();
    let visitor =
        app.records(move |s| s.visitor(&visitor_id)).await.map_err(|e| ProxyError::Internal(e.to_string()))?;
    // A deleted visitor's browser keeps no presence.
    let visitor = visitor.ok_or(ProxyError::UnknownSession)?;
    let presence = Presence {
        ip_address: parts.extensions.get::<ClientAddr>().map(|a| a.0.ip().to_string()),
        user_agent: parts.headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_owned),
        // Until the page says where it is, the visitor is where it was last seen.
        url: visitor.presence.url.clone(),
        last_seen_at: Some(now_millis()),
    };
    let requires_consent = session.require_consent;
    let connection = app.live.visitor_connected(&visitor.short_id, &visitor.lookup_code, presence, requires_consent);
    let (live, in_use) = (app.live.clone(), ConnectionInUse::of(&parts.extensions));
    let response = upgrade
        .max_message_size(MAX_MIRROR_FRAME)
        .read_buffer_size(SOCKET_READ_BUFFER)
        .on_upgrade(move |socket| {
            ConnectionInUse::during(in_use, serve(live, mapping, connection, requires_consent, mask, socket))
        })
        .into_response();
    Ok(response.map(Body::new))
}

async fn serve(
    live: Arc<Live>,
    mapping: Mapping,
    mut connection: VisitorConnection,
    requires_consent: bool,
    mask: Vec<String>,
    mut socket: WebSocket,
) {
    let mut hello = serde_json::json!({
        "type": "hello",
        "visitor_id": connection.short_id,
        "lookup_code": connection.lookup_code,
        "mask": mask,
        "mask_params": mapping.session.masked_params(),
    });
    live.tell_sharing(&connection.short_id, requires_consent, &mut hello);
    if socket.send(Message::text(hello.to_string())).await.is_err() {
        return;
    }
    let mut heartbeat = Heartbeat::new(live.settings.socket_silence);
    loop {
        tokio::select! {
            beat = heartbeat.beat() => if !heartbeat::answer(beat, &mut socket).await {
                return;
            },
            event = connection.events.recv() => if !super::pass_event(event, &mut socket).await {
                return;
            },
            Some(request) = connection.requests.recv() => {
                if socket.send(Message::text(request.to_string())).await.is_err() {
                    return;
                }
            }
            message = socket.recv() => match message.inspect(|_| heartbeat.heard()) {
                // Without the visitor's consent nothing reaches an agent, whatever the page sends.
                Some(Ok(Message::Binary(frame))) => if live.may_mirror(&connection.short_id, requires_consent) {
                    connection.mirror.receive(connection.page_id, frame).await;
                } else {
                    live.relay.no_consent.inc();
                },
                Some(Ok(Message::Text(text))) if text.len() <= MAX_SOCKET_MESSAGE => heard(&live, &mapping, &connection, &text),
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return,
            },
        }
    }
}

/// What the visitor's page said. Pages report their own (label) address; the records
/// keep the real one.
fn heard(live: &Live, mapping: &Mapping, connection: &VisitorConnection, text: &str) {
    let (short_id, page) = (connection.short_id.as_str(), connection.page_id);
    let said: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
    match said["type"].as_str() {
        Some("page") => {
            let url = said["url"].as_str().filter(|u| u.len() <= MAX_URL_LEN).and_then(|u| mapping.upstream_of(u));
            // While a page is mirrored, it alone says where the visitor is.
            if let Some(url) = url
                && connection.mirror.page_at(page, url.to_string())
            {
                live.visitor_navigated(short_id, url.into());
            }
        }
        // Names of masked fields only, never values: every page of the session gets them.
        Some("mask_params") => {
            let names = said["names"].as_array().into_iter().flatten().filter_map(|n| n.as_str());
            mapping.session.learn_masked_params(names);
        }
        Some("pair") => {
            let nonce = said["nonce"].as_str().filter(|n| is_pairing_nonce(n));
            if let Some(url) = nonce.and_then(|nonce| connection.mirror.pair_page(page, nonce)) {
                live.visitor_navigated(short_id, url);
            }
        }
        // The page's answers to one agent's action go to that agent only, rebuilt here,
        // and only from the page actions go to: no other page can answer for it.
        Some(kind @ ("refused" | "console_result")) if connection.mirror.is_source(page) => {
            let Some(agent) = said["agent"].as_str() else { return };
            let mut answer = serde_json::json!({"type": kind});
            for field in ["action", "reason", "result", "error"] {
                if let Some(value) = said[field].as_str() {
                    answer[field] = value.into();
                }
            }
            connection.mirror.tell_agent(agent, Arc::from(answer.to_string()));
        }
        // `consent` and `end_session` are the visitor's to say, on its panel: not here.
        _ => {}
    }
}

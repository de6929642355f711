//! The agent's live socket, `/watch/s/<link id>/live` on the control origin: opening it
//! joins (or starts) the co-browsing session, closing it leaves. The agent hears what
//! its credential allows (permissions, branding) and when the session ends, and may end
//! it. The live mirror will travel on this socket too.

use std::sync::Arc;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::response::Response;
use http::HeaderMap;

use super::sessions::END_AGENT;
use super::{AgentConnection, MAX_SOCKET_MESSAGE};
use crate::api::views::VisitorView;
use crate::error::WatchError;
use crate::server::AppState;
use crate::store::WatchLinkRecord;
use crate::watch::authorized_link;

/// Close code telling the viewer the session is over (not to reconnect).
const CLOSE_SESSION_ENDED: u16 = 4410;

/// `GET /watch/s/<link id>/live`: the WebSocket of an agent's viewer.
pub async fn agent_socket(
    State(app): State<Arc<AppState>>,
    Path(link_id): Path<String>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Result<Response, WatchError> {
    let link = authorized_link(&app, &link_id, &headers).await?;
    let visitor_id = link.visitor_id.clone();
    let visitor = app.records(move |s| s.visitor(&visitor_id)).await?.ok_or(WatchError::VisitorGone)?;
    let connection = app.live.agent_joined(&link).map_err(|_| WatchError::SessionEnded)?;
    let online = app.live.is_online(&visitor.short_id);
    let presence = app.live.presence(&visitor.short_id);
    let mut visitor = visitor;
    if let Some(presence) = presence {
        visitor.presence = presence;
    }
    // The integrator may keep the visitor's address from its agents.
    if link.grant.permissions["hide_private_details"] == true {
        visitor.presence.ip_address = None;
    }
    let hello = serde_json::json!({
        "type": "hello",
        "session_id": connection.session_id,
        "agent": link.grant.agent,
        "viewer": link.grant.viewer,
        "permissions": link.grant.permissions,
        "branding": link.grant.branding,
        "language": link.grant.language,
        "notes": link.grant.initial_notes,
        "visitor": VisitorView::new(visitor, online, true, &[]),
    });
    Ok(upgrade
        .max_message_size(MAX_SOCKET_MESSAGE)
        .on_upgrade(move |socket| serve(app, link, connection, hello, socket)))
}

async fn serve(
    app: Arc<AppState>,
    link: WatchLinkRecord,
    mut connection: AgentConnection,
    hello: serde_json::Value,
    mut socket: WebSocket,
) {
    if socket.send(Message::text(hello.to_string())).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            changed = connection.ended.changed() => {
                let reason = (*connection.ended.borrow()).unwrap_or_default();
                if changed.is_ok() {
                    let ended = serde_json::json!({"type": "ended", "reason": reason});
                    let _ = socket.send(Message::text(ended.to_string())).await;
                }
                let frame = CloseFrame { code: CLOSE_SESSION_ENDED, reason: reason.into() };
                let _ = socket.send(Message::Close(Some(frame))).await;
                return;
            }
            message = socket.recv() => match message {
                Some(Ok(Message::Text(text))) => {
                    let said: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
                    if said["type"] == "end_session" {
                        tracing::info!(link = %link.id, agent = %link.grant.agent.id, "agent ended the session");
                        app.live.end_session(&link.visitor_id, END_AGENT);
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return,
            },
        }
    }
}

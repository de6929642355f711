//! The agent's live socket, `/watch/s/<link id>/live` on the control origin: opening it
//! joins (or starts) the co-browsing session, closing it leaves. The agent hears what
//! its credential allows (permissions, branding), where the visitor is as it moves,
//! leaves and comes back, and when the session ends, and may end it. The visitor's live
//! mirror comes on it as binary frames, and the agent's control actions go out on it,
//! checked against the link's permissions here ([`super::control`]).
//!
//! Only the viewer page itself may open it: the credential cookie goes along with
//! cross-site requests over https (`SameSite=None`, so integrators can frame the
//! viewer), so a page of any other site, a proxied page in the content zone above all,
//! could otherwise open the socket in the agent's browser and act as the agent.

use std::sync::Arc;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Extension, Path, State};
use axum::response::Response;
use http::HeaderMap;

use super::heartbeat::{self, Heartbeat};
use super::sessions::END_AGENT;
use super::{AgentConnection, AgentFeed, AgentInfo, MAX_SOCKET_MESSAGE, MirrorWatch, SOCKET_READ_BUFFER, control};
use crate::api::views::VisitorView;
use crate::error::WatchError;
use crate::server::AppState;
use crate::server::connections::ConnectionInUse;
use crate::store::WatchLinkRecord;
use crate::watch::authorized_link;

/// Close code telling the viewer the session is over (not to reconnect).
const CLOSE_SESSION_ENDED: u16 = 4410;

/// `GET /watch/s/<link id>/live`: the WebSocket of an agent's viewer.
pub async fn agent_socket(
    State(app): State<Arc<AppState>>,
    Path(link_id): Path<String>,
    headers: HeaderMap,
    in_use: Option<Extension<ConnectionInUse>>,
    upgrade: WebSocketUpgrade,
) -> Result<Response, WatchError> {
    if !from_control_origin(&app, &headers) {
        return Err(WatchError::ForeignOrigin);
    }
    let link = authorized_link(&app, &link_id, &headers).await?;
    let visitor = visitor_view(&app, &link).await?;
    let connection = app.live.agent_joined(&link).map_err(|_| WatchError::SessionEnded)?;
    let last_shown = shown(&visitor);
    let hello = serde_json::json!({
        "type": "hello",
        "session_id": connection.session_id,
        "agent": link.grant.agent,
        "viewer": link.grant.viewer,
        "permissions": link.grant.permissions,
        "branding": link.grant.branding,
        "language": link.grant.language,
        "notes": link.grant.initial_notes,
        "visitor": visitor,
        "consent": app.live.consent_state(&link.visitor_id),
    });
    Ok(upgrade.max_message_size(MAX_SOCKET_MESSAGE).read_buffer_size(SOCKET_READ_BUFFER).on_upgrade(move |socket| {
        let in_use = in_use.map(|Extension(in_use)| in_use);
        ConnectionInUse::during(in_use, serve(app, link, connection, (hello, last_shown), socket))
    }))
}

/// Whether the handshake comes from a page of the control origin. Browsers send
/// `Origin` with every WebSocket handshake and page script cannot change it; a
/// handshake without one comes from no browser page, and is refused too: a client
/// outside a browser that holds the credential could write any `Origin` anyway, so
/// admitting it would protect nothing and make two rules of one.
fn from_control_origin(app: &AppState, headers: &HeaderMap) -> bool {
    let own = app.config.control_origin.origin().ascii_serialization();
    headers
        .get(http::header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|origin| origin.eq_ignore_ascii_case(&own))
}

/// The visitor as the agent of `link` may see it now: the record with what live state
/// knows of its browser.
async fn visitor_view(app: &AppState, link: &WatchLinkRecord) -> Result<VisitorView, WatchError> {
    let visitor_id = link.visitor_id.clone();
    let mut visitor = app.records(move |s| s.visitor(&visitor_id)).await?.ok_or(WatchError::VisitorGone)?;
    if let Some(presence) = app.live.presence(&visitor.short_id) {
        visitor.presence = presence;
    }
    // The integrator may keep the visitor's address from its agents.
    if link.grant.permissions["hide_private_details"] == true {
        visitor.presence.ip_address = None;
    }
    let online = app.live.is_online(&visitor.short_id);
    Ok(VisitorView::new(visitor, online, true, &[]))
}

/// What the viewer shows of the visitor: its page, whether it is online, its browser.
type Shown = (Option<String>, bool, Option<String>);

/// What the viewer shows of `view`; a change of anything else is not worth a message.
fn shown(view: &VisitorView) -> Shown {
    (view.url.clone(), view.is_online, view.user_agent.clone())
}

async fn serve(
    app: Arc<AppState>,
    link: WatchLinkRecord,
    mut connection: AgentConnection,
    (hello, last_shown): (serde_json::Value, Shown),
    mut socket: WebSocket,
) {
    let info = AgentInfo {
        agent_id: link.grant.agent.id.clone(),
        name: link.grant.agent.name.clone(),
        permissions: link.grant.permissions.clone(),
    };
    let mut watch = app.live.watch_mirror(&link.visitor_id, info);
    let mut hello = hello;
    hello["color"] = watch.tap.color.into();
    if socket.send(Message::text(hello.to_string())).await.is_err() {
        return;
    }
    let mut last_shown = last_shown;
    // The visitor may have changed between the hello and the join.
    connection.visitor.mark_changed();
    let mut watching = true;
    let mut heartbeat = Heartbeat::new(app.config.live_settings().socket_silence);
    loop {
        tokio::select! {
            beat = heartbeat.beat() => if !heartbeat::answer(beat, &mut socket).await {
                return;
            },
            changed = connection.visitor.changed(), if watching => {
                // This ends with the session, and the `ended` branch says so.
                watching = changed.is_ok();
                if !watching {
                    continue;
                }
                // Read what the visitor's change wrote.
                app.live.flush().await;
                let Ok(view) = visitor_view(&app, &link).await else { continue };
                if std::mem::replace(&mut last_shown, shown(&view)) != last_shown {
                    let message = serde_json::json!({"type": "visitor", "visitor": view});
                    if socket.send(Message::text(message.to_string())).await.is_err() {
                        return;
                    }
                }
            }
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
            () = watch.tap.lagged.notified() => {
                if catch_up(&mut watch, &mut socket).await.is_err() {
                    return;
                }
            }
            Some(feed) = watch.tap.queue.recv() => {
                if send(&mut socket, feed).await.is_err() {
                    return;
                }
            }
            message = socket.recv() => match message {
                Some(Ok(Message::Text(text))) => {
                    heartbeat.heard();
                    let said: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
                    if let Some(answer) = heard(&app, &link, &watch, &said)
                        && socket.send(Message::text(answer.to_string())).await.is_err()
                    {
                        return;
                    }
                }
                Some(Ok(_)) => heartbeat.heard(),
                Some(Err(_)) | None => return,
            },
        }
    }
}

/// Acts on what the viewer said; the answer for the viewer, if any.
fn heard(
    app: &AppState,
    link: &WatchLinkRecord,
    watch: &MirrorWatch,
    said: &serde_json::Value,
) -> Option<serde_json::Value> {
    match said["type"].as_str()? {
        "end_session" => {
            tracing::info!(link = %link.id, agent = %link.grant.agent.id, "agent ended the session");
            app.live.end_session(&link.visitor_id, END_AGENT);
        }
        "resync" => {
            watch.mirror.mark_lagging(watch.tap.id);
            watch.tap.lagged.notify_one();
        }
        "control" => {
            // Until the visitor allows, agents do nothing on its page.
            let checked = if app.live.consent_withheld(&link.visitor_id) {
                Err(control::Refusal::of(said, "no_consent"))
            } else {
                control::check(said, &link.grant.agent.id, &link.grant.permissions)
            };
            match checked {
                Ok(action) => {
                    if !watch.mirror.tell_source(Arc::from(action.to_string())) {
                        let action = action["action"].clone();
                        return Some(
                            serde_json::json!({"type": "refused", "action": action, "reason": "the visitor's page is not connected"}),
                        );
                    }
                }
                Err(refusal) => {
                    tracing::info!(link = %link.id, agent = %link.grant.agent.id, action = %refusal.action, reason = refusal.reason, "control refused");
                    return Some(refusal.message());
                }
            }
        }
        _ => {}
    }
    None
}

/// Brings a new or lagging agent up to date: what is left in its queue is stale but for
/// messages, and the chain replaces it.
async fn catch_up(watch: &mut MirrorWatch, socket: &mut WebSocket) -> Result<(), axum::Error> {
    while let Ok(feed) = watch.tap.queue.try_recv() {
        if let AgentFeed::Text(_) = feed {
            send(socket, feed).await?;
        }
    }
    for frame in watch.mirror.catch_up(watch.tap.id) {
        socket.send(Message::Binary(frame)).await?;
    }
    Ok(())
}

async fn send(socket: &mut WebSocket, feed: AgentFeed) -> Result<(), axum::Error> {
    socket
        .send(match feed {
            AgentFeed::Frame(frame) => Message::Binary(frame),
            AgentFeed::Text(text) => Message::text(text.to_string()),
        })
        .await
}

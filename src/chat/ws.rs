//! The room's WebSocket, spoken by the htmx ws extension.
//!
//! Client → server: the message form as JSON (`{"body": "…", "HEADERS": {…}}`), and on every
//! (re)connection `{"resume": "<id of the last message the page holds>"}` (static/js/app.js).
//! Server → client: HTML fragments swapped out-of-band: new messages appended to `#messages`,
//! hidden ones deleted, presence dots, form errors. Nothing is forwarded before the resume id
//! is known (or 3 seconds have passed), so a reconnecting page gets exactly what it missed.
//! The socket closes when its session ends (`auth::sessions`), and every message it receives
//! first checks that the session still signs in an active user who may be in the room.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{Message as WsMessage, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use minijinja::context;
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;
use tower_sessions::Session;

use super::handlers::{self, room_topic};
use super::queries::{self, Room};
use crate::auth::model::User;
use crate::auth::sessions::{End, SignedIn, Watch};
use crate::error::{AppError, AppResult};
use crate::realtime::{Event, Hub, presence};
use crate::state::AppState;
use crate::web::{Ctx, RequestContext};

/// How long the server waits for the page to say which message it holds last.
const RESUME_WAIT: Duration = Duration::from_secs(3);
/// Most messages replayed to a reconnecting page.
const REPLAY_LIMIT: i64 = 200;

#[derive(Deserialize)]
pub struct WsQuery {
    #[serde(default)]
    after: Option<i64>,
}

/// `GET /chat/rooms/{id}/ws`: same-origin only (a foreign page cannot ride the session).
pub async fn connect(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(room_id): Path<i64>,
    Query(q): Query<WsQuery>,
    session: Session,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> AppResult<Response> {
    if !crate::web::security::same_origin(&headers) {
        return Err(AppError::Forbidden);
    }
    let user = ctx.require_user()?.clone();
    let hub = state.hub.clone();
    let watch = Watch::new(&hub, user.id, &session)?;
    let room = super::access::enter(&state, &user, room_id).await?;
    let ctx = ctx.0.clone();
    let after = q.after.unwrap_or(0).max(0);
    Ok(upgrade
        .max_message_size(64 * 1024)
        // Small buffers (they grow for a large frame): a phone sends short messages, and
        // thousands of idle sockets must stay cheap.
        .read_buffer_size(4 * 1024)
        .write_buffer_size(4 * 1024)
        .on_upgrade(move |socket| async move {
            let mut conn = Connection {
                state,
                hub,
                ctx,
                signed_in: watch.signed_in().clone(),
                user,
                room,
                last: after,
                delivered: VecDeque::new(),
                speakers: HashSet::new(),
                closing: None,
            };
            conn.run(socket, watch).await;
        }))
}

struct Connection {
    state: AppState,
    hub: Hub,
    ctx: Arc<RequestContext>,
    /// The session the socket was opened with (checked again on every message).
    signed_in: SignedIn,
    /// The user as of the last check.
    user: User,
    room: Room,
    /// Set when a message finds the user may no longer be here: the socket closes.
    closing: Option<End>,
    /// Id of the last message this page holds (messages after it are replayed on resync).
    last: i64,
    /// The most recent ids sent (events may arrive out of id order across instances).
    delivered: VecDeque<i64>,
    /// Users whose presence dot the page may show.
    speakers: HashSet<i64>,
}

#[derive(Deserialize)]
struct ClientMessage {
    #[serde(default)]
    resume: Option<serde_json::Value>,
    #[serde(default)]
    body: Option<String>,
}

impl Connection {
    async fn run(&mut self, socket: WebSocket, mut watch: Watch) {
        let db = self.state.db.clone();
        let _running = self.state.tasks.connection();
        let _online = self.hub.connect_user(self.user.id).await;
        let mut room_rx = self.hub.subscribe(&room_topic(self.room.id));
        let mut presence_rx = self.hub.subscribe(presence::TOPIC);
        let (mut sink, mut stream) = socket.split();
        let mut started = false;
        let resume_deadline = tokio::time::sleep(RESUME_WAIT);
        tokio::pin!(resume_deadline);
        let end = loop {
            let out: Vec<String> = tokio::select! {
                end = watch.ended(&db) => {
                    self.closing = Some(end);
                    match end {
                        End::Closed => vec![self.error("auth.session.ended")],
                        End::Reopen => Vec::new(),
                    }
                }
                incoming = stream.next() => match incoming {
                    Some(Ok(WsMessage::Text(text))) => {
                        let (out, resumed) = self.on_client(&text).await;
                        if resumed && !started {
                            started = true;
                        }
                        out
                    }
                    Some(Ok(WsMessage::Close(_))) | None | Some(Err(_)) => break None,
                    Some(Ok(_)) => Vec::new(),
                },
                () = &mut resume_deadline, if !started => {
                    started = true;
                    self.replay().await
                }
                event = room_rx.recv(), if started => match event {
                    Ok(event) => self.on_room_event(&event).await,
                    Err(RecvError::Lagged(_)) => self.replay().await,
                    Err(RecvError::Closed) => break None,
                },
                event = presence_rx.recv() => match event {
                    Ok(event) if self.speakers.contains(&event.id) => {
                        self.presence_dot(event.id, &*event.data == "1")
                    }
                    Ok(_) | Err(RecvError::Lagged(_)) => Vec::new(),
                    Err(RecvError::Closed) => break None,
                },
            };
            for html in out {
                if sink
                    .send(WsMessage::Text(Utf8Bytes::from(html)))
                    .await
                    .is_err()
                {
                    self.finish().await;
                    return;
                }
            }
            if let Some(end) = self.closing.take() {
                break Some(end);
            }
        };
        if let Some(end) = end {
            crate::realtime::close_socket(&mut sink, &mut stream, end.close_frame()).await;
        }
        self.finish().await;
    }

    /// The check before each message: the session still signs in an active user, who may
    /// still be in this room. Otherwise the socket closes (with the message to show).
    async fn still_allowed(&mut self) -> AppResult<Option<&'static str>> {
        let Some(user) = self.signed_in.current_user(&self.state.db).await? else {
            self.closing = Some(End::Closed);
            return Ok(Some("auth.session.ended"));
        };
        match super::access::enter(&self.state, &user, self.room.id).await {
            Ok(room) => {
                self.user = user;
                self.room = room;
                Ok(None)
            }
            Err(AppError::NotFound | AppError::Forbidden | AppError::LoginRequired) => {
                self.closing = Some(End::Closed);
                Ok(Some("auth.session.no_access"))
            }
            Err(e) => Err(e),
        }
    }

    /// The page is gone: what it showed counts as read.
    async fn finish(&self) {
        if self.last > 0
            && let Err(e) =
                queries::mark_read(&self.state.db, self.room.id, self.user.id, self.last).await
        {
            tracing::warn!(error = %e, "chat read mark could not be stored");
        }
    }

    /// Handles what the page sent; returns fragments to send back and whether it was a resume.
    async fn on_client(&mut self, text: &str) -> (Vec<String>, bool) {
        match self.still_allowed().await {
            Ok(None) => {}
            Ok(Some(key)) => return (vec![self.error(key)], false),
            Err(e) => {
                tracing::error!(error = %e, "chat socket could not check its session");
                return (vec![self.error("chat.error.failed")], false);
            }
        }
        let Ok(msg) = serde_json::from_str::<ClientMessage>(text) else {
            return (vec![self.error("chat.error.invalid")], false);
        };
        if let Some(resume) = msg.resume {
            let id = match &resume {
                serde_json::Value::Number(n) => n.as_i64(),
                serde_json::Value::String(s) => s.trim().parse().ok(),
                _ => None,
            };
            if let Some(id) = id.filter(|id| *id >= 0) {
                self.last = id;
            }
            return (self.replay().await, true);
        }
        let Some(body) = msg.body else {
            return (vec![self.error("chat.error.invalid")], false);
        };
        match handlers::post_message(&self.state, &self.user, &self.room, &body).await {
            Ok(_) => (vec![self.form_reset()], false),
            Err(AppError::BadRequest(key)) => (vec![self.error(key)], false),
            Err(AppError::TooManyRequests) => (vec![self.error("chat.error.rate")], false),
            Err(e) => {
                tracing::error!(error = %e, "chat message could not be posted");
                (vec![self.error("chat.error.failed")], false)
            }
        }
    }

    async fn on_room_event(&mut self, event: &Event) -> Vec<String> {
        match &*event.kind {
            "message" if !self.delivered.contains(&event.id) => {
                let Ok(data) = serde_json::from_str::<serde_json::Value>(&event.data) else {
                    return self.replay().await;
                };
                let html = if self.ctx.timezone == self.state.config.timezone {
                    data.get(self.ctx.locale.code())
                        .and_then(|v| v.as_str())
                        .map(str::to_owned)
                } else {
                    data.get("m").and_then(|m| {
                        self.render(
                            "partials/chat/message.html",
                            context! { m => minijinja::value::Serde(m) },
                        )
                    })
                };
                let Some(html) = html else {
                    return self.replay().await;
                };
                if let Some(author) = data.get("u").and_then(|v| v.as_i64()) {
                    self.speakers.insert(author);
                }
                self.remember(event.id);
                self.shown_in_private().await;
                vec![append(&html)]
            }
            "hide" => vec![format!(
                r#"<div id="msg-{}" hx-swap-oob="delete"></div>"#,
                event.id
            )],
            _ if event.is_resync() => self.replay().await,
            _ => Vec::new(),
        }
    }

    fn remember(&mut self, id: i64) {
        self.last = self.last.max(id);
        self.delivered.push_back(id);
        if self.delivered.len() > 256 {
            self.delivered.pop_front();
        }
    }

    /// Messages after the last one held, from the store.
    async fn replay(&mut self) -> Vec<String> {
        let messages =
            match queries::messages_after(&self.state.db, self.room.id, self.last, REPLAY_LIMIT)
                .await
            {
                Ok(m) => m,
                Err(e) => {
                    tracing::warn!(error = %e, "chat replay failed");
                    return Vec::new();
                }
            };
        let mut out = Vec::new();
        for m in &messages {
            if self.delivered.contains(&m.id) {
                continue;
            }
            let view = handlers::MessageView::from(m);
            match self.state.templates.render(
                "partials/chat/message.html",
                context! {
                    locale => self.ctx.locale.code(),
                    timezone => self.ctx.timezone.name(),
                    m => minijinja::value::Serde(&view),
                },
            ) {
                Ok(html) => out.push(append(&html)),
                Err(e) => tracing::error!(error = %e, "chat message could not be rendered"),
            }
            self.remember(m.id);
            self.speakers.insert(m.user_id);
        }
        if !messages.is_empty() {
            self.shown_in_private().await;
        }
        out
    }

    /// In a private conversation, a message shown is a message read: the reader gets no
    /// notification for it.
    async fn shown_in_private(&self) {
        if self.room.kind() == super::model::RoomKind::Direct
            && let Err(e) =
                queries::mark_read(&self.state.db, self.room.id, self.user.id, self.last).await
        {
            tracing::warn!(error = %e, "chat read mark could not be stored");
        }
    }

    fn presence_dot(&self, user_id: i64, online: bool) -> Vec<String> {
        self.render(
            "partials/chat/presence.html",
            context! { id => user_id, online, oob => true },
        )
        .into_iter()
        .collect()
    }

    fn error(&self, key: &str) -> String {
        let message = self.state.i18n.t(self.ctx.locale, key);
        self.render("partials/chat/form_error.html", context! { message })
            .unwrap_or_default()
    }

    fn form_reset(&self) -> String {
        self.render("partials/chat/form_error.html", context! { message => "" })
            .unwrap_or_default()
            + &self
                .render(
                    "partials/chat/input.html",
                    context! { oob => true, max_len => super::model::MAX_LEN },
                )
                .unwrap_or_default()
    }

    fn render(&self, name: &str, extra: minijinja::Value) -> Option<String> {
        match self.state.render(&self.ctx, name, extra) {
            Ok(html) => Some(html.0),
            Err(e) => {
                tracing::error!(error = %e, "chat fragment could not be rendered");
                None
            }
        }
    }
}

/// Wraps a message fragment so htmx appends it to the message list.
fn append(html: &str) -> String {
    format!(r#"<div hx-swap-oob="beforeend:#messages">{html}</div>"#)
}

//! The room's WebSocket, spoken by the htmx ws extension and by static/js/live.js.
//!
//! Client → server, JSON: `{"question": …}`, `{"vote": id}`, `{"answered": id}`,
//! `{"pin": id}`, `{"hide": id}`, `{"say": …}` (forms with `ws-send`), and WebRTC signalling
//! `{"rtc": "ready" | "join" | "offer" | "answer" | "ice", …}` (live.js).
//! Server → client: out-of-band HTML fragments (question list, chat lines, status, errors) and
//! JSON signalling messages (`{"rtc": …}`) that live.js takes before htmx sees them.
//! The server only relays signalling: viewers may only talk to the current broadcaster, and
//! only the broadcaster (the session's trainer, while live) sends offers.
//! The socket closes when the user's sign-in session ends (`auth::sessions`), and every message
//! first checks that it still signs in an active user who may be in the room.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::ws::{Message as WsMessage, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use minijinja::context;
use minijinja::value::Serde;
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};
use tokio::sync::broadcast::error::RecvError;
use tower_sessions::Session as SignInSession;

use super::access::{self, can_moderate};
use super::handlers::{self, LineView, conn_topic, topic};
use super::model::{self, Status};
use super::queries::{self, Session};
use crate::auth::model::User;
use crate::auth::sessions::{End, SignedIn, Watch};
use crate::db;
use crate::error::{AppError, AppResult};
use crate::realtime::{Event, Hub};
use crate::state::AppState;
use crate::web::{Ctx, RequestContext};

/// `GET /live/{id}/ws`: same-origin only.
pub async fn connect(
    State(state): State<AppState>,
    State(hub): State<Hub>,
    ctx: Ctx,
    Path(id): Path<i64>,
    sign_in: SignInSession,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> AppResult<Response> {
    if !crate::web::security::same_origin(&headers) {
        return Err(AppError::Forbidden);
    }
    let user = ctx.require_user()?.clone();
    let watch = Watch::new(&hub, user.id, &sign_in)?;
    let session = access::enter(&state, &user, id).await?;
    let ctx = ctx.0.clone();
    Ok(upgrade
        .max_message_size(256 * 1024)
        .read_buffer_size(4 * 1024)
        .write_buffer_size(4 * 1024)
        .on_upgrade(move |socket| async move {
            let mut conn = Connection {
                conn: queries::new_token(),
                state,
                hub,
                ctx,
                signed_in: watch.signed_in().clone(),
                user,
                session,
                closing: None,
            };
            conn.run(socket, watch).await;
        }))
}

struct Connection {
    /// Random id of this connection (signalling address).
    conn: String,
    state: AppState,
    hub: Hub,
    ctx: Arc<RequestContext>,
    /// The sign-in session the socket was opened with (checked again on every message).
    signed_in: SignedIn,
    /// The user as of the last check.
    user: User,
    session: Session,
    /// Set when the user may no longer be here: the socket closes.
    closing: Option<End>,
}

/// What a client message asks for.
enum Action {
    Question(String),
    Say(String),
    Vote(i64),
    Answered(i64),
    Pin(i64),
    Hide(i64),
}

fn id_of(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

impl Connection {
    async fn run(&mut self, socket: WebSocket, mut watch: Watch) {
        let db = self.state.db.clone();
        let id = self.session.id;
        let _running = self.state.tasks.connection();
        // In a live room the user is online, as in the chat (dropped when the socket ends).
        let _online = self.hub.connect_user(self.user.id).await;
        let mut room_rx = self.hub.subscribe(&topic(id));
        let mut own_rx = self.hub.subscribe(&conn_topic(id, &self.conn));
        let joined = Instant::now();
        let attendance =
            match queries::join(&self.state.db, id, self.user.id, &self.state.db.now()).await {
                Ok(a) => Some(a),
                Err(e) => {
                    tracing::warn!(error = %e, "live attendance could not be stored");
                    None
                }
            };
        let (mut sink, mut stream) = socket.split();
        let hello = json!({
            "rtc": "hello",
            "conn": self.conn,
            "broadcasting": self.session.broadcaster_conn.is_some(),
        })
        .to_string();
        let mut pending = vec![hello];
        'outer: loop {
            for text in pending.drain(..) {
                if sink
                    .send(WsMessage::Text(Utf8Bytes::from(text)))
                    .await
                    .is_err()
                {
                    break 'outer;
                }
            }
            if let Some(end) = self.closing.take() {
                crate::realtime::close_socket(&mut sink, &mut stream, end.close_frame()).await;
                break;
            }
            pending = tokio::select! {
                end = watch.ended(&db) => {
                    self.closing = Some(end);
                    match end {
                        End::Closed => vec![self.error("auth.session.ended")],
                        End::Reopen => Vec::new(),
                    }
                }
                incoming = stream.next() => match incoming {
                    Some(Ok(WsMessage::Text(text))) => self.on_client(&text).await,
                    Some(Ok(WsMessage::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => Vec::new(),
                },
                event = room_rx.recv() => match event {
                    Ok(event) => self.on_room_event(&event).await,
                    Err(RecvError::Lagged(_)) => self.resync().await,
                    Err(RecvError::Closed) => break,
                },
                event = own_rx.recv() => match event {
                    Ok(event) if &*event.kind == "rtc" => vec![event.data.to_string()],
                    Ok(_) | Err(RecvError::Lagged(_)) => Vec::new(),
                    Err(RecvError::Closed) => break,
                },
            };
        }
        self.finish(attendance, joined).await;
    }

    async fn finish(&self, attendance: Option<i64>, joined: Instant) {
        let id = self.session.id;
        if let Some(a) = attendance {
            let seconds = i64::try_from(joined.elapsed().as_secs()).unwrap_or(i64::MAX);
            if let Err(e) = queries::leave(&self.state.db, a, &self.state.db.now(), seconds).await {
                tracing::warn!(error = %e, "live attendance could not be closed");
            }
        }
        match queries::clear_broadcaster(&self.state.db, id, &self.conn).await {
            Ok(true) => {
                let gone = json!({"rtc": "gone"}).to_string();
                if let Err(e) = self.hub.publish(&topic(id), "rtc", 0, &gone).await {
                    tracing::warn!(error = %e, "live broadcaster end could not be published");
                }
            }
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "live broadcaster could not be cleared"),
        }
    }

    /// The check before each message: the sign-in session still signs in an active user, who
    /// may still be in this room. Otherwise the socket closes (with the message to show).
    async fn still_allowed(&mut self) -> AppResult<Option<&'static str>> {
        let Some(user) = self.signed_in.current_user(&self.state.db).await? else {
            self.closing = Some(End::Closed);
            return Ok(Some("auth.session.ended"));
        };
        match access::enter(&self.state, &user, self.session.id).await {
            Ok(session) => {
                self.user = user;
                self.session = session;
                Ok(None)
            }
            Err(AppError::NotFound | AppError::Forbidden | AppError::LoginRequired) => {
                self.closing = Some(End::Closed);
                Ok(Some("auth.session.no_access"))
            }
            Err(e) => Err(e),
        }
    }

    async fn on_client(&mut self, text: &str) -> Vec<String> {
        match self.still_allowed().await {
            Ok(None) => {}
            Ok(Some(key)) => return vec![self.error(key)],
            Err(e) => {
                tracing::error!(error = %e, "live socket could not check its session");
                return vec![self.error("live.error.failed")];
            }
        }
        let Ok(Value::Object(msg)) = serde_json::from_str::<Value>(text) else {
            return vec![self.error("live.error.invalid")];
        };
        if let Some(kind) = msg.get("rtc").and_then(Value::as_str) {
            if let Err(e) = self.signal(kind, &msg).await {
                tracing::warn!(error = %e, "live signalling failed");
            }
            return Vec::new();
        }
        let action = if let Some(q) = msg.get("question").and_then(Value::as_str) {
            Action::Question(q.to_owned())
        } else if let Some(s) = msg.get("say").and_then(Value::as_str) {
            Action::Say(s.to_owned())
        } else if let Some(v) = msg.get("vote").and_then(id_of) {
            Action::Vote(v)
        } else if let Some(v) = msg.get("answered").and_then(id_of) {
            Action::Answered(v)
        } else if let Some(v) = msg.get("pin").and_then(id_of) {
            Action::Pin(v)
        } else if let Some(v) = msg.get("hide").and_then(id_of) {
            Action::Hide(v)
        } else {
            return vec![self.error("live.error.invalid")];
        };
        let reset = matches!(action, Action::Question(_) | Action::Say(_));
        let is_say = matches!(action, Action::Say(_));
        match self.act(action).await {
            Ok(()) => {
                let mut out = vec![self.error_html("")];
                if reset {
                    out.push(self.input(is_say));
                }
                out
            }
            Err(AppError::BadRequest(key)) => vec![self.error(key)],
            Err(AppError::Forbidden | AppError::NotFound) => {
                vec![self.error("live.error.forbidden")]
            }
            Err(AppError::TooManyRequests) => vec![self.error("live.error.rate")],
            Err(e) => {
                tracing::error!(error = %e, "live action failed");
                vec![self.error("live.error.failed")]
            }
        }
    }

    /// Stores what the user did, then publishes the change to the room.
    async fn act(&mut self, action: Action) -> AppResult<()> {
        let db = &self.state.db;
        let id = self.session.id;
        let session = queries::session(db, id).await?.ok_or(AppError::NotFound)?;
        let status = Status::parse(&session.status);
        if matches!(status, Status::Ended | Status::Cancelled) {
            return Err(AppError::BadRequest("live.error.closed"));
        }
        let now = OffsetDateTime::now_utc();
        let now_s = db::timestamp(now);
        let posting = matches!(
            action,
            Action::Question(_) | Action::Say(_) | Action::Vote(_)
        );
        if posting && crate::auth::queries::posting_suspended(db, self.user.id, &now_s).await? {
            return Err(AppError::BadRequest("live.error.suspended"));
        }
        let moderate = |q: &queries::Question| -> AppResult<()> {
            if q.session_id != id {
                return Err(AppError::NotFound);
            }
            if !can_moderate(&self.user, &session) {
                return Err(AppError::Forbidden);
            }
            Ok(())
        };
        match action {
            Action::Question(body) => {
                let body = model::validate_question(&body).map_err(AppError::BadRequest)?;
                let since = db::timestamp(now - Duration::minutes(1));
                if queries::recent_count(db, "live_questions", id, self.user.id, &since).await?
                    >= model::QUESTIONS_PER_MINUTE
                {
                    return Err(AppError::BadRequest("live.error.question_rate"));
                }
                queries::insert_question(db, id, self.user.id, &body, &now_s).await?;
            }
            Action::Say(body) => {
                let body = model::validate_say(&body).map_err(AppError::BadRequest)?;
                let since = db::timestamp(now - Duration::seconds(model::SAY_WINDOW_SECONDS));
                if queries::recent_count(db, "live_messages", id, self.user.id, &since).await?
                    >= model::SAY_PER_WINDOW
                {
                    return Err(AppError::BadRequest("live.error.say_rate"));
                }
                let line_id = queries::insert_line(db, id, self.user.id, &body, &now_s).await?;
                let line = queries::line(db, line_id)
                    .await?
                    .ok_or(AppError::NotFound)?;
                let view = LineView::from(&line);
                let mut map = serde_json::Map::new();
                for locale in crate::web::i18n::Locale::ALL {
                    let html = self.state.templates.render(
                        "partials/live/line.html",
                        context! { locale => locale.code(), l => Serde(&view) },
                    )?;
                    map.insert(locale.code().to_owned(), html.into());
                }
                let data = Value::Object(map).to_string();
                return self
                    .state
                    .hub
                    .publish(&topic(id), "say", line_id, &data)
                    .await;
            }
            Action::Vote(qid) => {
                let q = queries::question(db, qid)
                    .await?
                    .ok_or(AppError::NotFound)?;
                if q.session_id != id || q.status == "hidden" {
                    return Err(AppError::NotFound);
                }
                if q.user_id == self.user.id {
                    return Err(AppError::BadRequest("live.error.own_vote"));
                }
                if !queries::vote(db, qid, self.user.id).await? {
                    return Err(AppError::BadRequest("live.error.voted"));
                }
            }
            Action::Answered(qid) => {
                let q = queries::question(db, qid)
                    .await?
                    .ok_or(AppError::NotFound)?;
                moderate(&q)?;
                let next = if q.status == "answered" {
                    "open"
                } else {
                    "answered"
                };
                queries::set_question_status(db, qid, next).await?;
            }
            Action::Pin(qid) => {
                let q = queries::question(db, qid)
                    .await?
                    .ok_or(AppError::NotFound)?;
                moderate(&q)?;
                queries::toggle_pin(db, id, qid).await?;
            }
            Action::Hide(qid) => {
                let q = queries::question(db, qid)
                    .await?
                    .ok_or(AppError::NotFound)?;
                moderate(&q)?;
                let next = if q.status == "hidden" {
                    "open"
                } else {
                    "hidden"
                };
                queries::set_question_status(db, qid, next).await?;
            }
        }
        let data = handlers::questions_payload(&self.state, &session).await?;
        self.hub.publish(&topic(id), "qa", 0, &data).await
    }

    /// Relays WebRTC signalling (never trusts `from`: it is set here).
    async fn signal(&mut self, kind: &str, msg: &serde_json::Map<String, Value>) -> AppResult<()> {
        let db = &self.state.db;
        let id = self.session.id;
        let session = queries::session(db, id).await?.ok_or(AppError::NotFound)?;
        let broadcaster = session.broadcaster_conn.as_deref();
        let me_broadcasting = broadcaster == Some(self.conn.as_str());
        let to = msg.get("to").and_then(Value::as_str).unwrap_or_default();
        match kind {
            "ready" => {
                if !access::is_host(&self.user, &session)
                    || Status::parse(&session.status) != Status::Live
                {
                    return Ok(());
                }
                queries::set_broadcaster(db, id, Some(&self.conn)).await?;
                let data = json!({"rtc": "ready", "conn": self.conn}).to_string();
                self.hub.publish(&topic(id), "rtc", 0, &data).await?;
            }
            "join" => {
                let Some(b) = broadcaster.filter(|_| !me_broadcasting) else {
                    return Ok(());
                };
                let audio_only = msg
                    .get("audio_only")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                let data = json!({"rtc": "join", "from": self.conn, "audio_only": audio_only, "name": self.user.name}).to_string();
                self.state
                    .hub
                    .publish(&conn_topic(id, b), "rtc", 0, &data)
                    .await?;
            }
            "offer" | "answer" | "ice" => {
                let target = if me_broadcasting {
                    if to.is_empty()
                        || to.len() > 64
                        || !to.chars().all(|c| c.is_ascii_alphanumeric())
                    {
                        return Ok(());
                    }
                    to.to_owned()
                } else {
                    match broadcaster {
                        Some(b) if kind != "offer" => b.to_owned(),
                        _ => return Ok(()),
                    }
                };
                let mut out = serde_json::Map::new();
                out.insert("rtc".into(), kind.into());
                out.insert("from".into(), self.conn.clone().into());
                for key in ["sdp", "candidate"] {
                    if let Some(v) = msg.get(key) {
                        out.insert(key.into(), v.clone());
                    }
                }
                let data = Value::Object(out).to_string();
                self.state
                    .hub
                    .publish(&conn_topic(id, &target), "rtc", 0, &data)
                    .await?;
            }
            _ => {}
        }
        Ok(())
    }

    async fn on_room_event(&mut self, event: &Event) -> Vec<String> {
        match &*event.kind {
            "qa" => {
                let Ok(data) = serde_json::from_str::<Value>(&event.data) else {
                    return self.resync().await;
                };
                let staff = can_moderate(&self.user, &self.session);
                let key = if staff {
                    format!("{}:staff", self.ctx.locale.code())
                } else {
                    self.ctx.locale.code().to_owned()
                };
                match data.get(&key).and_then(Value::as_str) {
                    Some(html) => vec![questions_oob(html)],
                    None => self.resync().await,
                }
            }
            "say" => {
                let Ok(data) = serde_json::from_str::<Value>(&event.data) else {
                    return Vec::new();
                };
                data.get(self.ctx.locale.code())
                    .and_then(Value::as_str)
                    .map(|html| {
                        vec![format!(
                            r#"<div hx-swap-oob="beforeend:#live-chat">{html}</div>"#
                        )]
                    })
                    .unwrap_or_default()
            }
            "rtc" => vec![event.data.to_string()],
            "status" => self.status().await,
            _ if event.is_resync() => self.resync().await,
            _ => Vec::new(),
        }
    }

    /// The status banner and controls in this page's locale, and a JSON note for live.js.
    async fn status(&mut self) -> Vec<String> {
        match queries::session(&self.state.db, self.session.id).await {
            Ok(Some(s)) => self.session = s,
            Ok(None) => return Vec::new(),
            Err(e) => {
                tracing::warn!(error = %e, "live session could not be reloaded");
                return Vec::new();
            }
        }
        let mut out = Vec::new();
        let values = context! { oob => true, ..handlers::status_values(&self.session, &self.user) };
        if let Some(html) = self.render("partials/live/status.html", values) {
            out.push(html);
        }
        out.push(json!({"rtc": "status", "status": self.session.status}).to_string());
        out
    }

    /// Everything that may have been missed: status and question list from the store.
    async fn resync(&mut self) -> Vec<String> {
        let mut out = self.status().await;
        let staff = can_moderate(&self.user, &self.session);
        let open = !matches!(
            Status::parse(&self.session.status),
            Status::Ended | Status::Cancelled
        );
        match queries::questions(&self.state.db, self.session.id, true).await {
            Ok(q) => {
                match handlers::render_questions(&self.state, self.ctx.locale, staff, &q, open) {
                    Ok(html) => out.push(questions_oob(&html)),
                    Err(e) => tracing::warn!(error = %e, "live questions could not be rendered"),
                }
            }
            Err(e) => tracing::warn!(error = %e, "live questions could not be loaded"),
        }
        out
    }

    fn error(&self, key: &str) -> String {
        let message = self.state.i18n.t(self.ctx.locale, key).to_owned();
        self.error_html(&message)
    }

    fn error_html(&self, message: &str) -> String {
        self.render("partials/live/error.html", context! { message })
            .unwrap_or_default()
    }

    fn input(&self, say: bool) -> String {
        let name = if say {
            "partials/live/say_input.html"
        } else {
            "partials/live/ask_input.html"
        };
        self.render(name, context! { oob => true })
            .unwrap_or_default()
    }

    fn render(&self, name: &str, extra: minijinja::Value) -> Option<String> {
        match self.state.render(&self.ctx, name, extra) {
            Ok(html) => Some(html.0),
            Err(e) => {
                tracing::error!(error = %e, "live fragment could not be rendered");
                None
            }
        }
    }
}

fn questions_oob(html: &str) -> String {
    format!(r#"<div id="questions" hx-swap-oob="innerHTML">{html}</div>"#)
}

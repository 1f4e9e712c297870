//! Chat pages and actions: the room list, a room, older messages, posting (WebSocket or plain
//! form), private conversations, hiding and reporting.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};

use super::access::{self, enter};
use super::model::{self, RoomKind};
use super::queries::{self, Message, Room};
use crate::auth::model::User;
use crate::error::{AppError, AppResult};
use crate::notifications::{self, Kind, Notice};
use crate::realtime::Hub;
use crate::state::AppState;
use crate::web::i18n::Locale;
use crate::web::rate_limit::Action;
use crate::web::{Ctx, FlashLevel, Fragment, Moderator, RequestContext};

/// The moderation queue of the platform (forum and chat reports).
pub const MODERATION_QUEUE: &str = "/admin/moderation";

/// Messages shown when a room opens, and per "older messages" page.
pub const PAGE: i64 = 30;

/// The hub topic of a room.
pub fn room_topic(room_id: i64) -> String {
    format!("chat:room:{room_id}")
}

/// A message ready for a template.
#[derive(Serialize)]
pub struct MessageView {
    id: i64,
    user_id: i64,
    user_name: String,
    body_html: String,
    /// Stored UTC time; the template shows it in the reader's zone.
    at: String,
}

impl From<&Message> for MessageView {
    fn from(m: &Message) -> Self {
        Self {
            id: m.id,
            user_id: m.user_id,
            user_name: m.user_name.clone(),
            body_html: model::body_html(&m.body),
            at: m.created_at.clone(),
        }
    }
}

/// The message fragment in every language for the platform's zone (and its author, `u`, and
/// its view, `m`), rendered once per message, not per reader: a reader in another zone renders
/// `m` again for their own clock.
pub fn render_message(state: &AppState, m: &Message) -> AppResult<String> {
    let view = MessageView::from(m);
    let mut by_locale = serde_json::Map::new();
    by_locale.insert("u".to_owned(), m.user_id.into());
    for locale in Locale::ALL {
        let html = state.templates.render(
            "partials/chat/message.html",
            context! {
                locale => locale.code(),
                timezone => state.config.timezone.name(),
                m => Serde(&view),
            },
        )?;
        by_locale.insert(locale.code().to_owned(), html.into());
    }
    by_locale.insert(
        "m".to_owned(),
        serde_json::to_value(&view).map_err(anyhow::Error::from)?,
    );
    Ok(serde_json::Value::Object(by_locale).to_string())
}

/// Stores a message and sends it to the room; notifies the other member of a private
/// conversation when they are offline.
pub async fn post_message(
    state: &AppState,
    user: &User,
    room: &Room,
    body: &str,
) -> AppResult<Message> {
    let body = model::validate_body(body).map_err(AppError::BadRequest)?;
    state
        .limits
        .check(Action::ChatMessage, &user.id.to_string())
        .await?;
    if !queries::email_verified(&state.db, user.id).await? {
        return Err(AppError::BadRequest("chat.error.unverified"));
    }
    if crate::auth::queries::posting_suspended(&state.db, user.id, &state.db.now()).await? {
        return Err(AppError::BadRequest("chat.error.suspended"));
    }
    let message = queries::insert_message(&state.db, room.id, user.id, &body).await?;
    let html = render_message(state, &message)?;
    state
        .hub
        .publish(&room_topic(room.id), "message", message.id, &html)
        .await?;
    if room.kind() == RoomKind::Direct
        && let Some(partner) = queries::partner(&state.db, room.id, user.id).await?
    {
        notify_unless_read(
            state.clone(),
            room.id,
            partner.id,
            user.name.clone(),
            message.id,
        );
    }
    Ok(message)
}

/// How long a private message may stay unread before its reader is notified.
pub const UNREAD_GRACE: std::time::Duration = std::time::Duration::from_secs(3);

/// Notifies the other member of a private conversation when they have not seen the message
/// shortly after it was sent (offline, or elsewhere on the platform); a reader with the
/// conversation open marks it read at once and gets no notification. One unread notification
/// per conversation is enough.
fn notify_unless_read(
    state: AppState,
    room_id: i64,
    partner_id: i64,
    sender: String,
    message_id: i64,
) {
    let tasks = state.tasks.clone();
    tasks.spawn(async move {
        state.clock.sleep(UNREAD_GRACE).await;
        let link = format!("/chat/rooms/{room_id}");
        let result: AppResult<()> = async {
            // The check of the newest message decides for a burst (no two checks race).
            if queries::latest_message_id(&state.db, room_id).await? > message_id
                || queries::last_read(&state.db, room_id, partner_id).await? >= message_id
                || queries::has_unread_notification(&state.db, partner_id, &link).await?
            {
                return Ok(());
            }
            let notice = Notice {
                kind: Kind::PrivateMessage,
                subject: &sender,
                link: &link,
            };
            notifications::notify(&state, partner_id, notice).await
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, "private message notification failed");
        }
    });
}

#[derive(Deserialize)]
pub struct IndexQuery {
    #[serde(default)]
    q: Option<String>,
}

pub async fn index(
    State(state): State<AppState>,
    State(hub): State<Hub>,
    ctx: Ctx,
    Query(query): Query<IndexQuery>,
) -> AppResult<Response> {
    let user = ctx.require_user()?;
    queries::general_room(&state.db).await?;
    for course_id in access::course_ids(&state.db, user).await? {
        queries::course_room(&state.db, course_id).await?;
    }
    let rooms = access::rooms_of(&state.db, user).await?;
    let partners: Vec<i64> = rooms.iter().filter_map(|r| r.partner_id).collect();
    let online = hub.online(&partners).await?;
    let q = query.q.unwrap_or_default();
    let q = q.trim();
    let people = if q.chars().count() >= 2 {
        queries::find_people(&state.db, q, user.id).await?
    } else {
        Vec::new()
    };
    Ok(state
        .render(
            &ctx,
            "views/chat/index.html",
            context! { rooms => Serde(&rooms), online, people => Serde(&people), q },
        )?
        .into_response())
}

#[derive(Deserialize)]
pub struct DirectForm {
    user_id: String,
}

pub async fn start_direct(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<DirectForm>,
) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let other = form
        .user_id
        .trim()
        .parse::<i64>()
        .map_err(|_| AppError::BadRequest("chat.error.no_such_person"))?;
    if other == user.id {
        return Err(AppError::BadRequest("chat.error.self"));
    }
    let other = queries::person(&state.db, other)
        .await?
        .ok_or(AppError::BadRequest("chat.error.no_such_person"))?;
    let room = queries::direct_room(&state.db, user.id, other.id).await?;
    Ok(Redirect::to(&format!("/chat/rooms/{room}")).into_response())
}

pub async fn room_page(
    State(state): State<AppState>,
    State(hub): State<Hub>,
    ctx: Ctx,
    Path(room_id): Path<i64>,
) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let room = enter(&state, user, room_id).await?;
    let messages = queries::messages_before(&state.db, room.id, None, PAGE).await?;
    let last_id = messages.last().map(|m| m.id).unwrap_or(0);
    if last_id > 0 {
        queries::mark_read(&state.db, room.id, user.id, last_id).await?;
    }
    let partner = match room.kind() {
        RoomKind::Direct => queries::partner(&state.db, room.id, user.id).await?,
        _ => None,
    };
    // Who is shown with a presence dot: the partner, or the room's recent speakers.
    let mut people: Vec<(i64, String)> = Vec::new();
    if let Some(p) = &partner {
        people.push((p.id, p.name.clone()));
    } else {
        for m in messages.iter().rev() {
            if m.user_id != user.id && !people.iter().any(|(id, _)| *id == m.user_id) {
                people.push((m.user_id, m.user_name.clone()));
            }
        }
        people.truncate(12);
    }
    let ids: Vec<i64> = people.iter().map(|(id, _)| *id).collect();
    let online = hub.online(&ids).await?;
    let first_id = messages.first().map(|m| m.id);
    let views: Vec<MessageView> = messages.iter().map(MessageView::from).collect();
    let title = match room.kind() {
        RoomKind::General => state.i18n.t(ctx.locale, "chat.general").to_owned(),
        RoomKind::Course => room.course_title.clone().unwrap_or_default(),
        RoomKind::Direct => partner.as_ref().map(|p| p.name.clone()).unwrap_or_default(),
    };
    let more = messages.len() as i64 == PAGE;
    Ok(state
        .render(
            &ctx,
            "views/chat/room.html",
            context! {
                room_id => room.id, kind => room.kind().code(), title, messages => Serde(&views),
                last_id, first_id, more, people, online,
                moderator => access::can_moderate(user),
                max_len => model::MAX_LEN,
            },
        )?
        .into_response())
}

#[derive(Deserialize)]
pub struct OlderQuery {
    before: i64,
}

/// Older messages, swapped in above the list (with the next "older" link).
pub async fn older(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(room_id): Path<i64>,
    Query(q): Query<OlderQuery>,
) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let room = enter(&state, user, room_id).await?;
    let messages = queries::messages_before(&state.db, room.id, Some(q.before), PAGE).await?;
    let views: Vec<MessageView> = messages.iter().map(MessageView::from).collect();
    Ok(state
        .render(
            &ctx,
            "partials/chat/older.html",
            context! {
                room_id => room.id, messages => Serde(&views),
                first_id => messages.first().map(|m| m.id),
                more => messages.len() as i64 == PAGE,
            },
        )?
        .into_response())
}

#[derive(Deserialize)]
pub struct MessageForm {
    #[serde(default)]
    body: String,
}

/// Posting without JavaScript (the WebSocket is the usual way).
pub async fn post_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(room_id): Path<i64>,
    Form(form): Form<MessageForm>,
) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let room = enter(&state, user, room_id).await?;
    post_message(&state, user, &room, &form.body).await?;
    Ok(Redirect::to(&format!("/chat/rooms/{}#chat-form", room.id)).into_response())
}

/// A moderator or admin hides a message: it disappears live for everyone.
pub async fn hide(
    State(state): State<AppState>,
    ctx: Ctx,
    Fragment(fragment): Fragment,
    Moderator(user): Moderator,
    Path(message_id): Path<i64>,
) -> AppResult<Response> {
    let room_id = queries::room_of_message(&state.db, message_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if queries::hide(&state.db, message_id, user.id).await? {
        state
            .hub
            .publish(&room_topic(room_id), "hide", message_id, "")
            .await?;
        let author = queries::author_of(&state.db, message_id).await?;
        queries::log_moderation(&state.db, user.id, "hide", message_id, author, "").await?;
    }
    queries::resolve_reports(&state.db, message_id, user.id).await?;
    crate::forum::actions::refresh_moderator_badges(&state).await?;
    if fragment {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Ok(ctx.redirect_with_flash(FlashLevel::Success, "chat.flash.hidden", MODERATION_QUEUE))
    }
}

pub async fn report_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(message_id): Path<i64>,
) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let message = queries::message(&state.db, message_id)
        .await?
        .ok_or(AppError::NotFound)?;
    enter(&state, user, message.room_id).await?;
    render_report(&state, &ctx, StatusCode::OK, &message, "", None)
}

/// The report form, fresh or with the reason typed and its error (422).
fn render_report(
    state: &AppState,
    ctx: &RequestContext,
    status: StatusCode,
    message: &Message,
    reason: &str,
    error: Option<&'static str>,
) -> AppResult<Response> {
    let view = MessageView::from(message);
    let errors = error.map(|key| context! { reason => state.i18n.t(ctx.locale, key) });
    state.render_status(
        ctx,
        status,
        "views/chat/report.html",
        context! { m => Serde(&view), room_id => message.room_id, reason, errors },
    )
}

#[derive(Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    reason: String,
}

pub async fn report(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(message_id): Path<i64>,
    Form(form): Form<ReportForm>,
) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let message = queries::message(&state.db, message_id)
        .await?
        .ok_or(AppError::NotFound)?;
    enter(&state, user, message.room_id).await?;
    let reason = form.reason.trim();
    if reason.chars().count() < 3 || reason.chars().count() > 500 {
        return render_report(
            &state,
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            &message,
            &form.reason,
            Some("chat.error.reason"),
        );
    }
    let back = format!("/chat/rooms/{}", message.room_id);
    if !queries::report(&state.db, message_id, user.id, reason).await? {
        return Ok(ctx.redirect_with_flash(FlashLevel::Info, "chat.flash.already_reported", &back));
    }
    // The moderators' notice quotes the start of the message.
    let excerpt: String = message.body.chars().take(60).collect();
    crate::forum::actions::tell_moderators(&state, &excerpt).await?;
    Ok(ctx.redirect_with_flash(FlashLevel::Success, "chat.flash.reported", &back))
}

/// A moderator closes the reports of a message without hiding it.
pub async fn dismiss(
    State(state): State<AppState>,
    ctx: Ctx,
    Moderator(user): Moderator,
    Path(message_id): Path<i64>,
) -> AppResult<Response> {
    if queries::resolve_reports(&state.db, message_id, user.id).await? == 0 {
        return Err(AppError::NotFound);
    }
    let author = queries::author_of(&state.db, message_id).await?;
    queries::log_moderation(
        &state.db,
        user.id,
        "dismiss_reports",
        message_id,
        author,
        "",
    )
    .await?;
    crate::forum::actions::refresh_moderator_badges(&state).await?;
    Ok(ctx.redirect_with_flash(
        FlashLevel::Success,
        "chat.flash.dismissed",
        MODERATION_QUEUE,
    ))
}

//! Handlers of the notification centre: the list, read marks, e-mail settings, and the SSE
//! stream that keeps the header badge and toasts live on every page.

use std::convert::Infallible;
use std::time::Duration;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use minijinja::value::Serde;
use serde::Deserialize;
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::ReceiverStream;
use tower_sessions::Session;

use super::model::{NotificationView, view};
use super::queries;
use super::{Kind, user_topic};
use crate::auth::sessions::Watch;
use crate::error::{AppError, AppResult};
use crate::realtime::Hub;
use crate::state::AppState;
use crate::web::pagination::Pagination;
use crate::web::{Ctx, FlashLevel, Fragment, RequestContext};

const PAGE_SIZE: i64 = 20;
/// At most this many missed notifications are replayed to a reconnecting stream.
const REPLAY_LIMIT: i64 = 50;

#[derive(Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    page: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Fragment(fragment): Fragment,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let total = queries::count(&state.db, user.id).await?;
    let pagination = Pagination::new(Pagination::requested(q.page.as_deref()), PAGE_SIZE, total);
    let unread = queries::unread_count(&state.db, user.id).await?;
    let rows = queries::page(&state.db, user.id, pagination.limit(), pagination.offset()).await?;
    let items: Vec<NotificationView> = rows.into_iter().map(|n| view(&state, &ctx, n)).collect();
    let name = if fragment {
        "partials/notifications/items.html"
    } else {
        "views/notifications/list.html"
    };
    Ok(state
        .render(
            &ctx,
            name,
            context! {
                notifications => Serde(&items),
                pagination => Serde(pagination.view(&ctx.path)),
                unread,
                total,
            },
        )?
        .into_response())
}

/// Follows a notification's link after marking it read.
pub async fn mark_read(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let n = queries::find(&state.db, user.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    // A group opens at its oldest unread notification, and is read as a whole.
    let link = queries::group_link(&state.db, user.id, id)
        .await?
        .unwrap_or(n.link);
    queries::mark_read(&state.db, user.id, id).await?;
    state
        .hub
        .publish(&user_topic(user.id), "badge", 0, "")
        .await?;
    Ok(axum::response::Redirect::to(&crate::auth::model::safe_next(&link)).into_response())
}

pub async fn mark_all_read(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let user = ctx.require_user()?;
    queries::mark_all_read(&state.db, user.id).await?;
    state
        .hub
        .publish(&user_topic(user.id), "badge", 0, "")
        .await?;
    Ok(ctx.redirect_with_flash(
        FlashLevel::Success,
        "notifications.flash.all_read",
        "/notifications",
    ))
}

/// The badge alone (the stream sends the same fragment; this serves pages without SSE).
pub async fn badge(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let unread = queries::unread_count(&state.db, user.id).await?;
    Ok(state
        .render(
            &ctx,
            "partials/notifications/badge.html",
            context! { unread },
        )?
        .into_response())
}

pub async fn settings_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let settings = queries::email_settings(&state.db, user.id).await?;
    let rows: Vec<(&str, bool)> = settings.iter().map(|(k, e)| (k.code(), *e)).collect();
    Ok(state
        .render(
            &ctx,
            "views/notifications/settings.html",
            context! { settings => rows },
        )?
        .into_response())
}

/// The settings form: one checkbox per kind, named `email_<kind>`; absent means off.
pub async fn save_settings(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let choices: Vec<(Kind, bool)> = Kind::ALL
        .into_iter()
        .map(|k| {
            let name = format!("email_{}", k.code());
            (k, form.iter().any(|(f, v)| *f == name && v == "on"))
        })
        .collect();
    queries::save_email_settings(&state.db, user.id, &choices).await?;
    Ok(ctx.redirect_with_flash(
        FlashLevel::Success,
        "notifications.flash.settings_saved",
        "/notifications/settings",
    ))
}

/// `GET /notifications/stream`: the user's notifications as server-sent events. On connect:
/// the badge; after a drop, the browser sends `Last-Event-ID` and gets every notification
/// stored since, then live ones. Events: `badge` (the count fragment) and `notification` (a
/// toast, with the notification id as SSE id). Holding the stream keeps the user online. The
/// stream ends when its session does (`auth::sessions`).
pub async fn stream(
    State(state): State<AppState>,
    State(hub): State<Hub>,
    ctx: Ctx,
    session: Session,
    headers: HeaderMap,
) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let mut watch = Watch::new(&hub, user.id, &session)?;
    let last_id = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    // Subscribe before reading the store, so nothing falls between the two.
    let rx = hub.subscribe(&user_topic(user.id));
    let presence = hub.connect_user(user.id).await;
    let (tx, out) = mpsc::channel::<SseEvent>(16);
    let ctx = ctx.0.clone();
    let running = state.tasks.connection();
    tokio::spawn(async move {
        let _running = running;
        let _presence = presence;
        let db = state.db.clone();
        tokio::select! {
            // The client went away: end now, not at the next event (the presence goes with it).
            () = tx.closed() => {
                tracing::debug!("notification stream closed by the client");
            }
            end = watch.ended(&db) => {
                tracing::debug!(stream.end = ?end, "notification stream closed: session revoked");
            }
            result = pump(&state, &ctx, rx, last_id, &tx) => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, "notification stream ended");
                }
            }
        }
    });
    let stream = tokio_stream::StreamExt::map(ReceiverStream::new(out), Ok::<_, Infallible>);
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(20)))
        .into_response())
}

/// Feeds one stream until the client goes away (a send fails).
async fn pump(
    state: &AppState,
    ctx: &RequestContext,
    mut rx: broadcast::Receiver<crate::realtime::Event>,
    resume_after: Option<i64>,
    tx: &mpsc::Sender<SseEvent>,
) -> anyhow::Result<()> {
    let user_id = ctx.require_user()?.id;
    let mut last_sent = match resume_after {
        Some(after) => replay(state, ctx, user_id, after, tx).await?,
        None => latest_id(state, user_id).await?,
    };
    send_badge(state, ctx, user_id, tx).await?;
    loop {
        match rx.recv().await {
            Ok(event) if &*event.kind == "notification" => {
                if event.id <= last_sent {
                    continue;
                }
                last_sent = replay(state, ctx, user_id, last_sent, tx).await?;
                send_badge(state, ctx, user_id, tx).await?;
            }
            Ok(event) if &*event.kind == "badge" => send_badge(state, ctx, user_id, tx).await?,
            Ok(event) if event.is_resync() => {
                last_sent = replay(state, ctx, user_id, last_sent, tx).await?;
                send_badge(state, ctx, user_id, tx).await?;
            }
            Ok(_) => {}
            Err(broadcast::error::RecvError::Lagged(_)) => {
                last_sent = replay(state, ctx, user_id, last_sent, tx).await?;
                send_badge(state, ctx, user_id, tx).await?;
            }
            Err(broadcast::error::RecvError::Closed) => return Ok(()),
        }
    }
}

async fn latest_id(state: &AppState, user_id: i64) -> anyhow::Result<i64> {
    Ok(queries::latest_id(&state.db, user_id).await?)
}

/// Sends the notifications stored after `after` as toasts; returns the last id sent.
async fn replay(
    state: &AppState,
    ctx: &RequestContext,
    user_id: i64,
    after: i64,
    tx: &mpsc::Sender<SseEvent>,
) -> anyhow::Result<i64> {
    let mut last = after;
    for n in queries::since(&state.db, user_id, after, REPLAY_LIMIT).await? {
        last = n.id;
        let item = view(state, ctx, n);
        let html = state.render(
            ctx,
            "partials/notifications/toast.html",
            context! { item => Serde(&item) },
        )?;
        let event = SseEvent::default()
            .event("notification")
            .id(last.to_string())
            .data(one_line(&html.0));
        tx.send(event).await?;
    }
    Ok(last)
}

async fn send_badge(
    state: &AppState,
    ctx: &RequestContext,
    user_id: i64,
    tx: &mpsc::Sender<SseEvent>,
) -> anyhow::Result<()> {
    let unread = queries::unread_count(&state.db, user_id).await?;
    let html = state.render(
        ctx,
        "partials/notifications/badge.html",
        context! { unread },
    )?;
    tx.send(SseEvent::default().event("badge").data(one_line(&html.0)))
        .await?;
    // Moderators' menu entry shows the reports waiting in the queue.
    if crate::forum::access::is_moderator(ctx.user.as_ref()) {
        let open_reports = crate::forum::actions::open_report_count(&state.db).await?;
        let html = state.render(
            ctx,
            "partials/forum/moderation_badge.html",
            context! { open_reports },
        )?;
        tx.send(
            SseEvent::default()
                .event("moderation")
                .data(one_line(&html.0)),
        )
        .await?;
    }
    Ok(())
}

/// SSE data lines cannot hold raw newlines meaningfully for a swap; fragments are joined.
fn one_line(html: &str) -> String {
    html.lines().map(str::trim).collect::<Vec<_>>().join(" ")
}

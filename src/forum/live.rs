//! Live replies: `GET /forum/topics/{id}/stream` sends each new reply, rendered for the viewer,
//! as a server-sent event (htmx sse extension, event `reply`); a post a moderator hides or
//! deletes leaves the page the same way (an out-of-band swap). A signed-in viewer's stream ends
//! with their session, or when their rights change (`auth::sessions`): it is rendered for them.

use std::collections::HashSet;
use std::convert::Infallible;
use std::time::Duration;

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

use super::access::{is_moderator, readable_topic};
use super::handlers::Viewer;
use super::queries;
use crate::auth::sessions::{self, Watch};
use crate::error::AppResult;
use crate::realtime::{Event, Hub};
use crate::state::AppState;
use crate::web::{Ctx, RequestContext};

/// The hub topic of a forum topic's replies.
pub fn topic_channel(topic_id: i64) -> String {
    format!("forum:topic:{topic_id}")
}

#[derive(Deserialize, Default)]
pub struct StreamQuery {
    /// The id of the last reply the page shows.
    after: Option<i64>,
}

pub async fn stream(
    State(state): State<AppState>,
    State(hub): State<Hub>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<StreamQuery>,
    session: Session,
    headers: HeaderMap,
) -> AppResult<Response> {
    let mut watch = match &ctx.user {
        Some(user) => Some(Watch::new(&hub, user.id, &session)?),
        None => None,
    };
    readable_topic(&state, ctx.user.as_ref(), id).await?;
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .or(q.after);
    // Subscribe before reading the store, so nothing falls between the two.
    let rx = hub.subscribe(&topic_channel(id));
    let after = match resume {
        Some(a) => a.max(0),
        None => queries::last_reply_id(&state.db, id).await?,
    };
    let (tx, out) = mpsc::channel::<SseEvent>(16);
    let ctx = ctx.0.clone();
    let running = state.tasks.connection();
    tokio::spawn(async move {
        let _running = running;
        let db = state.db.clone();
        tokio::select! {
            // The client went away: end now, not at the next reply.
            () = tx.closed() => {
                tracing::debug!(topic.id = id, "forum stream closed by the client");
            }
            end = sessions::ended(watch.as_mut(), &db) => {
                tracing::debug!(stream.end = ?end, topic.id = id, "forum stream closed: session revoked");
            }
            result = pump(&state, &ctx, id, rx, after, &tx) => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, topic.id = id, "forum stream ended");
                }
            }
        }
    });
    let stream = tokio_stream::StreamExt::map(ReceiverStream::new(out), Ok::<_, Infallible>);
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(20)))
        .into_response())
}

async fn pump(
    state: &AppState,
    ctx: &RequestContext,
    topic_id: i64,
    mut rx: broadcast::Receiver<Event>,
    after: i64,
    tx: &mpsc::Sender<SseEvent>,
) -> anyhow::Result<()> {
    let mut last = send_after(state, ctx, topic_id, after, tx).await?;
    loop {
        match rx.recv().await {
            Ok(event) if &*event.kind == "reply" => {
                if event.id > last {
                    last = send_after(state, ctx, topic_id, last, tx).await?;
                }
            }
            Ok(event) if &*event.kind == "hidden" => {
                // Moderators keep seeing hidden posts (marked as such on their next load).
                if !is_moderator(ctx.user.as_ref()) {
                    send_removal(state, ctx, &event, tx).await?;
                }
            }
            Ok(event) if event.is_resync() => {
                last = send_after(state, ctx, topic_id, last, tx).await?;
            }
            Ok(_) => {}
            Err(broadcast::error::RecvError::Lagged(_)) => {
                last = send_after(state, ctx, topic_id, last, tx).await?;
            }
            Err(broadcast::error::RecvError::Closed) => return Ok(()),
        }
    }
}

/// A post hidden or deleted by a moderator leaves the pages already showing it: a reply is
/// removed, the topic's own post is replaced by a notice (an out-of-band swap in the `reply`
/// event the page listens to). `event.data` says which: "reply" or "topic".
async fn send_removal(
    state: &AppState,
    ctx: &RequestContext,
    event: &Event,
    tx: &mpsc::Sender<SseEvent>,
) -> anyhow::Result<()> {
    let html = state.render(
        ctx,
        "partials/forum/removed.html",
        context! { target => &*event.data, id => event.id },
    )?;
    let event = SseEvent::default()
        .event("reply")
        .data(html.0.replace(['\r', '\n'], ""));
    tx.send(event).await?;
    Ok(())
}

/// Sends the replies stored after `after` that the viewer may see (hidden ones only to
/// moderators; not the viewer's own, which their page already shows); returns the last id.
async fn send_after(
    state: &AppState,
    ctx: &RequestContext,
    topic_id: i64,
    after: i64,
    tx: &mpsc::Sender<SseEvent>,
) -> anyhow::Result<i64> {
    let user = ctx.user.as_ref();
    let moderator = is_moderator(user);
    let viewer = Viewer {
        user,
        liked: HashSet::new(),
        now: time::OffsetDateTime::now_utc(),
    };
    let mut last = after;
    for reply in queries::replies(&state.db, topic_id, after, moderator).await? {
        last = reply.id;
        if user.is_some_and(|u| u.id == reply.author_id) {
            continue;
        }
        let html = state.render(
            ctx,
            "partials/forum/reply.html",
            context! { reply => Serde(viewer.reply_post(&reply)), moderator },
        )?;
        let event = SseEvent::default()
            .event("reply")
            .id(reply.id.to_string())
            .data(html.0.replace('\r', ""));
        tx.send(event).await?;
    }
    Ok(last)
}

//! Forum pages: posting, quoting and editing a reply.

use std::collections::HashSet;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use minijinja::value::{Serde, Value};
use serde::Deserialize;

use super::topics;
use super::{EditForm, Refused, RefusedReply, Viewer, check_can_post, field_error};
use crate::error::{AppError, AppResult};
use crate::forum::access::{can_reply, is_moderator, readable_topic, require_editable};
use crate::forum::model::{self};
use crate::forum::queries;
use crate::forum::replies;
use crate::state::AppState;
use crate::web::{Ctx, FlashLevel, Fragment, RequestContext};

#[derive(Deserialize)]
pub struct ReplyForm {
    #[serde(default)]
    body: String,
}

pub async fn create_reply(
    State(state): State<AppState>,
    ctx: Ctx,
    Fragment(fragment): Fragment,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<ReplyForm>,
) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let (topic, forum) = readable_topic(&state, Some(user), id).await?;
    if !can_reply(user, &topic) {
        return Err(AppError::BadRequest("forum.error.locked"));
    }
    let body = match model::parse_body(&form.body) {
        Ok(body) => body,
        Err(key) => {
            let refused = RefusedReply {
                errors: field_error(&state, &ctx, "body", key),
                body: form.body,
            };
            return refuse_reply(&state, &ctx, fragment, id, refused).await;
        }
    };
    check_can_post(&state, user).await?;
    let (reply_id, link) = replies::post(&state, &forum, user, &topic, &body).await?;
    if !fragment {
        return Ok(Redirect::to(&link).into_response());
    }
    let reply = queries::reply(&state.db, reply_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let viewer = Viewer {
        user: Some(user),
        liked: HashSet::new(),
        now: time::OffsetDateTime::now_utc(),
    };
    Ok(state
        .render(
            &ctx,
            "partials/forum/reply_posted.html",
            context! {
                reply => Serde(viewer.reply_post(&reply)),
                topic => context! { id => id },
                quote => "",
                moderator => is_moderator(Some(user)),
                mention_example => model::mention_handle(&user.name),
            },
        )?
        .into_response())
}

/// A refused reply, kept: the reply box with its text and message for htmx, else the topic page.
async fn refuse_reply(
    state: &AppState,
    ctx: &RequestContext,
    fragment: bool,
    topic_id: i64,
    refused: RefusedReply,
) -> AppResult<Response> {
    if !fragment {
        return topics::topic_page(state, ctx, topic_id, None, Some(Refused::Reply(refused))).await;
    }
    let user = ctx.require_user()?;
    state.render_status(
        ctx,
        StatusCode::UNPROCESSABLE_ENTITY,
        "partials/forum/reply_form.html",
        context! {
            topic => context! { id => topic_id },
            quote => refused.body,
            errors => refused.errors,
            mention_example => model::mention_handle(&user.name),
            autofocus => true,
        },
    )
}

/// `GET /forum/replies/{id}/quote`: the reply box prefilled with a quote (htmx), or the topic
/// page with it.
pub async fn quote_reply(
    State(state): State<AppState>,
    ctx: Ctx,
    Fragment(fragment): Fragment,
    Path(rid): Path<i64>,
) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let reply = queries::reply(&state.db, rid)
        .await?
        .ok_or(AppError::NotFound)?;
    if crate::db::flag(reply.hidden) {
        return Err(AppError::NotFound);
    }
    readable_topic(&state, Some(user), reply.topic_id).await?;
    if !fragment {
        return Ok(Redirect::to(&format!(
            "/forum/topics/{}?quote={rid}#reply-form",
            reply.topic_id
        ))
        .into_response());
    }
    Ok(state
        .render(
            &ctx,
            "partials/forum/reply_form.html",
            context! {
                topic => context! { id => reply.topic_id },
                quote => model::quote(&reply.author_name, &reply.body),
                mention_example => model::mention_handle(&user.name),
                autofocus => true,
            },
        )?
        .into_response())
}

pub async fn edit_reply_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(rid): Path<i64>,
) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let reply = queries::reply(&state.db, rid)
        .await?
        .ok_or(AppError::NotFound)?;
    if crate::db::flag(reply.hidden) {
        return Err(AppError::NotFound);
    }
    readable_topic(&state, Some(user), reply.topic_id).await?;
    require_editable(user, reply.author_id, &reply.created_at)?;
    Ok(state
        .render(
            &ctx,
            "views/forum/edit.html",
            context! {
                action => format!("/forum/replies/{rid}/edit"),
                back => format!("/forum/topics/{}#reply-{rid}", reply.topic_id),
                title => Value::from(()),
                body => reply.body,
            },
        )?
        .into_response())
}

pub async fn edit_reply(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(rid): Path<i64>,
    axum::Form(form): axum::Form<EditForm>,
) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let reply = queries::reply(&state.db, rid)
        .await?
        .ok_or(AppError::NotFound)?;
    if crate::db::flag(reply.hidden) {
        return Err(AppError::NotFound);
    }
    readable_topic(&state, Some(user), reply.topic_id).await?;
    require_editable(user, reply.author_id, &reply.created_at)?;
    let body = match model::parse_body(&form.body) {
        Ok(body) => body,
        Err(key) => {
            return state.render_status(
                &ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                "views/forum/edit.html",
                context! {
                    action => format!("/forum/replies/{rid}/edit"),
                    back => format!("/forum/topics/{}#reply-{rid}", reply.topic_id),
                    title => Value::from(()),
                    body => form.body,
                    errors => field_error(&state, &ctx, "body", key),
                },
            );
        }
    };
    queries::update_reply(&state.db, rid, &body).await?;
    Ok(ctx.redirect_with_flash(
        FlashLevel::Success,
        "forum.flash.edited",
        &format!("/forum/topics/{}#reply-{rid}", reply.topic_id),
    ))
}

//! Forum actions on a post: likes, follows and reports.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use super::{Refused, RefusedReport, field_error, topics};
use crate::error::{AppError, AppResult};
use crate::forum::access::{readable_post, readable_topic};
use crate::forum::model::{self, Target};
use crate::forum::queries;
use crate::state::AppState;
use crate::web::{Ctx, FlashLevel, Fragment, RequestContext};

pub async fn toggle_like(
    State(state): State<AppState>,
    ctx: Ctx,
    Fragment(fragment): Fragment,
    Path((target, id)): Path<(String, i64)>,
) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let target = Target::parse(&target)?;
    let (topic_id, author_id) = readable_post(&state, user, target, id).await?;
    if author_id == user.id {
        return Err(AppError::BadRequest("forum.error.own_like"));
    }
    let liked = queries::toggle_like(&state.db, user.id, target, id).await?;
    if !fragment {
        return Ok(Redirect::to(&format!("/forum/topics/{topic_id}")).into_response());
    }
    let like_count = queries::like_count(&state.db, target, id).await?;
    Ok(state
        .render(
            &ctx,
            "partials/forum/like.html",
            context! { post => context! {
                id, target => target.code(), like_count, liked, can_like => true,
            }},
        )?
        .into_response())
}

#[derive(Deserialize)]
pub struct FollowForm {
    #[serde(default)]
    follow: String,
}

pub async fn follow_topic(
    State(state): State<AppState>,
    ctx: Ctx,
    Fragment(fragment): Fragment,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<FollowForm>,
) -> AppResult<Response> {
    let user = ctx.require_user()?;
    readable_topic(&state, Some(user), id).await?;
    let follow = form.follow == "1";
    queries::set_follow(&state.db, id, user.id, follow).await?;
    if !fragment {
        return Ok(Redirect::to(&format!("/forum/topics/{id}")).into_response());
    }
    Ok(state
        .render(
            &ctx,
            "partials/forum/follow.html",
            context! { topic => context! { id }, following => follow },
        )?
        .into_response())
}

#[derive(Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    reason: String,
}

pub async fn report_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Fragment(fragment): Fragment,
    Path((target, id)): Path<(String, i64)>,
    axum::Form(form): axum::Form<ReportForm>,
) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let target = Target::parse(&target)?;
    let (topic_id, _) = readable_post(&state, user, target, id).await?;
    let reason = match model::parse_reason(&form.reason, true) {
        Ok(reason) => reason,
        Err(key) => {
            let refused = RefusedReport {
                target,
                id,
                errors: field_error(&state, &ctx, "reason", key),
                reason: form.reason,
            };
            return refuse_report(&state, &ctx, fragment, topic_id, refused).await;
        }
    };
    let reported =
        queries::create_report(&state.db, target, id, topic_id, user.id, &reason).await?;
    let already = reported == queries::Reported::AlreadyOpen;
    if already {
        tracing::info!(
            user.id = user.id,
            report.target = target.code(),
            report.target_id = id,
            "forum post already reported"
        );
    } else {
        tracing::info!(
            user.id = user.id,
            report.target = target.code(),
            report.target_id = id,
            "forum post reported"
        );
        let title = queries::topic(&state.db, topic_id)
            .await?
            .map(|t| t.title)
            .unwrap_or_default();
        crate::forum::actions::tell_moderators(&state, &title).await?;
    }
    if !fragment {
        let (level, key) = if already {
            (FlashLevel::Info, "forum.flash.already_reported")
        } else {
            (FlashLevel::Success, "forum.flash.reported")
        };
        return Ok(ctx.redirect_with_flash(level, key, &format!("/forum/topics/{topic_id}")));
    }
    Ok(state
        .render(&ctx, "partials/forum/reported.html", context! { already })?
        .into_response())
}

/// A refused report, kept: its form with the reason typed for htmx, else the topic page.
async fn refuse_report(
    state: &AppState,
    ctx: &RequestContext,
    fragment: bool,
    topic_id: i64,
    refused: RefusedReport,
) -> AppResult<Response> {
    if !fragment {
        return topics::topic_page(state, ctx, topic_id, None, Some(Refused::Report(refused)))
            .await;
    }
    state.render_status(
        ctx,
        StatusCode::UNPROCESSABLE_ENTITY,
        "partials/forum/report_form.html",
        context! {
            report => context! {
                target => refused.target.code(),
                id => refused.id,
                reason => refused.reason,
                errors => refused.errors,
            },
        },
    )
}

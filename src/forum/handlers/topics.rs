//! Forum pages: the index, topic lists, new topics, a topic's page and editing a topic.

use std::collections::HashSet;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use minijinja::value::Serde;
use serde::Deserialize;

use super::{EditForm, Errors, Refused, Viewer, check_can_post, field_error};
use crate::error::AppResult;
use crate::forum::access::{
    Forum, can_reply, category_forum, course_forum, is_moderator, readable_topic, require_editable,
};
use crate::forum::model::{self, ListQuery, PostView, TopicItem};
use crate::forum::queries;
use crate::forum::replies;
use crate::state::AppState;
use crate::web::pagination::Pagination;
use crate::web::{Ctx, FlashLevel, Fragment, RequestContext};

pub async fn index(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let categories = queries::category_summaries(&state.db).await?;
    let user = ctx.user.as_ref();
    let course_forums = match user {
        Some(u) => crate::forum::access::course_forums(&state.db, u).await?,
        None => Vec::new(),
    };
    let categories: Vec<_> = categories
        .into_iter()
        .map(|c| {
            let last = c.last_activity_at;
            context! { slug => c.slug, name => c.name, description => c.description,
            topic_count => c.topic_count, last_activity => last }
        })
        .collect();
    Ok(state
        .render(
            &ctx,
            "views/forum/index.html",
            context! {
                categories,
                course_forums => Serde(course_forums),
                moderator => is_moderator(user),
                admin => crate::forum::access::manages_categories(user),
            },
        )?
        .into_response())
}

pub async fn show_category(
    State(state): State<AppState>,
    ctx: Ctx,
    Fragment(fragment): Fragment,
    Path(slug): Path<String>,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let forum = category_forum(&state, &slug).await?;
    topic_list(&state, &ctx, fragment, forum, q).await
}

pub async fn show_course_forum(
    State(state): State<AppState>,
    ctx: Ctx,
    Fragment(fragment): Fragment,
    Path(slug): Path<String>,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let forum = course_forum(&state, ctx.user.as_ref(), &slug).await?;
    topic_list(&state, &ctx, fragment, forum, q).await
}

async fn topic_list(
    state: &AppState,
    ctx: &RequestContext,
    fragment: bool,
    forum: Forum,
    q: ListQuery,
) -> AppResult<Response> {
    let pattern = model::like_pattern(&q.q);
    let moderator = is_moderator(ctx.user.as_ref());
    let (rows, pagination) = queries::list_topics(
        &state.db,
        forum.place(),
        pattern.as_deref(),
        moderator,
        Pagination::requested(q.page.as_deref()),
    )
    .await?;
    let topics: Vec<TopicItem> = rows.into_iter().map(TopicItem::from).collect();
    let values = context! {
        forum => Serde(forum.view()),
        topics => Serde(topics),
        total => pagination.total(),
        pagination => Serde(pagination.view(&ctx.path)),
        q => q.q.trim(),
    };
    let name = if fragment {
        "partials/forum/topics.html"
    } else {
        "views/forum/forum.html"
    };
    Ok(state.render(ctx, name, values)?.into_response())
}

#[derive(Deserialize)]
pub struct TopicForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
}

pub async fn new_category_topic(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    ctx.require_user()?;
    let forum = category_forum(&state, &slug).await?;
    new_topic_page(&state, &ctx, &forum)
}

pub async fn new_course_topic(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    ctx.require_user()?;
    let forum = course_forum(&state, ctx.user.as_ref(), &slug).await?;
    new_topic_page(&state, &ctx, &forum)
}

fn new_topic_page(state: &AppState, ctx: &RequestContext, forum: &Forum) -> AppResult<Response> {
    Ok(state
        .render(
            ctx,
            "views/forum/new_topic.html",
            context! { forum => Serde(forum.view()), form => context! { title => "", body => "" } },
        )?
        .into_response())
}

pub async fn create_category_topic(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    axum::Form(form): axum::Form<TopicForm>,
) -> AppResult<Response> {
    let forum = category_forum(&state, &slug).await?;
    create_topic(&state, &ctx, forum, form).await
}

pub async fn create_course_topic(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    axum::Form(form): axum::Form<TopicForm>,
) -> AppResult<Response> {
    ctx.require_user()?;
    let forum = course_forum(&state, ctx.user.as_ref(), &slug).await?;
    create_topic(&state, &ctx, forum, form).await
}

async fn create_topic(
    state: &AppState,
    ctx: &RequestContext,
    forum: Forum,
    form: TopicForm,
) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let (title, body) = match (
        model::parse_title(&form.title),
        model::parse_body(&form.body),
    ) {
        (Ok(title), Ok(body)) => (title, body),
        (title, body) => {
            // Sent back with what was typed (up to 10,000 characters) and a message per field.
            let mut errors = Errors::new();
            if let Err(key) = title {
                errors.extend(field_error(state, ctx, "title", key));
            }
            if let Err(key) = body {
                errors.extend(field_error(state, ctx, "body", key));
            }
            return state.render_status(
                ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                "views/forum/new_topic.html",
                context! {
                    forum => Serde(forum.view()),
                    form => context! { title => form.title, body => form.body },
                    errors,
                },
            );
        }
    };
    check_can_post(state, user).await?;
    let id = queries::create_topic(&state.db, forum.place(), user.id, &title, &body).await?;
    tracing::info!(user.id = user.id, topic.id = id, "forum topic created");
    let link = format!("/forum/topics/{id}");
    replies::notify_mentions(state, &forum, user, &body, &title, &link).await;
    Ok(Redirect::to(&link).into_response())
}

#[derive(Deserialize, Default)]
pub struct TopicQuery {
    quote: Option<i64>,
}

pub async fn show_topic(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<TopicQuery>,
) -> AppResult<Response> {
    topic_page(&state, &ctx, id, q.quote, None).await
}

/// The topic page; its reply box holds a quote, or the text of a refused reply; a refused
/// report comes back open on its post with the reason typed.
pub(super) async fn topic_page(
    state: &AppState,
    ctx: &RequestContext,
    id: i64,
    quote: Option<i64>,
    refused: Option<Refused>,
) -> AppResult<Response> {
    let user = ctx.user.as_ref();
    let (topic, forum) = readable_topic(state, user, id).await?;
    let moderator = is_moderator(user);
    let replies = queries::replies(&state.db, id, 0, moderator).await?;
    let liked = match user {
        Some(u) => queries::liked_in_topic(&state.db, u.id, id)
            .await?
            .into_iter()
            .collect(),
        None => HashSet::new(),
    };
    let following = match user {
        Some(u) => queries::is_following(&state.db, id, u.id).await?,
        None => false,
    };
    let viewer = Viewer {
        user,
        liked,
        now: time::OffsetDateTime::now_utc(),
    };
    let quote = match quote {
        Some(rid) => replies
            .iter()
            .find(|r| r.id == rid && !crate::db::flag(r.hidden))
            .map(|r| model::quote(&r.author_name, &r.body))
            .unwrap_or_default(),
        None => String::new(),
    };
    let last_id = replies.last().map_or(0, |r| r.id);
    let posts: Vec<PostView> = replies.iter().map(|r| viewer.reply_post(r)).collect();
    let categories = if moderator {
        queries::categories(&state.db).await?
    } else {
        Vec::new()
    };
    let can_reply = user.is_some_and(|u| can_reply(u, &topic));
    let (quote, errors, refused_report, status) = match refused {
        Some(Refused::Reply(r)) => (r.body, r.errors, None, StatusCode::UNPROCESSABLE_ENTITY),
        Some(Refused::Report(r)) => {
            let report = context! {
                target => r.target.code(), id => r.id, reason => r.reason, errors => r.errors,
            };
            (
                quote,
                Errors::new(),
                Some(report),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        None => (quote, Errors::new(), None, StatusCode::OK),
    };
    state.render_status(
            ctx,
            status,
            "views/forum/topic.html",
            context! {
                forum => Serde(forum.view()),
                topic => context! {
                    id => topic.id,
                    title => &topic.title,
                    pinned => crate::db::flag(topic.pinned),
                    locked => topic.is_locked(),
                    hidden => topic.is_hidden(),
                    author_id => topic.author_id,
                    last_activity => &topic.last_activity_at,
                },
                post => Serde(viewer.topic_post(&topic)),
                replies => Serde(posts),
                following,
                moderator,
                can_reply,
                quote,
                last_id,
                categories => Serde(categories),
                errors,
                refused_report,
                mention_example => user.map(|u| model::mention_handle(&u.name)).unwrap_or_else(|| "Patrick_Mavungu".into()),
            },
        )
}

pub async fn edit_topic_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let (topic, _) = readable_topic(&state, Some(user), id).await?;
    require_editable(user, topic.author_id, &topic.created_at)?;
    Ok(state
        .render(
            &ctx,
            "views/forum/edit.html",
            context! {
                action => format!("/forum/topics/{id}/edit"),
                back => format!("/forum/topics/{id}"),
                title => Some(topic.title),
                body => topic.body,
            },
        )?
        .into_response())
}

pub async fn edit_topic(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<EditForm>,
) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let (topic, _) = readable_topic(&state, Some(user), id).await?;
    require_editable(user, topic.author_id, &topic.created_at)?;
    let raw_title = form.title.unwrap_or_default();
    let (title, body) = match (
        model::parse_title(&raw_title),
        model::parse_body(&form.body),
    ) {
        (Ok(title), Ok(body)) => (title, body),
        (title, body) => {
            let mut errors = Errors::new();
            if let Err(key) = title {
                errors.extend(field_error(&state, &ctx, "title", key));
            }
            if let Err(key) = body {
                errors.extend(field_error(&state, &ctx, "body", key));
            }
            return state.render_status(
                &ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                "views/forum/edit.html",
                context! {
                    action => format!("/forum/topics/{id}/edit"),
                    back => format!("/forum/topics/{id}"),
                    title => Some(raw_title),
                    body => form.body,
                    errors,
                },
            );
        }
    };
    queries::update_topic(&state.db, id, &title, &body).await?;
    Ok(ctx.redirect_with_flash(
        FlashLevel::Success,
        "forum.flash.edited",
        &format!("/forum/topics/{id}"),
    ))
}

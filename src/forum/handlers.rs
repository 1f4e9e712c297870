//! Forum pages: index, topic lists (public categories and course forums), topics, replies,
//! likes, follows, reports, editing and quoting.

use std::collections::{BTreeMap, HashSet};

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use minijinja::value::{Serde, Value};
use serde::{Deserialize, Serialize};

use super::access::{
    Forum, can_edit_post, can_reply, category_forum, course_forum, is_moderator, readable_post,
    readable_topic, require_editable,
};
use super::model::{
    self, ListQuery, POSTS_PER_MINUTE, PostView, ReplyRow, Target, TopicItem, TopicRow,
};
use super::queries;
use super::replies::{self, notify_mentions};
use crate::auth::model::User;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::pagination::Pagination;
use crate::web::{Ctx, FlashLevel, Fragment, RequestContext};

/// A refused form's messages, by field.
type Errors = BTreeMap<&'static str, String>;

impl Forum {
    fn view(&self) -> ForumView {
        ForumView {
            url: self.url(),
            name: self.name().to_owned(),
            description: match self {
                Forum::Category(c) => c.description.clone(),
                Forum::Course(_) => String::new(),
            },
            course: matches!(self, Forum::Course(_)),
        }
    }
}

#[derive(Serialize)]
struct ForumView {
    url: String,
    name: String,
    description: String,
    course: bool,
}

/// Verified, not suspended, and under the posting rate: otherwise a French refusal.
async fn check_can_post(state: &AppState, user: &User) -> AppResult<()> {
    if !queries::email_verified(&state.db, user.id).await? {
        return Err(AppError::BadRequest("forum.error.unverified"));
    }
    if crate::auth::queries::posting_suspended(&state.db, user.id, &crate::db::now()).await? {
        return Err(AppError::BadRequest("forum.error.suspended"));
    }
    let since = crate::db::timestamp(time::OffsetDateTime::now_utc() - time::Duration::minutes(1));
    if queries::posts_since(&state.db, user.id, &since).await? >= POSTS_PER_MINUTE {
        return Err(AppError::TooManyRequests);
    }
    Ok(())
}

/// The message of a refused field, in the viewer's language.
fn field_error(state: &AppState, ctx: &RequestContext, field: &'static str, key: &str) -> Errors {
    Errors::from([(field, state.i18n.t(ctx.locale, key).to_owned())])
}

// ---- index and topic lists --------------------------------------------------------------

pub async fn index(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let categories = queries::category_summaries(&state.db).await?;
    let user = ctx.user.as_ref();
    let course_forums = match user {
        Some(u) => super::access::course_forums(&state.db, u).await?,
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
                admin => super::access::manages_categories(user),
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

// ---- new topic --------------------------------------------------------------------------

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
    notify_mentions(state, &forum, user, &body, &title, &link).await;
    Ok(Redirect::to(&link).into_response())
}

// ---- topic page -------------------------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct TopicQuery {
    quote: Option<i64>,
}

/// What a viewer sees of one post.
pub struct Viewer<'a> {
    pub user: Option<&'a User>,
    pub liked: HashSet<(Target, i64)>,
    pub now: time::OffsetDateTime,
}

impl Viewer<'_> {
    #[expect(
        clippy::too_many_arguments,
        reason = "the fields shared by topics and replies"
    )]
    fn post(
        &self,
        target: Target,
        id: i64,
        topic_id: i64,
        author_id: i64,
        author_name: &str,
        body: &str,
        hidden: bool,
        created_at: &str,
        edited: bool,
        like_count: i64,
    ) -> PostView {
        let own = self.user.is_some_and(|u| u.id == author_id);
        PostView {
            id,
            topic_id,
            target: target.code(),
            author_id,
            author_name: author_name.to_owned(),
            body_html: crate::markdown::render_user_content(body),
            created: created_at.to_owned(),
            edited,
            hidden,
            like_count,
            liked: self.liked.contains(&(target, id)),
            own,
            can_like: self.user.is_some() && !own,
            can_edit: self
                .user
                .is_some_and(|u| can_edit_post(u, author_id, created_at, self.now)),
        }
    }

    pub fn topic_post(&self, t: &TopicRow) -> PostView {
        self.post(
            Target::Topic,
            t.id,
            t.id,
            t.author_id,
            &t.author_name,
            &t.body,
            t.is_hidden(),
            &t.created_at,
            t.edited_at.is_some(),
            t.like_count,
        )
    }

    pub fn reply_post(&self, r: &ReplyRow) -> PostView {
        self.post(
            Target::Reply,
            r.id,
            r.topic_id,
            r.author_id,
            &r.author_name,
            &r.body,
            crate::db::flag(r.hidden),
            &r.created_at,
            r.edited_at.is_some(),
            r.like_count,
        )
    }
}

pub async fn show_topic(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<TopicQuery>,
) -> AppResult<Response> {
    topic_page(&state, &ctx, id, q.quote, None).await
}

/// A reply the topic page sends back (422) with its text and the reason.
struct RefusedReply {
    body: String,
    errors: Errors,
}

/// The topic page; its reply box holds a quote, or the text of a refused reply.
async fn topic_page(
    state: &AppState,
    ctx: &RequestContext,
    id: i64,
    quote: Option<i64>,
    refused: Option<RefusedReply>,
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
    let (quote, errors, status) = match refused {
        Some(r) => (r.body, r.errors, StatusCode::UNPROCESSABLE_ENTITY),
        None => (quote, Errors::new(), StatusCode::OK),
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
                mention_example => user.map(|u| model::mention_handle(&u.name)).unwrap_or_else(|| "Patrick_Mavungu".into()),
            },
        )
}

// ---- replies ----------------------------------------------------------------------------

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
        return topic_page(state, ctx, topic_id, None, Some(refused)).await;
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

// ---- editing ----------------------------------------------------------------------------

#[derive(Deserialize)]
pub struct EditForm {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    body: String,
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

// ---- likes, follows, reports ------------------------------------------------------------

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
    let reason = model::parse_reason(&form.reason, true)?;
    queries::create_report(&state.db, target, id, topic_id, user.id, &reason).await?;
    tracing::info!(
        user.id = user.id,
        report.target = target.code(),
        report.target_id = id,
        "forum post reported"
    );
    if !fragment {
        return Ok(ctx.redirect_with_flash(
            FlashLevel::Success,
            "forum.flash.reported",
            &format!("/forum/topics/{topic_id}"),
        ));
    }
    Ok(state
        .render(&ctx, "partials/forum/reported.html", context! {})?
        .into_response())
}

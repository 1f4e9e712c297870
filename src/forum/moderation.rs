//! Moderation (moderators and admins): the report queue, actions on topics and replies, warning
//! and suspending users, every action logged in `moderation_actions`; and the admin form for
//! public categories.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};

use super::actions::{self, Act};
use super::model::{self, Target};
use super::queries::{self, ModerationAction};
use crate::auth::model::safe_next;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{Admin, Ctx, FlashLevel, Moderator, RequestContext};

pub async fn queue(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    render_queue(&state, &ctx, StatusCode::OK, None).await
}

/// The queue; after a refused user action, the form it came from (`refused.form`) comes back
/// open with what was typed and its errors.
async fn render_queue(
    state: &AppState,
    ctx: &RequestContext,
    status: StatusCode,
    refused: Option<minijinja::Value>,
) -> AppResult<Response> {
    let reports: Vec<_> = queries::open_reports(&state.db)
        .await?
        .into_iter()
        .map(|r| {
            let excerpt: String = r.body.chars().take(300).collect();
            context! {
                report => Serde(&r),
                excerpt,
                created => &r.created_at,
                hidden => crate::db::flag(r.hidden),
                locked => crate::db::flag(r.locked),
                pinned => crate::db::flag(r.pinned),
            }
        })
        .collect();
    let actions: Vec<_> = queries::recent_actions(&state.db, 30)
        .await?
        .into_iter()
        .map(|a| model::log_line(&state.i18n, ctx.locale, a))
        .collect();
    let categories = queries::categories(&state.db).await?;
    // One queue for the whole platform: chat reports are shown and acted on here too.
    let chat_reports: Vec<_> = crate::chat::queries::open_reports(&state.db)
        .await?
        .into_iter()
        .map(|r| {
            let html = crate::chat::model::body_html(&r.body);
            (r, html)
        })
        .collect();
    state.render_status(
        ctx,
        status,
        "views/forum/moderation.html",
        context! {
            reports, actions => Serde(actions), categories => Serde(categories), chat_reports => Serde(chat_reports),
            refused_user => refused,
        },
    )
}

#[derive(Deserialize)]
pub struct ActForm {
    target: String,
    id: i64,
    action: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    category_id: Option<String>,
    #[serde(default)]
    next: String,
}

/// `POST /forum/moderation/act`: hide / restore / delete a post; lock / unlock / pin / unpin /
/// move a topic.
pub async fn act(
    State(state): State<AppState>,
    ctx: Ctx,
    Moderator(moderator): Moderator,
    axum::Form(form): axum::Form<ActForm>,
) -> AppResult<Response> {
    let target = Target::parse(&form.target)?;
    let reason = model::parse_reason(&form.reason, false).map_err(AppError::BadRequest)?;
    let act = Act {
        target,
        id: form.id,
        action: &form.action,
        category_id: form.category_id.as_deref(),
        reason: &reason,
    };
    let done = actions::apply(&state.db, moderator.id, act).await?;
    let act = Act {
        target,
        id: form.id,
        action: &form.action,
        category_id: form.category_id.as_deref(),
        reason: &reason,
    };
    actions::announce(&state, &act, &done).await?;
    let mut next = if form.next.starts_with("/forum") {
        safe_next(&form.next)
    } else {
        "/forum/moderation".to_owned()
    };
    if let Some(topic_id) = done.deleted_topic
        && next.starts_with(&format!("/forum/topics/{topic_id}"))
    {
        next = "/forum/moderation".to_owned();
    }
    Ok(ctx.redirect_with_flash(FlashLevel::Success, "forum.flash.moderated", &next))
}

pub async fn dismiss(
    State(state): State<AppState>,
    ctx: Ctx,
    Moderator(moderator): Moderator,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    if let Some((target_type, target_id)) =
        queries::dismiss_report(&state.db, id, moderator.id).await?
    {
        queries::record_action(
            &state.db,
            ModerationAction {
                actor_id: moderator.id,
                action: "dismiss",
                target_type: "forum_report",
                target_id: Some(id),
                target_user_id: None,
                reason: &format!("{target_type} {target_id}"),
            },
        )
        .await?;
        actions::refresh_moderator_badges(&state).await?;
    }
    Ok(ctx.redirect_with_flash(
        FlashLevel::Success,
        "forum.flash.dismissed",
        "/forum/moderation",
    ))
}

#[derive(Deserialize)]
pub struct UserActForm {
    action: String,
    #[serde(default)]
    days: Option<String>,
    #[serde(default)]
    reason: String,
    /// Which form of the queue this is (several can act on one user), to reopen it if refused.
    #[serde(default)]
    form: String,
}

/// The number of days of a suspension: 1 to 365.
fn suspension_days(raw: Option<&str>) -> Option<i64> {
    raw.and_then(|d| d.trim().parse::<i64>().ok())
        .filter(|d| (1..=365).contains(d))
}

/// `POST /forum/moderation/users/{id}`: warn, suspend posting for some days, or lift it.
pub async fn act_on_user(
    State(state): State<AppState>,
    ctx: Ctx,
    Moderator(moderator): Moderator,
    Path(user_id): Path<i64>,
    axum::Form(form): axum::Form<UserActForm>,
) -> AppResult<Response> {
    queries::user_name(&state.db, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let reason = model::parse_reason(&form.reason, true);
    let days = suspension_days(form.days.as_deref());
    let mut errors = std::collections::BTreeMap::new();
    if let Err(key) = reason {
        errors.insert("reason", state.i18n.t(ctx.locale, key).to_owned());
    }
    if form.action == "suspend" && days.is_none() {
        errors.insert(
            "days",
            state.i18n.t(ctx.locale, "forum.error.days").to_owned(),
        );
    }
    let (Ok(reason), true) = (reason, errors.is_empty()) else {
        let refused = context! {
            form => &form.form, reason => &form.reason, days => &form.days, errors,
        };
        return render_queue(
            &state,
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(refused),
        )
        .await;
    };
    let mut recorded_reason = reason.clone();
    let mut until = None;
    match form.action.as_str() {
        "warn" => {}
        "suspend" => {
            let days = days.ok_or(AppError::BadRequest("forum.error.days"))?;
            let end = crate::db::timestamp(state.clock.now() + time::Duration::days(days));
            crate::auth::queries::set_posting_suspension(&state.db, user_id, Some(&end)).await?;
            recorded_reason = format!("{reason} ({days} j)");
            until = Some(end);
        }
        "unsuspend" => {
            crate::auth::queries::set_posting_suspension(&state.db, user_id, None).await?;
        }
        _ => return Err(AppError::BadRequest("forum.error.unknown_action")),
    }
    queries::record_action(
        &state.db,
        ModerationAction {
            actor_id: moderator.id,
            action: &form.action,
            target_type: "user",
            target_id: Some(user_id),
            target_user_id: Some(user_id),
            reason: &recorded_reason,
        },
    )
    .await?;
    actions::tell_user(&state, user_id, &form.action, &reason, until.as_deref()).await?;
    tracing::info!(moderator.id = moderator.id, user.id = user_id, moderation.action = %form.action, "user moderation");
    Ok(ctx.redirect_with_flash(
        FlashLevel::Success,
        "forum.flash.moderated",
        "/forum/moderation",
    ))
}

// ---- admin: categories ------------------------------------------------------------------

pub async fn categories_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let fresh = CategoryForm::default();
    render_categories(&state, &ctx, StatusCode::OK, &fresh, None).await
}

/// The categories page; after a refusal, the form with what was typed and its error.
async fn render_categories(
    state: &AppState,
    ctx: &RequestContext,
    status: StatusCode,
    form: &CategoryForm,
    error: Option<(&'static str, &'static str)>,
) -> AppResult<Response> {
    let categories = queries::categories(&state.db).await?;
    let errors = error.map(|(field, key)| {
        std::collections::BTreeMap::from([(field, state.i18n.t(ctx.locale, key).to_owned())])
    });
    state.render_status(
        ctx,
        status,
        "views/forum/admin_categories.html",
        context! { categories => Serde(categories), form => Serde(form), errors },
    )
}

#[derive(Default, Deserialize, Serialize)]
pub struct CategoryForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
}

pub async fn create_category(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(admin): Admin,
    axum::Form(form): axum::Form<CategoryForm>,
) -> AppResult<Response> {
    let name = form.name.trim();
    let description = form.description.trim();
    let slug = crate::web::slug::slugify(name);
    let refusal = if !(2..=80).contains(&name.chars().count()) || slug.is_empty() {
        Some(("name", "forum.error.category_name"))
    } else if description.chars().count() > 300 {
        Some(("description", "forum.error.category_description"))
    } else {
        None
    };
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    if refusal.is_some() {
        return render_categories(&state, &ctx, unprocessable, &form, refusal).await;
    }
    let Some(id) = queries::create_category(&state.db, &slug, name, description).await? else {
        let taken = Some(("name", "forum.error.category_exists"));
        return render_categories(&state, &ctx, unprocessable, &form, taken).await;
    };
    queries::record_action(
        &state.db,
        ModerationAction {
            actor_id: admin.id,
            action: "create",
            target_type: "forum_category",
            target_id: Some(id),
            target_user_id: None,
            reason: name,
        },
    )
    .await?;
    Ok(ctx.redirect_with_flash(
        FlashLevel::Success,
        "forum.flash.category_created",
        "/forum/admin/categories",
    ))
}

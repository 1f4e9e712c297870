//! User management: search and filters, a user's record, roles, suspension, forced password
//! reset, verification e-mail. Every change is audited with its before/after values.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use minijinja::value::Serde;
use serde::Deserialize;

use super::queries::{self, UserFilter};
use crate::auth::model::{Role, Roles};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::pagination::Pagination;
use crate::web::{Admin, Ctx, FlashLevel, Fragment};

const PAGE: i64 = 50;

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(flatten)]
    filter: UserFilter,
    #[serde(default)]
    page: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Fragment(fragment): Fragment,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let requested = Pagination::requested(q.page.as_deref());
    let (users, pagination) = queries::users(&state.db, &q.filter, requested, PAGE).await?;
    let query = serde_urlencoded_filter(&q.filter);
    let name = if fragment {
        "partials/admin/user_rows.html"
    } else {
        "views/admin/users.html"
    };
    Ok(state
        .render(
            &ctx,
            name,
            context! {
                users => Serde(users),
                total => pagination.total(),
                pagination => Serde(pagination.view(&ctx.path)),
                filter => Serde(&q.filter),
                query,
            },
        )?
        .into_response())
}

/// The filter as a query string (for pagination and export links).
fn serde_urlencoded_filter(f: &UserFilter) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("q", &f.q)
        .append_pair("role", &f.role)
        .append_pair("status", &f.status)
        .finish()
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let user = queries::user(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let enrolments = queries::user_enrolments(&state.db, id).await?;
    let logins = crate::auth::queries::login_history(&state.db, id, 20).await?;
    let roles = Roles::parse(&user.roles);
    let role_flags: Vec<(&str, bool)> = [Role::Trainer, Role::Moderator, Role::Admin]
        .into_iter()
        .map(|r| (r.code(), roles.iter().any(|x| x == r)))
        .collect();
    Ok(state
        .render(
            &ctx,
            "views/admin/user.html",
            context! {
                u => Serde(user), enrolments => Serde(enrolments), logins => Serde(logins),
                role_flags,
            },
        )?
        .into_response())
}

/// The role checkboxes: `trainer`, `moderator`, `admin` (everyone is a learner).
pub async fn set_roles(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(admin): Admin,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let user = queries::user(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut roles = vec![Role::Learner];
    for (name, value) in &form {
        if name == "role"
            && let Some(role) = Role::parse(value)
            && role != Role::Learner
        {
            roles.push(role);
        }
    }
    let roles = Roles::of(&roles);
    if id == admin.id && !roles.iter().any(|r| r == Role::Admin) {
        return Err(AppError::BadRequest("admin.error.own_admin_role"));
    }
    queries::set_roles(&state.db, id, &roles.stored()).await?;
    // Open sockets and streams reconnect, so they run with the new rights.
    crate::auth::sessions::end_sessions(&state, id, crate::auth::sessions::Scope::Reopen).await?;
    queries::audit(
        &state.db,
        admin.id,
        "roles",
        "user",
        Some(id),
        serde_json::json!({ "before": user.roles, "after": roles.stored() }),
    )
    .await?;
    Ok(ctx.redirect_with_flash(
        FlashLevel::Success,
        "admin.flash.roles",
        &format!("/admin/users/{id}"),
    ))
}

pub async fn suspend(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(admin): Admin,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    if id == admin.id {
        return Err(AppError::BadRequest("admin.error.self"));
    }
    queries::user(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    queries::set_active(&state.db, id, false).await?;
    crate::auth::sessions::end_sessions(&state, id, crate::auth::sessions::Scope::All).await?;
    queries::audit(
        &state.db,
        admin.id,
        "suspend",
        "user",
        Some(id),
        serde_json::json!({}),
    )
    .await?;
    Ok(ctx.redirect_with_flash(
        FlashLevel::Success,
        "admin.flash.suspended",
        &format!("/admin/users/{id}"),
    ))
}

pub async fn reactivate(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(admin): Admin,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    queries::user(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    queries::set_active(&state.db, id, true).await?;
    queries::audit(
        &state.db,
        admin.id,
        "reactivate",
        "user",
        Some(id),
        serde_json::json!({}),
    )
    .await?;
    Ok(ctx.redirect_with_flash(
        FlashLevel::Success,
        "admin.flash.reactivated",
        &format!("/admin/users/{id}"),
    ))
}

/// The password stops working, every session ends, and a reset link is e-mailed.
pub async fn force_reset(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(admin): Admin,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let user = queries::user(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    queries::lock_password(&state.db, id).await?;
    crate::auth::sessions::end_sessions(&state, id, crate::auth::sessions::Scope::All).await?;
    crate::auth::service::send_reset_link(&state, &ctx, id, &user.name, &user.email).await?;
    queries::audit(
        &state.db,
        admin.id,
        "force_reset",
        "user",
        Some(id),
        serde_json::json!({}),
    )
    .await?;
    Ok(ctx.redirect_with_flash(
        FlashLevel::Success,
        "admin.flash.reset_forced",
        &format!("/admin/users/{id}"),
    ))
}

pub async fn resend_verification(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(admin): Admin,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let user = queries::user(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if crate::db::flag(user.email_verified) {
        return Err(AppError::BadRequest("admin.error.already_verified"));
    }
    crate::auth::service::send_verification(&state, &ctx, id, &user.name, &user.email).await;
    queries::audit(
        &state.db,
        admin.id,
        "resend_verification",
        "user",
        Some(id),
        serde_json::json!({}),
    )
    .await?;
    Ok(ctx.redirect_with_flash(
        FlashLevel::Success,
        "admin.flash.verification_sent",
        &format!("/admin/users/{id}"),
    ))
}

//! Security settings: password change and e-mail change (other sessions logged out, with their
//! sockets), e-mail change confirmed by a link to the new address, active sessions, login
//! history.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use minijinja::value::Serde;
use tower_sessions::Session;

use super::email_change;
use super::model::{EmailForm, Errors, PasswordForm, SessionView};
use super::queries::{self, EmailChange};
use crate::auth::model::NewPassword;
use crate::auth::sessions::{Scope, end_sessions};
use crate::auth::{password, queries as auth_queries};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::rate_limit::Action;
use crate::web::tokens::sha256_hex as token_hash;
use crate::web::{Ctx, FlashLevel, RequestContext};

const LOGIN_HISTORY_ROWS: i64 = 20;

fn session_error(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("session: {e}"))
}

pub async fn security_page(
    State(state): State<AppState>,
    ctx: Ctx,
    session: Session,
) -> AppResult<Response> {
    render_security(
        &state,
        &ctx,
        &session,
        StatusCode::OK,
        Errors::new(),
        EmailForm::default(),
    )
    .await
}

async fn render_security(
    state: &AppState,
    ctx: &RequestContext,
    session: &Session,
    status: StatusCode,
    errors: Errors,
    email_form: EmailForm,
) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let current = session.id().map(|id| id.to_string());
    let sessions: Vec<SessionView> = queries::active_sessions(&state.db, user.id)
        .await?
        .into_iter()
        .map(|s| SessionView {
            expires: time::OffsetDateTime::from_unix_timestamp(s.expiry_date)
                .map(|t| ctx.time(&crate::db::timestamp(t), crate::web::time::Style::DateTime))
                .unwrap_or_default(),
            current: current.as_deref() == Some(s.id.as_str()),
        })
        .collect();
    let history = auth_queries::login_history(&state.db, user.id, LOGIN_HISTORY_ROWS).await?;
    let email_form = EmailForm {
        current_password: String::new(),
        ..email_form
    };
    state.render_status(
        ctx,
        status,
        "views/profile/security_page.html",
        context! {
            errors => Serde(errors),
            email_form => Serde(email_form),
            sessions => Serde(sessions),
            history => Serde(history),
        },
    )
}

/// Checks the current password (rate-limited like log-ins on the account).
pub(super) async fn current_password_ok(
    state: &AppState,
    user_id: i64,
    email: &str,
    given: &str,
) -> AppResult<bool> {
    state.limits.check(Action::LoginToAccount, email).await?;
    let hash = queries::password_hash(&state.db, user_id).await?;
    Ok(password::verify(given.to_owned(), hash).await)
}

pub async fn change_password(
    State(state): State<AppState>,
    ctx: Ctx,
    session: Session,
    Form(form): Form<PasswordForm>,
) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let mut errors = Errors::new();
    let tr = |key: &str| state.i18n.t(ctx.locale, key).to_owned();
    let new = NewPassword::parse(&form.password, &form.password_confirm)
        .map_err(|k| errors.insert("password", tr(k)))
        .ok();
    if !current_password_ok(&state, user.id, &user.email, &form.current_password).await? {
        errors.insert("current_password", tr("profile.error.current_password"));
    }
    let Some(new) = new.filter(|_| errors.is_empty()) else {
        return render_security(
            &state,
            &ctx,
            &session,
            StatusCode::UNPROCESSABLE_ENTITY,
            errors,
            EmailForm::default(),
        )
        .await;
    };
    let hash = password::hash(new.expose().to_owned()).await?;
    auth_queries::set_password(&state.db, user.id, &hash).await?;
    let current = session.id().ok_or(AppError::LoginRequired)?;
    // A fresh id for this browser too: a stolen copy of the old cookie is now worthless. The
    // old id goes at once, so its sockets (other tabs) reopen with the new cookie.
    session.cycle_id().await.map_err(session_error)?;
    end_sessions(&state, user.id, Scope::OthersRenewing(current)).await?;
    tracing::info!(user.id = user.id, "password changed");
    Ok(ctx.redirect_with_flash(
        FlashLevel::Success,
        "profile.flash.password_changed",
        "/profile/security",
    ))
}

pub async fn request_email_change(
    State(state): State<AppState>,
    ctx: Ctx,
    session: Session,
    Form(form): Form<EmailForm>,
) -> AppResult<Response> {
    let user = ctx.require_user()?;
    match email_change::check(&state, ctx.locale, user, &form).await? {
        Ok(email) => {
            email_change::start(&state, &ctx, user, &email).await?;
            Ok(ctx.redirect_with_flash(
                FlashLevel::Info,
                "profile.flash.email_link_sent",
                "/profile/security",
            ))
        }
        Err(errors) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render_security(&state, &ctx, &session, status, errors, form).await
        }
    }
}

/// The page the link opens: shows the new address and a button (GET never changes state).
pub async fn confirm_email_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let new_email = queries::peek_email_change(&state.db, &token_hash(&token)).await?;
    let status = if new_email.is_some() {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    state.render_status(
        &ctx,
        status,
        "views/profile/confirm_email_page.html",
        context! { token, new_email },
    )
}

pub async fn confirm_email(
    State(state): State<AppState>,
    ctx: Ctx,
    session: Session,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let to = if ctx.user.is_some() {
        "/profile/security"
    } else {
        "/login"
    };
    Ok(
        match queries::apply_email_change(&state.db, &token_hash(&token)).await? {
            EmailChange::Applied { user_id, .. } => {
                // The account's address is its key to resets: other sessions end. This one
                // stays when it belongs to the same account.
                let scope = match session.id() {
                    Some(id) if ctx.user.as_ref().is_some_and(|u| u.id == user_id) => {
                        Scope::Others(id)
                    }
                    _ => Scope::All,
                };
                end_sessions(&state, user_id, scope).await?;
                tracing::info!(user.id = user_id, "e-mail address changed");
                ctx.redirect_with_flash(FlashLevel::Success, "profile.flash.email_changed", to)
            }
            EmailChange::Taken => {
                ctx.redirect_with_flash(FlashLevel::Error, "profile.flash.email_taken", to)
            }
            EmailChange::Invalid => {
                ctx.redirect_with_flash(FlashLevel::Error, "profile.flash.link_invalid", to)
            }
        },
    )
}

pub async fn logout_others(
    State(state): State<AppState>,
    ctx: Ctx,
    session: Session,
) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let current = session.id().ok_or(AppError::LoginRequired)?;
    end_sessions(&state, user.id, Scope::Others(current)).await?;
    Ok(ctx.redirect_with_flash(
        FlashLevel::Success,
        "profile.flash.logged_out_others",
        "/profile/security",
    ))
}

//! The code step of a log-in with a second factor: `/login/code`, its check and the resend.

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use tower_sessions::Session;

use super::*;
use crate::auth::model::safe_next;
use crate::auth::queries::{self, OtpAccount};
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::rate_limit::Action;
use crate::web::{Ctx, FlashLevel, RequestContext};

fn render_code_page(
    state: &AppState,
    ctx: &RequestContext,
    status: StatusCode,
    account: &OtpAccount,
    error: Option<&str>,
) -> AppResult<Response> {
    state.render_status(
        ctx,
        status,
        "views/auth/login_code.html",
        context! {
            method => account.otp_method.as_deref().unwrap_or(""),
            error => error.map(|k| state.i18n.t(ctx.locale, k)),
        },
    )
}

/// `GET /login/code`
pub async fn code_page(
    State(state): State<AppState>,
    ctx: Ctx,
    session: Session,
) -> AppResult<Response> {
    let Some(p) = pending(&session, &state.clock).await? else {
        return Ok(ctx.redirect_with_flash(FlashLevel::Info, "otp.flash.step_expired", "/login"));
    };
    if p.setup {
        return Ok(Redirect::to(SETTINGS_PATH).into_response());
    }
    let Some(account) = queries::find_otp_account(&state.db, p.user_id).await? else {
        return Ok(Redirect::to("/login").into_response());
    };
    render_code_page(&state, &ctx, StatusCode::OK, &account, None)
}

/// `POST /login/code`
pub async fn submit_code(
    State(state): State<AppState>,
    ctx: Ctx,
    session: Session,
    Form(form): Form<CodeForm>,
) -> AppResult<Response> {
    let Some(p) = pending(&session, &state.clock).await? else {
        return Ok(ctx.redirect_with_flash(FlashLevel::Info, "otp.flash.step_expired", "/login"));
    };
    if p.setup {
        return Ok(Redirect::to(SETTINGS_PATH).into_response());
    }
    state.limits.check(Action::OtpFromIp, &ctx.ip).await?;
    state
        .limits
        .check(Action::OtpCode, &p.user_id.to_string())
        .await?;
    let Some(account) = queries::find_otp_account(&state.db, p.user_id).await? else {
        return Ok(Redirect::to("/login").into_response());
    };
    if !check_code(&state, &account, &form.code).await? {
        record(&state, &ctx, &account, false).await?;
        return render_code_page(
            &state,
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            &account,
            Some("otp.error.bad_code"),
        );
    }
    record(&state, &ctx, &account, true).await?;
    complete_login(&session, account.id).await?;
    Ok(Redirect::to(&safe_next(&p.next)).into_response())
}

/// `POST /login/code/resend`
pub async fn resend_code(
    State(state): State<AppState>,
    ctx: Ctx,
    session: Session,
) -> AppResult<Response> {
    let Some(p) = pending(&session, &state.clock).await? else {
        return Ok(ctx.redirect_with_flash(FlashLevel::Info, "otp.flash.step_expired", "/login"));
    };
    state.limits.check(Action::OtpFromIp, &ctx.ip).await?;
    state
        .limits
        .check(Action::OtpSend, &p.user_id.to_string())
        .await?;
    if let Some(account) = queries::find_otp_account(&state.db, p.user_id).await?
        && account.otp_method.as_deref() == Some("email")
    {
        send_email_code(&state, &ctx, &account).await?;
    }
    Ok(ctx.redirect_with_flash(FlashLevel::Info, "otp.flash.resent", "/login/code"))
}

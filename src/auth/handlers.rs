//! Sign-up, e-mail verification, log-in / log-out, forgotten password.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use minijinja::value::Serde;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tower_sessions::Session;

use super::model::{
    Email, ForgotForm, LoginForm, NewPassword, PersonName, ResetForm, Role, Roles, SignupForm,
    safe_next,
};
use super::password;
use super::queries::{self, LoginAttempt, NewUser, TokenPurpose};
use super::sessions::{Scope, end_sessions, renew_for_sign_in};
use crate::error::AppResult;
use crate::state::AppState;
use crate::state::send_logged as send;
use crate::web::context::SESSION_USER_KEY;
use crate::web::csrf::random_b64;
use crate::web::rate_limit::Action;
use crate::web::{Ctx, FlashLevel, RequestContext};

type Errors = BTreeMap<&'static str, String>;

fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The key of per-account rate limits: the normalised address, or the raw text lower-cased.
fn account_key(typed: &str) -> String {
    Email::parse(typed).map_or_else(|_| typed.trim().to_lowercase(), |e| e.as_str().to_owned())
}

/// A form refused by a rate limit: the same page again with status 429, what was typed (never a
/// password: the caller clears it) and why, so that a classroom hitting a limit loses nothing.
fn refused<T: serde::Serialize>(
    state: &AppState,
    ctx: &RequestContext,
    template: &str,
    form: &T,
    message_key: &str,
) -> AppResult<Response> {
    state.render_status(
        ctx,
        StatusCode::TOO_MANY_REQUESTS,
        template,
        context! { form => Serde(form), form_error => state.i18n.t(ctx.locale, message_key) },
    )
}

fn expires_in(hours: i64) -> String {
    crate::db::timestamp(time::OffsetDateTime::now_utc() + time::Duration::hours(hours))
}

pub async fn signup_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    if ctx.user.is_some() {
        return Ok(Redirect::to("/dashboard").into_response());
    }
    Ok(state
        .render(
            &ctx,
            "views/auth/signup.html",
            context! { form => Serde(SignupForm::default()) },
        )?
        .into_response())
}

pub async fn signup(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<SignupForm>,
) -> AppResult<Response> {
    let mut errors = Errors::new();
    let tr = |key: &str| state.i18n.t(ctx.locale, key).to_owned();
    let name = PersonName::parse(&form.name)
        .map_err(|k| errors.insert("name", tr(k)))
        .ok();
    let email = Email::parse(&form.email)
        .map_err(|k| errors.insert("email", tr(k)))
        .ok();
    let password = NewPassword::parse(&form.password, &form.password_confirm)
        .map_err(|k| errors.insert("password", tr(k)))
        .ok();
    let (Some(name), Some(email), Some(password)) = (name, email, password) else {
        let form = SignupForm {
            password: String::new(),
            password_confirm: String::new(),
            ..form
        };
        return state.render_status(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            "views/auth/signup.html",
            context! { form => Serde(form), errors => Serde(errors) },
        );
    };
    // Only submissions that would create an account (and send an e-mail) count.
    if state.limits.check(Action::Signup, &ctx.ip).is_err() {
        let form = SignupForm {
            password: String::new(),
            password_confirm: String::new(),
            ..form
        };
        let key = "auth.error.too_many_password";
        return refused(&state, &ctx, "views/auth/signup.html", &form, key);
    }
    let hash = password::hash(password.expose().to_owned()).await?;
    let created = queries::create_user(
        &state.db,
        NewUser {
            name: name.as_str(),
            email: email.as_str(),
            password_hash: &hash,
            roles: &Roles::of(&[Role::Learner]),
            verified: false,
            locale: ctx.locale.code(),
        },
    )
    .await?;
    match created {
        Some(user_id) => {
            send_verification(&state, &ctx, user_id, name.as_str(), email.as_str()).await
        }
        // The address has an account: tell its owner, and show the visitor the same answer as
        // for a new account so that sign-up cannot be used to find out who is registered.
        None => {
            let body = state.templates.render(
                "views/mail/signup_exists.txt",
                context! { locale => ctx.locale.code(), base_url => &state.config.base_url },
            )?;
            send(
                &state,
                &ctx,
                email.as_str(),
                name.as_str(),
                "mail.signup_exists.subject",
                body,
            )
            .await;
        }
    }
    Ok(ctx.redirect_with_flash(FlashLevel::Success, "auth.flash.signup_done", "/login"))
}

/// E-mails a fresh verification link (sign-up, resend, or an admin's resend).
pub(crate) async fn send_verification(
    state: &AppState,
    ctx: &RequestContext,
    user_id: i64,
    name: &str,
    email: &str,
) {
    let token = random_b64(32);
    let stored = queries::create_token(
        &state.db,
        user_id,
        TokenPurpose::VerifyEmail,
        &token_hash(&token),
        &expires_in(48),
    )
    .await;
    if let Err(e) = stored {
        tracing::error!(user.id = user_id, error = %e, "verification token could not be stored");
        return;
    }
    let link = format!("{}/verify-email/{token}", state.config.base_url);
    match state.templates.render(
        "views/mail/verify_email.txt",
        context! { locale => ctx.locale.code(), name, link },
    ) {
        Ok(body) => send(state, ctx, email, name, "mail.verify.subject", body).await,
        Err(e) => tracing::error!(error = %e, "verification e-mail could not be rendered"),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

pub async fn login_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NextQuery>,
) -> AppResult<Response> {
    if ctx.user.is_some() {
        return Ok(Redirect::to(&safe_next(&q.next)).into_response());
    }
    let form = LoginForm {
        next: safe_next(&q.next),
        ..LoginForm::default()
    };
    Ok(state
        .render(
            &ctx,
            "views/auth/login.html",
            context! { form => Serde(form) },
        )?
        .into_response())
}

pub async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    session: Session,
    Form(form): Form<LoginForm>,
) -> AppResult<Response> {
    let email = Email::parse(&form.email);
    let account_key = account_key(&form.email);
    if state.limits.check(Action::LoginFromIp, &ctx.ip).is_err()
        || state
            .limits
            .check(Action::LoginToAccount, &account_key)
            .is_err()
    {
        let form = LoginForm {
            password: String::new(),
            next: safe_next(&form.next),
            ..form
        };
        let key = "auth.error.too_many_password";
        return refused(&state, &ctx, "views/auth/login.html", &form, key);
    }
    let credentials = match &email {
        Ok(e) => queries::find_credentials(&state.db, e.as_str()).await?,
        Err(_) => None,
    };
    let ok = password::verify(
        form.password.clone(),
        credentials.as_ref().map(|c| c.password_hash.clone()),
    )
    .await;
    let (reason, error_key) = match &credentials {
        _ if !ok => ("bad_credentials", "auth.error.bad_credentials"),
        Some(c) if !c.active() => ("disabled", "auth.error.disabled"),
        Some(c) if !c.verified() => ("unverified", "auth.error.unverified"),
        Some(_) => ("ok", ""),
        None => ("bad_credentials", "auth.error.bad_credentials"),
    };
    let user_id = credentials.as_ref().map(|c| c.id);
    // With a second factor, the password alone is not a log-in: 'ok' is recorded after the code.
    let second_factor = match (user_id, reason) {
        (Some(id), "ok") => super::otp::requirement(&state, id).await?,
        _ => None,
    };
    if second_factor.is_none() {
        queries::record_login(
            &state.db,
            LoginAttempt {
                user_id,
                email: &account_key,
                ip: &ctx.ip,
                user_agent: &ctx.user_agent,
                success: reason == "ok",
                reason,
            },
        )
        .await?;
    }
    let (Some(user_id), "ok") = (user_id, reason) else {
        let form = LoginForm {
            password: String::new(),
            next: safe_next(&form.next),
            ..form
        };
        return state.render_status(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            "views/auth/login.html",
            context! {
                form => Serde(form),
                form_error => state.i18n.t(ctx.locale, error_key),
                unverified => reason == "unverified",
            },
        );
    };
    if let Some(requirement) = second_factor {
        return super::otp::start(
            &state,
            &ctx,
            &session,
            user_id,
            requirement,
            safe_next(&form.next),
        )
        .await;
    }
    renew_for_sign_in(&state, &session).await?;
    session
        .insert(SESSION_USER_KEY, user_id)
        .await
        .map_err(|e| anyhow::anyhow!("session: {e}"))?;
    Ok(Redirect::to(&safe_next(&form.next)).into_response())
}

/// Ends this browser's session and the sockets its pages hold, and asks the browser to drop
/// its HTTP cache of the signed-in pages (`Clear-Site-Data: "cache"`: not the service worker's
/// caches nor localStorage, so the offline outbox survives; sw.js drops the pages it kept).
pub async fn logout(
    State(state): State<AppState>,
    ctx: Ctx,
    session: Session,
) -> AppResult<Response> {
    let ending = ctx.user.as_ref().map(|u| u.id).zip(session.id());
    session
        .flush()
        .await
        .map_err(|e| anyhow::anyhow!("session: {e}"))?;
    if let Some((user_id, id)) = ending {
        end_sessions(&state, user_id, Scope::This(id)).await?;
    }
    let mut response = ctx.redirect_with_flash(FlashLevel::Info, "auth.flash.logged_out", "/");
    response.headers_mut().insert(
        HeaderName::from_static("clear-site-data"),
        HeaderValue::from_static("\"cache\""),
    );
    Ok(response)
}

/// The page an e-mail link opens: a button confirms (GET never changes state, and mail
/// scanners that follow links do not verify accounts by accident).
pub async fn verify_email_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> AppResult<Response> {
    state.limits.check(Action::TokenFromIp, &ctx.ip)?;
    let valid = queries::peek_token(&state.db, TokenPurpose::VerifyEmail, &token_hash(&token))
        .await?
        .is_some();
    let status = if valid {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    state.render_status(
        &ctx,
        status,
        "views/auth/verify_email.html",
        context! { token, valid },
    )
}

pub async fn verify_email(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> AppResult<Response> {
    state.limits.check(Action::TokenFromIp, &ctx.ip)?;
    match queries::consume_token(&state.db, TokenPurpose::VerifyEmail, &token_hash(&token)).await? {
        Some(user_id) => {
            queries::mark_verified(&state.db, user_id).await?;
            Ok(ctx.redirect_with_flash(FlashLevel::Success, "auth.flash.verified", "/login"))
        }
        None => Ok(ctx.redirect_with_flash(FlashLevel::Error, "auth.flash.link_invalid", "/login")),
    }
}

pub async fn resend_verification(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<ForgotForm>,
) -> AppResult<Response> {
    state.limits.check(Action::Reset, &ctx.ip)?;
    // Keyed on the address typed, account or not: a refusal reveals nothing.
    state
        .limits
        .check(Action::VerifyToAccount, &account_key(&form.email))?;
    if let Ok(email) = Email::parse(&form.email)
        && let Some(c) = queries::find_credentials(&state.db, email.as_str()).await?
        && c.active()
        && !c.verified()
    {
        send_verification(&state, &ctx, c.id, &c.name, email.as_str()).await;
    }
    Ok(ctx.redirect_with_flash(FlashLevel::Info, "auth.flash.verification_resent", "/login"))
}

pub async fn forgot_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    Ok(state
        .render(
            &ctx,
            "views/auth/forgot_password.html",
            context! { form => Serde(ForgotForm::default()) },
        )?
        .into_response())
}

pub async fn forgot(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<ForgotForm>,
) -> AppResult<Response> {
    if state.limits.check(Action::Reset, &ctx.ip).is_err() {
        let key = "auth.error.too_many";
        return refused(&state, &ctx, "views/auth/forgot_password.html", &form, key);
    }
    let email = match Email::parse(&form.email) {
        Ok(e) => e,
        Err(key) => {
            return state.render_status(
                &ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                "views/auth/forgot_password.html",
                context! { form => Serde(form), errors => context! { email => state.i18n.t(ctx.locale, key) } },
            );
        }
    };
    // Keyed on the address typed, account or not: a refusal reveals nothing.
    if state
        .limits
        .check(Action::ResetToAccount, email.as_str())
        .is_err()
    {
        let key = "auth.error.too_many";
        return refused(&state, &ctx, "views/auth/forgot_password.html", &form, key);
    }
    if let Some(c) = queries::find_credentials(&state.db, email.as_str()).await?
        && c.active()
    {
        send_reset_link(&state, &ctx, c.id, &c.name, email.as_str()).await?;
    }
    Ok(ctx.redirect_with_flash(FlashLevel::Info, "auth.flash.reset_sent", "/login"))
}

/// E-mails a single-use password-reset link valid for an hour (forgotten password, or an
/// admin forcing a reset).
pub(crate) async fn send_reset_link(
    state: &AppState,
    ctx: &RequestContext,
    user_id: i64,
    name: &str,
    email: &str,
) -> AppResult<()> {
    let token = random_b64(32);
    queries::create_token(
        &state.db,
        user_id,
        TokenPurpose::ResetPassword,
        &token_hash(&token),
        &expires_in(1),
    )
    .await?;
    let link = format!("{}/reset-password/{token}", state.config.base_url);
    let body = state.templates.render(
        "views/mail/reset_password.txt",
        context! { locale => ctx.locale.code(), name, link },
    )?;
    send(state, ctx, email, name, "mail.reset.subject", body).await;
    Ok(())
}

pub async fn reset_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> AppResult<Response> {
    state.limits.check(Action::TokenFromIp, &ctx.ip)?;
    let valid = queries::peek_token(&state.db, TokenPurpose::ResetPassword, &token_hash(&token))
        .await?
        .is_some();
    if !valid {
        return Ok(ctx.redirect_with_flash(
            FlashLevel::Error,
            "auth.flash.link_invalid",
            "/forgot-password",
        ));
    }
    Ok(state
        .render(&ctx, "views/auth/reset_password.html", context! { token })?
        .into_response())
}

pub async fn reset(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    Form(form): Form<ResetForm>,
) -> AppResult<Response> {
    state.limits.check(Action::TokenFromIp, &ctx.ip)?;
    let password = match NewPassword::parse(&form.password, &form.password_confirm) {
        Ok(p) => p,
        Err(key) => {
            return state.render_status(
                &ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                "views/auth/reset_password.html",
                context! { token, errors => context! { password => state.i18n.t(ctx.locale, key) } },
            );
        }
    };
    let hash = password::hash(password.expose().to_owned()).await?;
    let Some(user_id) = queries::reset_password(&state.db, &token_hash(&token), &hash).await?
    else {
        return Ok(ctx.redirect_with_flash(
            FlashLevel::Error,
            "auth.flash.link_invalid",
            "/forgot-password",
        ));
    };
    // Whoever reset the password may be locking out someone who got in: every session ends.
    end_sessions(&state, user_id, Scope::All).await?;
    Ok(ctx.redirect_with_flash(FlashLevel::Success, "auth.flash.password_changed", "/login"))
}

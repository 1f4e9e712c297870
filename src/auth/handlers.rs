//! Sign-up, e-mail verification, log-in / log-out, forgotten password.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use minijinja::value::Serde;
use serde::Deserialize;
use tower_sessions::Session;

use super::model::{
    Email, ForgotForm, LoginForm, NewPassword, PersonName, ResetForm, Role, Roles, SignupForm,
    safe_next,
};
use super::password;
use super::queries::{self, NewUser, TokenPurpose};
use super::service::{self, LoginOutcome, account_key, send_reset_link, send_verification};
use super::sessions::{Scope, end_sessions, renew_for_sign_in};
use crate::error::AppResult;
use crate::state::AppState;
use crate::state::send_logged as send;
use crate::web::context::SESSION_USER_KEY;
use crate::web::rate_limit::Action;
use crate::web::tokens::sha256_hex as token_hash;
use crate::web::{Ctx, FlashLevel, RequestContext};

type Errors = BTreeMap<&'static str, String>;

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

pub async fn signup_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NextQuery>,
) -> AppResult<Response> {
    if ctx.user.is_some() {
        return Ok(Redirect::to(&safe_next(&q.next)).into_response());
    }
    let form = SignupForm {
        next: kept_next(&q.next),
        ..SignupForm::default()
    };
    Ok(state
        .render(
            &ctx,
            "views/auth/signup.html",
            context! { form => Serde(form) },
        )?
        .into_response())
}

/// `next` as a sign-up carries it to the log-in page: a local path, or nothing.
fn kept_next(next: &str) -> String {
    let safe = safe_next(next);
    if safe == next.trim() {
        safe
    } else {
        String::new()
    }
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
    if !state.limits.allows(Action::Signup, &ctx.ip).await? {
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
    let next = kept_next(&form.next);
    let to = if next.is_empty() {
        "/login".to_owned()
    } else {
        format!("/login?next={}", crate::web::context::urlencode(&next))
    };
    Ok(ctx.redirect_with_flash(FlashLevel::Success, "auth.flash.signup_done", &to))
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
    let next = safe_next(&form.next);
    let outcome = service::check_login(&state, &ctx, &form).await?;
    let retyped = LoginForm {
        password: String::new(),
        next: next.clone(),
        ..form
    };
    match outcome {
        LoginOutcome::Limited => {
            let key = "auth.error.too_many_password";
            refused(&state, &ctx, "views/auth/login.html", &retyped, key)
        }
        LoginOutcome::Refused {
            error_key,
            unverified,
        } => state.render_status(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            "views/auth/login.html",
            context! {
                form => Serde(retyped),
                form_error => state.i18n.t(ctx.locale, error_key),
                unverified,
            },
        ),
        LoginOutcome::SecondFactor(user_id, requirement) => {
            super::otp::start(&state, &ctx, &session, user_id, requirement, next).await
        }
        LoginOutcome::SignedIn(user_id) => {
            renew_for_sign_in(&state, &session).await?;
            session
                .insert(SESSION_USER_KEY, user_id)
                .await
                .map_err(|e| anyhow::anyhow!("session: {e}"))?;
            Ok(Redirect::to(&next).into_response())
        }
    }
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
    state.limits.check(Action::TokenFromIp, &ctx.ip).await?;
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
    state.limits.check(Action::TokenFromIp, &ctx.ip).await?;
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
    state.limits.check(Action::Reset, &ctx.ip).await?;
    // Keyed on the address typed, account or not: a refusal reveals nothing.
    state
        .limits
        .check(Action::VerifyToAccount, &account_key(&form.email))
        .await?;
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
    if !state.limits.allows(Action::Reset, &ctx.ip).await? {
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
    if !state
        .limits
        .allows(Action::ResetToAccount, email.as_str())
        .await?
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

pub async fn reset_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> AppResult<Response> {
    state.limits.check(Action::TokenFromIp, &ctx.ip).await?;
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
    state.limits.check(Action::TokenFromIp, &ctx.ip).await?;
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

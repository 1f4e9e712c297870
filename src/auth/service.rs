//! The account work behind the handlers, callable by other features: e-mailing verification
//! and reset links (sign-up, forgotten password, an admin's resend or forced reset), and
//! checking a log-in attempt.

use minijinja::context;

use super::model::{Email, LoginForm};
use super::otp::{self, Requirement};
use super::password;
use super::queries::{self, LoginAttempt, TokenPurpose};
use crate::error::AppResult;
use crate::state::AppState;
use crate::state::send_logged as send;
use crate::web::RequestContext;
use crate::web::csrf::random_b64;
use crate::web::rate_limit::Action;
use crate::web::tokens::sha256_hex as token_hash;

fn expires_in(state: &AppState, hours: i64) -> String {
    crate::db::timestamp(state.clock.now() + time::Duration::hours(hours))
}

/// The key of per-account rate limits: the normalised address, or the raw text lower-cased.
pub fn account_key(typed: &str) -> String {
    Email::parse(typed).map_or_else(|_| typed.trim().to_lowercase(), |e| e.as_str().to_owned())
}

/// E-mails a fresh verification link valid for 48 hours (sign-up, resend, an admin's resend).
/// A failure is logged, not returned: the visitor sees the same answer either way.
pub async fn send_verification(
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
        &expires_in(state, 48),
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

/// E-mails a single-use password-reset link valid for an hour (forgotten password, or an
/// admin forcing a reset).
pub async fn send_reset_link(
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
        &expires_in(state, 1),
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

/// What a log-in attempt comes to.
pub enum LoginOutcome {
    /// Too many attempts from this address or on this account.
    Limited,
    /// Wrong credentials, a suspended or an unverified account: the catalogue key to show.
    Refused {
        error_key: &'static str,
        unverified: bool,
    },
    /// The password is right and a second factor is required.
    SecondFactor(i64, Requirement),
    /// The password is right and nothing more is asked.
    SignedIn(i64),
}

/// Checks a log-in form: rate limits, the password (in constant work whether the account
/// exists or not), the account's state and its second factor; records the attempt in the login
/// history unless a second factor is still to come ('ok' is recorded after the code).
pub async fn check_login(
    state: &AppState,
    ctx: &RequestContext,
    form: &LoginForm,
) -> AppResult<LoginOutcome> {
    let account_key = account_key(&form.email);
    if !state.limits.allows(Action::LoginFromIp, &ctx.ip).await?
        || !state
            .limits
            .allows(Action::LoginToAccount, &account_key)
            .await?
    {
        return Ok(LoginOutcome::Limited);
    }
    let credentials = match Email::parse(&form.email) {
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
    let second_factor = match (user_id, reason) {
        (Some(id), "ok") => otp::requirement(state, id).await?,
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
    Ok(match (user_id, reason, second_factor) {
        (Some(id), "ok", Some(requirement)) => LoginOutcome::SecondFactor(id, requirement),
        (Some(id), "ok", None) => LoginOutcome::SignedIn(id),
        _ => LoginOutcome::Refused {
            error_key,
            unverified: reason == "unverified",
        },
    })
}

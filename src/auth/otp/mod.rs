//! Second factor: who needs one, the pending log-in, codes (e-mailed, TOTP, recovery) and their
//! checks; the code step of the log-in in `login.rs`, the settings under
//! `/profile/security/otp` (enrol, confirm, recovery codes, disable) in `settings.rs`.

mod login;
mod settings;

pub use login::{code_page, resend_code, submit_code};
pub use settings::{
    cancel, confirm_email, confirm_totp, disable, regenerate_recovery, send_code, settings_page,
    start_email, start_totp,
};

use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use rand::Rng;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use super::model::{Role, Roles};
use super::queries::{self, LoginAttempt, OtpAccount};
use crate::clock::Clock;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::context::SESSION_USER_KEY;
use crate::web::rate_limit::Action;
use crate::web::tokens::sha256_hex;
use crate::web::{FlashLevel, RequestContext};

/// Session key of a log-in waiting for its second factor.
const PENDING_KEY: &str = "otp_pending";
/// Session key of a TOTP secret being enrolled (base32).
const ENROL_TOTP_KEY: &str = "otp_enrol_totp";
/// Session key set while an e-mail test code awaits confirmation.
const ENROL_EMAIL_KEY: &str = "otp_enrol_email";
/// How long the code step (and an e-mailed code) stays valid.
const PENDING_SECONDS: i64 = 600;
/// Wrong tries after which an e-mailed code is void.
const MAX_ATTEMPTS: i64 = 5;
const RECOVERY_COUNT: usize = 10;
const SETTINGS_PATH: &str = "/profile/security/otp";

/// A password-checked log-in waiting for its second factor (or, with `setup`, for an admin to
/// enrol one because the platform requires it).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Pending {
    user_id: i64,
    next: String,
    started_at: i64,
    setup: bool,
}

impl Pending {
    fn fresh(&self, clock: &Clock) -> bool {
        clock.unix() - self.started_at < PENDING_SECONDS
    }
}

fn email_code_hash(user_id: i64, code: &str) -> String {
    sha256_hex(&format!("otp:{user_id}:{code}"))
}

fn recovery_hash(user_id: i64, code: &str) -> String {
    sha256_hex(&format!("recovery:{user_id}:{code}"))
}

fn session_err(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("session: {e}"))
}

/// What the second factor of an account requires after a correct password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requirement {
    /// Ask for a code (the account has a method).
    Code,
    /// Admin without a method while the platform requires one: enrol before anything else.
    Setup,
}

/// `None` when the password alone logs the user in.
pub async fn requirement(state: &AppState, user_id: i64) -> AppResult<Option<Requirement>> {
    let Some(account) = queries::find_otp_account(&state.db, user_id).await? else {
        return Ok(None);
    };
    if account.otp_method.is_some() {
        return Ok(Some(Requirement::Code));
    }
    if Roles::parse(&account.roles).grants(Role::Admin)
        && queries::platform_setting(&state.db, "admin_otp_required")
            .await?
            .as_deref()
            == Some("true")
    {
        return Ok(Some(Requirement::Setup));
    }
    Ok(None)
}

/// Starts the code step after a correct password: pending state, new session id, e-mailed code.
pub async fn start(
    state: &AppState,
    ctx: &RequestContext,
    session: &Session,
    user_id: i64,
    requirement: Requirement,
    next: String,
) -> AppResult<Response> {
    let pending = Pending {
        user_id,
        next,
        started_at: state.clock.unix(),
        setup: requirement == Requirement::Setup,
    };
    super::sessions::renew_for_sign_in(state, session).await?;
    session
        .remove_value(SESSION_USER_KEY)
        .await
        .map_err(session_err)?;
    session
        .insert(PENDING_KEY, &pending)
        .await
        .map_err(session_err)?;
    if requirement == Requirement::Setup {
        return Ok(ctx.redirect_with_flash(
            FlashLevel::Info,
            "otp.flash.setup_required",
            SETTINGS_PATH,
        ));
    }
    if let Some(account) = queries::find_otp_account(&state.db, user_id).await?
        && account.otp_method.as_deref() == Some("email")
        && state
            .limits
            .allows(Action::OtpSend, &user_id.to_string())
            .await?
    {
        send_email_code(state, ctx, &account).await?;
    }
    Ok(Redirect::to("/login/code").into_response())
}

async fn pending(session: &Session, clock: &Clock) -> AppResult<Option<Pending>> {
    let p: Option<Pending> = session.get(PENDING_KEY).await.map_err(session_err)?;
    Ok(p.filter(|p| p.fresh(clock)))
}

async fn send_email_code(
    state: &AppState,
    ctx: &RequestContext,
    account: &OtpAccount,
) -> AppResult<()> {
    let code = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
    let expires =
        crate::db::timestamp(state.clock.now() + time::Duration::seconds(PENDING_SECONDS));
    queries::create_otp_code(
        &state.db,
        account.id,
        &email_code_hash(account.id, &code),
        &expires,
    )
    .await?;
    let body = state.templates.render(
        "views/mail/otp_code.txt",
        context! { locale => ctx.locale.code(), name => &account.name, code },
    )?;
    crate::state::send_logged(
        state,
        ctx,
        &account.email,
        &account.name,
        "otp.mail.subject",
        body,
    )
    .await;
    Ok(())
}

/// Checks an e-mailed code: unused, unexpired, fewer than 5 wrong tries; used once.
async fn check_email_code(state: &AppState, user_id: i64, code: &str) -> AppResult<bool> {
    let Some(row) = queries::current_otp_code(&state.db, user_id).await? else {
        return Ok(false);
    };
    if row.expires_at <= state.db.now() || row.attempts >= MAX_ATTEMPTS {
        return Ok(false);
    }
    if row.code_hash == email_code_hash(user_id, code) {
        return Ok(queries::use_otp_code(&state.db, row.id).await?);
    }
    queries::fail_otp_code(&state.db, row.id).await?;
    Ok(false)
}

fn totp_for(secret_b32: &str, account_name: &str) -> AppResult<totp_rs::Totp> {
    let secret = totp_rs::Secret::try_from_base32(secret_b32)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("totp secret: {e:?}")))?;
    totp_rs::Builder::new()
        .with_secret(secret)
        .with_issuer(Some("TechLearnJess"))
        .with_account_name(account_name.replace(':', ""))
        .build()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("totp: {e:?}")))
}

/// Checks a TOTP code (±1 step) and claims its time step so that it works only once. The step
/// comes from the system time, as on the user's authenticator: the platform clock that tests
/// move does not apply to a protocol shared with a phone.
async fn check_totp(
    state: &AppState,
    user_id: i64,
    secret_b32: &str,
    code: &str,
) -> AppResult<bool> {
    let totp = totp_for(secret_b32, "")?;
    match totp.check_current(code) {
        Some(step) => Ok(queries::claim_totp_step(&state.db, user_id, step).await?),
        None => Ok(false),
    }
}

fn normalize(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_lowercase)
        .take(32)
        .collect()
}

/// Checks a code typed at the code step: the account's method, or a recovery code.
async fn check_code(state: &AppState, account: &OtpAccount, raw: &str) -> AppResult<bool> {
    let code = normalize(raw);
    if code.len() == 6 && code.chars().all(|c| c.is_ascii_digit()) {
        return match (
            account.otp_method.as_deref(),
            account.totp_secret.as_deref(),
        ) {
            (Some("email"), _) => check_email_code(state, account.id, &code).await,
            (Some("totp"), Some(secret)) => check_totp(state, account.id, secret, &code).await,
            _ => Ok(false),
        };
    }
    if code.len() == 8 && code.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Ok(queries::use_recovery_code(
            &state.db,
            account.id,
            &recovery_hash(account.id, &code),
        )
        .await?);
    }
    Ok(false)
}

/// Ten new recovery codes (`abcd-efgh`), stored hashed; the plain codes are returned once.
async fn new_recovery_codes(state: &AppState, user_id: i64) -> AppResult<Vec<String>> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let codes: Vec<String> = (0..RECOVERY_COUNT)
        .map(|_| {
            let mut rng = rand::rng();
            let raw: String = (0..8)
                .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
                .collect();
            format!("{}-{}", &raw[..4], &raw[4..])
        })
        .collect();
    let hashes: Vec<String> = codes
        .iter()
        .map(|c| recovery_hash(user_id, &normalize(c)))
        .collect();
    queries::replace_recovery_codes(&state.db, user_id, &hashes).await?;
    Ok(codes)
}

/// Signs the pending user in: new session id, user key set, pending state removed.
async fn complete_login(session: &Session, user_id: i64) -> AppResult<()> {
    session.cycle_id().await.map_err(session_err)?;
    session
        .remove_value(PENDING_KEY)
        .await
        .map_err(session_err)?;
    session
        .insert(SESSION_USER_KEY, user_id)
        .await
        .map_err(session_err)?;
    Ok(())
}

async fn record(
    state: &AppState,
    ctx: &RequestContext,
    account: &OtpAccount,
    ok: bool,
) -> AppResult<()> {
    queries::record_login(
        &state.db,
        LoginAttempt {
            user_id: Some(account.id),
            email: &account.email,
            ip: &ctx.ip,
            user_agent: &ctx.user_agent,
            success: ok,
            reason: if ok { "ok" } else { "otp_failed" },
        },
    )
    .await?;
    Ok(())
}

/// The code form of the log-in step and of the settings (with the password there).
#[derive(Debug, Default, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    pub(crate) code: String,
    #[serde(default)]
    pub(crate) password: String,
}

//! Second factor: the code step of the log-in (e-mailed code, TOTP or recovery code) and the
//! settings under `/profile/security/otp` (enrol, confirm, recovery codes, disable).

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use rand::Rng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tower_sessions::Session;

use super::model::{Role, Roles, safe_next};
use super::password;
use super::queries::{self, LoginAttempt, OtpAccount};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::context::SESSION_USER_KEY;
use crate::web::rate_limit::Action;
use crate::web::{Ctx, FlashLevel, RequestContext};

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
    fn fresh(&self) -> bool {
        unix_now() - self.started_at < PENDING_SECONDS
    }
}

fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn sha256_hex(input: &str) -> String {
    Sha256::digest(input.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
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
        started_at: unix_now(),
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
            .check(Action::OtpSend, &user_id.to_string())
            .is_ok()
    {
        send_email_code(state, ctx, &account).await?;
    }
    Ok(Redirect::to("/login/code").into_response())
}

async fn pending(session: &Session) -> AppResult<Option<Pending>> {
    let p: Option<Pending> = session.get(PENDING_KEY).await.map_err(session_err)?;
    Ok(p.filter(Pending::fresh))
}

async fn send_email_code(
    state: &AppState,
    ctx: &RequestContext,
    account: &OtpAccount,
) -> AppResult<()> {
    let code = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
    let expires = crate::db::timestamp(
        time::OffsetDateTime::now_utc() + time::Duration::seconds(PENDING_SECONDS),
    );
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
    if row.expires_at <= crate::db::now() || row.attempts >= MAX_ATTEMPTS {
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

/// Checks a TOTP code (±1 step) and claims its time step so that it works only once.
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

#[derive(Debug, Default, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    password: String,
}

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
    let Some(p) = pending(&session).await? else {
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
    let Some(p) = pending(&session).await? else {
        return Ok(ctx.redirect_with_flash(FlashLevel::Info, "otp.flash.step_expired", "/login"));
    };
    if p.setup {
        return Ok(Redirect::to(SETTINGS_PATH).into_response());
    }
    state.limits.check(Action::OtpFromIp, &ctx.ip)?;
    state
        .limits
        .check(Action::OtpCode, &p.user_id.to_string())?;
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
    let Some(p) = pending(&session).await? else {
        return Ok(ctx.redirect_with_flash(FlashLevel::Info, "otp.flash.step_expired", "/login"));
    };
    state.limits.check(Action::OtpFromIp, &ctx.ip)?;
    state
        .limits
        .check(Action::OtpSend, &p.user_id.to_string())?;
    if let Some(account) = queries::find_otp_account(&state.db, p.user_id).await?
        && account.otp_method.as_deref() == Some("email")
    {
        send_email_code(&state, &ctx, &account).await?;
    }
    Ok(ctx.redirect_with_flash(FlashLevel::Info, "otp.flash.resent", "/login/code"))
}

/// Who may use the settings: the signed-in user, or an admin in the forced-setup step.
struct Actor {
    account: OtpAccount,
    setup: Option<Pending>,
}

async fn actor(state: &AppState, ctx: &RequestContext, session: &Session) -> AppResult<Actor> {
    let (user_id, setup) = match &ctx.user {
        Some(u) => (u.id, None),
        None => match pending(session).await? {
            Some(p) if p.setup => (p.user_id, Some(p)),
            _ => return Err(AppError::LoginRequired),
        },
    };
    let account = queries::find_otp_account(&state.db, user_id)
        .await?
        .ok_or(AppError::LoginRequired)?;
    Ok(Actor { account, setup })
}

impl Actor {
    /// The current password, except in the forced-setup step (typed moments ago).
    async fn password_ok(&self, typed: &str) -> bool {
        self.setup.is_some()
            || password::verify(typed.to_owned(), Some(self.account.password_hash.clone())).await
    }
}

#[derive(Default, Serialize)]
struct SettingsView {
    method: Option<String>,
    setup: bool,
    email_confirm: bool,
    totp_secret: Option<String>,
    qr_svg: Option<String>,
    recovery_codes: Vec<String>,
    recovery_left: i64,
    next: String,
    error: Option<String>,
    error_field: &'static str,
}

fn qr_svg(uri: &str) -> AppResult<String> {
    use qrcode::render::svg;
    let code = qrcode::QrCode::new(uri.as_bytes())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("qr code: {e}")))?;
    let image = code
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build();
    Ok(image
        .find("<svg")
        .map_or(image.as_str(), |i| &image[i..])
        .replacen("<svg ", "<svg role=\"img\" ", 1))
}

async fn settings_view(
    state: &AppState,
    session: &Session,
    actor: &Actor,
) -> AppResult<SettingsView> {
    let enrol_secret: Option<String> = session.get(ENROL_TOTP_KEY).await.map_err(session_err)?;
    let email_confirm = session
        .get::<bool>(ENROL_EMAIL_KEY)
        .await
        .map_err(session_err)?
        .unwrap_or(false);
    let qr = match &enrol_secret {
        Some(s) => {
            let uri = totp_for(s, &actor.account.email)?
                .to_url()
                .map_err(|e| AppError::Internal(anyhow::anyhow!("otpauth: {e:?}")))?;
            Some(qr_svg(&uri)?)
        }
        None => None,
    };
    Ok(SettingsView {
        method: actor.account.otp_method.clone(),
        setup: actor.setup.is_some(),
        email_confirm,
        totp_secret: enrol_secret,
        qr_svg: qr,
        recovery_left: queries::recovery_codes_left(&state.db, actor.account.id).await?,
        next: actor
            .setup
            .as_ref()
            .map(|p| p.next.clone())
            .unwrap_or_default(),
        ..SettingsView::default()
    })
}

fn render_settings(
    state: &AppState,
    ctx: &RequestContext,
    status: StatusCode,
    view: SettingsView,
) -> AppResult<Response> {
    state.render_status(
        ctx,
        status,
        "views/auth/otp_settings.html",
        context! { otp => minijinja::value::Serde(view) },
    )
}

async fn form_error(
    state: &AppState,
    ctx: &RequestContext,
    session: &Session,
    actor: &Actor,
    field: &'static str,
    key: &str,
) -> AppResult<Response> {
    let mut view = settings_view(state, session, actor).await?;
    view.error = Some(state.i18n.t(ctx.locale, key).to_owned());
    view.error_field = field;
    render_settings(state, ctx, StatusCode::UNPROCESSABLE_ENTITY, view)
}

/// `GET /profile/security/otp`
pub async fn settings_page(
    State(state): State<AppState>,
    ctx: Ctx,
    session: Session,
) -> AppResult<Response> {
    let actor = actor(&state, &ctx, &session).await?;
    let view = settings_view(&state, &session, &actor).await?;
    render_settings(&state, &ctx, StatusCode::OK, view)
}

/// `POST /profile/security/otp/email`: password, then a test code is e-mailed.
pub async fn start_email(
    State(state): State<AppState>,
    ctx: Ctx,
    session: Session,
    Form(form): Form<CodeForm>,
) -> AppResult<Response> {
    let actor = actor(&state, &ctx, &session).await?;
    if !actor.password_ok(&form.password).await {
        return form_error(
            &state,
            &ctx,
            &session,
            &actor,
            "password",
            "otp.error.bad_password",
        )
        .await;
    }
    state
        .limits
        .check(Action::OtpSend, &actor.account.id.to_string())?;
    send_email_code(&state, &ctx, &actor.account).await?;
    session
        .remove_value(ENROL_TOTP_KEY)
        .await
        .map_err(session_err)?;
    session
        .insert(ENROL_EMAIL_KEY, true)
        .await
        .map_err(session_err)?;
    Ok(ctx.redirect_with_flash(FlashLevel::Info, "otp.flash.test_code_sent", SETTINGS_PATH))
}

/// `POST /profile/security/otp/email/confirm`
pub async fn confirm_email(
    State(state): State<AppState>,
    ctx: Ctx,
    session: Session,
    Form(form): Form<CodeForm>,
) -> AppResult<Response> {
    let actor = actor(&state, &ctx, &session).await?;
    state
        .limits
        .check(Action::OtpCode, &actor.account.id.to_string())?;
    let enrolling = session
        .get::<bool>(ENROL_EMAIL_KEY)
        .await
        .map_err(session_err)?
        .unwrap_or(false);
    if !enrolling || !check_email_code(&state, actor.account.id, &normalize(&form.code)).await? {
        return form_error(&state, &ctx, &session, &actor, "code", "otp.error.bad_code").await;
    }
    queries::set_otp_method(&state.db, actor.account.id, Some("email"), None).await?;
    session
        .remove_value(ENROL_EMAIL_KEY)
        .await
        .map_err(session_err)?;
    if let Some(p) = &actor.setup {
        complete_login(&session, actor.account.id).await?;
        return Ok(ctx.redirect_with_flash(
            FlashLevel::Success,
            "otp.flash.enabled",
            &safe_next(&p.next),
        ));
    }
    Ok(ctx.redirect_with_flash(FlashLevel::Success, "otp.flash.enabled", SETTINGS_PATH))
}

/// `POST /profile/security/otp/totp`: password, then a new secret to scan.
pub async fn start_totp(
    State(state): State<AppState>,
    ctx: Ctx,
    session: Session,
    Form(form): Form<CodeForm>,
) -> AppResult<Response> {
    let actor = actor(&state, &ctx, &session).await?;
    if !actor.password_ok(&form.password).await {
        return form_error(
            &state,
            &ctx,
            &session,
            &actor,
            "password",
            "otp.error.bad_password",
        )
        .await;
    }
    let mut bytes = [0u8; 20];
    rand::rng().fill(&mut bytes);
    let secret = totp_rs::Secret::from(bytes).to_base32();
    session
        .remove_value(ENROL_EMAIL_KEY)
        .await
        .map_err(session_err)?;
    session
        .insert(ENROL_TOTP_KEY, secret)
        .await
        .map_err(session_err)?;
    Ok(Redirect::to(SETTINGS_PATH).into_response())
}

/// `POST /profile/security/otp/totp/confirm`: a current code turns TOTP on; recovery codes shown once.
pub async fn confirm_totp(
    State(state): State<AppState>,
    ctx: Ctx,
    session: Session,
    Form(form): Form<CodeForm>,
) -> AppResult<Response> {
    let actor = actor(&state, &ctx, &session).await?;
    state
        .limits
        .check(Action::OtpCode, &actor.account.id.to_string())?;
    let Some(secret) = session
        .get::<String>(ENROL_TOTP_KEY)
        .await
        .map_err(session_err)?
    else {
        return Ok(Redirect::to(SETTINGS_PATH).into_response());
    };
    if !check_totp(&state, actor.account.id, &secret, &normalize(&form.code)).await? {
        return form_error(&state, &ctx, &session, &actor, "code", "otp.error.bad_code").await;
    }
    queries::set_otp_method(&state.db, actor.account.id, Some("totp"), Some(&secret)).await?;
    session
        .remove_value(ENROL_TOTP_KEY)
        .await
        .map_err(session_err)?;
    let codes = new_recovery_codes(&state, actor.account.id).await?;
    if actor.setup.is_some() {
        complete_login(&session, actor.account.id).await?;
    }
    let view = SettingsView {
        method: Some("totp".into()),
        recovery_codes: codes,
        recovery_left: RECOVERY_COUNT as i64,
        next: actor
            .setup
            .as_ref()
            .map(|p| safe_next(&p.next))
            .unwrap_or_default(),
        ..SettingsView::default()
    };
    render_settings(&state, &ctx, StatusCode::OK, view)
}

/// `POST /profile/security/otp/cancel`: drops an unfinished enrolment.
pub async fn cancel(ctx: Ctx, session: Session) -> AppResult<Response> {
    session
        .remove_value(ENROL_TOTP_KEY)
        .await
        .map_err(session_err)?;
    session
        .remove_value(ENROL_EMAIL_KEY)
        .await
        .map_err(session_err)?;
    let _ = ctx;
    Ok(Redirect::to(SETTINGS_PATH).into_response())
}

/// `POST /profile/security/otp/send-code`: an e-mailed code, to confirm turning it off.
pub async fn send_code(
    State(state): State<AppState>,
    ctx: Ctx,
    session: Session,
) -> AppResult<Response> {
    let actor = actor(&state, &ctx, &session).await?;
    if actor.account.otp_method.as_deref() == Some("email") {
        state
            .limits
            .check(Action::OtpSend, &actor.account.id.to_string())?;
        send_email_code(&state, &ctx, &actor.account).await?;
    }
    Ok(ctx.redirect_with_flash(FlashLevel::Info, "otp.flash.resent", SETTINGS_PATH))
}

/// `POST /profile/security/otp/disable`: password and a valid code (or a recovery code).
pub async fn disable(
    State(state): State<AppState>,
    ctx: Ctx,
    session: Session,
    Form(form): Form<CodeForm>,
) -> AppResult<Response> {
    let actor = actor(&state, &ctx, &session).await?;
    if actor.setup.is_some() || actor.account.otp_method.is_none() {
        return Ok(Redirect::to(SETTINGS_PATH).into_response());
    }
    state
        .limits
        .check(Action::OtpCode, &actor.account.id.to_string())?;
    if !actor.password_ok(&form.password).await {
        return form_error(
            &state,
            &ctx,
            &session,
            &actor,
            "disable",
            "otp.error.bad_password",
        )
        .await;
    }
    if !check_code(&state, &actor.account, &form.code).await? {
        return form_error(
            &state,
            &ctx,
            &session,
            &actor,
            "disable",
            "otp.error.bad_code",
        )
        .await;
    }
    queries::set_otp_method(&state.db, actor.account.id, None, None).await?;
    queries::clear_otp_codes(&state.db, actor.account.id).await?;
    Ok(ctx.redirect_with_flash(FlashLevel::Success, "otp.flash.disabled", SETTINGS_PATH))
}

/// `POST /profile/security/otp/recovery`: password, then ten new recovery codes shown once.
pub async fn regenerate_recovery(
    State(state): State<AppState>,
    ctx: Ctx,
    session: Session,
    Form(form): Form<CodeForm>,
) -> AppResult<Response> {
    let actor = actor(&state, &ctx, &session).await?;
    if actor.setup.is_some() || actor.account.otp_method.is_none() {
        return Ok(Redirect::to(SETTINGS_PATH).into_response());
    }
    if !actor.password_ok(&form.password).await {
        return form_error(
            &state,
            &ctx,
            &session,
            &actor,
            "recovery",
            "otp.error.bad_password",
        )
        .await;
    }
    let codes = new_recovery_codes(&state, actor.account.id).await?;
    let mut view = settings_view(&state, &session, &actor).await?;
    view.recovery_codes = codes;
    view.recovery_left = RECOVERY_COUNT as i64;
    render_settings(&state, &ctx, StatusCode::OK, view)
}

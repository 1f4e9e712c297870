//! Second-factor settings under `/profile/security/otp`: enrolling by e-mail or TOTP,
//! confirming, recovery codes, disabling (also the forced set-up of an admin at log-in).

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use rand::Rng;
use serde::Serialize;
use tower_sessions::Session;

use super::*;
use crate::auth::model::safe_next;
use crate::auth::password;
use crate::auth::queries::{self, OtpAccount};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::rate_limit::Action;
use crate::web::{Ctx, FlashLevel, RequestContext};

/// Who may use the settings: the signed-in user, or an admin in the forced-setup step.
struct Actor {
    account: OtpAccount,
    setup: Option<Pending>,
}

async fn actor(state: &AppState, ctx: &RequestContext, session: &Session) -> AppResult<Actor> {
    let (user_id, setup) = match &ctx.user {
        Some(u) => (u.id, None),
        None => match pending(session, &state.clock).await? {
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
        .check(Action::OtpSend, &actor.account.id.to_string())
        .await?;
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
        .check(Action::OtpCode, &actor.account.id.to_string())
        .await?;
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
        .check(Action::OtpCode, &actor.account.id.to_string())
        .await?;
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
            .check(Action::OtpSend, &actor.account.id.to_string())
            .await?;
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
        .check(Action::OtpCode, &actor.account.id.to_string())
        .await?;
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

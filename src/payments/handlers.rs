//! "Mes paiements", provider callbacks, and the sandbox's fake phone page.

use std::sync::Arc;

use axum::Form;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};

use super::model::{Status, is_reference};
use super::providers::ProviderKind;
use super::queries::{self, PaymentRow};
use super::sandbox::SandboxOutcome;
use super::service::Payments;
use super::{msisdn, worker};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::money::{Money, UnknownCurrency};
use crate::state::AppState;
use crate::web::context::RequestContext;
use crate::web::{Ctx, FlashLevel};

#[derive(Serialize)]
struct Line {
    reference: String,
    course_title: String,
    course_slug: String,
    amount: String,
    status: String,
    wallet: String,
    created_at: String,
    invoice_number: Option<String>,
    refunded: bool,
}

fn line(state: &AppState, p: &PaymentRow, ctx: &RequestContext) -> Result<Line, UnknownCurrency> {
    Ok(Line {
        reference: p.reference.clone(),
        course_title: super::checkout::item_title(state, ctx.locale, p),
        course_slug: p.course_slug.clone(),
        amount: Money::parse(p.amount_minor, &p.currency)?.format(ctx.locale),
        status: p.status.clone(),
        wallet: p.wallet.clone(),
        created_at: ctx.time(&p.created_at, crate::web::time::Style::DateTime),
        invoice_number: p.invoice_number.clone(),
        refunded: p.refunded_at.is_some(),
    })
}

/// `GET /payments`: the learner's payments and receipts.
pub async fn my_payments(State(state): State<AppState>, Ctx(ctx): Ctx) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let rows = queries::for_user(&state.db, user.id).await?;
    let lines: Vec<Line> = rows
        .iter()
        .map(|p| line(&state, p, &ctx))
        .collect::<Result<_, _>>()?;
    Ok(state
        .render(
            &ctx,
            "views/payments/list.html",
            context! { payments => Serde(&lines) },
        )?
        .into_response())
}

fn ack() -> Response {
    (
        StatusCode::OK,
        [("content-type", "application/json")],
        r#"{"status":"received","output_ResponseCode":"0"}"#,
    )
        .into_response()
}

/// `POST /payments/callback/{provider}` (no session, no CSRF: see `callback_routes`). Always a fast
/// 200 for a known provider. The callback is a hint: it is verified (hash, notif_token) and
/// then the payment is queried back with the provider, in the background, before anything
/// changes. Duplicates, early and late callbacks end the same way: in the provider's status.
pub async fn callback(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Response> {
    receive_callback(state, provider, None, headers, body)
        .await
        .inspect_err(log_failure)
}

/// `POST /payments/callback/{provider}/{reference}`: the per-payment URL given to providers
/// that take one (Orange's notif_url carries no order id; FlexPay recommends it).
pub async fn callback_for(
    State(state): State<AppState>,
    Path((provider, reference)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Response> {
    receive_callback(state, provider, Some(reference), headers, body)
        .await
        .inspect_err(log_failure)
}

/// Callbacks are mounted outside the request-context layer (no CSRF, no session), which logs
/// every other route's server errors: they log their own.
fn log_failure(e: &AppError) {
    if e.status().is_server_error() {
        tracing::error!(error = ?e, "payments: callback failed");
    }
}

async fn receive_callback(
    state: AppState,
    provider: String,
    path_reference: Option<String>,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Response> {
    let kind = ProviderKind::parse(&provider).ok_or(AppError::NotFound)?;
    let adapter = state.payments.provider(kind).ok_or(AppError::NotFound)?;
    let hint = match adapter.parse_callback(&headers, &body) {
        Ok(h) => h,
        Err(e) => {
            tracing::warn!(payment.provider = kind.code(), error = %e, "payments: callback refused");
            return Ok(ack());
        }
    };
    if let (Some(path), Some(claimed)) = (&path_reference, &hint.reference)
        && path != claimed
    {
        tracing::warn!(
            payment.provider = kind.code(),
            "payments: callback reference mismatch"
        );
        return Ok(ack());
    }
    let mut payment = None;
    let reference = hint.reference.as_deref().or(path_reference.as_deref());
    if let Some(r) = reference.filter(|r| is_reference(r)) {
        payment = queries::by_reference(&state.db, r).await?;
    }
    if payment.is_none()
        && let Some(pr) = hint.provider_ref.as_deref()
    {
        payment = queries::by_provider_ref(&state.db, kind.code(), pr).await?;
    }
    let Some(p) = payment.filter(|p| p.provider == kind.code()) else {
        tracing::warn!(
            payment.provider = kind.code(),
            "payments: callback for an unknown payment"
        );
        return Ok(ack());
    };
    let raw = hint.raw.to_string();
    if let Some(expected) = &p.callback_secret {
        let ok = hint
            .secret
            .as_deref()
            .is_some_and(|s| crate::web::tokens::constant_time_eq(s, expected));
        if !ok {
            tracing::warn!(payment.reference = %p.reference, "payments: callback with an invalid token");
            queries::note(&state.db, p.id, &p.status, "callback_rejected", &raw).await?;
            return Ok(ack());
        }
    }
    queries::note(&state.db, p.id, &p.status, "callback", &raw).await?;
    let bg = state.clone();
    state.tasks.spawn(async move {
        if let Err(e) = worker::check(&bg, &p, "callback").await {
            tracing::warn!(error = %e, payment.reference = %p.reference, "payments: status check after a callback failed");
        }
    });
    Ok(ack())
}

/// The payment behind a fake phone page: sandbox mode and a sandbox payment only (404
/// otherwise), the payer or an admin.
async fn sandbox_payment(
    db: &Db,
    payments: &Payments,
    ctx: &RequestContext,
    reference: &str,
) -> AppResult<PaymentRow> {
    if !payments.sandbox_enabled() {
        return Err(AppError::NotFound);
    }
    super::access::for_phone(db, ctx.require_user()?, reference).await
}

/// `GET /payments/sandbox/{reference}`: the phone's part ("Entrez votre code PIN").
pub async fn sandbox_phone(
    State(state): State<AppState>,
    State(payments): State<Arc<Payments>>,
    Ctx(ctx): Ctx,
    Path(reference): Path<String>,
) -> AppResult<Response> {
    let p = sandbox_payment(&state.db, &payments, &ctx, &reference).await?;
    let fake = payments
        .sandbox
        .as_ref()
        .and_then(|s| s.payment(&p.reference));
    let waiting = fake
        .as_ref()
        .is_some_and(|f| f.status == super::providers::ProviderStatus::Pending)
        && !p.status().is_final();
    Ok(state
        .render(
            &ctx,
            "views/payments/sandbox_phone.html",
            context! {
                reference => &p.reference,
                amount => Money::parse(p.amount_minor, &p.currency)?.format(ctx.locale),
                course_title => super::checkout::item_title(&state, ctx.locale, &p),
                phone => msisdn::display(&p.msisdn),
                wallet => &p.wallet,
                known => fake.is_some(),
                waiting,
                status => p.status.clone(),
            },
        )?
        .into_response())
}

#[derive(Deserialize)]
pub struct PhoneForm {
    #[serde(default)]
    outcome: String,
}

/// `POST /payments/sandbox/{reference}`: accept / refuse / let expire, then query back.
pub async fn sandbox_resolve(
    State(state): State<AppState>,
    State(payments): State<Arc<Payments>>,
    Ctx(ctx): Ctx,
    Path(reference): Path<String>,
    Form(form): Form<PhoneForm>,
) -> AppResult<Response> {
    let p = sandbox_payment(&state.db, &payments, &ctx, &reference).await?;
    let outcome = match form.outcome.as_str() {
        "confirm" => SandboxOutcome::Confirm,
        "refuse" => SandboxOutcome::Refuse,
        "expire" => SandboxOutcome::Expire,
        _ => return Err(AppError::BadRequest("payments.sandbox.bad_outcome")),
    };
    let sandbox = payments.sandbox.clone().ok_or(AppError::NotFound)?;
    let back = format!("/payments/sandbox/{}", p.reference);
    if let Err(e) = sandbox.resolve(&p.reference, outcome).await {
        tracing::info!(payment.reference = %p.reference, error = %e, "payments: sandbox outcome not applied");
        return Ok(ctx.redirect_with_flash(
            FlashLevel::Error,
            "payments.sandbox.not_waiting",
            &back,
        ));
    }
    // Query back at once (the poller would within 15 s) so the waiting page updates quickly.
    // M-Pesa answers its blocked initiation instead: give it a moment.
    if p.provider == ProviderKind::Mpesa.code() {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    if let Some(fresh) = queries::by_reference(&state.db, &p.reference).await?
        && !matches!(fresh.status(), Status::Succeeded | Status::Failed)
    {
        worker::check(&state, &fresh, "sandbox").await?;
    }
    Ok(ctx.redirect_with_flash(FlashLevel::Success, "payments.sandbox.sent", &back))
}

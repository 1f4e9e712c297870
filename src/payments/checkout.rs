//! Checkout of a paid course: the quote in both currencies, the form (wallet, currency, phone),
//! the payment's creation and its initiation with the routed provider (in the background: an
//! M-Pesa initiation blocks during the PIN prompt), and the waiting page polled by htmx.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::model::{Status, new_reference};
use super::providers::{PaymentRequest, ProviderError, ProviderKind, Wallet};
use super::queries::{self, NewPayment, PaymentRow};
use super::quotes::{self, reference_price};
use super::{msisdn, rates, worker};
use crate::courses::access::{self, CourseRef};
use crate::db;
use crate::error::{AppError, AppResult};
use crate::money::{Currency, Money};
use crate::state::AppState;
use crate::web::Ctx;
use crate::web::context::RequestContext;

/// Payments a learner may start within 10 minutes.
const MAX_PAYMENTS_PER_10_MIN: i64 = 6;

/// What the checkout form sends: the learner's choices and the quote's token, never a rate or
/// an amount (those stay on the server with the quote).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct CheckoutForm {
    #[serde(default)]
    pub wallet: String,
    #[serde(default)]
    pub currency: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub quote_id: String,
}

#[derive(Serialize)]
struct QuoteView {
    currency: &'static str,
    amount: String,
    available: bool,
    error: Option<String>,
}

/// The course, if the signed-in learner may buy it; `Err(redirect)` when there is nothing to
/// buy (free, or already enrolled).
async fn buyable(
    state: &AppState,
    ctx: &RequestContext,
    slug: &str,
) -> AppResult<Result<CourseRef, Response>> {
    let user = ctx.require_user()?;
    let course = access::course_for(&state.db, Some(user), slug).await?;
    if !course.is_published() {
        return Err(AppError::NotFound);
    }
    if course.is_free() || access::is_enrolled(&state.db, user.id, course.id).await? {
        return Ok(Err(
            Redirect::to(&format!("/courses/{}", course.slug)).into_response()
        ));
    }
    Ok(Ok(course))
}

/// The checkout page when no provider is configured and the sandbox is off: it says so plainly
/// and offers no form.
fn not_configured(
    state: &AppState,
    ctx: &RequestContext,
    course: &CourseRef,
    status: StatusCode,
) -> AppResult<Response> {
    state.render_status(
        ctx,
        status,
        "views/payments/checkout.html",
        context! {
            course => Serde(course),
            price => reference_price(course).format(ctx.locale),
            not_configured => true,
        },
    )
}

async fn render_form(
    state: &AppState,
    ctx: &RequestContext,
    course: &CourseRef,
    form: &CheckoutForm,
    error: Option<&str>,
    status: StatusCode,
) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let issued = quotes::issue(state, user.id, course).await?;
    let rate_view = rates::view(&issued.rate, ctx.locale);
    let quotes: Vec<QuoteView> = issued
        .offers
        .iter()
        .map(|(c, offer)| match offer {
            Ok(line) => QuoteView {
                currency: c.code(),
                amount: Money::new(line.amount_minor, &line.currency).format(ctx.locale),
                available: true,
                error: None,
            },
            Err(key) => QuoteView {
                currency: c.code(),
                amount: String::new(),
                available: false,
                error: Some(state.i18n.t(ctx.locale, key).to_owned()),
            },
        })
        .collect();
    let reference = reference_price(course);
    let summary = issued
        .offers
        .iter()
        .find(|(c, _)| *c != reference.currency)
        .and_then(|(_, offer)| offer.as_ref().ok())
        .map(|line| {
            state.i18n.format(
                ctx.locale,
                if db::flag(line.pinned) {
                    "payments.checkout.summary_pinned"
                } else {
                    "payments.checkout.summary"
                },
                &[
                    ("reference", &reference.format(ctx.locale)),
                    (
                        "converted",
                        &Money::new(line.amount_minor, &line.currency).format(ctx.locale),
                    ),
                    ("rate", &rate_view.text),
                    ("date", &rate_view.date),
                ],
            )
        });
    let mut form = form.clone();
    if form.currency.is_empty() {
        form.currency = reference.currency.code().to_owned();
    }
    if form.wallet.is_empty() {
        form.wallet = Wallet::Orange.code().to_owned();
    }
    let valid_minutes = (issued.expires_at - OffsetDateTime::now_utc())
        .whole_minutes()
        .max(1);
    state.render_status(
        ctx,
        status,
        "views/payments/checkout.html",
        context! {
            course => Serde(course),
            price => reference.format(ctx.locale),
            quotes => Serde(&quotes),
            summary,
            rate => Serde(&rate_view),
            form => Serde(&form),
            quote_id => &issued.token,
            wallets => Wallet::ALL.iter().map(|w| w.code()).collect::<Vec<_>>(),
            error => error.map(|k| state.i18n.t(ctx.locale, k).to_owned()),
            sandbox => state.payments.sandbox_enabled(),
            valid_minutes,
        },
    )
}

/// `GET /payments/checkout/{slug}`
pub async fn checkout_page(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let course = match buyable(&state, &ctx, &slug).await? {
        Ok(c) => c,
        Err(redirect) => return Ok(redirect),
    };
    if !state.payments.available() {
        return not_configured(&state, &ctx, &course, StatusCode::OK);
    }
    render_form(
        &state,
        &ctx,
        &course,
        &CheckoutForm::default(),
        None,
        StatusCode::OK,
    )
    .await
}

/// `POST /payments/checkout/{slug}`: creates the payment from the learner's quote and starts
/// it; with an open payment for the course already, shows that one instead.
pub async fn start(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(slug): Path<String>,
    Form(form): Form<CheckoutForm>,
) -> AppResult<Response> {
    let course = match buyable(&state, &ctx, &slug).await? {
        Ok(c) => c,
        Err(redirect) => return Ok(redirect),
    };
    let user = ctx.require_user()?;
    if !state.payments.available() {
        return not_configured(&state, &ctx, &course, StatusCode::SERVICE_UNAVAILABLE);
    }
    let invalid = |key: &'static str, status: StatusCode| {
        let (state, ctx, course, form) = (&state, &ctx, &course, &form);
        async move { render_form(state, ctx, course, form, Some(key), status).await }
    };
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    // One open payment per learner and course: a second submit shows the first. (The unique
    // index below makes it hold when two submits race.)
    if let Some(open) = queries::open_for(&state.db, user.id, course.id).await? {
        return Ok(Redirect::to(&format!("/payments/{}", open.reference)).into_response());
    }
    // Each payment pushes a PIN prompt to a phone: at most a few per learner per 10 minutes.
    let since = db::timestamp(OffsetDateTime::now_utc() - time::Duration::minutes(10));
    if queries::created_since(&state.db, user.id, &since).await? >= MAX_PAYMENTS_PER_10_MIN {
        return Err(AppError::TooManyRequests);
    }
    let Some(wallet) = Wallet::parse(&form.wallet) else {
        return invalid("payments.error.wallet", unprocessable).await;
    };
    let Some(currency) = Currency::parse(&form.currency) else {
        return invalid("payments.error.currency", unprocessable).await;
    };
    let e164 = match msisdn::parse(&form.phone) {
        Ok(n) => n,
        Err(_) => return invalid("payments.error.phone", unprocessable).await,
    };
    // The amount, reference price and rate come from the quote stored when the page was shown.
    let line = match quotes::redeem(&state, user.id, &course, &form.quote_id, currency).await? {
        Ok(line) => line,
        Err(key) => {
            tracing::info!(
                user.id = user.id,
                course.id = course.id,
                reason = key,
                "payments: quote refused"
            );
            return invalid(key, unprocessable).await;
        }
    };
    let Some(provider) = super::route(&state, wallet, currency).await? else {
        return invalid("payments.error.unavailable", unprocessable).await;
    };
    let reference = new_reference();
    let expires_at = db::timestamp(
        OffsetDateTime::now_utc() + time::Duration::minutes(state.payments.config.expiry_minutes),
    );
    let created = queries::insert_payment(
        &state.db,
        NewPayment {
            reference: &reference,
            user_id: user.id,
            course_id: course.id,
            wallet: wallet.code(),
            provider: provider.code(),
            currency: currency.code(),
            amount_minor: line.amount_minor,
            ref_currency: &line.ref_currency,
            ref_amount_minor: line.ref_amount_minor,
            rate_id: line.rate_id,
            rate_x10000: line.rate_x10000,
            msisdn: &e164,
            expires_at: &expires_at,
            sandbox: state.payments.sandbox_enabled(),
        },
    )
    .await?;
    if created.is_none() {
        // Another submit (a second tab) created the open payment meanwhile: show that one.
        return match queries::open_for(&state.db, user.id, course.id).await? {
            Some(open) => {
                tracing::info!(
                    payment.reference = %open.reference,
                    user.id = user.id,
                    "payments: concurrent checkout joined the open payment"
                );
                Ok(Redirect::to(&format!("/payments/{}", open.reference)).into_response())
            }
            None => invalid("payments.error.conflict", StatusCode::CONFLICT).await,
        };
    }
    tracing::info!(
        payment.reference = %reference,
        provider = provider.code(),
        "payments: payment created"
    );
    let payment = queries::by_reference(&state.db, &reference)
        .await?
        .ok_or(AppError::NotFound)?;
    let bg = state.clone();
    state.tasks.spawn(async move {
        if let Err(e) = initiate(&bg, &payment).await {
            tracing::warn!(
                error = %e,
                payment.reference = %payment.reference,
                "payments: initiation failed"
            );
        }
    });
    Ok(Redirect::to(&format!("/payments/{reference}")).into_response())
}

/// Sends the payment to its provider and applies the answer. A transport failure leaves the
/// outcome unknown (queried later, never re-sent blindly); a refusal fails the payment.
pub async fn initiate(state: &AppState, p: &PaymentRow) -> Result<(), sqlx::Error> {
    let base = &state.config.base_url;
    let provider = ProviderKind::parse(&p.provider).and_then(|k| state.payments.provider(k));
    let (Some(provider), Some(wallet), Some(currency)) = (
        provider,
        Wallet::parse(&p.wallet),
        Currency::parse(&p.currency),
    ) else {
        worker::apply(
            state,
            p,
            Status::Failed,
            None,
            "initiate",
            "",
            Some("payments.reason.unavailable"),
        )
        .await?;
        return Ok(());
    };
    let mut description = format!("Cours : {}", p.course_title);
    if description.chars().count() > 60 {
        description = description.chars().take(60).collect();
    }
    let request = PaymentRequest {
        reference: p.reference.clone(),
        wallet,
        currency,
        amount_minor: p.amount_minor,
        msisdn_e164: p.msisdn.clone(),
        description,
        callback_url: format!("{base}/payments/callback/{}/{}", p.provider, p.reference),
        return_url: format!("{base}/payments/{}", p.reference),
    };
    match provider.initiate(&request).await {
        Ok(init) => {
            queries::record_initiation(
                &state.db,
                p.id,
                init.provider_ref.as_deref(),
                init.callback_secret.as_deref(),
                init.redirect_url.as_deref(),
            )
            .await?;
            let to = Status::from_provider(&init.status);
            worker::apply(
                state,
                p,
                to,
                init.provider_ref.as_deref(),
                "initiate",
                &init.raw.to_string(),
                None,
            )
            .await?;
        }
        Err(ProviderError::Unavailable(msg)) => {
            worker::apply(state, p, Status::Unknown, None, "initiate", &msg, None).await?;
        }
        Err(e) => {
            worker::apply(
                state,
                p,
                Status::Failed,
                None,
                "initiate",
                &e.to_string(),
                Some("payments.reason.refused"),
            )
            .await?;
        }
    }
    Ok(())
}

/// A payment of the signed-in learner; someone else's is "not found".
pub async fn own_payment(
    state: &AppState,
    ctx: &RequestContext,
    reference: &str,
) -> AppResult<PaymentRow> {
    super::access::viewable(&state.db, ctx.require_user()?, reference).await
}

#[derive(Serialize)]
struct PaymentView {
    reference: String,
    status: &'static str,
    open: bool,
    amount: String,
    course_title: String,
    course_slug: String,
    wallet: String,
    phone: String,
    redirect_url: Option<String>,
    invoice_number: Option<String>,
    reason: Option<String>,
    /// Made against the fake providers: the waiting page offers the fake phone.
    sandbox: bool,
}

fn payment_view(state: &AppState, ctx: &RequestContext, p: &PaymentRow) -> PaymentView {
    let status = p.status();
    PaymentView {
        reference: p.reference.clone(),
        status: status.code(),
        open: !status.is_final(),
        amount: Money::new(p.amount_minor, &p.currency).format(ctx.locale),
        course_title: p.course_title.clone(),
        course_slug: p.course_slug.clone(),
        wallet: p.wallet.clone(),
        phone: msisdn::display(&p.msisdn),
        redirect_url: p
            .redirect_url
            .clone()
            .filter(|u| u.starts_with("https://") || u.starts_with("http://")),
        invoice_number: p.invoice_number.clone(),
        reason: p
            .failure_reason
            .as_deref()
            .filter(|k| k.starts_with("payments."))
            .map(|k| state.i18n.t(ctx.locale, k).to_owned()),
        sandbox: p.is_sandbox() && state.payments.sandbox_enabled(),
    }
}

/// `GET /payments/{reference}`: the waiting page ("Confirmez le paiement sur votre téléphone").
pub async fn waiting_page(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(reference): Path<String>,
) -> AppResult<Response> {
    let p = own_payment(&state, &ctx, &reference).await?;
    let view = payment_view(&state, &ctx, &p);
    Ok(state
        .render(
            &ctx,
            "views/payments/waiting.html",
            context! { p => Serde(&view) },
        )?
        .into_response())
}

/// `GET /payments/{reference}/status`: the status fragment htmx polls every 3 s while the
/// payment is open (the final fragment has no trigger, so polling stops).
pub async fn status(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(reference): Path<String>,
) -> AppResult<Response> {
    let p = own_payment(&state, &ctx, &reference).await?;
    let view = payment_view(&state, &ctx, &p);
    Ok(state
        .render(
            &ctx,
            "partials/payments/status.html",
            context! { p => Serde(&view) },
        )?
        .into_response())
}

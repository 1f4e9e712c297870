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

use super::model::{QUOTE_MINUTES, Quote, Status, new_reference, quote};
use super::providers::{PaymentRequest, ProviderError, ProviderKind, Wallet};
use super::queries::{self, NewPayment, PaymentRow};
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

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct CheckoutForm {
    #[serde(default)]
    pub wallet: String,
    #[serde(default)]
    pub currency: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub rate_id: String,
    #[serde(default)]
    pub quoted_at: String,
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

fn reference_price(course: &CourseRef) -> Money {
    Money::new(course.price_minor, &course.currency)
}

async fn pinned(state: &AppState, course: &CourseRef) -> Result<Vec<Money>, sqlx::Error> {
    Ok(queries::pinned_prices(&state.db, course.id)
        .await?
        .into_iter()
        .map(|(currency, amount)| Money::new(amount, &currency))
        .collect())
}

fn quote_for(
    state: &AppState,
    course: &CourseRef,
    pinned: &[Money],
    currency: Currency,
    rate: i64,
) -> Result<Quote, &'static str> {
    let cfg = &state.payments.config;
    quote(
        reference_price(course),
        pinned.iter().copied().find(|p| p.currency == currency),
        currency,
        rate,
        cfg.cdf_step,
        cfg.limits(currency),
    )
    .map_err(|e| e.key())
}

async fn render_form(
    state: &AppState,
    ctx: &RequestContext,
    course: &CourseRef,
    form: &CheckoutForm,
    error: Option<&str>,
    status: StatusCode,
) -> AppResult<Response> {
    let rate = rates::current(state).await?;
    let rate_view = rates::view(&rate, ctx.locale);
    let pins = pinned(state, course).await?;
    let quotes: Vec<QuoteView> = [Currency::Usd, Currency::Cdf]
        .into_iter()
        .map(
            |c| match quote_for(state, course, &pins, c, rate.rate_x10000) {
                Ok(q) => QuoteView {
                    currency: c.code(),
                    amount: q.pay.format(ctx.locale),
                    available: true,
                    error: None,
                },
                Err(key) => QuoteView {
                    currency: c.code(),
                    amount: String::new(),
                    available: false,
                    error: Some(state.i18n.t(ctx.locale, key).to_owned()),
                },
            },
        )
        .collect();
    let reference = reference_price(course);
    let other = match reference.currency {
        Currency::Usd => Currency::Cdf,
        Currency::Cdf => Currency::Usd,
    };
    let summary = quote_for(state, course, &pins, other, rate.rate_x10000)
        .ok()
        .map(|q| {
            state.i18n.format(
                ctx.locale,
                if q.pinned {
                    "payments.checkout.summary_pinned"
                } else {
                    "payments.checkout.summary"
                },
                &[
                    ("reference", &reference.format(ctx.locale)),
                    ("converted", &q.pay.format(ctx.locale)),
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
    let quoted_at = db::now();
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
            rate_id => rate.id,
            quoted_at,
            wallets => Wallet::ALL.iter().map(|w| w.code()).collect::<Vec<_>>(),
            error => error.map(|k| state.i18n.t(ctx.locale, k).to_owned()),
            sandbox => state.payments.sandbox_enabled(),
            valid_minutes => QUOTE_MINUTES,
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

/// `POST /payments/checkout/{slug}`: creates the payment and starts it.
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
    let invalid = |key: &'static str| {
        let (state, ctx, course, form) = (&state, &ctx, &course, &form);
        async move {
            render_form(
                state,
                ctx,
                course,
                form,
                Some(key),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    };
    // One open payment per learner and course: a second submit shows the first.
    if let Some(open) = queries::open_for(&state.db, user.id, course.id).await? {
        return Ok(Redirect::to(&format!("/payments/{}", open.reference)).into_response());
    }
    // Each payment pushes a PIN prompt to a phone: at most a few per learner per 10 minutes.
    let since = db::timestamp(OffsetDateTime::now_utc() - time::Duration::minutes(10));
    if queries::created_since(&state.db, user.id, &since).await? >= MAX_PAYMENTS_PER_10_MIN {
        return Err(AppError::TooManyRequests);
    }
    let Some(wallet) = Wallet::parse(&form.wallet) else {
        return invalid("payments.error.wallet").await;
    };
    let Some(currency) = Currency::parse(&form.currency) else {
        return invalid("payments.error.currency").await;
    };
    let e164 = match msisdn::parse(&form.phone) {
        Ok(n) => n,
        Err(_) => return invalid("payments.error.phone").await,
    };
    // The quote shown stays valid for 30 minutes; after that, the rate in force applies and
    // the learner sees the new amount before paying.
    let latest = rates::current(&state).await?;
    let quoted_rate = match form.rate_id.parse::<i64>() {
        Ok(id) if id == latest.id => Some(latest.clone()),
        Ok(id) => {
            let fresh = db::parse_timestamp(&form.quoted_at).is_some_and(|t| {
                OffsetDateTime::now_utc() - t <= time::Duration::minutes(QUOTE_MINUTES)
            });
            if fresh {
                queries::rate_by_id(&state.db, id).await?
            } else {
                None
            }
        }
        Err(_) => None,
    };
    let Some(rate) = quoted_rate else {
        return invalid("payments.error.quote_expired").await;
    };
    let pins = pinned(&state, &course).await?;
    let q = match quote_for(&state, &course, &pins, currency, rate.rate_x10000) {
        Ok(q) => q,
        Err(key) => return invalid(key).await,
    };
    let Some(provider) = super::route(&state, wallet, currency).await? else {
        return invalid("payments.error.unavailable").await;
    };
    let reference = new_reference();
    let expires_at = db::timestamp(
        OffsetDateTime::now_utc() + time::Duration::minutes(state.payments.config.expiry_minutes),
    );
    queries::insert_payment(
        &state.db,
        NewPayment {
            reference: &reference,
            user_id: user.id,
            course_id: course.id,
            wallet: wallet.code(),
            provider: provider.code(),
            currency: currency.code(),
            amount_minor: q.pay.amount_minor,
            ref_currency: q.reference.currency.code(),
            ref_amount_minor: q.reference.amount_minor,
            rate_id: Some(rate.id),
            rate_x10000: rate.rate_x10000,
            msisdn: &e164,
            expires_at: &expires_at,
        },
    )
    .await?;
    tracing::info!(payment = %reference, provider = provider.code(), "paiement créé");
    let payment = queries::by_reference(&state.db, &reference)
        .await?
        .ok_or(AppError::NotFound)?;
    let bg = state.clone();
    tokio::spawn(async move {
        if let Err(e) = initiate(&bg, &payment).await {
            tracing::warn!(error = %e, payment = %payment.reference, "initiation du paiement");
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
            context! { p => Serde(&view), sandbox => state.payments.sandbox_enabled() },
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
            context! { p => Serde(&view), sandbox => state.payments.sandbox_enabled() },
        )?
        .into_response())
}

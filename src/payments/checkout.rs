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

use super::initiation::{self, Begun};
use super::providers::Wallet;
use super::queries::PaymentRow;
use super::quotes::{self, reference_price};
use super::{msisdn, rates};
use crate::courses::access::{self, CourseRef};
use crate::db;
use crate::error::{AppError, AppResult};
use crate::money::{Money, UnknownCurrency};
use crate::state::AppState;
use crate::web::Ctx;
use crate::web::context::RequestContext;

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
    if course.is_free()
        || crate::courses::queries::is_enrolled(&state.db, user.id, course.id).await?
    {
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
            price => reference_price(course)?.format(ctx.locale),
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
    let rate_view = rates::view(&issued.rate, ctx.locale, &ctx.timezone);
    let quotes: Vec<QuoteView> = issued
        .offers
        .iter()
        .map(|(c, offer)| match offer {
            Ok(line) => Ok(QuoteView {
                currency: c.code(),
                amount: Money::parse(line.amount_minor, &line.currency)?.format(ctx.locale),
                available: true,
                error: None,
            }),
            Err(key) => Ok(QuoteView {
                currency: c.code(),
                amount: String::new(),
                available: false,
                error: Some(state.i18n.t(ctx.locale, key).to_owned()),
            }),
        })
        .collect::<Result<_, UnknownCurrency>>()?;
    let reference = reference_price(course)?;
    let summary = issued
        .offers
        .iter()
        .find(|(c, _)| *c != reference.currency)
        .and_then(|(_, offer)| offer.as_ref().ok())
        .map(|line| -> Result<String, UnknownCurrency> {
            Ok(state.i18n.format(
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
                        &Money::parse(line.amount_minor, &line.currency)?.format(ctx.locale),
                    ),
                    ("rate", &rate_view.text),
                    ("date", &rate_view.date),
                ],
            ))
        })
        .transpose()?;
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
    match initiation::begin(&state, user.id, &course, &form).await? {
        Begun::Payment(reference) => {
            Ok(Redirect::to(&format!("/payments/{reference}")).into_response())
        }
        Begun::Refused(key, status) => {
            render_form(&state, &ctx, &course, &form, Some(key), status).await
        }
    }
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

fn payment_view(
    state: &AppState,
    ctx: &RequestContext,
    p: &PaymentRow,
) -> Result<PaymentView, UnknownCurrency> {
    let status = p.status();
    Ok(PaymentView {
        reference: p.reference.clone(),
        status: status.code(),
        open: !status.is_final(),
        amount: Money::parse(p.amount_minor, &p.currency)?.format(ctx.locale),
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
    })
}

/// `GET /payments/{reference}`: the waiting page ("Confirmez le paiement sur votre téléphone").
pub async fn waiting_page(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(reference): Path<String>,
) -> AppResult<Response> {
    let p = own_payment(&state, &ctx, &reference).await?;
    let view = payment_view(&state, &ctx, &p)?;
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
    let view = payment_view(&state, &ctx, &p)?;
    Ok(state
        .render(
            &ctx,
            "partials/payments/status.html",
            context! { p => Serde(&view) },
        )?
        .into_response())
}

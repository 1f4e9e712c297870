//! Checkout of a paid course: the quote in both currencies, the form (wallet, currency, phone),
//! the payment's creation and its initiation with the routed provider (in the background: an
//! M-Pesa initiation blocks during the PIN prompt), and the waiting page polled by htmx.

use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};

use super::initiation::{self, Begun};
use super::item::Item;
use super::providers::Wallet;
use super::queries::{self, PaymentRow};
use super::quotes;
use super::service::Payments;
use super::{msisdn, rates};
use crate::courses::access;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::money::{Money, UnknownCurrency};
use crate::state::AppState;
use crate::web::Ctx;
use crate::web::context::RequestContext;
use crate::web::i18n::Locale;

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
    /// The number the learner kept after the warning that its prefix belongs to another
    /// network than the wallet's (see [`msisdn::mismatch`]); only this exact number passes.
    #[serde(default)]
    pub confirmed_phone: String,
}

/// The warning shown when the number's prefix belongs to another network than the wallet's.
#[derive(Serialize)]
struct PrefixWarning {
    text: String,
    /// The number as typed, sent back with the form so a second submit goes through.
    phone: String,
}

fn prefix_warning(
    state: &AppState,
    ctx: &RequestContext,
    form: &CheckoutForm,
) -> Option<PrefixWarning> {
    let wallet = Wallet::parse(&form.wallet)?;
    let e164 = msisdn::parse(&form.phone).ok()?;
    let network = msisdn::mismatch(wallet, &e164)?;
    Some(PrefixWarning {
        text: state.i18n.format(
            ctx.locale,
            "payments.checkout.prefix_warning",
            &[
                ("phone", &msisdn::display(&e164)),
                ("network", state.i18n.t(ctx.locale, network.key())),
                (
                    "wallet",
                    state
                        .i18n
                        .t(ctx.locale, &format!("payments.wallet.{}", wallet.code())),
                ),
            ],
        ),
        phone: form.phone.clone(),
    })
}

#[derive(Serialize)]
struct QuoteView {
    currency: &'static str,
    amount: String,
    available: bool,
    error: Option<String>,
}

/// What the checkout page says about the item it sells.
#[derive(Serialize)]
struct ItemView {
    title: String,
    /// Where the form posts (and, with `/number`, the number check).
    action: String,
    back: String,
    /// For a sponsor's batch: the seats, the sponsor and the courses they open.
    seats: Option<i64>,
    sponsor: Option<String>,
    courses: Vec<String>,
}

impl ItemView {
    fn of(item: &Item) -> Self {
        let (seats, sponsor, courses) = match item {
            Item::Course(_) => (None, None, Vec::new()),
            Item::Seats(o) => (
                Some(o.batch.seats),
                Some(o.batch.sponsor_name.clone()),
                o.courses.iter().map(|c| c.title.clone()).collect(),
            ),
        };
        Self {
            title: item.course().title.clone(),
            action: item.checkout_path(),
            back: item.back_path(),
            seats,
            sponsor,
            courses,
        }
    }
}

/// The course, if the signed-in learner may buy it; `Err(redirect)` when there is nothing to
/// buy (free, or already enrolled).
async fn buyable(
    state: &AppState,
    ctx: &RequestContext,
    slug: &str,
) -> AppResult<Result<Item, Response>> {
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
    Ok(Ok(Item::Course(course)))
}

/// The batch `id`'s seats, if the signed-in user may pay for them (an admin or the batch's
/// contact: anyone else gets "not found"); `Err(redirect)` to the batch when it is not waiting
/// for a mobile-money payment (free, paid, expired).
async fn payable_seats(
    state: &AppState,
    ctx: &RequestContext,
    id: i64,
) -> AppResult<Result<Item, Response>> {
    crate::seats::access::readable_batch(&state.db, ctx.require_user()?, id).await?;
    let Some(order) = crate::seats::queries::payable_order(&state.db, id).await? else {
        return Ok(Err(Redirect::to(&format!("/seats/{id}")).into_response()));
    };
    let item = Item::Seats(Box::new(order));
    // Mixed currencies or nothing to pay: said plainly (the creation form refuses both).
    item.reference()?;
    Ok(Ok(item))
}

/// The checkout page when no provider is configured and the sandbox is off: it says so plainly
/// and offers no form.
fn not_configured(
    state: &AppState,
    ctx: &RequestContext,
    item: &Item,
    status: StatusCode,
) -> AppResult<Response> {
    state.render_status(
        ctx,
        status,
        "views/payments/checkout.html",
        context! {
            item => Serde(ItemView::of(item)),
            price => item.reference()?.format(ctx.locale),
            not_configured => true,
        },
    )
}

async fn render_form(
    state: &AppState,
    ctx: &RequestContext,
    item: &Item,
    form: &CheckoutForm,
    error: Option<&str>,
    status: StatusCode,
) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let mut form = form.clone();
    if form.phone.is_empty()
        && error.is_none()
        && let Some(saved) = queries::saved_phone(&state.db, user.id).await?
        && let Ok(e164) = msisdn::parse(&saved)
    {
        // The number saved in the profile, in the local form people type.
        form.phone = msisdn::local(&e164).unwrap_or(saved);
    }
    let issued = quotes::issue(state, user.id, item).await?;
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
    let reference = item.reference()?;
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
    if form.currency.is_empty() {
        form.currency = reference.currency.code().to_owned();
    }
    if form.wallet.is_empty() {
        form.wallet = Wallet::Orange.code().to_owned();
    }
    let warning = prefix_warning(state, ctx, &form);
    let mut errors = std::collections::BTreeMap::new();
    if error == Some("payments.error.phone") {
        errors.insert(
            "phone",
            state.i18n.t(ctx.locale, "payments.error.phone").to_owned(),
        );
    }
    let wallets: Vec<(&str, String)> = Wallet::ALL
        .iter()
        .map(|w| {
            (
                w.code(),
                state
                    .i18n
                    .t(ctx.locale, &format!("payments.wallet.{}", w.code()))
                    .to_owned(),
            )
        })
        .collect();
    let valid_minutes = (issued.expires_at - state.clock.now())
        .whole_minutes()
        .max(1);
    state.render_status(
        ctx,
        status,
        "views/payments/checkout.html",
        context! {
            item => Serde(ItemView::of(item)),
            price => reference.format(ctx.locale),
            quotes => Serde(&quotes),
            summary,
            rate => Serde(&rate_view),
            form => Serde(&form),
            quote_id => &issued.token,
            wallets,
            error => error.map(|k| state.i18n.t(ctx.locale, k).to_owned()),
            errors,
            warning => Serde(&warning),
            sandbox => state.payments.sandbox_enabled(),
            valid_minutes,
        },
    )
}

/// The checkout page of `item` (the form, or why there is none).
async fn show_checkout(
    state: &AppState,
    payments: &Payments,
    ctx: &RequestContext,
    item: &Item,
) -> AppResult<Response> {
    if !payments.available() {
        return not_configured(state, ctx, item, StatusCode::OK);
    }
    render_form(
        state,
        ctx,
        item,
        &CheckoutForm::default(),
        None,
        StatusCode::OK,
    )
    .await
}

/// Creates the payment of `item` from the payer's quote and starts it; with an open payment
/// for the item already, shows that one instead.
async fn start_checkout(
    state: &AppState,
    payments: &Payments,
    ctx: &RequestContext,
    item: &Item,
    form: &CheckoutForm,
) -> AppResult<Response> {
    let user = ctx.require_user()?;
    if !payments.available() {
        return not_configured(state, ctx, item, StatusCode::SERVICE_UNAVAILABLE);
    }
    match initiation::begin(state, user.id, item, form).await? {
        Begun::Payment(reference) => {
            Ok(Redirect::to(&format!("/payments/{reference}")).into_response())
        }
        Begun::Refused(key, status) => render_form(state, ctx, item, form, Some(key), status).await,
        Begun::ConfirmNumber(network) => {
            tracing::info!(
                course.id = item.course().id,
                batch.id = item.batch_id(),
                payment.wallet = %form.wallet,
                ?network,
                "payments: number of another network, confirmation asked"
            );
            render_form(state, ctx, item, form, None, StatusCode::OK).await
        }
    }
}

/// `GET /payments/checkout/{slug}`
pub async fn checkout_page(
    State(state): State<AppState>,
    State(payments): State<Arc<Payments>>,
    Ctx(ctx): Ctx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    match buyable(&state, &ctx, &slug).await? {
        Ok(item) => show_checkout(&state, &payments, &ctx, &item).await,
        Err(redirect) => Ok(redirect),
    }
}

/// `POST /payments/checkout/{slug}`
pub async fn start(
    State(state): State<AppState>,
    State(payments): State<Arc<Payments>>,
    Ctx(ctx): Ctx,
    Path(slug): Path<String>,
    Form(form): Form<CheckoutForm>,
) -> AppResult<Response> {
    match buyable(&state, &ctx, &slug).await? {
        Ok(item) => start_checkout(&state, &payments, &ctx, &item, &form).await,
        Err(redirect) => Ok(redirect),
    }
}

/// `GET /payments/seats/{id}`: the sponsor (or an admin) pays for a batch's seats.
pub async fn seats_page(
    State(state): State<AppState>,
    State(payments): State<Arc<Payments>>,
    Ctx(ctx): Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    match payable_seats(&state, &ctx, id).await? {
        Ok(item) => show_checkout(&state, &payments, &ctx, &item).await,
        Err(redirect) => Ok(redirect),
    }
}

/// `POST /payments/seats/{id}`
pub async fn seats_start(
    State(state): State<AppState>,
    State(payments): State<Arc<Payments>>,
    Ctx(ctx): Ctx,
    Path(id): Path<i64>,
    Form(form): Form<CheckoutForm>,
) -> AppResult<Response> {
    match payable_seats(&state, &ctx, id).await? {
        Ok(item) => start_checkout(&state, &payments, &ctx, &item, &form).await,
        Err(redirect) => Ok(redirect),
    }
}

/// `POST /payments/checkout/{slug}/number`: the checkout form's number checked against the
/// chosen wallet as it is typed (htmx, on change of the number or the wallet): the warning
/// when the prefix belongs to another network, with the number to send back so the submit
/// goes straight on; nothing otherwise. Without JavaScript, the submit asks the same question.
pub async fn number_check(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(slug): Path<String>,
    Form(form): Form<CheckoutForm>,
) -> AppResult<Response> {
    let user = ctx.require_user()?;
    access::course_for(&state.db, Some(user), &slug).await?;
    number_warning(&state, &ctx, &form)
}

/// `POST /payments/seats/{id}/number`: the same check on a batch's checkout.
pub async fn seats_number_check(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(id): Path<i64>,
    Form(form): Form<CheckoutForm>,
) -> AppResult<Response> {
    crate::seats::access::readable_batch(&state.db, ctx.require_user()?, id).await?;
    number_warning(&state, &ctx, &form)
}

fn number_warning(
    state: &AppState,
    ctx: &RequestContext,
    form: &CheckoutForm,
) -> AppResult<Response> {
    let warning = prefix_warning(state, ctx, form);
    Ok(state
        .render(
            ctx,
            "partials/payments/number_check.html",
            context! { warning => Serde(&warning) },
        )?
        .into_response())
}

/// A payment of the signed-in learner; someone else's is "not found".
pub async fn own_payment(
    state: &AppState,
    ctx: &RequestContext,
    reference: &str,
) -> AppResult<PaymentRow> {
    super::access::viewable(&state.db, ctx.require_user()?, reference).await
}

/// What a payment bought, as pages and receipts name it: the course's title, or the seats of
/// a sponsor's batch ("50 places · ONG Jeunesse Matadi").
pub fn item_title(state: &AppState, locale: Locale, p: &PaymentRow) -> String {
    match (p.seat_count, &p.seat_sponsor) {
        (Some(seats), Some(sponsor)) => state.i18n.plural(
            locale,
            "payments.seats_item",
            seats,
            &[("sponsor", sponsor), ("course", &p.course_title)],
        ),
        _ => p.course_title.clone(),
    }
}

#[derive(Serialize)]
struct PaymentView {
    reference: String,
    status: &'static str,
    /// What the heading says: `open`, `succeeded`, `failed` or `expired`.
    phase: &'static str,
    open: bool,
    amount: String,
    /// What was bought: the course's title, or "50 places · sponsor".
    course_title: String,
    course_slug: String,
    /// For a batch's seats: its page, where the codes are once paid.
    seats_link: Option<String>,
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
        phase: if status.is_final() {
            status.code()
        } else {
            "open"
        },
        open: !status.is_final(),
        amount: Money::parse(p.amount_minor, &p.currency)?.format(ctx.locale),
        course_title: item_title(state, ctx.locale, p),
        course_slug: p.course_slug.clone(),
        seats_link: p.seat_batch_id.map(|id| format!("/seats/{id}")),
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

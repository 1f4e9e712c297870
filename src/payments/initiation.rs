//! Starting a payment: the checks of a checkout (one open payment per course, a few per ten
//! minutes, wallet, currency, phone, the stored quote, a routed provider), the payment row, and
//! its initiation with the provider in the background.

use axum::http::StatusCode;
use time::OffsetDateTime;

use super::checkout::CheckoutForm;
use super::item::Item;
use super::model::{Status, new_reference};
use super::providers::{PaymentRequest, ProviderError, ProviderKind, Wallet};
use super::queries::{self, NewPayment, PaymentRow};
use super::{msisdn, quotes, worker};
use crate::db;
use crate::error::{AppError, AppResult};
use crate::money::Currency;
use crate::state::AppState;

/// Payments a learner may start within 10 minutes.
const MAX_PAYMENTS_PER_10_MIN: i64 = 6;

/// What a checkout comes to.
pub enum Begun {
    /// The payment to show (new, or the one already open for this course).
    Payment(String),
    /// The form again with this message key and status.
    Refused(&'static str, StatusCode),
    /// The number's prefix belongs to another network than the wallet's: the form again with
    /// a warning, to be sent once more as it is (numbers move between operators: never a
    /// refusal), before any PIN prompt.
    ConfirmNumber(msisdn::Network),
}

/// Creates the payment of `user_id` for `item` from the checkout form and starts its
/// initiation in the background; with an open payment for the item already, that one.
pub async fn begin(
    state: &AppState,
    user_id: i64,
    item: &Item,
    form: &CheckoutForm,
) -> AppResult<Begun> {
    let course = item.course();
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let refused = |key: &'static str| Ok(Begun::Refused(key, unprocessable));
    // One open payment per learner and course: a second submit shows the first. (The unique
    // index below makes it hold when two submits race.)
    if let Some(open) = queries::open_for(&state.db, user_id, course.id, item.batch_id()).await? {
        return Ok(Begun::Payment(open.reference));
    }
    // Each payment pushes a PIN prompt to a phone: at most a few per learner per 10 minutes.
    let since = db::timestamp(OffsetDateTime::now_utc() - time::Duration::minutes(10));
    if queries::created_since(&state.db, user_id, &since).await? >= MAX_PAYMENTS_PER_10_MIN {
        return Err(AppError::TooManyRequests);
    }
    let Some(wallet) = Wallet::parse(&form.wallet) else {
        return refused("payments.error.wallet");
    };
    let Some(currency) = Currency::parse(&form.currency) else {
        return refused("payments.error.currency");
    };
    let Ok(e164) = msisdn::parse(&form.phone) else {
        return refused("payments.error.phone");
    };
    if let Some(network) = msisdn::mismatch(wallet, &e164)
        && msisdn::parse(&form.confirmed_phone).ok().as_deref() != Some(e164.as_str())
    {
        return Ok(Begun::ConfirmNumber(network));
    }
    // The amount, reference price and rate come from the quote stored when the page was shown.
    let line = match quotes::redeem(state, user_id, item, &form.quote_id, currency).await? {
        Ok(line) => line,
        Err(key) => {
            tracing::info!(
                user.id = user_id,
                course.id = course.id,
                quote.refusal = key,
                "payments: quote refused"
            );
            return refused(key);
        }
    };
    let Some(provider) = super::route(state, wallet, currency).await? else {
        return refused("payments.error.unavailable");
    };
    let reference = new_reference();
    let expires_at = db::timestamp(
        OffsetDateTime::now_utc() + time::Duration::minutes(state.payments.config.expiry_minutes),
    );
    let created = queries::insert_payment(
        &state.db,
        NewPayment {
            reference: &reference,
            user_id,
            course_id: course.id,
            seat_batch_id: item.batch_id(),
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
        return match queries::open_for(&state.db, user_id, course.id, item.batch_id()).await? {
            Some(open) => {
                tracing::info!(
                    payment.reference = %open.reference,
                    user.id = user_id,
                    "payments: concurrent checkout joined the open payment"
                );
                Ok(Begun::Payment(open.reference))
            }
            None => Ok(Begun::Refused(
                "payments.error.conflict",
                StatusCode::CONFLICT,
            )),
        };
    }
    tracing::info!(
        payment.reference = %reference,
        payment.provider = provider.code(),
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
    Ok(Begun::Payment(reference))
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
    let mut description = match &p.seat_sponsor {
        Some(sponsor) => format!("Places : {sponsor}"),
        None => format!("Cours : {}", p.course_title),
    };
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
            let answer = e.to_string();
            worker::apply(
                state,
                p,
                Status::Failed,
                None,
                "initiate",
                &answer,
                Some(super::refusals::reason_key(&answer).unwrap_or("payments.reason.refused")),
            )
            .await?;
        }
    }
    Ok(())
}

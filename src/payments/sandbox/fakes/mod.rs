//! The fake providers' HTTP handlers, one file per provider, strict about what the real ones
//! check; here the routes and what they share (faults, stored payments, small checks).

// The checks return ready-made error responses; boxing them would only add noise to a fake.
#![allow(clippy::result_large_err)]

mod airtel;
mod flexpay;
mod mpesa;
mod orange;

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rand::Rng;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::{FakePayment, Fault, Inner, Phase, Sandbox, lock};
use crate::payments::providers::ProviderKind;

use airtel::{airtel_enquiry, airtel_keys, airtel_pay, airtel_pay_v2, airtel_token};
use flexpay::{flexpay_check, flexpay_pay};
use mpesa::{mpesa_error, mpesa_query, mpesa_session, mpesa_single_stage};
use orange::{orange_page, orange_status, orange_token, orange_webpayment};

type S = State<Arc<Inner>>;

pub(super) fn router(inner: Arc<Inner>) -> Router {
    Router::new()
        .route("/orange/oauth/v3/token", post(orange_token))
        .route("/orange/orange-money-webpay/{seg}/v1/webpayment", post(|State(inner): S, Path(seg): Path<String>, headers: HeaderMap, body: Bytes| async move {
                faulty(inner, ProviderKind::Orange, move |inner, ambiguous| orange_webpayment(inner, seg, headers, body, ambiguous)).await
            }))
        .route(
            "/orange/orange-money-webpay/{seg}/v1/transactionstatus",
            post(|State(inner): S, Path(seg): Path<String>, headers: HeaderMap, body: Bytes| async move {
                faulty(inner, ProviderKind::Orange, move |inner, ambiguous| orange_status(inner, seg, headers, body, ambiguous)).await
            }),
        )
        .route("/orange/webpay/{token}", get(orange_page))
        .route("/airtel/auth/oauth2/token", post(airtel_token))
        .route("/airtel/v1/rsa/encryption-keys", get(airtel_keys))
        .route(
            "/airtel/merchant/v2/payments/",
            post(
                |State(inner): S, headers: HeaderMap, body: Bytes| async move {
                    faulty(inner, ProviderKind::Airtel, move |inner, ambiguous| {
                        airtel_pay_v2(inner, headers, body, ambiguous)
                    })
                    .await
                },
            ),
        )
        .route("/airtel/merchant/v1/payments/", post(|State(inner): S, headers: HeaderMap, body: Bytes| async move {
                faulty(inner, ProviderKind::Airtel, move |inner, ambiguous| airtel_pay(inner, headers, body, ambiguous)).await
            }))
        .route("/airtel/standard/v1/payments/{id}", get(|State(inner): S, Path(id): Path<String>, headers: HeaderMap| async move {
                faulty(inner, ProviderKind::Airtel, move |inner, ambiguous| airtel_enquiry(inner, id, headers, ambiguous)).await
            }))
        .route("/mpesa/ipg/v2/vodacomDRC/getSession/", get(mpesa_session))
        .route(
            "/mpesa/ipg/v2/vodacomDRC/c2bPayment/singleStage/",
            post(|State(inner): S, headers: HeaderMap, body: Bytes| async move {
                faulty(inner, ProviderKind::Mpesa, move |inner, ambiguous| mpesa_single_stage(inner, headers, body, ambiguous)).await
            }),
        )
        .route(
            "/mpesa/ipg/v2/vodacomDRC/queryTransactionStatus/",
            get(|State(inner): S, headers: HeaderMap, query: RawQuery| async move {
                faulty(inner, ProviderKind::Mpesa, move |inner, ambiguous| mpesa_query(inner, headers, query, ambiguous)).await
            }),
        )
        .route("/flexpay/paymentService", post(|State(inner): S, headers: HeaderMap, body: Bytes| async move {
                faulty(inner, ProviderKind::Flexpay, move |inner, ambiguous| flexpay_pay(inner, headers, body, ambiguous)).await
            }))
        .route("/flexpay/check/{order}", get(|State(inner): S, Path(order): Path<String>, headers: HeaderMap| async move {
                faulty(inner, ProviderKind::Flexpay, move |inner, ambiguous| flexpay_check(inner, order, headers, ambiguous)).await
            }))
        .with_state(inner)
}

/// Whether `token` was issued and has not expired.
fn live(tokens: &std::collections::HashMap<String, Instant>, token: &str) -> bool {
    tokens
        .get(token)
        .is_some_and(|until| Instant::now() < *until)
}

/// An uppercase alphanumeric provider id such as `MP251125.1205.A12345`.
pub(super) fn txn_id() -> String {
    let now = OffsetDateTime::now_utc();
    let mut rng = rand::rng();
    format!(
        "MP{:02}{:02}{:02}.{:02}{:02}.A{:05}",
        now.year() % 100,
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        rng.random_range(0..100_000)
    )
}

fn upper_id(len: usize) -> String {
    const CHARS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";
    let mut rng = rand::rng();
    (0..len)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect()
}

fn reply(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

fn hit(inner: &Inner, name: &str) {
    *lock(inner).hits.entry(name.to_string()).or_default() += 1;
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = header(headers, "authorization")?;
    value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
}

fn is_json(headers: &HeaderMap) -> bool {
    header(headers, "content-type").is_some_and(|c| c.starts_with("application/json"))
}

/// Runs a payment handler under the next scripted fault of `provider`: HTTP 500 without
/// doing anything; a delay AFTER the work is done (so a client timeout leaves a payment the
/// provider did process); or the ambiguous flag.
async fn faulty<F, Fut>(inner: Arc<Inner>, provider: ProviderKind, handler: F) -> Response
where
    F: FnOnce(Arc<Inner>, bool) -> Fut,
    Fut: std::future::Future<Output = Response>,
{
    let next = lock(&inner)
        .faults
        .get_mut(&provider)
        .and_then(|q| q.pop_front());
    match next {
        None => handler(inner, false).await,
        Some(Fault::Http500) => match provider {
            ProviderKind::Mpesa => {
                mpesa_error(StatusCode::INTERNAL_SERVER_ERROR, "INS-1", "Internal Error")
            }
            _ => reply(
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({"error": "Internal Server Error"}),
            ),
        },
        Some(Fault::Delay(d)) => {
            let response = handler(inner, false).await;
            tokio::time::sleep(d).await;
            response
        }
        Some(Fault::Ambiguous) => handler(inner, true).await,
    }
}

fn new_payment(provider: ProviderKind, reference: &str, currency: &str) -> FakePayment {
    FakePayment {
        provider,
        reference: reference.to_string(),
        provider_ref: None,
        msisdn: String::new(),
        amount: Value::Null,
        currency: currency.to_string(),
        description: String::new(),
        created: OffsetDateTime::now_utc(),
        created_at: std::time::Instant::now(),
        phase: Phase::Waiting,
        callback_url: None,
        notif_token: None,
        txnid: None,
        conversation_id: None,
        third_party_conversation_id: None,
        waiter: None,
        refusal: None,
    }
}

/// Stores the payment and starts its scripted resolution, if any.
fn store(inner: &Arc<Inner>, mut payment: FakePayment) {
    let auto = lock(inner).auto.get(&payment.provider).copied();
    if auto.is_some() && payment.provider == ProviderKind::Orange {
        payment.phase = Phase::Confirming;
    }
    let reference = payment.reference.clone();
    lock(inner).payments.push(payment);
    if let Some((outcome, after)) = auto {
        let sandbox = Sandbox {
            inner: inner.clone(),
        };
        tokio::spawn(async move {
            tokio::time::sleep(after).await;
            let _ = sandbox.resolve(&reference, outcome).await;
        });
    }
}

fn valid_url(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|u| u.starts_with("http://") || u.starts_with("https://"))
}

fn positive_number(v: &Value) -> bool {
    v.as_f64().is_some_and(|n| n > 0.0 && n.is_finite())
}

fn whole_if_cdf(currency: &str, v: &Value) -> bool {
    currency != "CDF" || v.as_f64().is_some_and(|n| n.fract() == 0.0)
}

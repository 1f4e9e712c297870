//! The fake providers' HTTP handlers: strict about what the real ones check.

// The checks return ready-made error responses; boxing them would only add noise to a fake.
#![allow(clippy::result_large_err)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use rand::Rng;
use rsa::Pkcs1v15Encrypt;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::{
    AIRTEL_CLIENT_ID, AIRTEL_CLIENT_SECRET, FLEXPAY_MERCHANT, FLEXPAY_TOKEN, FakePayment, Fault,
    Inner, MPESA_API_KEY, MPESA_SHORT_CODE, ORANGE_CLIENT_ID, ORANGE_CLIENT_SECRET,
    ORANGE_MERCHANT_KEY, ORANGE_SEGMENT, Phase, Sandbox, lock,
};
use crate::payments::providers::ProviderKind;
use crate::web::tokens::random_hex;

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

// ---------------------------------------------------------------- Orange Money Web Payment

fn orange_error(status: StatusCode, code: i64, message: &str, description: &str) -> Response {
    reply(
        status,
        json!({"code": code, "message": message, "description": description}),
    )
}

async fn orange_token(State(inner): S, headers: HeaderMap, body: Bytes) -> Response {
    hit(&inner, "orange.token");
    if !header(&headers, "content-type")
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"))
    {
        return reply(
            StatusCode::BAD_REQUEST,
            json!({"error": "invalid_request", "error_description": "form body expected"}),
        );
    }
    let expected = base64::engine::general_purpose::STANDARD
        .encode(format!("{ORANGE_CLIENT_ID}:{ORANGE_CLIENT_SECRET}"));
    if header(&headers, "authorization") != Some(format!("Basic {expected}").as_str()) {
        return reply(
            StatusCode::UNAUTHORIZED,
            json!({"error": "invalid_client", "error_description": "Client authentication failed"}),
        );
    }
    let grant = url::form_urlencoded::parse(&body)
        .find(|(k, _)| k == "grant_type")
        .map(|(_, v)| v.into_owned());
    if grant.as_deref() != Some("client_credentials") {
        return reply(
            StatusCode::BAD_REQUEST,
            json!({"error": "unsupported_grant_type"}),
        );
    }
    let token = random_hex(20);
    let ttl = {
        let mut state = lock(&inner);
        let ttl = state.token_ttl(ProviderKind::Orange);
        state
            .orange_tokens
            .insert(token.clone(), Instant::now() + ttl);
        ttl
    };
    // `expires_in` is a string, as Orange sends it.
    reply(
        StatusCode::OK,
        json!({
            "token_type": "Bearer",
            "access_token": token,
            "expires_in": ttl.as_secs().to_string(),
        }),
    )
}

/// Whether `token` was issued and has not expired.
fn live(tokens: &std::collections::HashMap<String, Instant>, token: &str) -> bool {
    tokens
        .get(token)
        .is_some_and(|until| Instant::now() < *until)
}

/// Orange serves its sandbox under `dev` only; any other segment is an unknown resource.
fn orange_segment(seg: &str) -> Result<(), Response> {
    if seg == ORANGE_SEGMENT {
        Ok(())
    } else {
        Err(orange_error(
            StatusCode::NOT_FOUND,
            404,
            "Resource not found",
            &format!("Unknown country segment: {seg}"),
        ))
    }
}

fn orange_authorised(inner: &Inner, headers: &HeaderMap) -> Result<(), Response> {
    let ok = bearer(headers).is_some_and(|t| live(&lock(inner).orange_tokens, t));
    if ok {
        Ok(())
    } else {
        Err(orange_error(
            StatusCode::UNAUTHORIZED,
            42,
            "Expired credentials",
            "The requested service needs credentials, but the ones provided were invalid.",
        ))
    }
}

fn orange_body(headers: &HeaderMap, body: &Bytes) -> Result<Value, Response> {
    if !is_json(headers) {
        return Err(orange_error(
            StatusCode::BAD_REQUEST,
            21,
            "Invalid body",
            "JSON body expected",
        ));
    }
    serde_json::from_slice(body).map_err(|_| {
        orange_error(
            StatusCode::BAD_REQUEST,
            21,
            "Invalid body",
            "Unreadable JSON",
        )
    })
}

async fn orange_webpayment(
    inner: Arc<Inner>,
    seg: String,
    headers: HeaderMap,
    body: Bytes,
    _ambiguous: bool,
) -> Response {
    hit(&inner, "orange.webpayment");
    if let Err(r) = orange_segment(&seg) {
        return r;
    }
    if let Err(r) = orange_authorised(&inner, &headers) {
        return r;
    }
    let b = match orange_body(&headers, &body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    for field in [
        "merchant_key",
        "currency",
        "order_id",
        "return_url",
        "cancel_url",
        "notif_url",
        "lang",
        "reference",
    ] {
        if b[field].as_str().is_none_or(str::is_empty) {
            return orange_error(
                StatusCode::BAD_REQUEST,
                23,
                "Missing body field",
                &format!("The field {field} is missing or not a string"),
            );
        }
    }
    let currency = b["currency"].as_str().unwrap_or_default().to_string();
    if b["merchant_key"] != ORANGE_MERCHANT_KEY {
        return orange_error(
            StatusCode::FORBIDDEN,
            50,
            "Access denied",
            "Invalid merchant_key",
        );
    }
    if !matches!(currency.as_str(), "CDF" | "USD" | "OUV") {
        return orange_error(
            StatusCode::BAD_REQUEST,
            24,
            "Invalid body field",
            "currency",
        );
    }
    if !b["amount"].is_number()
        || !positive_number(&b["amount"])
        || !whole_if_cdf(&currency, &b["amount"])
    {
        return orange_error(
            StatusCode::BAD_REQUEST,
            24,
            "Invalid body field",
            "amount must be a positive number",
        );
    }
    let order_id = b["order_id"].as_str().unwrap_or_default().to_string();
    if order_id.chars().count() > 30
        || b["reference"]
            .as_str()
            .is_some_and(|r| r.chars().count() > 30)
    {
        return orange_error(
            StatusCode::BAD_REQUEST,
            24,
            "Invalid body field",
            "order_id / reference > 30",
        );
    }
    if !valid_url(&b["notif_url"]) || !valid_url(&b["return_url"]) {
        return orange_error(
            StatusCode::BAD_REQUEST,
            24,
            "Invalid body field",
            "URL expected",
        );
    }
    if lock(&inner)
        .payments
        .iter()
        .any(|p| p.provider == ProviderKind::Orange && p.reference == order_id)
    {
        return orange_error(
            StatusCode::BAD_REQUEST,
            1,
            "Duplicate order_id",
            "order_id already used",
        );
    }
    let pay_token = format!("v1{}", random_hex(20));
    let notif_token = random_hex(16);
    let payment_url = match lock(&inner).orange_payment_page.clone() {
        Some(prefix) => format!("{prefix}{order_id}"),
        None => format!("{}/orange/webpay/{pay_token}", inner.base_url),
    };
    let mut p = new_payment(ProviderKind::Orange, &order_id, &currency);
    p.provider_ref = Some(pay_token.clone());
    p.amount = b["amount"].clone();
    p.description = b["reference"].as_str().unwrap_or_default().to_string();
    p.callback_url = b["notif_url"].as_str().map(str::to_string);
    p.notif_token = Some(notif_token.clone());
    store(&inner, p);
    reply(
        StatusCode::CREATED,
        json!({
            "status": 201,
            "message": "OK",
            "pay_token": pay_token,
            "payment_url": payment_url,
            "notif_token": notif_token,
        }),
    )
}

async fn orange_status(
    inner: Arc<Inner>,
    seg: String,
    headers: HeaderMap,
    body: Bytes,
    ambiguous: bool,
) -> Response {
    hit(&inner, "orange.transactionstatus");
    if let Err(r) = orange_segment(&seg) {
        return r;
    }
    if let Err(r) = orange_authorised(&inner, &headers) {
        return r;
    }
    let b = match orange_body(&headers, &body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    if !b["amount"].is_number() {
        return orange_error(
            StatusCode::BAD_REQUEST,
            24,
            "Invalid body field",
            "amount must be a number",
        );
    }
    let mut state = lock(&inner);
    let ttl = state.orange_ttl.unwrap_or(Duration::from_secs(600));
    let Some(p) = state.payments.iter_mut().find(|p| {
        p.provider == ProviderKind::Orange && p.provider_ref.as_deref() == b["pay_token"].as_str()
    }) else {
        return orange_error(
            StatusCode::BAD_REQUEST,
            25,
            "Invalid pay_token",
            "Unknown pay_token",
        );
    };
    if b["order_id"].as_str() != Some(p.reference.as_str())
        || b["amount"].as_f64() != p.amount.as_f64()
    {
        return orange_error(
            StatusCode::BAD_REQUEST,
            26,
            "Bad request",
            "order_id and amount must match the payment",
        );
    }
    if !p.phase.is_final() && p.created_at.elapsed() > ttl {
        p.phase = Phase::Expired;
    }
    let status = match (ambiguous, p.phase) {
        (true, phase) if !phase.is_final() => "PENDING",
        (_, Phase::Waiting) => "INITIATED",
        (_, Phase::Confirming) => "PENDING",
        (_, Phase::Success) => "SUCCESS",
        (_, Phase::Failed) => "FAILED",
        (_, Phase::Expired) => "EXPIRED",
    };
    let mut out = json!({"status": status, "order_id": p.reference});
    if p.phase == Phase::Success {
        out["txnid"] = json!(p.txnid);
    }
    reply(StatusCode::OK, out)
}

async fn orange_page(Path(token): Path<String>) -> Html<String> {
    let token: String = token
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    Html(format!(
        "<!doctype html><meta charset=utf-8><title>Orange Money (bac à sable)</title>\
         <p>Orange Money — bac à sable. Jeton {token}. Confirmez le paiement sur la page \
         « téléphone » de la plateforme.</p>"
    ))
}

// ---------------------------------------------------------------- Airtel Money

fn airtel_error(
    http: StatusCode,
    result_code: &str,
    response_code: &str,
    message: &str,
) -> Response {
    reply(
        http,
        json!({"status": {
            "code": http.as_u16().to_string(),
            "message": message,
            "result_code": result_code,
            "response_code": response_code,
            "success": false,
        }}),
    )
}

async fn airtel_token(State(inner): S, headers: HeaderMap, body: Bytes) -> Response {
    hit(&inner, "airtel.token");
    if !is_json(&headers) {
        return reply(
            StatusCode::BAD_REQUEST,
            json!({"error": "invalid_request", "error_description": "JSON body expected"}),
        );
    }
    let b: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if b["grant_type"] != "client_credentials" {
        return reply(
            StatusCode::BAD_REQUEST,
            json!({"error": "unsupported_grant_type"}),
        );
    }
    if b["client_id"] != AIRTEL_CLIENT_ID || b["client_secret"] != AIRTEL_CLIENT_SECRET {
        return reply(
            StatusCode::UNAUTHORIZED,
            json!({"error": "invalid_client", "error_description": "Client authentication failed"}),
        );
    }
    let token = random_hex(16);
    let ttl = {
        let mut state = lock(&inner);
        let ttl = state.token_ttl(ProviderKind::Airtel);
        state
            .airtel_tokens
            .insert(token.clone(), Instant::now() + ttl);
        ttl
    };
    reply(
        StatusCode::OK,
        json!({
            "access_token": token,
            "expires_in": ttl.as_secs().to_string(),
            "token_type": "bearer",
        }),
    )
}

/// Bearer, X-Country: CD, X-Currency CDF|USD; returns the currency.
fn airtel_headers(inner: &Inner, headers: &HeaderMap) -> Result<String, Response> {
    if !bearer(headers).is_some_and(|t| live(&lock(inner).airtel_tokens, t)) {
        return Err(airtel_error(
            StatusCode::UNAUTHORIZED,
            "ESB000002",
            "",
            "Invalid or expired token",
        ));
    }
    if header(headers, "x-country") != Some("CD") {
        return Err(airtel_error(
            StatusCode::BAD_REQUEST,
            "ROUTER001",
            "",
            "Wrong or missing X-Country",
        ));
    }
    match header(headers, "x-currency") {
        Some(c @ ("CDF" | "USD")) => Ok(c.to_string()),
        _ => Err(airtel_error(
            StatusCode::BAD_REQUEST,
            "ROUTER003",
            "",
            "Wrong or missing X-Currency",
        )),
    }
}

async fn airtel_pay(
    inner: Arc<Inner>,
    headers: HeaderMap,
    body: Bytes,
    ambiguous: bool,
) -> Response {
    hit(&inner, "airtel.payments");
    let currency = match airtel_headers(&inner, &headers) {
        Ok(c) => c,
        Err(r) => return r,
    };
    if lock(&inner).airtel_signing && !airtel_signed(&inner, &headers, &body) {
        return airtel_error(
            StatusCode::BAD_REQUEST,
            "ESB000008",
            "DP00800001026",
            "x-signature mismatch",
        );
    }
    if !is_json(&headers) {
        return airtel_error(
            StatusCode::BAD_REQUEST,
            "ESB000008",
            "",
            "JSON body expected",
        );
    }
    let b: Value = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(_) => return airtel_error(StatusCode::BAD_REQUEST, "ESB000008", "", "Unreadable JSON"),
    };
    let t = &b["transaction"];
    let s = &b["subscriber"];
    let Some(id) = t["id"].as_str().filter(|s| !s.is_empty()) else {
        return airtel_error(
            StatusCode::BAD_REQUEST,
            "ESB000008",
            "",
            "transaction.id is mandatory",
        );
    };
    if !b["reference"].is_string() {
        return airtel_error(
            StatusCode::BAD_REQUEST,
            "ESB000008",
            "",
            "reference is mandatory",
        );
    }
    let Some(msisdn) = s["msisdn"].as_str() else {
        return airtel_error(
            StatusCode::BAD_REQUEST,
            "ESB000008",
            "",
            "subscriber.msisdn is mandatory",
        );
    };
    if msisdn.len() != 9 || !msisdn.bytes().all(|b| b.is_ascii_digit()) {
        return airtel_error(
            StatusCode::BAD_REQUEST,
            "ESB000008",
            "DP00800001005",
            "Invalid MSISDN: 9 digits, do not send country code",
        );
    }
    for (what, value) in [("transaction", t), ("subscriber", s)] {
        if value["currency"].as_str().is_some_and(|c| c != currency) {
            return airtel_error(
                StatusCode::BAD_REQUEST,
                "ROUTER112",
                "",
                &format!("{what}.currency does not match X-Currency"),
            );
        }
        if value["country"].as_str().is_some_and(|c| c != "CD") {
            return airtel_error(
                StatusCode::BAD_REQUEST,
                "ROUTER112",
                "",
                &format!("{what}.country does not match X-Country"),
            );
        }
    }
    if !t["amount"].is_number()
        || !positive_number(&t["amount"])
        || !whole_if_cdf(&currency, &t["amount"])
    {
        return airtel_error(
            StatusCode::BAD_REQUEST,
            "ESB000011",
            "DP00800001004",
            "Invalid amount",
        );
    }
    if lock(&inner)
        .payments
        .iter()
        .any(|p| p.provider == ProviderKind::Airtel && p.reference == id)
    {
        return airtel_error(
            StatusCode::OK,
            "ESB000041",
            "",
            "External Transaction ID already exists",
        );
    }
    let mut p = new_payment(ProviderKind::Airtel, id, &currency);
    p.msisdn = msisdn.to_string();
    p.amount = t["amount"].clone();
    p.description = b["reference"].as_str().unwrap_or_default().to_string();
    store(&inner, p);
    if ambiguous {
        return airtel_error(
            StatusCode::OK,
            "ESB000001",
            "DP00800001000",
            "Something went wrong",
        );
    }
    reply(
        StatusCode::OK,
        json!({
            "data": {"transaction": {"id": id, "status": "SUCCESS"}},
            "status": {"code": "200", "message": "SUCCESS", "result_code": "ESB000010",
                       "response_code": "DP00800001006", "success": true},
        }),
    )
}

async fn airtel_keys(State(inner): S, headers: HeaderMap) -> Response {
    hit(&inner, "airtel.keys");
    if let Err(r) = airtel_headers(&inner, &headers) {
        return r;
    }
    let valid_upto = crate::db::timestamp(OffsetDateTime::now_utc() + time::Duration::days(1));
    reply(
        StatusCode::OK,
        json!({
            "data": {"key_id": "1", "key": inner.mpesa_public_b64, "valid_upto": valid_upto},
            "status": {"code": "200", "message": "SUCCESS", "result_code": "ESB000010", "success": true},
        }),
    )
}

/// Whether `x-key` and `x-signature` decrypt (with the key published at
/// `/v1/rsa/encryption-keys`) to this exact body.
fn airtel_signed(inner: &Inner, headers: &HeaderMap, body: &[u8]) -> bool {
    match (header(headers, "x-key"), header(headers, "x-signature")) {
        (Some(key), Some(signature)) => crate::payments::providers::airtel::verify_signature(
            inner.mpesa_key,
            key,
            signature,
            body,
        ),
        _ => false,
    }
}

/// Signed payment: `x-key` and `x-signature` must decrypt to this exact body.
async fn airtel_pay_v2(
    inner: Arc<Inner>,
    headers: HeaderMap,
    body: Bytes,
    ambiguous: bool,
) -> Response {
    if let Err(r) = airtel_headers(&inner, &headers) {
        return r;
    }
    if !airtel_signed(&inner, &headers, &body) {
        hit(&inner, "airtel.payments");
        return airtel_error(
            StatusCode::BAD_REQUEST,
            "ESB000008",
            "DP00800001026",
            "x-signature mismatch",
        );
    }
    airtel_pay(inner, headers, body, ambiguous).await
}

async fn airtel_enquiry(
    inner: Arc<Inner>,
    id: String,
    headers: HeaderMap,
    ambiguous: bool,
) -> Response {
    hit(&inner, "airtel.enquiry");
    let currency = match airtel_headers(&inner, &headers) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let state = lock(&inner);
    let Some(p) = state
        .payments
        .iter()
        .find(|p| p.provider == ProviderKind::Airtel && p.reference == id)
    else {
        return airtel_error(
            StatusCode::NOT_FOUND,
            "ESB000010",
            "DP00800001025",
            "Transaction not found",
        );
    };
    if p.currency != currency {
        return airtel_error(
            StatusCode::BAD_REQUEST,
            "ROUTER112",
            "",
            "X-Currency does not match the transaction",
        );
    }
    let (status, response_code, message) = match (ambiguous, p.phase) {
        (true, _) => ("TA", "DP00800001000", "Transaction is ambiguous"),
        (_, Phase::Waiting | Phase::Confirming) => {
            ("TIP", "DP00800001006", "Transaction in progress")
        }
        (_, Phase::Success) => ("TS", "DP00800001001", "Transaction is successful"),
        (_, Phase::Failed) => ("TF", "DP00800001008", "Transaction refused"),
        // The enquiry tells an expired push (TE) from a refusal (TF).
        (_, Phase::Expired) => ("TE", "DP00800001029", "Transaction expired"),
    };
    let airtel_money_id = if status == "TS" {
        p.txnid.clone()
    } else {
        None
    };
    reply(
        StatusCode::OK,
        json!({
            "data": {"transaction": {
                "airtel_money_id": airtel_money_id,
                "id": p.reference,
                "message": message,
                "status": status,
            }},
            "status": {"code": "200", "message": "SUCCESS", "result_code": "ESB000010",
                       "response_code": response_code, "success": true},
        }),
    )
}

// ---------------------------------------------------------------- M-Pesa OpenAPI

fn mpesa_error(http: StatusCode, code: &str, desc: &str) -> Response {
    reply(
        http,
        json!({"output_ResponseCode": code, "output_ResponseDesc": desc}),
    )
}

fn mpesa_decrypt(inner: &Inner, headers: &HeaderMap) -> Option<String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(bearer(headers)?.trim())
        .ok()?;
    let plain = inner.mpesa_key.decrypt(Pkcs1v15Encrypt, &bytes).ok()?;
    String::from_utf8(plain).ok()
}

fn mpesa_origin(headers: &HeaderMap) -> Result<(), Response> {
    if header(headers, "origin").is_some_and(|o| !o.is_empty()) {
        Ok(())
    } else {
        Err(mpesa_error(
            StatusCode::BAD_REQUEST,
            "INS-20",
            "Not all parameters are provided: Origin",
        ))
    }
}

/// The call's session must be known, active (its activation delay passed: what M-Pesa answers
/// before is undocumented, the fake refuses it like an invalid key) and not expired.
fn mpesa_session_ok(inner: &Inner, headers: &HeaderMap) -> Result<(), Response> {
    mpesa_origin(headers)?;
    let now = Instant::now();
    let usable = mpesa_decrypt(inner, headers).is_some_and(|s| {
        lock(inner)
            .mpesa_sessions
            .get(&s)
            .is_some_and(|(from, until)| *from <= now && now < *until)
    });
    if usable {
        Ok(())
    } else {
        Err(mpesa_error(
            StatusCode::UNAUTHORIZED,
            "INS-2",
            "Invalid API Key",
        ))
    }
}

/// M-Pesa's answer to a refused PIN prompt, with the HTTP status its code table gives.
fn mpesa_refusal(code: &str) -> Response {
    match code {
        "INS-6" => mpesa_error(StatusCode::UNAUTHORIZED, "INS-6", "Transaction Failed"),
        "INS-2006" => mpesa_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "INS-2006",
            "Insufficient balance",
        ),
        _ => mpesa_error(
            StatusCode::UNAUTHORIZED,
            "INS-5",
            "Transaction cancelled by customer",
        ),
    }
}

fn refusal_of(inner: &Inner, reference: &str) -> &'static str {
    lock(inner)
        .payments
        .iter()
        .find(|p| p.provider == ProviderKind::Mpesa && p.reference == reference)
        .and_then(|p| p.refusal)
        .unwrap_or("INS-5")
}

async fn mpesa_session(State(inner): S, headers: HeaderMap) -> Response {
    hit(&inner, "mpesa.session");
    if let Err(r) = mpesa_origin(&headers) {
        return r;
    }
    if mpesa_decrypt(&inner, &headers).as_deref() != Some(MPESA_API_KEY) {
        return mpesa_error(StatusCode::UNAUTHORIZED, "INS-2", "Invalid API Key");
    }
    let session = random_hex(16);
    {
        let mut state = lock(&inner);
        let from = Instant::now() + state.mpesa_activation();
        let until = from + state.token_ttl(ProviderKind::Mpesa);
        state.mpesa_sessions.insert(session.clone(), (from, until));
    }
    reply(
        StatusCode::OK,
        json!({
            "output_ResponseCode": "INS-0",
            "output_ResponseDesc": "Request processed successfully",
            "output_SessionID": session,
        }),
    )
}

fn mpesa_amount_ok(currency: &str, amount: &str) -> bool {
    let (int, frac) = amount.split_once('.').unwrap_or((amount, ""));
    !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
        && frac.len() <= 2
        && (currency != "CDF" || frac.trim_end_matches('0').is_empty())
        && amount.parse::<f64>().is_ok_and(|n| n > 0.0)
}

async fn mpesa_single_stage(
    inner: Arc<Inner>,
    headers: HeaderMap,
    body: Bytes,
    ambiguous: bool,
) -> Response {
    hit(&inner, "mpesa.single_stage");
    if let Err(r) = mpesa_session_ok(&inner, &headers) {
        return r;
    }
    if !is_json(&headers) {
        return mpesa_error(
            StatusCode::BAD_REQUEST,
            "INS-21",
            "Parameter validations failed: JSON expected",
        );
    }
    let b: Value = match serde_json::from_slice(&body) {
        Ok(Value::Object(m)) => Value::Object(m),
        _ => {
            return mpesa_error(
                StatusCode::BAD_REQUEST,
                "INS-21",
                "Parameter validations failed",
            );
        }
    };
    let fields = [
        "input_Amount",
        "input_Country",
        "input_Currency",
        "input_CustomerMSISDN",
        "input_ServiceProviderCode",
        "input_ThirdPartyConversationID",
        "input_TransactionReference",
        "input_PurchasedItemsDesc",
    ];
    for f in fields {
        match &b[f] {
            Value::Null => {
                return mpesa_error(
                    StatusCode::BAD_REQUEST,
                    "INS-20",
                    &format!("Not all parameters are provided: {f}"),
                );
            }
            Value::String(_) => {}
            _ => {
                return mpesa_error(
                    StatusCode::BAD_REQUEST,
                    "INS-21",
                    &format!("Parameter validations failed: {f} must be a string"),
                );
            }
        }
    }
    let text = |f: &str| b[f].as_str().unwrap_or_default().to_string();
    let (currency, reference, conversation) = (
        text("input_Currency"),
        text("input_TransactionReference"),
        text("input_ThirdPartyConversationID"),
    );
    if text("input_Country") != "DRC" {
        return mpesa_error(StatusCode::BAD_REQUEST, "INS-998", "Invalid Market");
    }
    if !matches!(currency.as_str(), "CDF" | "USD") {
        return mpesa_error(
            StatusCode::BAD_REQUEST,
            "INS-21",
            "Parameter validations failed: currency",
        );
    }
    if text("input_ServiceProviderCode") != MPESA_SHORT_CODE {
        return mpesa_error(StatusCode::BAD_REQUEST, "INS-13", "Invalid Shortcode Used");
    }
    if reference.is_empty() || reference.chars().count() > 20 {
        return mpesa_error(
            StatusCode::BAD_REQUEST,
            "INS-17",
            "Invalid Transaction Reference. Length Should Be Between 1 and 20.",
        );
    }
    let msisdn = text("input_CustomerMSISDN");
    let msisdn_ok = msisdn.len() == 12
        && msisdn.starts_with("243")
        && matches!(msisdn.as_bytes()[3], b'8' | b'9')
        && msisdn.bytes().all(|b| b.is_ascii_digit());
    if !msisdn_ok {
        return mpesa_error(StatusCode::BAD_REQUEST, "INS-2051", "MSISDN invalid.");
    }
    let amount = text("input_Amount");
    if !mpesa_amount_ok(&currency, &amount) {
        return mpesa_error(StatusCode::BAD_REQUEST, "INS-15", "Invalid Amount Used");
    }
    let duplicate = {
        let state = lock(&inner);
        state.mpesa_conversations.contains(&conversation)
            || state
                .payments
                .iter()
                .any(|p| p.provider == ProviderKind::Mpesa && p.reference == reference)
    };
    if duplicate {
        return mpesa_error(StatusCode::CONFLICT, "INS-10", "Duplicate Transaction");
    }
    lock(&inner)
        .mpesa_conversations
        .insert(conversation.clone());
    let waiter = Arc::new(tokio::sync::Notify::new());
    let transaction_id = upper_id(10);
    let conversation_id = random_hex(16);
    let mut p = new_payment(ProviderKind::Mpesa, &reference, &currency);
    p.provider_ref = Some(transaction_id.clone());
    p.msisdn = msisdn;
    p.amount = Value::String(amount);
    p.description = text("input_PurchasedItemsDesc");
    p.conversation_id = Some(conversation_id.clone());
    p.third_party_conversation_id = Some(conversation.clone());
    p.waiter = Some(waiter.clone());
    store(&inner, p);
    if ambiguous {
        return mpesa_error(StatusCode::REQUEST_TIMEOUT, "INS-9", "Request timeout");
    }
    // The real call blocks while the customer is prompted for the PIN.
    let prompt = lock(&inner)
        .mpesa_prompt
        .unwrap_or(Duration::from_secs(120));
    let _ = tokio::time::timeout(prompt, waiter.notified()).await;
    let phase = lock(&inner)
        .payments
        .iter()
        .find(|p| p.provider == ProviderKind::Mpesa && p.reference == reference)
        .map(|p| p.phase);
    match phase {
        Some(Phase::Success) => reply(
            StatusCode::OK,
            json!({
                "output_ResponseCode": "INS-0",
                "output_ResponseDesc": "Request processed successfully",
                "output_TransactionID": transaction_id,
                "output_ConversationID": conversation_id,
                "output_ThirdPartyConversationID": conversation,
            }),
        ),
        Some(Phase::Failed) => mpesa_refusal(refusal_of(&inner, &reference)),
        _ => mpesa_error(StatusCode::REQUEST_TIMEOUT, "INS-9", "Request timeout"),
    }
}

async fn mpesa_query(
    inner: Arc<Inner>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    ambiguous: bool,
) -> Response {
    hit(&inner, "mpesa.query");
    if let Err(r) = mpesa_session_ok(&inner, &headers) {
        return r;
    }
    let params: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    for f in [
        "input_QueryReference",
        "input_ServiceProviderCode",
        "input_ThirdPartyConversationID",
        "input_Country",
    ] {
        if params.get(f).is_none_or(|v| v.is_empty()) {
            return mpesa_error(
                StatusCode::BAD_REQUEST,
                "INS-20",
                &format!("Not all parameters are provided: {f}"),
            );
        }
    }
    if params["input_ServiceProviderCode"] != MPESA_SHORT_CODE {
        return mpesa_error(StatusCode::BAD_REQUEST, "INS-13", "Invalid Shortcode Used");
    }
    if params["input_Country"] != "DRC" {
        return mpesa_error(StatusCode::BAD_REQUEST, "INS-998", "Invalid Market");
    }
    let key = &params["input_QueryReference"];
    let state = lock(&inner);
    let Some(p) = state.payments.iter().find(|p| {
        p.provider == ProviderKind::Mpesa
            && (&p.reference == key
                || p.provider_ref.as_ref() == Some(key)
                || p.conversation_id.as_ref() == Some(key))
    }) else {
        return mpesa_error(StatusCode::BAD_REQUEST, "INS-23", "Unknown Status");
    };
    let status = match (ambiguous, p.phase) {
        (true, _) => "N/A",
        (_, Phase::Waiting | Phase::Confirming) => "Pending",
        (_, Phase::Success) => "Completed",
        (_, Phase::Failed) if p.refusal.is_none_or(|c| c == "INS-5") => "Cancelled",
        (_, Phase::Failed) => "Failed",
        (_, Phase::Expired) => "Expired",
    };
    reply(
        StatusCode::OK,
        json!({
            "output_ResponseCode": "INS-0",
            "output_ResponseDesc": "Request processed successfully",
            "output_ResponseTransactionStatus": status,
            "output_ConversationID": p.conversation_id,
            "output_ThirdPartyConversationID": params["input_ThirdPartyConversationID"],
            "output_TransactionID": p.provider_ref,
        }),
    )
}

// ---------------------------------------------------------------- FlexPay

fn flexpay_error(http: StatusCode, message: &str) -> Response {
    reply(
        http,
        json!({"code": "1", "message": message, "orderNumber": null}),
    )
}

fn flexpay_authorised(headers: &HeaderMap) -> Result<(), Response> {
    if bearer(headers) == Some(FLEXPAY_TOKEN) {
        Ok(())
    } else {
        Err(flexpay_error(StatusCode::UNAUTHORIZED, "Unauthorized"))
    }
}

async fn flexpay_pay(
    inner: Arc<Inner>,
    headers: HeaderMap,
    body: Bytes,
    _ambiguous: bool,
) -> Response {
    hit(&inner, "flexpay.payment");
    if let Err(r) = flexpay_authorised(&headers) {
        return r;
    }
    if !is_json(&headers) {
        return flexpay_error(StatusCode::BAD_REQUEST, "JSON attendu");
    }
    let b: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if b["merchant"] != FLEXPAY_MERCHANT {
        return flexpay_error(StatusCode::OK, "Marchand inconnu");
    }
    if !(b["type"] == json!(1) || b["type"] == "1") {
        return flexpay_error(StatusCode::OK, "Type de transaction invalide");
    }
    let Some(reference) = b["reference"].as_str().filter(|r| !r.is_empty()) else {
        return flexpay_error(StatusCode::OK, "La référence est obligatoire");
    };
    let phone = b["phone"].as_str().unwrap_or_default();
    if phone.len() != 12 || !phone.starts_with("243") || !phone.bytes().all(|c| c.is_ascii_digit())
    {
        return flexpay_error(
            StatusCode::OK,
            "Le numéro doit avoir 12 caractères, ex. 243123456789",
        );
    }
    let currency = b["currency"].as_str().unwrap_or_default().to_string();
    if !matches!(currency.as_str(), "CDF" | "USD") {
        return flexpay_error(StatusCode::OK, "Devise invalide");
    }
    if !b["amount"].is_number()
        || !positive_number(&b["amount"])
        || !whole_if_cdf(&currency, &b["amount"])
    {
        return flexpay_error(StatusCode::OK, "Le montant doit être un nombre positif");
    }
    if !valid_url(&b["callbackUrl"]) {
        return flexpay_error(StatusCode::OK, "callbackUrl obligatoire");
    }
    if lock(&inner)
        .payments
        .iter()
        .any(|p| p.provider == ProviderKind::Flexpay && p.reference == reference)
    {
        return flexpay_error(StatusCode::OK, "Cette référence existe déjà");
    }
    let order_number = upper_id(12);
    let mut p = new_payment(ProviderKind::Flexpay, reference, &currency);
    p.provider_ref = Some(order_number.clone());
    p.msisdn = phone.to_string();
    p.amount = b["amount"].clone();
    p.description = b["description"].as_str().unwrap_or_default().to_string();
    p.callback_url = b["callbackUrl"].as_str().map(str::to_string);
    store(&inner, p);
    reply(
        StatusCode::OK,
        json!({"code": "0", "message": "Transaction envoyée avec succès", "orderNumber": order_number}),
    )
}

async fn flexpay_check(
    inner: Arc<Inner>,
    order: String,
    headers: HeaderMap,
    ambiguous: bool,
) -> Response {
    hit(&inner, "flexpay.check");
    if let Err(r) = flexpay_authorised(&headers) {
        return r;
    }
    let state = lock(&inner);
    let Some(p) = state.payments.iter().find(|p| {
        p.provider == ProviderKind::Flexpay && p.provider_ref.as_deref() == Some(order.as_str())
    }) else {
        return reply(
            StatusCode::OK,
            json!({"code": "1", "message": "Transaction introuvable", "transaction": null}),
        );
    };
    // Only the documented values: "0" success, "1" anything else (pending, refused, expired).
    let status = match (ambiguous, p.phase) {
        (false, Phase::Success) => "0",
        _ => "1",
    };
    reply(
        StatusCode::OK,
        json!({
            "code": "0",
            "message": "Transaction trouvée",
            "transaction": {
                "reference": p.reference,
                "orderNumber": p.provider_ref,
                "status": status,
                "amount": p.amount,
                "amountCustomer": p.amount,
                "currency": p.currency,
                "createdAt": crate::db::timestamp(p.created),
                "channel": "mpesa",
            },
        }),
    )
}

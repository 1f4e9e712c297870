//! The fake Orange Money Web Payment API: OAuth token, web payment, status and the payment page.

// The checks return ready-made error responses; boxing them would only add noise to a fake.
#![allow(clippy::result_large_err)]

use std::sync::Arc;
use std::time::Duration;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::Path;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::Html;
use axum::response::Response;
use base64::Engine;
use serde_json::Value;
use serde_json::json;

use super::{
    S, bearer, header, hit, is_json, live, new_payment, positive_number, reply, store, valid_url,
    whole_if_cdf,
};
use crate::payments::providers::ProviderKind;
use crate::payments::sandbox::{
    Inner, ORANGE_CLIENT_ID, ORANGE_CLIENT_SECRET, ORANGE_MERCHANT_KEY, ORANGE_SEGMENT, Phase, lock,
};
use crate::web::tokens::random_hex;

fn orange_error(status: StatusCode, code: i64, message: &str, description: &str) -> Response {
    reply(
        status,
        json!({"code": code, "message": message, "description": description}),
    )
}

pub(super) async fn orange_token(State(inner): S, headers: HeaderMap, body: Bytes) -> Response {
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

pub(super) async fn orange_webpayment(
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

pub(super) async fn orange_status(
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

pub(super) async fn orange_page(Path(token): Path<String>) -> Html<String> {
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

//! The fake Airtel Money API: OAuth token, RSA keys, signed v2 payments, v1 payments and enquiry.

// The checks return ready-made error responses; boxing them would only add noise to a fake.
#![allow(clippy::result_large_err)]

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;
use serde_json::json;
use time::OffsetDateTime;

use super::{
    S, bearer, header, hit, is_json, live, new_payment, positive_number, reply, store, whole_if_cdf,
};
use crate::payments::providers::ProviderKind;
use crate::payments::sandbox::{AIRTEL_CLIENT_ID, AIRTEL_CLIENT_SECRET, Inner, Phase, lock};
use crate::web::tokens::random_hex;

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

pub(super) async fn airtel_token(State(inner): S, headers: HeaderMap, body: Bytes) -> Response {
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

pub(super) async fn airtel_pay(
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

pub(super) async fn airtel_keys(State(inner): S, headers: HeaderMap) -> Response {
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
pub(super) async fn airtel_pay_v2(
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

pub(super) async fn airtel_enquiry(
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

//! The fake FlexPay aggregator: payment service and check.

// The checks return ready-made error responses; boxing them would only add noise to a fake.
#![allow(clippy::result_large_err)]

use std::sync::Arc;

use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;
use serde_json::json;

use super::{
    bearer, hit, is_json, new_payment, positive_number, reply, store, upper_id, valid_url,
    whole_if_cdf,
};
use crate::payments::providers::ProviderKind;
use crate::payments::sandbox::{FLEXPAY_MERCHANT, FLEXPAY_TOKEN, Inner, Phase, lock};

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

pub(super) async fn flexpay_pay(
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

pub(super) async fn flexpay_check(
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

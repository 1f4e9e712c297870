//! The fake M-Pesa OpenAPI (Vodacom DRC): session, single-stage C2B payment and status query.

// The checks return ready-made error responses; boxing them would only add noise to a fake.
#![allow(clippy::result_large_err)]

use std::sync::Arc;
use std::time::Duration;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::RawQuery;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine;
use rsa::Pkcs1v15Encrypt;
use serde_json::Value;
use serde_json::json;

use super::{S, bearer, header, hit, is_json, new_payment, reply, store, upper_id};
use crate::payments::providers::ProviderKind;
use crate::payments::sandbox::{Inner, MPESA_API_KEY, MPESA_SHORT_CODE, Phase, lock};
use crate::web::tokens::random_hex;

pub(super) fn mpesa_error(http: StatusCode, code: &str, desc: &str) -> Response {
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

pub(super) async fn mpesa_session(State(inner): S, headers: HeaderMap) -> Response {
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

pub(super) async fn mpesa_single_stage(
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

pub(super) async fn mpesa_query(
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

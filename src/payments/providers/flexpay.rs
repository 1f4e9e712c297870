//! FlexPay (Infoset, flexpay.cd), one contract for M-Pesa, Airtel, Orange: static bearer
//! token + merchant code; `paymentService` → `{code:"0", orderNumber}` (received, not paid);
//! callback `{code, reference, orderNumber, …}` (unsigned); `check/{orderNumber}`.
//!
//! Status codes, exactly as protocols.md documents them: `check` → `transaction.status` "0" is
//! success, and the callback's `code` "0" is success. Nothing else is documented (the vendor
//! documentation is private), so every other value — "1", "2", missing — stays pending until
//! a later check says "0", or the payment expires: never guessed as failed.

use axum::http::HeaderMap;
use serde_json::{Value, json};

use super::{
    CallbackHint, FlexpayConfig, Initiated, PaymentLookup, PaymentRequest, Provider, ProviderError,
    ProviderKind, ProviderStatus, StatusReport, http_client, major_amount_json, unavailable,
};
use crate::payments::msisdn;

pub struct Flexpay {
    cfg: FlexpayConfig,
    client: reqwest::Client,
}

/// FlexPay sends codes as `"0"` or `0`.
fn code(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A `check/{orderNumber}` answer: succeeded only on `code` "0" with `transaction.status` "0";
/// anything undocumented is pending.
pub fn map_check(raw: &Value) -> ProviderStatus {
    match (
        code(&raw["code"]).as_deref(),
        code(&raw["transaction"]["status"]).as_deref(),
    ) {
        (Some("0"), Some("0")) => ProviderStatus::Succeeded,
        _ => ProviderStatus::Pending,
    }
}

/// What a callback claims: success on `code` "0"; anything else says nothing (the payment is
/// queried back either way).
pub fn map_callback(raw: &Value) -> ProviderStatus {
    match code(&raw["code"]).as_deref() {
        Some("0") => ProviderStatus::Succeeded,
        _ => ProviderStatus::Unknown,
    }
}

impl Flexpay {
    pub fn new(cfg: FlexpayConfig) -> Self {
        let client = http_client(cfg.timeout);
        Self { cfg, client }
    }

    async fn send(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<(reqwest::StatusCode, Value), ProviderError> {
        let response = request
            .bearer_auth(&self.cfg.token)
            .header("Accept", "application/json")
            .send()
            .await
            .map_err(unavailable)?;
        let status = response.status();
        let text = response.text().await.map_err(unavailable)?;
        let json = serde_json::from_str(&text).unwrap_or(Value::String(text));
        if status.is_server_error() {
            return Err(ProviderError::Unavailable(format!("FlexPay HTTP {status}")));
        }
        if status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::FORBIDDEN {
            return Err(ProviderError::NotConfigured(format!(
                "FlexPay HTTP {status}"
            )));
        }
        Ok((status, json))
    }
}

#[async_trait::async_trait]
impl Provider for Flexpay {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Flexpay
    }

    async fn initiate(&self, request: &PaymentRequest) -> Result<Initiated, ProviderError> {
        let phone = msisdn::for_provider(ProviderKind::Flexpay, &request.msisdn_e164)
            .ok_or_else(|| ProviderError::Rejected("invalid phone number".into()))?;
        let body = json!({
            "merchant": self.cfg.merchant,
            "type": 1,
            "reference": request.reference,
            "phone": phone,
            "amount": major_amount_json(request.currency, request.amount_minor)?,
            "currency": request.currency.code(),
            "callbackUrl": request.callback_url,
            "description": request.description,
        });
        let (status, raw) = self
            .send(
                self.client
                    .post(format!("{}/paymentService", self.cfg.base_url))
                    .json(&body),
            )
            .await?;
        let order_number = raw["orderNumber"]
            .as_str()
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        match code(&raw["code"]).as_deref() {
            Some("0") if status.is_success() => Ok(Initiated {
                status: if order_number.is_some() {
                    ProviderStatus::Pending
                } else {
                    ProviderStatus::Unknown
                },
                provider_ref: order_number,
                redirect_url: None,
                callback_secret: None,
                raw,
            }),
            Some(_) => Err(ProviderError::Rejected(format!(
                "FlexPay: {}",
                raw["message"].as_str().unwrap_or("")
            ))),
            None => Err(ProviderError::Unavailable(format!(
                "FlexPay HTTP {status} unreadable"
            ))),
        }
    }

    async fn query(&self, payment: &PaymentLookup) -> Result<StatusReport, ProviderError> {
        let Some(order_number) = payment.provider_ref.clone() else {
            return Ok(StatusReport {
                status: ProviderStatus::Unknown,
                provider_ref: None,
                raw: json!({"error": "orderNumber inconnu"}),
            });
        };
        let (_, raw) = self
            .send(
                self.client
                    .get(format!("{}/check/{order_number}", self.cfg.base_url)),
            )
            .await?;
        let transaction = &raw["transaction"];
        let mut report = map_check(&raw);
        // The check must be about this payment: same reference, currency and amount.
        let amount = super::minor_from_major(payment.currency, &transaction["amount"]);
        if transaction["reference"]
            .as_str()
            .is_some_and(|r| r != payment.reference)
            || transaction["currency"]
                .as_str()
                .is_some_and(|c| c != payment.currency.code())
            || (report == ProviderStatus::Succeeded && amount != Some(payment.amount_minor))
        {
            report = ProviderStatus::Unknown;
        }
        Ok(StatusReport {
            status: report,
            provider_ref: Some(order_number),
            raw,
        })
    }

    fn parse_callback(
        &self,
        _headers: &HeaderMap,
        body: &[u8],
    ) -> Result<CallbackHint, ProviderError> {
        let raw: Value = serde_json::from_slice(body)
            .map_err(|_| ProviderError::InvalidCallback("unreadable JSON body".into()))?;
        let reference = raw["reference"]
            .as_str()
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        let provider_ref = raw["orderNumber"]
            .as_str()
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        if reference.is_none() && provider_ref.is_none() {
            return Err(ProviderError::InvalidCallback("reference missing".into()));
        }
        let claimed = map_callback(&raw);
        Ok(CallbackHint {
            reference,
            provider_ref,
            claimed,
            secret: None,
            raw,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_check_succeeds_only_on_the_documented_status_zero() {
        let check = |code: Value, status: Value| {
            map_check(&json!({"code": code, "message": "", "transaction": {"status": status}}))
        };
        assert_eq!(check(json!("0"), json!("0")), ProviderStatus::Succeeded);
        assert_eq!(check(json!(0), json!(0)), ProviderStatus::Succeeded);
        // "1" is not documented as a failure: pending until "0" or expiry.
        assert_eq!(check(json!("0"), json!("1")), ProviderStatus::Pending);
        assert_eq!(check(json!("0"), json!(1)), ProviderStatus::Pending);
    }

    #[test]
    fn an_undocumented_check_status_stays_pending() {
        for (code, status) in [
            (json!("0"), json!("2")),
            (json!("0"), json!("PENDING")),
            (json!("0"), json!("")),
            (json!("0"), Value::Null),
            (json!("1"), json!("0")),
            (Value::Null, json!("0")),
        ] {
            let raw = json!({"code": code, "transaction": {"status": status}});
            assert_eq!(map_check(&raw), ProviderStatus::Pending, "{raw}");
        }
        assert_eq!(map_check(&json!({"code": "0"})), ProviderStatus::Pending);
        assert_eq!(map_check(&Value::Null), ProviderStatus::Pending);
    }

    #[test]
    fn only_a_zero_callback_claims_success_and_nothing_claims_failure() {
        assert_eq!(
            map_callback(&json!({"code": "0"})),
            ProviderStatus::Succeeded
        );
        assert_eq!(map_callback(&json!({"code": 0})), ProviderStatus::Succeeded);
        for code in [json!("1"), json!("2"), json!(""), Value::Null] {
            assert_eq!(
                map_callback(&json!({"code": code})),
                ProviderStatus::Unknown,
                "{code}"
            );
        }
    }
}

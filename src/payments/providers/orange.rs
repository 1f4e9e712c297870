//! Orange Money Web Payment: OAuth v3 token (Basic auth, form body, `expires_in` as a string),
//! `webpayment` (201 → pay_token, payment_url, notif_token), `transactionstatus`, and the
//! notification `{status, notif_token, txnid}` whose only check is the notif_token.

use std::time::{Duration, Instant};

use axum::http::HeaderMap;
use base64::Engine;
use serde_json::{Value, json};
use tokio::sync::Mutex;

use super::{
    CallbackHint, Initiated, OrangeConfig, PaymentLookup, PaymentRequest, Provider, ProviderError,
    ProviderKind, ProviderStatus, StatusReport, http_client, major_amount_json, unavailable,
};

pub struct Orange {
    cfg: OrangeConfig,
    client: reqwest::Client,
    token: Mutex<Option<(String, Instant)>>,
}

/// `order_id` and `reference` are limited to 30 characters.
const MAX_FIELD: usize = 30;

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// Maps Orange's transaction status to ours.
pub fn map_status(status: &str) -> ProviderStatus {
    match status.trim().to_ascii_uppercase().as_str() {
        "INITIATED" | "PENDING" => ProviderStatus::Pending,
        "SUCCESS" => ProviderStatus::Succeeded,
        "FAILED" => ProviderStatus::Failed,
        "EXPIRED" => ProviderStatus::Expired,
        _ => ProviderStatus::Unknown,
    }
}

impl Orange {
    pub fn new(cfg: OrangeConfig) -> Self {
        let client = http_client(cfg.timeout);
        Self {
            cfg,
            client,
            token: Mutex::new(None),
        }
    }

    fn api(&self, op: &str) -> String {
        format!(
            "{}/orange-money-webpay/{}/v1/{op}",
            self.cfg.base_url, self.cfg.country_segment
        )
    }

    async fn token(&self, fresh: bool) -> Result<String, ProviderError> {
        let mut cached = self.token.lock().await;
        if !fresh
            && let Some((token, until)) = cached.as_ref()
            && Instant::now() < *until
        {
            return Ok(token.clone());
        }
        let basic = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", self.cfg.client_id, self.cfg.client_secret));
        let response = self
            .client
            .post(format!("{}/oauth/v3/token", self.cfg.base_url))
            .header("Authorization", format!("Basic {basic}"))
            .header("Accept", "application/json")
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .map_err(unavailable)?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if status.is_server_error() {
            return Err(ProviderError::Unavailable(format!(
                "jeton Orange : HTTP {status}"
            )));
        }
        if !status.is_success() {
            return Err(ProviderError::NotConfigured(format!(
                "Orange token refused (HTTP {status}): {body}"
            )));
        }
        let token = body["access_token"]
            .as_str()
            .ok_or_else(|| ProviderError::Unavailable("Orange token missing".into()))?
            .to_string();
        // `expires_in` is a string ("7776000"); accept a number too.
        let secs = match &body["expires_in"] {
            Value::String(s) => s.trim().parse::<u64>().unwrap_or(3600),
            Value::Number(n) => n.as_u64().unwrap_or(3600),
            _ => 3600,
        };
        let until = Instant::now() + Duration::from_secs(secs.saturating_sub(60).max(1));
        *cached = Some((token.clone(), until));
        Ok(token)
    }

    /// POSTs JSON with the bearer token, renewing the token once on a 401.
    async fn post(
        &self,
        url: &str,
        body: &Value,
    ) -> Result<(reqwest::StatusCode, Value), ProviderError> {
        let mut fresh = false;
        loop {
            let token = self.token(fresh).await?;
            let response = self
                .client
                .post(url)
                .bearer_auth(&token)
                .header("Accept", "application/json")
                .json(body)
                .send()
                .await
                .map_err(unavailable)?;
            let status = response.status();
            if status == reqwest::StatusCode::UNAUTHORIZED && !fresh {
                fresh = true;
                continue;
            }
            let text = response.text().await.map_err(unavailable)?;
            let json = serde_json::from_str(&text).unwrap_or(Value::String(text));
            return Ok((status, json));
        }
    }
}

fn error_text(body: &Value) -> String {
    let message = body["message"].as_str().unwrap_or("");
    let description = body["description"].as_str().unwrap_or("");
    format!("Orange {} {message} {description}", body["code"])
        .trim()
        .to_string()
}

#[async_trait::async_trait]
impl Provider for Orange {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Orange
    }

    async fn initiate(&self, request: &PaymentRequest) -> Result<Initiated, ProviderError> {
        if request.reference.is_empty() || request.reference.chars().count() > MAX_FIELD {
            return Err(ProviderError::Rejected(
                "reference of 1 to 30 characters".into(),
            ));
        }
        let amount = major_amount_json(request.currency, request.amount_minor)?;
        let body = json!({
            "merchant_key": self.cfg.merchant_key,
            "currency": request.currency.code(),
            "order_id": request.reference,
            "amount": amount,
            "return_url": request.return_url,
            "cancel_url": request.return_url,
            "notif_url": request.callback_url,
            "lang": self.cfg.lang,
            "reference": truncate(&request.description, MAX_FIELD),
        });
        let (status, raw) = self.post(&self.api("webpayment"), &body).await?;
        if status.is_server_error() {
            return Err(ProviderError::Unavailable(format!("Orange HTTP {status}")));
        }
        if !status.is_success() {
            return Err(ProviderError::Rejected(error_text(&raw)));
        }
        let pay_token = raw["pay_token"].as_str().map(str::to_string);
        let payment_url = raw["payment_url"].as_str().map(str::to_string);
        let notif_token = raw["notif_token"].as_str().map(str::to_string);
        if pay_token.is_none() || payment_url.is_none() || notif_token.is_none() {
            // Accepted but unreadable: the session may exist; never guess.
            return Ok(Initiated {
                status: ProviderStatus::Unknown,
                provider_ref: pay_token,
                redirect_url: payment_url,
                callback_secret: notif_token,
                raw,
            });
        }
        Ok(Initiated {
            status: ProviderStatus::Pending,
            provider_ref: pay_token,
            redirect_url: payment_url,
            callback_secret: notif_token,
            raw,
        })
    }

    /// `provider_ref` must be the pay_token returned by `initiate`; the report keeps it as
    /// `provider_ref` (Orange's `txnid` is in `raw`).
    async fn query(&self, payment: &PaymentLookup) -> Result<StatusReport, ProviderError> {
        let Some(pay_token) = payment.provider_ref.clone() else {
            return Ok(StatusReport {
                status: ProviderStatus::Unknown,
                provider_ref: None,
                raw: json!({"error": "pay_token inconnu"}),
            });
        };
        let body = json!({
            "order_id": payment.reference,
            "amount": major_amount_json(payment.currency, payment.amount_minor)?,
            "pay_token": pay_token,
        });
        let (status, raw) = self.post(&self.api("transactionstatus"), &body).await?;
        if status.is_server_error() {
            return Err(ProviderError::Unavailable(format!("Orange HTTP {status}")));
        }
        if !status.is_success() {
            return Err(ProviderError::Rejected(error_text(&raw)));
        }
        let mut report = map_status(raw["status"].as_str().unwrap_or(""));
        if raw["order_id"]
            .as_str()
            .is_some_and(|o| o != payment.reference)
        {
            report = ProviderStatus::Unknown;
        }
        Ok(StatusReport {
            status: report,
            provider_ref: Some(pay_token),
            raw,
        })
    }

    /// The notification carries no reference: the platform finds the payment by
    /// `hint.secret` (the notif_token stored as `callback_secret`), then queries back.
    fn parse_callback(
        &self,
        _headers: &HeaderMap,
        body: &[u8],
    ) -> Result<CallbackHint, ProviderError> {
        let raw: Value = serde_json::from_slice(body)
            .map_err(|_| ProviderError::InvalidCallback("unreadable JSON body".into()))?;
        let notif_token = raw["notif_token"]
            .as_str()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ProviderError::InvalidCallback("notif_token missing".into()))?
            .to_string();
        let claimed = match raw["status"].as_str().map(map_status) {
            Some(ProviderStatus::Succeeded) => ProviderStatus::Succeeded,
            Some(ProviderStatus::Failed) => ProviderStatus::Failed,
            Some(ProviderStatus::Expired) => ProviderStatus::Expired,
            Some(_) => ProviderStatus::Unknown,
            None => return Err(ProviderError::InvalidCallback("status missing".into())),
        };
        Ok(CallbackHint {
            reference: raw["order_id"].as_str().map(str::to_string),
            provider_ref: None,
            claimed,
            secret: Some(notif_token),
            raw,
        })
    }
}

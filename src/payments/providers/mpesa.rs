//! Vodacom M-Pesa OpenAPI, market `vodacomDRC`: the API key RSA-encrypted (PKCS#1 v1.5) with
//! the portal's public key → `getSession`; every later call carries the session id encrypted
//! the same way; `c2bPayment/singleStage/` with `input_*` string fields blocks during the PIN
//! prompt (INS-0 = paid); `queryTransactionStatus`. Business errors come with non-2xx codes.

use std::time::{Duration, Instant};

use axum::http::HeaderMap;
use base64::Engine;
use rsa::pkcs8::DecodePublicKey;
use rsa::{Pkcs1v15Encrypt, RsaPublicKey};
use serde_json::{Value, json};
use tokio::sync::Mutex;

use super::{
    CallbackHint, Initiated, MpesaConfig, PaymentLookup, PaymentRequest, Provider, ProviderError,
    ProviderKind, ProviderStatus, StatusReport, http_client, major_amount, unavailable,
};
use crate::payments::msisdn;
use crate::web::tokens::random_hex;

/// Assumed session lifetime (the real one is not documented).
const SESSION_LIFETIME: Duration = Duration::from_secs(55 * 60);

pub struct Mpesa {
    cfg: MpesaConfig,
    key: RsaPublicKey,
    client: reqwest::Client,
    session: Mutex<Option<(String, Instant)>>,
}

/// Reads the portal's public key: Base64 of an X.509 SubjectPublicKeyInfo DER (or a PEM).
pub fn parse_public_key(text: &str) -> anyhow::Result<RsaPublicKey> {
    let text = text.trim();
    if text.starts_with("-----BEGIN") {
        return Ok(RsaPublicKey::from_public_key_pem(text)?);
    }
    let der = base64::engine::general_purpose::STANDARD
        .decode(text.split_whitespace().collect::<String>())?;
    Ok(RsaPublicKey::from_public_key_der(&der)?)
}

/// Base64(RSA-PKCS#1 v1.5(public key, plain)): the bearer of every M-Pesa call.
pub fn encrypt(key: &RsaPublicKey, plain: &str) -> Result<String, ProviderError> {
    let mut rng = rsa::rand_core::OsRng;
    let bytes = key
        .encrypt(&mut rng, Pkcs1v15Encrypt, plain.as_bytes())
        .map_err(|e| ProviderError::NotConfigured(format!("M-Pesa encryption: {e}")))?;
    Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// What an `output_ResponseCode` means for an initiation.
enum Code {
    Paid,
    Failed,
    Unknown,
    Retry,
    SessionInvalid,
    Rejected,
}

fn classify(code: &str) -> Code {
    match code {
        "INS-0" => Code::Paid,
        // Cancelled by the customer, failed, insufficient balance.
        "INS-5" | "INS-6" | "INS-2006" => Code::Failed,
        // Timeout, duplicate (an earlier attempt exists), unknown status: query.
        "INS-9" | "INS-10" | "INS-23" => Code::Unknown,
        "INS-1" | "INS-16" => Code::Retry,
        "INS-2" | "INS-4" => Code::SessionInvalid,
        _ => Code::Rejected,
    }
}

/// Maps `output_ResponseTransactionStatus`.
pub fn map_status(status: &str) -> ProviderStatus {
    match status.trim().to_ascii_lowercase().as_str() {
        "completed" | "success" | "successful" => ProviderStatus::Succeeded,
        "pending" => ProviderStatus::Pending,
        "cancelled" | "failed" => ProviderStatus::Failed,
        "expired" => ProviderStatus::Expired,
        _ => ProviderStatus::Unknown,
    }
}

impl Mpesa {
    pub fn new(cfg: MpesaConfig) -> anyhow::Result<Self> {
        let key = parse_public_key(&cfg.public_key)?;
        let client = http_client(cfg.timeout);
        Ok(Self {
            cfg,
            key,
            client,
            session: Mutex::new(None),
        })
    }

    fn url(&self, op: &str) -> String {
        format!("{}/ipg/v2/{}/{op}/", self.cfg.base_url, self.cfg.market)
    }

    async fn session(&self, fresh: bool) -> Result<String, ProviderError> {
        let mut cached = self.session.lock().await;
        if !fresh
            && let Some((id, until)) = cached.as_ref()
            && Instant::now() < *until
        {
            return Ok(id.clone());
        }
        let bearer = encrypt(&self.key, &self.cfg.api_key)?;
        let response = self
            .client
            .get(self.url("getSession"))
            .bearer_auth(bearer)
            .header("Origin", &self.cfg.origin)
            .header("Content-Type", "application/json")
            .send()
            .await
            .map_err(unavailable)?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if status.is_server_error() {
            return Err(ProviderError::Unavailable(format!(
                "session M-Pesa : HTTP {status}"
            )));
        }
        let id = match (
            body["output_ResponseCode"].as_str(),
            body["output_SessionID"].as_str(),
        ) {
            (Some("INS-0"), Some(id)) if !id.is_empty() => id.to_string(),
            _ => {
                return Err(ProviderError::NotConfigured(format!(
                    "M-Pesa session refused (HTTP {status}): {body}"
                )));
            }
        };
        if !self.cfg.session_delay.is_zero() {
            tokio::time::sleep(self.cfg.session_delay).await;
        }
        *cached = Some((id.clone(), Instant::now() + SESSION_LIFETIME));
        Ok(id)
    }

    /// Sends with the encrypted session, renewing the session once on INS-2 / INS-4.
    async fn send(
        &self,
        method: reqwest::Method,
        url: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<(reqwest::StatusCode, Value), ProviderError> {
        let mut fresh = false;
        loop {
            let session = self.session(fresh).await?;
            let mut builder = self
                .client
                .request(method.clone(), url)
                .bearer_auth(encrypt(&self.key, &session)?)
                .header("Origin", &self.cfg.origin)
                .header("Content-Type", "application/json");
            if !query.is_empty() {
                builder = builder.query(query);
            }
            if let Some(body) = body {
                builder = builder.json(body);
            }
            let response = builder.send().await.map_err(unavailable)?;
            let status = response.status();
            let text = response.text().await.map_err(unavailable)?;
            let json: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
            let code = json["output_ResponseCode"].as_str().unwrap_or("");
            if matches!(classify(code), Code::SessionInvalid) && !fresh {
                fresh = true;
                continue;
            }
            return Ok((status, json));
        }
    }
}

#[async_trait::async_trait]
impl Provider for Mpesa {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Mpesa
    }

    /// Blocks while the customer is prompted (up to the configured timeout): run it in a
    /// background task, not in a request handler.
    async fn initiate(&self, request: &PaymentRequest) -> Result<Initiated, ProviderError> {
        let msisdn = msisdn::for_provider(ProviderKind::Mpesa, &request.msisdn_e164)
            .ok_or_else(|| ProviderError::Rejected("invalid phone number".into()))?;
        if request.reference.is_empty() || request.reference.chars().count() > 20 {
            return Err(ProviderError::Rejected(
                "reference of 1 to 20 characters (INS-17)".into(),
            ));
        }
        let body = json!({
            "input_Amount": major_amount(request.currency, request.amount_minor)?,
            "input_Country": self.cfg.country,
            "input_Currency": request.currency.code(),
            "input_CustomerMSISDN": msisdn,
            "input_ServiceProviderCode": self.cfg.service_provider_code,
            "input_ThirdPartyConversationID": random_hex(16),
            "input_TransactionReference": request.reference,
            "input_PurchasedItemsDesc": request.description.chars().take(100).collect::<String>(),
        });
        let (status, raw) = self
            .send(
                reqwest::Method::POST,
                &self.url("c2bPayment/singleStage"),
                &[],
                Some(&body),
            )
            .await?;
        let code = raw["output_ResponseCode"]
            .as_str()
            .unwrap_or("")
            .to_string();
        let provider_ref = raw["output_TransactionID"]
            .as_str()
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        let outcome = |status| {
            Ok(Initiated {
                status,
                provider_ref: provider_ref.clone(),
                redirect_url: None,
                callback_secret: None,
                raw: raw.clone(),
            })
        };
        match classify(&code) {
            Code::Paid if status.is_success() => outcome(ProviderStatus::Succeeded),
            Code::Paid => outcome(ProviderStatus::Unknown),
            Code::Failed => outcome(ProviderStatus::Failed),
            Code::Unknown => outcome(ProviderStatus::Unknown),
            Code::Retry => Err(ProviderError::Unavailable(format!("M-Pesa {code}"))),
            _ if status.is_server_error() || code.is_empty() => {
                Err(ProviderError::Unavailable(format!("M-Pesa HTTP {status}")))
            }
            _ => Err(ProviderError::Rejected(format!(
                "M-Pesa {code} {}",
                raw["output_ResponseDesc"].as_str().unwrap_or("")
            ))),
        }
    }

    async fn query(&self, payment: &PaymentLookup) -> Result<StatusReport, ProviderError> {
        let query = [
            ("input_QueryReference", payment.reference.clone()),
            (
                "input_ServiceProviderCode",
                self.cfg.service_provider_code.clone(),
            ),
            ("input_ThirdPartyConversationID", random_hex(16)),
            ("input_Country", self.cfg.country.clone()),
        ];
        let (status, raw) = self
            .send(
                reqwest::Method::GET,
                &self.url("queryTransactionStatus"),
                &query,
                None,
            )
            .await?;
        if status.is_server_error() {
            return Err(ProviderError::Unavailable(format!("M-Pesa HTTP {status}")));
        }
        let report = if raw["output_ResponseCode"].as_str() == Some("INS-0") {
            raw["output_ResponseTransactionStatus"]
                .as_str()
                .map(map_status)
                .unwrap_or(ProviderStatus::Unknown)
        } else {
            ProviderStatus::Unknown
        };
        Ok(StatusReport {
            status: report,
            provider_ref: raw["output_TransactionID"]
                .as_str()
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .or_else(|| payment.provider_ref.clone()),
            raw,
        })
    }

    /// The asynchronous result (where enabled) is unsigned: a hint to query back.
    fn parse_callback(
        &self,
        _headers: &HeaderMap,
        body: &[u8],
    ) -> Result<CallbackHint, ProviderError> {
        let raw: Value = serde_json::from_slice(body)
            .map_err(|_| ProviderError::InvalidCallback("unreadable JSON body".into()))?;
        let reference = raw["input_ThirdPartyReference"]
            .as_str()
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        let provider_ref = raw["input_TransactionID"]
            .as_str()
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        if reference.is_none() && provider_ref.is_none() {
            return Err(ProviderError::InvalidCallback("reference missing".into()));
        }
        let claimed = match raw["input_ResultCode"].as_str() {
            Some("0") | Some("INS-0") => ProviderStatus::Succeeded,
            Some(code) if matches!(classify(code), Code::Failed) => ProviderStatus::Failed,
            _ => ProviderStatus::Unknown,
        };
        Ok(CallbackHint {
            reference,
            provider_ref,
            claimed,
            secret: None,
            raw,
        })
    }
}

/// The body M-Pesa expects in reply to its asynchronous callback.
pub fn callback_reply(hint: &CallbackHint) -> Value {
    json!({
        "output_OriginalConversationID": hint.raw["input_OriginalConversationID"],
        "output_ResponseCode": "0",
        "output_ResponseDesc": "Successfully Accepted Result",
        "output_ThirdPartyConversationID": hint.raw["input_ThirdPartyConversationID"],
    })
}

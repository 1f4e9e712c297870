//! Embedded fake providers: one axum app on `127.0.0.1:0`, spawned in-process, that speaks the
//! same HTTP protocols as Orange Money Web Payment, Airtel Money Open API, Vodacom M-Pesa
//! OpenAPI and FlexPay (../shared/payments/protocols.md), and checks what they check (auth,
//! headers, field types, MSISDN formats, duplicate references, Orange's `dev` path segment,
//! tokens and sessions that expire, M-Pesa's session activation delay, Airtel message
//! signing when required). Used by sandbox/demo mode and by the tests.
//!
//! Routes (prefix per provider): `/orange/oauth/v3/token`,
//! `/orange/orange-money-webpay/{seg}/v1/{webpayment,transactionstatus}`,
//! `/airtel/auth/oauth2/token`, `/airtel/merchant/v1/payments/`,
//! `/airtel/standard/v1/payments/{id}`, `/mpesa/ipg/v2/vodacomDRC/{getSession,
//! c2bPayment/singleStage,queryTransactionStatus}/`, `/flexpay/paymentService`,
//! `/flexpay/check/{orderNumber}`.

mod fakes;

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use base64::Engine;
use rsa::RsaPrivateKey;
use rsa::pkcs8::EncodePublicKey;
use serde::Serialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::payments::providers::{
    AirtelConfig, FlexpayConfig, MpesaConfig, OrangeConfig, ProviderKind, ProviderSettings,
    ProviderStatus, airtel,
};
use crate::web::tokens::random_hex;

pub const ORANGE_CLIENT_ID: &str = "sandbox-orange-client";
pub const ORANGE_CLIENT_SECRET: &str = "sandbox-orange-secret";
pub const ORANGE_MERCHANT_KEY: &str = "e9afd305";
pub const AIRTEL_CLIENT_ID: &str = "sandbox-airtel-client";
pub const AIRTEL_CLIENT_SECRET: &str = "sandbox-airtel-secret";
pub const AIRTEL_CALLBACK_KEY: &str = "sandbox-airtel-callback-key";
pub const MPESA_API_KEY: &str = "sandbox-mpesa-api-key";
pub const MPESA_SHORT_CODE: &str = "000000";
pub const FLEXPAY_TOKEN: &str = "sandbox-flexpay-token";
pub const FLEXPAY_MERCHANT: &str = "TECHLEARNJESS";

/// What the fake phone does with a pending payment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SandboxOutcome {
    /// The customer enters the PIN: paid.
    Confirm,
    /// The customer refuses (or cancels).
    Refuse,
    /// The customer lets the prompt expire.
    Expire,
}

/// A scripted misbehaviour, applied to the next payment call (initiation or status query,
/// not token/session calls) of one provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answer HTTP 500 without doing anything.
    Http500,
    /// Wait this long before handling the call normally (client timeouts; the provider
    /// still processes the request).
    Delay(Duration),
    /// An answer that says nothing final: Airtel `ESB000001` on initiation / `TA` on enquiry,
    /// M-Pesa `INS-9` (HTTP 408) on single stage / `N/A` on query, Orange and FlexPay answer
    /// as still pending.
    Ambiguous,
}

/// A payment as the fake provider holds it.
#[derive(Clone, Debug, Serialize)]
pub struct SandboxPayment {
    /// Our reference (order_id, transaction.id, input_TransactionReference, reference).
    pub reference: String,
    pub provider: ProviderKind,
    /// The provider's id (pay_token, orderNumber, M-Pesa TransactionID; Airtel: none).
    pub provider_ref: Option<String>,
    /// The MSISDN exactly as the adapter sent it ("" for Orange Web Payment).
    pub msisdn: String,
    /// The amount exactly as sent, in major units (`"28600"`, `"12.5"`).
    pub amount: String,
    pub currency: String,
    /// RFC 3339 UTC.
    pub created: String,
    pub status: ProviderStatus,
    pub description: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Created, waiting for the customer.
    Waiting,
    /// The customer confirmed; result not known yet (Orange PENDING).
    Confirming,
    Success,
    Failed,
    Expired,
}

impl Phase {
    fn is_final(self) -> bool {
        matches!(self, Phase::Success | Phase::Failed | Phase::Expired)
    }

    fn public(self) -> ProviderStatus {
        match self {
            Phase::Waiting | Phase::Confirming => ProviderStatus::Pending,
            Phase::Success => ProviderStatus::Succeeded,
            Phase::Failed => ProviderStatus::Failed,
            Phase::Expired => ProviderStatus::Expired,
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct FakePayment {
    pub provider: ProviderKind,
    pub reference: String,
    pub provider_ref: Option<String>,
    pub msisdn: String,
    pub amount: Value,
    pub currency: String,
    pub description: String,
    pub created: OffsetDateTime,
    pub created_at: Instant,
    pub phase: Phase,
    pub callback_url: Option<String>,
    pub notif_token: Option<String>,
    /// The provider's final transaction id (Orange txnid, Airtel airtel_money_id).
    pub txnid: Option<String>,
    pub conversation_id: Option<String>,
    pub third_party_conversation_id: Option<String>,
    pub waiter: Option<Arc<tokio::sync::Notify>>,
    /// M-Pesa's answer to a refusal (`INS-5`, `INS-6` or `INS-2006`), fixed when refused.
    pub refusal: Option<&'static str>,
}

impl FakePayment {
    fn public(&self) -> SandboxPayment {
        SandboxPayment {
            reference: self.reference.clone(),
            provider: self.provider,
            provider_ref: self.provider_ref.clone(),
            msisdn: self.msisdn.clone(),
            amount: match &self.amount {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            },
            currency: self.currency.clone(),
            created: crate::db::timestamp(self.created),
            status: self.phase.public(),
            description: self.description.clone(),
        }
    }
}

#[derive(Default)]
pub(crate) struct State {
    pub payments: Vec<FakePayment>,
    pub faults: HashMap<ProviderKind, VecDeque<Fault>>,
    pub auto: HashMap<ProviderKind, (SandboxOutcome, Duration)>,
    pub hits: HashMap<String, usize>,
    /// Access tokens and their expiry.
    pub orange_tokens: HashMap<String, Instant>,
    pub airtel_tokens: HashMap<String, Instant>,
    /// M-Pesa sessions: usable from the first instant, until the second.
    pub mpesa_sessions: HashMap<String, (Instant, Instant)>,
    /// Token / session lifetimes set by a test (else [`token_ttl`]'s defaults).
    pub token_ttl: HashMap<ProviderKind, Duration>,
    pub mpesa_activation: Option<Duration>,
    pub mpesa_refusal: Option<&'static str>,
    pub mpesa_conversations: HashSet<String>,
    pub callback_base: Option<String>,
    pub orange_payment_page: Option<String>,
    pub orange_ttl: Option<Duration>,
    pub mpesa_prompt: Option<Duration>,
    pub airtel_signing: bool,
}

/// The path segment the fake Orange serves (`/orange-money-webpay/dev/v1/…`, Orange's sandbox).
pub const ORANGE_SEGMENT: &str = "dev";
/// How long after `getSession` the fake M-Pesa accepts the session, unless a test changes it.
/// Real integrations wait about 30 s (protocols.md §4A, [L]); the sandbox keeps it short.
pub const MPESA_ACTIVATION: Duration = Duration::from_secs(1);

impl State {
    /// The lifetime of a token (Orange, Airtel) or session (M-Pesa): what the real APIs
    /// announce (Orange `"7776000"`, Airtel `"180"`), M-Pesa an assumed hour ([U]).
    pub(crate) fn token_ttl(&self, provider: ProviderKind) -> Duration {
        self.token_ttl
            .get(&provider)
            .copied()
            .unwrap_or(match provider {
                ProviderKind::Orange => Duration::from_secs(7_776_000),
                ProviderKind::Airtel => Duration::from_secs(180),
                _ => Duration::from_secs(3600),
            })
    }

    pub(crate) fn mpesa_activation(&self) -> Duration {
        self.mpesa_activation.unwrap_or(MPESA_ACTIVATION)
    }
}

pub(crate) struct Inner {
    pub base_url: String,
    pub state: Mutex<State>,
    pub http: reqwest::Client,
    pub mpesa_key: &'static RsaPrivateKey,
    pub mpesa_public_b64: String,
}

/// The embedded fake providers. Clone freely (shared state).
#[derive(Clone)]
pub struct Sandbox {
    pub(crate) inner: Arc<Inner>,
}

/// The M-Pesa fake's key pair, generated once per process (1024 bits: it is a fake; the real
/// portal key is 4096 bits).
fn mpesa_key() -> anyhow::Result<&'static RsaPrivateKey> {
    static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
    if let Some(k) = KEY.get() {
        return Ok(k);
    }
    let mut rng = rsa::rand_core::OsRng;
    let key = RsaPrivateKey::new(&mut rng, 1024)?;
    Ok(KEY.get_or_init(|| key))
}

pub(crate) fn lock(inner: &Inner) -> std::sync::MutexGuard<'_, State> {
    inner.state.lock().unwrap_or_else(|e| e.into_inner())
}

impl Sandbox {
    /// Binds `127.0.0.1:0` and serves the fakes on the current tokio runtime.
    pub fn start() -> anyhow::Result<Self> {
        let handle = tokio::runtime::Handle::try_current().map_err(|_| {
            anyhow::anyhow!("le bac à sable des paiements doit démarrer dans tokio")
        })?;
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let key = mpesa_key()?;
        let public_der = key.to_public_key().to_public_key_der()?;
        let inner = Arc::new(Inner {
            base_url: format!("http://{addr}"),
            state: Mutex::new(State::default()),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()?,
            mpesa_key: key,
            mpesa_public_b64: base64::engine::general_purpose::STANDARD
                .encode(public_der.as_bytes()),
        });
        let app = fakes::router(inner.clone());
        let _guard = handle.enter();
        let listener = tokio::net::TcpListener::from_std(listener)?;
        handle.spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "payments: sandbox server stopped");
            }
        });
        Ok(Self { inner })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// Settings of all four adapters pointing at the fakes, with their credentials.
    pub fn settings(&self) -> ProviderSettings {
        let base = &self.inner.base_url;
        ProviderSettings {
            orange: Some(OrangeConfig {
                base_url: format!("{base}/orange"),
                client_id: ORANGE_CLIENT_ID.into(),
                client_secret: ORANGE_CLIENT_SECRET.into(),
                merchant_key: ORANGE_MERCHANT_KEY.into(),
                country_segment: ORANGE_SEGMENT.into(),
                lang: "fr".into(),
                timeout: Duration::from_secs(10),
            }),
            airtel: Some(AirtelConfig {
                base_url: format!("{base}/airtel"),
                client_id: AIRTEL_CLIENT_ID.into(),
                client_secret: AIRTEL_CLIENT_SECRET.into(),
                country: "CD".into(),
                callback_key: Some(AIRTEL_CALLBACK_KEY.into()),
                signing: false,
                timeout: Duration::from_secs(10),
            }),
            mpesa: Some(MpesaConfig {
                base_url: format!("{base}/mpesa"),
                api_key: MPESA_API_KEY.into(),
                public_key: self.inner.mpesa_public_b64.clone(),
                service_provider_code: MPESA_SHORT_CODE.into(),
                market: "vodacomDRC".into(),
                country: "DRC".into(),
                origin: "*".into(),
                // The fake refuses a session before it is active (see `set_mpesa_activation`).
                session_delay: lock(&self.inner).mpesa_activation(),
                // Longer than the fake's PIN prompt (see `set_mpesa_prompt`).
                timeout: Duration::from_secs(150),
            }),
            flexpay: Some(FlexpayConfig {
                base_url: format!("{base}/flexpay"),
                token: FLEXPAY_TOKEN.into(),
                merchant: FLEXPAY_MERCHANT.into(),
                timeout: Duration::from_secs(10),
            }),
        }
    }

    /// Payments waiting for the customer, oldest first.
    pub fn pending(&self) -> Vec<SandboxPayment> {
        let mut state = lock(&self.inner);
        let ttl = state.orange_ttl.unwrap_or(Duration::from_secs(600));
        for p in state.payments.iter_mut() {
            if p.provider == ProviderKind::Orange
                && !p.phase.is_final()
                && p.created_at.elapsed() > ttl
            {
                p.phase = Phase::Expired;
            }
        }
        state
            .payments
            .iter()
            .filter(|p| !p.phase.is_final())
            .map(FakePayment::public)
            .collect()
    }

    /// Every payment the fakes know, oldest first.
    pub fn payments(&self) -> Vec<SandboxPayment> {
        lock(&self.inner)
            .payments
            .iter()
            .map(FakePayment::public)
            .collect()
    }

    /// One payment by our reference or the provider's id.
    pub fn payment(&self, reference_or_provider_ref: &str) -> Option<SandboxPayment> {
        lock(&self.inner)
            .payments
            .iter()
            .rev()
            .find(|p| matches(p, reference_or_provider_ref))
            .map(FakePayment::public)
    }

    /// Plays the phone: flips the payment's status, releases a blocked M-Pesa call, and sends
    /// the provider-shaped callback (Orange to its notif_url, Airtel to
    /// `{callback_base}/payments/callback/airtel`, FlexPay to its callbackUrl; M-Pesa answers
    /// synchronously). A callback that cannot be delivered is logged, not an error.
    pub async fn resolve(
        &self,
        reference_or_provider_ref: &str,
        outcome: SandboxOutcome,
    ) -> anyhow::Result<()> {
        let payment = {
            let mut state = lock(&self.inner);
            let refusal = state.mpesa_refusal.unwrap_or("INS-5");
            let Some(p) = state
                .payments
                .iter_mut()
                .rev()
                .find(|p| matches(p, reference_or_provider_ref))
            else {
                anyhow::bail!("payment unknown to the sandbox: {reference_or_provider_ref}");
            };
            if p.phase.is_final() {
                anyhow::bail!("payment already final: {reference_or_provider_ref}");
            }
            p.phase = match outcome {
                SandboxOutcome::Confirm => Phase::Success,
                SandboxOutcome::Refuse => Phase::Failed,
                SandboxOutcome::Expire => Phase::Expired,
            };
            if p.phase == Phase::Success && p.txnid.is_none() {
                p.txnid = Some(fakes::txn_id());
            }
            if p.phase == Phase::Failed && p.provider == ProviderKind::Mpesa {
                p.refusal = Some(refusal);
            }
            if let Some(w) = &p.waiter {
                w.notify_one();
            }
            p.clone()
        };
        if payment.provider == ProviderKind::Mpesa {
            return Ok(());
        }
        if let Some((url, body)) = self.callback_for(&payment, outcome, false)
            && let Err(e) = self.post_callback(&url, body).await
        {
            tracing::warn!(http.url = %url, error = %e, "payments: sandbox callback not delivered");
        }
        Ok(())
    }

    /// Sends a provider-shaped callback for a payment WITHOUT changing its status: duplicate,
    /// early or forged callbacks (`forge`: Orange with a wrong notif_token, Airtel with a bad
    /// hash; M-Pesa and FlexPay are unsigned, so their forgery is the claim itself). Returns
    /// the HTTP status of the callback endpoint.
    pub async fn send_callback(
        &self,
        reference_or_provider_ref: &str,
        claimed: SandboxOutcome,
        forge: bool,
    ) -> anyhow::Result<u16> {
        let (url, body) = self.callback_body(reference_or_provider_ref, claimed, forge)?;
        self.post_callback(&url, body).await
    }

    /// The callback (URL, JSON body) the provider would send for this payment and outcome.
    pub fn callback_body(
        &self,
        reference_or_provider_ref: &str,
        claimed: SandboxOutcome,
        forge: bool,
    ) -> anyhow::Result<(String, Vec<u8>)> {
        let payment = lock(&self.inner)
            .payments
            .iter()
            .rev()
            .find(|p| matches(p, reference_or_provider_ref))
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("paiement inconnu : {reference_or_provider_ref}"))?;
        self.callback_for(&payment, claimed, forge)
            .ok_or_else(|| anyhow::anyhow!("pas d'URL de rappel pour {reference_or_provider_ref}"))
    }

    async fn post_callback(&self, url: &str, body: Vec<u8>) -> anyhow::Result<u16> {
        let response = self
            .inner
            .http
            .post(url)
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await?;
        Ok(response.status().as_u16())
    }

    fn callback_for(
        &self,
        p: &FakePayment,
        outcome: SandboxOutcome,
        forge: bool,
    ) -> Option<(String, Vec<u8>)> {
        let callback_base = lock(&self.inner).callback_base.clone();
        let txnid = p.txnid.clone().unwrap_or_else(fakes::txn_id);
        match p.provider {
            ProviderKind::Orange => {
                let token = if forge {
                    random_hex(16)
                } else {
                    p.notif_token.clone().unwrap_or_default()
                };
                let status = match outcome {
                    SandboxOutcome::Confirm => "SUCCESS",
                    SandboxOutcome::Refuse => "FAILED",
                    SandboxOutcome::Expire => "EXPIRED",
                };
                let body = json!({"status": status, "notif_token": token, "txnid": txnid});
                Some((p.callback_url.clone()?, body.to_string().into_bytes()))
            }
            ProviderKind::Airtel => {
                let (code, message) = match outcome {
                    SandboxOutcome::Confirm => (
                        "TS",
                        format!("Paid {} {} to TECHLEARNJESS", p.currency, p.amount),
                    ),
                    SandboxOutcome::Refuse => {
                        ("TF", "Transaction refused by the customer".to_string())
                    }
                    SandboxOutcome::Expire => ("TF", "Transaction timed out".to_string()),
                };
                let transaction = json!({
                    "id": p.reference,
                    "message": message,
                    "status_code": code,
                    "airtel_money_id": if code == "TS" { txnid } else { String::new() },
                })
                .to_string();
                let key = if forge {
                    "not-the-key"
                } else {
                    AIRTEL_CALLBACK_KEY
                };
                let hash = airtel::callback_hash(key, transaction.as_bytes());
                let body = format!(r#"{{"transaction":{transaction},"hash":"{hash}"}}"#);
                Some((
                    format!("{}/payments/callback/airtel", callback_base?),
                    body.into_bytes(),
                ))
            }
            ProviderKind::Mpesa => {
                let code = match outcome {
                    SandboxOutcome::Confirm => "0",
                    SandboxOutcome::Refuse => p.refusal.unwrap_or("INS-5"),
                    SandboxOutcome::Expire => "INS-9",
                };
                let body = json!({
                    "input_OriginalConversationID": p.conversation_id,
                    "input_ThirdPartyReference": p.reference,
                    "input_TransactionID": p.provider_ref,
                    "input_ResultCode": code,
                    "input_ResultDesc": if code == "0" { "Request processed successfully" } else { "Failed" },
                    "input_ThirdPartyConversationID": p.third_party_conversation_id,
                });
                Some((
                    format!("{}/payments/callback/mpesa", callback_base?),
                    body.to_string().into_bytes(),
                ))
            }
            ProviderKind::Flexpay => {
                let code = if outcome == SandboxOutcome::Confirm {
                    "0"
                } else {
                    "1"
                };
                let body = json!({
                    "code": code,
                    "reference": p.reference,
                    "provider_reference": txnid,
                    "orderNumber": p.provider_ref,
                    "amount": p.amount,
                    "amountCustomer": p.amount,
                    "currency": p.currency,
                    "phone": p.msisdn,
                    "createdAt": crate::db::timestamp(p.created),
                    "channel": "mpesa",
                });
                Some((p.callback_url.clone()?, body.to_string().into_bytes()))
            }
        }
    }

    /// Where Airtel (portal-configured callback) and M-Pesa send callbacks:
    /// `{base}/payments/callback/{provider}`. Set it to the platform's base URL.
    pub fn set_callback_base(&self, base_url: &str) {
        lock(&self.inner).callback_base = Some(base_url.trim_end_matches('/').to_string());
    }

    /// Orange's `payment_url` becomes `{prefix}{order_id}` (e.g. the platform's fake phone
    /// page); default: a page of the sandbox itself.
    pub fn set_orange_payment_page(&self, prefix: &str) {
        lock(&self.inner).orange_payment_page = Some(prefix.to_string());
    }

    /// Queues a misbehaviour for the next payment call of `provider`.
    pub fn push_fault(&self, provider: ProviderKind, fault: Fault) {
        lock(&self.inner)
            .faults
            .entry(provider)
            .or_default()
            .push_back(fault);
    }

    /// New payments of `provider` resolve themselves after `after` (pending-then-success);
    /// `None` turns it off. Orange shows `PENDING` (customer confirmed) meanwhile.
    pub fn set_auto(&self, provider: ProviderKind, auto: Option<(SandboxOutcome, Duration)>) {
        let mut state = lock(&self.inner);
        match auto {
            Some(a) => state.auto.insert(provider, a),
            None => state.auto.remove(&provider),
        };
    }

    /// How long the M-Pesa single-stage call waits for the phone before answering INS-9
    /// (default 120 s).
    pub fn set_mpesa_prompt(&self, wait: Duration) {
        lock(&self.inner).mpesa_prompt = Some(wait);
    }

    /// Orange pay_token lifetime before `EXPIRED` (default 10 minutes).
    pub fn set_orange_ttl(&self, ttl: Duration) {
        lock(&self.inner).orange_ttl = Some(ttl);
    }

    /// Signing mode: every payment, on `/merchant/v1/payments/` as on `/merchant/v2/payments/`,
    /// must carry `x-key` and `x-signature` that decrypt to its exact body, else
    /// DP00800001026. (v2 always requires them.)
    pub fn require_airtel_signing(&self, required: bool) {
        lock(&self.inner).airtel_signing = required;
    }

    /// Lifetime of the tokens (Orange, Airtel) or sessions (M-Pesa) issued from now on; the
    /// token answer announces it in `expires_in`. A token used after it is refused with 401
    /// (M-Pesa: INS-2).
    pub fn set_token_ttl(&self, provider: ProviderKind, ttl: Duration) {
        lock(&self.inner).token_ttl.insert(provider, ttl);
    }

    /// How long a new M-Pesa session stays unusable after `getSession` (default
    /// [`MPESA_ACTIVATION`]); [`Sandbox::settings`] makes the adapter wait as long.
    pub fn set_mpesa_activation(&self, delay: Duration) {
        lock(&self.inner).mpesa_activation = Some(delay);
    }

    /// What M-Pesa answers when the customer refuses, one of its documented final failures:
    /// `INS-5` (cancelled, HTTP 401, the default), `INS-6` (failed, 401) or `INS-2006`
    /// (insufficient balance, 422). Anything else keeps `INS-5`.
    pub fn set_mpesa_refusal(&self, code: &str) {
        let code = match code {
            "INS-6" => "INS-6",
            "INS-2006" => "INS-2006",
            _ => "INS-5",
        };
        lock(&self.inner).mpesa_refusal = Some(code);
    }

    /// Forgets every token and session issued so far (expiry): adapters must renew them
    /// (Orange and Airtel on a 401, M-Pesa on INS-2).
    pub fn revoke_credentials(&self) {
        let mut state = lock(&self.inner);
        state.orange_tokens.clear();
        state.airtel_tokens.clear();
        state.mpesa_sessions.clear();
    }

    /// How many times an endpoint was called: `orange.token`, `orange.webpayment`,
    /// `orange.transactionstatus`, `airtel.token`, `airtel.payments`, `airtel.enquiry`,
    /// `mpesa.session`, `mpesa.single_stage`, `mpesa.query`, `flexpay.payment`, `flexpay.check`.
    pub fn hits(&self, endpoint: &str) -> usize {
        lock(&self.inner).hits.get(endpoint).copied().unwrap_or(0)
    }
}

fn matches(p: &FakePayment, key: &str) -> bool {
    p.reference == key || p.provider_ref.as_deref() == Some(key)
}

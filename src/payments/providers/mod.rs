//! The provider trait every mobile-money adapter implements, and the types it speaks.
//! Adapters: `orange` (Orange Money Web Payment), `airtel` (Airtel Money Open API collection),
//! `mpesa` (Vodacom M-Pesa OpenAPI, market `vodacomDRC`), `flexpay` (FlexPay aggregator).
//! Protocols: ../shared/payments/protocols.md.

use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};

use crate::money::Currency;

/// The wallet the learner pays with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Wallet {
    Orange,
    Airtel,
    Mpesa,
}

impl Wallet {
    pub const ALL: [Wallet; 3] = [Wallet::Orange, Wallet::Airtel, Wallet::Mpesa];

    pub fn code(self) -> &'static str {
        match self {
            Wallet::Orange => "orange",
            Wallet::Airtel => "airtel",
            Wallet::Mpesa => "mpesa",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|w| w.code() == code)
    }
}

/// Which adapter handles a payment (the admin routing table picks one per wallet and currency).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    Orange,
    Airtel,
    Mpesa,
    Flexpay,
}

impl ProviderKind {
    pub const ALL: [ProviderKind; 4] = [
        ProviderKind::Orange,
        ProviderKind::Airtel,
        ProviderKind::Mpesa,
        ProviderKind::Flexpay,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ProviderKind::Orange => "orange",
            ProviderKind::Airtel => "airtel",
            ProviderKind::Mpesa => "mpesa",
            ProviderKind::Flexpay => "flexpay",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.code() == code)
    }
}

/// What the platform asks a provider to collect.
#[derive(Clone, Debug)]
pub struct PaymentRequest {
    /// Our reference for this attempt: unique, ASCII alphanumeric, ≤ 20 characters (the
    /// strictest provider limit, M-Pesa's); adapters use it as order id / transaction id.
    pub reference: String,
    pub wallet: Wallet,
    pub currency: Currency,
    /// Integer minor units: whole francs for CDF, cents for USD.
    pub amount_minor: i64,
    /// Canonical `+243XXXXXXXXX`; each adapter sends its own format.
    pub msisdn_e164: String,
    /// Short description shown by the provider ("Cours : …").
    pub description: String,
    /// Absolute URL of our callback for this provider (`{base}/payments/callback/{provider}`).
    pub callback_url: String,
    /// Absolute URL the provider's page returns the customer to (Orange, redirect flows).
    pub return_url: String,
}

/// The provider's view of a payment, normalised.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderStatus {
    /// Accepted, waiting for the customer (PIN prompt) or the provider.
    Pending,
    Succeeded,
    Failed,
    Expired,
    /// The provider could not say (Airtel TA, M-Pesa INS-9, timeouts, 5xx): ask again later,
    /// never guess.
    Unknown,
}

/// The answer to an initiation.
#[derive(Clone, Debug)]
pub struct Initiated {
    pub status: ProviderStatus,
    /// The provider's id of the transaction when it gives one (pay_token, orderNumber, …).
    pub provider_ref: Option<String>,
    /// Where to send the customer, for redirect flows (Orange Web Payment's payment_url).
    pub redirect_url: Option<String>,
    /// A secret the provider will echo in its callback (Orange's notif_token); stored with
    /// the payment and compared by [`Provider::parse_callback`]'s caller.
    pub callback_secret: Option<String>,
    /// The provider's raw response, stored with the transition.
    pub raw: serde_json::Value,
}

/// The answer to a status query.
#[derive(Clone, Debug)]
pub struct StatusReport {
    pub status: ProviderStatus,
    pub provider_ref: Option<String>,
    pub raw: serde_json::Value,
}

/// What a callback claims. It is a hint: the platform checks `secret` against the stored
/// callback secret when the provider has one, then queries the status back before acting.
#[derive(Clone, Debug)]
pub struct CallbackHint {
    /// Our reference when the provider echoes it, else the provider's id.
    pub reference: Option<String>,
    pub provider_ref: Option<String>,
    pub claimed: ProviderStatus,
    pub secret: Option<String>,
    pub raw: serde_json::Value,
}

/// The stored facts of a payment an adapter needs to query it.
#[derive(Clone, Debug)]
pub struct PaymentLookup {
    pub reference: String,
    pub provider_ref: Option<String>,
    pub currency: Currency,
    pub amount_minor: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// The provider refused the request as such (bad number, limits, duplicate…): final.
    #[error("refusé par l'opérateur : {0}")]
    Rejected(String),
    /// Network error, timeout, 5xx: the outcome is unknown; re-query later.
    #[error("opérateur injoignable : {0}")]
    Unavailable(String),
    /// A callback that does not verify (bad hash, malformed body).
    #[error("rappel invalide : {0}")]
    InvalidCallback(String),
    /// The adapter is not configured (missing credentials).
    #[error("opérateur non configuré : {0}")]
    NotConfigured(String),
}

#[async_trait::async_trait]
pub trait Provider: Send + Sync {
    fn kind(&self) -> ProviderKind;

    /// Asks the provider to collect the payment. A timeout or 5xx is `Unavailable` (the
    /// platform stores the payment as unknown and re-queries; it never re-sends blindly).
    async fn initiate(&self, request: &PaymentRequest) -> Result<Initiated, ProviderError>;

    /// Asks the provider where the payment stands.
    async fn query(&self, payment: &PaymentLookup) -> Result<StatusReport, ProviderError>;

    /// Parses and verifies (hash, signature where the provider offers one) a callback body.
    fn parse_callback(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<CallbackHint, ProviderError>;
}

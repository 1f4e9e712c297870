//! The provider trait every mobile-money adapter implements, and the types it speaks.
//! Adapters: `orange` (Orange Money Web Payment), `airtel` (Airtel Money Open API collection),
//! `mpesa` (Vodacom M-Pesa OpenAPI, market `vodacomDRC`), `flexpay` (FlexPay aggregator).
//! Protocols: ../shared/payments/protocols.md.

pub mod airtel;
pub mod flexpay;
pub mod mpesa;
pub mod orange;
pub mod settings;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};

use crate::money::Currency;

pub use settings::{AirtelConfig, FlexpayConfig, MpesaConfig, OrangeConfig, ProviderSettings};

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
    /// Integer minor units as [`Currency::exponent`] says (cents for USD, centimes for CDF,
    /// like [`crate::money::Money`]). Providers take whole francs: a CDF amount must be a
    /// multiple of 100 (else the adapter answers `Rejected`).
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
    #[error("refused by the provider: {0}")]
    Rejected(String),
    /// Network error, timeout, 5xx: the outcome is unknown; re-query later.
    #[error("provider unreachable: {0}")]
    Unavailable(String),
    /// A callback that does not verify (bad hash, malformed body).
    #[error("invalid callback: {0}")]
    InvalidCallback(String),
    /// The adapter is not configured (missing credentials).
    #[error("provider not configured: {0}")]
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

/// Builds one adapter per configured provider.
pub fn build(settings: &ProviderSettings) -> HashMap<ProviderKind, Arc<dyn Provider>> {
    let mut out: HashMap<ProviderKind, Arc<dyn Provider>> = HashMap::new();
    if let Some(c) = &settings.orange {
        out.insert(
            ProviderKind::Orange,
            Arc::new(orange::Orange::new(c.clone())),
        );
    }
    if let Some(c) = &settings.airtel {
        out.insert(
            ProviderKind::Airtel,
            Arc::new(airtel::Airtel::new(c.clone())),
        );
    }
    if let Some(c) = &settings.mpesa {
        match mpesa::Mpesa::new(c.clone()) {
            Ok(p) => {
                out.insert(ProviderKind::Mpesa, Arc::new(p));
            }
            Err(e) => tracing::error!(error = %e, "payments: M-Pesa adapter not configured"),
        }
    }
    if let Some(c) = &settings.flexpay {
        out.insert(
            ProviderKind::Flexpay,
            Arc::new(flexpay::Flexpay::new(c.clone())),
        );
    }
    out
}

/// The HTTP client every adapter uses: rustls, connect timeout 10 s, total timeout per provider.
pub fn http_client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10).min(timeout))
        .timeout(timeout)
        .user_agent("TechLearnJess-payments/1")
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}

/// A transport failure (timeout, connection refused, unreadable body): the outcome is unknown.
pub(crate) fn unavailable(e: reqwest::Error) -> ProviderError {
    if e.is_timeout() {
        ProviderError::Unavailable("timed out".into())
    } else {
        ProviderError::Unavailable(e.to_string())
    }
}

/// The amount in major units as providers take it ([`crate::money::major_units_text`]);
/// refused when not positive or, in CDF, not whole francs.
pub fn major_amount(currency: Currency, amount_minor: i64) -> Result<String, ProviderError> {
    if amount_minor <= 0 {
        return Err(ProviderError::Rejected("zero or negative amount".into()));
    }
    crate::money::major_units_text(currency, amount_minor)
        .ok_or_else(|| ProviderError::Rejected("Congolese franc amount not whole".into()))
}

/// The same amount as a JSON number (Orange, Airtel, FlexPay take numbers).
pub fn major_amount_json(
    currency: Currency,
    amount_minor: i64,
) -> Result<serde_json::Value, ProviderError> {
    let text = major_amount(currency, amount_minor)?;
    serde_json::from_str::<serde_json::Number>(&text)
        .map(serde_json::Value::Number)
        .map_err(|e| ProviderError::Rejected(e.to_string()))
}

/// Reads a provider's major-unit amount (`"28600"`, `12.5`, `"12.50"`) back into minor units.
pub fn minor_from_major(currency: Currency, value: &serde_json::Value) -> Option<i64> {
    match value {
        serde_json::Value::String(s) => crate::money::minor_from_major_text(currency, s),
        serde_json::Value::Number(n) => {
            crate::money::minor_from_major_text(currency, &n.to_string())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_sent_in_major_units() {
        assert_eq!(
            major_amount(Currency::Cdf, 2_860_000).ok().as_deref(),
            Some("28600")
        );
        assert_eq!(
            major_amount(Currency::Usd, 1000).ok().as_deref(),
            Some("10")
        );
        assert_eq!(
            major_amount(Currency::Usd, 1250).ok().as_deref(),
            Some("12.5")
        );
        assert_eq!(
            major_amount(Currency::Usd, 1205).ok().as_deref(),
            Some("12.05")
        );
        assert!(major_amount(Currency::Cdf, 2_860_050).is_err());
        assert!(major_amount(Currency::Usd, 0).is_err());
        assert_eq!(
            major_amount_json(Currency::Usd, 1250).ok(),
            Some(serde_json::json!(12.5))
        );
        assert_eq!(
            major_amount_json(Currency::Cdf, 2_860_000).ok(),
            Some(serde_json::json!(28600))
        );
    }

    #[test]
    fn provider_amounts_are_read_back_exactly() {
        use serde_json::json;
        assert_eq!(
            minor_from_major(Currency::Cdf, &json!("28600")),
            Some(2_860_000)
        );
        assert_eq!(minor_from_major(Currency::Usd, &json!(12.5)), Some(1250));
        assert_eq!(minor_from_major(Currency::Usd, &json!("12.05")), Some(1205));
        assert_eq!(minor_from_major(Currency::Usd, &json!("12.005")), None);
        assert_eq!(minor_from_major(Currency::Usd, &json!("-3")), None);
        assert_eq!(minor_from_major(Currency::Usd, &json!(null)), None);
    }

    proptest::proptest! {
        #[test]
        fn amounts_round_trip_through_the_provider_formats(
            usd in 1i64..10_000_000_000,
            francs in 1i64..10_000_000_000,
        ) {
            let cdf = francs * 100;
            for (currency, minor) in [(Currency::Usd, usd), (Currency::Cdf, cdf)] {
                let text = major_amount(currency, minor).map_err(|e| proptest::test_runner::TestCaseError::fail(e.to_string()))?;
                proptest::prop_assert_eq!(minor_from_major(currency, &serde_json::Value::String(text)), Some(minor));
                let number = major_amount_json(currency, minor).map_err(|e| proptest::test_runner::TestCaseError::fail(e.to_string()))?;
                proptest::prop_assert_eq!(minor_from_major(currency, &number), Some(minor));
            }
        }
    }
}

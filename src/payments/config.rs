//! Settings of the payments feature, read from `TLJ_PAY_*` variables.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `TLJ_PAY_<PROVIDER>_*` | unset | provider credentials (see `providers::settings`) |
//! | `TLJ_PAY_SANDBOX` | see below | `true`: embedded fake providers; `false`: real providers only |
//! | `TLJ_PAY_CDF_STEP` | `100` | CDF amounts are rounded **up** to this many francs |
//! | `TLJ_PAY_USD_CDF_RATE` | `2850` | initial USD→CDF rate (decimal, e.g. `2850.50`), used until an admin sets one |
//! | `TLJ_PAY_MAX_USD` / `TLJ_PAY_MAX_CDF` | `1000` / `3000000` | largest amount charged per payment (major units) |
//! | `TLJ_PAY_MIN_USD` / `TLJ_PAY_MIN_CDF` | `0.10` / `100` | smallest amount charged per payment |
//! | `TLJ_PAY_EXPIRY_MINUTES` | `15` | a payment not confirmed after this is expired (after one last query) |
//! | `TLJ_PAY_POLL_SECS` | `5` | how often the worker looks for payments due a status check |
//!
//! **Sandbox decision.** `TLJ_PAY_SANDBOX` wins when set. When unset, the sandbox runs only with
//! `--demo`. It never starts because nothing is configured: without a provider and without the
//! sandbox, paid checkout says mobile payment is not configured (the fakes would let a learner
//! confirm his own payment and unlock a course). With the sandbox on, every wallet is served by
//! the embedded fakes; real credentials are ignored.

use super::model::parse_rate;
use super::providers::settings::ProviderSettings;
use crate::money::parse_amount;

#[derive(Clone, Debug)]
pub struct PaymentsConfig {
    pub providers: ProviderSettings,
    /// Explicit `TLJ_PAY_SANDBOX`; `None` = decided by [`PaymentsConfig::sandbox_enabled`].
    pub sandbox: Option<bool>,
    /// CDF rounding step in whole francs.
    pub cdf_step: i64,
    /// Initial USD→CDF rate, fixed-point ×10 000.
    pub initial_rate_x10000: i64,
    /// Per-currency limits in minor units (USD cents, CDF centimes as in `Money`).
    pub max_usd_minor: i64,
    pub max_cdf_minor: i64,
    pub min_usd_minor: i64,
    pub min_cdf_minor: i64,
    pub expiry_minutes: i64,
    pub poll_secs: u64,
}

impl Default for PaymentsConfig {
    fn default() -> Self {
        Self {
            providers: ProviderSettings::default(),
            sandbox: None,
            cdf_step: 100,
            initial_rate_x10000: 2850 * 10_000,
            max_usd_minor: 1_000 * 100,
            max_cdf_minor: 3_000_000 * 100,
            min_usd_minor: 10,
            min_cdf_minor: 100 * 100,
            expiry_minutes: 15,
            poll_secs: 5,
        }
    }
}

fn value(get: &impl Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    get(name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

fn integer(
    get: &impl Fn(&str) -> Option<String>,
    name: &str,
    default: i64,
    min: i64,
) -> anyhow::Result<i64> {
    match value(get, name) {
        None => Ok(default),
        Some(v) => match v.parse::<i64>() {
            Ok(n) if n >= min => Ok(n),
            _ => anyhow::bail!("{name} doit être un entier ≥ {min} (reçu « {v} »)"),
        },
    }
}

fn amount(get: &impl Fn(&str) -> Option<String>, name: &str, default: i64) -> anyhow::Result<i64> {
    match value(get, name) {
        None => Ok(default),
        Some(v) => parse_amount(&v)
            .filter(|m| *m > 0)
            .ok_or_else(|| anyhow::anyhow!("{name} doit être un montant positif (reçu « {v} »)")),
    }
}

impl PaymentsConfig {
    pub fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let d = Self::default();
        let sandbox = match value(get, "TLJ_PAY_SANDBOX").map(|v| v.to_ascii_lowercase()) {
            None => None,
            Some(v) => match v.as_str() {
                "1" | "true" | "yes" | "oui" | "on" => Some(true),
                "0" | "false" | "no" | "non" | "off" => Some(false),
                _ => anyhow::bail!("TLJ_PAY_SANDBOX doit valoir true ou false (reçu « {v} »)"),
            },
        };
        let initial_rate_x10000 = match value(get, "TLJ_PAY_USD_CDF_RATE") {
            None => d.initial_rate_x10000,
            Some(v) => parse_rate(&v).ok_or_else(|| {
                anyhow::anyhow!(
                    "TLJ_PAY_USD_CDF_RATE doit être un taux positif, par ex. 2850 ou 2850.50 (reçu « {v} »)"
                )
            })?,
        };
        let config = Self {
            providers: ProviderSettings::from_lookup(get)?,
            sandbox,
            cdf_step: integer(get, "TLJ_PAY_CDF_STEP", d.cdf_step, 1)?,
            initial_rate_x10000,
            max_usd_minor: amount(get, "TLJ_PAY_MAX_USD", d.max_usd_minor)?,
            max_cdf_minor: amount(get, "TLJ_PAY_MAX_CDF", d.max_cdf_minor)?,
            min_usd_minor: amount(get, "TLJ_PAY_MIN_USD", d.min_usd_minor)?,
            min_cdf_minor: amount(get, "TLJ_PAY_MIN_CDF", d.min_cdf_minor)?,
            expiry_minutes: integer(get, "TLJ_PAY_EXPIRY_MINUTES", d.expiry_minutes, 1)?,
            poll_secs: integer(get, "TLJ_PAY_POLL_SECS", d.poll_secs as i64, 1)? as u64,
        };
        if config.min_usd_minor > config.max_usd_minor
            || config.min_cdf_minor > config.max_cdf_minor
        {
            anyhow::bail!("TLJ_PAY_MIN_* doit être inférieur à TLJ_PAY_MAX_*");
        }
        Ok(config)
    }

    /// Whether the embedded fake providers serve the payments (see the module documentation).
    pub fn sandbox_enabled(&self, demo: bool) -> bool {
        self.sandbox.unwrap_or(demo)
    }

    /// Limits for a currency: (min, max) in minor units.
    pub fn limits(&self, currency: crate::money::Currency) -> (i64, i64) {
        match currency {
            crate::money::Currency::Usd => (self.min_usd_minor, self.max_usd_minor),
            crate::money::Currency::Cdf => (self.min_cdf_minor, self.max_cdf_minor),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k: &str| map.get(k).cloned()
    }

    #[test]
    fn defaults_and_sandbox_decision() {
        let c = PaymentsConfig::from_lookup(&lookup(&[])).expect("defaults");
        assert_eq!(c.cdf_step, 100);
        assert_eq!(c.initial_rate_x10000, 28_500_000);
        assert!(
            !c.sandbox_enabled(false),
            "no provider and no --demo: no sandbox (fails closed)"
        );
        assert!(c.sandbox_enabled(true), "--demo: sandbox");
        let c = PaymentsConfig::from_lookup(&lookup(&[
            ("TLJ_PAY_FLEXPAY_BASE_URL", "https://x"),
            ("TLJ_PAY_FLEXPAY_TOKEN", "t"),
            ("TLJ_PAY_FLEXPAY_MERCHANT", "m"),
        ]))
        .expect("flexpay");
        assert!(!c.sandbox_enabled(false), "configured provider: real");
        assert!(c.sandbox_enabled(true), "demo: sandbox");
        let c = PaymentsConfig::from_lookup(&lookup(&[("TLJ_PAY_SANDBOX", "0")])).expect("off");
        assert!(!c.sandbox_enabled(true));
        let c = PaymentsConfig::from_lookup(&lookup(&[("TLJ_PAY_SANDBOX", "true")])).expect("on");
        assert!(c.sandbox_enabled(false), "explicit TLJ_PAY_SANDBOX=true");
    }

    #[test]
    fn bad_values_fail_fast_in_french() {
        for (k, v) in [
            ("TLJ_PAY_SANDBOX", "peut-être"),
            ("TLJ_PAY_CDF_STEP", "0"),
            ("TLJ_PAY_USD_CDF_RATE", "-3"),
            ("TLJ_PAY_USD_CDF_RATE", "abc"),
            ("TLJ_PAY_MAX_USD", "x"),
        ] {
            assert!(
                PaymentsConfig::from_lookup(&lookup(&[(k, v)])).is_err(),
                "{k}={v}"
            );
        }
        let c = PaymentsConfig::from_lookup(&lookup(&[
            ("TLJ_PAY_USD_CDF_RATE", "2850.5"),
            ("TLJ_PAY_CDF_STEP", "50"),
        ]))
        .expect("valid");
        assert_eq!(c.initial_rate_x10000, 28_505_000);
        assert_eq!(c.cdf_step, 50);
    }
}

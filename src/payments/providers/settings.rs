//! Provider settings read from `TLJ_PAY_<PROVIDER>_*` variables. A provider is configured only
//! when all its required variables are set; a partial set is a start-up error (in French).

use std::time::Duration;

/// Orange Money Web Payment (`TLJ_PAY_ORANGE_*`).
#[derive(Clone, Debug)]
pub struct OrangeConfig {
    /// `TLJ_PAY_ORANGE_BASE_URL`, e.g. `https://api.orange.com` (no trailing slash needed).
    pub base_url: String,
    /// `TLJ_PAY_ORANGE_CLIENT_ID`.
    pub client_id: String,
    /// `TLJ_PAY_ORANGE_CLIENT_SECRET`.
    pub client_secret: String,
    /// `TLJ_PAY_ORANGE_MERCHANT_KEY`.
    pub merchant_key: String,
    /// `TLJ_PAY_ORANGE_COUNTRY`: path segment (`dev` in Orange's sandbox, else the country).
    /// Default `cd`.
    pub country_segment: String,
    /// `TLJ_PAY_ORANGE_LANG`, default `fr`.
    pub lang: String,
    /// `TLJ_PAY_ORANGE_TIMEOUT_SECS`, default 30.
    pub timeout: Duration,
}

/// Airtel Money Open API, collection (`TLJ_PAY_AIRTEL_*`).
#[derive(Clone, Debug)]
pub struct AirtelConfig {
    /// `TLJ_PAY_AIRTEL_BASE_URL`, e.g. `https://openapi.airtel.cd`.
    pub base_url: String,
    /// `TLJ_PAY_AIRTEL_CLIENT_ID`.
    pub client_id: String,
    /// `TLJ_PAY_AIRTEL_CLIENT_SECRET`.
    pub client_secret: String,
    /// `TLJ_PAY_AIRTEL_COUNTRY`, default `CD`.
    pub country: String,
    /// `TLJ_PAY_AIRTEL_CALLBACK_KEY` (optional): the key of "callback authentication"; when
    /// set, callbacks must carry a valid `hash`.
    pub callback_key: Option<String>,
    /// `TLJ_PAY_AIRTEL_SIGNING` (optional, `1`/`true`): message signing (x-signature, x-key)
    /// on the v2 payment endpoint.
    pub signing: bool,
    /// `TLJ_PAY_AIRTEL_TIMEOUT_SECS`, default 30.
    pub timeout: Duration,
}

/// Vodacom M-Pesa OpenAPI (`TLJ_PAY_MPESA_*`).
#[derive(Clone, Debug)]
pub struct MpesaConfig {
    /// `TLJ_PAY_MPESA_BASE_URL` including the environment prefix, e.g.
    /// `https://openapi.m-pesa.com/openapi` (or `/sandbox`).
    pub base_url: String,
    /// `TLJ_PAY_MPESA_API_KEY`.
    pub api_key: String,
    /// `TLJ_PAY_MPESA_PUBLIC_KEY`: Base64 X.509 SubjectPublicKeyInfo DER from the portal.
    pub public_key: String,
    /// `TLJ_PAY_MPESA_SERVICE_PROVIDER_CODE`: merchant short code.
    pub service_provider_code: String,
    /// `TLJ_PAY_MPESA_MARKET`, default `vodacomDRC`.
    pub market: String,
    /// `TLJ_PAY_MPESA_COUNTRY`, default `DRC`.
    pub country: String,
    /// `TLJ_PAY_MPESA_ORIGIN`, default `*`.
    pub origin: String,
    /// `TLJ_PAY_MPESA_SESSION_DELAY_SECS`: wait after a new session before using it (default
    /// 30, as real integrations do: a session is not usable at once).
    pub session_delay: Duration,
    /// `TLJ_PAY_MPESA_TIMEOUT_SECS`: the single-stage call blocks during the PIN prompt;
    /// default 100.
    pub timeout: Duration,
}

/// FlexPay aggregator (`TLJ_PAY_FLEXPAY_*`).
#[derive(Clone, Debug)]
pub struct FlexpayConfig {
    /// `TLJ_PAY_FLEXPAY_BASE_URL`, e.g. `https://backend.flexpay.cd/api/rest/v1`.
    pub base_url: String,
    /// `TLJ_PAY_FLEXPAY_TOKEN`: the static bearer token.
    pub token: String,
    /// `TLJ_PAY_FLEXPAY_MERCHANT`: the merchant code.
    pub merchant: String,
    /// `TLJ_PAY_FLEXPAY_TIMEOUT_SECS`, default 30.
    pub timeout: Duration,
}

/// All provider settings; `None` = that adapter is not configured.
#[derive(Clone, Debug, Default)]
pub struct ProviderSettings {
    pub orange: Option<OrangeConfig>,
    pub airtel: Option<AirtelConfig>,
    pub mpesa: Option<MpesaConfig>,
    pub flexpay: Option<FlexpayConfig>,
}

/// The variables Orange Money needs (all of them, or none).
pub const ORANGE_VARS: [&str; 4] = [
    "TLJ_PAY_ORANGE_BASE_URL",
    "TLJ_PAY_ORANGE_CLIENT_ID",
    "TLJ_PAY_ORANGE_CLIENT_SECRET",
    "TLJ_PAY_ORANGE_MERCHANT_KEY",
];
/// The variables Airtel Money needs.
pub const AIRTEL_VARS: [&str; 3] = [
    "TLJ_PAY_AIRTEL_BASE_URL",
    "TLJ_PAY_AIRTEL_CLIENT_ID",
    "TLJ_PAY_AIRTEL_CLIENT_SECRET",
];
/// The variables M-Pesa needs.
pub const MPESA_VARS: [&str; 4] = [
    "TLJ_PAY_MPESA_BASE_URL",
    "TLJ_PAY_MPESA_API_KEY",
    "TLJ_PAY_MPESA_PUBLIC_KEY",
    "TLJ_PAY_MPESA_SERVICE_PROVIDER_CODE",
];
/// The variables FlexPay needs.
pub const FLEXPAY_VARS: [&str; 3] = [
    "TLJ_PAY_FLEXPAY_BASE_URL",
    "TLJ_PAY_FLEXPAY_TOKEN",
    "TLJ_PAY_FLEXPAY_MERCHANT",
];

/// Each provider with the variables that configure it (shown to admins when none is set).
pub fn required_variables() -> [(super::ProviderKind, &'static [&'static str]); 4] {
    use super::ProviderKind;
    [
        (ProviderKind::Flexpay, &FLEXPAY_VARS),
        (ProviderKind::Orange, &ORANGE_VARS),
        (ProviderKind::Airtel, &AIRTEL_VARS),
        (ProviderKind::Mpesa, &MPESA_VARS),
    ]
}

/// Reads the required variables of one provider: all set → `Some`, none → `None`, some → error.
fn required<const N: usize>(
    get: &impl Fn(&str) -> Option<String>,
    provider: &str,
    names: [&str; N],
) -> anyhow::Result<Option<[String; N]>> {
    let values: Vec<Option<String>> = names
        .iter()
        .map(|n| {
            get(n)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        })
        .collect();
    let set = values.iter().filter(|v| v.is_some()).count();
    if set == 0 {
        return Ok(None);
    }
    if set < N {
        let missing: Vec<&str> = names
            .iter()
            .zip(&values)
            .filter(|(_, v)| v.is_none())
            .map(|(n, _)| *n)
            .collect();
        anyhow::bail!(
            "Configuration {provider} incomplète : il manque {} (renseignez toutes les variables \
             de l'opérateur, ou aucune)",
            missing.join(", ")
        );
    }
    let mut out: [String; N] = std::array::from_fn(|_| String::new());
    for (slot, value) in out.iter_mut().zip(values) {
        *slot = value.unwrap_or_default();
    }
    Ok(Some(out))
}

fn optional(get: &impl Fn(&str) -> Option<String>, name: &str, default: &str) -> String {
    get(name)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_string())
}

fn seconds(
    get: &impl Fn(&str) -> Option<String>,
    name: &str,
    default: u64,
) -> anyhow::Result<Duration> {
    match get(name)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
    {
        None => Ok(Duration::from_secs(default)),
        Some(v) => v.parse::<u64>().map(Duration::from_secs).map_err(|_| {
            anyhow::anyhow!("{name} doit être un nombre entier de secondes (reçu « {v} »)")
        }),
    }
}

fn flag(get: &impl Fn(&str) -> Option<String>, name: &str) -> anyhow::Result<bool> {
    match get(name).map(|v| v.trim().to_ascii_lowercase()) {
        None => Ok(false),
        Some(v) => match v.as_str() {
            "" | "0" | "false" | "no" | "non" | "off" => Ok(false),
            "1" | "true" | "yes" | "oui" | "on" => Ok(true),
            _ => anyhow::bail!("{name} doit valoir 1 ou 0 (reçu « {v} »)"),
        },
    }
}

fn trim_url(url: String) -> String {
    url.trim_end_matches('/').to_string()
}

impl ProviderSettings {
    /// Reads `TLJ_PAY_ORANGE_*`, `TLJ_PAY_AIRTEL_*`, `TLJ_PAY_MPESA_*`, `TLJ_PAY_FLEXPAY_*`.
    pub fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let orange = match required(get, "Orange Money", ORANGE_VARS)? {
            None => None,
            Some([base_url, client_id, client_secret, merchant_key]) => Some(OrangeConfig {
                base_url: trim_url(base_url),
                client_id,
                client_secret,
                merchant_key,
                country_segment: optional(get, "TLJ_PAY_ORANGE_COUNTRY", "cd"),
                lang: optional(get, "TLJ_PAY_ORANGE_LANG", "fr"),
                timeout: seconds(get, "TLJ_PAY_ORANGE_TIMEOUT_SECS", 30)?,
            }),
        };
        let airtel = match required(get, "Airtel Money", AIRTEL_VARS)? {
            None => None,
            Some([base_url, client_id, client_secret]) => Some(AirtelConfig {
                base_url: trim_url(base_url),
                client_id,
                client_secret,
                country: optional(get, "TLJ_PAY_AIRTEL_COUNTRY", "CD"),
                callback_key: get("TLJ_PAY_AIRTEL_CALLBACK_KEY")
                    .map(|v| v.trim().to_string())
                    .filter(|v| !v.is_empty()),
                signing: flag(get, "TLJ_PAY_AIRTEL_SIGNING")?,
                timeout: seconds(get, "TLJ_PAY_AIRTEL_TIMEOUT_SECS", 30)?,
            }),
        };
        let mpesa = match required(get, "M-Pesa", MPESA_VARS)? {
            None => None,
            Some([base_url, api_key, public_key, service_provider_code]) => {
                if crate::payments::providers::mpesa::parse_public_key(&public_key).is_err() {
                    anyhow::bail!(
                        "TLJ_PAY_MPESA_PUBLIC_KEY n'est pas une clé publique RSA valide \
                         (Base64 d'une clé X.509 SubjectPublicKeyInfo DER attendue)"
                    );
                }
                Some(MpesaConfig {
                    base_url: trim_url(base_url),
                    api_key,
                    public_key,
                    service_provider_code,
                    market: optional(get, "TLJ_PAY_MPESA_MARKET", "vodacomDRC"),
                    country: optional(get, "TLJ_PAY_MPESA_COUNTRY", "DRC"),
                    origin: optional(get, "TLJ_PAY_MPESA_ORIGIN", "*"),
                    session_delay: seconds(get, "TLJ_PAY_MPESA_SESSION_DELAY_SECS", 30)?,
                    timeout: seconds(get, "TLJ_PAY_MPESA_TIMEOUT_SECS", 100)?,
                })
            }
        };
        let flexpay = match required(get, "FlexPay", FLEXPAY_VARS)? {
            None => None,
            Some([base_url, token, merchant]) => Some(FlexpayConfig {
                base_url: trim_url(base_url),
                token,
                merchant,
                timeout: seconds(get, "TLJ_PAY_FLEXPAY_TIMEOUT_SECS", 30)?,
            }),
        };
        Ok(Self {
            orange,
            airtel,
            mpesa,
            flexpay,
        })
    }

    /// True when no provider is configured (paid checkout is then off, unless the sandbox runs).
    pub fn is_empty(&self) -> bool {
        self.orange.is_none()
            && self.airtel.is_none()
            && self.mpesa.is_none()
            && self.flexpay.is_none()
    }

    /// The providers that are configured.
    pub fn configured(&self) -> Vec<super::ProviderKind> {
        use super::ProviderKind;
        let mut out = Vec::new();
        if self.orange.is_some() {
            out.push(ProviderKind::Orange);
        }
        if self.airtel.is_some() {
            out.push(ProviderKind::Airtel);
        }
        if self.mpesa.is_some() {
            out.push(ProviderKind::Mpesa);
        }
        if self.flexpay.is_some() {
            out.push(ProviderKind::Flexpay);
        }
        out
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
    fn nothing_set_means_nothing_configured() {
        let s = ProviderSettings::from_lookup(&lookup(&[])).expect("empty is fine");
        assert!(s.is_empty());
    }

    #[test]
    fn a_complete_provider_is_configured_with_defaults() {
        let s = ProviderSettings::from_lookup(&lookup(&[
            (
                "TLJ_PAY_FLEXPAY_BASE_URL",
                "https://backend.flexpay.cd/api/rest/v1/",
            ),
            ("TLJ_PAY_FLEXPAY_TOKEN", "tok"),
            ("TLJ_PAY_FLEXPAY_MERCHANT", "TLJ"),
            ("TLJ_PAY_AIRTEL_BASE_URL", "https://openapi.airtel.cd"),
            ("TLJ_PAY_AIRTEL_CLIENT_ID", "id"),
            ("TLJ_PAY_AIRTEL_CLIENT_SECRET", "secret"),
            ("TLJ_PAY_AIRTEL_SIGNING", "1"),
        ]))
        .expect("valid");
        let f = s.flexpay.expect("flexpay");
        assert_eq!(f.base_url, "https://backend.flexpay.cd/api/rest/v1");
        assert_eq!(f.timeout, Duration::from_secs(30));
        let a = s.airtel.expect("airtel");
        assert_eq!(a.country, "CD");
        assert!(a.signing);
        assert!(a.callback_key.is_none());
        assert!(s.orange.is_none() && s.mpesa.is_none());
    }

    #[test]
    fn a_partial_provider_is_a_french_error_naming_what_is_missing() {
        let err = ProviderSettings::from_lookup(&lookup(&[
            ("TLJ_PAY_ORANGE_BASE_URL", "https://api.orange.com"),
            ("TLJ_PAY_ORANGE_CLIENT_ID", "id"),
        ]))
        .expect_err("partial");
        let msg = err.to_string();
        assert!(msg.contains("incomplète"), "{msg}");
        assert!(msg.contains("TLJ_PAY_ORANGE_CLIENT_SECRET"), "{msg}");
        assert!(msg.contains("TLJ_PAY_ORANGE_MERCHANT_KEY"), "{msg}");
        assert!(!msg.contains("TLJ_PAY_ORANGE_CLIENT_ID"), "{msg}");
    }

    #[test]
    fn a_bad_timeout_or_key_is_refused() {
        assert!(
            ProviderSettings::from_lookup(&lookup(&[
                ("TLJ_PAY_FLEXPAY_BASE_URL", "http://x"),
                ("TLJ_PAY_FLEXPAY_TOKEN", "t"),
                ("TLJ_PAY_FLEXPAY_MERCHANT", "m"),
                ("TLJ_PAY_FLEXPAY_TIMEOUT_SECS", "abc"),
            ]))
            .is_err()
        );
        assert!(
            ProviderSettings::from_lookup(&lookup(&[
                ("TLJ_PAY_MPESA_BASE_URL", "http://x"),
                ("TLJ_PAY_MPESA_API_KEY", "k"),
                ("TLJ_PAY_MPESA_PUBLIC_KEY", "not a key"),
                ("TLJ_PAY_MPESA_SERVICE_PROVIDER_CODE", "000000"),
            ]))
            .is_err()
        );
    }
}

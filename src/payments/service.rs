//! The payments service: the provider adapters, their settings, the sandbox, and routing.

use std::collections::HashMap;
use std::sync::Arc;

use super::config::PaymentsConfig;
use super::providers::{self, Provider, ProviderKind, Wallet};
use super::{queries, sandbox};
use crate::config::Config;
use crate::db::Db;
use crate::money::Currency;

/// Provider adapters, their settings and the sandbox when it runs.
pub struct Payments {
    pub config: PaymentsConfig,
    pub providers: HashMap<ProviderKind, Arc<dyn Provider>>,
    /// The embedded fake providers (sandbox mode), `None` with real providers.
    pub sandbox: Option<sandbox::Sandbox>,
}

impl Payments {
    /// Builds the adapters: against the embedded sandbox when sandbox mode is on (see
    /// [`PaymentsConfig::sandbox_enabled`]: `--demo` or an explicit `TLJ_PAY_SANDBOX=true`),
    /// else against the configured providers. Without either, paid checkout is off.
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        let pay = config.payments.clone();
        if pay.sandbox_enabled(config.demo) {
            let sandbox = sandbox::Sandbox::start()?;
            // Airtel and M-Pesa call back a fixed URL; Orange's payment page is our fake phone.
            sandbox.set_callback_base(&config.base_url);
            sandbox.set_orange_payment_page(&format!("{}/payments/sandbox/", config.base_url));
            let providers = providers::build(&sandbox.settings());
            if config.demo {
                tracing::info!("payments: sandbox mode, fake providers (demo)");
            } else {
                tracing::warn!(
                    "payments: sandbox mode (TLJ_PAY_SANDBOX=true): fake providers, no money is \
                     collected and learners confirm their own payments"
                );
            }
            Ok(Self {
                config: pay,
                providers,
                sandbox: Some(sandbox),
            })
        } else {
            let providers = providers::build(&pay.providers);
            if providers.is_empty() {
                tracing::warn!(
                    "payments: no mobile-money provider configured and sandbox off: paid checkout \
                     is disabled (set the TLJ_PAY_<PROVIDER>_* variables, or TLJ_PAY_SANDBOX=true \
                     for a test platform)"
                );
            }
            Ok(Self {
                config: pay,
                providers,
                sandbox: None,
            })
        }
    }

    /// Whether paid checkout can run at all: the sandbox, or at least one real provider.
    pub fn available(&self) -> bool {
        self.sandbox.is_some() || !self.providers.is_empty()
    }

    pub fn provider(&self, kind: ProviderKind) -> Option<Arc<dyn Provider>> {
        self.providers.get(&kind).cloned()
    }

    /// The provider used when the routing table has no row for a wallet and currency: the
    /// wallet's own adapter, else the aggregator.
    pub fn default_route(&self, wallet: Wallet) -> Option<ProviderKind> {
        let direct = match wallet {
            Wallet::Orange => ProviderKind::Orange,
            Wallet::Airtel => ProviderKind::Airtel,
            Wallet::Mpesa => ProviderKind::Mpesa,
        };
        [direct, ProviderKind::Flexpay]
            .into_iter()
            .find(|k| self.providers.contains_key(k))
    }

    pub fn sandbox_enabled(&self) -> bool {
        self.sandbox.is_some()
    }

    /// Chooses the provider for a wallet and currency: the admin routing table when it names a
    /// configured provider, else [`Payments::default_route`].
    pub async fn route(
        &self,
        db: &Db,
        wallet: Wallet,
        currency: Currency,
    ) -> Result<Option<ProviderKind>, sqlx::Error> {
        let routed = queries::route_for(db, wallet.code(), currency.code())
            .await?
            .and_then(|code| ProviderKind::parse(&code))
            .filter(|k| self.providers.contains_key(k));
        Ok(routed.or_else(|| self.default_route(wallet)))
    }
}

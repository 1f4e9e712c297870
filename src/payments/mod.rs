//! Mobile-money payments: Orange Money, Airtel Money, M-Pesa and the FlexPay aggregator behind
//! one provider trait; quotes in CDF/USD; a state machine per payment; receipts.
//!
//! Flow: checkout (`checkout.rs`; the work in `initiation.rs`) creates a payment (`created`),
//! initiates it with the routed provider in the background and shows a waiting page polled by
//! htmx. A callback
//! (`handlers::callback`) is only a hint: it makes the payment due for a status query; the
//! worker (`worker.rs`) queries providers with back-off (15 s, 30 s, 60 s, then 2 min, stored in
//! `next_check_at` so it survives restarts), expires late payments and re-queries unknown ones.
//! Only a provider's own answer (initiation or status query) moves a payment to succeeded, in one
//! transaction with the enrolment and the invoice number (`queries::succeed`).

pub mod access;
pub mod admin;
pub mod checkout;
pub mod config;
pub mod handlers;
pub mod initiation;
pub mod model;
pub mod msisdn;
pub mod providers;
pub mod queries;
pub mod quotes;
pub mod rates;
pub mod receipts;
pub mod sandbox;
pub mod worker;

use std::collections::HashMap;
use std::sync::Arc;

use crate::auth::model::Role;
use crate::config::Config;
use crate::money::Currency;
use crate::state::AppState;
use crate::web::{Guard, Routes};
use config::PaymentsConfig;
use providers::{Provider, ProviderKind, Wallet};

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
}

/// Chooses the provider for a wallet and currency: the admin routing table when it names a
/// configured provider, else [`Payments::default_route`].
pub async fn route(
    state: &AppState,
    wallet: Wallet,
    currency: Currency,
) -> Result<Option<ProviderKind>, sqlx::Error> {
    let routed = queries::route_for(&state.db, wallet.code(), currency.code())
        .await?
        .and_then(|code| ProviderKind::parse(&code))
        .filter(|k| state.payments.providers.contains_key(k));
    Ok(routed.or_else(|| state.payments.default_route(wallet)))
}

pub fn router() -> Routes {
    Routes::new()
        .get("/payments", handlers::my_payments)
        .get("/payments/checkout/{slug}", checkout::checkout_page)
        .post("/payments/checkout/{slug}", checkout::start)
        .post("/payments/callback/{provider}", handlers::callback)
        .post(
            "/payments/callback/{provider}/{reference}",
            handlers::callback_for,
        )
        .get("/payments/sandbox/{reference}", handlers::sandbox_phone)
        .post("/payments/sandbox/{reference}", handlers::sandbox_resolve)
        .get("/payments/{reference}", checkout::waiting_page)
        .get("/payments/{reference}/status", checkout::status)
        .get("/payments/{reference}/receipt.pdf", receipts::download)
        .merge(
            Routes::area(Guard::Role(Role::Admin))
                .get("/admin/payments", admin::list)
                .get("/admin/payments/rates", admin::rates_page)
                .post("/admin/payments/rates", admin::set_rate)
                .post("/admin/payments/pinned", admin::set_pinned)
                .get("/admin/payments/routing", admin::routing_page)
                .post("/admin/payments/routing", admin::set_route)
                .get("/admin/payments/{reference}", admin::detail)
                .post("/admin/payments/{reference}/requery", admin::requery)
                .post("/admin/payments/{reference}/refund", admin::refund),
        )
}

/// Background work: status poller with back-off, expiry, reconciliation of unknown payments.
pub fn spawn_workers(state: AppState) {
    worker::spawn(state);
}

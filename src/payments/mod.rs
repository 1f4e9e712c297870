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
pub mod item;
pub mod model;
pub mod msisdn;
pub mod providers;
pub mod queries;
pub mod quotes;
pub mod rates;
pub mod receipts;
pub mod refusals;
pub mod sandbox;
pub mod seller;
pub mod service;
pub mod worker;

use crate::auth::model::Role;
use crate::money::Currency;
use crate::state::AppState;
use crate::web::{Guard, Routes};
use providers::{ProviderKind, Wallet};
pub use service::Payments;

/// Chooses the provider for a wallet and currency (see [`Payments::route`]).
pub async fn route(
    state: &AppState,
    wallet: Wallet,
    currency: Currency,
) -> Result<Option<ProviderKind>, sqlx::Error> {
    state.payments.route(&state.db, wallet, currency).await
}

pub fn router() -> Routes {
    Routes::new()
        .get("/payments", handlers::my_payments)
        .get("/payments/checkout/{slug}", checkout::checkout_page)
        .post("/payments/checkout/{slug}", checkout::start)
        .post("/payments/checkout/{slug}/number", checkout::number_check)
        .get("/payments/seats/{id}", checkout::seats_page)
        .post("/payments/seats/{id}", checkout::seats_start)
        .post("/payments/seats/{id}/number", checkout::seats_number_check)
        .get("/payments/sandbox/{reference}", handlers::sandbox_phone)
        .post("/payments/sandbox/{reference}", handlers::sandbox_resolve)
        .get("/payments/{reference}", checkout::waiting_page)
        .get("/payments/{reference}/status", checkout::status)
        .get("/payments/{reference}/receipt", receipts::page)
        .get("/payments/{reference}/receipt.pdf", receipts::download)
        .merge(
            Routes::area(Guard::Role(Role::Admin))
                .get("/admin/payments", admin::list)
                .get("/admin/payments/rates", admin::rates_page)
                .post("/admin/payments/rates", admin::set_rate)
                .post("/admin/payments/pinned", admin::set_pinned)
                .get("/admin/payments/routing", admin::routing_page)
                .post("/admin/payments/routing", admin::set_route)
                .get("/admin/payments/seller", seller::page)
                .post("/admin/payments/seller", seller::save)
                .get("/admin/payments/{reference}", admin::detail)
                .post("/admin/payments/{reference}/requery", admin::requery)
                .post("/admin/payments/{reference}/refund", admin::refund),
        )
}

/// The providers' server-to-server callbacks: they carry no session or CSRF token (they are
/// verified by hash, notif_token and query-back instead), so `lib.rs` mounts them outside the
/// session and CSRF layers, as `/healthz` is.
pub fn callback_routes() -> Routes {
    Routes::new()
        .post("/payments/callback/{provider}", handlers::callback)
        .post(
            "/payments/callback/{provider}/{reference}",
            handlers::callback_for,
        )
}

/// Background work: status poller with back-off, expiry, reconciliation of unknown payments.
pub fn spawn_workers(state: AppState) {
    worker::spawn(state);
}

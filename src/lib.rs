//! TechLearnJess: an htmx hypermedia learning platform. `router` builds the whole HTTP app;
//! `serve` runs it with graceful shutdown. See ARCHITECTURE.md for the map of folders.

pub mod admin;
pub mod auth;
pub mod backup;
pub mod certificates;
pub mod chat;
pub mod clock;
pub mod config;
pub mod courses;
pub mod dashboard;
pub mod db;
pub mod demo;
pub mod error;
pub mod forum;
pub mod live;
pub mod mail;
pub mod markdown;
pub mod money;
pub mod notifications;
pub mod pages;
pub mod payments;
pub mod pdf;
pub mod profile;
pub mod progress;
pub mod quizzes;
pub mod realtime;
pub mod recommendations;
pub mod seats;
pub mod state;
pub mod storage;
pub mod tasks;
pub mod teach;
pub mod web;

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use tower_http::CompressionLevel;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, Predicate};
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

pub use state::AppState;
use web::Routes;

/// Largest request body accepted by default (forms); upload routes raise their own limit.
const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// Routes answered without the request context (no session, no CSRF): assets, health, and the
/// payment providers' callbacks.
fn outer_routes() -> Routes {
    Routes::new()
        .get("/static/{*path}", web::assets::serve_static)
        .get("/healthz", pages::handlers::healthz)
        .merge(payments::callback_routes())
}

/// Every feature's routes, each area behind its guard.
fn app_routes() -> Routes {
    Routes::new()
        .merge(pages::router())
        .merge(auth::router())
        .merge(dashboard::router())
        .merge(courses::router())
        .merge(quizzes::router())
        .merge(teach::router())
        .merge(profile::router())
        .merge(notifications::router())
        .merge(chat::router())
        .merge(forum::router())
        .merge(seats::router())
        .merge(certificates::router())
        .merge(payments::router())
        .merge(admin::router())
        .merge(live::router())
}

/// Every (method, path) the app routes with the guard in front of it, from the same builders
/// as [`router`] (the authorisation matrix test iterates it).
pub fn route_table() -> Vec<web::routes::RouteEntry> {
    let mut table = outer_routes().table().to_vec();
    table.extend_from_slice(app_routes().table());
    table
}

/// The whole application; tests build exactly this.
pub fn router(state: AppState) -> Router {
    let sessions =
        SessionManagerLayer::new(web::session_store::DbSessionStore::new(state.db.clone()))
            .with_name("tlj_session")
            .with_http_only(true)
            .with_same_site(SameSite::Lax)
            .with_secure(state.config.secure_cookies)
            .with_expiry(Expiry::OnInactivity(time::Duration::days(14)));

    let app = app_routes()
        .into_router()
        .fallback(|| async { error::AppError::NotFound })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            web::context::middleware,
        ))
        .layer(sessions)
        .layer(axum_htmx::AutoVaryLayer);

    outer_routes()
        .into_router()
        .merge(app)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            web::security::headers,
        ))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        // Anonymous pages ready-made and already compressed (compression leaves them alone).
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            web::response_cache::middleware,
        ))
        // Pages are small: a fast level keeps most of the gain for a fraction of the CPU
        // (static assets are precompressed at the best level and pass through untouched).
        .layer(
            CompressionLayer::new()
                .quality(CompressionLevel::Precise(4))
                // Files served by byte ranges (resource downloads) go out as stored, so an
                // interrupted download can resume (`Accept-Ranges`, `Content-Length`, `ETag`).
                .compress_when(DefaultPredicate::new().and(
                    |_: axum::http::StatusCode,
                     _: axum::http::Version,
                     h: &axum::http::HeaderMap,
                     _: &axum::http::Extensions| {
                        !h.contains_key(axum::http::header::ACCEPT_RANGES)
                    },
                )),
        )
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves the app on `addr` until Ctrl-C or SIGTERM, finishing in-flight requests.
pub async fn serve(state: AppState, addr: SocketAddr) -> anyhow::Result<()> {
    spawn_workers(state.clone());
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("impossible d'écouter sur {addr} : {e} (changez TLJ_ADDR)"))?;
    tracing::info!(http.addr = %addr, "TechLearnJess listening on http://{addr}");
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    tracing::info!("server stopped");
    Ok(())
}

/// Background work of a running instance: housekeeping, presence heartbeat, and the workers of
/// each feature (payment poller, …). Tests that need them call this too.
pub fn spawn_workers(state: AppState) {
    realtime::presence::spawn_heartbeat(state.hub.clone());
    payments::spawn_workers(state.clone());
    live::spawn_workers(state.clone());
    spawn_housekeeping(state);
}

/// Periodic clean-up: expired sessions and one-time codes, rate-limit keys, stale realtime rows.
fn spawn_housekeeping(state: AppState) {
    tokio::spawn(async move {
        let store = web::session_store::DbSessionStore::new(state.db.clone());
        let mut tick = tokio::time::interval(Duration::from_secs(600));
        loop {
            tick.tick().await;
            if let Err(e) = state.limits.prune().await {
                tracing::warn!(error = %e, "spent rate-limit keys could not be deleted");
            }
            if let Err(e) = store.delete_expired().await {
                tracing::warn!(error = %e, "expired sessions could not be deleted");
            }
            if let Err(e) = auth::queries::delete_expired_otp_codes(&state.db).await {
                tracing::warn!(error = %e, "expired one-time codes could not be deleted");
            }
            if let Err(e) = realtime::prune(&state.hub).await {
                tracing::warn!(error = %e, "stale realtime rows could not be deleted");
            }
        }
    });
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
}

//! Public pages: home, about, language choice, the health check, and offline reading (the
//! service worker at `/sw.js` and its fallback page `/offline`).

pub mod handlers;
pub mod queries;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(handlers::home))
        .route("/about", get(handlers::about))
        .route("/lang", post(handlers::set_language))
        .route("/sw.js", get(handlers::service_worker))
        .route("/offline", get(handlers::offline))
}

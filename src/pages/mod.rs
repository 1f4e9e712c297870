//! Public pages: home, about, language choice, and the health check.

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
}

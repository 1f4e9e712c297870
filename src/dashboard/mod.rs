//! The signed-in user's home: what they are doing now, with shortcuts to every part of the platform.

pub mod handlers;
pub mod model;
pub mod queries;

use axum::Router;
use axum::routing::get;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/dashboard", get(handlers::show_dashboard))
}

//! The user's profile: personal information, photo, learning history, statistics, security.

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
}

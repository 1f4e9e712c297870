//! Forum: public categories and one forum per course; topics, replies, likes, reports and
//! moderation.

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
}

//! Chat: a general room, private conversations, one room per course; messages over the htmx
//! WebSocket extension, presence, unread counts, reports and hiding.

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
}

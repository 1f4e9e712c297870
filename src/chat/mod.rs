//! Chat: a general room, private conversations, one room per course; messages over the htmx
//! WebSocket extension (rendered once, sent to every subscriber), presence, unread counts,
//! reports and hiding. Course rooms are created on first use (the first time a member opens
//! the chat), which is the same as creating them with the course, without empty rows.

pub mod handlers;
pub mod model;
pub mod queries;
pub mod ws;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/chat", get(handlers::index))
        .route("/chat/direct", post(handlers::start_direct))
        .route("/chat/rooms/{id}", get(handlers::room_page))
        .route(
            "/chat/rooms/{id}/messages",
            get(handlers::older).post(handlers::post_form),
        )
        .route("/chat/rooms/{id}/ws", get(ws::connect))
        .route("/chat/messages/{id}/hide", post(handlers::hide))
        .route("/chat/messages/{id}/dismiss", post(handlers::dismiss))
        .route(
            "/chat/messages/{id}/report",
            get(handlers::report_page).post(handlers::report),
        )
}

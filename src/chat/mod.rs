//! Chat: a general room, private conversations, one room per course; messages over the htmx
//! WebSocket extension (rendered once, sent to every subscriber), presence, unread counts,
//! reports and hiding. Course rooms are created on first use (the first time a member opens
//! the chat), which is the same as creating them with the course, without empty rows.

pub mod access;
pub mod handlers;
pub mod model;
pub mod queries;
pub mod ws;

use crate::auth::model::Role;
use crate::web::{Guard, Routes};

pub fn router() -> Routes {
    Routes::new()
        .get("/chat", handlers::index)
        .post("/chat/direct", handlers::start_direct)
        .get("/chat/rooms/{id}", handlers::room_page)
        .get("/chat/rooms/{id}/messages", handlers::older)
        .post("/chat/rooms/{id}/messages", handlers::post_form)
        .get("/chat/rooms/{id}/ws", ws::connect)
        .get("/chat/messages/{id}/report", handlers::report_page)
        .post("/chat/messages/{id}/report", handlers::report)
        .merge(
            Routes::area(Guard::Role(Role::Moderator))
                .post("/chat/messages/{id}/hide", handlers::hide)
                .post("/chat/messages/{id}/dismiss", handlers::dismiss),
        )
}

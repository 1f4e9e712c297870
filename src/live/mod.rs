//! Live sessions: planning (`/live`), stored reminders sent once by a background worker,
//! `.ics` files and a per-user calendar feed, and the live room: WebRTC video from the
//! trainer to each viewer signalled over the room's WebSocket, live Q&A with votes, a chat
//! feed, attendance, and a summary after the session.

pub mod demo;
pub mod handlers;
pub mod model;
pub mod queries;
pub mod ws;

use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

pub use handlers::send_due_reminders;

/// How often the reminder worker looks for due reminders.
const REMINDER_TICK: Duration = Duration::from_secs(20);

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/live", get(handlers::index).post(handlers::create))
        .route("/live/new", get(handlers::new_page))
        .route("/live/feed/regenerate", post(handlers::regenerate_feed))
        .route("/live/feed/{token}", get(handlers::feed))
        .route("/live/{id}", get(handlers::room))
        .route(
            "/live/{id}/edit",
            get(handlers::edit_page).post(handlers::update),
        )
        .route("/live/{id}/cancel", post(handlers::cancel))
        .route("/live/{id}/start", post(handlers::start))
        .route("/live/{id}/end", post(handlers::end))
        .route("/live/{id}/session.ics", get(handlers::session_ics))
        .route("/live/{id}/ws", get(ws::connect))
}

/// The reminder worker: every 20 s, sends what is due (stored, so nothing is lost on restart).
pub fn spawn_workers(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(REMINDER_TICK);
        loop {
            tick.tick().await;
            if let Err(e) = send_due_reminders(&state, time::OffsetDateTime::now_utc()).await {
                tracing::warn!(error = %e, "live reminders could not be sent");
            }
        }
    });
}

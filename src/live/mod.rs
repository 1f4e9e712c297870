//! Live sessions: planning (`/live`), stored reminders sent once by a background worker,
//! `.ics` files and a per-user calendar feed, and the live room: WebRTC video from the
//! trainer to each viewer signalled over the room's WebSocket, live Q&A with votes, a chat
//! feed, attendance, and a summary after the session.

pub mod access;
pub mod demo;
pub mod handlers;
pub mod model;
pub mod queries;
pub mod schedule;
pub mod ws;

use std::time::Duration;

use crate::auth::model::Role;
use crate::state::AppState;
use crate::web::{Guard, Routes};

pub use schedule::send_due_reminders;

/// How often the reminder worker looks for due reminders.
const REMINDER_TICK: Duration = Duration::from_secs(20);

pub fn router() -> Routes {
    Routes::new()
        .get("/live", handlers::index)
        .merge(
            Routes::area(Guard::Role(Role::Trainer))
                .post("/live", handlers::create)
                .get("/live/new", handlers::new_page),
        )
        .post("/live/feed/regenerate", handlers::regenerate_feed)
        .get("/live/feed/{token}", handlers::feed)
        .get("/live/{id}", handlers::room)
        .get("/live/{id}/edit", handlers::edit_page)
        .post("/live/{id}/edit", handlers::update)
        .post("/live/{id}/cancel", handlers::cancel)
        .post("/live/{id}/start", handlers::start)
        .post("/live/{id}/end", handlers::end)
        .get("/live/{id}/session.ics", handlers::session_ics)
        .get("/live/{id}/ws", ws::connect)
}

/// The reminder worker: every 20 s, sends what is due (stored, so nothing is lost on restart).
pub fn spawn_workers(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(REMINDER_TICK);
        loop {
            tick.tick().await;
            if let Err(e) = send_due_reminders(&state, state.clock.now()).await {
                tracing::warn!(error = %e, "live reminders could not be sent");
            }
        }
    });
}

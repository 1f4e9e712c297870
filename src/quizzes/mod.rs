//! Quizzes (QCM): taking a quiz, grading (single and multiple answers, pass mark), attempts,
//! immediate feedback swapped in by htmx. Authoring lives in `teach`.

pub mod handlers;
pub mod model;
pub mod queries;

use axum::Router;
use axum::routing::get;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/courses/{slug}/quizzes/{quiz_id}",
        get(handlers::show_quiz).post(handlers::submit_quiz),
    )
}

//! Quizzes (QCM): taking a quiz, grading, attempts, immediate feedback.

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
}

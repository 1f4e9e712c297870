//! Trainer authoring under `/teach`: courses, sections, lessons, resources, quizzes, learners.

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
}

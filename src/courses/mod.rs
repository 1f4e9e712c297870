//! Courses: catalogue, course page, enrolment, lessons, resources downloads, and the access
//! rules (`access.rs`) every feature uses for course content.

pub mod access;
pub mod handlers;
pub mod lessons;
pub mod model;
pub mod queries;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/courses", get(handlers::list_courses))
        .route("/courses/{slug}", get(handlers::show_course))
        .route(
            "/courses/{slug}/enrol",
            get(handlers::enrol_page).post(handlers::enrol),
        )
        .route("/courses/{slug}/buy", get(handlers::buy_course))
        .route("/courses/{slug}/cover", get(handlers::course_cover))
        .route("/courses/{slug}/lessons/{id}", get(lessons::show_lesson))
        .route(
            "/courses/{slug}/lessons/{id}/video",
            get(lessons::lesson_video),
        )
        .route(
            "/courses/{slug}/lessons/{id}/complete",
            post(lessons::complete_lesson),
        )
        .route(
            "/courses/{slug}/resources/{id}",
            get(lessons::download_resource),
        )
}

//! Courses: catalogue, course page, enrolment, lessons, resources downloads, and the access
//! rules (`access.rs`) every feature uses for course content.

pub mod access;
pub mod model;
pub mod queries;

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
}

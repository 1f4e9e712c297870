//! Courses: catalogue, course page, enrolment, lessons, resources downloads, and the access
//! rules (`access.rs`) every feature uses for course content.

pub mod access;
pub mod downloads;
pub mod handlers;
pub mod lessons;
pub mod model;
pub mod offline;
pub mod pricing;
pub mod queries;
pub mod search;

use crate::web::Routes;

pub fn router() -> Routes {
    Routes::new()
        .get("/courses", handlers::list_courses)
        .get("/courses/{slug}", handlers::show_course)
        .get("/courses/{slug}/enrol", handlers::enrol_page)
        .post("/courses/{slug}/enrol", handlers::enrol)
        .get("/courses/{slug}/buy", handlers::buy_course)
        .get("/courses/{slug}/cover", handlers::course_cover)
        .get("/courses/{slug}/lessons/{id}", lessons::show_lesson)
        .get("/courses/{slug}/lessons/{id}/video", lessons::lesson_video)
        .post(
            "/courses/{slug}/lessons/{id}/complete",
            lessons::complete_lesson,
        )
        .get("/courses/{slug}/resources/{id}", lessons::download_resource)
        .get("/courses/{slug}/offline", offline::pack_page)
        .get("/courses/{slug}/offline/items", offline::pack_items)
        .get("/offline/courses", offline::kept_page)
}

//! Trainer authoring under `/teach`: courses, sections, lessons, resources, quizzes, learners.
//! Every route needs a trainer (admins pass) who may edit the course (`courses::access`).

pub mod curriculum;
pub mod files;
pub mod handlers;
pub mod model;
pub mod queries;
pub mod quizzes;
pub mod resources;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    // Upload routes lift the global 2 MB limit: `handlers::read_multipart` streams the body and
    // enforces `config.max_upload_bytes` (+ 1 MB for the other fields) itself.
    let upload_limit = DefaultBodyLimit::disable();
    let c = "/teach/courses/{id}";
    Router::new()
        .route("/teach", get(handlers::index))
        .route(
            "/teach/courses/new",
            get(handlers::new_course_page)
                .post(handlers::new_course)
                .layer(upload_limit),
        )
        .route(
            &format!("{c}/edit"),
            get(handlers::edit_course_page)
                .post(handlers::edit_course)
                .layer(upload_limit),
        )
        .route(&format!("{c}/publish"), post(handlers::publish))
        .route(&format!("{c}/unpublish"), post(handlers::unpublish))
        .route(&format!("{c}/learners"), get(handlers::learners))
        .route(&format!("{c}/sections"), post(curriculum::add_section))
        .route(
            &format!("{c}/sections/{{section_id}}/rename"),
            post(curriculum::rename_section),
        )
        .route(
            &format!("{c}/sections/{{section_id}}/delete"),
            post(curriculum::delete_section),
        )
        .route(
            &format!("{c}/sections/{{section_id}}/move"),
            post(curriculum::move_section),
        )
        .route(
            &format!("{c}/sections/{{section_id}}/lessons/new"),
            get(curriculum::new_lesson_page).post(curriculum::new_lesson),
        )
        .route(
            &format!("{c}/lessons/{{lesson_id}}/edit"),
            get(curriculum::edit_lesson_page).post(curriculum::edit_lesson),
        )
        .route(
            &format!("{c}/lessons/{{lesson_id}}/delete"),
            post(curriculum::delete_lesson),
        )
        .route(
            &format!("{c}/lessons/{{lesson_id}}/move"),
            post(curriculum::move_lesson),
        )
        .route(
            &format!("{c}/resources"),
            post(resources::upload_resource).layer(upload_limit),
        )
        .route(
            &format!("{c}/resources/{{resource_id}}/delete"),
            post(resources::delete_resource),
        )
        .route(
            &format!("{c}/quizzes/new"),
            get(quizzes::new_quiz_page).post(quizzes::new_quiz),
        )
        .route(&format!("{c}/quizzes/{{quiz_id}}"), get(quizzes::quiz_page))
        .route(
            &format!("{c}/quizzes/{{quiz_id}}/edit"),
            post(quizzes::edit_quiz),
        )
        .route(
            &format!("{c}/quizzes/{{quiz_id}}/delete"),
            post(quizzes::delete_quiz),
        )
        .route(
            &format!("{c}/quizzes/{{quiz_id}}/questions"),
            post(quizzes::add_question),
        )
        .route(
            &format!("{c}/quizzes/{{quiz_id}}/questions/{{question_id}}/edit"),
            get(quizzes::edit_question_page).post(quizzes::edit_question),
        )
        .route(
            &format!("{c}/quizzes/{{quiz_id}}/questions/{{question_id}}/delete"),
            post(quizzes::delete_question),
        )
}

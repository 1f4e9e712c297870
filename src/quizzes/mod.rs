//! Quizzes (QCM): taking a quiz, grading (single and multiple answers, pass mark), attempts,
//! immediate feedback swapped in by htmx. Authoring lives in `teach`.

pub mod handlers;
pub mod model;
pub mod queries;

use crate::web::Routes;

pub fn router() -> Routes {
    Routes::new()
        .get("/courses/{slug}/quizzes/{quiz_id}", handlers::show_quiz)
        .post("/courses/{slug}/quizzes/{quiz_id}", handlers::submit_quiz)
}

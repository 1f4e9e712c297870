//! Trainer authoring under `/teach`: courses, sections, lessons, resources, quizzes, learners.
//! The whole area is behind the trainer guard (admins pass); each course is then checked by
//! `courses::access::require_edit` (its trainer, or an admin).

pub mod curriculum;
pub mod files;
pub mod handlers;
pub mod model;
pub mod queries;
pub mod quizzes;
pub mod resources;

use crate::auth::model::Role;
use crate::web::{Guard, Routes};

pub fn router() -> Routes {
    // Upload routes (`upload`) lift the global 2 MB limit: `handlers::read_multipart` streams the body and
    // enforces `config.max_upload_bytes` (+ 1 MB for the other fields) itself.
    let c = "/teach/courses/{id}";
    Routes::area(Guard::Role(Role::Trainer))
        .get("/teach", handlers::index)
        .get("/teach/courses/new", handlers::new_course_page)
        .upload("/teach/courses/new", handlers::new_course)
        .get(&format!("{c}/edit"), handlers::edit_course_page)
        .upload(&format!("{c}/edit"), handlers::edit_course)
        .post(&format!("{c}/publish"), handlers::publish)
        .post(&format!("{c}/unpublish"), handlers::unpublish)
        .get(&format!("{c}/learners"), handlers::learners)
        .post(
            &format!("{c}/learners/{{user_id}}/quizzes/{{quiz_id}}/grant"),
            handlers::grant_attempt,
        )
        .post(&format!("{c}/sections"), curriculum::add_section)
        .post(
            &format!("{c}/sections/{{section_id}}/rename"),
            curriculum::rename_section,
        )
        .post(
            &format!("{c}/sections/{{section_id}}/delete"),
            curriculum::delete_section,
        )
        .post(
            &format!("{c}/sections/{{section_id}}/move"),
            curriculum::move_section,
        )
        .get(
            &format!("{c}/sections/{{section_id}}/lessons/new"),
            curriculum::new_lesson_page,
        )
        .post(
            &format!("{c}/sections/{{section_id}}/lessons/new"),
            curriculum::new_lesson,
        )
        .get(
            &format!("{c}/lessons/{{lesson_id}}/edit"),
            curriculum::edit_lesson_page,
        )
        .post(
            &format!("{c}/lessons/{{lesson_id}}/edit"),
            curriculum::edit_lesson,
        )
        .post(
            &format!("{c}/lessons/{{lesson_id}}/delete"),
            curriculum::delete_lesson,
        )
        .post(
            &format!("{c}/lessons/{{lesson_id}}/move"),
            curriculum::move_lesson,
        )
        .upload(&format!("{c}/resources"), resources::upload_resource)
        .post(
            &format!("{c}/resources/{{resource_id}}/delete"),
            resources::delete_resource,
        )
        .get(&format!("{c}/quizzes/new"), quizzes::new_quiz_page)
        .post(&format!("{c}/quizzes/new"), quizzes::new_quiz)
        .get(&format!("{c}/quizzes/{{quiz_id}}"), quizzes::quiz_page)
        .post(&format!("{c}/quizzes/{{quiz_id}}/edit"), quizzes::edit_quiz)
        .post(
            &format!("{c}/quizzes/{{quiz_id}}/delete"),
            quizzes::delete_quiz,
        )
        .post(
            &format!("{c}/quizzes/{{quiz_id}}/questions"),
            quizzes::add_question,
        )
        .get(
            &format!("{c}/quizzes/{{quiz_id}}/questions/{{question_id}}/edit"),
            quizzes::edit_question_page,
        )
        .post(
            &format!("{c}/quizzes/{{quiz_id}}/questions/{{question_id}}/edit"),
            quizzes::edit_question,
        )
        .post(
            &format!("{c}/quizzes/{{quiz_id}}/questions/{{question_id}}/delete"),
            quizzes::delete_question,
        )
}

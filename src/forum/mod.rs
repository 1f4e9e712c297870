//! Forum: public categories and one forum per course; topics, replies, likes, reports and
//! moderation.
//!
//! Course forums follow the course access rules (`courses::access`): enrolled learners, the
//! course's trainer, moderators and admins. Mentions are written `@Prénom_Nom` (the user's
//! name with underscores for spaces).

pub mod access;
pub mod actions;
pub mod demo;
pub mod handlers;
pub mod live;
pub mod model;
pub mod moderation;
pub mod queries;
pub mod replies;

use crate::auth::model::Role;
use crate::web::{Guard, Routes};

pub fn router() -> Routes {
    Routes::new()
        .get("/forum", handlers::index)
        .get("/forum/c/{slug}", handlers::show_category)
        .post("/forum/c/{slug}", handlers::create_category_topic)
        .get("/forum/c/{slug}/new", handlers::new_category_topic)
        .get("/forum/courses/{slug}", handlers::show_course_forum)
        .post("/forum/courses/{slug}", handlers::create_course_topic)
        .get("/forum/courses/{slug}/new", handlers::new_course_topic)
        .get("/forum/topics/{id}", handlers::show_topic)
        .post("/forum/topics/{id}/replies", handlers::create_reply)
        .get("/forum/topics/{id}/stream", live::stream)
        .post("/forum/topics/{id}/follow", handlers::follow_topic)
        .get("/forum/topics/{id}/edit", handlers::edit_topic_page)
        .post("/forum/topics/{id}/edit", handlers::edit_topic)
        .get("/forum/replies/{id}/edit", handlers::edit_reply_page)
        .post("/forum/replies/{id}/edit", handlers::edit_reply)
        .get("/forum/replies/{id}/quote", handlers::quote_reply)
        .post("/forum/likes/{target}/{id}", handlers::toggle_like)
        .post("/forum/reports/{target}/{id}", handlers::report_post)
        .merge(
            Routes::area(Guard::Role(Role::Moderator))
                .get("/forum/moderation", moderation::queue)
                .post("/forum/moderation/act", moderation::act)
                .post(
                    "/forum/moderation/reports/{id}/dismiss",
                    moderation::dismiss,
                )
                .post("/forum/moderation/users/{id}", moderation::act_on_user),
        )
        .merge(
            Routes::area(Guard::Role(Role::Admin))
                .get("/forum/admin/categories", moderation::categories_page)
                .post("/forum/admin/categories", moderation::create_category),
        )
}

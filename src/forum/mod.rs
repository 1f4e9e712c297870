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
use handlers::{reactions, replies as reply_pages, topics};

pub fn router() -> Routes {
    Routes::new()
        .get("/forum", topics::index)
        .get("/forum/c/{slug}", topics::show_category)
        .post("/forum/c/{slug}", topics::create_category_topic)
        .get("/forum/c/{slug}/new", topics::new_category_topic)
        .get("/forum/courses/{slug}", topics::show_course_forum)
        .post("/forum/courses/{slug}", topics::create_course_topic)
        .get("/forum/courses/{slug}/new", topics::new_course_topic)
        .get("/forum/topics/{id}", topics::show_topic)
        .post("/forum/topics/{id}/replies", reply_pages::create_reply)
        .get("/forum/topics/{id}/stream", live::stream)
        .post("/forum/topics/{id}/follow", reactions::follow_topic)
        .get("/forum/topics/{id}/edit", topics::edit_topic_page)
        .post("/forum/topics/{id}/edit", topics::edit_topic)
        .get("/forum/replies/{id}/edit", reply_pages::edit_reply_page)
        .post("/forum/replies/{id}/edit", reply_pages::edit_reply)
        .get("/forum/replies/{id}/quote", reply_pages::quote_reply)
        .post("/forum/likes/{target}/{id}", reactions::toggle_like)
        .post("/forum/reports/{target}/{id}", reactions::report_post)
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

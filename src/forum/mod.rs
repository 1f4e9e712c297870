//! Forum: public categories and one forum per course; topics, replies, likes, reports and
//! moderation.
//!
//! Course forums follow the course access rules (`courses::access`): enrolled learners, the
//! course's trainer, moderators and admins. Mentions are written `@Prénom_Nom` (the user's
//! name with underscores for spaces).

pub mod demo;
pub mod handlers;
pub mod live;
pub mod model;
pub mod moderation;
pub mod queries;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/forum", get(handlers::index))
        .route(
            "/forum/c/{slug}",
            get(handlers::show_category).post(handlers::create_category_topic),
        )
        .route("/forum/c/{slug}/new", get(handlers::new_category_topic))
        .route(
            "/forum/courses/{slug}",
            get(handlers::show_course_forum).post(handlers::create_course_topic),
        )
        .route("/forum/courses/{slug}/new", get(handlers::new_course_topic))
        .route("/forum/topics/{id}", get(handlers::show_topic))
        .route("/forum/topics/{id}/replies", post(handlers::create_reply))
        .route("/forum/topics/{id}/stream", get(live::stream))
        .route("/forum/topics/{id}/follow", post(handlers::follow_topic))
        .route(
            "/forum/topics/{id}/edit",
            get(handlers::edit_topic_page).post(handlers::edit_topic),
        )
        .route(
            "/forum/replies/{id}/edit",
            get(handlers::edit_reply_page).post(handlers::edit_reply),
        )
        .route("/forum/replies/{id}/quote", get(handlers::quote_reply))
        .route("/forum/likes/{target}/{id}", post(handlers::toggle_like))
        .route("/forum/reports/{target}/{id}", post(handlers::report_post))
        .route("/forum/moderation", get(moderation::queue))
        .route("/forum/moderation/act", post(moderation::act))
        .route(
            "/forum/moderation/reports/{id}/dismiss",
            post(moderation::dismiss),
        )
        .route(
            "/forum/moderation/users/{id}",
            post(moderation::act_on_user),
        )
        .route(
            "/forum/admin/categories",
            get(moderation::categories_page).post(moderation::create_category),
        )
}

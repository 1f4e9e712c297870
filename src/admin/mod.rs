//! Administration under `/admin` (admins only): users, courses, categories, testimonials,
//! analytics with server-drawn charts, streamed CSV exports, and the audit log of every admin
//! action. Payments, certificates and moderation have their admin pages in their features.

pub mod analytics;
pub mod charts;
pub mod courses;
pub mod exports;
pub mod handlers;
pub mod queries;
pub mod users;

use axum::Router;
use axum::routing::{get, post};

use crate::auth::model::{Role, User};
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::RequestContext;

/// The signed-in admin, or LoginRequired / Forbidden.
pub fn require_admin(ctx: &RequestContext) -> AppResult<&User> {
    ctx.require_user()?.require(Role::Admin)
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin", get(handlers::overview))
        .route("/admin/audit", get(handlers::audit))
        // The one moderation queue (forum and chat reports, actions log): moderators too.
        .route("/admin/moderation", get(crate::forum::moderation::queue))
        .route("/admin/users", get(users::list))
        .route("/admin/users/{id}", get(users::show))
        .route("/admin/users/{id}/roles", post(users::set_roles))
        .route("/admin/users/{id}/suspend", post(users::suspend))
        .route("/admin/users/{id}/reactivate", post(users::reactivate))
        .route("/admin/users/{id}/force-reset", post(users::force_reset))
        .route(
            "/admin/users/{id}/resend-verification",
            post(users::resend_verification),
        )
        .route("/admin/courses", get(courses::list))
        .route("/admin/courses/{id}/publish", post(courses::publish))
        .route("/admin/courses/{id}/unpublish", post(courses::unpublish))
        .route("/admin/courses/{id}/feature", post(courses::toggle_feature))
        .route(
            "/admin/categories",
            get(courses::categories).post(courses::create_category),
        )
        .route("/admin/categories/{id}", post(courses::rename_category))
        .route(
            "/admin/testimonials",
            get(courses::testimonials).post(courses::create_testimonial),
        )
        .route(
            "/admin/testimonials/{id}/toggle",
            post(courses::toggle_testimonial),
        )
        .route("/admin/analytics", get(analytics::page))
        .route("/admin/exports", get(exports::page))
        .route("/admin/exports/{file}", get(exports::download))
}

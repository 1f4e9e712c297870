//! Administration under `/admin` (admins only): users, courses, categories, testimonials,
//! analytics with server-drawn charts, streamed CSV exports, and the audit log of every admin
//! action. Payments, certificates and moderation have their admin pages in their features.

pub mod analytics;
pub mod audit;
pub mod charts;
pub mod courses;
pub mod exports;
pub mod handlers;
pub mod queries;
pub mod users;

use crate::auth::model::Role;
use crate::web::{Guard, Routes};

pub fn router() -> Routes {
    Routes::area(Guard::Role(Role::Admin))
        .get("/admin", handlers::overview)
        .get("/admin/audit", handlers::audit)
        .get("/admin/users", users::list)
        .get("/admin/users/{id}", users::show)
        .post("/admin/users/{id}/roles", users::set_roles)
        .post("/admin/users/{id}/suspend", users::suspend)
        .post("/admin/users/{id}/reactivate", users::reactivate)
        .post("/admin/users/{id}/force-reset", users::force_reset)
        .post(
            "/admin/users/{id}/resend-verification",
            users::resend_verification,
        )
        .get("/admin/courses", courses::list)
        .post("/admin/courses/{id}/publish", courses::publish)
        .post("/admin/courses/{id}/unpublish", courses::unpublish)
        .post("/admin/courses/{id}/feature", courses::toggle_feature)
        .get("/admin/categories", courses::categories)
        .post("/admin/categories", courses::create_category)
        .post("/admin/categories/{id}", courses::rename_category)
        .get("/admin/testimonials", courses::testimonials)
        .post("/admin/testimonials", courses::create_testimonial)
        .post(
            "/admin/testimonials/{id}/toggle",
            courses::toggle_testimonial,
        )
        .get("/admin/analytics", analytics::page)
        .get("/admin/exports", exports::page)
        .get("/admin/exports/{file}", exports::download)
        // The one moderation queue (forum and chat reports, actions log): moderators too.
        .merge(
            Routes::area(Guard::Role(Role::Moderator))
                .get("/admin/moderation", crate::forum::moderation::queue),
        )
}

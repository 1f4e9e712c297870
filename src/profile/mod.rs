//! The user's profile: personal information, photo, learning history, statistics, security.

pub mod data_saver;
pub mod email_change;
pub mod handlers;
pub mod model;
pub mod photo;
pub mod queries;
pub mod security;

use crate::web::Routes;

pub fn router() -> Routes {
    Routes::new()
        .get("/profile", handlers::profile_page)
        .post("/profile", handlers::save_profile)
        // `photo::upload_photo` streams the body and enforces its own limit (≤ 5 MB).
        .upload("/profile/photo", photo::upload_photo)
        .post("/profile/photo/delete", photo::delete_photo)
        .get("/profile/photo/{user_id}/{size}", photo::serve_photo)
        .get("/data-saver", data_saver::data_saver_page)
        .post("/data-saver", data_saver::set_data_saver)
        .get("/data-saver/image", data_saver::load_image)
        .get("/profile/security", security::security_page)
        .post("/profile/security/password", security::change_password)
        .post("/profile/security/email", security::request_email_change)
        .post(
            "/profile/security/sessions/logout-others",
            security::logout_others,
        )
        .get(
            "/profile/email/confirm/{token}",
            security::confirm_email_page,
        )
        .post("/profile/email/confirm/{token}", security::confirm_email)
}

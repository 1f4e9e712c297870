//! The user's profile: personal information, photo, learning history, statistics, security.

pub mod data_saver;
pub mod handlers;
pub mod model;
pub mod photo;
pub mod queries;
pub mod security;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/profile",
            get(handlers::profile_page).post(handlers::save_profile),
        )
        // `photo::upload_photo` streams the body and enforces its own limit (≤ 5 MB).
        .route(
            "/profile/photo",
            post(photo::upload_photo).layer(DefaultBodyLimit::disable()),
        )
        .route("/profile/photo/delete", post(photo::delete_photo))
        .route("/profile/photo/{user_id}/{size}", get(photo::serve_photo))
        .route(
            "/data-saver",
            get(data_saver::data_saver_page).post(data_saver::set_data_saver),
        )
        .route("/data-saver/image", get(data_saver::load_image))
        .route("/profile/security", get(security::security_page))
        .route(
            "/profile/security/password",
            post(security::change_password),
        )
        .route(
            "/profile/security/email",
            post(security::request_email_change),
        )
        .route(
            "/profile/security/sessions/logout-others",
            post(security::logout_others),
        )
        .route(
            "/profile/email/confirm/{token}",
            get(security::confirm_email_page).post(security::confirm_email),
        )
}

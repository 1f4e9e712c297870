//! Accounts: sign-up, e-mail verification, log-in/out, password reset, roles, login history,
//! ending sessions (and their sockets) on every instance.

pub mod handlers;
pub mod model;
pub mod otp;
pub mod password;
pub mod queries;
pub mod sessions;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/signup", get(handlers::signup_page).post(handlers::signup))
        .route("/login", get(handlers::login_page).post(handlers::login))
        .route("/logout", post(handlers::logout))
        .route("/verify-email/resend", post(handlers::resend_verification))
        .route(
            "/verify-email/{token}",
            get(handlers::verify_email_page).post(handlers::verify_email),
        )
        .route(
            "/forgot-password",
            get(handlers::forgot_page).post(handlers::forgot),
        )
        .route(
            "/reset-password/{token}",
            get(handlers::reset_page).post(handlers::reset),
        )
        .route("/login/code", get(otp::code_page).post(otp::submit_code))
        .route("/login/code/resend", post(otp::resend_code))
        .route("/profile/security/otp", get(otp::settings_page))
        .route("/profile/security/otp/email", post(otp::start_email))
        .route(
            "/profile/security/otp/email/confirm",
            post(otp::confirm_email),
        )
        .route("/profile/security/otp/totp", post(otp::start_totp))
        .route(
            "/profile/security/otp/totp/confirm",
            post(otp::confirm_totp),
        )
        .route("/profile/security/otp/cancel", post(otp::cancel))
        .route("/profile/security/otp/send-code", post(otp::send_code))
        .route("/profile/security/otp/disable", post(otp::disable))
        .route(
            "/profile/security/otp/recovery",
            post(otp::regenerate_recovery),
        )
}

//! Accounts: sign-up, e-mail verification, log-in/out, password reset, roles, login history.

pub mod handlers;
pub mod model;
pub mod password;
pub mod queries;

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
}

//! Accounts: sign-up, e-mail verification, log-in/out, password reset, roles, login history,
//! ending sessions (and their sockets) on every instance.

pub mod handlers;
pub mod model;
pub mod otp;
pub mod password;
pub mod queries;
pub mod service;
pub mod sessions;

use crate::web::Routes;

pub fn router() -> Routes {
    Routes::new()
        .get("/signup", handlers::signup_page)
        .post("/signup", handlers::signup)
        .get("/login", handlers::login_page)
        .post("/login", handlers::login)
        .post("/logout", handlers::logout)
        .post("/verify-email/resend", handlers::resend_verification)
        .get("/verify-email/{token}", handlers::verify_email_page)
        .post("/verify-email/{token}", handlers::verify_email)
        .get("/forgot-password", handlers::forgot_page)
        .post("/forgot-password", handlers::forgot)
        .get("/reset-password/{token}", handlers::reset_page)
        .post("/reset-password/{token}", handlers::reset)
        .get("/login/code", otp::code_page)
        .post("/login/code", otp::submit_code)
        .post("/login/code/resend", otp::resend_code)
        .get("/profile/security/otp", otp::settings_page)
        .post("/profile/security/otp/email", otp::start_email)
        .post("/profile/security/otp/email/confirm", otp::confirm_email)
        .post("/profile/security/otp/totp", otp::start_totp)
        .post("/profile/security/otp/totp/confirm", otp::confirm_totp)
        .post("/profile/security/otp/cancel", otp::cancel)
        .post("/profile/security/otp/send-code", otp::send_code)
        .post("/profile/security/otp/disable", otp::disable)
        .post("/profile/security/otp/recovery", otp::regenerate_recovery)
}

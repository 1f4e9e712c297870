//! Second factor: e-mail code and TOTP.

use crate::helpers::{Browser, TestApp, count, location, text_of};

const PASSWORD: &str = "Demo-2026-tlj";
const LEARNER: &str = "apprenant@techlearnjess.cd";

/// Posts the password step and returns the response (no redirect followed).
async fn password_step(b: &Browser, email: &str) -> reqwest::Response {
    b.post_form("/login", &[("email", email), ("password", PASSWORD)])
        .await
}

async fn submit_code(b: &Browser, code: &str) -> reqwest::Response {
    b.post_form("/login/code", &[("code", code)]).await
}

/// The 6-digit code in the newest e-mail to `to`.
fn last_code(app: &TestApp, to: &str) -> String {
    let mails = app.emails_to(to);
    let mail = mails.last().expect("an e-mail with a code");
    let body = mail
        .split_once("\r\n\r\n")
        .or_else(|| mail.split_once("\n\n"))
        .map_or(mail.as_str(), |(_, b)| b);
    body.split_whitespace()
        .find(|w| w.len() == 6 && w.chars().all(|c| c.is_ascii_digit()))
        .unwrap_or_else(|| panic!("no code in:\n{mail}"))
        .to_owned()
}

async fn history_count(app: &TestApp, email: &str, reason: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM login_history WHERE email = $1 AND reason = $2")
        .bind(email)
        .bind(reason)
        .fetch_one(&app.state.db.pool)
        .await
        .expect("history")
}

/// Turns e-mail codes on for the signed-in learner, through the settings page.
async fn enable_email_otp(app: &TestApp) {
    app.login(LEARNER, PASSWORD).await;
    let (status, html) = app.page("/profile/security/otp").await;
    assert_eq!(status, 200);
    assert_eq!(count(&html, "[data-testid=otp-setup-email]"), 1);
    let r = app
        .post_form(
            "/profile/security/otp/email",
            &[("password", "wrong-password-1")],
        )
        .await;
    assert_eq!(r.status(), 422, "the current password is required");
    let r = app
        .post_form("/profile/security/otp/email", &[("password", PASSWORD)])
        .await;
    assert_eq!(r.status(), 303);
    let code = last_code(app, LEARNER);
    let r = app
        .post_form("/profile/security/otp/email/confirm", &[("code", &code)])
        .await;
    assert_eq!(r.status(), 303);
    let (_, html) = app.page("/profile/security/otp").await;
    assert_eq!(
        text_of(&html, "[data-testid=otp-status]").as_deref(),
        Some("Activée — code par e-mail")
    );
    app.post_form("/logout", &[]).await;
}

#[tokio::test]
async fn with_email_codes_the_login_asks_for_the_code_and_accepts_it_once() {
    let app = TestApp::with_demo().await;
    enable_email_otp(&app).await;
    let mails_before = app.emails_to(LEARNER).len();

    let r = password_step(&app, LEARNER).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/login/code");
    assert_eq!(
        app.emails_to(LEARNER).len(),
        mails_before + 1,
        "a code is e-mailed"
    );
    let (status, html) = app.page("/login/code").await;
    assert_eq!(status, 200);
    assert_eq!(count(&html, "[data-testid=otp-code-input]"), 1);
    assert_eq!(count(&html, "[data-testid=otp-resend]"), 1);

    let r = app.get("/dashboard").await;
    assert_eq!(r.status(), 303, "the password alone gives no access");
    assert!(location(&r).starts_with("/login"));

    let code = last_code(&app, LEARNER);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let r = submit_code(&app, wrong).await;
    assert_eq!(r.status(), 422, "a wrong code is refused");
    assert_eq!(history_count(&app, LEARNER, "otp_failed").await, 1);

    let ok_before = history_count(&app, LEARNER, "ok").await;
    let r = submit_code(&app, &code).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/dashboard");
    assert_eq!(history_count(&app, LEARNER, "ok").await, ok_before + 1);
    let (status, _) = app.page("/dashboard").await;
    assert_eq!(status, 200);

    app.post_form("/logout", &[]).await;
    let r = password_step(&app, LEARNER).await;
    assert_eq!(location(&r), "/login/code");
    let r = submit_code(&app, &code).await;
    assert_eq!(r.status(), 422, "a used code does not work again");
    assert_eq!(app.get("/dashboard").await.status(), 303);
}

#[tokio::test]
async fn an_expired_email_code_is_refused() {
    let app = TestApp::with_demo().await;
    enable_email_otp(&app).await;
    password_step(&app, LEARNER).await;
    let code = last_code(&app, LEARNER);
    // The code and the code step both last ten minutes.
    app.advance(std::time::Duration::from_secs(9 * 60));
    assert_eq!(
        app.get("/login/code").await.status(),
        200,
        "still within the step"
    );
    app.advance(std::time::Duration::from_secs(2 * 60));
    let r = submit_code(&app, &code).await;
    assert_eq!(location(&r), "/login", "the step has expired");
    assert_eq!(app.get("/dashboard").await.status(), 303);

    let r = password_step(&app, LEARNER).await;
    assert_eq!(location(&r), "/login/code");
    sqlx::query("UPDATE otp_codes SET expires_at = '2000-01-01T00:00:00Z' WHERE used_at IS NULL")
        .execute(&app.state.db.pool)
        .await
        .expect("expire");
    let r = submit_code(&app, &code).await;
    assert_eq!(r.status(), 422, "the old code is refused");
    assert_eq!(app.get("/dashboard").await.status(), 303);

    let r = app.post_form("/login/code/resend", &[]).await;
    assert_eq!(location(&r), "/login/code");
    let fresh = last_code(&app, LEARNER);
    let r = submit_code(&app, &fresh).await;
    assert_eq!(r.status(), 303, "a resent code works");
}

#[tokio::test]
async fn five_wrong_attempts_void_the_email_code() {
    let app = TestApp::with_demo().await;
    enable_email_otp(&app).await;
    password_step(&app, LEARNER).await;
    let code = last_code(&app, LEARNER);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        assert_eq!(submit_code(&app, wrong).await.status(), 422);
    }
    let r = submit_code(&app, &code).await;
    assert_eq!(r.status(), 422, "the code is void after 5 wrong tries");
    assert_eq!(history_count(&app, LEARNER, "otp_failed").await, 6);
    assert_eq!(app.get("/dashboard").await.status(), 303);
}

fn totp(secret: &str) -> totp_rs::Totp {
    totp_rs::Builder::new()
        .with_secret(totp_rs::Secret::try_from_base32(secret).expect("base32 secret"))
        .build()
        .expect("totp")
}

fn code_at(secret: &str, offset_steps: i64) -> String {
    let now = time::OffsetDateTime::now_utc().unix_timestamp() + offset_steps * 30;
    totp(secret).generate(now as u64).to_string()
}

/// Enrols TOTP on the signed-in (or setup-pending) browser; returns the secret and recovery codes.
async fn enrol_totp(app: &TestApp, with_password: bool) -> (String, Vec<String>) {
    let fields: &[(&str, &str)] = if with_password {
        &[("password", PASSWORD)]
    } else {
        &[]
    };
    let r = app.post_form("/profile/security/otp/totp", fields).await;
    assert_eq!(r.status(), 303);
    let (status, html) = app.page("/profile/security/otp").await;
    assert_eq!(status, 200);
    assert_eq!(
        count(&html, "[data-testid=totp-qr] svg"),
        1,
        "a QR code is shown"
    );
    let secret = text_of(&html, "[data-testid=totp-secret]").expect("secret shown");
    let r = app
        .post_form("/profile/security/otp/totp/confirm", &[("code", "123456x")])
        .await;
    assert_eq!(r.status(), 422);
    let r = app
        .post_form(
            "/profile/security/otp/totp/confirm",
            &[("code", &code_at(&secret, 0))],
        )
        .await;
    assert_eq!(r.status(), 200);
    let html = scraper::Html::parse_document(&r.text().await.expect("body"));
    let sel = scraper::Selector::parse("[data-testid=recovery-codes] li").expect("selector");
    let codes: Vec<String> = html
        .select(&sel)
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .collect();
    assert_eq!(codes.len(), 10);
    assert!(
        codes
            .iter()
            .all(|c| c.len() == 9 && c.as_bytes()[4] == b'-')
    );
    (secret, codes)
}

#[tokio::test]
async fn with_totp_the_login_needs_a_fresh_code_and_a_recovery_code_works_once() {
    let app = TestApp::with_demo().await;
    app.login(LEARNER, PASSWORD).await;
    let (secret, recovery) = enrol_totp(&app, true).await;
    let (_, html) = app.page("/profile/security/otp").await;
    assert_eq!(
        count(&html, "[data-testid=recovery-codes]"),
        0,
        "codes are shown once"
    );
    assert_eq!(count(&html, "[data-testid=otp-disable]"), 1);
    app.post_form("/logout", &[]).await;

    let r = password_step(&app, LEARNER).await;
    assert_eq!(location(&r), "/login/code");
    assert!(app.emails_to(LEARNER).is_empty(), "no e-mail for TOTP");
    let (_, html) = app.page("/login/code").await;
    assert_eq!(count(&html, "[data-testid=otp-resend]"), 0);
    assert_eq!(app.get("/dashboard").await.status(), 303);

    // The enrolment used the current step: a code of the next step (within the skew) logs in.
    let next_code = code_at(&secret, 1);
    let r = submit_code(&app, &next_code).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/dashboard");
    assert_eq!(app.get("/dashboard").await.status(), 200);
    app.post_form("/logout", &[]).await;

    password_step(&app, LEARNER).await;
    let r = submit_code(&app, &next_code).await;
    assert_eq!(r.status(), 422, "the same TOTP code is refused twice");
    assert_eq!(history_count(&app, LEARNER, "otp_failed").await, 1);

    let r = submit_code(&app, &recovery[0].to_uppercase()).await;
    assert_eq!(r.status(), 303, "a recovery code works");
    app.post_form("/logout", &[]).await;
    password_step(&app, LEARNER).await;
    let r = submit_code(&app, &recovery[0]).await;
    assert_eq!(r.status(), 422, "a recovery code works once");

    let r = submit_code(&app, &recovery[1]).await;
    assert_eq!(r.status(), 303);
    let r = app
        .post_form(
            "/profile/security/otp/disable",
            &[("password", PASSWORD), ("code", &recovery[1])],
        )
        .await;
    assert_eq!(r.status(), 422, "turning it off needs a valid code");
    let r = app
        .post_form(
            "/profile/security/otp/disable",
            &[("password", PASSWORD), ("code", &recovery[2])],
        )
        .await;
    assert_eq!(r.status(), 303);
    app.post_form("/logout", &[]).await;
    app.login(LEARNER, PASSWORD).await;
}

#[tokio::test]
async fn the_platform_setting_forces_admins_to_set_up_a_second_factor() {
    let app = TestApp::with_demo().await;
    sqlx::query("INSERT INTO platform_settings (key, value) VALUES ('admin_otp_required', 'true')")
        .execute(&app.state.db.pool)
        .await
        .expect("setting");
    let admin = "admin@techlearnjess.cd";
    let r = password_step(&app, admin).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/profile/security/otp");
    assert_eq!(
        app.get("/dashboard").await.status(),
        303,
        "nothing else before the setup"
    );
    let r = app.get("/login/code").await;
    assert_eq!(location(&r), "/profile/security/otp");
    let (status, html) = app.page("/profile/security/otp").await;
    assert_eq!(status, 200);
    assert_eq!(count(&html, "[data-testid=otp-setup-totp]"), 1);

    enrol_totp(&app, false).await;
    assert_eq!(
        app.get("/dashboard").await.status(),
        200,
        "signed in once set up"
    );

    // Learners are not concerned by the admin setting.
    let other = app.new_browser();
    other.login(LEARNER, PASSWORD).await;
}

#[tokio::test]
async fn settings_need_a_signed_in_user() {
    let app = TestApp::spawn().await;
    let r = app.get("/profile/security/otp").await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/login"));
    let r = app.get("/login/code").await;
    assert!(location(&r).starts_with("/login"));
}

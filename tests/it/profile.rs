//! Profile: information, photo, history, statistics, security.

use reqwest::multipart::{Form, Part};
use scraper::{Html, Selector};
use techlearnjess::auth::password;
use techlearnjess::storage::Bucket;

use crate::helpers::{Browser, TestApp, count, location, text_of};

const LEARNER: &str = "apprenant@techlearnjess.cd";
const PASSWORD: &str = "Demo-2026-tlj";
const NEW_PASSWORD: &str = "Kinshasa-2027-ok";

async fn learner_app() -> TestApp {
    let app = TestApp::with_demo().await;
    app.login(LEARNER, PASSWORD).await;
    app
}

async fn user_id(app: &TestApp, email: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(&app.state.db.pool)
        .await
        .expect("user")
}

async fn photo_stem(app: &TestApp, id: i64) -> Option<String> {
    sqlx::query_scalar("SELECT photo_path FROM users WHERE id = $1")
        .bind(id)
        .fetch_one(&app.state.db.pool)
        .await
        .expect("photo_path")
}

fn attr_of(html: &Html, selector: &str, attr: &str) -> String {
    let sel = Selector::parse(selector).expect("selector");
    html.select(&sel)
        .next()
        .and_then(|e| e.value().attr(attr))
        .unwrap_or_default()
        .to_owned()
}

fn value_of(html: &Html, selector: &str) -> String {
    attr_of(html, selector, "value")
}

async fn post_photo(b: &Browser, bytes: Vec<u8>, file_name: &str) -> reqwest::Response {
    let token = b.csrf().await;
    let part = Part::bytes(bytes)
        .file_name(file_name.to_owned())
        .mime_str("image/jpeg")
        .expect("mime");
    b.client
        .post(b.url(&format!("/profile/photo?_csrf={token}")))
        .multipart(Form::new().part("photo", part))
        .send()
        .await
        .expect("POST multipart")
}

/// A 600×400 JPEG carrying an EXIF segment (with a fake GPS note) right after SOI.
fn jpeg_with_exif() -> Vec<u8> {
    let img = image::RgbImage::from_fn(600, 400, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 120])
    });
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
        .encode_image(&img)
        .expect("jpeg");
    let mut payload = b"Exif\0\0MM\0*\0\0\0\x08\0\0GPS-Kinshasa-secret".to_vec();
    payload.resize(64, 0);
    let len = (payload.len() + 2) as u16;
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&jpeg[2..]);
    assert!(image::load_from_memory(&out).is_ok(), "test image decodes");
    out
}

#[tokio::test]
async fn profile_information_is_saved_and_bad_input_is_refused_in_french_without_losing_it() {
    let app = learner_app().await;
    let (status, html) = app.page("/profile").await;
    assert_eq!(status, 200);
    assert_eq!(count(&html, "[data-testid=profile-form]"), 1);
    assert_eq!(
        text_of(&html, "[data-testid=profile-email]").map(|t| t.contains(LEARNER)),
        Some(true)
    );

    let long_bio = "é".repeat(501);
    let r = app
        .post_form(
            "/profile",
            &[
                ("name", "Aimée Mbuyi"),
                ("phone", "081 23x"),
                ("city", "Lubumbashi"),
                ("bio", &long_bio),
                ("locale", "fr"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = Html::parse_document(&r.text().await.expect("body"));
    assert!(
        text_of(&html, "[data-testid=error-phone]")
            .unwrap_or_default()
            .contains("n'est pas valide")
    );
    assert!(
        text_of(&html, "[data-testid=error-bio]")
            .unwrap_or_default()
            .contains("500 caractères")
    );
    assert_eq!(
        value_of(&html, "input[name=city]"),
        "Lubumbashi",
        "values are kept"
    );
    assert_eq!(value_of(&html, "input[name=name]"), "Aimée Mbuyi");
    assert_eq!(
        text_of(&html, "textarea[name=bio]").map(|b| b.chars().count()),
        Some(501)
    );

    let r = app
        .post_form(
            "/profile",
            &[
                ("name", "Aimée Mbuyi"),
                ("phone", "081 234 56 78"),
                ("city", "Lubumbashi"),
                ("bio", "J'apprends Python le soir."),
                ("locale", "fr"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/profile");
    let (_, html) = app.page("/profile").await;
    assert_eq!(
        text_of(&html, "[data-testid=flash]").as_deref(),
        Some("Profil enregistré.")
    );
    assert_eq!(value_of(&html, "input[name=phone]"), "+243812345678");
    assert_eq!(value_of(&html, "input[name=city]"), "Lubumbashi");
    assert_eq!(value_of(&html, "input[name=name]"), "Aimée Mbuyi");

    let r = app
        .post_form(
            "/profile",
            &[
                ("name", "Aimée Mbuyi"),
                ("phone", ""),
                ("city", ""),
                ("bio", ""),
                ("locale", "en"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, html) = app.page("/profile").await;
    assert_eq!(
        text_of(&html, "h1").as_deref(),
        Some("My profile"),
        "language follows the profile"
    );
    assert_eq!(value_of(&html, "input[name=phone]"), "");
}

#[tokio::test]
async fn a_photo_is_stored_as_resized_jpegs_without_metadata_and_served_to_signed_in_users() {
    let app = learner_app().await;
    let id = user_id(&app, LEARNER).await;
    let r = post_photo(&app, jpeg_with_exif(), "moi.jpg").await;
    assert_eq!(r.status(), 303);
    let stem = photo_stem(&app, id).await.expect("photo stored");
    for (size, name) in [
        (256, format!("{stem}-256.jpg")),
        (64, format!("{stem}-64.jpg")),
    ] {
        let bytes = app
            .stored_file(Bucket::Photos, &name)
            .await
            .expect("stored file");
        assert!(!bytes.windows(4).any(|w| w == b"Exif"), "EXIF stripped");
        assert!(!bytes.windows(3).any(|w| w == b"GPS"));
        let img =
            image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg).expect("jpeg");
        assert_eq!((img.width(), img.height()), (size, size));
    }

    let (_, html) = app.page("/profile").await;
    assert_eq!(count(&html, "[data-testid=photo-img]"), 1);
    let r = app.get(&format!("/profile/photo/{id}/256")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    assert!(
        r.headers()["cache-control"]
            .to_str()
            .unwrap_or_default()
            .contains("private")
    );
    assert_eq!(
        app.get(&format!("/profile/photo/{id}/999")).await.status(),
        404
    );
    let stranger = app.new_browser();
    assert_eq!(
        stranger
            .get(&format!("/profile/photo/{id}/64"))
            .await
            .status(),
        303,
        "signed-in users only"
    );

    // A new photo replaces the old files.
    let r = post_photo(&app, jpeg_with_exif(), "autre.jpg").await;
    assert_eq!(r.status(), 303);
    let new_stem = photo_stem(&app, id).await.expect("photo");
    assert_ne!(new_stem, stem);
    assert!(
        app.stored_file(Bucket::Photos, &format!("{stem}-256.jpg"))
            .await
            .is_none(),
        "old files deleted"
    );

    let r = app.post_form("/profile/photo/delete", &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(photo_stem(&app, id).await, None);
    assert!(
        app.stored_file(Bucket::Photos, &format!("{new_stem}-64.jpg"))
            .await
            .is_none()
    );
    assert_eq!(
        app.get(&format!("/profile/photo/{id}/256")).await.status(),
        404
    );
}

#[tokio::test]
async fn a_text_file_named_jpg_and_a_too_large_file_are_refused_in_french() {
    let app = learner_app().await;
    let id = user_id(&app, LEARNER).await;
    let r = post_photo(&app, b"<html>pas une image</html>".to_vec(), "photo.jpg").await;
    assert_eq!(r.status(), 422);
    let html = Html::parse_document(&r.text().await.expect("body"));
    assert!(
        text_of(&html, "[data-testid=error-photo]")
            .unwrap_or_default()
            .contains("n'est pas une image acceptée")
    );

    let mut big = jpeg_with_exif();
    big.resize(5 * 1024 * 1024 + 1000, 0);
    let r = post_photo(&app, big, "grande.jpg").await;
    assert_eq!(r.status(), 422);
    let html = Html::parse_document(&r.text().await.expect("body"));
    assert!(
        text_of(&html, "[data-testid=error-photo]")
            .unwrap_or_default()
            .contains("trop volumineuse")
    );
    assert_eq!(photo_stem(&app, id).await, None);
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_logs_out_the_other_browser_only() {
    let app = learner_app().await;
    let other = app.new_browser();
    other.login(LEARNER, PASSWORD).await;

    let r = app
        .post_form(
            "/profile/security/password",
            &[
                ("current_password", "mauvais-1234"),
                ("password", NEW_PASSWORD),
                ("password_confirm", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = Html::parse_document(&r.text().await.expect("body"));
    assert!(
        text_of(&html, "[data-testid=error-current_password]")
            .unwrap_or_default()
            .contains("incorrect")
    );
    assert_eq!(
        other.get("/profile").await.status(),
        200,
        "nothing changed yet"
    );

    let r = app
        .post_form(
            "/profile/security/password",
            &[
                ("current_password", PASSWORD),
                ("password", NEW_PASSWORD),
                ("password_confirm", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (status, html) = app.page("/profile/security").await;
    assert_eq!(status, 200, "this browser stays signed in");
    assert!(
        text_of(&html, "[data-testid=flash]")
            .unwrap_or_default()
            .contains("autres sessions ont été déconnectées")
    );
    assert_eq!(
        other.get("/profile").await.status(),
        303,
        "the other browser is logged out"
    );

    // Log-ins on one account are rate limited (the current-password checks count too), so the
    // old password is checked against the stored hash rather than through a sixth log-in.
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE email = $1")
        .bind(LEARNER)
        .fetch_one(&app.state.db.pool)
        .await
        .expect("hash");
    assert!(!password::verify(PASSWORD.into(), Some(hash.clone())).await);
    assert!(password::verify(NEW_PASSWORD.into(), Some(hash)).await);
    let third = app.new_browser();
    third.login(LEARNER, NEW_PASSWORD).await;
}

#[tokio::test]
async fn an_email_change_is_confirmed_once_from_the_new_address_and_the_old_one_is_told() {
    let app = learner_app().await;
    let new_address = "aimee.nouvelle@example.cd";
    let r = app
        .post_form(
            "/profile/security/email",
            &[
                ("new_email", new_address),
                ("current_password", "faux-mot-2026"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = app
        .post_form(
            "/profile/security/email",
            &[
                ("new_email", "formateur@techlearnjess.cd"),
                ("current_password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status(), 422, "an address already taken is refused");
    let html = Html::parse_document(&r.text().await.expect("body"));
    assert!(
        text_of(&html, "[data-testid=error-new_email]")
            .unwrap_or_default()
            .contains("déjà utilisée")
    );
    assert!(app.emails_to(new_address).is_empty());

    let r = app
        .post_form(
            "/profile/security/email",
            &[("new_email", new_address), ("current_password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status(), 303);
    let notices = app.emails_to(LEARNER);
    assert!(
        notices.last().is_some_and(|m| m.contains(new_address)),
        "the old address is told"
    );
    let link = app.link_in_last_email(new_address, "/profile/email/confirm/");
    let path = link.trim_start_matches(&app.base).to_owned();
    let (_, html) = app.page("/profile").await;
    assert!(
        text_of(&html, "[data-testid=profile-email]").is_some_and(|t| t.contains(LEARNER)),
        "unchanged until confirmed"
    );

    let (status, html) = app.page(&path).await;
    assert_eq!(status, 200);
    assert_eq!(
        count(&html, "[data-testid=confirm-email-submit]"),
        1,
        "GET only shows a button"
    );
    let r = app.post_form(&path, &[]).await;
    assert_eq!(r.status(), 303);
    let (status, _) = app.page(&path).await;
    assert_eq!(status, 404, "the link works once");
    let r = app.post_form(&path, &[]).await;
    assert_eq!(r.status(), 303);
    let (_, html) = app.page(&location(&r)).await;
    assert!(
        text_of(&html, "[data-testid=flash]")
            .unwrap_or_default()
            .contains("plus valide")
    );

    let fresh = app.new_browser();
    let r = fresh
        .post_form("/login", &[("email", LEARNER), ("password", PASSWORD)])
        .await;
    assert_eq!(r.status(), 422, "the old address no longer logs in");
    fresh.login(new_address, PASSWORD).await;
}

#[tokio::test]
async fn active_sessions_are_listed_and_can_be_ended_everywhere_else() {
    let app = learner_app().await;
    let other = app.new_browser();
    other.login(LEARNER, PASSWORD).await;
    let (status, html) = app.page("/profile/security").await;
    assert_eq!(status, 200);
    assert_eq!(
        count(
            &html,
            "[data-testid=sessions-list] [data-testid=session-row]"
        ),
        2
    );
    assert_eq!(count(&html, "[data-testid=session-current]"), 1);
    assert!(count(&html, "[data-testid=login-history] li") >= 2);
    assert_eq!(count(&html, "a[href='/profile/security/otp']"), 1);

    let r = app
        .post_form("/profile/security/sessions/logout-others", &[])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        other.get("/dashboard").await.status(),
        303,
        "the other browser is logged out"
    );
    let (status, html) = app.page("/profile/security").await;
    assert_eq!(status, 200);
    assert_eq!(count(&html, "[data-testid=session-row]"), 1);
    assert!(
        text_of(&html, "[data-testid=flash]")
            .unwrap_or_default()
            .contains("déconnectées")
    );
}

#[tokio::test]
async fn statistics_and_history_follow_a_seeded_learning_history() {
    let app = learner_app().await;
    let (_, html) = app.page("/profile").await;
    assert_eq!(
        text_of(&html, "[data-testid=stat-completion-rate]").as_deref(),
        Some("0 %")
    );
    assert_eq!(
        text_of(&html, "[data-testid=stat-quiz-average]").as_deref(),
        Some("—")
    );
    assert_eq!(
        crate::helpers::count(
            &html,
            "[data-testid=certificates-link][href='/certificates']"
        ),
        1
    );
    assert_eq!(
        crate::helpers::count(&html, "[data-testid=payments-link][href='/payments']"),
        1
    );

    let r = app.post_form("/courses/bases-de-python/enrol", &[]).await;
    assert_eq!(r.status(), 303);
    let pool = &app.state.db.pool;
    let lessons: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT l.id, CAST(l.duration_minutes AS BIGINT) FROM lessons l JOIN courses c ON c.id = l.course_id \
         WHERE c.slug = 'bases-de-python' ORDER BY l.id",
    )
    .fetch_all(pool)
    .await
    .expect("lessons");
    assert!(lessons.len() >= 2);
    // Half-way first: one lesson done.
    let (first, first_minutes) = lessons[0];
    let r = app
        .post_form(
            &format!("/courses/bases-de-python/lessons/{first}/complete"),
            &[],
        )
        .await;
    assert!(r.status().is_redirection() || r.status().is_success());
    let (_, html) = app.page("/profile").await;
    assert_eq!(count(&html, "[data-testid=history-row]"), 1);
    assert_eq!(
        attr_of(&html, "[data-testid=stat-time]", "data-minutes"),
        first_minutes.to_string()
    );
    assert!(
        text_of(&html, "[data-testid=history-lessons]")
            .unwrap_or_default()
            .starts_with("1 leçon")
    );

    for (id, _) in &lessons[1..] {
        app.post_form(
            &format!("/courses/bases-de-python/lessons/{id}/complete"),
            &[],
        )
        .await;
    }
    let quiz_id: i64 = sqlx::query_scalar(
        "SELECT q.id FROM quizzes q JOIN courses c ON c.id = q.course_id WHERE c.slug = 'bases-de-python'",
    )
    .fetch_one(pool)
    .await
    .expect("quiz");
    let questions: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM quiz_questions WHERE quiz_id = $1 ORDER BY position")
            .bind(quiz_id)
            .fetch_all(pool)
            .await
            .expect("questions");
    let mut wrong = Vec::new();
    let mut right = Vec::new();
    for q in &questions {
        let options: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT id, is_correct FROM quiz_options WHERE question_id = $1 ORDER BY position",
        )
        .bind(q)
        .fetch_all(pool)
        .await
        .expect("options");
        for (o, correct) in options {
            let pair = (format!("q{q}"), o.to_string());
            if correct != 0 {
                right.push(pair)
            } else {
                wrong.push(pair)
            }
        }
    }
    let quiz_path = format!("/courses/bases-de-python/quizzes/{quiz_id}");
    app.post_form(&quiz_path, &refs(&wrong)).await;
    app.post_form(&quiz_path, &refs(&right)).await;

    let total_minutes: i64 = lessons.iter().map(|(_, m)| m).sum();
    let (_, html) = app.page("/profile").await;
    assert_eq!(
        text_of(&html, "[data-testid=stat-completion-rate]").as_deref(),
        Some("100 %")
    );
    assert_eq!(
        text_of(&html, "[data-testid=stat-completed]").as_deref(),
        Some("1 / 1")
    );
    assert_eq!(
        text_of(&html, "[data-testid=stat-time]").as_deref(),
        Some(format!("{} h {} min", total_minutes / 60, total_minutes % 60).as_str())
    );
    assert_eq!(
        text_of(&html, "[data-testid=stat-quiz-average]").as_deref(),
        Some("100 %"),
        "best score per quiz"
    );
    assert_eq!(count(&html, "[data-testid=quiz-result]"), 2);
    assert_eq!(
        text_of(&html, "[data-testid=quiz-score]").as_deref(),
        Some("100 %"),
        "newest first"
    );
    assert_eq!(
        text_of(&html, "[data-testid=history-percent]").as_deref(),
        Some("100 %")
    );
    assert_eq!(count(&html, "[data-testid=history-completed]"), 1);
}

fn refs(f: &[(String, String)]) -> Vec<(&str, &str)> {
    f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

#[tokio::test]
async fn the_time_zone_is_a_select_of_the_toolkit_and_a_refused_form_keeps_the_chosen_zone() {
    let app = learner_app().await;
    let (_, html) = app.page("/profile").await;
    // The `select` macro: label, hint and the platform's zone first (empty value).
    assert_eq!(count(&html, "label[for=timezone]"), 1);
    assert_eq!(
        attr_of(&html, "select#timezone", "aria-describedby"),
        "timezone-hint"
    );
    assert_eq!(attr_of(&html, "select#timezone option", "value"), "");
    assert_eq!(
        count(&html, "select#timezone option[value='Africa/Lubumbashi']"),
        1
    );

    let r = app
        .post_form(
            "/profile",
            &[
                ("name", "Aimée Mbuyi"),
                ("phone", "081 23x"),
                ("city", "Goma"),
                ("bio", ""),
                ("locale", "fr"),
                ("timezone", "Africa/Lubumbashi"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = Html::parse_document(&r.text().await.expect("body"));
    assert_eq!(
        attr_of(&html, "select#timezone option[selected]", "value"),
        "Africa/Lubumbashi",
        "the chosen zone is kept"
    );

    let r = app
        .post_form(
            "/profile",
            &[
                ("name", "Aimée Mbuyi"),
                ("phone", ""),
                ("city", "Goma"),
                ("bio", ""),
                ("locale", "fr"),
                ("timezone", "Mars/Olympus"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = Html::parse_document(&r.text().await.expect("body"));
    assert_eq!(count(&html, "[data-testid=error-timezone]"), 1);
    assert_eq!(attr_of(&html, "select#timezone", "aria-invalid"), "true");
    assert!(attr_of(&html, "select#timezone", "aria-describedby").contains("timezone-error"));
}

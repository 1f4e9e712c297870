//! CSRF on every state-changing route of the route table (see `authz::routes`): without a
//! token, with a wrong one, or with a valid one from a foreign origin, a logged-in admin (who may
//! do everything) gets 403 and nothing in the database changes. Session cookie attributes and
//! session fixation (the session id changes at login and logout).

use crate::authz::{ADMIN, LEARNER, PASSWORD, concrete, routes, world};
use crate::helpers::{Browser, TestApp};

/// Routes that take no CSRF token, with the reason (mounted outside the CSRF layer, see
/// `payments::callback_routes`): mobile-money providers'
/// server-to-server callbacks, verified by the payments feature instead.
const EXEMPT: &[&str] = &["/payments/callback/"];

/// Plausible fields for every form, so that a refusal cannot come from a missing field.
const FIELDS: &[(&str, &str)] = &[
    ("title", "Titre"),
    ("body", "Texte"),
    ("name", "Nom"),
    ("email", "x@example.cd"),
    ("password", "Mot-de-passe-2026"),
    ("password_confirm", "Mot-de-passe-2026"),
    ("reason", "Une raison suffisante"),
    ("user_id", "1"),
    ("role", "trainer"),
    ("code", "123456"),
    ("lang", "en"),
];

/// Row counts of every table that state-changing routes write, and the users' mutable columns.
async fn fingerprint(app: &TestApp) -> String {
    let pool = &app.state.db.pool;
    let mut out = String::new();
    for table in [
        "users",
        "user_tokens",
        "categories",
        "courses",
        "testimonials",
        "course_sections",
        "lessons",
        "resources",
        "quizzes",
        "quiz_questions",
        "quiz_options",
        "enrolments",
        "lesson_progress",
        "quiz_attempts",
        // The private-message notice of the fixtures' conversation is deferred (sent when
        // still unread a few seconds later): not counted.
        "notifications WHERE kind <> 'private_message'",
        "notification_settings",
        "chat_rooms",
        "chat_messages",
        "chat_reports",
        "certificates",
        "payments",
        "exchange_rates",
        "payment_routes",
        "course_pinned_prices",
        "forum_categories",
        "forum_topics",
        "forum_replies",
        "forum_likes",
        "forum_follows",
        "forum_reports",
        "moderation_actions",
        "live_sessions",
        "live_feed_tokens",
        "admin_audit",
    ] {
        let n: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                .fetch_one(pool)
                .await
                .unwrap();
        out.push_str(&format!("{table}: {n}; "));
    }
    let users: Vec<(i64, String, String, String)> =
        sqlx::query_as("SELECT id, name, email, roles FROM users ORDER BY id")
            .fetch_all(pool)
            .await
            .unwrap();
    out.push_str(&format!("{users:?}"));
    let courses: Vec<(i64, String, i64)> =
        sqlx::query_as("SELECT id, title, published FROM courses ORDER BY id")
            .fetch_all(pool)
            .await
            .unwrap();
    out.push_str(&format!("{courses:?}"));
    out
}

async fn post(b: &Browser, path: &str, fields: &[(&str, &str)], origin: Option<&str>) -> u16 {
    let mut req = b.client.post(b.url(path)).form(fields);
    if let Some(origin) = origin {
        req = req.header("origin", origin);
    }
    req.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn every_state_changing_route_refuses_a_missing_wrong_or_cross_origin_token() {
    let w = world().await;
    let admin = &w.browsers[6];
    let valid = admin.csrf().await;
    let wrong = techlearnjess::web::csrf::new_token();
    // Background work of the fixtures (notifications of domain events) settles first.
    w.app.state.tasks.settled().await;
    let before = fingerprint(&w.app).await;
    let mut checked = 0;
    let mut failures = Vec::new();
    for (method, pattern) in routes() {
        if method == "GET" || EXEMPT.iter().any(|p| pattern.starts_with(p)) {
            continue;
        }
        assert_eq!(
            method, "POST",
            "{method} {pattern}: extend this test to {method}"
        );
        let path = concrete(&pattern, &w.ids);
        let mut with_wrong = FIELDS.to_vec();
        with_wrong.push(("_csrf", &wrong));
        let mut with_valid = FIELDS.to_vec();
        with_valid.push(("_csrf", &valid));
        let cases = [
            ("no token", post(admin, &path, FIELDS, None).await),
            ("wrong token", post(admin, &path, &with_wrong, None).await),
            (
                "foreign origin",
                post(admin, &path, &with_valid, Some("https://evil.example")).await,
            ),
        ];
        // The header variant: a wrong X-CSRF-Token is refused even with a valid field.
        let header = admin
            .client
            .post(admin.url(&path))
            .header("x-csrf-token", &wrong)
            .form(&with_valid)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        for (case, status) in cases.into_iter().chain([("wrong header", header)]) {
            if status != 403 {
                failures.push(format!("{method} {pattern} ({path}), {case}: {status}"));
            }
        }
        checked += 1;
    }
    assert!(failures.is_empty(), "not refused:\n{}", failures.join("\n"));
    assert!(checked > 50, "only {checked} state-changing routes found");
    assert_eq!(
        before,
        fingerprint(&w.app).await,
        "a refused request changed something"
    );
    // A multipart upload must carry the token in the query.
    let form = reqwest::multipart::Form::new().text("title", "Sans jeton");
    let r = admin
        .client
        .post(admin.url("/teach/courses/new"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "multipart without ?_csrf");
    // Anonymous forms too (log-in CSRF).
    let anon = w.app.new_browser();
    anon.csrf().await;
    let login = [("email", LEARNER), ("password", PASSWORD)];
    assert_eq!(post(&anon, "/login", &login, None).await, 403);
    // The callbacks are exempt from the token, not from their own verification: a forged one is
    // refused without a server error.
    let r = anon
        .client
        .post(anon.url("/payments/callback/orange"))
        .header("content-type", "application/json")
        .body("{\"status\":\"SUCCESS\",\"notif_token\":\"forged\"}")
        .send()
        .await
        .unwrap();
    // Providers get an acknowledgement whatever they send (no oracle, no retry storm); what
    // matters is that nothing changes and nothing fails.
    assert!(
        !r.status().is_server_error(),
        "forged callback: {}",
        r.status()
    );
    assert_eq!(
        before,
        fingerprint(&w.app).await,
        "a refused request changed something"
    );
}

fn set_cookie<'a>(r: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
}

fn cookie_value(header: &str) -> &str {
    header.split(';').next().unwrap().split_once('=').unwrap().1
}

async fn login_response(b: &Browser, email: &str) -> reqwest::Response {
    let r = b
        .post_form("/login", &[("email", email), ("password", PASSWORD)])
        .await;
    assert_eq!(r.status(), 303);
    r
}

#[tokio::test]
async fn the_session_cookie_is_http_only_lax_and_changes_at_login_and_logout() {
    let app = TestApp::with_demo().await;
    // A session exists before login (a flash, for instance): fixate one through a failed login.
    let r = app
        .post_form("/login", &[("email", LEARNER), ("password", "mauvais")])
        .await;
    assert!(r.status().is_client_error() || r.status().is_redirection());
    let before = app.cookie("tlj_session");
    let r = login_response(&app, LEARNER).await;
    let header = set_cookie(&r, "tlj_session").expect("a session cookie at login");
    let lower = header.to_ascii_lowercase();
    assert!(lower.contains("httponly"), "{header}");
    assert!(lower.contains("samesite=lax"), "{header}");
    assert!(
        !lower.contains("secure"),
        "not Secure without secure_cookies: {header}"
    );
    let logged_in = cookie_value(header).to_owned();
    assert_ne!(
        Some(logged_in.clone()),
        before,
        "the session id changes at login"
    );
    // The old id (if any) no longer authenticates; the new one does.
    let (status, _) = app.page("/dashboard").await;
    assert_eq!(status, 200);
    let r = app.post_form("/logout", &[]).await;
    assert_eq!(r.status(), 303);
    let after = set_cookie(&r, "tlj_session").map(|h| cookie_value(h).to_owned());
    assert_ne!(
        after.as_deref(),
        Some(logged_in.as_str()),
        "the id changes at logout"
    );
    // Replaying the logged-in id after logout gives nothing.
    let replay = app.new_browser();
    let r = replay
        .client
        .get(replay.url("/dashboard"))
        .header("cookie", format!("tlj_session={logged_in}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "a logged-out session id is dead");
    // The CSRF cookie is SameSite=Lax too (read by no script: htmx gets it from the page).
    let fresh = app.new_browser();
    let r = fresh.get("/about").await;
    let csrf = set_cookie(&r, "tlj_csrf")
        .expect("csrf cookie")
        .to_ascii_lowercase();
    assert!(csrf.contains("samesite=lax"), "{csrf}");
}

#[tokio::test]
async fn with_secure_cookies_the_cookies_are_secure() {
    let app = TestApp::spawn_with(|c| c.secure_cookies = true).await;
    techlearnjess::demo::seed_if_empty(&app.state.db, &app.state.files)
        .await
        .unwrap();
    // reqwest's jar does not send Secure cookies over http: post the token by hand.
    let r = app.get("/about").await;
    let csrf_header = set_cookie(&r, "tlj_csrf").expect("csrf cookie").to_owned();
    assert!(
        csrf_header.to_ascii_lowercase().contains("secure"),
        "{csrf_header}"
    );
    let token = cookie_value(&csrf_header).to_owned();
    let r = app
        .client
        .post(app.url("/login"))
        .header("cookie", format!("tlj_csrf={token}"))
        .form(&[("email", ADMIN), ("password", PASSWORD), ("_csrf", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let session = set_cookie(&r, "tlj_session").expect("session cookie");
    let lower = session.to_ascii_lowercase();
    assert!(
        lower.contains("secure") && lower.contains("httponly"),
        "{session}"
    );
}

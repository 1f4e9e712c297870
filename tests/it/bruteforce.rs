//! Brute force and account enumeration: every guessable step (password, second-factor code,
//! reset and verification e-mails, e-mailed links) is limited per account and per address with
//! a French 429, and an unknown address answers like a wrong password, in the same time.

use std::time::{Duration, Instant};

use crate::helpers::{Browser, TestApp, location, text_of};

const PASSWORD: &str = "Demo-2026-tlj";
const LEARNER: &str = "apprenant@techlearnjess.cd";

/// The demo app behind a trusted proxy: each request can come "from" its own address.
async fn app_behind_proxy() -> TestApp {
    let app = TestApp::spawn_with(|c| c.trust_proxy = true).await;
    techlearnjess::demo::seed_if_empty(&app.state.db, &app.state.files)
        .await
        .expect("demo seeded");
    app
}

/// POSTs a form with the CSRF token from the client address `ip`.
async fn post_from(
    b: &Browser,
    ip: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let token = b.csrf().await;
    let mut body: Vec<(&str, &str)> = fields.to_vec();
    body.push(("_csrf", &token));
    b.client
        .post(b.url(path))
        .header("x-forwarded-for", ip)
        .form(&body)
        .send()
        .await
        .expect("POST")
}

async fn get_from(b: &Browser, ip: &str, path: &str) -> reqwest::Response {
    b.client
        .get(b.url(path))
        .header("x-forwarded-for", ip)
        .send()
        .await
        .expect("GET")
}

/// A 429 answered with the French "too many attempts" page.
async fn assert_limited(r: reqwest::Response, what: &str) {
    assert_eq!(r.status(), 429, "{what}");
    let body = r.text().await.unwrap_or_default();
    assert!(body.contains("Trop de tentatives"), "{what}: {body}");
    assert!(body.contains("lang=\"fr\""), "{what}: a French page");
}

/// The flash a redirect sets (the message the next page shows).
fn flash_of(r: &reqwest::Response) -> String {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("tlj_flash="))
        .and_then(|v| v.split(';').next())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn logins_are_limited_per_account_and_per_address() {
    let app = app_behind_proxy().await;
    // Per account, whatever the address: 5 a minute.
    for i in 0..5 {
        let r = post_from(
            &app,
            &format!("10.1.0.{i}"),
            "/login",
            &[("email", LEARNER), ("password", "wrong-password-1")],
        )
        .await;
        assert_eq!(r.status(), 422);
    }
    let r = post_from(
        &app,
        "10.1.0.99",
        "/login",
        &[("email", LEARNER), ("password", PASSWORD)],
    )
    .await;
    assert_limited(
        r,
        "sixth login on one account, even with the right password",
    )
    .await;
    // The same for an address nobody owns: the limit does not tell who is registered.
    for i in 0..5 {
        let r = post_from(
            &app,
            &format!("10.2.0.{i}"),
            "/login",
            &[
                ("email", "personne@example.cd"),
                ("password", "wrong-password-1"),
            ],
        )
        .await;
        assert_eq!(r.status(), 422);
    }
    let r = post_from(
        &app,
        "10.2.0.99",
        "/login",
        &[("email", "personne@example.cd"), ("password", "x")],
    )
    .await;
    assert_limited(r, "sixth login on an unknown address").await;

    // Per address, whatever the account: 60 a minute (one more each second).
    let mut tries = 0;
    let refused = loop {
        let email = format!("essai{tries}@example.cd");
        let r = post_from(
            &app,
            "10.3.0.1",
            "/login",
            &[("email", &email), ("password", "wrong-password-1")],
        )
        .await;
        tries += 1;
        if r.status() != 422 || tries > 150 {
            break r;
        }
    };
    assert!((61..=100).contains(&tries), "refused after {tries} tries");
    assert_limited(refused, "61st login from one address").await;
    // Another address still logs in.
    let r = post_from(
        &app,
        "10.3.0.2",
        "/login",
        &[
            ("email", "formateur@techlearnjess.cd"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
}

#[tokio::test]
async fn an_unknown_address_and_a_wrong_password_get_the_same_answer() {
    let app = TestApp::with_demo().await;
    let mut answers = Vec::new();
    for email in [LEARNER, "inconnu@example.cd"] {
        let b = app.new_browser();
        let r = b
            .post_form(
                "/login",
                &[("email", email), ("password", "wrong-password-1")],
            )
            .await;
        let status = r.status();
        let html = scraper::Html::parse_document(&r.text().await.unwrap());
        answers.push((status, text_of(&html, "[data-testid=form-error]")));
    }
    assert_eq!(answers[0].0, 422);
    assert_eq!(
        answers[0].1.as_deref(),
        Some("Adresse e-mail ou mot de passe incorrect.")
    );
    assert_eq!(answers[0], answers[1]);
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[tokio::test]
async fn an_unknown_address_takes_as_long_as_a_wrong_password() {
    const N: usize = 11;
    let app = TestApp::spawn_with(|c| c.trust_proxy = true).await;
    // N real accounts (one wrong try each: the per-account limit stays out of the way).
    let hash = techlearnjess::auth::password::hash(PASSWORD.to_owned())
        .await
        .unwrap();
    for i in 0..N {
        let email = format!("compte{i}@example.cd");
        techlearnjess::auth::queries::create_user(
            &app.state.db,
            techlearnjess::auth::queries::NewUser {
                name: "Compte",
                email: &email,
                password_hash: &hash,
                roles: &techlearnjess::auth::model::Roles::of(&[
                    techlearnjess::auth::model::Role::Learner,
                ]),
                verified: true,
                locale: "fr",
            },
        )
        .await
        .unwrap();
    }
    let b = app.new_browser();
    // Warm up (connections, templates) before measuring.
    post_from(
        &b,
        "10.4.0.0",
        "/login",
        &[("email", "a@b.cd"), ("password", "x")],
    )
    .await;
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    for i in 0..N {
        // Alternate so that a slow moment of the machine hits both sides alike.
        for (email, times) in [
            (format!("compte{i}@example.cd"), &mut known),
            (format!("absent{i}@example.cd"), &mut unknown),
        ] {
            let start = Instant::now();
            let r = post_from(
                &b,
                &format!("10.4.{i}.1"),
                "/login",
                &[("email", &email), ("password", "wrong-password-1")],
            )
            .await;
            times.push(start.elapsed());
            assert_eq!(r.status(), 422);
        }
    }
    let (known, unknown) = (median(known), median(unknown));
    let ratio = unknown.as_secs_f64() / known.as_secs_f64();
    assert!(
        (0.5..2.0).contains(&ratio),
        "unknown address {unknown:?} vs wrong password {known:?} (ratio {ratio:.2})"
    );
}

/// Turns e-mail codes on for `email` directly in the database.
async fn email_codes_for(app: &TestApp, email: &str) {
    let id = app.user_id(email).await;
    techlearnjess::auth::queries::set_otp_method(&app.state.db, id, Some("email"), None)
        .await
        .unwrap();
}

/// A browser past the password step of `email` (waiting for its code).
async fn at_code_step(app: &TestApp, email: &str, ip: &str) -> Browser {
    let b = app.new_browser();
    let r = post_from(
        &b,
        ip,
        "/login",
        &[("email", email), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(location(&r), "/login/code");
    b
}

#[tokio::test]
async fn second_factor_codes_are_limited_per_account_and_per_address() {
    let app = app_behind_proxy().await;
    for email in [
        LEARNER,
        "formateur@techlearnjess.cd",
        "moderateur@techlearnjess.cd",
    ] {
        email_codes_for(&app, email).await;
    }
    // Per account: 20 codes in 10 minutes, whatever the address.
    let b = at_code_step(&app, LEARNER, "10.5.0.1").await;
    for i in 0..20 {
        let r = post_from(
            &b,
            &format!("10.5.1.{i}"),
            "/login/code",
            &[("code", "000000")],
        )
        .await;
        assert_eq!(r.status(), 422, "code {i}");
    }
    let r = post_from(&b, "10.5.2.1", "/login/code", &[("code", "000000")]).await;
    assert_limited(r, "21st code on one account").await;

    // Per address: 30 codes (typed or re-sent) in 10 minutes, whatever the account.
    let trainer = at_code_step(&app, "formateur@techlearnjess.cd", "10.6.0.1").await;
    let moderator = at_code_step(&app, "moderateur@techlearnjess.cd", "10.6.0.2").await;
    for i in 0..30 {
        let b = if i % 2 == 0 { &trainer } else { &moderator };
        let r = post_from(b, "10.6.9.9", "/login/code", &[("code", "000000")]).await;
        assert_eq!(r.status(), 422, "code {i}");
    }
    let r = post_from(&trainer, "10.6.9.9", "/login/code/resend", &[]).await;
    assert_limited(r, "a resend from a flooding address").await;
    let r = post_from(&moderator, "10.6.9.9", "/login/code", &[("code", "000000")]).await;
    assert_limited(r, "31st code from one address").await;
    let r = post_from(
        &moderator,
        "10.6.9.10",
        "/login/code",
        &[("code", "000000")],
    )
    .await;
    assert_eq!(r.status(), 422, "another address may still try");
}

#[tokio::test]
async fn reset_and_verification_e_mails_are_limited_and_reveal_no_account() {
    let app = app_behind_proxy().await;
    // An account waiting for its e-mail confirmation.
    let r = post_from(
        &app,
        "10.7.0.1",
        "/signup",
        &[
            ("name", "Nadine"),
            ("email", "nadine@example.cd"),
            ("password", PASSWORD),
            ("password_confirm", PASSWORD),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);

    for (path, known) in [
        ("/forgot-password", LEARNER),
        ("/verify-email/resend", "nadine@example.cd"),
    ] {
        let unknown = "fantome@example.cd";
        let mails_before = app.emails_to(known).len();
        // Per account (3 an hour, from any address), alike for a known and an unknown address.
        for i in 0..3 {
            let a = post_from(&app, &format!("10.8.{i}.1"), path, &[("email", known)]).await;
            let b = post_from(&app, &format!("10.8.{i}.2"), path, &[("email", unknown)]).await;
            assert_eq!(a.status(), 303, "{path}");
            assert_eq!(
                (a.status(), location(&a), flash_of(&a)),
                (b.status(), location(&b), flash_of(&b)),
                "{path}: the same answer with or without an account"
            );
            assert!(!flash_of(&a).is_empty());
        }
        assert_eq!(app.emails_to(known).len(), mails_before + 3, "{path}");
        let r = post_from(&app, "10.8.9.1", path, &[("email", known)]).await;
        assert_limited(r, "4th e-mail for one account").await;
        let r = post_from(&app, "10.8.9.2", path, &[("email", unknown)]).await;
        assert_limited(r, "4th e-mail for an unknown address").await;
        assert_eq!(app.emails_to(known).len(), mails_before + 3);
    }

    // Per address: 10 e-mail requests in 10 minutes, whatever the account.
    for i in 0..10 {
        let email = format!("quelquun{i}@example.cd");
        let path = if i % 2 == 0 {
            "/forgot-password"
        } else {
            "/verify-email/resend"
        };
        let r = post_from(&app, "10.9.0.1", path, &[("email", &email)]).await;
        assert_eq!(r.status(), 303);
    }
    let r = post_from(
        &app,
        "10.9.0.1",
        "/forgot-password",
        &[("email", "x@example.cd")],
    )
    .await;
    assert_limited(r, "11th e-mail request from one address").await;
}

#[tokio::test]
async fn e_mailed_links_cannot_be_scanned_from_one_address() {
    let app = TestApp::spawn_with(|c| c.trust_proxy = true).await;
    for i in 0..60 {
        let r = if i % 2 == 0 {
            get_from(&app, "10.10.0.1", &format!("/verify-email/faux{i}")).await
        } else {
            post_from(
                &app,
                "10.10.0.1",
                &format!("/reset-password/faux{i}"),
                &[
                    ("password", "Kinshasa-2026"),
                    ("password_confirm", "Kinshasa-2026"),
                ],
            )
            .await
        };
        assert!(
            [303, 404].contains(&r.status().as_u16()),
            "link {i}: {}",
            r.status()
        );
    }
    assert_limited(
        get_from(&app, "10.10.0.1", "/reset-password/faux").await,
        "61st link",
    )
    .await;
    assert_limited(
        post_from(&app, "10.10.0.1", "/verify-email/faux", &[]).await,
        "61st link (POST)",
    )
    .await;
    let r = get_from(&app, "10.10.0.2", "/verify-email/faux").await;
    assert_eq!(r.status(), 404, "another address is not affected");
}

#[tokio::test]
async fn failed_log_ins_on_two_instances_count_toward_one_account_limit() {
    if std::env::var("TLJ_TEST_ENGINE").as_deref() != Ok("postgres") {
        return; // SQLite is one instance: its limits stay in that process
    }
    let app = app_behind_proxy().await;
    let other = app.second_instance().await;
    let on_other = other.new_browser();
    // Five wrong passwords, spread over both instances and five addresses.
    for i in 0..5 {
        let b: &Browser = if i % 2 == 0 { &app } else { &on_other };
        let r = post_from(
            b,
            &format!("10.4.0.{i}"),
            "/login",
            &[("email", LEARNER), ("password", "wrong-password-1")],
        )
        .await;
        assert_eq!(r.status(), 422, "try {i}");
    }
    for b in [&app.browser, &on_other] {
        let r = post_from(
            b,
            "10.4.0.99",
            "/login",
            &[("email", LEARNER), ("password", PASSWORD)],
        )
        .await;
        assert_limited(r, "a sixth log-in, on either instance").await;
    }
    // The allowance comes back on the platform clock (5 a minute: one more every 12 s).
    app.advance(Duration::from_secs(12));
    let r = post_from(
        &on_other,
        "10.4.0.100",
        "/login",
        &[("email", LEARNER), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(r.status(), 303);
}

//! Accounts: sign-up, verification, log-in/out, history, reset, limits, bad input.

use std::time::Duration;

use crate::helpers::{TestApp, count, location, text_of};

const PASSWORD: &str = "Matadi-2026-ok";

fn signup_fields<'a>(name: &'a str, email: &'a str, password: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", name),
        ("email", email),
        ("password", password),
        ("password_confirm", password),
    ]
}

#[tokio::test]
async fn a_visitor_signs_up_verifies_the_address_logs_in_and_out() {
    let app = TestApp::spawn().await;
    let r = app
        .post_form(
            "/signup",
            &signup_fields("Merveille Kabongo", "Merveille@Example.cd", PASSWORD),
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/login");
    let (_, html) = app.page("/login").await;
    assert!(
        text_of(&html, "[data-testid=flash]")
            .unwrap_or_default()
            .contains("Vérifiez votre boîte e-mail")
    );

    let mails = app.emails_to("merveille@example.cd");
    assert_eq!(mails.len(), 1);
    assert!(
        mails[0].contains("Subject: Confirmez votre adresse e-mail")
            || mails[0].contains("Confirmez")
    );
    assert!(mails[0].contains("Bonjour Merveille Kabongo"));

    let link = app.link_in_last_email("merveille@example.cd", "/verify-email/");
    let path = link.trim_start_matches(&app.base).to_owned();
    let (status, html) = app.page(&path).await;
    assert_eq!(status, 200);
    assert_eq!(
        count(&html, "[data-testid=verify-submit]"),
        1,
        "GET only shows a button"
    );
    let r = app.post_form(&path, &[]).await;
    assert_eq!(location(&r), "/login");
    let (status, _) = app.page(&path).await;
    assert_eq!(status, 404, "the link works once");

    app.login("merveille@example.cd", PASSWORD).await;
    let (status, html) = app.page("/dashboard").await;
    assert_eq!(status, 200);
    assert_eq!(
        text_of(&html, "[data-testid=user-name]").as_deref(),
        Some("Merveille Kabongo")
    );
    assert_eq!(count(&html, "[data-testid=login-history] li"), 1);

    let r = app.post_form("/logout", &[]).await;
    assert_eq!(location(&r), "/");
    let r = app.get("/dashboard").await;
    assert_eq!(r.status(), 303, "logged out");
}

#[tokio::test]
async fn an_unverified_account_cannot_log_in_and_can_ask_for_a_new_link() {
    let app = TestApp::spawn().await;
    app.post_form(
        "/signup",
        &signup_fields("Jonathan", "jonathan@example.cd", PASSWORD),
    )
    .await;
    let r = app
        .post_form(
            "/login",
            &[("email", "jonathan@example.cd"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = scraper::Html::parse_document(&r.text().await.unwrap_or_default());
    assert!(
        text_of(&html, "[data-testid=form-error]")
            .unwrap_or_default()
            .contains("Confirmez d'abord")
    );
    assert_eq!(count(&html, "[data-testid=resend-form]"), 1);
    app.post_form("/verify-email/resend", &[("email", "jonathan@example.cd")])
        .await;
    assert_eq!(app.emails_to("jonathan@example.cd").len(), 2);
}

#[tokio::test]
async fn signing_up_with_a_taken_address_tells_its_owner_and_reveals_nothing() {
    let app = TestApp::spawn().await;
    app.signup_verified("Esther", "esther@example.cd", PASSWORD)
        .await;
    let other = app.new_browser();
    let r = other
        .post_form(
            "/signup",
            &signup_fields("Intrus", "ESTHER@example.cd", "Autre-mot-2026"),
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/login");
    let mails = app.emails_to("esther@example.cd");
    assert_eq!(mails.len(), 2);
    assert!(mails[1].contains("possède déjà un"));
    // The original password still works; the intruder's does not.
    other.login("esther@example.cd", PASSWORD).await;
    let r = app
        .post_form(
            "/login",
            &[
                ("email", "esther@example.cd"),
                ("password", "Autre-mot-2026"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
}

#[tokio::test]
async fn bad_sign_up_input_gets_french_messages_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let long = "x".repeat(5000);
    // (form fields, field in error, part of the French message)
    type Case<'a> = (Vec<(&'a str, &'a str)>, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        (signup_fields("", "", ""), "name", "Indiquez votre nom."),
        (
            signup_fields("A", "a@b.cd", PASSWORD),
            "name",
            "entre 2 et 80",
        ),
        (
            signup_fields(&long, "a@b.cd", PASSWORD),
            "name",
            "entre 2 et 80",
        ),
        (
            signup_fields("Jess", "pas-une-adresse", PASSWORD),
            "email",
            "n'est pas valide",
        ),
        (
            signup_fields("Jess", "<script>alert(1)</script>@x.cd", PASSWORD),
            "email",
            "n'est pas valide",
        ),
        (
            signup_fields("Jess", "'; DROP TABLE users; --", PASSWORD),
            "email",
            "n'est pas valide",
        ),
        (
            signup_fields("Jess", "jess@example.cd", "court1"),
            "password",
            "au moins 10",
        ),
        (
            signup_fields("Jess", "jess@example.cd", "aaaaaaaaaaaaaa"),
            "password",
            "une lettre et un chiffre",
        ),
        (
            vec![
                ("name", "Jess"),
                ("email", "jess@example.cd"),
                ("password", PASSWORD),
                ("password_confirm", "autre"),
            ],
            "password",
            "pas identiques",
        ),
    ];
    for (fields, field, message) in cases {
        let r = app.post_form("/signup", &fields).await;
        assert_eq!(r.status(), 422, "{fields:?}");
        let html = scraper::Html::parse_document(&r.text().await.unwrap_or_default());
        let shown = text_of(&html, &format!("[data-testid=error-{field}]")).unwrap_or_default();
        assert!(shown.contains(message), "{fields:?}: {shown}");
        assert_eq!(
            count(&html, "input[name=password][value]"),
            0,
            "passwords are not echoed"
        );
    }
    // Markup in the name is shown as text, never as HTML.
    let r = app
        .post_form(
            "/signup",
            &signup_fields("<script>alert(1)</script>", "bad", PASSWORD),
        )
        .await;
    let body = r.text().await.unwrap_or_default();
    assert!(!body.contains("<script>alert(1)</script>") && body.contains("&lt;script&gt;"));
    assert!(app.emails_to("@").is_empty(), "no account was created");
}

#[tokio::test]
async fn emoji_and_accents_in_a_name_are_kept() {
    let app = TestApp::spawn().await;
    app.signup_verified("Grâce Nsimba 🎓", "grace@example.cd", PASSWORD)
        .await;
    app.login("grace@example.cd", PASSWORD).await;
    let (_, html) = app.page("/dashboard").await;
    assert_eq!(
        text_of(&html, "[data-testid=user-name]").as_deref(),
        Some("Grâce Nsimba 🎓")
    );
}

#[tokio::test]
async fn a_wrong_password_is_refused_and_every_attempt_is_in_the_login_history() {
    let app = TestApp::with_demo().await;
    let r = app
        .post_form(
            "/login",
            &[
                ("email", "apprenant@techlearnjess.cd"),
                ("password", "mauvais-mot-2026"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = scraper::Html::parse_document(&r.text().await.unwrap_or_default());
    assert_eq!(
        text_of(&html, "[data-testid=form-error]").as_deref(),
        Some("Adresse e-mail ou mot de passe incorrect.")
    );
    assert_eq!(
        count(
            &html,
            "input[name=email][value='apprenant@techlearnjess.cd']"
        ),
        1
    );
    let r = app
        .post_form(
            "/login",
            &[("email", "inconnu@example.cd"), ("password", "x")],
        )
        .await;
    assert_eq!(r.status(), 422);
    app.login("apprenant@techlearnjess.cd", "Demo-2026-tlj")
        .await;
    let (_, html) = app.page("/dashboard").await;
    let history = text_of(&html, "[data-testid=login-history]").unwrap_or_default();
    assert_eq!(count(&html, "[data-testid=login-history] li"), 2);
    assert!(
        history.contains("réussie") && history.contains("échouée") && history.contains("127.0.0.1")
    );
}

#[tokio::test]
async fn the_session_id_is_renewed_at_login() {
    let app = TestApp::with_demo().await;
    app.login("apprenant@techlearnjess.cd", "Demo-2026-tlj")
        .await;
    let first = app.cookie("tlj_session").expect("a session cookie");
    app.login("apprenant@techlearnjess.cd", "Demo-2026-tlj")
        .await;
    let second = app.cookie("tlj_session").expect("a session cookie");
    assert_ne!(first, second);
    // The old id no longer opens a session.
    let stolen = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let r = stolen
        .get(app.url("/dashboard"))
        .header("cookie", format!("tlj_session={first}"))
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status(), 303);
}

#[tokio::test]
async fn login_follows_a_local_next_and_ignores_an_off_site_one() {
    let app = TestApp::with_demo().await;
    let fields = [
        ("email", "apprenant@techlearnjess.cd"),
        ("password", "Demo-2026-tlj"),
        ("next", "/about"),
    ];
    let r = app.post_form("/login", &fields).await;
    assert_eq!(location(&r), "/about");
    let other = app.new_browser();
    for next in ["https://evil.example/", "//evil.example", "/\\evil.example"] {
        let fields = [
            ("email", "apprenant@techlearnjess.cd"),
            ("password", "Demo-2026-tlj"),
            ("next", next),
        ];
        let r = other.post_form("/login", &fields).await;
        assert_eq!(location(&r), "/dashboard", "{next}");
    }
}

#[tokio::test]
async fn the_sixth_failed_login_on_an_account_within_a_minute_gets_429_in_french() {
    let app = TestApp::with_demo().await;
    for _ in 0..5 {
        let r = app
            .post_form(
                "/login",
                &[("email", "admin@techlearnjess.cd"), ("password", "nope")],
            )
            .await;
        assert_eq!(r.status(), 422);
    }
    let r = app
        .post_form(
            "/login",
            &[("email", "admin@techlearnjess.cd"), ("password", "nope")],
        )
        .await;
    assert_eq!(r.status(), 429);
    assert!(
        r.text()
            .await
            .unwrap_or_default()
            .contains("Trop de tentatives")
    );
    app.advance(Duration::from_secs(61));
    let r = app
        .post_form(
            "/login",
            &[("email", "admin@techlearnjess.cd"), ("password", "nope")],
        )
        .await;
    assert_eq!(
        r.status(),
        422,
        "a minute later the account may be tried again"
    );
}

#[tokio::test]
async fn a_forgotten_password_is_reset_once_through_the_e_mailed_link() {
    let app = TestApp::spawn().await;
    app.signup_verified("Patrick", "patrick@example.cd", PASSWORD)
        .await;
    let r = app
        .post_form("/forgot-password", &[("email", "patrick@example.cd")])
        .await;
    assert_eq!(location(&r), "/login");
    let r = app
        .post_form("/forgot-password", &[("email", "personne@example.cd")])
        .await;
    assert_eq!(location(&r), "/login", "same answer for unknown addresses");
    let link = app.link_in_last_email("patrick@example.cd", "/reset-password/");
    let path = link.trim_start_matches(&app.base).to_owned();
    let (status, html) = app.page(&path).await;
    assert_eq!(status, 200);
    assert_eq!(count(&html, "[data-testid=reset-form]"), 1);
    let r = app
        .post_form(
            &path,
            &[("password", "court"), ("password_confirm", "court")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = app
        .post_form(
            &path,
            &[
                ("password", "Nouveau-2026-mdp"),
                ("password_confirm", "Nouveau-2026-mdp"),
            ],
        )
        .await;
    assert_eq!(location(&r), "/login");
    let r = app
        .post_form(
            &path,
            &[
                ("password", "Encore-2026-mdp"),
                ("password_confirm", "Encore-2026-mdp"),
            ],
        )
        .await;
    assert_eq!(location(&r), "/forgot-password", "the link works once");
    app.login("patrick@example.cd", "Nouveau-2026-mdp").await;
}

#[tokio::test]
async fn a_reset_link_works_for_an_hour_then_is_refused() {
    let app = TestApp::spawn().await;
    app.signup_verified("Nadia", "nadia@example.cd", PASSWORD)
        .await;
    app.post_form("/forgot-password", &[("email", "nadia@example.cd")])
        .await;
    let link = app.link_in_last_email("nadia@example.cd", "/reset-password/");
    let path = link.trim_start_matches(&app.base).to_owned();
    app.advance(Duration::from_secs(59 * 60));
    assert_eq!(app.get(&path).await.status(), 200, "valid for an hour");
    app.advance(Duration::from_secs(2 * 60));
    let r = app.get(&path).await;
    assert_eq!(location(&r), "/forgot-password");
    let r = app
        .post_form(
            &path,
            &[
                ("password", "Nouveau-2026-mdp"),
                ("password_confirm", "Nouveau-2026-mdp"),
            ],
        )
        .await;
    assert_eq!(
        location(&r),
        "/forgot-password",
        "an expired link changes nothing"
    );
    app.login("nadia@example.cd", PASSWORD).await;
}

#[tokio::test]
async fn a_session_ends_after_fourteen_days_without_a_visit() {
    let app = TestApp::spawn().await;
    app.signup_verified("Jules", "jules@example.cd", PASSWORD)
        .await;
    app.login("jules@example.cd", PASSWORD).await;
    app.advance(Duration::from_secs(13 * 86_400));
    assert_eq!(
        app.get("/dashboard").await.status(),
        200,
        "a visit within 14 days"
    );
    app.advance(Duration::from_secs(13 * 86_400));
    assert_eq!(
        app.get("/dashboard").await.status(),
        200,
        "each visit starts the 14 days again"
    );
    app.advance(Duration::from_secs(15 * 86_400));
    let r = app.get("/dashboard").await;
    assert_eq!(r.status(), 303, "signed out after 14 days away");
    assert!(location(&r).starts_with("/login"), "{}", location(&r));
}

#[tokio::test]
async fn role_checks_are_cumulative() {
    use techlearnjess::auth::model::Role;
    let app = TestApp::with_demo().await;
    let admin =
        techlearnjess::auth::queries::find_credentials(&app.state.db, "admin@techlearnjess.cd")
            .await
            .expect("query")
            .expect("admin exists");
    let user = techlearnjess::auth::queries::find_active_user(&app.state.db, admin.id)
        .await
        .expect("query")
        .expect("active");
    assert!(Role::ALL.iter().all(|r| user.require(*r).is_ok()));
    let learner =
        techlearnjess::auth::queries::find_credentials(&app.state.db, "apprenant@techlearnjess.cd")
            .await
            .expect("query")
            .expect("learner exists");
    let learner = techlearnjess::auth::queries::find_active_user(&app.state.db, learner.id)
        .await
        .expect("query")
        .expect("active");
    assert!(learner.require(Role::Learner).is_ok());
    assert!(learner.require(Role::Admin).is_err() && learner.require(Role::Trainer).is_err());
}

//! Who the client is and what a shared address may do: the client address is the rightmost
//! `X-Forwarded-For` hop that is not a trusted proxy (a spoofed entry changes nothing), a class
//! signs up from one address, and a refused form comes back with what was typed.

use scraper::{Html, Selector};

use crate::helpers::{Browser, TestApp, text_of};

const PASSWORD: &str = "Matadi-2026-ok";

/// POSTs a form with the CSRF token and the given `X-Forwarded-For`.
async fn post_via(
    b: &Browser,
    forwarded: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let token = b.csrf().await;
    let mut body: Vec<(&str, &str)> = fields.to_vec();
    body.push(("_csrf", &token));
    b.client
        .post(b.url(path))
        .header("x-forwarded-for", forwarded)
        .form(&body)
        .send()
        .await
        .expect("POST")
}

/// The text of the login history on the security page of the logged-in browser.
async fn login_history(b: &Browser) -> String {
    let (status, html) = b.page("/profile/security").await;
    assert_eq!(status, 200);
    text_of(&html, "[data-testid=login-history]").unwrap_or_default()
}

/// The `value` of the input matching `selector`.
fn value_of(html: &Html, selector: &str) -> Option<String> {
    let sel = Selector::parse(selector).expect("valid selector");
    html.select(&sel)
        .next()
        .and_then(|e| e.value().attr("value").map(str::to_owned))
}

#[tokio::test]
async fn a_spoofed_leftmost_forwarded_entry_changes_neither_the_limits_nor_the_login_history() {
    // nginx on the same machine: the peer (127.0.0.1) is a trusted proxy, and nginx appends
    // the address it saw to whatever X-Forwarded-For the client sent.
    let app = TestApp::spawn_with(|c| c.trust_proxy = true).await;
    app.signup_verified("Grace Mbuyi", "grace@example.cd", PASSWORD)
        .await;

    // Ten reset requests a client tries to spread over ten made-up addresses: one address, so
    // the eleventh is refused (10 per 10 minutes per address).
    for i in 0..10 {
        let r = post_via(
            &app,
            &format!("6.6.6.{i}, 203.0.113.7"),
            "/forgot-password",
            &[("email", &format!("personne{i}@example.cd"))],
        )
        .await;
        assert_eq!(r.status(), 303, "request {i}");
    }
    let r = post_via(
        &app,
        "1.2.3.4, 203.0.113.7",
        "/forgot-password",
        &[("email", "encore@example.cd")],
    )
    .await;
    assert_eq!(r.status(), 429, "the made-up entry is not the key");
    let r = post_via(
        &app,
        "6.6.6.1, 203.0.113.8",
        "/forgot-password",
        &[("email", "voisin@example.cd")],
    )
    .await;
    assert_eq!(r.status(), 303, "another real client is not affected");

    // The login history records the address nginx saw, not the one the client wrote.
    let r = post_via(
        &app,
        "6.6.6.6, 203.0.113.9",
        "/login",
        &[("email", "grace@example.cd"), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(r.status(), 303);
    let history = login_history(&app).await;
    assert!(history.contains("203.0.113.9"), "{history}");
    assert!(!history.contains("6.6.6.6"), "{history}");
}

#[tokio::test]
async fn behind_a_chain_of_trusted_proxies_the_first_untrusted_hop_is_the_client() {
    // A load balancer in 10.0.0.0/8 in front of the local nginx; nothing trusts the peer blindly.
    let app = TestApp::spawn_with(|c| {
        c.trusted_proxies = techlearnjess::web::client_ip::parse_list("127.0.0.0/8, 10.0.0.0/8")
            .expect("valid list");
    })
    .await;
    app.signup_verified("Paul Ilunga", "paul@example.cd", PASSWORD)
        .await;
    let r = post_via(
        &app,
        "6.6.6.6, 198.51.100.4, 10.1.2.3",
        "/login",
        &[("email", "paul@example.cd"), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(r.status(), 303);
    let history = login_history(&app).await;
    assert!(history.contains("198.51.100.4"), "{history}");
    assert!(
        !history.contains("10.1.2.3") && !history.contains("6.6.6.6"),
        "{history}"
    );
}

#[tokio::test]
async fn without_a_trusted_proxy_the_forwarded_header_is_ignored() {
    let app = TestApp::spawn().await;
    app.signup_verified("Ruth Kabeya", "ruth@example.cd", PASSWORD)
        .await;
    let r = post_via(
        &app,
        "198.51.100.4",
        "/login",
        &[("email", "ruth@example.cd"), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(r.status(), 303);
    let history = login_history(&app).await;
    assert!(history.contains("127.0.0.1"), "{history}");
    assert!(!history.contains("198.51.100.4"), "{history}");
}

/// Signs up pupil `i` (no proxy: every pupil comes from the test's one address).
async fn signup_pupil(app: &TestApp, i: usize) -> reqwest::Response {
    let (name, email) = (format!("Élève {i}"), format!("eleve{i}@ecole.cd"));
    app.post_form(
        "/signup",
        &[
            ("name", &name),
            ("email", &email),
            ("password", PASSWORD),
            ("password_confirm", PASSWORD),
        ],
    )
    .await
}

#[tokio::test]
async fn a_class_signs_up_from_one_address_and_a_refused_sign_up_keeps_what_was_typed() {
    let app = TestApp::spawn().await;
    // A class of 40 behind the school's one address, one after the other.
    for i in 0..40 {
        assert_eq!(signup_pupil(&app, i).await.status(), 303, "pupil {i}");
    }
    // A flood from that address is still stopped (a burst of 100, then one every 15 s).
    let mut i = 40;
    let refused = loop {
        let r = signup_pupil(&app, i).await;
        i += 1;
        if r.status() != 303 || i > 130 {
            break r;
        }
    };
    assert!((101..=110).contains(&i), "refused at sign-up {i}");
    assert_eq!(refused.status(), 429);
    let body = refused.text().await.expect("body");
    let html = Html::parse_document(&body);
    let typed = i - 1;
    assert_eq!(
        value_of(&html, "[data-testid=signup-form] #name").as_deref(),
        Some(format!("Élève {typed}").as_str())
    );
    assert_eq!(
        value_of(&html, "[data-testid=signup-form] #email").as_deref(),
        Some(format!("eleve{typed}@ecole.cd").as_str())
    );
    assert!(!body.contains(PASSWORD), "the password is never sent back");
    assert!(
        text_of(&html, "[data-testid=form-error]")
            .unwrap_or_default()
            .contains("Trop de tentatives")
    );
}

#[tokio::test]
async fn a_refused_login_or_reset_request_keeps_the_typed_address() {
    let app = TestApp::spawn().await;
    // Five tries a minute on one account; the sixth comes back as the form, e-mail kept.
    for _ in 0..5 {
        let r = app
            .post_form(
                "/login",
                &[("email", "nadia@example.cd"), ("password", "pas-le-bon-1")],
            )
            .await;
        assert_eq!(r.status(), 422);
    }
    let r = app
        .post_form(
            "/login?next=/courses",
            &[
                ("email", "nadia@example.cd"),
                ("password", "pas-le-bon-1"),
                ("next", "/courses"),
            ],
        )
        .await;
    assert_eq!(r.status(), 429);
    let body = r.text().await.expect("body");
    let html = Html::parse_document(&body);
    assert_eq!(
        value_of(&html, "[data-testid=login-form] #email").as_deref(),
        Some("nadia@example.cd")
    );
    assert_eq!(
        value_of(&html, "[data-testid=login-form] [name=next]").as_deref(),
        Some("/courses")
    );
    assert!(!body.contains("pas-le-bon-1"));
    assert!(
        text_of(&html, "[data-testid=form-error]")
            .unwrap_or_default()
            .contains("Trop de tentatives")
    );

    // Three reset e-mails an hour for one address; the fourth request keeps the address.
    for _ in 0..3 {
        let r = app
            .post_form("/forgot-password", &[("email", "nadia@example.cd")])
            .await;
        assert_eq!(r.status(), 303);
    }
    let r = app
        .post_form("/forgot-password", &[("email", "nadia@example.cd")])
        .await;
    assert_eq!(r.status(), 429);
    let html = Html::parse_document(&r.text().await.expect("body"));
    assert_eq!(
        value_of(&html, "[data-testid=forgot-form] #email").as_deref(),
        Some("nadia@example.cd")
    );
    assert!(
        text_of(&html, "[data-testid=form-error]")
            .unwrap_or_default()
            .contains("Trop de tentatives")
    );
}

#[tokio::test]
async fn requests_racing_on_two_instances_share_one_allowance_exactly() {
    use techlearnjess::web::rate_limit::{Action, RateLimits};
    if std::env::var("TLJ_TEST_ENGINE").as_deref() != Ok("postgres") {
        return; // SQLite is one instance: its limits stay in that process
    }
    let app = TestApp::spawn().await;
    // Two instances' pools on the same database and clock.
    let other_db = techlearnjess::db::Db::connect(&app.state.config.database_url)
        .await
        .expect("second pool")
        .with_clock(app.state.clock.clone());
    let instances = [
        std::sync::Arc::new(RateLimits::for_db(&app.state.db)),
        std::sync::Arc::new(RateLimits::for_db(&other_db)),
    ];
    let mut racing = tokio::task::JoinSet::new();
    for i in 0..40 {
        let limits = instances[i % 2].clone();
        racing.spawn(async move {
            limits
                .allows(Action::LoginToAccount, "grace@example.cd")
                .await
                .expect("counted")
        });
    }
    let allowed = racing.join_all().await.into_iter().filter(|a| *a).count();
    assert_eq!(
        allowed, 5,
        "5 log-ins a minute per account, across instances"
    );

    // A minute later the allowance is whole again, and the housekeeping forgets the key.
    app.advance(std::time::Duration::from_secs(60));
    instances[1].prune().await.expect("pruned");
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM rate_limits")
        .fetch_one(&app.state.db.pool)
        .await
        .expect("counted");
    assert_eq!(left, 0);
    for _ in 0..5 {
        assert!(
            instances[0]
                .allows(Action::LoginToAccount, "grace@example.cd")
                .await
                .expect("counted")
        );
    }
}

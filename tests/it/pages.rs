//! Home, about, language, health check.

use crate::helpers::{TestApp, count, location, text_of};

#[tokio::test]
async fn the_home_page_shows_the_slogan_latest_courses_and_testimonials_in_french() {
    let app = TestApp::with_demo().await;
    let (status, html) = app.page("/").await;
    assert_eq!(status, 200);
    assert_eq!(
        text_of(&html, "[data-testid=home-slogan]").as_deref(),
        Some("Apprendre ici, réussir partout.")
    );
    assert_eq!(text_of(&html, "html").map(|_| ()), Some(()));
    assert_eq!(count(&html, "html[lang=fr]"), 1);
    assert_eq!(count(&html, "[data-testid=course-card]"), 6);
    assert_eq!(count(&html, "[data-testid=testimonial]"), 3);
    assert_eq!(
        count(&html, "a[href='https://chadrackmbu.pythonanywhere.com/']"),
        2
    );
    assert_eq!(count(&html, "a[href='/about'][data-testid=about-link]"), 1);
    assert_eq!(count(&html, "[data-testid=cta-signup]"), 1);
    let prices: Vec<String> = {
        let sel = scraper::Selector::parse("[data-testid=course-price]").expect("selector");
        html.select(&sel).map(|e| e.text().collect()).collect()
    };
    assert!(prices.iter().any(|p| p == "Gratuit"), "{prices:?}");
    assert!(
        prices
            .iter()
            .any(|p| p.ends_with("$US") || p.ends_with("FC")),
        "{prices:?}"
    );
}

#[tokio::test]
async fn an_empty_platform_has_a_home_page_without_courses() {
    let app = TestApp::spawn().await;
    let (status, html) = app.page("/").await;
    assert_eq!(status, 200);
    assert_eq!(count(&html, "[data-testid=course-card]"), 0);
    assert!(html.html().contains("Aucun cours publié pour le moment."));
}

#[tokio::test]
async fn the_about_page_tells_the_story_the_goal_and_the_creator() {
    let app = TestApp::spawn().await;
    let (status, html) = app.page("/about").await;
    assert_eq!(status, 200);
    for part in ["history", "vision", "goal", "creator"] {
        assert_eq!(
            count(&html, &format!("[data-testid=about-{part}]")),
            1,
            "{part}"
        );
    }
    let creator = text_of(&html, "[data-testid=about-creator]").unwrap_or_default();
    assert!(creator.contains("Chadrack Mbu Jess"));
    let goal = text_of(&html, "[data-testid=about-goal]").unwrap_or_default();
    assert!(goal.contains("Matadi"));
    assert_eq!(
        count(
            &html,
            "[data-testid=portfolio-link][href='https://chadrackmbu.pythonanywhere.com/']"
        ),
        1
    );
}

#[tokio::test]
async fn a_visitor_can_switch_to_english_and_the_choice_is_remembered() {
    let app = TestApp::spawn().await;
    let r = app
        .post_form("/lang", &[("lang", "en"), ("next", "/about")])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/about");
    let (_, html) = app.page("/").await;
    assert_eq!(count(&html, "html[lang=en]"), 1);
    assert_eq!(
        text_of(&html, "[data-testid=home-slogan]").as_deref(),
        Some("Learn here, succeed everywhere.")
    );
    let r = app.post_form("/lang", &[("lang", "fr")]).await;
    assert_eq!(location(&r), "/");
    let (_, html) = app.page("/").await;
    assert_eq!(count(&html, "html[lang=fr]"), 1);
}

#[tokio::test]
async fn a_visitor_switches_language_with_the_footer_links_which_never_change_an_account() {
    let app = TestApp::with_demo().await;
    let (_, html) = app.page("/about").await;
    let sel = scraper::Selector::parse("[data-testid=lang-en]").unwrap();
    let href = html
        .select(&sel)
        .next()
        .and_then(|a| a.value().attr("href"))
        .unwrap()
        .to_owned();
    assert_eq!(href, "/lang?lang=en&next=/about");
    assert_eq!(count(&html, "[data-testid=lang-form] input[name=_csrf]"), 0);
    let r = app.get(&href).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/about");
    let (_, html) = app.page("/about").await;
    assert_eq!(count(&html, "html[lang=en]"), 1);
    let r = app.get("/lang?lang=xx").await;
    assert_eq!(r.status(), 400);
    assert!(
        r.text().await.unwrap().contains("Unknown language."),
        "in her language"
    );
    let r = app.get("/lang?lang=fr&next=https://evil.example/").await;
    assert!(!location(&r).contains("evil"), "{}", location(&r));

    // A link from elsewhere does not change a signed-in user's language on her account.
    let learner = app.new_browser();
    learner
        .login("apprenant@techlearnjess.cd", "Demo-2026-tlj")
        .await;
    let r = learner.get("/lang?lang=en&next=/dashboard").await;
    assert_eq!(r.status(), 303);
    let (_, html) = learner.page("/dashboard").await;
    assert_eq!(count(&html, "html[lang=fr]"), 1);
    assert_eq!(
        count(&html, "form[data-testid=lang-form] input[name=_csrf]"),
        1
    );
}

#[tokio::test]
async fn a_signed_in_users_language_is_stored_on_the_account() {
    let app = TestApp::with_demo().await;
    app.login("apprenant@techlearnjess.cd", "Demo-2026-tlj")
        .await;
    app.post_form("/lang", &[("lang", "en")]).await;
    let other = app.new_browser();
    other
        .login("apprenant@techlearnjess.cd", "Demo-2026-tlj")
        .await;
    let (_, html) = other.page("/dashboard").await;
    assert_eq!(count(&html, "html[lang=en]"), 1);
}

#[tokio::test]
async fn an_unknown_language_or_an_off_site_next_is_refused_or_ignored() {
    let app = TestApp::spawn().await;
    let r = app.post_form("/lang", &[("lang", "xx")]).await;
    assert_eq!(r.status(), 400);
    let body = r.text().await.unwrap_or_default();
    assert!(body.contains("Langue inconnue."));
    let r = app
        .post_form(
            "/lang",
            &[("lang", "en"), ("next", "https://evil.example/")],
        )
        .await;
    assert_eq!(location(&r), "/dashboard");
}

#[tokio::test]
async fn healthz_answers_ok_while_the_database_answers() {
    let app = TestApp::spawn().await;
    let r = app.get("/healthz").await;
    assert_eq!(r.status(), 200);
    app.state.db.pool.close().await;
    let r = app.get("/healthz").await;
    assert_eq!(r.status(), 503);
}

#[tokio::test]
async fn an_unknown_page_is_a_french_404_page() {
    let app = TestApp::spawn().await;
    let (status, html) = app.page("/nulle-part").await;
    assert_eq!(status, 404);
    assert_eq!(
        text_of(&html, "[data-testid=error-message]").as_deref(),
        Some("La page demandée n'existe pas.")
    );
    assert_eq!(text_of(&html, "h1").as_deref(), Some("Erreur 404"));
}

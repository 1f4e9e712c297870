//! Catalogue search that forgives (issue 21): accents and case ignored, a missing or doubled
//! letter tolerated, the normalised column kept up to date by every write, and Back showing
//! the query its URL holds. Runs on SQLite and PostgreSQL like every module.

use scraper::Html;
use techlearnjess::auth::model::{Role, Roles};
use techlearnjess::auth::queries as users;
use techlearnjess::courses::queries::{self as courses, NewCourse};

use crate::helpers::{Browser, TestApp, count, text_of};

/// The titles of a catalogue page or results fragment.
fn titles(html: &Html) -> Vec<String> {
    let sel =
        scraper::Selector::parse("[data-testid=course-card] h2, [data-testid=course-card] h3")
            .unwrap();
    html.select(&sel)
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .collect()
}

/// The number of courses a search finds, from the results fragment htmx asks for.
async fn found(app: &Browser, q: &str) -> (usize, Html) {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("q", q)
        .finish();
    let r = app
        .client
        .get(app.url(&format!("/courses?{query}")))
        .header("HX-Request", "true")
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status(), 200, "{q}");
    let html = Html::parse_fragment(&r.text().await.unwrap());
    (count(&html, "[data-testid=course-card]"), html)
}

#[tokio::test]
async fn accents_case_and_a_wrong_letter_find_the_same_courses() {
    let app = TestApp::with_demo().await;
    let (accented, page) = found(&app, "réseaux").await;
    assert_eq!(accented, 2, "{:?}", titles(&page));
    for q in ["reseaux", "RESEAUX", "Réseaux", "  réSEAUX  "] {
        let (n, html) = found(&app, q).await;
        assert_eq!(n, 2, "{q}: {:?}", titles(&html));
        assert_eq!(
            count(&html, "[data-testid=search-approximate]"),
            0,
            "{q}: exact"
        );
    }
    // Every word counts, in any order, accents or not.
    let (n, _) = found(&app, "sociaux reseaux").await;
    assert_eq!(n, 2);
    let (n, _) = found(&app, "reseaux canva").await;
    assert_eq!(n, 1);
    // The category name is searched too.
    let (n, _) = found(&app, "bureautique").await;
    assert!(n >= 1);

    // A missing, doubled or wrong letter still finds the course, said to be approximate.
    for q in [
        "entreprenariat",
        "Entreprenneuriat",
        "entrepreneuriat matadie",
        "MATADDI",
    ] {
        let (n, html) = found(&app, q).await;
        assert_eq!(n, 1, "{q}");
        assert!(
            titles(&html)[0].contains("Entrepreneuriat"),
            "{q}: {:?}",
            titles(&html)
        );
        assert_eq!(
            count(&html, "[data-testid=search-approximate]"),
            1,
            "{q}: approximate"
        );
    }
    // Unrelated words, short words with a wrong letter and punctuation find nothing.
    for q in ["zzzzzz", "pithon jardinage", "xyz", "!!!", "%", "_"] {
        let (n, html) = found(&app, q).await;
        assert_eq!(n, 0, "{q}: {:?}", titles(&html));
        assert_eq!(count(&html, "[data-testid=course-empty]"), 1, "{q}");
    }
    // The full page agrees with the fragment.
    let (status, page) = app.page("/courses?q=RESEAUX").await;
    assert_eq!(status, 200);
    assert_eq!(count(&page, "[data-testid=course-card]"), 2);
}

#[tokio::test]
async fn every_write_of_a_course_or_its_category_keeps_the_search_up_to_date() {
    let app = TestApp::spawn().await;
    let db = &app.state.db;
    let trainer = users::create_user(
        db,
        users::NewUser {
            name: "Formatrice",
            email: "formatrice@example.cd",
            password_hash: "x",
            roles: &Roles::of(&[Role::Trainer]),
            verified: true,
            locale: "fr",
        },
    )
    .await
    .expect("insert user")
    .expect("new e-mail");
    let category = courses::upsert_category(db, "agriculture", "Agriculture", 1)
        .await
        .unwrap();
    let id = courses::create_course(
        db,
        NewCourse {
            title: "Élevage de poules",
            slug: "elevage-de-poules",
            summary: "Un poulailler rentable à Kinshasa.",
            description: "",
            category_id: category,
            trainer_id: trainer,
            level: "beginner",
            duration_minutes: 60,
            price_minor: 0,
            currency: "USD",
            published: true,
        },
    )
    .await
    .unwrap();
    let (n, _) = found(&app, "elevage").await;
    assert_eq!(n, 1, "a new course is found");
    let stored: Option<String> =
        sqlx::query_scalar("SELECT search_text FROM courses WHERE id = $1")
            .bind(id)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(
        stored.as_deref(),
        Some(" elevage de poules un poulailler rentable a kinshasa agriculture ")
    );

    // An edit (as the trainer's form writes it) replaces the words.
    sqlx::query("UPDATE courses SET title = $1, summary = $2 WHERE id = $3")
        .bind("Pisciculture en étang")
        .bind("Des tilapias à Mbandaka.")
        .bind(id)
        .execute(&db.pool)
        .await
        .unwrap();
    let (n, _) = found(&app, "pisciculture etang").await;
    assert_eq!(n, 1, "the new title is found");
    let (n, _) = found(&app, "poulailler").await;
    assert_eq!(n, 0, "the old summary is gone");

    // Renaming the category renames what its courses are found by.
    sqlx::query("UPDATE categories SET name = 'Élevage et pêche' WHERE id = $1")
        .bind(category)
        .execute(&db.pool)
        .await
        .unwrap();
    let (n, _) = found(&app, "peche").await;
    assert_eq!(n, 1, "the new category name is found");
    let (n, _) = found(&app, "agriculture").await;
    assert_eq!(n, 0, "the old category name is gone");

    // A course made before the column existed (NULL) is filled at the next search.
    sqlx::query("UPDATE courses SET search_text = NULL")
        .execute(&db.pool)
        .await
        .unwrap();
    let (n, _) = found(&app, "tilapias").await;
    assert_eq!(n, 1);
    let missing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM courses WHERE search_text IS NULL")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(missing, 0);
}

#[tokio::test]
async fn back_gets_the_whole_page_with_the_query_of_its_url() {
    let app = TestApp::with_demo().await;
    // The page marks itself as not cached by htmx: Back asks the server for it again.
    let (_, page) = app.page("/courses?q=python").await;
    assert_eq!(
        count(&page, "[data-testid=course-search-form][hx-history=false]"),
        1
    );
    // htmx's history-restore request gets the page (not the results fragment), with the box
    // holding the URL's query.
    let r = app
        .client
        .get(app.url("/courses?q=r%C3%A9seaux"))
        .header("HX-Request", "true")
        .header("HX-History-Restore-Request", "true")
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status(), 200);
    let vary = r
        .headers()
        .get_all("vary")
        .iter()
        .map(|v| v.to_str().unwrap_or_default().to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(",");
    assert!(vary.contains("hx-history-restore-request"), "{vary}");
    let page = Html::parse_document(&r.text().await.unwrap());
    assert_eq!(count(&page, "[data-testid=course-search-form]"), 1);
    let sel = scraper::Selector::parse("[data-testid=course-search]").unwrap();
    let value = page
        .select(&sel)
        .next()
        .and_then(|e| e.value().attr("value"))
        .map(str::to_owned);
    assert_eq!(value.as_deref(), Some("réseaux"));
    assert_eq!(count(&page, "[data-testid=course-card]"), 2);
    assert!(text_of(&page, "[data-testid=course-count]").is_some());
}

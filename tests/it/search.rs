//! Catalogue search that forgives (issue 21): accents and case ignored, a missing or doubled
//! letter tolerated, the normalised column kept up to date by every write, and Back showing
//! the query its URL holds; through a full-text index (issue 22) that follows every edit,
//! unpublication and deletion, finds words being typed and ranks the best matches first.
//! Runs on SQLite and PostgreSQL like every module.

use scraper::Html;
use techlearnjess::auth::model::{Role, Roles};
use techlearnjess::auth::queries as users;
use techlearnjess::courses::queries::{self as courses, NewCourse};

use techlearnjess::teach::queries as teach;

use crate::helpers::{Browser, TestApp, count, text_of};

/// A trainer and a category for the courses a test makes; their ids.
async fn trainer_and_category(app: &TestApp) -> (i64, i64) {
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
    (trainer, category)
}

/// A free published course of `trainer` in `category`; its id.
async fn published_course(
    app: &TestApp,
    (trainer, category): (i64, i64),
    title: &str,
    summary: &str,
) -> i64 {
    courses::create_course(
        &app.state.db,
        NewCourse {
            title,
            slug: &techlearnjess::web::slug::slugify(title),
            summary,
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
    .unwrap()
}

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

#[tokio::test]
async fn editing_unpublishing_and_deleting_a_course_changes_what_the_index_finds() {
    let app = TestApp::spawn().await;
    let db = &app.state.db;
    let owner = trainer_and_category(&app).await;
    let id = published_course(
        &app,
        owner,
        "Apiculture au Kivu",
        "Des ruches et du miel à Bukavu.",
    )
    .await;
    // A word being typed already finds the course, as the exact pass (not approximate).
    for q in ["api", "apicul", "Apiculture", "ruches bukavu", "MIEL"] {
        let (n, html) = found(&app, q).await;
        assert_eq!(n, 1, "{q}");
        assert_eq!(count(&html, "[data-testid=search-approximate]"), 0, "{q}");
    }
    // A word inside another is still found exactly, as LIKE found it.
    let (n, html) = found(&app, "culture").await;
    assert_eq!(n, 1);
    assert_eq!(count(&html, "[data-testid=search-approximate]"), 0);

    // An edit (as the trainer's form writes it): the old words leave the index.
    sqlx::query("UPDATE courses SET title = $1, summary = $2 WHERE id = $3")
        .bind("Maraîchage urbain")
        .bind("Des légumes à Goma.")
        .bind(id)
        .execute(&db.pool)
        .await
        .unwrap();
    app.state.forget_public_pages();
    let (n, _) = found(&app, "kivu").await;
    assert_eq!(n, 0, "the old title is gone");
    let (n, _) = found(&app, "ruches bukavu").await;
    assert_eq!(n, 0, "the old summary is gone");
    let (n, _) = found(&app, "maraichage legumes").await;
    assert_eq!(n, 1, "the new words are found");

    // Unpublished: no longer found; published again: found again.
    teach::unpublish(db, id).await.unwrap();
    app.state.forget_public_pages();
    let (n, _) = found(&app, "maraichage").await;
    assert_eq!(n, 0, "an unpublished course is not found");
    let (n, _) = found(&app, "maraichaje").await;
    assert_eq!(n, 0, "nor approximately");
    sqlx::query("UPDATE courses SET published = 1 WHERE id = $1")
        .bind(id)
        .execute(&db.pool)
        .await
        .unwrap();
    app.state.forget_public_pages();
    let (n, _) = found(&app, "maraichage").await;
    assert_eq!(n, 1, "published again");

    // Deleted: gone from the index, exactly and approximately.
    sqlx::query("DELETE FROM courses WHERE id = $1")
        .bind(id)
        .execute(&db.pool)
        .await
        .unwrap();
    app.state.forget_public_pages();
    for q in ["maraichage", "maraichaje", "goma"] {
        let (n, _) = found(&app, q).await;
        assert_eq!(n, 0, "{q}: a deleted course is not found");
    }
}

#[tokio::test]
async fn the_best_match_comes_first_then_the_newest() {
    let app = TestApp::spawn().await;
    let owner = trainer_and_category(&app).await;
    published_course(
        &app,
        owner,
        "Cacao et cacao",
        "Le cacao, du champ au marché.",
    )
    .await;
    app.advance(std::time::Duration::from_secs(60));
    published_course(
        &app,
        owner,
        "Agriculture durable",
        "Café, cacao, manioc et maïs au Kasaï.",
    )
    .await;
    app.advance(std::time::Duration::from_secs(60));
    for title in ["Manioc un", "Manioc deux"] {
        app.advance(std::time::Duration::from_secs(60));
        published_course(&app, owner, title, "Bouturage.").await;
    }

    let (n, html) = found(&app, "cacao").await;
    assert_eq!(n, 2);
    assert_eq!(titles(&html), ["Cacao et cacao", "Agriculture durable"]);
    // Without a query the catalogue lists the newest first.
    let (_, page) = app.page("/courses").await;
    assert_eq!(
        titles(&page),
        [
            "Manioc deux",
            "Manioc un",
            "Agriculture durable",
            "Cacao et cacao"
        ]
    );
    // Equal matches: the newest first.
    let (_, html) = found(&app, "manioc bouturage").await;
    assert_eq!(titles(&html), ["Manioc deux", "Manioc un"]);
}

/// A rough timing of catalogue searches on bulk data (`seed-demo --scale`, default 1), straight
/// through `search_published` (no page cache, no rendering), for `docs/performance.md`:
/// `TLJ_BENCH_SCALE=1 cargo test --test it search_timing -- --ignored --nocapture`.
#[tokio::test]
#[ignore = "a measurement to run by hand, not a check"]
async fn search_timing_on_bulk_data() {
    use std::time::Instant;
    use techlearnjess::courses::model::{CatalogueFilter, CatalogueQuery, PAGE_SIZE};

    let app = TestApp::with_demo().await;
    let scale: f64 = std::env::var("TLJ_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    let started = Instant::now();
    techlearnjess::demo::scale::seed(&app.state.db, scale)
        .await
        .unwrap();
    println!("seeded scale {scale} in {:?}", started.elapsed());
    let db = &app.state.db;
    let filter = |q: &str| {
        CatalogueFilter::parse(&CatalogueQuery {
            q: q.to_owned(),
            ..CatalogueQuery::default()
        })
    };
    let started = Instant::now();
    courses::search_published(db, &filter("python"), PAGE_SIZE)
        .await
        .unwrap();
    println!("first search (fills search_text): {:?}", started.elapsed());
    for q in [
        "python",
        "pyth",
        "exercices pratiques",
        "réseaux",
        "pithon",
        "entreprenariat",
        "zzzzzz",
    ] {
        const RUNS: u32 = 20;
        let started = Instant::now();
        let mut last = None;
        for _ in 0..RUNS {
            last = Some(
                courses::search_published(db, &filter(q), PAGE_SIZE)
                    .await
                    .unwrap(),
            );
        }
        let per_search = started.elapsed() / RUNS;
        let last = last.unwrap();
        println!(
            "search {q:?}: {per_search:?} per search, {} found{}",
            last.pagination.total(),
            if last.approximate {
                " (approximate)"
            } else {
                ""
            }
        );
    }
}

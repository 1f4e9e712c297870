//! Dashboard and recommendations.

use std::time::Instant;

use scraper::{Html, Selector};
use techlearnjess::auth::model::{Role, Roles};
use techlearnjess::auth::{password, queries as users};
use techlearnjess::courses::queries::{self as courses, NewCourse};
use techlearnjess::teach::model::LessonInput;
use techlearnjess::teach::queries as teach;

use crate::helpers::{Browser, TestApp, count, location, text_of};

const DEMO_PASSWORD: &str = "Demo-2026-tlj";
const PASSWORD: &str = "Reco-2026-tlj";

fn attr(html: &Html, selector: &str, name: &str) -> Option<String> {
    let sel = Selector::parse(selector).expect("selector");
    html.select(&sel)
        .next()
        .and_then(|e| e.value().attr(name))
        .map(str::to_owned)
}

fn attrs(html: &Html, selector: &str, name: &str) -> Vec<String> {
    let sel = Selector::parse(selector).expect("selector");
    html.select(&sel)
        .filter_map(|e| e.value().attr(name))
        .map(str::to_owned)
        .collect()
}

async fn scalar(app: &TestApp, sql: &str, bind: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .bind(bind.to_owned())
        .fetch_one(&app.state.db.pool)
        .await
        .expect("scalar")
}

/// A logged-in browser of a new verified learner.
async fn learner(app: &TestApp, email: &str) -> Browser {
    let hash = password::hash(PASSWORD.to_owned()).await.expect("hash");
    users::create_user(
        &app.state.db,
        users::NewUser {
            name: email.split('@').next().unwrap_or("x"),
            email,
            password_hash: &hash,
            roles: &Roles::of(&[Role::Learner]),
            verified: true,
            locale: "fr",
        },
    )
    .await
    .expect("insert user")
    .expect("new e-mail");
    let browser = app.new_browser();
    browser.login(email, PASSWORD).await;
    browser
}

async fn demo(app: &TestApp, who: &str) -> Browser {
    let browser = app.new_browser();
    browser
        .login(&format!("{who}@techlearnjess.cd"), DEMO_PASSWORD)
        .await;
    browser
}

async fn enrol(browser: &Browser, slug: &str) {
    let r = browser
        .post_form(&format!("/courses/{slug}/enrol"), &[])
        .await;
    assert_eq!(r.status(), 303, "enrol in {slug}");
}

/// A published free course of the demo trainer with one lesson and no quiz: (slug, lesson id).
async fn one_lesson_course(app: &TestApp, title: &str, slug: &str) -> (String, i64) {
    let db = &app.state.db;
    let trainer = scalar(
        app,
        "SELECT id FROM users WHERE email = $1",
        "formateur@techlearnjess.cd",
    )
    .await;
    let category = scalar(app, "SELECT id FROM categories WHERE slug = $1", "design").await;
    let id = courses::create_course(
        db,
        NewCourse {
            title,
            slug,
            summary: "Un cours court.",
            description: "Une seule leçon.",
            category_id: category,
            trainer_id: trainer,
            level: "beginner",
            duration_minutes: 10,
            price_minor: 0,
            currency: "USD",
            published: true,
        },
    )
    .await
    .expect("course");
    let section = teach::add_section(db, id, "Partie 1")
        .await
        .expect("section");
    let lesson = teach::add_lesson(
        db,
        id,
        section,
        &LessonInput {
            title: "Leçon unique".into(),
            body: "Texte.".into(),
            video_url: None,
            duration_minutes: 10,
            free_preview: false,
        },
    )
    .await
    .expect("lesson");
    (slug.to_owned(), lesson)
}

#[tokio::test]
async fn the_dashboard_shows_a_course_in_progress_with_its_percentage_and_resume_link() {
    let app = TestApp::with_demo().await;
    let b = demo(&app, "apprenant").await;
    enrol(&b, "bases-de-python").await;
    let (_, page) = b.page("/courses/bases-de-python").await;
    let lessons = attrs(&page, "[data-testid=lesson-link]", "href");
    assert!(lessons.len() >= 2);
    let r = b.post_form(&format!("{}/complete", lessons[0]), &[]).await;
    assert!(r.status().is_success() || r.status().is_redirection());
    let (_, course) = b.page("/courses/bases-de-python").await;
    let expected = attr(
        &course,
        "[data-testid=course-cta] [data-testid=progress-bar]",
        "data-percent",
    )
    .expect("course progress");

    let (status, html) = b.page("/dashboard").await;
    assert_eq!(status, 200);
    assert!(text_of(&html, "[data-testid=dashboard-welcome]").is_some());
    let percent = attr(
        &html,
        "[data-testid=courses-in-progress] [data-testid=progress-bar]",
        "data-percent",
    )
    .expect("progress bar");
    assert_eq!(percent, expected);
    assert!(percent.parse::<i64>().expect("number") > 0);
    assert_eq!(
        attr(&html, "[data-testid=resume-link-bases-de-python]", "href").as_deref(),
        Some(lessons[1].as_str())
    );
    let text = text_of(&html, "[data-testid=notifications-section]").expect("notifications");
    assert!(
        text.contains("Aucune notification pour l'instant."),
        "{text}"
    );
    let text = text_of(&html, "[data-testid=discussions-section]").expect("discussions");
    assert!(
        text.contains("Aucun message non lu") && text.contains("Forum"),
        "{text}"
    );
    assert_eq!(count(&html, "[data-testid=trainer-courses]"), 0);
}

#[tokio::test]
async fn a_completed_course_moves_to_completed_courses() {
    let app = TestApp::with_demo().await;
    let (slug, lesson) = one_lesson_course(&app, "Cours éclair", "cours-eclair").await;
    let b = learner(&app, "eclair@example.cd").await;
    enrol(&b, &slug).await;
    let (_, html) = b.page("/dashboard").await;
    assert_eq!(count(&html, "[data-testid=resume-link-cours-eclair]"), 1);
    b.post_form(&format!("/courses/{slug}/lessons/{lesson}/complete"), &[])
        .await;
    let (_, html) = b.page("/dashboard").await;
    assert_eq!(count(&html, "[data-testid=resume-link-cours-eclair]"), 0);
    let done = text_of(&html, "[data-testid=completed-courses]").expect("completed");
    assert!(done.contains("Cours éclair"), "{done}");
}

#[tokio::test]
async fn a_trainer_sees_their_courses_with_enrolment_and_completion_figures() {
    let app = TestApp::with_demo().await;
    let (slug, lesson) = one_lesson_course(&app, "Cours compté", "cours-compte").await;
    let a = learner(&app, "a@example.cd").await;
    let b = learner(&app, "b@example.cd").await;
    enrol(&a, &slug).await;
    enrol(&b, &slug).await;
    a.post_form(&format!("/courses/{slug}/lessons/{lesson}/complete"), &[])
        .await;

    let t = demo(&app, "formateur").await;
    let (_, html) = t.page("/dashboard").await;
    let sel = Selector::parse("[data-testid=trainer-course]").expect("selector");
    let cards: Vec<String> = html
        .select(&sel)
        .map(|e| e.text().collect::<Vec<_>>().join(" "))
        .collect();
    assert!(cards.len() >= 13, "{} courses", cards.len());
    let card = cards
        .iter()
        .find(|c| c.contains("Cours compté"))
        .expect("the new course");
    assert!(
        card.contains("2 inscrits") && card.contains("1 l'a terminé"),
        "{card}"
    );
    assert!(card.contains("Publié"));
    let id = scalar(&app, "SELECT id FROM courses WHERE slug = $1", &slug).await;
    let links = attrs(&html, "[data-testid=trainer-course] a", "href");
    assert!(links.contains(&format!("/teach/courses/{id}/edit")));
    assert!(links.contains(&format!("/teach/courses/{id}/learners")));

    let (_, learner_html) = a.page("/dashboard").await;
    assert_eq!(count(&learner_html, "[data-testid=trainer-courses]"), 0);
}

#[tokio::test]
async fn recommendations_follow_co_enrolment_and_exclude_taken_courses() {
    let app = TestApp::with_demo().await;
    for i in 0..3 {
        let b = learner(&app, &format!("co{i}@example.cd")).await;
        enrol(&b, "design-graphique-canva").await;
        enrol(&b, "word-powerpoint-bureau").await;
    }
    let newcomer = learner(&app, "nouveau@example.cd").await;
    enrol(&newcomer, "design-graphique-canva").await;
    let (_, html) = newcomer.page("/dashboard").await;
    let slugs = attrs(&html, "[data-testid=recommendation]", "data-slug");
    assert!(!slugs.is_empty() && slugs.len() <= 3, "{slugs:?}");
    assert_eq!(slugs[0], "word-powerpoint-bureau");
    assert!(!slugs.contains(&"design-graphique-canva".to_owned()));
    let reason = text_of(&html, "[data-testid=recommendation-reason]").expect("reason");
    assert_eq!(
        reason,
        "Les apprenants de « Design graphique avec Canva » ont aussi suivi ce cours"
    );

    // Once taken, it is no longer recommended.
    enrol(&newcomer, "word-powerpoint-bureau").await;
    let (_, html) = newcomer.page("/dashboard").await;
    let slugs = attrs(&html, "[data-testid=recommendation]", "data-slug");
    assert!(
        !slugs.contains(&"word-powerpoint-bureau".to_owned()),
        "{slugs:?}"
    );
    assert!(
        !slugs.contains(&"design-graphique-canva".to_owned()),
        "{slugs:?}"
    );
}

#[tokio::test]
async fn a_new_learner_is_recommended_popular_courses() {
    let app = TestApp::with_demo().await;
    for i in 0..2 {
        let b = learner(&app, &format!("pop{i}@example.cd")).await;
        enrol(&b, "site-web-html-css").await;
    }
    let newcomer = learner(&app, "vierge@example.cd").await;
    let (_, html) = newcomer.page("/dashboard").await;
    let slugs = attrs(&html, "[data-testid=recommendation]", "data-slug");
    assert_eq!(slugs.len(), 3);
    assert_eq!(slugs[0], "site-web-html-css");
    assert_eq!(
        text_of(&html, "[data-testid=recommendation-reason]").as_deref(),
        Some("Populaire en ce moment")
    );
}

#[tokio::test]
async fn the_course_page_recommends_other_courses_but_not_itself() {
    let app = TestApp::with_demo().await;
    let b = learner(&app, "page@example.cd").await;
    enrol(&b, "design-graphique-canva").await;
    let (status, html) = b.page("/courses/bases-de-python").await;
    assert_eq!(status, 200);
    let slugs = attrs(&html, "[data-testid=recommendation]", "data-slug");
    assert!(!slugs.is_empty() && slugs.len() <= 3, "{slugs:?}");
    assert!(!slugs.contains(&"bases-de-python".to_owned()));
    assert!(!slugs.contains(&"design-graphique-canva".to_owned()));

    // Visitors see no recommendation block.
    let (_, html) = app.new_browser().page("/courses/bases-de-python").await;
    assert_eq!(count(&html, "[data-testid=recommendations]"), 0);
}

/// 10,000 learners, 1,000 courses, ~50,000 enrolments; prints how long `for_user` takes.
/// Run with `cargo test --test it recommendations_scale -- --ignored --nocapture`.
#[tokio::test]
#[ignore = "benchmark: seeds a large data set"]
async fn recommendations_scale_to_ten_thousand_learners() {
    const USERS: usize = 10_000;
    const COURSES: usize = 1_000;
    const PER_USER: usize = 5;
    let app = TestApp::spawn().await;
    let pool = &app.state.db.pool;
    let exec = |sql: String| async move {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(pool)
            .await
            .expect("seed");
    };
    let started = Instant::now();
    let now = "2026-11-20T00:00:00Z";
    for chunk in (0..USERS).collect::<Vec<_>>().chunks(1000) {
        let rows: Vec<String> = chunk
            .iter()
            .map(|i| format!("('u{i}', 'bench{i}@example.cd', 'x', 'learner', 1, 'fr', '{now}')"))
            .collect();
        exec(format!(
            "INSERT INTO users (name, email, password_hash, roles, email_verified, locale, created_at) VALUES {}",
            rows.join(", ")
        ))
        .await;
    }
    let user_ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM users ORDER BY id")
        .fetch_all(pool)
        .await
        .expect("users");
    let cats: Vec<String> = (0..20)
        .map(|i| format!("('bench-cat-{i}', 'Catégorie {i}', {i})"))
        .collect();
    exec(format!(
        "INSERT INTO categories (slug, name, position) VALUES {}",
        cats.join(", ")
    ))
    .await;
    let cat_ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM categories ORDER BY id")
        .fetch_all(pool)
        .await
        .expect("categories");
    let rows: Vec<String> = (0..COURSES)
        .map(|i| {
            format!(
                "('Cours {i}', 'cours-{i}', 'Résumé', 'Texte', {}, {}, 'beginner', 60, 0, 'USD', {}, '{now}', '{now}')",
                cat_ids[i % cat_ids.len()],
                user_ids[i % 50],
                i32::from(i % 10 != 0)
            )
        })
        .collect();
    for chunk in rows.chunks(500) {
        exec(format!(
            "INSERT INTO courses (title, slug, summary, description, category_id, trainer_id, level, \
             duration_minutes, price_minor, currency, published, created_at, updated_at) VALUES {}",
            chunk.join(", ")
        ))
        .await;
    }
    let course_ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM courses ORDER BY id")
        .fetch_all(pool)
        .await
        .expect("courses");
    // Skewed choices (some courses far more popular), distinct per learner.
    let mut seed: u64 = 42;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) as usize
    };
    let mut rows = Vec::with_capacity(USERS * PER_USER);
    for (u, user) in user_ids.iter().enumerate() {
        let mut picked: Vec<usize> = Vec::new();
        while picked.len() < PER_USER {
            let a = next() % COURSES;
            let b = next() % COURSES;
            let c = a.min(b) * (u % 3 + 1) % COURSES;
            if !picked.contains(&c) {
                picked.push(c);
            }
        }
        for (k, c) in picked.into_iter().enumerate() {
            let completed = if k == 0 {
                format!("'{now}'")
            } else {
                "NULL".into()
            };
            rows.push(format!(
                "({user}, {}, 'free', '{now}', {completed})",
                course_ids[c]
            ));
        }
    }
    for chunk in rows.chunks(1000) {
        exec(format!(
            "INSERT INTO enrolments (user_id, course_id, source, created_at, completed_at) VALUES {}",
            chunk.join(", ")
        ))
        .await;
    }
    println!(
        "seeded {} users, {} courses, {} enrolments in {:?}",
        user_ids.len(),
        course_ids.len(),
        rows.len(),
        started.elapsed()
    );

    let samples = 200;
    let mut times = Vec::with_capacity(samples);
    for i in 0..samples {
        let user = user_ids[(i * 47) % user_ids.len()];
        let t = Instant::now();
        let recs = techlearnjess::recommendations::for_user(&app.state, user, 3)
            .await
            .expect("recommendations");
        times.push(t.elapsed());
        assert_eq!(recs.len(), 3);
    }
    // A brand-new learner (fallback path).
    let t = Instant::now();
    let fresh = techlearnjess::recommendations::for_user(&app.state, -1, 3)
        .await
        .expect("fallback");
    let fallback = t.elapsed();
    assert_eq!(fresh.len(), 3);
    times.sort();
    let total: std::time::Duration = times.iter().sum();
    println!(
        "for_user over {samples} learners: mean {:?}, median {:?}, p95 {:?}, max {:?}; new learner {:?}",
        total / samples as u32,
        times[samples / 2],
        times[samples * 95 / 100],
        times[samples - 1],
        fallback
    );
}

#[tokio::test]
async fn the_dashboard_shows_the_latest_notifications_and_unread_conversations() {
    use techlearnjess::notifications::{Kind, Notice, notify};
    let app = TestApp::with_demo().await;
    app.login("apprenant@techlearnjess.cd", "Demo-2026-tlj")
        .await;
    let learner = app.user_id("apprenant@techlearnjess.cd").await;
    let notice = Notice {
        kind: Kind::CoursePublished,
        subject: "Excel avancé",
        link: "/courses/excel",
    };
    notify(&app.state, learner, notice).await.unwrap();
    let moderator = app.new_browser();
    moderator
        .login("moderateur@techlearnjess.cd", "Demo-2026-tlj")
        .await;
    let r = moderator
        .post_form("/chat/direct", &[("user_id", &learner.to_string())])
        .await;
    let room = location(&r);
    moderator
        .post_form(&format!("{room}/messages"), &[("body", "Bonjour Patrick")])
        .await;
    let (_, html) = app.page("/dashboard").await;
    let text = text_of(&html, "[data-testid=dashboard-notifications]").expect("notifications");
    assert!(
        text.contains("Nouveau cours publié : « Excel avancé »"),
        "{text}"
    );
    let text = text_of(&html, "[data-testid=dashboard-conversations]").expect("conversations");
    assert!(
        text.contains("Nadia Lukusa") && text.contains('1'),
        "{text}"
    );
}

#[tokio::test]
async fn recent_discussions_list_the_latest_topics_of_the_learners_forums_and_unread_conversations()
{
    let app = TestApp::with_demo().await;
    let lea = learner(&app, "lea@exemple.cd").await;
    let other = learner(&app, "omer@exemple.cd").await;
    let lea_id = app.user_id("lea@exemple.cd").await;
    enrol(&lea, "bases-de-python").await;
    enrol(&other, "bases-de-python").await;
    enrol(&other, "site-web-html-css").await;
    for (who, forum, title) in [
        (
            &lea,
            "/forum/courses/bases-de-python",
            "Question sur les boucles",
        ),
        (
            &other,
            "/forum/courses/site-web-html-css",
            "Sujet hors de mes cours",
        ),
        (&other, "/forum/c/entraide", "Annonce publique récente"),
    ] {
        let r = who
            .post_form(forum, &[("title", title), ("body", "Bonjour à tous")])
            .await;
        assert_eq!(r.status(), 303, "{title}");
    }
    let r = other
        .post_form("/chat/direct", &[("user_id", &lea_id.to_string())])
        .await;
    let room = location(&r);
    other
        .post_form(
            &format!("{room}/messages"),
            &[("body", "Salut Léa, tu as fini le chapitre 2 ?")],
        )
        .await;

    let (status, html) = lea.page("/dashboard").await;
    assert_eq!(status, 200);
    let topics: Vec<String> = html
        .select(&scraper::Selector::parse("[data-testid=dashboard-topic]").unwrap())
        .map(|e| e.text().collect::<String>())
        .collect();
    assert!(
        topics[0].contains("Annonce publique récente"),
        "newest first: {topics:?}"
    );
    assert!(
        topics
            .iter()
            .any(|t| t.contains("Question sur les boucles") && t.contains("Les bases de Python")),
        "a topic of the learner's course forum, with where it is: {topics:?}"
    );
    assert!(
        !topics.iter().any(|t| t.contains("Sujet hors de mes cours")),
        "not the forum of a course the learner does not take: {topics:?}"
    );
    assert!(topics.iter().all(|t| t.contains("réponse")), "{topics:?}");
    let conversation =
        text_of(&html, "[data-testid=dashboard-conversation]").expect("an unread conversation");
    assert!(
        conversation.contains("omer") && conversation.contains("tu as fini le chapitre 2"),
        "the newest message, not only a link: {conversation}"
    );
}

//! Offline learning: the service worker and its shell, the offline page, the manifest, and the
//! idempotent endpoints that actions queued offline are replayed against.

use scraper::{Html, Selector};

use crate::helpers::{TestApp, count, location, text_of};

const PASSWORD: &str = "Demo-2026-tlj";
const LEARNER: &str = "apprenant@techlearnjess.cd";

fn attr(html: &Html, selector: &str, name: &str) -> Option<String> {
    let sel = Selector::parse(selector).ok()?;
    html.select(&sel)
        .next()
        .and_then(|e| e.value().attr(name))
        .map(str::to_owned)
}

async fn enrolled_learner(app: &TestApp) {
    app.login(LEARNER, PASSWORD).await;
    let r = app.post_form("/courses/bases-de-python/enrol", &[]).await;
    assert_eq!(r.status(), 303, "enrolment in the free demo course");
}

async fn scalar(app: &TestApp, sql: &'static str, id: i64) -> i64 {
    sqlx::query_scalar(sql)
        .bind(id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
}

/// The demo Python quiz and a form choosing the first option of every question (some right,
/// some wrong).
async fn first_choices(app: &TestApp) -> (i64, Vec<(String, String)>) {
    let pool = &app.state.db.pool;
    let quiz_id: i64 = sqlx::query_scalar(
        "SELECT q.id FROM quizzes q JOIN courses c ON c.id = q.course_id WHERE c.slug = 'bases-de-python'",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    let choices: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT q.id, MIN(o.id) FROM quiz_questions q JOIN quiz_options o ON o.question_id = q.id \
         WHERE q.quiz_id = $1 GROUP BY q.id",
    )
    .bind(quiz_id)
    .fetch_all(pool)
    .await
    .unwrap();
    let form = choices
        .iter()
        .map(|(q, o)| (format!("q{q}"), o.to_string()))
        .collect();
    (quiz_id, form)
}

#[tokio::test]
async fn the_service_worker_is_served_at_the_root_with_the_current_shell() {
    let app = TestApp::spawn().await;
    let r = app.get("/sw.js").await;
    assert_eq!(r.status(), 200);
    let header = |name: &str| {
        r.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert!(header("content-type").starts_with("application/javascript"));
    assert_eq!(header("cache-control"), "no-cache");
    assert_eq!(header("service-worker-allowed"), "/");
    let etag = header("etag");
    let source = r.text().await.unwrap();
    assert!(source.starts_with("var VERSION = '"), "{}", &source[..80]);
    assert!(source.contains("addEventListener('fetch'"));

    // Every file the pages load, under the hashed URL the pages use, is precached.
    let (_, home) = app.page("/").await;
    let css = attr(&home, "link[rel=stylesheet]", "href").unwrap();
    assert!(css.starts_with("/static/app.") && css.len() > "/static/app.css".len());
    let scripts: Vec<String> = home
        .select(&Selector::parse("script[src]").unwrap())
        .filter_map(|e| e.value().attr("src").map(str::to_owned))
        .collect();
    assert!(scripts.len() >= 4);
    let shell_line = source.lines().nth(1).unwrap();
    assert!(shell_line.starts_with("var SHELL = ["));
    for url in scripts.iter().chain([&css]) {
        assert!(
            shell_line.contains(&format!("\"{url}\"")),
            "{url} not in {shell_line}"
        );
        assert_eq!(app.get(url).await.status(), 200);
    }
    assert!(shell_line.contains("\"/offline\""));
    // The worker keeps hashed files as pages load them (cache as you go): its pattern for a
    // hashed name matches the names the server gives (ten hex digits before the extension).
    assert!(source.contains(r"var HASHED = /^\/static\/.+\.[0-9a-f]{10}(\.[a-z0-9]+)?$/;"));
    for url in scripts.iter().chain([&css]) {
        let stem = url.rsplit_once('.').map_or(url.as_str(), |(stem, _)| stem);
        let hash = stem.rsplit_once('.').map(|(_, h)| h).unwrap_or_default();
        assert!(
            hash.len() == 10 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
            "{url}: the worker would not recognise it as hashed"
        );
    }
    // Its install copies from the HTTP cache what the page just loaded (nothing on the wire).
    assert!(source.contains("cache: 'only-if-cached'"));
    // Same assets, same version: a browser installs a new worker only when something changed.
    let again = app.get("/sw.js").await.text().await.unwrap();
    assert_eq!(again, source);
    // The browser's update check on each visit costs a 304, not the file again.
    let check = reqwest::Client::new()
        .get(app.browser.url("/sw.js"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(check.status(), 304);
    assert!(check.bytes().await.unwrap().is_empty());
}

#[tokio::test]
async fn the_offline_page_and_the_manifest_are_in_french() {
    let app = TestApp::spawn().await;
    let (status, page) = app.page("/offline").await;
    assert_eq!(status, 200);
    assert_eq!(count(&page, "[data-testid=offline-page]"), 1);
    assert_eq!(
        text_of(&page, "h1").as_deref(),
        Some("Vous êtes hors connexion")
    );
    // Every page has the banner (hidden until the browser goes offline) and the manifest.
    assert_eq!(count(&page, "#offline-banner.hidden"), 1);
    let manifest_url = attr(&page, "link[rel=manifest]", "href").unwrap();
    let r = app.get(&manifest_url).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers().get("content-type").unwrap(),
        "application/manifest+json"
    );
    let manifest: serde_json::Value = r.json().await.unwrap();
    assert_eq!(manifest["name"], "TechLearnJess");
    assert_eq!(manifest["lang"], "fr");
    assert_eq!(manifest["start_url"], "/");
    let icon = manifest["icons"][0]["src"].as_str().unwrap();
    assert_eq!(app.get(icon).await.status(), 200);
}

#[tokio::test]
async fn a_lesson_marked_done_twice_counts_once() {
    let app = TestApp::with_demo().await;
    enrolled_learner(&app).await;
    let learner = app.user_id(LEARNER).await;
    let lesson: i64 = sqlx::query_scalar(
        "SELECT l.id FROM lessons l JOIN courses c ON c.id = l.course_id \
         WHERE c.slug = 'bases-de-python' ORDER BY l.id LIMIT 1",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    let path = format!("/courses/bases-de-python/lessons/{lesson}");
    // The page marks itself for offline reading (app.js fills the marker).
    let (_, page) = app.page(&path).await;
    assert_eq!(
        attr(&page, "[data-testid=offline-ready]", "data-path").as_deref(),
        Some(path.as_str())
    );
    for _ in 0..2 {
        let r = app.post_form(&format!("{path}/complete"), &[]).await;
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), path);
    }
    // Replayed the way app.js does (htmx fragment): still one row.
    let token = app.csrf().await;
    let r = app
        .client
        .post(app.url(&format!("{path}/complete")))
        .header("hx-request", "true")
        .header("x-csrf-token", &token)
        .form(&[("_csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM lesson_progress WHERE user_id = $1",
            learner
        )
        .await,
        1
    );
}

#[tokio::test]
async fn a_quiz_submission_replayed_with_its_key_makes_one_attempt() {
    let app = TestApp::with_demo().await;
    enrolled_learner(&app).await;
    let learner = app.user_id(LEARNER).await;
    let pool = &app.state.db.pool;
    let (quiz_id, mut form) = first_choices(&app).await;
    form.push((
        "client_key".into(),
        "3f2a9c1e-7b4d-4e8a-9c2b-0d1e2f3a4b5c".into(),
    ));
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let path = format!("/courses/bases-de-python/quizzes/{quiz_id}");
    let attempts = "SELECT COUNT(*) FROM quiz_attempts WHERE user_id = $1";

    let first = app.post_form(&path, &fields).await;
    assert_eq!(first.status(), 200);
    let first = Html::parse_document(&first.text().await.unwrap());
    let score = text_of(&first, "[data-testid=quiz-score]").unwrap();
    let verdict = text_of(&first, "[data-testid=quiz-verdict]").unwrap();
    assert_eq!(scalar(&app, attempts, learner).await, 1);

    // The same submission again (queued offline, replayed): same result, no new attempt.
    let again = app.post_form(&path, &fields).await;
    assert_eq!(again.status(), 200);
    let again = Html::parse_document(&again.text().await.unwrap());
    assert_eq!(text_of(&again, "[data-testid=quiz-score]").unwrap(), score);
    assert_eq!(
        text_of(&again, "[data-testid=quiz-verdict]").unwrap(),
        verdict
    );
    assert_eq!(scalar(&app, attempts, learner).await, 1);

    // Another key is another attempt; no key (a form without JavaScript) too.
    let mut other = fields.clone();
    other.pop();
    let r = app.post_form(&path, &other).await;
    assert_eq!(r.status(), 200);
    other.push(("client_key", "second-attempt-0001"));
    assert_eq!(app.post_form(&path, &other).await.status(), 200);
    assert_eq!(scalar(&app, attempts, learner).await, 3);

    // Out of attempts: a replay still shows its result, a new submission is refused.
    sqlx::query("UPDATE quizzes SET max_attempts = 3 WHERE id = $1")
        .bind(quiz_id)
        .execute(pool)
        .await
        .unwrap();
    let replay = app.post_form(&path, &fields).await;
    assert_eq!(replay.status(), 200);
    let replay = Html::parse_document(&replay.text().await.unwrap());
    assert_eq!(text_of(&replay, "[data-testid=quiz-score]").unwrap(), score);
    other.pop();
    other.push(("client_key", "third-attempt-0001"));
    assert_eq!(app.post_form(&path, &other).await.status(), 400);
    assert_eq!(scalar(&app, attempts, learner).await, 3);

    // A malformed key is a clear 400, not a 500.
    other.pop();
    other.push(("client_key", "x<y>"));
    let bad = app.post_form(&path, &other).await;
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.unwrap().contains("envoi invalide"));
}

#[tokio::test]
async fn a_course_pack_lists_every_page_and_resource_for_an_enrolled_learner_only() {
    let app = TestApp::with_demo().await;
    let r = app.get("/courses/bases-de-python/offline").await;
    assert_eq!(r.status(), 303, "a visitor logs in first");
    assert!(location(&r).starts_with("/login"), "{}", location(&r));

    app.login(LEARNER, PASSWORD).await;
    let r = app.get("/courses/bases-de-python/offline").await;
    assert_eq!(r.status(), 303, "not enrolled yet");
    assert_eq!(location(&r), "/courses/bases-de-python");

    let r = app.post_form("/courses/bases-de-python/enrol", &[]).await;
    assert_eq!(r.status(), 303);
    let (status, course) = app.page("/courses/bases-de-python").await;
    assert_eq!(status, 200);
    assert_eq!(
        attr(&course, "[data-testid=pack-link]", "href").as_deref(),
        Some("/courses/bases-de-python/offline")
    );
    let (status, html) = app.page("/courses/bases-de-python/offline").await;
    assert_eq!(status, 200);
    let course_id: i64 =
        sqlx::query_scalar("SELECT id FROM courses WHERE slug = 'bases-de-python'")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    let lessons = scalar(
        &app,
        "SELECT COUNT(*) FROM lessons WHERE course_id = $1",
        course_id,
    )
    .await;
    let quizzes = scalar(
        &app,
        "SELECT COUNT(*) FROM quizzes WHERE course_id = $1",
        course_id,
    )
    .await;
    let resources = scalar(
        &app,
        "SELECT COUNT(*) FROM resources WHERE course_id = $1",
        course_id,
    )
    .await;
    assert!(lessons > 0);
    let pages = count(&html, "[data-testid=pack-pages] [data-pack-item]");
    assert_eq!(
        pages as i64,
        1 + lessons + quizzes,
        "the course, its lessons and quizzes"
    );
    assert_eq!(
        count(
            &html,
            "[data-pack-item][data-path^='/courses/bases-de-python/lessons/']"
        ) as i64,
        lessons
    );
    assert_eq!(count(&html, "input[data-pack-item]") as i64, resources);
    let sizes: Vec<i64> = {
        let sel = Selector::parse("[data-pack-item]").unwrap();
        html.select(&sel)
            .map(|e| e.value().attr("data-bytes").unwrap().parse().unwrap())
            .collect()
    };
    assert!(
        sizes.iter().all(|b| *b > 0),
        "every item says what it weighs"
    );
    assert!(
        text_of(&html, "[data-testid=pack-pages-size]")
            .unwrap()
            .contains("Ko")
    );
    let (status, kept) = app.page("/offline/courses").await;
    assert_eq!(status, 200);
    assert_eq!(count(&kept, "[data-testid=kept-list]"), 1);
}

#[tokio::test]
async fn a_quiz_answered_offline_is_graded_on_return_and_told_once_in_the_notifications() {
    let app = TestApp::with_demo().await;
    enrolled_learner(&app).await;
    let learner = app.user_id(LEARNER).await;
    let pool = &app.state.db.pool;
    let (quiz_id, answers) = first_choices(&app).await;
    let path = format!("/courses/bases-de-python/quizzes/{quiz_id}");
    let notices = "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = 'quiz_graded'";
    let send = |extra: &'static [(&'static str, &'static str)]| {
        let mut fields: Vec<(&str, &str)> = answers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        fields.extend_from_slice(extra);
        let app = &app;
        let path = path.clone();
        async move { app.post_form(&path, &fields).await.status() }
    };
    // Answered online: the result is on the page, no notice.
    assert_eq!(send(&[("client_key", "online-attempt-0001")]).await, 200);
    assert_eq!(scalar(&app, notices, learner).await, 0);
    // Queued offline and sent on return (twice, as a flaky connection would): one notice.
    let queued: &[(&str, &str)] = &[("client_key", "offline-attempt-0001"), ("offline", "1")];
    assert_eq!(send(queued).await, 200);
    assert_eq!(send(queued).await, 200);
    assert_eq!(scalar(&app, notices, learner).await, 1);
    let link: String = sqlx::query_scalar(
        "SELECT link FROM notifications WHERE user_id = $1 AND kind = 'quiz_graded'",
    )
    .bind(learner)
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(link, path);
}

/// Lesson pages of the demo Python course, in order.
async fn lesson_ids(app: &TestApp) -> Vec<i64> {
    sqlx::query_scalar(
        "SELECT l.id FROM lessons l JOIN courses c ON c.id = l.course_id \
         WHERE c.slug = 'bases-de-python' ORDER BY l.position, l.id",
    )
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap()
}

/// The items of the course's pack as the service worker reads them: (path, kind).
async fn pack_items(app: &TestApp) -> Vec<(String, String)> {
    let r = app.get("/courses/bases-de-python/offline/items").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "private, no-store");
    let list: serde_json::Value = r.json().await.unwrap();
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            assert!(i["b"].as_i64().unwrap() > 0, "{i}");
            (
                i["p"].as_str().unwrap().to_owned(),
                i["k"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_kept_course_is_refreshed_with_only_what_the_trainer_changed() {
    let app = TestApp::with_demo().await;
    app.login(LEARNER, PASSWORD).await;
    let r = app.get("/courses/bases-de-python/offline/items").await;
    assert_eq!(r.status(), 403, "not enrolled: the list is refused");
    let r = app.post_form("/courses/bases-de-python/enrol", &[]).await;
    assert_eq!(r.status(), 303);

    let items = pack_items(&app).await;
    let lessons = lesson_ids(&app).await;
    let kinds = |k: &str| items.iter().filter(|(_, kind)| kind == k).count();
    assert_eq!(kinds("course"), 1);
    assert_eq!(kinds("lesson"), lessons.len());
    assert!(kinds("quiz") >= 1 && kinds("resource") >= 1, "{items:?}");

    // Every page is tagged by its bytes: asked again with that tag, an unchanged one is a 304
    // without a body, so a refresh of a kept course costs headers only.
    let revalidate = |path: String, etag: String| {
        let url = app.browser.url(&path);
        let client = &app.browser.client;
        async move {
            client
                .get(url)
                .header("if-none-match", etag)
                .send()
                .await
                .expect("GET")
        }
    };
    let first = format!("/courses/bases-de-python/lessons/{}", lessons[0]);
    let second = format!("/courses/bases-de-python/lessons/{}", lessons[1]);
    let mut tags = Vec::new();
    for path in [&first, &second] {
        let r = app.get(path).await;
        assert_eq!(r.status(), 200);
        let etag = r.headers()["etag"].to_str().unwrap().to_owned();
        assert!(etag.starts_with("W/\""), "{etag}");
        let r = revalidate(path.clone(), etag.clone()).await;
        assert_eq!(r.status(), 304, "{path} unchanged");
        assert!(r.bytes().await.unwrap().is_empty());
        tags.push(etag);
    }
    let resource = items
        .iter()
        .find(|(_, k)| k == "resource")
        .unwrap()
        .0
        .clone();
    let r = app.get(&resource).await;
    assert_eq!(r.status(), 200);
    let file_tag = r.headers()["etag"].to_str().unwrap().to_owned();
    let r = revalidate(resource.clone(), file_tag).await;
    assert_eq!(r.status(), 304, "an unchanged resource is not sent again");

    // The trainer rewrites the second lesson: only its page changes.
    sqlx::query("UPDATE lessons SET body = body || $1 WHERE id = $2")
        .bind("\n\nUn paragraphe ajouté par le formateur.")
        .bind(lessons[1])
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let r = revalidate(first.clone(), tags[0].clone()).await;
    assert_eq!(r.status(), 304, "the first lesson did not change");
    let r = revalidate(second.clone(), tags[1].clone()).await;
    assert_eq!(r.status(), 200, "the rewritten lesson is sent again");
    assert_ne!(r.headers()["etag"].to_str().unwrap(), tags[1]);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Un paragraphe ajouté par le formateur.")
    );

    // A lesson removed by the trainer leaves the list, so the kept copy drops it.
    sqlx::query("DELETE FROM lessons WHERE id = $1")
        .bind(lessons[1])
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let after = pack_items(&app).await;
    assert_eq!(after.len(), items.len() - 1);
    assert!(!after.iter().any(|(p, _)| *p == second));
}

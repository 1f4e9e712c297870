//! Catalogue, course page, enrolment, lessons, resources, access rules, progress.

use scraper::{Html, Selector};
use techlearnjess::auth::model::{Role, Roles};
use techlearnjess::auth::{password, queries as users};
use techlearnjess::courses::queries::{self as courses, NewCourse};
use techlearnjess::storage::Bucket;

use crate::helpers::{Browser, TestApp, count, location, text_of};

const PASSWORD: &str = "Cours-2026-tlj";

/// A course created by [`Fixture::course`]: lessons in course order.
struct CourseFx {
    id: i64,
    slug: String,
    /// Course order: intro (free preview, YouTube), intro 2 (Vimeo), basics (other URL).
    lessons: Vec<i64>,
    resource: i64,
    quiz: i64,
}

struct Fixture<'a> {
    app: &'a TestApp,
    hash: String,
}

impl<'a> Fixture<'a> {
    async fn new(app: &'a TestApp) -> Self {
        let hash = password::hash(PASSWORD.to_owned()).await.expect("hash");
        Self { app, hash }
    }

    fn db(&self) -> &sqlx::AnyPool {
        &self.app.state.db.pool
    }

    /// A verified account with `roles`; returns its id.
    async fn user(&self, email: &str, roles: &[Role]) -> i64 {
        users::create_user(
            &self.app.state.db,
            users::NewUser {
                name: email.split('@').next().unwrap_or("x"),
                email,
                password_hash: &self.hash,
                roles: &Roles::of(roles),
                verified: true,
                locale: "fr",
            },
        )
        .await
        .expect("insert user")
        .expect("new e-mail")
    }

    /// A browser logged in as a new account with `roles`.
    async fn browser(&self, email: &str, roles: &[Role]) -> (i64, Browser) {
        let id = self.user(email, roles).await;
        let browser = self.app.new_browser();
        browser.login(email, PASSWORD).await;
        (id, browser)
    }

    async fn category(&self, slug: &str, name: &str) -> i64 {
        courses::upsert_category(&self.app.state.db, slug, name, 0)
            .await
            .expect("category")
    }

    /// A bare course (no content) in category `category_id`.
    async fn bare_course(
        &self,
        slug: &str,
        title: &str,
        category_id: i64,
        trainer_id: i64,
        price_minor: i64,
        published: bool,
    ) -> i64 {
        courses::create_course(
            &self.app.state.db,
            NewCourse {
                title,
                slug,
                summary: &format!("Résumé de {title}"),
                description: "## À propos\n\nUn **bon** cours.<script>alert(1)</script>",
                category_id,
                trainer_id,
                level: "beginner",
                duration_minutes: 90,
                price_minor,
                currency: "USD",
                published,
            },
        )
        .await
        .expect("course")
    }

    /// A course with two sections (inserted out of order), three lessons, a resource, a quiz.
    async fn course(
        &self,
        slug: &str,
        trainer_id: i64,
        price_minor: i64,
        published: bool,
    ) -> CourseFx {
        let cat = self.category("programmation", "Programmation").await;
        let id = self
            .bare_course(
                slug,
                &format!("Cours {slug}"),
                cat,
                trainer_id,
                price_minor,
                published,
            )
            .await;
        let now = "2026-01-01T00:00:00Z";
        let section = |title: &'static str, position: i64| async move {
            sqlx::query_scalar::<_, i64>(
                "INSERT INTO course_sections (course_id, title, position, created_at) \
                 VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(id)
            .bind(title)
            .bind(position)
            .bind(now)
            .fetch_one(self.db())
            .await
            .expect("section")
        };
        let basics = section("Les bases", 2).await;
        let intro = section("Introduction", 1).await;
        let lesson = |section_id: i64,
                      title: &'static str,
                      video: &'static str,
                      position: i64,
                      preview: i32| async move {
            sqlx::query_scalar::<_, i64>(
                "INSERT INTO lessons (course_id, section_id, title, body, video_url, \
                 duration_minutes, position, free_preview, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, 10, $6, $7, $8, $8) RETURNING id",
            )
            .bind(id)
            .bind(section_id)
            .bind(title)
            .bind(format!(
                "# {title}\n\nTexte de la leçon.\n\n<script>alert('x')</script><img src=x onerror=alert(1)>"
            ))
            .bind(video)
            .bind(position)
            .bind(preview)
            .bind(now)
            .fetch_one(self.db())
            .await
            .expect("lesson")
        };
        let l3 = lesson(basics, "Variables", "https://example.cd/video.mp4", 1, 0).await;
        let l2 = lesson(intro, "Installer", "https://vimeo.com/76979871", 2, 0).await;
        let l1 = lesson(
            intro,
            "Bienvenue",
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            1,
            1,
        )
        .await;
        let stored = format!("{slug}-a1b2c3.pdf");
        let resource: i64 = sqlx::query_scalar(
            "INSERT INTO resources (course_id, title, original_name, stored_name, content_type, \
             size_bytes, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(id)
        .bind("Support de cours")
        .bind("Résumé du cours.pdf")
        .bind(&stored)
        .bind("application/pdf")
        .bind(9_i64)
        .bind(now)
        .fetch_one(self.db())
        .await
        .expect("resource");
        self.app
            .put_file(Bucket::Resources, &stored, b"%PDF-1.4\n")
            .await;
        let quiz: i64 = sqlx::query_scalar(
            "INSERT INTO quizzes (course_id, title, pass_percent, position, created_at) \
             VALUES ($1, $2, 70, 1, $3) RETURNING id",
        )
        .bind(id)
        .bind("Quiz final")
        .bind(now)
        .fetch_one(self.db())
        .await
        .expect("quiz");
        CourseFx {
            id,
            slug: slug.to_owned(),
            lessons: vec![l1, l2, l3],
            resource,
            quiz,
        }
    }

    async fn enrol(&self, user_id: i64, course_id: i64) {
        courses::enrol(&self.app.state.db, user_id, course_id, "free")
            .await
            .expect("enrol");
    }

    async fn pass_quiz(&self, user_id: i64, quiz_id: i64) {
        sqlx::query(
            "INSERT INTO quiz_attempts (quiz_id, user_id, score_percent, passed, answers, created_at) \
             VALUES ($1, $2, 100, 1, '{}', $3)",
        )
        .bind(quiz_id)
        .bind(user_id)
        .bind("2026-01-02T00:00:00Z")
        .execute(self.db())
        .await
        .expect("attempt");
    }

    async fn scalar(&self, sql: &'static str, id: i64) -> i64 {
        sqlx::query_scalar(sql)
            .bind(id)
            .fetch_one(self.db())
            .await
            .expect("scalar")
    }
}

async fn html_of(r: reqwest::Response) -> Html {
    Html::parse_document(&r.text().await.expect("body"))
}

fn texts(html: &Html, selector: &str) -> Vec<String> {
    let sel = Selector::parse(selector).expect("selector");
    html.select(&sel)
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .collect()
}

fn attr(html: &Html, selector: &str, name: &str) -> Option<String> {
    let sel = Selector::parse(selector).expect("selector");
    html.select(&sel)
        .next()
        .and_then(|e| e.value().attr(name).map(str::to_owned))
}

async fn htmx_get(browser: &Browser, path: &str) -> reqwest::Response {
    browser
        .client
        .get(browser.url(path))
        .header("HX-Request", "true")
        .send()
        .await
        .expect("GET")
}

async fn htmx_post(browser: &Browser, path: &str) -> reqwest::Response {
    let token = browser.csrf().await;
    browser
        .client
        .post(browser.url(path))
        .header("HX-Request", "true")
        .header("X-CSRF-Token", token)
        .send()
        .await
        .expect("POST")
}

#[tokio::test]
async fn the_catalogue_filters_by_category_price_and_text_and_paginates_by_twelve() {
    let app = TestApp::spawn().await;
    let fx = Fixture::new(&app).await;
    let trainer = fx.user("formateur@example.cd", &[Role::Trainer]).await;
    let prog = fx.category("programmation", "Programmation").await;
    let design = fx.category("design", "Design").await;
    for i in 0..13 {
        fx.bare_course(
            &format!("python-{i}"),
            &format!("Python niveau {i}"),
            prog,
            trainer,
            0,
            true,
        )
        .await;
    }
    fx.bare_course("figma", "Figma pour débutants", design, trainer, 1500, true)
        .await;
    fx.bare_course("excel", "Excel à 100% utile", design, trainer, 0, true)
        .await;
    fx.bare_course("brouillon", "Python secret", prog, trainer, 0, false)
        .await;

    let (status, html) = app.page("/courses").await;
    assert_eq!(status, 200);
    assert_eq!(count(&html, "[data-testid=course-card]"), 12);
    assert_eq!(
        count(&html, "input[data-testid=course-search][hx-get='/courses']"),
        1
    );
    assert_eq!(
        count(&html, "#course-results[data-testid=course-results]"),
        1
    );
    let chips = texts(&html, "[data-testid=category-chip]");
    assert_eq!(chips, ["Toutes", "Design", "Programmation"]);
    let (_, page2) = app.page("/courses?page=2").await;
    assert_eq!(count(&page2, "[data-testid=course-card]"), 3);
    assert_eq!(count(&page2, "[data-testid=page-prev]"), 1);
    // A page past the end is the last page, never "Page 999 sur 2".
    let (status, past) = app.page("/courses?page=999").await;
    assert_eq!(status, 200);
    assert_eq!(
        texts(&past, "[data-testid=course-card] h3"),
        texts(&page2, "[data-testid=course-card] h3")
    );
    assert_eq!(
        text_of(&past, "[data-testid=page-current] .sr-only").as_deref(),
        Some("Page 2 sur 2")
    );
    assert_eq!(
        attr(&past, "[data-testid=page-prev]", "href").as_deref(),
        Some("/courses")
    );
    assert_eq!(
        text_of(&past, "[data-testid=course-count]").as_deref(),
        Some("15 cours trouvés")
    );
    let all_titles = [
        texts(&html, "[data-testid=course-card] h3"),
        texts(&page2, "[data-testid=course-card] h3"),
    ]
    .concat();
    assert!(
        !all_titles.iter().any(|t| t == "Python secret"),
        "{all_titles:?}"
    );

    let (_, designs) = app.page("/courses?category=design").await;
    assert_eq!(count(&designs, "[data-testid=course-card]"), 2);
    let (_, paid) = app.page("/courses?price=paid").await;
    assert_eq!(
        texts(&paid, "[data-testid=course-card] h3"),
        ["Figma pour débutants"]
    );
    let prices = texts(&paid, "[data-testid=course-price]");
    assert_eq!(prices.len(), 1);
    assert!(prices[0].starts_with("15,00\u{a0}$US"), "{prices:?}");
    assert!(
        prices[0].contains("≈") && prices[0].ends_with("FC"),
        "{prices:?}"
    );
    let (_, free_design) = app.page("/courses?price=free&category=design").await;
    assert_eq!(
        texts(&free_design, "[data-testid=course-card] h3"),
        ["Excel à 100% utile"]
    );
    assert_eq!(
        texts(&free_design, "[data-testid=course-price]"),
        ["Gratuit"]
    );

    let (_, search) = app.page("/courses?q=NIVEAU%2012").await;
    assert_eq!(
        texts(&search, "[data-testid=course-card] h3"),
        ["Python niveau 12"]
    );
    let (_, by_summary) = app.page("/courses?q=r%C3%A9sum%C3%A9%20de%20figma").await;
    assert_eq!(count(&by_summary, "[data-testid=course-card]"), 1);
    let (_, percent) = app.page("/courses?q=100%25").await;
    assert_eq!(
        texts(&percent, "[data-testid=course-card] h3"),
        ["Excel à 100% utile"]
    );
    // Search matches words: a lone `%` is no word, and never a wildcard that finds everything.
    let (_, lone_percent) = app.page("/courses?q=%25").await;
    assert_eq!(count(&lone_percent, "[data-testid=course-card]"), 0);
    let (_, underscore) = app.page("/courses?q=_").await;
    assert_eq!(count(&underscore, "[data-testid=course-card]"), 0);
    assert!(
        underscore
            .html()
            .contains("Aucun cours ne correspond à votre recherche.")
    );
}

#[tokio::test]
async fn search_as_you_type_gets_only_the_results_fragment_and_boosted_navigation_the_page() {
    let app = TestApp::spawn().await;
    let fx = Fixture::new(&app).await;
    let trainer = fx.user("formateur@example.cd", &[Role::Trainer]).await;
    let cat = fx.category("programmation", "Programmation").await;
    fx.bare_course("python", "Les bases de Python", cat, trainer, 0, true)
        .await;
    fx.bare_course("rust", "Rust sans peur", cat, trainer, 0, true)
        .await;

    let r = htmx_get(&app, "/courses?q=python").await;
    assert_eq!(r.status(), 200);
    let vary = r
        .headers()
        .get_all("vary")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(", ")
        .to_ascii_lowercase();
    assert!(vary.contains("hx-request"), "{vary}");
    let body = r.text().await.expect("body");
    assert!(!body.contains("<html"), "a fragment, not a page");
    let fragment = Html::parse_fragment(&body);
    assert_eq!(
        texts(&fragment, "[data-testid=course-card] h3"),
        ["Les bases de Python"]
    );

    let boosted = app
        .client
        .get(app.url("/courses?q=python"))
        .header("HX-Request", "true")
        .header("HX-Boosted", "true")
        .send()
        .await
        .expect("GET");
    let body = boosted.text().await.expect("body");
    assert!(
        body.contains("<html"),
        "boosted navigation gets the whole page"
    );
}

#[tokio::test]
async fn a_learner_enrols_in_a_free_course_once_and_then_sees_progress_and_resume() {
    let app = TestApp::spawn().await;
    let fx = Fixture::new(&app).await;
    let trainer = fx.user("formateur@example.cd", &[Role::Trainer]).await;
    let course = fx.course("python", trainer, 0, true).await;
    let (learner, browser) = fx.browser("apprenant@example.cd", &[Role::Learner]).await;

    let (_, page) = browser.page("/courses/python").await;
    assert_eq!(
        count(
            &page,
            "form[action='/courses/python/enrol'] [data-testid=enrol-button]"
        ),
        1
    );
    assert_eq!(
        count(
            &page,
            "form[action='/courses/python/enrol'] input[name=_csrf]"
        ),
        1
    );
    assert_eq!(
        count(&page, "[data-testid=resource-link]"),
        0,
        "no downloads before enrolling"
    );

    let r = browser.post_form("/courses/python/enrol", &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/courses/python");
    let r = browser.post_form("/courses/python/enrol", &[]).await;
    assert_eq!(r.status(), 303);
    let enrolments = fx
        .scalar(
            "SELECT COUNT(*) FROM enrolments WHERE user_id = $1",
            learner,
        )
        .await;
    assert_eq!(enrolments, 1);
    let source: String = sqlx::query_scalar("SELECT source FROM enrolments WHERE user_id = $1")
        .bind(learner)
        .fetch_one(fx.db())
        .await
        .expect("source");
    assert_eq!(source, "free");

    let (_, page) = browser.page("/courses/python").await;
    assert_eq!(
        text_of(&page, "[data-testid=flash]").as_deref(),
        Some("Inscription réussie : bonne formation !")
    );
    assert_eq!(count(&page, "[data-testid=enrol-button]"), 0);
    assert_eq!(
        attr(&page, "[data-testid=progress-bar]", "value").as_deref(),
        Some("0")
    );
    assert_eq!(
        attr(&page, "[data-testid=resume-link]", "href"),
        Some(format!("/courses/python/lessons/{}", course.lessons[0]))
    );
    assert_eq!(count(&page, "[data-testid=resource-link]"), 1);
    assert!(page.html().contains("Résumé du cours.pdf · 1&nbsp;Ko"));
    assert_eq!(
        attr(&page, "[data-testid=quiz-link]", "href"),
        Some(format!("/courses/python/quizzes/{}", course.quiz))
    );
    // The description is sanitised Markdown.
    assert_eq!(count(&page, "[data-testid=course-description] h2"), 1);
    assert!(!page.html().contains("alert(1)"));
    // Sections in position order.
    assert_eq!(
        texts(&page, "[data-testid=course-section] h3"),
        ["1. Introduction", "2. Les bases"]
    );

    let (_, catalogue) = browser.page("/courses").await;
    assert_eq!(
        attr(
            &catalogue,
            "[data-testid=course-card] [data-testid=progress-bar]",
            "value"
        )
        .as_deref(),
        Some("0")
    );
}

#[tokio::test]
async fn a_visitor_who_wants_to_enrol_is_sent_to_log_in() {
    let app = TestApp::spawn().await;
    let fx = Fixture::new(&app).await;
    let trainer = fx.user("formateur@example.cd", &[Role::Trainer]).await;
    fx.course("python", trainer, 0, true).await;
    let (_, page) = app.page("/courses/python").await;
    assert_eq!(
        attr(&page, "[data-testid=enrol-button]", "href").as_deref(),
        Some("/login?next=/courses/python")
    );
    let r = app.post_form("/courses/python/enrol", &[]).await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/login?next="), "{}", location(&r));
}

#[tokio::test]
async fn enrolment_in_a_paid_course_is_refused_and_buying_leads_to_the_checkout() {
    let app = TestApp::spawn().await;
    let fx = Fixture::new(&app).await;
    let trainer = fx.user("formateur@example.cd", &[Role::Trainer]).await;
    let course = fx.course("design-pro", trainer, 2500, true).await;
    let (learner, browser) = fx.browser("apprenant@example.cd", &[Role::Learner]).await;

    let (_, page) = browser.page("/courses/design-pro").await;
    assert_eq!(count(&page, "[data-testid=enrol-button]"), 0);
    assert_eq!(
        attr(&page, "[data-testid=buy-button]", "href").as_deref(),
        Some("/courses/design-pro/buy")
    );
    assert_eq!(
        text_of(&page, "[data-testid=buy-button]").as_deref(),
        Some("Acheter — 25,00 $US")
    );

    let r = browser.post_form("/courses/design-pro/enrol", &[]).await;
    assert_eq!(r.status(), 403);
    let html = html_of(r).await;
    assert_eq!(
        text_of(&html, "[data-testid=error-message]").as_deref(),
        Some("Ce cours est payant : l'inscription se fait après le paiement.")
    );
    assert_eq!(
        fx.scalar(
            "SELECT COUNT(*) FROM enrolments WHERE user_id = $1",
            learner
        )
        .await,
        0
    );
    let r = browser
        .get(&format!(
            "/courses/design-pro/lessons/{}",
            course.lessons[1]
        ))
        .await;
    assert_eq!(r.status(), 403);

    // Buying leads to the mobile-money checkout (the payments tests cover the rest).
    let r = browser.get("/courses/design-pro/buy").await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/payments/checkout/design-pro");
    assert_eq!(
        fx.scalar(
            "SELECT COUNT(*) FROM enrolments WHERE user_id = $1",
            learner
        )
        .await,
        0
    );
}

#[tokio::test]
async fn lessons_and_resources_are_for_enrolled_learners_and_staff_only() {
    let app = TestApp::spawn().await;
    let fx = Fixture::new(&app).await;
    let trainer_a = fx.user("formateur-a@example.cd", &[Role::Trainer]).await;
    let (trainer_b, trainer_b_browser) =
        fx.browser("formateur-b@example.cd", &[Role::Trainer]).await;
    let a = fx.course("cours-a", trainer_a, 0, true).await;
    let b = fx.course("cours-b", trainer_b, 0, true).await;
    let (learner, learner_browser) = fx.browser("apprenant@example.cd", &[Role::Learner]).await;
    let (_, outsider) = fx.browser("curieux@example.cd", &[Role::Learner]).await;
    let (_, moderator) = fx
        .browser("moderateur@example.cd", &[Role::Moderator])
        .await;
    let (_, admin) = fx.browser("admin@example.cd", &[Role::Admin]).await;
    fx.enrol(learner, a.id).await;

    let lesson = |c: &CourseFx, i: usize| format!("/courses/{}/lessons/{}", c.slug, c.lessons[i]);
    let resource = |c: &CourseFx| format!("/courses/{}/resources/{}", c.slug, c.resource);

    // Visitors: the free preview only; otherwise the locked lesson page with the way back.
    let r = app.get(&lesson(&b, 1)).await;
    assert_eq!(r.status(), 403);
    let html = html_of(r).await;
    assert_eq!(count(&html, "[data-testid=locked-lesson]"), 1);
    assert_eq!(
        count(&html, "[data-testid=lesson-body]"),
        0,
        "no lesson text"
    );
    assert!(
        attr(&html, "[data-testid=locked-login]", "href")
            .is_some_and(|h| h.starts_with("/login?next=")),
    );
    let r = app.get(&resource(&b)).await;
    assert_eq!(r.status(), 303);
    let (status, preview) = app.page(&lesson(&b, 0)).await;
    assert_eq!(status, 200);
    assert_eq!(count(&preview, "[data-testid=lesson-body] h1"), 1);
    assert_eq!(count(&preview, "[data-testid=preview-notice]"), 1);
    assert_eq!(count(&preview, "[data-testid=lesson-complete]"), 0);
    assert!(!preview.html().contains("alert('x')") && !preview.html().contains("onerror"));

    // A learner enrolled in A: A yes, B no (its lessons, files, and through A's slug).
    assert_eq!(learner_browser.get(&lesson(&a, 1)).await.status(), 200);
    assert_eq!(learner_browser.get(&resource(&a)).await.status(), 200);
    assert_eq!(learner_browser.get(&lesson(&b, 1)).await.status(), 403);
    assert_eq!(learner_browser.get(&resource(&b)).await.status(), 403);
    assert_eq!(
        learner_browser
            .get(&format!("/courses/cours-a/lessons/{}", b.lessons[1]))
            .await
            .status(),
        404
    );
    assert_eq!(
        learner_browser
            .get(&format!("/courses/cours-a/resources/{}", b.resource))
            .await
            .status(),
        404
    );
    let r = learner_browser
        .post_form(
            &format!("/courses/cours-b/lessons/{}/complete", b.lessons[1]),
            &[],
        )
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(
        fx.scalar(
            "SELECT COUNT(*) FROM lesson_progress WHERE user_id = $1",
            learner
        )
        .await,
        0
    );

    // A signed-in learner who is not enrolled.
    let r = outsider.get(&lesson(&a, 1)).await;
    assert_eq!(r.status(), 403);
    let html = html_of(r).await;
    assert_eq!(count(&html, "[data-testid=locked-lesson]"), 1);
    assert_eq!(
        count(&html, "[data-testid=lesson-body]"),
        0,
        "no lesson text"
    );
    assert_eq!(
        count(&html, "[data-testid=enrol-button]"),
        1,
        "a free course: enrol"
    );
    assert_eq!(outsider.get(&resource(&a)).await.status(), 403);
    assert_eq!(
        outsider.get(&lesson(&a, 0)).await.status(),
        200,
        "free preview"
    );

    // Staff: the course's trainer, moderators, admins.
    assert_eq!(trainer_b_browser.get(&lesson(&b, 2)).await.status(), 200);
    assert_eq!(trainer_b_browser.get(&resource(&b)).await.status(), 200);
    assert_eq!(
        trainer_b_browser.get(&lesson(&a, 2)).await.status(),
        403,
        "another trainer's course"
    );
    for staff in [&moderator, &admin] {
        assert_eq!(staff.get(&lesson(&a, 2)).await.status(), 200);
        assert_eq!(staff.get(&resource(&b)).await.status(), 200);
    }
    let _ = trainer_b;
}

#[tokio::test]
async fn an_unpublished_course_is_hidden_from_learners_but_visible_to_its_trainer() {
    let app = TestApp::spawn().await;
    let fx = Fixture::new(&app).await;
    let (trainer, trainer_browser) = fx.browser("formateur@example.cd", &[Role::Trainer]).await;
    let course = fx.course("brouillon", trainer, 0, false).await;
    let (_, learner) = fx.browser("apprenant@example.cd", &[Role::Learner]).await;

    for path in [
        "/courses/brouillon".to_owned(),
        format!("/courses/brouillon/lessons/{}", course.lessons[0]),
    ] {
        assert_eq!(app.get(&path).await.status(), 404, "{path}");
        let r = learner.get(&path).await;
        assert_eq!(r.status(), 404, "{path}");
        let html = html_of(r).await;
        assert_eq!(
            text_of(&html, "[data-testid=error-message]").as_deref(),
            Some("La page demandée n'existe pas.")
        );
    }
    assert_eq!(
        learner
            .post_form("/courses/brouillon/enrol", &[])
            .await
            .status(),
        404
    );
    let (_, catalogue) = learner.page("/courses").await;
    assert_eq!(count(&catalogue, "[data-testid=course-card]"), 0);

    let (status, page) = trainer_browser.page("/courses/brouillon").await;
    assert_eq!(status, 200);
    assert_eq!(count(&page, "[data-testid=course-draft]"), 1);
    assert_eq!(count(&page, "[data-testid=staff-access]"), 1);
    assert_eq!(
        trainer_browser
            .get(&format!("/courses/brouillon/lessons/{}", course.lessons[2]))
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn completing_every_lesson_and_passing_the_quiz_completes_the_course() {
    let app = TestApp::spawn().await;
    let fx = Fixture::new(&app).await;
    let trainer = fx.user("formateur@example.cd", &[Role::Trainer]).await;
    let course = fx.course("python", trainer, 0, true).await;
    let (learner, browser) = fx.browser("apprenant@example.cd", &[Role::Learner]).await;
    fx.enrol(learner, course.id).await;
    let completed_at =
        "SELECT COUNT(*) FROM enrolments WHERE user_id = $1 AND completed_at IS NOT NULL";

    // Course order, with previous/next links.
    let first = format!("/courses/python/lessons/{}", course.lessons[0]);
    let (_, page) = browser.page(&first).await;
    assert_eq!(count(&page, "[data-testid=prev-lesson]"), 0);
    assert_eq!(
        attr(&page, "[data-testid=next-lesson]", "href"),
        Some(format!("/courses/python/lessons/{}", course.lessons[1]))
    );
    assert_eq!(count(&page, "form[hx-post] input[name=_csrf]"), 1);
    let (_, last) = browser
        .page(&format!("/courses/python/lessons/{}", course.lessons[2]))
        .await;
    assert_eq!(
        attr(&last, "[data-testid=prev-lesson]", "href"),
        Some(format!("/courses/python/lessons/{}", course.lessons[1]))
    );
    assert_eq!(count(&last, "[data-testid=next-lesson]"), 0);

    // htmx: a fragment replacing the button, with the next lesson.
    let r = htmx_post(&browser, &format!("{first}/complete")).await;
    assert_eq!(r.status(), 200);
    let body = r.text().await.expect("body");
    assert!(!body.contains("<html"));
    let fragment = Html::parse_fragment(&body);
    assert_eq!(
        count(&fragment, "#lesson-complete[data-testid=lesson-done]"),
        1
    );
    assert!(body.contains("Terminé ✓"));
    assert_eq!(
        attr(&fragment, "[data-testid=done-next-lesson]", "href"),
        Some(format!("/courses/python/lessons/{}", course.lessons[1]))
    );

    // Without JavaScript: back to the lesson, now marked done.
    let second = format!("/courses/python/lessons/{}", course.lessons[1]);
    let r = browser.post_form(&format!("{second}/complete"), &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), second);
    let (_, page) = browser.page(&second).await;
    assert_eq!(count(&page, "[data-testid=lesson-done]"), 1);
    assert_eq!(count(&page, "[data-testid=lesson-complete]"), 0);
    // Idempotent.
    assert_eq!(
        browser
            .post_form(&format!("{second}/complete"), &[])
            .await
            .status(),
        303
    );

    // 2 of 3 lessons + 0 of 1 quiz = 50 %.
    let (_, page) = browser.page("/courses/python").await;
    assert_eq!(
        attr(&page, "[data-testid=progress-bar]", "value").as_deref(),
        Some("50")
    );
    assert_eq!(count(&page, "[data-testid=lesson-done-mark]"), 2);
    assert_eq!(
        attr(&page, "[data-testid=resume-link]", "href"),
        Some(format!("/courses/python/lessons/{}", course.lessons[2]))
    );
    assert_eq!(
        text_of(&page, "[data-testid=resume-link]").as_deref(),
        Some("Reprendre")
    );

    // Every lesson done, quiz not passed: not complete yet.
    browser
        .post_form(
            &format!("/courses/python/lessons/{}/complete", course.lessons[2]),
            &[],
        )
        .await;
    assert_eq!(fx.scalar(completed_at, learner).await, 0);
    fx.pass_quiz(learner, course.quiz).await;
    let (_, page) = browser.page("/courses/python").await;
    assert_eq!(
        attr(&page, "[data-testid=progress-bar]", "value").as_deref(),
        Some("100")
    );
    assert_eq!(count(&page, "[data-testid=quiz-passed]"), 1);

    // Completion is recorded on the next completion check (the quizzes feature triggers it too).
    browser
        .post_form(
            &format!("/courses/python/lessons/{}/complete", course.lessons[2]),
            &[],
        )
        .await;
    assert_eq!(fx.scalar(completed_at, learner).await, 1);
    let events = fx
        .scalar("SELECT COUNT(*) FROM domain_events WHERE kind = 'course_completed' AND subject_id = $1", course.id)
        .await;
    assert_eq!(events, 1);
}

/// The learner who finishes a course is offered the certificate where they are: the response
/// that completes it, the course page (instead of "Reprendre"), the dashboard, the menu, and
/// the profile counts it.
#[tokio::test]
async fn the_certificate_is_offered_at_the_moment_of_success() {
    let app = TestApp::spawn().await;
    let fx = Fixture::new(&app).await;
    let trainer = fx.user("formateur@example.cd", &[Role::Trainer]).await;
    let course = fx.course("python", trainer, 0, true).await;
    let (learner, browser) = fx.browser("apprenant@example.cd", &[Role::Learner]).await;
    fx.enrol(learner, course.id).await;
    let (_, page) = browser.page("/profile").await;
    assert_eq!(
        text_of(&page, "[data-testid=certificates-count]").as_deref(),
        Some("0 attestation obtenue")
    );
    assert_eq!(
        count(&page, "[data-testid=nav-certificates]"),
        1,
        "in the menu"
    );
    fx.pass_quiz(learner, course.quiz).await;
    for id in &course.lessons[..2] {
        let r = htmx_post(&browser, &format!("/courses/python/lessons/{id}/complete")).await;
        let fragment = Html::parse_fragment(&r.text().await.expect("body"));
        assert_eq!(
            count(&fragment, "[data-testid=certificate-cta]"),
            0,
            "not yet"
        );
    }
    let (_, page) = browser.page("/courses/python").await;
    assert_eq!(count(&page, "[data-testid=certificate-cta]"), 0);
    assert_eq!(count(&page, "[data-testid=resume-link]"), 1);

    // The last lesson completes the course: its answer offers the certificate.
    let last = format!("/courses/python/lessons/{}", course.lessons[2]);
    let r = htmx_post(&browser, &format!("{last}/complete")).await;
    assert_eq!(r.status(), 200);
    let fragment = Html::parse_fragment(&r.text().await.expect("body"));
    let code: String = sqlx::query_scalar("SELECT code FROM certificates WHERE user_id = $1")
        .bind(learner)
        .fetch_one(fx.db())
        .await
        .expect("certificate issued");
    let pdf = format!("/certificates/{code}/pdf");
    assert_eq!(
        attr(&fragment, "[data-testid=certificate-cta]", "href"),
        Some(pdf.clone())
    );
    assert_eq!(
        text_of(&fragment, "[data-testid=certificate-cta]").as_deref(),
        Some("Télécharger mon attestation")
    );
    // The lesson page itself (without JavaScript, after the redirect) too.
    let (_, page) = browser.page(&last).await;
    assert_eq!(
        attr(&page, "[data-testid=certificate-cta]", "href"),
        Some(pdf.clone())
    );
    // The course page: the certificate instead of "Reprendre".
    let (_, page) = browser.page("/courses/python").await;
    assert_eq!(
        attr(&page, "[data-testid=certificate-cta]", "href"),
        Some(pdf.clone())
    );
    assert_eq!(count(&page, "[data-testid=resume-link]"), 0);
    // The dashboard, the menu entry, the profile's count.
    let (_, page) = browser.page("/dashboard").await;
    assert_eq!(
        attr(
            &page,
            "[data-testid=completed-course] [data-testid=certificate-cta]",
            "href"
        ),
        Some(pdf.clone())
    );
    assert_eq!(
        attr(&page, "[data-testid=nav-certificates]", "href").as_deref(),
        Some("/certificates")
    );
    let (_, page) = browser.page("/profile").await;
    assert_eq!(
        text_of(&page, "[data-testid=certificates-count]").as_deref(),
        Some("1 attestation obtenue")
    );
    assert_eq!(browser.get(&pdf).await.status(), 200);
}

/// Sets the USD→CDF rate in force (2 850 FC per dollar) as an admin would.
async fn set_rate(app: &TestApp) {
    techlearnjess::payments::queries::insert_rate(&app.state.db, 28_500_000, "admin", "test", None)
        .await
        .expect("rate");
    app.state.forget_public_pages();
}

/// Spaces of French amounts as plain spaces, to compare with readable text.
fn plain(text: &str) -> String {
    text.replace(['\u{202f}', '\u{a0}'], " ")
}

#[tokio::test]
async fn a_lesson_of_a_paid_course_shows_what_it_is_and_how_to_buy_it_not_a_bare_403() {
    let app = TestApp::spawn().await;
    set_rate(&app).await;
    let fx = Fixture::new(&app).await;
    let trainer = fx.user("formateur@example.cd", &[Role::Trainer]).await;
    let course = fx.course("payant", trainer, 1000, true).await;
    let (_, learner) = fx.browser("curieux@example.cd", &[Role::Learner]).await;
    let (buyer_id, buyer) = fx.browser("acheteur@example.cd", &[Role::Learner]).await;
    fx.enrol(buyer_id, course.id).await;
    let preview = format!("/courses/payant/lessons/{}", course.lessons[0]);
    let locked = format!("/courses/payant/lessons/{}", course.lessons[1]);

    // The free preview: its notice says "Achetez", with the buy button; "Leçon suivante" leads on.
    let (status, page) = learner.page(&preview).await;
    assert_eq!(status, 200);
    let notice = text_of(&page, "[data-testid=preview-notice]").unwrap_or_default();
    assert!(notice.contains("Achetez le cours"), "{notice}");
    assert!(!notice.contains("Inscrivez-vous"), "{notice}");
    assert_eq!(
        attr(&page, "[data-testid=preview-buy]", "href").as_deref(),
        Some("/courses/payant/buy")
    );
    assert_eq!(
        attr(&page, "[data-testid=next-lesson]", "href"),
        Some(locked.clone())
    );

    // The next lesson, for a learner who has not bought the course and for a visitor.
    for (who, browser) in [("learner", &learner), ("visitor", &app.new_browser())] {
        let r = browser.get(&locked).await;
        assert_eq!(r.status(), 403, "{who}");
        let page = html_of(r).await;
        assert_eq!(count(&page, "[data-testid=locked-lesson]"), 1, "{who}");
        assert_eq!(
            text_of(&page, "[data-testid=lesson-title]").as_deref(),
            Some("Installer"),
            "{who}"
        );
        assert_eq!(
            text_of(&page, "[data-testid=lesson-place]").as_deref(),
            Some("Section : Introduction · Leçon 2 sur 3"),
            "{who}"
        );
        assert_eq!(
            text_of(&page, "[data-testid=course-summary]").as_deref(),
            Some("Résumé de Cours payant"),
            "{who}"
        );
        assert_eq!(
            text_of(&page, "[data-testid=buy-button]").as_deref(),
            Some("Acheter ce cours"),
            "{who}"
        );
        assert_eq!(
            attr(&page, "[data-testid=buy-button]", "href").as_deref(),
            Some("/courses/payant/buy"),
            "{who}"
        );
        let price = plain(&text_of(&page, "[data-testid=course-price]").unwrap_or_default());
        assert!(price.contains("10,00 $US"), "{who}: {price}");
        assert!(price.contains("≈ 28 500 FC"), "{who}: {price}");
        assert_eq!(count(&page, "[data-testid=lesson-body]"), 0, "{who}");
        let login = attr(&page, "[data-testid=locked-login]", "href");
        if who == "visitor" {
            assert_eq!(login, Some(format!("/login?next={locked}")));
            assert_eq!(
                attr(&page, "[data-testid=locked-signup]", "href").as_deref(),
                Some("/signup")
            );
        } else {
            assert_eq!(login, None, "signed in: no log-in link");
        }
    }
    // The buyer reads it.
    let (status, page) = buyer.page(&locked).await;
    assert_eq!(status, 200);
    assert_eq!(count(&page, "[data-testid=lesson-body]"), 1);
    assert_eq!(count(&page, "[data-testid=locked-lesson]"), 0);
    assert_eq!(count(&page, "[data-testid=preview-notice]"), 0);
}

#[tokio::test]
async fn prices_show_in_both_currencies_the_other_one_approximate() {
    let app = TestApp::spawn().await;
    set_rate(&app).await;
    let fx = Fixture::new(&app).await;
    let trainer = fx.user("formateur@example.cd", &[Role::Trainer]).await;
    let cat = fx.category("programmation", "Programmation").await;
    fx.bare_course("en-dollars", "En dollars", cat, trainer, 1250, true)
        .await;
    let francs = fx
        .bare_course("en-francs", "En francs", cat, trainer, 1_425_000, true)
        .await;
    sqlx::query("UPDATE courses SET currency = 'CDF' WHERE id = $1")
        .bind(francs)
        .execute(fx.db())
        .await
        .expect("currency");
    fx.bare_course("gratuit", "Gratuit", cat, trainer, 0, true)
        .await;
    app.state.forget_public_pages();

    for path in ["/courses", "/"] {
        let (_, page) = app.page(path).await;
        let cards: Vec<(String, String)> = page
            .select(&Selector::parse("[data-testid=course-card]").expect("selector"))
            .map(|card| {
                let card = Html::parse_fragment(&card.html());
                (
                    text_of(&card, "h3").unwrap_or_default(),
                    plain(&text_of(&card, "[data-testid=course-price]").unwrap_or_default()),
                )
            })
            .collect();
        let price_of = |title: &str| {
            cards
                .iter()
                .find(|(t, _)| t == title)
                .map(|(_, p)| p.clone())
                .unwrap_or_else(|| panic!("{path}: no card {title} in {cards:?}"))
        };
        let dollars = price_of("En dollars");
        assert!(dollars.starts_with("12,50 $US"), "{path}: {dollars}");
        assert!(dollars.contains("≈ 35 700 FC"), "{path}: {dollars}");
        let francs = price_of("En francs");
        assert!(francs.starts_with("14 250 FC"), "{path}: {francs}");
        assert!(francs.contains("≈ 5,00 $US"), "{path}: {francs}");
        assert_eq!(price_of("Gratuit"), "Gratuit", "{path}");
    }
    let (_, page) = app.page("/courses/en-francs").await;
    assert_eq!(
        plain(&text_of(&page, "[data-testid=course-price]").unwrap_or_default()),
        "14 250 FC"
    );
    assert!(
        plain(&text_of(&page, "[data-testid=course-price-approx]").unwrap_or_default())
            .starts_with("≈ 5,00 $US")
    );
    // A rate changed by an admin shows once the cache entry is gone.
    techlearnjess::payments::queries::insert_rate(&app.state.db, 30_000_000, "admin", "", None)
        .await
        .expect("rate");
    app.state.forget_public_pages();
    let (_, page) = app.page("/courses/en-francs").await;
    assert!(
        plain(&text_of(&page, "[data-testid=course-price-approx]").unwrap_or_default())
            .starts_with("≈ 4,75 $US")
    );
}

#[tokio::test]
async fn the_course_outline_is_one_tap_away_inside_a_lesson() {
    let app = TestApp::spawn().await;
    let fx = Fixture::new(&app).await;
    let trainer = fx.user("formateur@example.cd", &[Role::Trainer]).await;
    let course = fx.course("python", trainer, 0, true).await;
    let (learner, browser) = fx.browser("apprenant@example.cd", &[Role::Learner]).await;
    fx.enrol(learner, course.id).await;
    browser
        .post_form(
            &format!("/courses/python/lessons/{}/complete", course.lessons[0]),
            &[],
        )
        .await;
    let (_, page) = browser
        .page(&format!("/courses/python/lessons/{}", course.lessons[1]))
        .await;
    // A <details> for phones, a side column at desktop width: the same outline.
    assert_eq!(
        count(&page, "details[data-testid=lesson-outline-mobile]"),
        1
    );
    assert_eq!(count(&page, "aside[data-testid=lesson-outline]"), 1);
    let aside = Html::parse_fragment(
        &page
            .select(&Selector::parse("aside[data-testid=lesson-outline]").expect("selector"))
            .next()
            .expect("aside")
            .html(),
    );
    assert_eq!(
        texts(&aside, "[data-testid=outline-lesson]")
            .iter()
            .map(|t| t
                .trim_start_matches(['✓', '○', ' '])
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "))
            .collect::<Vec<_>>(),
        ["Terminée Bienvenue", "Installer", "Variables"]
    );
    assert_eq!(count(&aside, "[data-testid=outline-done]"), 1);
    assert_eq!(count(&aside, "[aria-current=page]"), 1);
    assert!(aside.html().contains("1. Introduction") && aside.html().contains("2. Les bases"));
}

#[tokio::test]
async fn the_video_player_loads_only_through_the_tap_route() {
    let app = TestApp::spawn().await;
    let fx = Fixture::new(&app).await;
    let trainer = fx.user("formateur@example.cd", &[Role::Trainer]).await;
    let course = fx.course("python", trainer, 0, true).await;
    let (learner, browser) = fx.browser("apprenant@example.cd", &[Role::Learner]).await;
    fx.enrol(learner, course.id).await;
    let lesson = |i: usize| format!("/courses/python/lessons/{}", course.lessons[i]);

    let (_, page) = browser.page(&lesson(0)).await;
    assert_eq!(
        count(&page, "iframe"),
        0,
        "no third-party frame on first load"
    );
    assert_eq!(
        attr(&page, "[data-testid=video-play]", "href").as_deref(),
        Some("https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    );
    assert_eq!(
        attr(&page, "[data-testid=video-play]", "target").as_deref(),
        Some("_blank")
    );
    assert_eq!(
        attr(&page, "[data-testid=video-play]", "hx-get"),
        Some(format!("{}/video", lesson(0)))
    );
    assert_eq!(
        attr(&page, "[data-testid=video-play]", "hx-swap").as_deref(),
        Some("outerHTML")
    );

    let r = htmx_get(&browser, &format!("{}/video", lesson(0))).await;
    assert_eq!(r.status(), 200);
    let fragment = Html::parse_fragment(&r.text().await.expect("body"));
    assert_eq!(
        attr(&fragment, "iframe", "src").as_deref(),
        Some("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ")
    );
    let r = htmx_get(&browser, &format!("{}/video", lesson(1))).await;
    let fragment = Html::parse_fragment(&r.text().await.expect("body"));
    assert_eq!(
        attr(&fragment, "iframe", "src").as_deref(),
        Some("https://player.vimeo.com/video/76979871")
    );

    // Any other URL is a plain link, never embedded.
    let (_, page) = browser.page(&lesson(2)).await;
    assert_eq!(count(&page, "[data-testid=video-play]"), 0);
    assert_eq!(
        attr(&page, "[data-testid=video-link]", "href").as_deref(),
        Some("https://example.cd/video.mp4")
    );
    assert_eq!(
        htmx_get(&browser, &format!("{}/video", lesson(2)))
            .await
            .status(),
        404
    );
    // Access rules hold on the tap route too.
    assert_eq!(
        htmx_get(&app, &format!("{}/video", lesson(1)))
            .await
            .status(),
        204,
        "visitor: hx-redirect to log in"
    );
    assert_eq!(
        htmx_get(&app, &format!("{}/video", lesson(0)))
            .await
            .status(),
        200,
        "free preview"
    );
}

#[tokio::test]
async fn a_resource_downloads_with_its_original_name_and_counts_downloads() {
    let app = TestApp::spawn().await;
    let fx = Fixture::new(&app).await;
    let trainer = fx.user("formateur@example.cd", &[Role::Trainer]).await;
    let course = fx.course("python", trainer, 0, true).await;
    let (learner, browser) = fx.browser("apprenant@example.cd", &[Role::Learner]).await;
    fx.enrol(learner, course.id).await;
    let path = format!("/courses/python/resources/{}", course.resource);

    let r = browser.get(&path).await;
    assert_eq!(r.status(), 200);
    let h = r.headers();
    let header = |name: &str| {
        h.get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(header("content-type"), "application/pdf");
    assert_eq!(
        header("content-disposition"),
        "attachment; filename=\"R_sum_ du cours.pdf\"; filename*=UTF-8''R%C3%A9sum%C3%A9%20du%20cours.pdf"
    );
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(r.bytes().await.expect("body").as_ref(), b"%PDF-1.4\n");
    browser.get(&path).await;
    let downloads = fx
        .scalar(
            "SELECT download_count FROM resources WHERE id = $1",
            course.resource,
        )
        .await;
    assert_eq!(downloads, 2);

    // A missing file is a French 404, not a server error.
    app.state
        .files
        .delete(Bucket::Resources, "python-a1b2c3.pdf")
        .await
        .expect("rm");
    let r = browser.get(&path).await;
    assert_eq!(r.status(), 404);
    let html = html_of(r).await;
    assert_eq!(
        text_of(&html, "[data-testid=error-message]").as_deref(),
        Some("La page demandée n'existe pas.")
    );
    assert_eq!(
        fx.scalar(
            "SELECT download_count FROM resources WHERE id = $1",
            course.resource
        )
        .await,
        2
    );
}

#[tokio::test]
async fn a_cover_image_is_served_for_a_visible_course_only() {
    let app = TestApp::spawn().await;
    let fx = Fixture::new(&app).await;
    let trainer = fx.user("formateur@example.cd", &[Role::Trainer]).await;
    let course = fx.course("python", trainer, 0, true).await;
    fx.course("cache", trainer, 0, false).await;
    assert_eq!(
        app.get("/courses/python/cover").await.status(),
        404,
        "no cover yet"
    );
    let png: &[u8] = &[
        0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, b'I', b'H', b'D', b'R',
    ];
    app.put_file(Bucket::Covers, "python.png", png).await;
    sqlx::query("UPDATE courses SET cover_path = 'python.png' WHERE id = $1 OR slug = 'cache'")
        .bind(course.id)
        .execute(fx.db())
        .await
        .expect("cover path");

    let (_, page) = app.page("/courses/python").await;
    assert_eq!(
        attr(&page, "img[data-testid=course-cover]", "loading").as_deref(),
        Some("lazy")
    );
    let r = app.get("/courses/python/cover").await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("image/png")
    );
    assert_eq!(
        r.headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("public, max-age=86400")
    );
    assert_eq!(app.get("/courses/cache/cover").await.status(), 404);
}

#[tokio::test]
async fn hostile_or_malformed_input_gets_a_french_answer_and_never_a_server_error() {
    let app = TestApp::spawn().await;
    let fx = Fixture::new(&app).await;
    let trainer = fx.user("formateur@example.cd", &[Role::Trainer]).await;
    let course = fx.course("python", trainer, 0, true).await;
    let long = "a".repeat(10_000);
    let paths = [
        "/courses?page=abc".to_owned(),
        "/courses?page=-3".to_owned(),
        "/courses?page=99999999999999999999".to_owned(),
        "/courses?page=500".to_owned(),
        "/courses?q=%25%25%25".to_owned(),
        "/courses?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E".to_owned(),
        format!("/courses?q={long}"),
        "/courses?category=%3Cscript%3E&price=gratuit".to_owned(),
        "/courses?q=a&q=b".to_owned(),
        "/courses/inconnu".to_owned(),
        "/courses/python/lessons/abc".to_owned(),
        "/courses/python/lessons/-1".to_owned(),
        "/courses/python/lessons/99999999999999999999".to_owned(),
        "/courses/python/resources/%3Cscript%3E".to_owned(),
        "/courses/python/lessons/999999/video".to_owned(),
        "/courses/inconnu/buy".to_owned(),
        format!("/courses/python/lessons/{}", course.lessons[0]),
    ];
    for path in &paths {
        let r = app.get(path).await;
        let status = r.status();
        assert!(
            status.is_success() || status.is_client_error(),
            "{path} → {status}"
        );
        let body = r.text().await.expect("body");
        assert!(!body.contains("<script>alert"), "{path} echoes markup");
        if status.is_client_error() {
            assert!(body.contains("lang=\"fr\""), "{path}: French error page");
        }
    }
    let (status, html) = app.page("/courses?page=abc").await;
    assert_eq!(status, 200);
    assert_eq!(count(&html, "[data-testid=course-card]"), 1);
    let (_, html) = app.page(&format!("/courses?q={long}")).await;
    assert_eq!(
        attr(&html, "[data-testid=course-search]", "value").map(|v| v.len()),
        Some(100)
    );
    let (status, html) = app.page("/courses/python/lessons/abc").await;
    assert_eq!(status, 404);
    assert_eq!(
        text_of(&html, "[data-testid=error-message]").as_deref(),
        Some("La page demandée n'existe pas.")
    );
}

/// The catalogue and home page read through `web::page_cache`: every change made through the
/// application shows on the next request, not after the cache expires.
#[tokio::test]
async fn catalogue_and_home_show_changes_at_once_despite_the_cache() {
    let app = TestApp::with_demo().await;
    let visitor = app.new_browser();
    let admin = app.new_browser();
    admin.login("admin@techlearnjess.cd", "Demo-2026-tlj").await;
    let (id, title, category_id): (i64, String, i64) = sqlx::query_as(
        "SELECT id, title, category_id FROM courses WHERE published = 1 ORDER BY id LIMIT 1",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    let catalogue = || async { visitor.get("/courses").await.text().await.unwrap() };
    assert!(catalogue().await.contains(&title));
    assert!(catalogue().await.contains(&title), "served from the cache");

    let r = admin
        .post_form(&format!("/admin/courses/{id}/unpublish"), &[])
        .await;
    assert!(r.status().is_success() || r.status().is_redirection());
    assert!(!catalogue().await.contains(&title), "unpublished at once");
    assert!(
        !visitor
            .get("/")
            .await
            .text()
            .await
            .unwrap()
            .contains(&title)
    );
    admin
        .post_form(&format!("/admin/courses/{id}/publish"), &[])
        .await;
    assert!(
        catalogue().await.contains(&title),
        "published again at once"
    );

    admin
        .post_form(
            &format!("/admin/categories/{category_id}"),
            &[("name", "Catégorie renommée")],
        )
        .await;
    assert!(catalogue().await.contains("Catégorie renommée"));

    let trainer = app.new_browser();
    trainer
        .login("formateur@techlearnjess.cd", "Demo-2026-tlj")
        .await;
    let (_, profile) = trainer.page("/profile").await;
    let mut fields: Vec<(String, String)> = Vec::new();
    for input in profile.select(&Selector::parse("form[action='/profile'] [name]").unwrap()) {
        let name = input.value().attr("name").unwrap_or_default().to_owned();
        let value = match input.value().name() {
            "textarea" => input.text().collect(),
            "select" => input
                .select(&Selector::parse("option[selected]").unwrap())
                .next()
                .and_then(|o| o.value().attr("value"))
                .unwrap_or("fr")
                .to_owned(),
            _ => input.value().attr("value").unwrap_or_default().to_owned(),
        };
        fields.push((name, value));
    }
    for (name, value) in &mut fields {
        if name == "name" {
            *value = "Formatrice Renommée".into();
        }
    }
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .filter(|(n, _)| n != "_csrf")
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let r = trainer.post_form("/profile", &fields).await;
    assert!(r.status().is_redirection(), "profile saved: {}", r.status());
    assert!(catalogue().await.contains("Formatrice Renommée"));
}

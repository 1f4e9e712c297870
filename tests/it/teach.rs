//! Trainer authoring: courses, sections, lessons, resources, quizzes, publishing.

use reqwest::multipart::{Form, Part};
use techlearnjess::auth::model::{Role, Roles};
use techlearnjess::auth::{password, queries as users};
use techlearnjess::storage::Bucket;

use crate::helpers::{Browser, TestApp, count, location, text_of};

pub(crate) const DEMO_PASSWORD: &str = "Demo-2026-tlj";
pub(crate) const TRAINER: &str = "formateur@techlearnjess.cd";
pub(crate) const LEARNER: &str = "apprenant@techlearnjess.cd";
const ADMIN: &str = "admin@techlearnjess.cd";

pub(crate) async fn browser_as(app: &TestApp, email: &str) -> Browser {
    let b = app.new_browser();
    b.login(email, DEMO_PASSWORD).await;
    b
}

/// POSTs a multipart form with the CSRF token in the query, like the upload forms do.
pub(crate) async fn post_multipart(b: &Browser, path: &str, form: Form) -> reqwest::Response {
    let token = b.csrf().await;
    b.client
        .post(b.url(&format!("{path}?_csrf={token}")))
        .multipart(form)
        .send()
        .await
        .expect("POST multipart")
}

async fn scalar(app: &TestApp, sql: &str, id: i64) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .bind(id)
        .fetch_one(&app.state.db.pool)
        .await
        .expect("scalar query")
}

async fn total(app: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count")
}

pub(crate) async fn a_category(app: &TestApp) -> String {
    let id: i64 = sqlx::query_scalar("SELECT id FROM categories ORDER BY id LIMIT 1")
        .fetch_one(&app.state.db.pool)
        .await
        .expect("a demo category");
    id.to_string()
}

pub(crate) fn course_form(fields: &[(&str, &str)]) -> Form {
    fields.iter().fold(Form::new(), |f, (k, v)| {
        f.text((*k).to_owned(), (*v).to_owned())
    })
}

/// Creates a course through the form; returns its id.
pub(crate) async fn create_course(app: &TestApp, b: &Browser, title: &str, price: &str) -> i64 {
    let category = a_category(app).await;
    let free = if price.is_empty() { "1" } else { "" };
    let r = post_multipart(
        b,
        "/teach/courses/new",
        course_form(&[
            ("title", title),
            ("slug", ""),
            ("summary", "Un cours pour tester."),
            ("description", "## Bienvenue\n\nDu **Markdown**."),
            ("category_id", &category),
            ("level", "beginner"),
            ("duration_minutes", "90"),
            ("free", free),
            ("price", price),
            ("currency", "USD"),
        ]),
    )
    .await;
    assert_eq!(r.status(), 303, "course created");
    let to = location(&r);
    to.trim_start_matches("/teach/courses/")
        .trim_end_matches("/edit")
        .parse()
        .unwrap_or_else(|_| panic!("editor URL, got {to}"))
}

async fn add_section(b: &Browser, course: i64, title: &str) {
    let r = b
        .post_form(
            &format!("/teach/courses/{course}/sections"),
            &[("title", title)],
        )
        .await;
    assert_eq!(r.status(), 303);
}

async fn section_ids(app: &TestApp, course: i64) -> Vec<i64> {
    sqlx::query_scalar("SELECT id FROM course_sections WHERE course_id = $1 ORDER BY position, id")
        .bind(course)
        .fetch_all(&app.state.db.pool)
        .await
        .expect("sections")
}

async fn lesson_ids(app: &TestApp, section: i64) -> Vec<i64> {
    sqlx::query_scalar("SELECT id FROM lessons WHERE section_id = $1 ORDER BY position, id")
        .bind(section)
        .fetch_all(&app.state.db.pool)
        .await
        .expect("lessons")
}

async fn add_lesson(b: &Browser, course: i64, section: i64, title: &str) -> reqwest::Response {
    b.post_form(
        &format!("/teach/courses/{course}/sections/{section}/lessons/new"),
        &[
            ("title", title),
            ("body", "Le contenu de la leçon."),
            ("video_url", "https://www.youtube.com/watch?v=abc"),
            ("duration_minutes", "12"),
            ("free_preview", "1"),
        ],
    )
    .await
}

async fn demo_course_id(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT id FROM courses ORDER BY id LIMIT 1")
        .fetch_one(&app.state.db.pool)
        .await
        .expect("a demo course")
}

async fn files_in(app: &TestApp, bucket: Bucket) -> Vec<String> {
    app.stored_names(bucket).await
}

#[tokio::test]
async fn a_learner_gets_403_on_teach_and_a_visitor_is_sent_to_log_in() {
    let app = TestApp::with_demo().await;
    let r = app.get("/teach").await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/login"));
    let learner = browser_as(&app, LEARNER).await;
    assert_eq!(learner.get("/teach").await.status(), 403);
    assert_eq!(learner.get("/teach/courses/new").await.status(), 403);
    let course = demo_course_id(&app).await;
    let r = learner
        .post_form(&format!("/teach/courses/{course}/publish"), &[])
        .await;
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn a_trainer_builds_a_course_from_nothing_and_publishes_it() {
    let app = TestApp::with_demo().await;
    let b = browser_as(&app, TRAINER).await;
    let (status, page) = b.page("/teach").await;
    assert_eq!(status, 200);
    assert_eq!(count(&page, "[data-testid=teach-new-course]"), 1);

    let course = create_course(&app, &b, "Développement Web : les bases", "12,50").await;
    let (slug, price, published): (String, i64, i64) =
        sqlx::query_as("SELECT slug, price_minor, published FROM courses WHERE id = $1")
            .bind(course)
            .fetch_one(&app.state.db.pool)
            .await
            .expect("course row");
    assert_eq!(slug, "developpement-web-les-bases");
    assert_eq!(price, 1250);
    assert_eq!(published, 0);

    add_section(&b, course, "Premiers pas").await;
    let sections = section_ids(&app, course).await;
    assert_eq!(sections.len(), 1);
    let r = add_lesson(&b, course, sections[0], "Installer l'éditeur").await;
    assert_eq!(r.status(), 303);
    assert_eq!(lesson_ids(&app, sections[0]).await.len(), 1);

    let file = Part::bytes(b"Notes du cours\nLigne 2\n".to_vec())
        .file_name("../notes.txt")
        .mime_str("text/plain")
        .expect("mime");
    let r = post_multipart(
        &b,
        &format!("/teach/courses/{course}/resources"),
        Form::new().text("title", "Mes notes").part("file", file),
    )
    .await;
    assert_eq!(r.status(), 303, "resource uploaded");
    let (original, stored, content_type, size): (String, String, String, i64) = sqlx::query_as(
        "SELECT original_name, stored_name, content_type, size_bytes FROM resources \
         WHERE course_id = $1",
    )
    .bind(course)
    .fetch_one(&app.state.db.pool)
    .await
    .expect("resource row");
    assert_eq!(original, "notes.txt");
    assert!(content_type.starts_with("text/plain"));
    assert_eq!(size, 23);
    assert_eq!(stored.len(), 32 + ".txt".len());
    assert_eq!(
        app.stored_file(Bucket::Resources, &stored)
            .await
            .expect("stored file"),
        b"Notes du cours\nLigne 2\n"
    );

    let r = b
        .post_form(
            &format!("/teach/courses/{course}/quizzes/new"),
            &[
                ("title", "Quiz de la section 1"),
                ("description", ""),
                ("pass_percent", "70"),
                ("max_attempts", "3"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let quiz_url = location(&r);
    let r = b
        .post_form(
            &format!("{quiz_url}/questions"),
            &[
                ("prompt", "Quels sont des langages du Web ?"),
                ("explanation", "HTML et CSS, pas COBOL."),
                ("option_1", "HTML"),
                ("correct_1", "1"),
                ("option_2", "COBOL"),
                ("option_3", ""),
                ("option_4", "CSS"),
                ("correct_4", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let options: Vec<(String, i64)> = sqlx::query_as(
        "SELECT o.label, o.is_correct FROM quiz_options o \
         JOIN quiz_questions q ON q.id = o.question_id JOIN quizzes z ON z.id = q.quiz_id \
         WHERE z.course_id = $1 ORDER BY o.position",
    )
    .bind(course)
    .fetch_all(&app.state.db.pool)
    .await
    .expect("options");
    assert_eq!(
        options,
        vec![("HTML".into(), 1), ("COBOL".into(), 0), ("CSS".into(), 1)]
    );
    let (_, quiz_page) = b.page(&quiz_url).await;
    assert_eq!(count(&quiz_page, "[data-testid=question-multiple]"), 1);

    let events =
        "SELECT COUNT(*) FROM domain_events WHERE kind = 'course_published' AND subject_id = $1";
    let r = b
        .post_form(&format!("/teach/courses/{course}/publish"), &[])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(scalar(&app, events, course).await, 1);
    let payload: String = sqlx::query_scalar(
        "SELECT payload FROM domain_events WHERE kind = 'course_published' AND subject_id = $1",
    )
    .bind(course)
    .fetch_one(&app.state.db.pool)
    .await
    .expect("payload");
    let payload: serde_json::Value = serde_json::from_str(&payload).expect("JSON payload");
    assert_eq!(payload["course_id"], course);
    // Publishing again, or after an unpublish, announces nothing new.
    b.post_form(&format!("/teach/courses/{course}/publish"), &[])
        .await;
    b.post_form(&format!("/teach/courses/{course}/unpublish"), &[])
        .await;
    b.post_form(&format!("/teach/courses/{course}/publish"), &[])
        .await;
    assert_eq!(scalar(&app, events, course).await, 1);
    assert_eq!(
        scalar(&app, "SELECT published FROM courses WHERE id = $1", course).await,
        1
    );

    let (_, list) = b.page("/teach").await;
    let row =
        format!("[data-testid=teach-course][data-slug=\"{slug}\"] [data-testid=course-status]");
    assert_eq!(text_of(&list, &row).as_deref(), Some("Publié"));
    let (status, editor) = b.page(&format!("/teach/courses/{course}/edit")).await;
    assert_eq!(status, 200);
    assert_eq!(count(&editor, "[data-testid=unpublish-button]"), 1);
    assert_eq!(count(&editor, "[data-testid=lesson]"), 1);
    assert_eq!(count(&editor, "[data-testid=resource]"), 1);
    assert_eq!(count(&editor, "[data-testid=quiz]"), 1);
}

#[tokio::test]
async fn a_trainer_cannot_edit_another_trainers_course_but_an_admin_can() {
    let app = TestApp::with_demo().await;
    let hash = password::hash("Autre-2026-tlj".to_owned())
        .await
        .expect("hash");
    users::create_user(
        &app.state.db,
        users::NewUser {
            name: "Autre Formatrice",
            email: "autre@example.cd",
            password_hash: &hash,
            roles: &Roles::of(&[Role::Learner, Role::Trainer]),
            verified: true,
            locale: "fr",
        },
    )
    .await
    .expect("insert")
    .expect("new account");
    let other = app.new_browser();
    other.login("autre@example.cd", "Autre-2026-tlj").await;
    let demo = demo_course_id(&app).await;

    let (status, list) = other.page("/teach").await;
    assert_eq!(status, 200);
    assert_eq!(count(&list, "[data-testid=teach-course]"), 0);
    assert_eq!(
        other
            .get(&format!("/teach/courses/{demo}/edit"))
            .await
            .status(),
        403
    );
    assert_eq!(
        other
            .get(&format!("/teach/courses/{demo}/learners"))
            .await
            .status(),
        403
    );
    for path in ["publish", "unpublish", "sections"] {
        let r = other
            .post_form(&format!("/teach/courses/{demo}/{path}"), &[("title", "X")])
            .await;
        assert_eq!(r.status(), 403, "{path}");
    }
    let r = post_multipart(
        &other,
        &format!("/teach/courses/{demo}/edit"),
        course_form(&[("title", "Volé")]),
    )
    .await;
    assert_eq!(r.status(), 403);
    assert_eq!(other.get("/teach/courses/999999/edit").await.status(), 404);

    let admin = browser_as(&app, ADMIN).await;
    assert_eq!(
        admin
            .get(&format!("/teach/courses/{demo}/edit"))
            .await
            .status(),
        200
    );
    let (_, all) = admin.page("/teach").await;
    assert_eq!(
        count(&all, "[data-testid=teach-course]") as i64,
        total(&app, "courses").await
    );
    let r = admin
        .post_form(
            &format!("/teach/courses/{demo}/sections"),
            &[("title", "Bonus")],
        )
        .await;
    assert_eq!(r.status(), 303);
}

#[tokio::test]
async fn invalid_input_is_refused_with_a_french_message_and_nothing_is_stored() {
    let app = TestApp::with_demo().await;
    let b = browser_as(&app, TRAINER).await;
    let category = a_category(&app).await;
    let courses_before = total(&app, "courses").await;
    let files_before = files_in(&app, Bucket::Resources).await.len();
    let taken: String = sqlx::query_scalar("SELECT slug FROM courses ORDER BY id LIMIT 1")
        .fetch_one(&app.state.db.pool)
        .await
        .expect("a slug");
    let cases: [(&str, &str, &str, &str); 3] = [
        (
            "",
            "",
            "10",
            "Le titre doit compter entre 3 et 120 caractères.",
        ),
        (
            "Un titre correct",
            &taken,
            "10",
            "Cette adresse est déjà utilisée",
        ),
        ("Un titre correct", "", "abc", "Prix invalide"),
    ];
    for (title, slug, price, message) in cases {
        let r = post_multipart(
            &b,
            "/teach/courses/new",
            course_form(&[
                ("title", title),
                ("slug", slug),
                ("category_id", &category),
                ("level", "beginner"),
                ("price", price),
                ("currency", "USD"),
            ]),
        )
        .await;
        assert_eq!(r.status(), 422, "{message}");
        let html = scraper::Html::parse_document(&r.text().await.expect("body"));
        let errors = text_of(&html, ".field-error").unwrap_or_default();
        assert!(errors.contains(message), "{errors}");
        // The typed values are kept.
        assert_eq!(
            count(&html, &format!("input[name=price][value=\"{price}\"]")),
            1
        );
    }
    assert_eq!(total(&app, "courses").await, courses_before);

    let course = create_course(&app, &b, "Cours de validation", "").await;
    let r = b
        .post_form(
            &format!("/teach/courses/{course}/quizzes/new"),
            &[("title", "Quiz"), ("pass_percent", "70")],
        )
        .await;
    let quiz_url = location(&r);
    let r = b
        .post_form(
            &format!("{quiz_url}/questions"),
            &[
                ("prompt", "Question ?"),
                ("option_1", "A"),
                ("option_2", "B"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.expect("body");
    assert!(body.contains("Cochez au moins une bonne réponse."));
    assert!(body.contains("value=\"B\""), "options are kept");
    assert_eq!(total(&app, "quiz_questions").await as usize, {
        // Demo quizzes may hold questions: compare with the course's own quiz.
        let demo: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM quiz_questions q JOIN quizzes z ON z.id = q.quiz_id \
             WHERE z.course_id <> $1",
        )
        .bind(course)
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count");
        demo as usize
    });

    let r = b
        .post_form(
            &format!("/teach/courses/{course}/sections"),
            &[("title", "   ")],
        )
        .await;
    assert_eq!(r.status(), 422);

    let html = Part::bytes(b"<!DOCTYPE html><script>alert(1)</script>".to_vec())
        .file_name("cours.pdf")
        .mime_str("application/pdf")
        .expect("mime");
    let r = post_multipart(
        &b,
        &format!("/teach/courses/{course}/resources"),
        Form::new().text("title", "Piège").part("file", html),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .expect("body")
            .contains("Ce type de fichier n&#x27;est pas accepté")
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM resources WHERE course_id = $1",
            course
        )
        .await,
        0
    );
    assert_eq!(files_in(&app, Bucket::Resources).await.len(), files_before);
}

#[tokio::test]
async fn an_oversized_upload_is_refused_and_nothing_is_stored() {
    let app = TestApp::spawn_with(|c| c.max_upload_bytes = 1024).await;
    techlearnjess::demo::seed_if_empty(&app.state.db, &app.state.files)
        .await
        .expect("demo");
    let b = browser_as(&app, TRAINER).await;
    let course = create_course(&app, &b, "Cours aux petits fichiers", "").await;
    let files_before = files_in(&app, Bucket::Resources).await.len();
    let big = Part::bytes(vec![b'a'; 4096])
        .file_name("gros.txt")
        .mime_str("text/plain")
        .expect("mime");
    let r = post_multipart(
        &b,
        &format!("/teach/courses/{course}/resources"),
        Form::new().text("title", "Gros").part("file", big),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .expect("body")
            .contains("Le fichier dépasse la taille maximale autorisée.")
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM resources WHERE course_id = $1",
            course
        )
        .await,
        0
    );
    assert_eq!(files_in(&app, Bucket::Resources).await.len(), files_before);

    // Far past the limit (file + 1 MB): refused at once with 413.
    let huge = Part::bytes(vec![b'a'; 1024 * 1024 + 4096])
        .file_name("enorme.txt")
        .mime_str("text/plain")
        .expect("mime");
    let r = post_multipart(
        &b,
        &format!("/teach/courses/{course}/resources"),
        Form::new().part("file", huge),
    )
    .await;
    assert_eq!(r.status(), 413);
    assert!(
        r.text()
            .await
            .expect("body")
            .contains("Le fichier dépasse la taille maximale autorisée.")
    );
    assert_eq!(files_in(&app, Bucket::Resources).await.len(), files_before);
}

#[tokio::test]
async fn a_cover_image_is_resized_and_stored_as_jpeg() {
    let app = TestApp::with_demo().await;
    let b = browser_as(&app, TRAINER).await;
    let course = create_course(&app, &b, "Cours illustré", "").await;
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(image::RgbImage::from_pixel(
        1200,
        600,
        image::Rgb([1, 2, 3]),
    ))
    .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
    .expect("png");
    let category = a_category(&app).await;
    let r = post_multipart(
        &b,
        &format!("/teach/courses/{course}/edit"),
        course_form(&[
            ("title", "Cours illustré"),
            ("category_id", &category),
            ("level", "advanced"),
            ("free", "1"),
            ("currency", "CDF"),
        ])
        .part(
            "cover",
            Part::bytes(png)
                .file_name("photo.exe")
                .mime_str("application/octet-stream")
                .expect("mime"),
        ),
    )
    .await;
    assert_eq!(r.status(), 303);
    let cover: Option<String> = sqlx::query_scalar("SELECT cover_path FROM courses WHERE id = $1")
        .bind(course)
        .fetch_one(&app.state.db.pool)
        .await
        .expect("cover");
    let cover = cover.expect("cover set");
    let bytes = app
        .stored_file(Bucket::Covers, &cover)
        .await
        .expect("cover file");
    let img = image::load_from_memory(&bytes).expect("decodes");
    assert_eq!(
        image::guess_format(&bytes).ok(),
        Some(image::ImageFormat::Jpeg)
    );
    assert_eq!((img.width(), img.height()), (800, 400));

    let r = post_multipart(
        &b,
        &format!("/teach/courses/{course}/edit"),
        course_form(&[
            ("title", "Cours illustré"),
            ("category_id", &category),
            ("level", "advanced"),
            ("free", "1"),
            ("currency", "CDF"),
        ])
        .part("cover", Part::bytes(b"<svg/>".to_vec()).file_name("x.png")),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert_eq!(files_in(&app, Bucket::Covers).await.len(), 1);
}

#[tokio::test]
async fn publishing_a_course_without_lessons_is_refused() {
    let app = TestApp::with_demo().await;
    let b = browser_as(&app, TRAINER).await;
    let course = create_course(&app, &b, "Cours vide", "").await;
    let r = b
        .post_form(&format!("/teach/courses/{course}/publish"), &[])
        .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .expect("body")
            .contains("Impossible de publier un cours sans leçon")
    );
    assert_eq!(
        scalar(&app, "SELECT published FROM courses WHERE id = $1", course).await,
        0
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM domain_events WHERE subject_id = $1 AND kind = 'course_published'", course).await,
        0
    );
}

#[tokio::test]
async fn sections_and_lessons_are_reordered_with_up_and_down() {
    let app = TestApp::with_demo().await;
    let b = browser_as(&app, TRAINER).await;
    let course = create_course(&app, &b, "Cours à ranger", "").await;
    add_section(&b, course, "A").await;
    add_section(&b, course, "B").await;
    let ids = section_ids(&app, course).await;
    let r = b
        .post_form(
            &format!("/teach/courses/{course}/sections/{}/move", ids[1]),
            &[("direction", "up")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(section_ids(&app, course).await, vec![ids[1], ids[0]]);

    let section = ids[0];
    add_lesson(&b, course, section, "Un").await;
    add_lesson(&b, course, section, "Deux").await;
    add_lesson(&b, course, section, "Trois").await;
    let lessons = lesson_ids(&app, section).await;
    // htmx asks for the curriculum fragment.
    let token = b.csrf().await;
    let r = b
        .client
        .post(b.url(&format!(
            "/teach/courses/{course}/lessons/{}/move",
            lessons[0]
        )))
        .header("hx-request", "true")
        .header("x-csrf-token", token)
        .form(&[("direction", "down")])
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), 200);
    let fragment = scraper::Html::parse_fragment(&r.text().await.expect("body"));
    assert_eq!(count(&fragment, "#curriculum"), 1);
    assert_eq!(
        lesson_ids(&app, section).await,
        vec![lessons[1], lessons[0], lessons[2]]
    );
    // The first cannot go further up.
    b.post_form(
        &format!("/teach/courses/{course}/lessons/{}/move", lessons[1]),
        &[("direction", "up")],
    )
    .await;
    assert_eq!(
        lesson_ids(&app, section).await,
        vec![lessons[1], lessons[0], lessons[2]]
    );
}

#[tokio::test]
async fn the_trainer_sees_enrolled_learners_with_their_progress() {
    let app = TestApp::with_demo().await;
    let b = browser_as(&app, TRAINER).await;
    let course = create_course(&app, &b, "Cours suivi", "").await;
    add_section(&b, course, "S").await;
    let section = section_ids(&app, course).await[0];
    add_lesson(&b, course, section, "L1").await;
    add_lesson(&b, course, section, "L2").await;
    let lessons = lesson_ids(&app, section).await;
    let learner: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(LEARNER)
        .fetch_one(&app.state.db.pool)
        .await
        .expect("learner");
    // Setup straight in the tables: enrolment and progress belong to the learner side.
    sqlx::query(
        "INSERT INTO enrolments (user_id, course_id, source, created_at) VALUES ($1, $2, 'free', $3)",
    )
    .bind(learner)
    .bind(course)
    .bind("2026-01-05T10:00:00Z")
    .execute(&app.state.db.pool)
    .await
    .expect("enrol");
    techlearnjess::progress::queries::mark_lesson_done(&app.state.db, learner, lessons[0])
        .await
        .expect("progress");
    let (status, page) = b.page(&format!("/teach/courses/{course}/learners")).await;
    assert_eq!(status, 200);
    assert_eq!(
        count(&page, "[data-testid=learners-table] [data-testid=learner]"),
        1
    );
    assert!(
        text_of(&page, "[data-testid=learner]")
            .unwrap_or_default()
            .contains(LEARNER)
    );
    assert_eq!(
        text_of(&page, "[data-testid=learner-percent]").as_deref(),
        Some("50 %")
    );
    let (_, list) = b.page("/teach").await;
    assert!(
        text_of(
            &list,
            "[data-testid=teach-course] [data-testid=course-enrolled]"
        )
        .unwrap_or_default()
        .starts_with('1')
    );
}

#[tokio::test]
async fn a_trainer_whose_role_was_removed_no_longer_sees_their_unpublished_course_nor_its_learners()
{
    let app = TestApp::with_demo().await;
    let b = browser_as(&app, TRAINER).await;
    let course = create_course(&app, &b, "Cours en préparation", "").await;
    let slug: String = sqlx::query_scalar("SELECT slug FROM courses WHERE id = $1")
        .bind(course)
        .fetch_one(&app.state.db.pool)
        .await
        .expect("slug");
    // A lesson of one of the trainer's published demo courses that is not a free preview.
    let (published_slug, lesson): (String, i64) = sqlx::query_as(
        "SELECT c.slug, l.id FROM lessons l JOIN courses c ON c.id = l.course_id \
         JOIN users u ON u.id = c.trainer_id \
         WHERE u.email = $1 AND c.published = 1 AND l.free_preview = 0 ORDER BY l.id LIMIT 1",
    )
    .bind(TRAINER)
    .fetch_one(&app.state.db.pool)
    .await
    .expect("a lesson of a published course of the trainer");
    let lesson_url = format!("/courses/{published_slug}/lessons/{lesson}");
    let learners_url = format!("/teach/courses/{course}/learners");
    // While a trainer: the unpublished course, its learners and the lessons are theirs.
    assert_eq!(b.get(&format!("/courses/{slug}")).await.status(), 200);
    assert_eq!(b.get(&learners_url).await.status(), 200);
    assert_eq!(b.get(&lesson_url).await.status(), 200);
    let (_, page) = b.page("/chat").await;
    assert!(count(&page, "[data-testid=chat-room-course]") > 0);

    let admin = browser_as(&app, ADMIN).await;
    let trainer_id = app.user_id(TRAINER).await;
    let r = admin
        .post_form(&format!("/admin/users/{trainer_id}/roles"), &[])
        .await;
    assert_eq!(r.status(), 303, "roles saved");

    // The same session, now a learner: the course does not exist for them, the learners'
    // progress and the teaching pages are refused, the paid lessons are for enrolled learners.
    assert_eq!(b.get(&format!("/courses/{slug}")).await.status(), 404);
    assert_eq!(b.get(&format!("/forum/courses/{slug}")).await.status(), 404);
    assert_eq!(b.get(&learners_url).await.status(), 403);
    assert_eq!(b.get("/teach").await.status(), 403);
    assert_eq!(b.get(&lesson_url).await.status(), 403);
    let enrolled = scalar(
        &app,
        "SELECT COUNT(*) FROM enrolments WHERE user_id = $1",
        trainer_id,
    )
    .await;
    let (status, page) = b.page("/chat").await;
    assert_eq!(status, 200);
    assert_eq!(
        count(&page, "[data-testid=chat-room-course]") as i64,
        enrolled,
        "only the rooms of courses they are enrolled in, none of their old courses"
    );
}

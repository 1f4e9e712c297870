//! `seed-demo --scale N`: bulk data on top of the demo (SQLite or PostgreSQL, like every test).

use techlearnjess::demo::scale;

use crate::helpers::{TempDir, TestApp, count, text_of};

async fn scalar(app: &TestApp, sql: &'static str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn bulk_data_is_added_on_top_of_the_demo_and_the_catalogue_still_paginates() {
    let app = TestApp::with_demo().await;
    let demo_courses = scalar(&app, "SELECT COUNT(*) FROM courses").await;
    let demo_published = scalar(&app, "SELECT COUNT(*) FROM courses WHERE published = 1").await;
    let demo_topics = scalar(&app, "SELECT COUNT(*) FROM forum_topics").await;
    let demo_replies = scalar(&app, "SELECT COUNT(*) FROM forum_replies").await;
    let demo_chat = scalar(&app, "SELECT COUNT(*) FROM chat_messages").await;

    let report = scale::seed(&app.state.db, 0.01).await.unwrap();
    assert_eq!(report.users, 200);
    assert_eq!(report.courses, 20);
    assert_eq!(report.lessons, 80);
    assert_eq!(report.forum_topics, 100);
    assert_eq!(report.forum_replies, 900);
    assert_eq!(report.chat_messages, 100);
    assert!(report.enrolments > 1_000, "{report:?}");
    assert!(report.progress_rows > 0, "{report:?}");

    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM users WHERE email LIKE '%@bulk.techlearnjess.cd'"
        )
        .await,
        200
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM courses").await,
        demo_courses + 20
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM enrolments").await,
        report.enrolments as i64
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM lesson_progress").await,
        report.progress_rows as i64
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM forum_topics").await,
        demo_topics + 100
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM forum_replies").await,
        demo_replies + 900
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM chat_messages").await,
        demo_chat + 100
    );
    // Varied data: several categories and both currencies, some unpublished courses, both
    // public and course forums, completed enrolments.
    assert!(scalar(&app, "SELECT COUNT(DISTINCT category_id) FROM courses").await >= 8);
    assert_eq!(
        scalar(&app, "SELECT COUNT(DISTINCT currency) FROM courses").await,
        2
    );
    let published = scalar(&app, "SELECT COUNT(*) FROM courses WHERE published = 1").await;
    assert_eq!(published, demo_published + 18);
    assert!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM forum_topics WHERE course_id IS NOT NULL"
        )
        .await
            > 0
    );
    assert!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM enrolments WHERE completed_at IS NOT NULL"
        )
        .await
            > 0
    );

    // Seeding twice is refused.
    let again = scale::seed(&app.state.db, 0.01).await.unwrap_err();
    assert!(again.to_string().contains("déjà"), "{again}");

    // The catalogue counts every published course and paginates by 12.
    let (status, page) = app.browser.page("/courses").await;
    assert_eq!(status, 200);
    assert!(
        text_of(&page, "[data-testid=course-count]")
            .unwrap()
            .contains(&published.to_string())
    );
    assert_eq!(count(&page, "[data-testid=course-card]"), 12);
    assert_eq!(count(&page, "[data-testid=page-next]"), 1);
    let last = (published + 11) / 12;
    let (status, page) = app.browser.page(&format!("/courses?page={last}")).await;
    assert_eq!(status, 200);
    assert_eq!(
        count(&page, "[data-testid=course-card]") as i64,
        published - (last - 1) * 12
    );
    assert_eq!(count(&page, "[data-testid=page-next]"), 0);
    let (status, page) = app.browser.page("/courses?category=langues").await;
    assert_eq!(status, 200);
    assert!(count(&page, "[data-testid=course-card]") > 0);

    // A bulk course page, a busy forum topic and a bulk account (shared password hash) work.
    let slug: String =
        sqlx::query_scalar("SELECT slug FROM courses WHERE published = 1 ORDER BY id DESC LIMIT 1")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    let (status, page) = app.browser.page(&format!("/courses/{slug}")).await;
    assert_eq!(status, 200);
    assert_eq!(count(&page, "[data-testid=curriculum-lesson]"), 4);
    assert_eq!(count(&page, "[data-testid=free-preview]"), 1);
    let topic = scalar(
        &app,
        "SELECT topic_id FROM forum_replies GROUP BY topic_id ORDER BY COUNT(*) DESC LIMIT 1",
    )
    .await;
    assert_eq!(
        app.browser
            .get(&format!("/forum/topics/{topic}"))
            .await
            .status(),
        200
    );
    let email: String = sqlx::query_scalar(
        "SELECT email FROM users WHERE email LIKE '%@bulk.techlearnjess.cd' \
         AND roles = 'learner' ORDER BY id LIMIT 1",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    let bulk = app.new_browser();
    bulk.login(&email, techlearnjess::demo::DEMO_PASSWORD).await;
    assert_eq!(bulk.get("/dashboard").await.status(), 200);
}

#[test]
fn the_command_line_refuses_a_scale_out_of_range() {
    let tmp = TempDir::new();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_techlearnjess"))
        .args(["seed-demo", "--scale", "0"])
        .env("DATABASE_URL", format!("sqlite://{}/s.db", tmp.0.display()))
        .env("TLJ_DATA_DIR", &tmp.0)
        .env("TLJ_LOG", "warn")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("entre 0.01 et 10"));
}

//! Quizzes: grading, attempts, feedback, access.

use crate::helpers::{TestApp, count, location, text_of};

const PASSWORD: &str = "Demo-2026-tlj";

/// (quiz id, [(question id, [(option id, correct)])]) of the demo Python course's quiz.
async fn python_quiz(app: &TestApp) -> (i64, Vec<(i64, Vec<(i64, bool)>)>) {
    let pool = &app.state.db.pool;
    let quiz_id: i64 = sqlx::query_scalar(
        "SELECT q.id FROM quizzes q JOIN courses c ON c.id = q.course_id WHERE c.slug = 'bases-de-python'",
    )
    .fetch_one(pool)
    .await
    .expect("demo quiz");
    let questions: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM quiz_questions WHERE quiz_id = $1 ORDER BY position")
            .bind(quiz_id)
            .fetch_all(pool)
            .await
            .expect("questions");
    let mut out = Vec::new();
    for q in questions {
        let options: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT id, is_correct FROM quiz_options WHERE question_id = $1 ORDER BY position",
        )
        .bind(q)
        .fetch_all(pool)
        .await
        .expect("options");
        out.push((q, options.into_iter().map(|(id, c)| (id, c != 0)).collect()));
    }
    (quiz_id, out)
}

async fn enrolled_learner(app: &TestApp) {
    app.login("apprenant@techlearnjess.cd", PASSWORD).await;
    let r = app.post_form("/courses/bases-de-python/enrol", &[]).await;
    assert_eq!(r.status(), 303, "enrolment in the free demo course");
}

fn answers(questions: &[(i64, Vec<(i64, bool)>)], right: usize) -> Vec<(String, String)> {
    let mut form = Vec::new();
    for (i, (q, options)) in questions.iter().enumerate() {
        for (o, correct) in options {
            let choose = if i < right { *correct } else { !*correct };
            if choose {
                form.push((format!("q{q}"), o.to_string()));
            }
        }
    }
    form
}

fn refs(form: &[(String, String)]) -> Vec<(&str, &str)> {
    form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

#[tokio::test]
async fn the_quiz_page_never_reveals_the_correct_answers() {
    let app = TestApp::with_demo().await;
    enrolled_learner(&app).await;
    let (quiz_id, questions) = python_quiz(&app).await;
    let (status, html) = app
        .page(&format!("/courses/bases-de-python/quizzes/{quiz_id}"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(count(&html, "[data-testid=quiz-question]"), questions.len());
    let page = html.html();
    assert!(!page.contains("is_correct") && !page.contains("correct\""));
    // The multiple-answer question uses checkboxes, the others radios.
    assert_eq!(
        count(&html, "[data-testid=quiz-form] input[type=checkbox]"),
        4
    );
    assert!(count(&html, "[data-testid=quiz-form] input[type=radio]") >= 7);
    assert!(
        text_of(&html, "[data-testid=quiz-rules]")
            .unwrap_or_default()
            .contains("70 %")
    );
}

#[tokio::test]
async fn a_failed_attempt_is_graded_stored_and_hides_the_answers() {
    let app = TestApp::with_demo().await;
    enrolled_learner(&app).await;
    let (quiz_id, questions) = python_quiz(&app).await;
    let path = format!("/courses/bases-de-python/quizzes/{quiz_id}");
    let form = answers(&questions, 1);
    let r = app.post_form(&path, &refs(&form)).await;
    assert_eq!(r.status(), 200);
    let html = scraper::Html::parse_document(&r.text().await.unwrap_or_default());
    assert_eq!(
        text_of(&html, "[data-testid=quiz-verdict]").as_deref(),
        Some("Pas encore réussi")
    );
    assert!(
        text_of(&html, "[data-testid=quiz-score]")
            .unwrap_or_default()
            .contains("33 %")
    );
    assert!(
        !html.html().contains("votre choix"),
        "answers stay hidden until passed"
    );
    let (_, page) = app.page(&path).await;
    assert!(
        text_of(&page, "[data-testid=quiz-rules]")
            .unwrap_or_default()
            .contains("Meilleur score : 33 %")
    );
}

#[tokio::test]
async fn passing_every_quiz_after_every_lesson_completes_the_course() {
    let app = TestApp::with_demo().await;
    enrolled_learner(&app).await;
    let (quiz_id, questions) = python_quiz(&app).await;
    let lessons: Vec<i64> = sqlx::query_scalar(
        "SELECT l.id FROM lessons l JOIN courses c ON c.id = l.course_id WHERE c.slug = 'bases-de-python'",
    )
    .fetch_all(&app.state.db.pool)
    .await
    .expect("lessons");
    for id in &lessons {
        let r = app
            .post_form(
                &format!("/courses/bases-de-python/lessons/{id}/complete"),
                &[],
            )
            .await;
        assert!(
            r.status().is_redirection() || r.status().is_success(),
            "{}",
            r.status()
        );
    }
    let form = answers(&questions, questions.len());
    let r = app
        .client
        .post(app.url(&format!("/courses/bases-de-python/quizzes/{quiz_id}")))
        .header("hx-request", "true")
        .header("x-csrf-token", app.csrf().await)
        .form(&form)
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), 200);
    let html = scraper::Html::parse_fragment(&r.text().await.unwrap_or_default());
    assert_eq!(count(&html, "header"), 0, "htmx gets the fragment only");
    assert_eq!(
        text_of(&html, "[data-testid=quiz-verdict]").as_deref(),
        Some("Réussi !")
    );
    assert_eq!(count(&html, "[data-testid=course-completed]"), 1);
    assert!(
        html.html().contains("votre choix"),
        "answers are shown once passed"
    );
    let completed: Option<String> = sqlx::query_scalar(
        "SELECT e.completed_at FROM enrolments e JOIN courses c ON c.id = e.course_id WHERE c.slug = 'bases-de-python'",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .expect("enrolment");
    assert!(completed.is_some());
    let events: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM domain_events WHERE kind = 'course_completed'")
            .fetch_one(&app.state.db.pool)
            .await
            .expect("events");
    assert_eq!(events, 1);
}

#[tokio::test]
async fn the_attempt_limit_is_enforced() {
    let app = TestApp::with_demo().await;
    enrolled_learner(&app).await;
    let (quiz_id, questions) = python_quiz(&app).await;
    sqlx::query("UPDATE quizzes SET max_attempts = 1 WHERE id = $1")
        .bind(quiz_id)
        .execute(&app.state.db.pool)
        .await
        .expect("limit");
    let path = format!("/courses/bases-de-python/quizzes/{quiz_id}");
    let form = answers(&questions, 0);
    assert_eq!(app.post_form(&path, &refs(&form)).await.status(), 200);
    let r = app.post_form(&path, &refs(&form)).await;
    assert_eq!(r.status(), 400);
    assert!(
        r.text()
            .await
            .unwrap_or_default()
            .contains("toutes vos tentatives")
    );
    let (_, page) = app.page(&path).await;
    assert_eq!(count(&page, "[data-testid=quiz-closed]"), 1);
}

#[tokio::test]
async fn only_enrolled_learners_and_staff_can_take_a_quiz() {
    let app = TestApp::with_demo().await;
    let (quiz_id, questions) = python_quiz(&app).await;
    let path = format!("/courses/bases-de-python/quizzes/{quiz_id}");
    let r = app.get(&path).await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/login?next="));
    app.login("apprenant@techlearnjess.cd", PASSWORD).await;
    assert_eq!(app.get(&path).await.status(), 403);
    let form = answers(&questions, 3);
    assert_eq!(app.post_form(&path, &refs(&form)).await.status(), 403);
    // A quiz of another course, reached through this course's URL, does not exist here.
    let other: i64 = sqlx::query_scalar(
        "SELECT q.id FROM quizzes q JOIN courses c ON c.id = q.course_id WHERE c.slug = 'excel-zero-expert'",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .expect("other quiz");
    let trainer = app.new_browser();
    trainer.login("formateur@techlearnjess.cd", PASSWORD).await;
    assert_eq!(trainer.get(&path).await.status(), 200);
    assert_eq!(
        trainer
            .get(&format!("/courses/bases-de-python/quizzes/{other}"))
            .await
            .status(),
        404
    );
    assert_eq!(
        trainer
            .get("/courses/bases-de-python/quizzes/abc")
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn a_submission_with_garbage_is_graded_as_unanswered_not_an_error() {
    let app = TestApp::with_demo().await;
    enrolled_learner(&app).await;
    let (quiz_id, _) = python_quiz(&app).await;
    let path = format!("/courses/bases-de-python/quizzes/{quiz_id}");
    let long = "9".repeat(5000);
    let r = app
        .post_form(
            &path,
            &[
                ("q1", "<script>"),
                ("qq", "1"),
                ("q99999999999999999999", "1"),
                ("q2", &long),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let html = scraper::Html::parse_document(&r.text().await.unwrap_or_default());
    assert!(
        text_of(&html, "[data-testid=quiz-score]")
            .unwrap_or_default()
            .contains("0 %")
    );
}

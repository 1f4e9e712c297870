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
async fn garbage_in_a_submission_is_ignored_and_never_an_error() {
    let app = TestApp::with_demo().await;
    enrolled_learner(&app).await;
    let (quiz_id, questions) = python_quiz(&app).await;
    let path = format!("/courses/bases-de-python/quizzes/{quiz_id}");
    let long = "9".repeat(5000);
    let garbage = [
        ("q1", "<script>"),
        ("qq", "1"),
        ("q99999999999999999999", "1"),
        ("q2", long.as_str()),
    ];
    // Nothing but garbage is no answer at all: sent back, not graded.
    let r = app.post_form(&path, &garbage).await;
    assert_eq!(r.status(), 422);
    // With one real (wrong) answer, the garbage is ignored and the rest counts as unanswered.
    let (q, options) = &questions[0];
    let wrong = options.iter().find(|(_, c)| !c).expect("a wrong option").0;
    let (field, value) = (format!("q{q}"), wrong.to_string());
    let mut fields = garbage.to_vec();
    fields.push((&field, &value));
    let r = app.post_form(&path, &fields).await;
    assert_eq!(r.status(), 200);
    let html = scraper::Html::parse_document(&r.text().await.unwrap_or_default());
    assert!(
        text_of(&html, "[data-testid=quiz-score]")
            .unwrap_or_default()
            .contains("0 %")
    );
}

/// Sets the quiz's attempt limit (a trainer's setting; the authoring form is tested in teach).
async fn limit_attempts(app: &TestApp, quiz_id: i64, max: i64) {
    sqlx::query("UPDATE quizzes SET max_attempts = $1 WHERE id = $2")
        .bind(max)
        .bind(quiz_id)
        .execute(&app.state.db.pool)
        .await
        .expect("limit");
}

/// Sends the same form `n` times at once from the logged-in browser: (status, body) of each.
async fn submit_at_once(
    app: &TestApp,
    path: &str,
    form: &[(String, String)],
    n: usize,
) -> Vec<(u16, String)> {
    let token = app.csrf().await;
    let mut body = form.to_vec();
    body.push(("_csrf".into(), token));
    let sends = (0..n).map(|_| async {
        let r = app
            .client
            .post(app.url(path))
            .form(&body)
            .send()
            .await
            .expect("POST");
        (r.status().as_u16(), r.text().await.unwrap_or_default())
    });
    futures_util::future::join_all(sends).await
}

#[tokio::test]
async fn eight_simultaneous_submissions_of_a_one_attempt_quiz_grade_exactly_one() {
    let app = TestApp::with_demo().await;
    enrolled_learner(&app).await;
    let (quiz_id, questions) = python_quiz(&app).await;
    limit_attempts(&app, quiz_id, 1).await;
    let path = format!("/courses/bases-de-python/quizzes/{quiz_id}");
    let answers = answers(&questions, 1);
    let results = submit_at_once(&app, &path, &answers, 8).await;
    let graded: Vec<_> = results.iter().filter(|(s, _)| *s == 200).collect();
    assert_eq!(
        graded.len(),
        1,
        "{:?}",
        results.iter().map(|r| r.0).collect::<Vec<_>>()
    );
    for (status, body) in results.iter().filter(|(s, _)| *s != 200) {
        assert_eq!(*status, 400);
        assert!(body.contains("toutes vos tentatives"), "a clear refusal");
    }
    let (_, page) = app.page(&path).await;
    assert_eq!(count(&page, "[data-testid=quiz-closed]"), 1);
    assert!(
        text_of(&page, "[data-testid=quiz-rules]")
            .unwrap_or_default()
            .contains("Tentatives restantes : 0")
    );
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM quiz_attempts WHERE quiz_id = $1")
        .bind(quiz_id)
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count");
    assert_eq!(stored, 1);
}

#[tokio::test]
async fn a_submission_replayed_eight_times_at_once_is_one_attempt_with_one_result() {
    let app = TestApp::with_demo().await;
    enrolled_learner(&app).await;
    let (quiz_id, questions) = python_quiz(&app).await;
    limit_attempts(&app, quiz_id, 2).await;
    let path = format!("/courses/bases-de-python/quizzes/{quiz_id}");
    // The offline queue replays one submission (one key) several times at once.
    let mut form = answers(&questions, 1);
    form.push(("client_key".into(), "0c9d1e2f-queue-replay-0001".into()));
    let results = submit_at_once(&app, &path, &form, 8).await;
    let mut scores = Vec::new();
    for (status, body) in &results {
        assert_eq!(*status, 200, "a replay is never refused");
        let html = scraper::Html::parse_document(body);
        scores.push(text_of(&html, "[data-testid=quiz-score]").unwrap_or_default());
    }
    scores.dedup();
    assert_eq!(scores.len(), 1, "one result: {scores:?}");
    assert!(scores[0].contains("33 %"), "{}", scores[0]);
    // The second (last) attempt, raced by eight submissions with their own keys.
    let (_, page) = app.page(&path).await;
    assert!(
        text_of(&page, "[data-testid=quiz-rules]")
            .unwrap_or_default()
            .contains("Tentatives restantes : 1")
    );
    let token = app.csrf().await;
    let sends = (0..8).map(|i| {
        let mut body = answers(&questions, 2);
        body.push(("client_key".into(), format!("distinct-key-{i:04}")));
        body.push(("_csrf".into(), token.clone()));
        let request = app.client.post(app.url(&path)).form(&body);
        async move { request.send().await.expect("POST").status().as_u16() }
    });
    let statuses = futures_util::future::join_all(sends).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 400).count(),
        7,
        "{statuses:?}"
    );
    // The first submission replayed again still shows its result, not a refusal.
    let again = submit_at_once(&app, &path, &form, 1).await;
    assert_eq!(again[0].0, 200);
}

#[tokio::test]
async fn an_empty_submission_is_sent_back_without_using_an_attempt() {
    let app = TestApp::with_demo().await;
    enrolled_learner(&app).await;
    let (quiz_id, questions) = python_quiz(&app).await;
    limit_attempts(&app, quiz_id, 1).await;
    let path = format!("/courses/bases-de-python/quizzes/{quiz_id}");
    let r = app.post_form(&path, &[]).await;
    assert_eq!(r.status(), 422);
    let html = scraper::Html::parse_document(&r.text().await.unwrap_or_default());
    assert!(
        text_of(&html, "[data-testid=quiz-error]")
            .unwrap_or_default()
            .contains("Choisissez au moins une réponse")
    );
    assert_eq!(count(&html, "[data-testid=quiz-form]"), 1, "the form again");
    assert_eq!(count(&html, "[data-testid=quiz-question]"), questions.len());
    // With htmx: the form fragment for #quiz-area, not a whole page.
    let r = app
        .client
        .post(app.url(&path))
        .header("hx-request", "true")
        .header("x-csrf-token", app.csrf().await)
        .form(&[("client_key", "empty-submission-01")])
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap_or_default();
    assert!(!body.contains("<html"), "a fragment");
    let fragment = scraper::Html::parse_fragment(&body);
    assert_eq!(count(&fragment, "[data-testid=quiz-form]"), 1);
    assert_eq!(count(&fragment, "[data-testid=quiz-error]"), 1);
    // Neither counted: the one attempt is still there.
    let form = answers(&questions, 3);
    assert_eq!(app.post_form(&path, &refs(&form)).await.status(), 200);
}

#[tokio::test]
async fn a_quiz_passed_once_is_never_shown_as_not_yet_passed_and_right_and_wrong_differ_in_words() {
    let app = TestApp::with_demo().await;
    enrolled_learner(&app).await;
    let (quiz_id, questions) = python_quiz(&app).await;
    let path = format!("/courses/bases-de-python/quizzes/{quiz_id}");
    let all_right = answers(&questions, questions.len());
    let r = app.post_form(&path, &refs(&all_right)).await;
    assert_eq!(r.status(), 200);
    let html = scraper::Html::parse_document(&r.text().await.unwrap_or_default());
    assert_eq!(
        text_of(&html, "[data-testid=quiz-verdict]").as_deref(),
        Some("Réussi !")
    );
    assert_eq!(count(&html, "[data-testid=answer-right]"), questions.len());
    assert_eq!(
        text_of(&html, "[data-testid=answer-right]").as_deref(),
        Some("✓ Bonne réponse")
    );
    // Another try, worse: the quiz stays passed (best score 100 %), never "Pas encore réussi".
    let r = app.post_form(&path, &refs(&answers(&questions, 1))).await;
    assert_eq!(r.status(), 200);
    let html = scraper::Html::parse_document(&r.text().await.unwrap_or_default());
    let verdict = text_of(&html, "[data-testid=quiz-verdict]").unwrap_or_default();
    assert!(!verdict.contains("Pas encore réussi"), "{verdict}");
    assert!(verdict.starts_with("Quiz réussi"), "{verdict}");
    assert!(
        text_of(&html, "[data-testid=quiz-best]")
            .unwrap_or_default()
            .contains("100 %")
    );
    assert_eq!(
        text_of(&html, "[data-testid=answer-wrong]").as_deref(),
        Some("✗ Mauvaise réponse")
    );
    assert_eq!(count(&html, "[data-testid=quiz-retry]"), 0);
    let (_, page) = app.page(&path).await;
    let rules = text_of(&page, "[data-testid=quiz-rules]").unwrap_or_default();
    assert!(rules.contains("Meilleur score : 100 %"), "{rules}");
    assert_eq!(count(&page, "[data-testid=quiz-passed-badge]"), 1);
    assert!(!page.html().contains("Pas encore réussi"));
}

#[tokio::test]
async fn a_learner_out_of_attempts_is_told_what_to_do_and_the_trainer_grants_one_more() {
    let app = TestApp::with_demo().await;
    enrolled_learner(&app).await;
    let (quiz_id, questions) = python_quiz(&app).await;
    limit_attempts(&app, quiz_id, 1).await;
    let path = format!("/courses/bases-de-python/quizzes/{quiz_id}");
    let r = app.post_form(&path, &refs(&answers(&questions, 0))).await;
    assert_eq!(r.status(), 200);
    let html = scraper::Html::parse_document(&r.text().await.unwrap_or_default());
    let advice = text_of(&html, "[data-testid=quiz-ask-trainer]").unwrap_or_default();
    assert!(
        advice.contains("demandez une tentative supplémentaire"),
        "{advice}"
    );
    let (_, page) = app.page(&path).await;
    assert_eq!(count(&page, "[data-testid=quiz-closed]"), 1);
    assert_eq!(count(&page, "[data-testid=quiz-ask-trainer]"), 1);
    assert_eq!(count(&page, "[data-testid=quiz-form]"), 0);

    let course_id: i64 =
        sqlx::query_scalar("SELECT id FROM courses WHERE slug = 'bases-de-python'")
            .fetch_one(&app.state.db.pool)
            .await
            .expect("course");
    let learner_id = app.user_id("apprenant@techlearnjess.cd").await;
    let grant = format!("/teach/courses/{course_id}/learners/{learner_id}/quizzes/{quiz_id}/grant");

    // Another trainer may not grant it.
    let other = app.new_browser();
    app.signup_verified("Autre Formatrice", "autre-formatrice@example.cd", PASSWORD)
        .await;
    sqlx::query("UPDATE users SET roles = 'learner trainer' WHERE email = $1")
        .bind("autre-formatrice@example.cd")
        .execute(&app.state.db.pool)
        .await
        .expect("role");
    other.login("autre-formatrice@example.cd", PASSWORD).await;
    assert_eq!(other.post_form(&grant, &[]).await.status(), 403);
    // The learner neither.
    assert_eq!(app.post_form(&grant, &[]).await.status(), 403);

    // The course's trainer sees who is stuck, and grants one more attempt (CSRF required).
    let trainer = app.new_browser();
    trainer.login("formateur@techlearnjess.cd", PASSWORD).await;
    let (status, learners) = trainer
        .page(&format!("/teach/courses/{course_id}/learners"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(count(&learners, "[data-testid=exhausted-quiz]"), 1);
    assert_eq!(
        count(&learners, "[data-testid=exhausted-quiz] input[name=_csrf]"),
        1
    );
    let no_token = trainer
        .client
        .post(trainer.url(&grant))
        .form(&[("x", "1")])
        .send()
        .await
        .expect("POST");
    assert_eq!(no_token.status(), 403, "no CSRF token, no grant");
    let r = trainer.post_form(&grant, &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), format!("/teach/courses/{course_id}/learners"));
    let notified: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = 'quiz_attempt_granted'",
    )
    .bind(learner_id)
    .fetch_one(&app.state.db.pool)
    .await
    .expect("notifications");
    assert_eq!(notified, 1, "the learner is notified");
    let (_, learners) = trainer
        .page(&format!("/teach/courses/{course_id}/learners"))
        .await;
    assert_eq!(count(&learners, "[data-testid=exhausted-quiz]"), 0);

    // The learner has exactly one more attempt.
    let (_, page) = app.page(&path).await;
    assert!(
        text_of(&page, "[data-testid=quiz-rules]")
            .unwrap_or_default()
            .contains("Tentatives restantes : 1")
    );
    let all_right = answers(&questions, questions.len());
    assert_eq!(app.post_form(&path, &refs(&all_right)).await.status(), 200);
    assert_eq!(app.post_form(&path, &refs(&all_right)).await.status(), 400);
    let attempts: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM quiz_attempts WHERE quiz_id = $1 AND user_id = $2",
    )
    .bind(quiz_id)
    .bind(learner_id)
    .fetch_one(&app.state.db.pool)
    .await
    .expect("attempts");
    assert_eq!(attempts, 2);
}

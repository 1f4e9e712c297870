//! Taking a quiz: the question page, and grading a submission (fragment for htmx, page otherwise).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use minijinja::value::Serde;

use super::model::{Answers, Grade, Question, QuestionView, Quiz, grade, parse_answers};
use super::queries::{self, NewAttempt, Recorded};
use crate::courses::access;
use crate::error::{AppError, AppResult};
use crate::notifications::{self, Kind, Notice};
use crate::state::AppState;
use crate::web::{Ctx, Fragment};

/// Loads the course and quiz after checking the user may study the course.
async fn load(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    quiz_id: &str,
) -> AppResult<(access::CourseRef, super::model::Quiz)> {
    let course = access::course_for(&state.db, ctx.user.as_ref(), slug).await?;
    access::require_study(&state.db, ctx.user.as_ref(), &course).await?;
    let quiz_id: i64 = quiz_id.parse().map_err(|_| AppError::NotFound)?;
    let quiz = queries::find_quiz(&state.db, course.id, quiz_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((course, quiz))
}

pub async fn show_quiz(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, quiz_id)): Path<(String, String)>,
) -> AppResult<Response> {
    let (course, quiz) = load(&state, &ctx, &slug, &quiz_id).await?;
    let questions = queries::questions(&state.db, quiz.id).await?;
    render_form(&state, &ctx, false, &course, &quiz, &questions, None).await
}

/// The quiz page (or, for htmx, the form fragment), with `error` (a catalogue key) above the
/// form: 422 when there is one.
async fn render_form(
    state: &AppState,
    ctx: &Ctx,
    fragment: bool,
    course: &access::CourseRef,
    quiz: &Quiz,
    questions: &[Question],
    error: Option<&str>,
) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let views: Vec<QuestionView> = questions.iter().map(QuestionView::from).collect();
    let summary = queries::attempt_summary(&state.db, user.id, quiz.id).await?;
    let attempts_left = summary.attempts_left(quiz.max_attempts);
    let trainer_name = out_of_attempts_trainer(state, course, attempts_left).await?;
    let values = context! {
        course_slug => &course.slug,
        course_title => &course.title,
        quiz => Serde(quiz),
        questions => Serde(views),
        summary => Serde(&summary),
        attempts_left,
        trainer_name,
        form_error => error.map(|key| state.i18n.t(ctx.locale, key)),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let name = if fragment && error.is_some() {
        "partials/quizzes/form.html"
    } else {
        "views/quizzes/show.html"
    };
    state.render_status(ctx, status, name, values)
}

/// The trainer's name, for the "ask your trainer" line of a learner with no attempt left.
async fn out_of_attempts_trainer(
    state: &AppState,
    course: &access::CourseRef,
    attempts_left: Option<i64>,
) -> AppResult<Option<String>> {
    if attempts_left != Some(0) {
        return Ok(None);
    }
    let detail = crate::courses::queries::course_detail(&state.db, course.id).await?;
    Ok(Some(detail.trainer_name))
}

/// A submission key chosen by the browser (`client_key`): 8 to 64 letters, digits or dashes.
fn client_key(form: &[(String, String)]) -> AppResult<Option<String>> {
    let Some((_, key)) = form
        .iter()
        .find(|(k, v)| k == "client_key" && !v.is_empty())
    else {
        return Ok(None);
    };
    let well_formed = (8..=64).contains(&key.len())
        && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if well_formed {
        Ok(Some(key.clone()))
    } else {
        Err(AppError::BadRequest("offline.bad_client_key"))
    }
}

/// Grades a submission and records it as one attempt. A submission sent again with the same
/// `client_key` (an answer queued offline and replayed, a double tap) makes no new attempt: the
/// stored attempt's result is shown again. A submission with no answer at all is sent back
/// (422) without using an attempt.
pub async fn submit_quiz(
    State(state): State<AppState>,
    ctx: Ctx,
    Fragment(fragment): Fragment,
    Path((slug, quiz_id)): Path<(String, String)>,
    body: Bytes,
) -> AppResult<Response> {
    let (course, quiz) = load(&state, &ctx, &slug, &quiz_id).await?;
    let user = ctx.require_user()?;
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let key = client_key(&form)?;
    let questions = queries::questions(&state.db, quiz.id).await?;
    if questions.is_empty() {
        return Err(AppError::BadRequest("quiz.error.empty"));
    }
    if let Some(key) = &key
        && let Some(stored) = queries::attempt_by_key(&state.db, user.id, quiz.id, key).await?
    {
        return show_stored(&state, &ctx, fragment, &course, &quiz, &questions, stored).await;
    }
    let answers = parse_answers(&form, &questions);
    if answers.is_empty() {
        return render_form(
            &state,
            &ctx,
            fragment,
            &course,
            &quiz,
            &questions,
            Some("quiz.error.no_answer"),
        )
        .await;
    }
    let result = grade(&questions, &answers, quiz.pass_percent);
    let answers_json = serde_json::to_string(&answers).map_err(anyhow::Error::from)?;
    let recorded = queries::record_attempt(
        &state.db,
        NewAttempt {
            quiz_id: quiz.id,
            user_id: user.id,
            score_percent: result.score_percent,
            passed: result.passed,
            answers_json: &answers_json,
            client_key: key.as_deref(),
            max_attempts: quiz.max_attempts,
        },
    )
    .await?;
    match recorded {
        Recorded::New(_) => {
            // Answered offline and sent on return: the learner may be on another page by now.
            if form.iter().any(|(k, v)| k == "offline" && v == "1") {
                let link = format!("/courses/{}/quizzes/{}", course.slug, quiz.id);
                let notice = Notice {
                    kind: Kind::QuizGraded,
                    subject: &quiz.title,
                    link: &link,
                };
                // The attempt is stored: a lost notice must not turn its answer into an error.
                if let Err(e) = notifications::notify(&state, user.id, notice).await {
                    tracing::warn!(user.id = user.id, error = %e, "quiz graded notice not stored");
                }
            }
        }
        Recorded::Replay(stored) => {
            return show_stored(&state, &ctx, fragment, &course, &quiz, &questions, stored).await;
        }
        Recorded::NoAttemptsLeft => {
            return Err(AppError::BadRequest("quiz.error.no_attempts_left"));
        }
        Recorded::Busy => return Err(AppError::BadRequest("quiz.error.busy")),
    };
    let course_completed = result.passed
        && crate::progress::queries::record_completion_if_done(&state.db, user.id, course.id)
            .await?;
    if course_completed {
        crate::certificates::issue_on_completion(&state, user.id, course.id).await?;
    }
    render_result(
        &state,
        &ctx,
        fragment,
        &course,
        &quiz,
        &result,
        course_completed,
    )
    .await
}

/// The result of an attempt already recorded, graded again from its stored answers.
async fn show_stored(
    state: &AppState,
    ctx: &Ctx,
    fragment: bool,
    course: &access::CourseRef,
    quiz: &Quiz,
    questions: &[Question],
    stored: queries::StoredAttempt,
) -> AppResult<Response> {
    let answers: Answers = serde_json::from_str(&stored.answers).unwrap_or_default();
    let mut result = grade(questions, &answers, quiz.pass_percent);
    result.score_percent = stored.score_percent;
    result.passed = stored.passed != 0;
    render_result(state, ctx, fragment, course, quiz, &result, false).await
}

/// The result of one attempt, with the learner's standing on the quiz read after it was
/// stored: attempts left, and whether the quiz is passed (by this attempt or an earlier one:
/// the server's grading, never "pas encore réussi" beside a passing best score).
async fn render_result(
    state: &AppState,
    ctx: &Ctx,
    fragment: bool,
    course: &access::CourseRef,
    quiz: &Quiz,
    result: &Grade,
    course_completed: bool,
) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let summary = queries::attempt_summary(&state.db, user.id, quiz.id).await?;
    let attempts_left = summary.attempts_left(quiz.max_attempts);
    let quiz_passed = result.passed || summary.passed != 0;
    // Correct answers and explanations are revealed once passed or when no attempt is left.
    let reveal = quiz_passed || attempts_left == Some(0);
    let certificate_code = if quiz_passed {
        crate::certificates::queries::valid_code(&state.db, user.id, course.id).await?
    } else {
        None
    };
    let trainer_name = out_of_attempts_trainer(state, course, attempts_left).await?;
    let values = context! {
        course_slug => &course.slug,
        course_title => &course.title,
        quiz => Serde(quiz),
        result => Serde(result),
        quiz_passed,
        best_score => summary.best_score,
        reveal,
        attempts_left,
        trainer_name,
        course_completed,
        certificate_code,
    };
    let name = if fragment {
        "partials/quizzes/result.html"
    } else {
        "views/quizzes/result.html"
    };
    state.render_status(ctx, StatusCode::OK, name, values)
}

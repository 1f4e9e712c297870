//! Taking a quiz: the question page, and grading a submission (fragment for htmx, page otherwise).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use minijinja::context;
use minijinja::value::Serde;

use super::model::{QuestionView, grade, parse_answers};
use super::queries;
use crate::courses::access;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::Ctx;

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
    let user = ctx.require_user()?;
    let questions = queries::questions(&state.db, quiz.id).await?;
    let views: Vec<QuestionView> = questions.iter().map(QuestionView::from).collect();
    let summary = queries::attempt_summary(&state.db, user.id, quiz.id).await?;
    let attempts_left = quiz.max_attempts.map(|max| (max - summary.attempts).max(0));
    Ok(state
        .render(
            &ctx,
            "views/quizzes/show.html",
            context! {
                course_slug => &course.slug,
                course_title => &course.title,
                quiz => Serde(&quiz),
                questions => Serde(views),
                summary => Serde(&summary),
                attempts_left,
            },
        )?
        .into_response())
}

pub async fn submit_quiz(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, quiz_id)): Path<(String, String)>,
    body: Bytes,
) -> AppResult<Response> {
    let (course, quiz) = load(&state, &ctx, &slug, &quiz_id).await?;
    let user = ctx.require_user()?;
    let summary = queries::attempt_summary(&state.db, user.id, quiz.id).await?;
    if quiz.max_attempts.is_some_and(|max| summary.attempts >= max) {
        return Err(AppError::BadRequest("quiz.error.no_attempts_left"));
    }
    let questions = queries::questions(&state.db, quiz.id).await?;
    if questions.is_empty() {
        return Err(AppError::BadRequest("quiz.error.empty"));
    }
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let answers = parse_answers(&form, &questions);
    let result = grade(&questions, &answers, quiz.pass_percent);
    let answers_json = serde_json::to_string(&answers).map_err(anyhow::Error::from)?;
    queries::record_attempt(
        &state.db,
        quiz.id,
        user.id,
        result.score_percent,
        result.passed,
        &answers_json,
    )
    .await?;
    let course_completed = result.passed
        && crate::progress::queries::record_completion_if_done(&state.db, user.id, course.id)
            .await?;
    if course_completed {
        crate::certificates::issue_on_completion(&state, user.id, course.id).await?;
    }
    let attempts_left = quiz
        .max_attempts
        .map(|max| (max - summary.attempts - 1).max(0));
    // Correct answers and explanations are revealed once passed or when no attempt is left.
    let reveal = result.passed || attempts_left == Some(0);
    let values = context! {
        course_slug => &course.slug,
        course_title => &course.title,
        quiz => Serde(&quiz),
        result => Serde(&result),
        reveal,
        attempts_left,
        course_completed,
    };
    if ctx.partial {
        state.render_status(&ctx, StatusCode::OK, "partials/quizzes/result.html", values)
    } else {
        state.render_status(&ctx, StatusCode::OK, "views/quizzes/result.html", values)
    }
}

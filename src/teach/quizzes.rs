//! Quizzes of a course: the quiz, its questions and their options (several may be correct).

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use minijinja::value::Serde;

use super::handlers::{editable, editor_url, translate};
use super::model::{Errors, QuestionForm, QuizForm};
use super::queries;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{Ctx, FlashLevel, RequestContext};

fn quiz_url(course_id: i64, quiz_id: i64) -> String {
    format!("/teach/courses/{course_id}/quizzes/{quiz_id}")
}

pub async fn new_quiz_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let course = editable(&state, &ctx, id).await?;
    state.render_status(
        &ctx,
        StatusCode::OK,
        "views/teach/quiz_new.html",
        context! {
            course => context! { id => course.id, title => course.title },
            form => Serde(QuizForm::blank()),
        },
    )
}

pub async fn new_quiz(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<QuizForm>,
) -> AppResult<Response> {
    let course = editable(&state, &ctx, id).await?;
    match form.parse() {
        Ok(input) => {
            let quiz_id = queries::add_quiz(&state.db, id, &input).await?;
            Ok(ctx.redirect_with_flash(
                FlashLevel::Success,
                "teach.flash.quiz_created",
                &quiz_url(id, quiz_id),
            ))
        }
        Err(keys) => state.render_status(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            "views/teach/quiz_new.html",
            context! {
                course => context! { id => course.id, title => course.title },
                form => Serde(form),
                errors => Serde(translate(&state, &ctx, keys)),
            },
        ),
    }
}

/// The quiz page: settings form, questions, and the form to add a question.
async fn render_quiz(
    state: &AppState,
    ctx: &RequestContext,
    status: StatusCode,
    (course_id, quiz_id): (i64, i64),
    quiz_form: Option<&QuizForm>,
    question_form: &QuestionForm,
    errors: Errors,
) -> AppResult<Response> {
    let course = queries::course(&state.db, course_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let quiz = queries::quiz(&state.db, course_id, quiz_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let form = quiz_form.cloned().unwrap_or_else(|| QuizForm::from(&quiz));
    let questions = queries::questions(&state.db, quiz_id).await?;
    state.render_status(
        ctx,
        status,
        "views/teach/quiz.html",
        context! {
            course => Serde(course),
            quiz => Serde(quiz),
            form => Serde(form),
            questions => Serde(questions),
            question_form => Serde(question_form),
            errors => Serde(errors),
        },
    )
}

pub async fn quiz_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, quiz_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    editable(&state, &ctx, id).await?;
    render_quiz(
        &state,
        &ctx,
        StatusCode::OK,
        (id, quiz_id),
        None,
        &QuestionForm::default(),
        Errors::new(),
    )
    .await
}

pub async fn edit_quiz(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, quiz_id)): Path<(i64, i64)>,
    Form(form): Form<QuizForm>,
) -> AppResult<Response> {
    editable(&state, &ctx, id).await?;
    queries::quiz(&state.db, id, quiz_id)
        .await?
        .ok_or(AppError::NotFound)?;
    match form.parse() {
        Ok(input) => {
            queries::update_quiz(&state.db, id, quiz_id, &input).await?;
            Ok(ctx.redirect_with_flash(
                FlashLevel::Success,
                "teach.flash.quiz_saved",
                &quiz_url(id, quiz_id),
            ))
        }
        Err(keys) => {
            let errors = translate(&state, &ctx, keys);
            render_quiz(
                &state,
                &ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                (id, quiz_id),
                Some(&form),
                &QuestionForm::default(),
                errors,
            )
            .await
        }
    }
}

pub async fn delete_quiz(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, quiz_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    editable(&state, &ctx, id).await?;
    if !queries::delete_quiz(&state.db, id, quiz_id).await? {
        return Err(AppError::NotFound);
    }
    Ok(ctx.redirect_with_flash(
        FlashLevel::Info,
        "teach.flash.quiz_deleted",
        &format!("{}#quizzes", editor_url(id)),
    ))
}

pub async fn add_question(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, quiz_id)): Path<(i64, i64)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    editable(&state, &ctx, id).await?;
    queries::quiz(&state.db, id, quiz_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let form = QuestionForm::from_pairs(&pairs);
    match form.parse() {
        Ok(input) => {
            queries::add_question(&state.db, quiz_id, &input).await?;
            Ok(ctx.redirect_with_flash(
                FlashLevel::Success,
                "teach.flash.question_added",
                &format!("{}#questions", quiz_url(id, quiz_id)),
            ))
        }
        Err(keys) => {
            let errors = translate(&state, &ctx, keys);
            render_quiz(
                &state,
                &ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                (id, quiz_id),
                None,
                &form,
                errors,
            )
            .await
        }
    }
}

async fn render_question_form(
    state: &AppState,
    ctx: &RequestContext,
    status: StatusCode,
    (course_id, quiz_id, question_id): (i64, i64, i64),
    form: &QuestionForm,
    errors: Errors,
) -> AppResult<Response> {
    let quiz = queries::quiz(&state.db, course_id, quiz_id)
        .await?
        .ok_or(AppError::NotFound)?;
    state.render_status(
        ctx,
        status,
        "views/teach/question_form.html",
        context! {
            course => context! { id => course_id },
            quiz => Serde(quiz),
            question_id,
            question_form => Serde(form),
            errors => Serde(errors),
        },
    )
}

pub async fn edit_question_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, quiz_id, question_id)): Path<(i64, i64, i64)>,
) -> AppResult<Response> {
    editable(&state, &ctx, id).await?;
    queries::quiz(&state.db, id, quiz_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let question = queries::questions(&state.db, quiz_id)
        .await?
        .into_iter()
        .find(|q| q.id == question_id)
        .ok_or(AppError::NotFound)?;
    render_question_form(
        &state,
        &ctx,
        StatusCode::OK,
        (id, quiz_id, question_id),
        &question.form(),
        Errors::new(),
    )
    .await
}

pub async fn edit_question(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, quiz_id, question_id)): Path<(i64, i64, i64)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    editable(&state, &ctx, id).await?;
    queries::quiz(&state.db, id, quiz_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let form = QuestionForm::from_pairs(&pairs);
    match form.parse() {
        Ok(input) => {
            if !queries::update_question(&state.db, quiz_id, question_id, &input).await? {
                return Err(AppError::NotFound);
            }
            Ok(ctx.redirect_with_flash(
                FlashLevel::Success,
                "teach.flash.question_saved",
                &format!("{}#questions", quiz_url(id, quiz_id)),
            ))
        }
        Err(keys) => {
            let errors = translate(&state, &ctx, keys);
            render_question_form(
                &state,
                &ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                (id, quiz_id, question_id),
                &form,
                errors,
            )
            .await
        }
    }
}

pub async fn delete_question(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, quiz_id, question_id)): Path<(i64, i64, i64)>,
) -> AppResult<Response> {
    editable(&state, &ctx, id).await?;
    queries::quiz(&state.db, id, quiz_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !queries::delete_question(&state.db, quiz_id, question_id).await? {
        return Err(AppError::NotFound);
    }
    Ok(ctx.redirect_with_flash(
        FlashLevel::Info,
        "teach.flash.question_deleted",
        &format!("{}#questions", quiz_url(id, quiz_id)),
    ))
}

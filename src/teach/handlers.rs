//! The trainer's course list, the course form and editor, publishing, and the learners page.

use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use minijinja::value::{Serde, Value};

use super::files;
use super::model::{CourseForm, CourseRow, ErrorKeys, Errors, QuizForm};
use super::queries;
use crate::courses::access::{self, CourseRef};
use crate::courses::model::LEVELS;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::storage::Bucket;
use crate::web::{Ctx, FlashLevel, RequestContext, Trainer, multipart};

/// The course `id` if the signed-in user may edit it (`courses::access::require_edit`): 404
/// when it does not exist, 403 when it belongs to another trainer. The `/teach` area's guard
/// has already required the trainer role.
pub(super) async fn editable(
    state: &AppState,
    ctx: &RequestContext,
    id: i64,
) -> AppResult<CourseRef> {
    let user = ctx.require_user()?;
    let course = queries::course_ref(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    access::require_edit(user, &course)?;
    Ok(course)
}

/// Translates field error keys for the page.
pub(super) fn translate(state: &AppState, ctx: &RequestContext, keys: ErrorKeys) -> Errors {
    keys.into_iter()
        .map(|(field, key)| (field, state.i18n.t(ctx.locale, key).to_owned()))
        .collect()
}

pub(super) fn editor_url(course_id: i64) -> String {
    format!("/teach/courses/{course_id}/edit")
}

pub async fn index(
    State(state): State<AppState>,
    ctx: Ctx,
    Trainer(user): Trainer,
) -> AppResult<Response> {
    let scope = (!access::edits_every_course(&user)).then_some(user.id);
    let courses = queries::list_courses(&state.db, scope).await?;
    Ok(state
        .render(
            &ctx,
            "views/teach/index.html",
            context! { courses => Serde(courses) },
        )?
        .into_response())
}

/// What the course editor shows below the form: curriculum, resources, quizzes.
async fn editor_values(state: &AppState, course: &CourseRow) -> AppResult<Value> {
    let curriculum = queries::curriculum(&state.db, course.id).await?;
    let resources = queries::resources(&state.db, course.id).await?;
    let quizzes = queries::quizzes(&state.db, course.id).await?;
    Ok(context! {
        course => Serde(course),
        curriculum => Serde(curriculum),
        resources => Serde(resources),
        quizzes => Serde(quizzes),
        quiz_form => Serde(QuizForm::blank()),
        max_upload_mb => state.config.max_upload_bytes / (1024 * 1024),
    })
}

pub(super) async fn render_course_form(
    state: &AppState,
    ctx: &RequestContext,
    status: StatusCode,
    course: Option<&CourseRow>,
    form: &CourseForm,
    errors: Errors,
) -> AppResult<Response> {
    render_course_form_with(state, ctx, status, course, form, errors, context! {}).await
}

/// [`render_course_form`] with `extra` values for the page (what was typed in a refused
/// curriculum form).
pub(super) async fn render_course_form_with(
    state: &AppState,
    ctx: &RequestContext,
    status: StatusCode,
    course: Option<&CourseRow>,
    form: &CourseForm,
    errors: Errors,
    extra: Value,
) -> AppResult<Response> {
    let categories = queries::categories(&state.db).await?;
    // The choices as `[value, label]` pairs for `forms.select`.
    let category_options: Vec<(String, String)> = std::iter::once((
        String::new(),
        state
            .i18n
            .t(ctx.locale, "teach.course.choose_category")
            .to_owned(),
    ))
    .chain(
        categories
            .iter()
            .map(|c| (c.id.to_string(), c.name.clone())),
    )
    .collect();
    let level_options: Vec<(&str, String)> = LEVELS
        .iter()
        .map(|l| {
            (
                *l,
                state
                    .i18n
                    .t(ctx.locale, &format!("course.level.{l}"))
                    .to_owned(),
            )
        })
        .collect();
    let currency_options = [("USD", "USD"), ("CDF", "CDF")];
    let editor = match course {
        Some(c) => editor_values(state, c).await?,
        None => context! {},
    };
    state.render_status(
        ctx,
        status,
        "views/teach/course_form.html",
        context! {
            ..editor,
            ..extra,
            ..context! {
                form => Serde(form),
                errors => Serde(errors),
                category_options,
                level_options,
                currency_options,
            }
        },
    )
}

pub async fn new_course_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let form = CourseForm {
        level: "beginner".into(),
        currency: "USD".into(),
        free: true,
        ..CourseForm::default()
    };
    render_course_form(&state, &ctx, StatusCode::OK, None, &form, Errors::new()).await
}

pub async fn new_course(
    State(state): State<AppState>,
    ctx: Ctx,
    multipart: Multipart,
) -> AppResult<Response> {
    save_course(&state, &ctx, None, multipart).await
}

pub async fn edit_course_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    editable(&state, &ctx, id).await?;
    let course = queries::course(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    render_course_form(
        &state,
        &ctx,
        StatusCode::OK,
        Some(&course),
        &course.form(),
        Errors::new(),
    )
    .await
}

pub async fn edit_course(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> AppResult<Response> {
    editable(&state, &ctx, id).await?;
    let course = queries::course(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    save_course(&state, &ctx, Some(course), multipart).await
}

async fn save_course(
    state: &AppState,
    ctx: &RequestContext,
    existing: Option<CourseRow>,
    multipart: Multipart,
) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let (fields, cover) =
        multipart::read(multipart, "cover", state.config.max_upload_bytes).await?;
    let mut form = CourseForm::default();
    for (name, value) in fields {
        form.set(&name, value);
    }
    let categories = queries::categories(&state.db).await?;
    let ids: Vec<i64> = categories.iter().map(|c| c.id).collect();
    let parsed = form.parse(&ids);
    let mut keys = parsed.as_ref().err().cloned().unwrap_or_default();
    if let Ok(input) = &parsed {
        let except = existing.as_ref().map_or(-1, |c| c.id);
        if queries::slug_taken(&state.db, &input.slug, except).await? {
            keys.insert("slug", "teach.error.slug_taken");
        }
    }
    let mut jpeg = None;
    if let Some(upload) = cover {
        if upload.too_large {
            keys.insert("cover", "teach.error.file_too_large");
        } else {
            let bytes = upload.bytes;
            match tokio::task::spawn_blocking(move || files::process_cover(&bytes))
                .await
                .map_err(|e| AppError::Internal(e.into()))?
            {
                Ok(out) => jpeg = Some(out),
                Err(key) => {
                    keys.insert("cover", key);
                }
            }
        }
    }
    let input = match parsed {
        Ok(input) if keys.is_empty() => input,
        _ => {
            let errors = translate(state, ctx, keys);
            return render_course_form(
                state,
                ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                existing.as_ref(),
                &form,
                errors,
            )
            .await;
        }
    };
    let id = match &existing {
        Some(c) => {
            queries::update_course(&state.db, c.id, &input).await?;
            c.id
        }
        None => queries::create_course(&state.db, user.id, &input, None).await?,
    };
    if let Some(jpeg) = jpeg {
        let name = format!("{}.jpg", files::random_name());
        state.files.put(Bucket::Covers, &name, &jpeg).await?;
        if let Some(old) = queries::set_cover(&state.db, id, &name).await? {
            state.files.remove_logged(Bucket::Covers, &old).await;
        }
    }
    state.forget_public_pages();
    tracing::info!(course.id = id, user.id = user.id, "course saved");
    let key = if existing.is_some() {
        "teach.flash.course_saved"
    } else {
        "teach.flash.course_created"
    };
    Ok(ctx.redirect_with_flash(FlashLevel::Success, key, &editor_url(id)))
}

pub async fn publish(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    editable(&state, &ctx, id).await?;
    if queries::count_lessons(&state.db, id).await? == 0 {
        // Refused with the editor re-rendered and the reason above the publish button.
        let course = queries::course(&state.db, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let mut errors = Errors::new();
        errors.insert(
            "publish",
            state
                .i18n
                .t(ctx.locale, "teach.error.publish_no_lessons")
                .to_owned(),
        );
        return render_course_form(
            &state,
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(&course),
            &course.form(),
            errors,
        )
        .await;
    }
    if queries::publish(&state.db, id).await? {
        state.forget_public_pages();
        tracing::info!(course.id = id, "course published");
        crate::notifications::announce_course(&state, id);
    }
    Ok(ctx.redirect_with_flash(
        FlashLevel::Success,
        "teach.flash.published",
        &editor_url(id),
    ))
}

pub async fn unpublish(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    editable(&state, &ctx, id).await?;
    queries::unpublish(&state.db, id).await?;
    state.forget_public_pages();
    Ok(ctx.redirect_with_flash(FlashLevel::Info, "teach.flash.unpublished", &editor_url(id)))
}

pub async fn learners(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let course = editable(&state, &ctx, id).await?;
    let mut learners = queries::learners(&state.db, id).await?;
    for exhausted in crate::quizzes::queries::exhausted_in_course(&state.db, id).await? {
        if let Some(learner) = learners.iter_mut().find(|l| l.user_id == exhausted.user_id) {
            learner.exhausted.push(exhausted);
        }
    }
    Ok(state
        .render(
            &ctx,
            "views/teach/learners.html",
            context! {
                course => context! { id => course.id, title => course.title, slug => course.slug },
                learners => Serde(learners),
            },
        )?
        .into_response())
}

/// Grants an enrolled learner one more attempt on a quiz of the course (its trainer or an
/// admin: `editable`), so a learner out of attempts is never locked out of the course and its
/// certificate; the learner is notified.
pub async fn grant_attempt(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, user_id, quiz_id)): Path<(i64, i64, i64)>,
) -> AppResult<Response> {
    let course = editable(&state, &ctx, id).await?;
    let trainer = ctx.require_user()?;
    let quiz = crate::quizzes::queries::find_quiz(&state.db, course.id, quiz_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !crate::courses::queries::is_enrolled(&state.db, user_id, course.id).await? {
        return Err(AppError::NotFound);
    }
    crate::quizzes::queries::grant_attempt(&state.db, user_id, quiz.id, trainer.id).await?;
    tracing::info!(
        user.id = trainer.id,
        learner.id = user_id,
        course.id = course.id,
        quiz.id = quiz.id,
        "quiz attempt granted"
    );
    let link = format!("/courses/{}/quizzes/{}", course.slug, quiz.id);
    crate::notifications::notify(
        &state,
        user_id,
        crate::notifications::Notice {
            kind: crate::notifications::Kind::QuizAttemptGranted,
            subject: &quiz.title,
            link: &link,
        },
    )
    .await?;
    Ok(ctx.redirect_with_flash(
        FlashLevel::Success,
        "teach.learners.attempt_granted",
        &format!("/teach/courses/{}/learners", course.id),
    ))
}

/// 303 to the editor, at `anchor`.
pub(super) fn back_to_editor(course_id: i64, anchor: &str) -> Response {
    Redirect::to(&format!("{}#{anchor}", editor_url(course_id))).into_response()
}

//! Sections and lessons of a course: add, rename, edit, delete, reorder. Curriculum changes
//! answer htmx with the curriculum fragment and plain forms with a redirect to the editor.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use minijinja::value::Serde;

use super::handlers::{back_to_editor, editable, render_course_form_with, translate};
use super::model::{Errors, LessonForm, MoveForm, TitleForm, move_in, parse_section_title};
use super::queries::{self, Ordered};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{Ctx, FlashLevel, Fragment, RequestContext};

async fn render_curriculum(
    state: &AppState,
    ctx: &RequestContext,
    course_id: i64,
    status: StatusCode,
    errors: Errors,
    typed: &Typed,
) -> AppResult<Response> {
    let curriculum = queries::curriculum(&state.db, course_id).await?;
    state.render_status(
        ctx,
        status,
        "partials/teach/curriculum.html",
        context! {
            course => context! { id => course_id },
            curriculum => Serde(curriculum),
            errors => Serde(errors),
            ..typed.values()
        },
    )
}

/// A refused section title as typed, shown again in its field: a new section's (`section:
/// None`) or a rename's.
#[derive(Default)]
struct Typed {
    section: Option<i64>,
    title: Option<String>,
}

impl Typed {
    fn values(&self) -> minijinja::Value {
        match (&self.title, self.section) {
            (Some(title), Some(id)) => context! { typed_section => id, typed_title => title },
            (Some(title), None) => context! { section_title => title },
            _ => context! {},
        }
    }
}

/// After a successful change: the fresh fragment for htmx, a redirect otherwise.
async fn changed(
    state: &AppState,
    ctx: &RequestContext,
    fragment: bool,
    course_id: i64,
) -> AppResult<Response> {
    if fragment {
        render_curriculum(
            state,
            ctx,
            course_id,
            StatusCode::OK,
            Errors::new(),
            &Typed::default(),
        )
        .await
    } else {
        Ok(back_to_editor(course_id, "curriculum"))
    }
}

/// A refused change: 422 with the message next to the field, in the fragment or the editor.
async fn refused(
    state: &AppState,
    ctx: &RequestContext,
    fragment: bool,
    course_id: i64,
    errors: Errors,
    typed: Typed,
) -> AppResult<Response> {
    if fragment {
        return render_curriculum(
            state,
            ctx,
            course_id,
            StatusCode::UNPROCESSABLE_ENTITY,
            errors,
            &typed,
        )
        .await;
    }
    let course = queries::course(&state.db, course_id)
        .await?
        .ok_or(AppError::NotFound)?;
    render_course_form_with(
        state,
        ctx,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some(&course),
        &course.form(),
        errors,
        typed.values(),
    )
    .await
}

fn one_error(
    state: &AppState,
    ctx: &RequestContext,
    field: &'static str,
    key: &'static str,
) -> Errors {
    translate(state, ctx, [(field, key)].into_iter().collect())
}

pub async fn add_section(
    State(state): State<AppState>,
    ctx: Ctx,
    Fragment(fragment): Fragment,
    Path(id): Path<i64>,
    Form(form): Form<TitleForm>,
) -> AppResult<Response> {
    editable(&state, &ctx, id).await?;
    match parse_section_title(&form.title) {
        Ok(title) => {
            queries::add_section(&state.db, id, &title).await?;
            changed(&state, &ctx, fragment, id).await
        }
        Err(key) => {
            refused(
                &state,
                &ctx,
                fragment,
                id,
                one_error(&state, &ctx, "section_title", key),
                Typed {
                    section: None,
                    title: Some(form.title.clone()),
                },
            )
            .await
        }
    }
}

pub async fn rename_section(
    State(state): State<AppState>,
    ctx: Ctx,
    Fragment(fragment): Fragment,
    Path((id, section_id)): Path<(i64, i64)>,
    Form(form): Form<TitleForm>,
) -> AppResult<Response> {
    editable(&state, &ctx, id).await?;
    match parse_section_title(&form.title) {
        Ok(title) => {
            if !queries::rename_section(&state.db, id, section_id, &title).await? {
                return Err(AppError::NotFound);
            }
            changed(&state, &ctx, fragment, id).await
        }
        Err(key) => {
            let mut errors = Errors::new();
            errors.insert("section", state.i18n.t(ctx.locale, key).to_owned());
            let typed = Typed {
                section: Some(section_id),
                title: Some(form.title.clone()),
            };
            refused(&state, &ctx, fragment, id, errors, typed).await
        }
    }
}

pub async fn delete_section(
    State(state): State<AppState>,
    ctx: Ctx,
    Fragment(fragment): Fragment,
    Path((id, section_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    editable(&state, &ctx, id).await?;
    if !queries::delete_section(&state.db, id, section_id).await? {
        return Err(AppError::NotFound);
    }
    changed(&state, &ctx, fragment, id).await
}

pub async fn move_section(
    State(state): State<AppState>,
    ctx: Ctx,
    Fragment(fragment): Fragment,
    Path((id, section_id)): Path<(i64, i64)>,
    Form(form): Form<MoveForm>,
) -> AppResult<Response> {
    editable(&state, &ctx, id).await?;
    let mut ids = queries::section_ids(&state.db, id).await?;
    if !ids.contains(&section_id) {
        return Err(AppError::NotFound);
    }
    if move_in(&mut ids, section_id, form.direction) {
        queries::set_positions(&state.db, id, Ordered::Sections, &ids).await?;
    }
    changed(&state, &ctx, fragment, id).await
}

async fn render_lesson_form(
    state: &AppState,
    ctx: &RequestContext,
    status: StatusCode,
    course_id: i64,
    action: String,
    form: &LessonForm,
    errors: Errors,
) -> AppResult<Response> {
    let course = queries::course(&state.db, course_id)
        .await?
        .ok_or(AppError::NotFound)?;
    state.render_status(
        ctx,
        status,
        "views/teach/lesson_form.html",
        context! {
            course => Serde(course),
            action,
            form => Serde(form),
            errors => Serde(errors),
        },
    )
}

pub async fn new_lesson_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, section_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    editable(&state, &ctx, id).await?;
    if !queries::section_exists(&state.db, id, section_id).await? {
        return Err(AppError::NotFound);
    }
    let action = format!("/teach/courses/{id}/sections/{section_id}/lessons/new");
    render_lesson_form(
        &state,
        &ctx,
        StatusCode::OK,
        id,
        action,
        &LessonForm::default(),
        Errors::new(),
    )
    .await
}

pub async fn new_lesson(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, section_id)): Path<(i64, i64)>,
    Form(form): Form<LessonForm>,
) -> AppResult<Response> {
    editable(&state, &ctx, id).await?;
    if !queries::section_exists(&state.db, id, section_id).await? {
        return Err(AppError::NotFound);
    }
    match form.parse() {
        Ok(input) => {
            queries::add_lesson(&state.db, id, section_id, &input).await?;
            Ok(lesson_saved(&ctx, id))
        }
        Err(keys) => {
            let action = format!("/teach/courses/{id}/sections/{section_id}/lessons/new");
            let errors = translate(&state, &ctx, keys);
            render_lesson_form(
                &state,
                &ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                id,
                action,
                &form,
                errors,
            )
            .await
        }
    }
}

fn lesson_saved(ctx: &RequestContext, course_id: i64) -> Response {
    ctx.redirect_with_flash(
        FlashLevel::Success,
        "teach.flash.lesson_saved",
        &format!("/teach/courses/{course_id}/edit#curriculum"),
    )
}

pub async fn edit_lesson_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, lesson_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    editable(&state, &ctx, id).await?;
    let lesson = queries::lesson(&state.db, id, lesson_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let action = format!("/teach/courses/{id}/lessons/{lesson_id}/edit");
    render_lesson_form(
        &state,
        &ctx,
        StatusCode::OK,
        id,
        action,
        &LessonForm::from(&lesson),
        Errors::new(),
    )
    .await
}

pub async fn edit_lesson(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, lesson_id)): Path<(i64, i64)>,
    Form(form): Form<LessonForm>,
) -> AppResult<Response> {
    editable(&state, &ctx, id).await?;
    queries::lesson(&state.db, id, lesson_id)
        .await?
        .ok_or(AppError::NotFound)?;
    match form.parse() {
        Ok(input) => {
            queries::update_lesson(&state.db, id, lesson_id, &input).await?;
            Ok(lesson_saved(&ctx, id))
        }
        Err(keys) => {
            let action = format!("/teach/courses/{id}/lessons/{lesson_id}/edit");
            let errors = translate(&state, &ctx, keys);
            render_lesson_form(
                &state,
                &ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                id,
                action,
                &form,
                errors,
            )
            .await
        }
    }
}

pub async fn delete_lesson(
    State(state): State<AppState>,
    ctx: Ctx,
    Fragment(fragment): Fragment,
    Path((id, lesson_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    editable(&state, &ctx, id).await?;
    if !queries::delete_lesson(&state.db, id, lesson_id).await? {
        return Err(AppError::NotFound);
    }
    changed(&state, &ctx, fragment, id).await
}

pub async fn move_lesson(
    State(state): State<AppState>,
    ctx: Ctx,
    Fragment(fragment): Fragment,
    Path((id, lesson_id)): Path<(i64, i64)>,
    Form(form): Form<MoveForm>,
) -> AppResult<Response> {
    editable(&state, &ctx, id).await?;
    let lesson = queries::lesson(&state.db, id, lesson_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut ids = queries::lesson_ids_in_section(&state.db, id, lesson.section_id).await?;
    if move_in(&mut ids, lesson_id, form.direction) {
        queries::set_positions(&state.db, id, Ordered::Lessons, &ids).await?;
    }
    changed(&state, &ctx, fragment, id).await
}

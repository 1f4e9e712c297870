//! Lessons (reading, video on tap, completion) and resource downloads.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use minijinja::value::Serde;
use tokio_util::io::ReaderStream;

use super::access::{self, CourseRef};
use super::model::{
    Lesson, Video, content_disposition, course_view, is_safe_file_name, neighbours,
};
use super::queries;
use crate::db::flag;
use crate::error::{AppError, AppResult};
use crate::progress::queries as progress;
use crate::state::AppState;
use crate::web::Ctx;

/// An id from the path; anything but a positive integer is a page that does not exist.
fn parse_id(raw: &str) -> AppResult<i64> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(AppError::NotFound)
}

/// The course and lesson, checked: the lesson belongs to the course and the user may read it.
async fn readable_lesson(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    raw_id: &str,
) -> AppResult<(CourseRef, Lesson)> {
    let user = ctx.user.as_ref();
    let course = access::course_for(&state.db, user, slug).await?;
    let id = parse_id(raw_id)?;
    let lesson = queries::lesson(&state.db, course.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !flag(lesson.free_preview) {
        access::require_study(&state.db, user, &course).await?;
    }
    Ok((course, lesson))
}

pub async fn show_lesson(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, raw_id)): Path<(String, String)>,
) -> AppResult<Response> {
    let (course, lesson) = readable_lesson(&state, &ctx, &slug, &raw_id).await?;
    let user = ctx.user.as_ref();
    let can_study = access::can_study(&state.db, user, &course).await?;
    let done = match (user, can_study) {
        (Some(u), true) => progress::done_lessons(&state.db, u.id, course.id)
            .await?
            .contains(&lesson.id),
        _ => false,
    };
    let order = queries::lesson_order(&state.db, course.id).await?;
    let (prev, next) = neighbours(&order, lesson.id);
    let position = order.iter().position(|l| l.id == lesson.id).unwrap_or(0) + 1;
    let video = lesson.video_url.as_deref().map(|url| {
        let embeddable = Video::parse(url).embed_url().is_some();
        context! { url, embeddable }
    });
    Ok(state
        .render(
            &ctx,
            "views/courses/show_lesson.html",
            context! {
                course => course_view(&course),
                lesson => context! {
                    id => lesson.id,
                    title => &lesson.title,
                    section_title => &lesson.section_title,
                    duration_minutes => lesson.duration_minutes,
                    free_preview => flag(lesson.free_preview),
                },
                body => minijinja::Value::from_safe_string(crate::markdown::render(&lesson.body)),
                video,
                can_study,
                done,
                prev => Serde(prev),
                next => Serde(next),
                position,
                lesson_count => order.len(),
            },
        )?
        .into_response())
}

/// The video player, loaded only when the learner taps "Lire la vidéo".
pub async fn lesson_video(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, raw_id)): Path<(String, String)>,
) -> AppResult<Response> {
    let (_, lesson) = readable_lesson(&state, &ctx, &slug, &raw_id).await?;
    let url = lesson.video_url.ok_or(AppError::NotFound)?;
    let Some(embed_url) = Video::parse(&url).embed_url() else {
        return Err(AppError::NotFound);
    };
    if !ctx.partial {
        return Ok(Redirect::to(&url).into_response());
    }
    Ok(state
        .render(
            &ctx,
            "partials/courses/video_embed.html",
            context! { embed_url, title => lesson.title },
        )?
        .into_response())
}

pub async fn complete_lesson(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, raw_id)): Path<(String, String)>,
) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let course = access::course_for(&state.db, Some(user), &slug).await?;
    let id = parse_id(&raw_id)?;
    let lesson = queries::lesson(&state.db, course.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    access::require_study(&state.db, Some(user), &course).await?;
    progress::mark_lesson_done(&state.db, user.id, lesson.id).await?;
    if progress::record_completion_if_done(&state.db, user.id, course.id).await? {
        tracing::info!(user.id = user.id, course.id = course.id, "course completed");
        crate::certificates::issue_on_completion(&state, user.id, course.id).await?;
    }
    let lesson_url = format!("/courses/{}/lessons/{}", course.slug, lesson.id);
    if !ctx.partial {
        return Ok(Redirect::to(&lesson_url).into_response());
    }
    let order = queries::lesson_order(&state.db, course.id).await?;
    let (_, next) = neighbours(&order, lesson.id);
    let course_progress = progress::course_progress(&state.db, user.id, course.id).await?;
    Ok(state
        .render(
            &ctx,
            "partials/courses/lesson_done.html",
            context! {
                course => course_view(&course),
                next => Serde(next),
                progress => Serde(course_progress),
            },
        )?
        .into_response())
}

pub async fn download_resource(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, raw_id)): Path<(String, String)>,
) -> AppResult<Response> {
    let user = ctx.user.as_ref();
    let course = access::course_for(&state.db, user, &slug).await?;
    let id = parse_id(&raw_id)?;
    let resource = queries::resource(&state.db, course.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    access::require_study(&state.db, user, &course).await?;
    if !is_safe_file_name(&resource.stored_name) {
        return Err(AppError::NotFound);
    }
    let path = state
        .config
        .data_dir
        .join("resources")
        .join(&resource.stored_name);
    let file = match tokio::fs::File::open(&path).await {
        Ok(f) => f,
        Err(e) => {
            tracing::warn!(resource.id = resource.id, error = %e, "resource file missing");
            return Err(AppError::NotFound);
        }
    };
    let length = file.metadata().await.ok().map(|m| m.len());
    queries::count_download(&state.db, resource.id).await?;
    let mut response = Body::from_stream(ReaderStream::new(file)).into_response();
    let h = response.headers_mut();
    let content_type = HeaderValue::from_str(&resource.content_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    h.insert(header::CONTENT_TYPE, content_type);
    if let Ok(v) = HeaderValue::from_str(&content_disposition(&resource.original_name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Some(len) = length {
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}

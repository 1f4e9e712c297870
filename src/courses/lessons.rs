//! Lessons (reading, video on tap with its data use shown first, completion) and resumable
//! resource downloads.

use axum::extract::{Path, Request, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use minijinja::value::Serde;

use super::access::{self, CourseRef};
use super::model::{
    Lesson, LessonItem, OutlineLesson, OutlineSection, SectionRow, Video, course_view, neighbours,
};
use super::{downloads, pricing, queries};
use crate::db::flag;
use crate::error::{AppError, AppResult};
use crate::progress::queries as progress;
use crate::state::AppState;
use crate::web::{Ctx, Fragment};

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
    let user = ctx.user.as_ref();
    let course = access::course_for(&state.db, user, &slug).await?;
    let id = parse_id(&raw_id)?;
    let lesson = queries::lesson(&state.db, course.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let can_study = access::can_study(&state.db, user, &course).await?;
    let order = queries::lesson_order(&state.db, course.id).await?;
    let position = order.iter().position(|l| l.id == lesson.id).unwrap_or(0) + 1;
    if !flag(lesson.free_preview) && !can_study {
        return locked_lesson(&state, &ctx, &course, &lesson, position, order.len()).await;
    }
    let done_ids = match (user, can_study) {
        (Some(u), true) => progress::done_lessons(&state.db, u.id, course.id).await?,
        _ => Vec::new(),
    };
    let done = done_ids.contains(&lesson.id);
    let certificate_code = match user {
        Some(u) if done => {
            crate::certificates::queries::valid_code(&state.db, u.id, course.id).await?
        }
        _ => None,
    };
    let sections = queries::sections(&state.db, course.id).await?;
    let outline = outline(&sections, &order, &done_ids, lesson.id, can_study);
    let (prev, next) = neighbours(&order, lesson.id);
    let video = lesson.video_url.as_deref().map(|url| {
        let parsed = Video::parse(url);
        let embeddable = parsed.embed_url().is_some();
        let estimate = ctx
            .data_saver
            .then(|| video_estimate(&state, &ctx, &parsed, lesson.duration_minutes))
            .flatten();
        context! { url, embeddable, estimate }
    });
    let approx = if can_study || course.is_free() {
        None
    } else {
        pricing::rates(&state)
            .await
            .approx(course.price_minor, &course.currency)
    };
    Ok(state
        .render(
            &ctx,
            "views/courses/show_lesson.html",
            context! {
                course => course_view(&course),
                approx => Serde(approx),
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
                certificate_code,
                outline => Serde(outline),
                done_count => done_ids.len(),
                prev => Serde(prev),
                next => Serde(next),
                position,
                lesson_count => order.len(),
            },
        )?
        .into_response())
}

/// The course's outline beside a lesson: sections, their lessons (done, current, open to this
/// reader or not).
fn outline(
    sections: &[SectionRow],
    order: &[LessonItem],
    done: &[i64],
    current: i64,
    can_study: bool,
) -> Vec<OutlineSection> {
    sections
        .iter()
        .map(|s| OutlineSection {
            title: s.title.clone(),
            lessons: order
                .iter()
                .filter(|l| l.section_id == s.id)
                .map(|l| OutlineLesson {
                    id: l.id,
                    title: l.title.clone(),
                    done: done.contains(&l.id),
                    current: l.id == current,
                    open: can_study || flag(l.free_preview),
                })
                .collect(),
        })
        .filter(|s| !s.lessons.is_empty())
        .collect()
}

/// A lesson the reader may not open yet (not a free preview; not enrolled, or not signed in):
/// instead of a bare "Erreur 403", a 403 page saying what the lesson is, with the course's
/// summary and the way in — buy a paid course (its price in both currencies), enrol in a free
/// one — and, for visitors, the sign-in path back here.
async fn locked_lesson(
    state: &AppState,
    ctx: &Ctx,
    course: &CourseRef,
    lesson: &Lesson,
    position: usize,
    lesson_count: usize,
) -> AppResult<Response> {
    let detail = queries::course_detail(&state.db, course.id).await?;
    let approx = pricing::rates(state)
        .await
        .approx(course.price_minor, &course.currency);
    let here = format!("/courses/{}/lessons/{}", course.slug, lesson.id);
    state.render_status(
        ctx,
        StatusCode::FORBIDDEN,
        "views/courses/locked_lesson.html",
        context! {
            course => Serde(&detail),
            approx => Serde(approx),
            lesson => context! {
                id => lesson.id,
                title => &lesson.title,
                section_title => &lesson.section_title,
                duration_minutes => lesson.duration_minutes,
            },
            position,
            lesson_count,
            here,
        },
    )
}

/// Rough data use of an embedded video at the quality a phone gets by default (360p):
/// YouTube about 0.7 Mbit/s, Vimeo about 1 Mbit/s. `None` for a link we cannot estimate.
pub fn video_megabytes_per_hour(video: &Video) -> Option<u64> {
    match video {
        Video::YouTube(_) => Some(300),
        Video::Vimeo(_) => Some(450),
        Video::Other => None,
    }
}

/// What the data saver says before a video loads: the rate, and the whole lesson's share when
/// its duration is known.
fn video_estimate(
    state: &AppState,
    ctx: &Ctx,
    video: &Video,
    duration_minutes: i64,
) -> Option<minijinja::Value> {
    let rate = video_megabytes_per_hour(video)?;
    let minutes = u64::try_from(duration_minutes).ok().filter(|m| *m > 0);
    let lesson_size = minutes.map(|m| {
        crate::profile::data_saver::size_label(
            &state.i18n,
            ctx.locale,
            (rate * m).div_ceil(60) * 1024 * 1024,
        )
    });
    Some(context! { rate, minutes, lesson_size })
}

/// The video player, loaded only when the learner taps "Lire la vidéo".
pub async fn lesson_video(
    State(state): State<AppState>,
    ctx: Ctx,
    Fragment(fragment): Fragment,
    Path((slug, raw_id)): Path<(String, String)>,
) -> AppResult<Response> {
    let (_, lesson) = readable_lesson(&state, &ctx, &slug, &raw_id).await?;
    let url = lesson.video_url.ok_or(AppError::NotFound)?;
    let Some(embed_url) = Video::parse(&url).embed_url() else {
        return Err(AppError::NotFound);
    };
    if !fragment {
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
    Fragment(fragment): Fragment,
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
    if !fragment {
        return Ok(Redirect::to(&lesson_url).into_response());
    }
    let order = queries::lesson_order(&state.db, course.id).await?;
    let (_, next) = neighbours(&order, lesson.id);
    let course_progress = progress::course_progress(&state.db, user.id, course.id).await?;
    let certificate_code =
        crate::certificates::queries::valid_code(&state.db, user.id, course.id).await?;
    Ok(state
        .render(
            &ctx,
            "partials/courses/lesson_done.html",
            context! {
                course => course_view(&course),
                next => Serde(next),
                progress => Serde(course_progress),
                certificate_code,
            },
        )?
        .into_response())
}

/// A resource file, after the access check (served by [`downloads::serve`]); a download from
/// its first byte is counted.
pub async fn download_resource(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, raw_id)): Path<(String, String)>,
    request: Request,
) -> AppResult<Response> {
    let user = ctx.user.as_ref();
    let course = access::course_for(&state.db, user, &slug).await?;
    let id = parse_id(&raw_id)?;
    let resource = queries::resource(&state.db, course.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    access::require_study(&state.db, user, &course).await?;
    let (method, headers) = (request.method(), request.headers());
    let served = downloads::serve(&state.files, &resource, method, headers).await?;
    if served.from_start && method == Method::GET {
        queries::count_download(&state.db, resource.id).await?;
    }
    Ok(served.response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn video_estimates_by_provider() {
        assert_eq!(
            video_megabytes_per_hour(&Video::parse("https://youtu.be/dQw4w9WgXcQ")),
            Some(300)
        );
        assert_eq!(
            video_megabytes_per_hour(&Video::parse("https://vimeo.com/76979871")),
            Some(450)
        );
        assert_eq!(
            video_megabytes_per_hour(&Video::parse("https://example.cd/v.mp4")),
            None
        );
    }
}

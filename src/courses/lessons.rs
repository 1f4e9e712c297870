//! Lessons (reading, video on tap with its data use shown first, completion) and resumable
//! resource downloads.

use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use minijinja::value::Serde;
use tower::ServiceExt;
use tower_http::services::ServeFile;

use super::access::{self, CourseRef};
use super::model::{
    Lesson, Video, content_disposition, course_view, is_safe_file_name, neighbours,
};
use super::queries;
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
        let parsed = Video::parse(url);
        let embeddable = parsed.embed_url().is_some();
        let estimate = ctx
            .data_saver
            .then(|| video_estimate(&state, &ctx, &parsed, lesson.duration_minutes))
            .flatten();
        context! { url, embeddable, estimate }
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

/// The request headers `ServeFile` answers (range, validators); nothing else reaches it.
const FILE_REQUEST_HEADERS: [header::HeaderName; 5] = [
    header::RANGE,
    header::IF_NONE_MATCH,
    header::IF_MATCH,
    header::IF_MODIFIED_SINCE,
    header::IF_UNMODIFIED_SINCE,
];

/// A resource file, after the access check: `tower_http`'s `ServeFile` answers single byte
/// ranges (206, 416), `ETag`/`Last-Modified` and their conditions (304, 412); this adds
/// `If-Range` (a range only while the file is unchanged), the type, name and cache policy.
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
    if !is_safe_file_name(&resource.stored_name) {
        return Err(AppError::NotFound);
    }
    let path = state
        .config
        .data_dir
        .join("resources")
        .join(&resource.stored_name);
    if let Err(e) = tokio::fs::metadata(&path).await {
        tracing::warn!(resource.id = resource.id, error = %e, "resource file missing");
        return Err(AppError::NotFound);
    }
    let method = if request.method() == Method::HEAD {
        Method::HEAD
    } else {
        Method::GET
    };
    let mut headers = HeaderMap::new();
    for name in FILE_REQUEST_HEADERS {
        if let Some(v) = request.headers().get(&name) {
            headers.insert(name, v.clone());
        }
    }
    let serve = ServeFile::new(&path).ignore_multi_range_requests(true);
    if headers.contains_key(header::RANGE)
        && let Some(if_range) = request.headers().get(header::IF_RANGE)
    {
        let probe = file_request(Method::HEAD, HeaderMap::new())?;
        let current = serve
            .clone()
            .oneshot(probe)
            .await
            .unwrap_or_else(|e| match e {});
        if !if_range_matches(if_range, current.headers()) {
            headers.remove(header::RANGE);
        }
    }
    let served = serve
        .oneshot(file_request(method, headers)?)
        .await
        .unwrap_or_else(|e| match e {});
    let status = served.status();
    if status == StatusCode::NOT_FOUND {
        return Err(AppError::NotFound);
    }
    let from_start = status == StatusCode::OK
        || (status == StatusCode::PARTIAL_CONTENT
            && served
                .headers()
                .get(header::CONTENT_RANGE)
                .is_some_and(|v| v.as_bytes().starts_with(b"bytes 0-")));
    if from_start && request.method() == Method::GET {
        queries::count_download(&state.db, resource.id).await?;
    }
    let mut response = served.map(Body::new);
    let h = response.headers_mut();
    if status.is_success() {
        let content_type = HeaderValue::from_str(&resource.content_type)
            .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
        h.insert(header::CONTENT_TYPE, content_type);
        if let Ok(v) = HeaderValue::from_str(&content_disposition(&resource.original_name)) {
            h.insert(header::CONTENT_DISPOSITION, v);
        }
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Course material, not account data, and often megabytes on paid mobile data: the browser
    // may keep it to revalidate (ETag → 304) rather than download it again, never shared; the
    // log-out's `Clear-Site-Data: "cache"` removes it from the phone.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    Ok(response)
}

fn file_request(method: Method, headers: HeaderMap) -> AppResult<axum::http::Request<Body>> {
    let mut request = axum::http::Request::builder()
        .method(method)
        .uri("/")
        .body(Body::empty())
        .map_err(|e| AppError::Internal(e.into()))?;
    *request.headers_mut() = headers;
    Ok(request)
}

/// `If-Range` (RFC 9110 §13.1.5): an entity tag must equal the current strong `ETag`; a date
/// must equal `Last-Modified`. Anything else sends the whole file.
fn if_range_matches(if_range: &HeaderValue, current: &HeaderMap) -> bool {
    let value = if_range.as_bytes();
    if value.starts_with(b"W/") {
        return false;
    }
    let validator = if value.starts_with(b"\"") {
        header::ETAG
    } else {
        header::LAST_MODIFIED
    };
    current
        .get(validator)
        .is_some_and(|v| v.as_bytes() == value && !v.as_bytes().starts_with(b"W/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_range_needs_the_same_strong_validator() {
        let mut current = HeaderMap::new();
        current.insert(header::ETAG, HeaderValue::from_static("\"12-abc\""));
        current.insert(
            header::LAST_MODIFIED,
            HeaderValue::from_static("Wed, 25 Nov 2026 10:00:00 GMT"),
        );
        let matches = |v: &'static str| if_range_matches(&HeaderValue::from_static(v), &current);
        assert!(matches("\"12-abc\""));
        assert!(!matches("\"12-abd\""));
        assert!(!matches("W/\"12-abc\""));
        assert!(matches("Wed, 25 Nov 2026 10:00:00 GMT"));
        assert!(!matches("Wed, 25 Nov 2026 09:00:00 GMT"));
    }

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

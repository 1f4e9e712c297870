//! "Télécharger pour hors connexion": what a whole course takes on the phone — its pages (the
//! course, each lesson, each quiz) and its resources, each with its size — for an enrolled
//! learner to keep in one tap (`static/js/offline.js` hands the list to the service worker,
//! which downloads it, shows the progress and resumes after a dropped connection), and
//! `/offline/courses`, the courses kept on this phone and the space they take.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use minijinja::value::Serde;
use serde::Serialize;

use super::access::{self, CourseRef};
use super::queries;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{Ctx, FlashLevel};

/// What a kept page weighs besides its text: the page around it (header, menus, footer),
/// uncompressed as the phone stores it.
const PAGE_BYTES: i64 = 9 * 1024;

/// Resources up to this size are ticked at first (the learner changes it, on this phone).
pub const DEFAULT_LIMIT_MB: i64 = 5;

/// One thing the pack would keep.
#[derive(Debug, Serialize)]
struct PackItem {
    kind: &'static str,
    title: String,
    path: String,
    bytes: i64,
}

/// What a course's pack holds for an enrolled learner now.
struct Pack {
    pages: Vec<PackItem>,
    resources: Vec<PackItem>,
    /// External videos (title, minutes): named, not downloaded.
    videos: Vec<(String, i64)>,
}

/// The course a signed-in learner may keep, with its pack; `None` when she may not study it.
async fn pack_for(state: &AppState, ctx: &Ctx, slug: &str) -> AppResult<Option<(CourseRef, Pack)>> {
    let user = ctx.require_user()?;
    let course = access::course_for(&state.db, Some(user), slug).await?;
    if !access::can_study(&state.db, Some(user), &course).await? {
        return Ok(None);
    }
    let base = format!("/courses/{slug}");
    let lessons = queries::pack_lessons(&state.db, course.id).await?;
    let mut pages = vec![PackItem {
        kind: "course",
        title: course.title.clone(),
        path: base.clone(),
        bytes: PAGE_BYTES * 2,
    }];
    pages.extend(lessons.iter().map(|l| PackItem {
        kind: "lesson",
        title: l.title.clone(),
        path: format!("{base}/lessons/{}", l.id),
        bytes: PAGE_BYTES + l.body_bytes,
    }));
    pages.extend(
        queries::quizzes(&state.db, course.id)
            .await?
            .into_iter()
            .map(|q| PackItem {
                kind: "quiz",
                title: q.title,
                path: format!("{base}/quizzes/{}", q.id),
                bytes: PAGE_BYTES * 2,
            }),
    );
    let resources = queries::resources(&state.db, course.id)
        .await?
        .into_iter()
        .map(|r| PackItem {
            kind: "resource",
            title: r.title,
            path: format!("{base}/resources/{}", r.id),
            bytes: r.size_bytes,
        })
        .collect();
    let videos = lessons
        .iter()
        .filter(|l| l.video_url.is_some())
        .map(|l| (l.title.clone(), l.duration_minutes))
        .collect();
    Ok(Some((
        course,
        Pack {
            pages,
            resources,
            videos,
        },
    )))
}

/// `GET /courses/{slug}/offline`
pub async fn pack_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let Some((course, pack)) = pack_for(&state, &ctx, &slug).await? else {
        return Ok(ctx.redirect_with_flash(
            FlashLevel::Info,
            "offline.pack.enrol_first",
            &format!("/courses/{slug}"),
        ));
    };
    let pages_bytes: i64 = pack.pages.iter().map(|p| p.bytes).sum();
    let values = context! {
        course => context! { slug => &course.slug, title => &course.title },
        pages => Serde(&pack.pages),
        pages_bytes,
        resources => Serde(&pack.resources),
        videos => pack.videos,
        limit_mb => DEFAULT_LIMIT_MB,
    };
    Ok(state
        .render(&ctx, "views/courses/offline.html", values)?
        .into_response())
}

/// `GET /courses/{slug}/offline/items`: what the pack holds now, for the service worker to
/// bring a kept copy up to date (new pages added, removed ones dropped, the rest revalidated by
/// their `ETag`). `403` once the learner may no longer study the course: the copy stays as it is.
pub async fn pack_items(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let Some((_, pack)) = pack_for(&state, &ctx, &slug).await? else {
        return Err(AppError::Forbidden);
    };
    let items: Vec<serde_json::Value> = pack
        .pages
        .iter()
        .chain(&pack.resources)
        .map(|i| serde_json::json!({ "p": i.path, "b": i.bytes, "k": i.kind }))
        .collect();
    let mut response = Json(serde_json::json!({ "items": items })).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}

/// `GET /offline/courses`: the list is read from this phone by `offline.js`.
pub async fn kept_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    ctx.require_user()?;
    Ok(state
        .render(&ctx, "views/courses/offline_kept.html", context! {})?
        .into_response())
}

//! Catalogue, course page, enrolment, purchase placeholder, cover image.

use std::collections::HashMap;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_htmx::HxHistoryRestoreRequest;
use minijinja::context;
use minijinja::value::Serde;
use serde::Serialize;

use super::access::{self, CourseRef};
use super::model::{
    CardView, CatalogueFilter, CatalogueQuery, LessonItem, PAGE_SIZE, PriceFilter, SectionView,
};
use super::{pricing, queries};
use crate::error::{AppError, AppResult};
use crate::progress::queries as progress;
use crate::state::AppState;
use crate::storage::Bucket;
use crate::web::{Ctx, FlashLevel, Fragment};

#[derive(Serialize)]
struct Chip {
    label: String,
    url: String,
    active: bool,
}

/// `GET /courses`: the catalogue page, or its results for htmx as the search box is typed in.
/// The box pushes each search's URL; the page carries `hx-history="false"`, so Back asks the
/// server again for the page of that URL (htmx's history-restore request, answered with the
/// whole page here) and the box shows the query the URL holds, not the last one typed.
pub async fn list_courses(
    State(state): State<AppState>,
    ctx: Ctx,
    Fragment(fragment): Fragment,
    HxHistoryRestoreRequest(restoring): HxHistoryRestoreRequest,
    Query(raw): Query<CatalogueQuery>,
) -> AppResult<Response> {
    let fragment = fragment && !restoring;
    let filter = CatalogueFilter::parse(&raw);
    let results = state
        .page_cache
        .get_or_load(&filter.url(&[]), || {
            queries::search_published(&state.db, &filter, PAGE_SIZE)
        })
        .await?;
    let (cards, pagination) = (&results.cards, results.pagination);
    let mut progress_by_course = match &ctx.user {
        Some(u) => progress::enrolled_progress(&state.db, u.id).await?,
        None => HashMap::new(),
    };
    let rates = pricing::rates(&state).await;
    let mut cards: Vec<CardView> = pricing::card_views(cards, rates);
    for card in &mut cards {
        card.progress = progress_by_course.remove(&card.course.id);
    }
    // Links from the canonical URL of these filters, whatever the request's spelling.
    let values = context! {
        cards => Serde(&cards),
        total => pagination.total(),
        pagination => Serde(pagination.view(&filter.url(&[]))),
        filter => Serde(&filter),
        approximate => results.approximate,
    };
    let mut response = if fragment {
        state.render(&ctx, "partials/courses/results.html", values)?
    } else {
        let categories = state
            .page_cache
            .get_or_load("catalogue:categories", || {
                queries::categories_in_use(&state.db)
            })
            .await?;
        let mut category_chips = vec![Chip {
            label: state
                .i18n
                .t(ctx.locale, "catalogue.all_categories")
                .to_owned(),
            url: filter.url(&[("category", ""), ("page", "")]),
            active: filter.category.is_empty(),
        }];
        category_chips.extend(categories.iter().map(|c| Chip {
            url: filter.url(&[("category", &c.slug), ("page", "")]),
            active: filter.category == c.slug,
            label: c.name.clone(),
        }));
        let price_chips: Vec<Chip> = [
            ("", None, "catalogue.price_all"),
            ("free", Some(PriceFilter::Free), "catalogue.price_free"),
            ("paid", Some(PriceFilter::Paid), "catalogue.price_paid"),
        ]
        .into_iter()
        .map(|(code, value, key)| Chip {
            label: state.i18n.t(ctx.locale, key).to_owned(),
            url: filter.url(&[("price", code), ("page", "")]),
            active: filter.price == value,
        })
        .collect();
        state.render(
            &ctx,
            "views/courses/list_courses.html",
            context! { ..values, ..context! {
                category_chips => Serde(category_chips),
                price_chips => Serde(price_chips),
            }},
        )?
    }
    .into_response();
    // The history-restore request gets the page where a plain htmx request gets the results.
    response.headers_mut().append(
        header::VARY,
        HeaderValue::from_static("HX-History-Restore-Request"),
    );
    Ok(response)
}

pub async fn show_course(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let user = ctx.user.as_ref();
    let course = access::course_for(&state.db, user, &slug).await?;
    let detail = queries::course_detail(&state.db, course.id).await?;
    let description = crate::markdown::render(&detail.description);
    let held_cover =
        crate::profile::data_saver::held_cover(&state, &ctx, detail.cover_path.as_deref()).await;
    let sections = queries::sections(&state.db, course.id).await?;
    let lessons = queries::lesson_order(&state.db, course.id).await?;
    let mut by_section: HashMap<i64, Vec<LessonItem>> = HashMap::new();
    for lesson in lessons {
        by_section
            .entry(lesson.section_id)
            .or_default()
            .push(lesson);
    }
    let curriculum: Vec<SectionView> = sections
        .into_iter()
        .map(|s| SectionView {
            lessons: by_section.remove(&s.id).unwrap_or_default(),
            id: s.id,
            title: s.title,
        })
        .collect();
    let resources = queries::resources(&state.db, course.id).await?;
    let quizzes = queries::quizzes(&state.db, course.id).await?;
    let staff = access::is_staff(user, &course);
    let certificate_code = match user {
        Some(u) => crate::certificates::queries::valid_code(&state.db, u.id, course.id).await?,
        None => None,
    };
    let (enrolled, done, passed, course_progress, resume) = match user {
        Some(u) => {
            let enrolled = queries::is_enrolled(&state.db, u.id, course.id).await?;
            let done = progress::done_lessons(&state.db, u.id, course.id).await?;
            let passed = progress::passed_quizzes(&state.db, u.id, course.id).await?;
            let (p, resume) = if enrolled {
                (
                    Some(progress::course_progress(&state.db, u.id, course.id).await?),
                    progress::next_unfinished_lesson(&state.db, u.id, course.id).await?,
                )
            } else {
                (None, None)
            };
            (enrolled, done, passed, p, resume)
        }
        None => (false, Vec::new(), Vec::new(), None, None),
    };
    let recommendations = match user {
        Some(u) => crate::recommendations::for_user_except(&state, u.id, 3, &[course.id]).await?,
        None => Vec::new(),
    };
    let approx = pricing::rates(&state)
        .await
        .approx(detail.price_minor, &detail.currency);
    let first_lesson = curriculum
        .iter()
        .flat_map(|s| s.lessons.first())
        .map(|l| l.id)
        .next();
    Ok(state
        .render(
            &ctx,
            "views/courses/show_course.html",
            context! {
                course => Serde(&detail),
                approx => Serde(approx),
                held_cover,
                description => minijinja::Value::from_safe_string(description),
                curriculum => Serde(curriculum),
                resources => Serde(resources),
                quizzes => Serde(quizzes),
                can_study => enrolled || staff,
                enrolled,
                staff,
                done,
                passed,
                progress => Serde(course_progress),
                resume => resume.or(if enrolled { first_lesson } else { None }),
                certificate_code,
                recommendations => Serde(recommendations),
            },
        )?
        .into_response())
}

/// Free courses only: a paid course is enrolled by a successful payment.
pub async fn enrol(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let course = access::course_for(&state.db, Some(user), &slug).await?;
    if !course.is_free() {
        return refuse_paid(&state, &ctx);
    }
    if !course.is_published() {
        return Err(AppError::NotFound);
    }
    queries::enrol(&state.db, user.id, course.id, "free").await?;
    tracing::info!(user.id = user.id, course.id = course.id, "learner enrolled");
    Ok(ctx.redirect_with_flash(
        FlashLevel::Success,
        "enrol.done",
        &format!("/courses/{}", course.slug),
    ))
}

fn refuse_paid(state: &AppState, ctx: &Ctx) -> AppResult<Response> {
    state.render_status(
        ctx,
        StatusCode::FORBIDDEN,
        "views/errors/error.html",
        context! { status => 403, message => state.i18n.t(ctx.locale, "enrol.paid_refused") },
    )
}

/// `GET` on the enrolment URL (after logging in with `next`): back to the course page.
pub async fn enrol_page(Path(slug): Path<String>) -> Response {
    Redirect::to(&format!(
        "/courses/{}",
        crate::web::context::urlencode(&slug)
    ))
    .into_response()
}

/// The checkout is the payments feature's: `/payments/checkout/{slug}`.
pub async fn buy_course(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let course: CourseRef = access::course_for(&state.db, ctx.user.as_ref(), &slug).await?;
    if course.is_free() {
        return Ok(Redirect::to(&format!("/courses/{}", course.slug)).into_response());
    }
    Ok(Redirect::to(&format!(
        "/payments/checkout/{}",
        crate::web::context::urlencode(&course.slug)
    ))
    .into_response())
}

pub async fn course_cover(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let course = access::course_for(&state.db, ctx.user.as_ref(), &slug).await?;
    let detail = queries::course_detail(&state.db, course.id).await?;
    // A name the storage never wrote (a path) is refused there: 404.
    let name = detail.cover_path.ok_or(AppError::NotFound)?;
    let bytes = state
        .files
        .get(Bucket::Covers, &name)
        .await?
        .ok_or(AppError::NotFound)?;
    let mime = infer::get(&bytes)
        .map(|t| t.mime_type())
        .filter(|m| m.starts_with("image/"))
        .ok_or(AppError::NotFound)?;
    let mut response = Body::from(bytes).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    Ok(response)
}

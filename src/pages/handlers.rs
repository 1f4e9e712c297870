//! Home, about, language switch, health check, service worker and offline page.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use minijinja::value::Serde;
use serde::Deserialize;

use super::queries;
use crate::auth::model::safe_next;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::Ctx;
use crate::web::context::LANG_COOKIE;
use crate::web::i18n::Locale;

/// The portfolio of the platform's creator, linked from the home and about pages.
pub const PORTFOLIO_URL: &str = "https://chadrackmbu.pythonanywhere.com/";

pub async fn home(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let courses = state
        .page_cache
        .get_or_load("home:courses", || {
            crate::courses::queries::latest_published(&state.db, 6)
        })
        .await?;
    let testimonials = state
        .page_cache
        .get_or_load("home:testimonials", || {
            queries::published_testimonials(&state.db, 3)
        })
        .await?;
    let cards =
        crate::courses::pricing::card_views(&courses, crate::courses::pricing::rates(&state).await);
    Ok(state
        .render(
            &ctx,
            "views/pages/home.html",
            context! { courses => Serde(cards), testimonials => Serde(&*testimonials), portfolio_url => PORTFOLIO_URL },
        )?
        .into_response())
}

pub async fn about(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    Ok(state
        .render(
            &ctx,
            "views/pages/about.html",
            context! { portfolio_url => PORTFOLIO_URL },
        )?
        .into_response())
}

#[derive(Deserialize)]
pub struct LanguageForm {
    #[serde(default)]
    lang: String,
    #[serde(default)]
    next: String,
}

/// Remembers the chosen language in a cookie, and on the account when signed in.
pub async fn set_language(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<LanguageForm>,
) -> AppResult<Response> {
    let locale = Locale::parse(&form.lang).ok_or(AppError::BadRequest("error.lang"))?;
    if let Some(user) = &ctx.user {
        crate::auth::queries::set_locale(&state.db, user.id, locale.code()).await?;
    }
    let next = if form.next.is_empty() {
        "/".to_owned()
    } else {
        safe_next(&form.next)
    };
    let mut response = Redirect::to(&next).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        ctx.cookie(LANG_COOKIE, locale.code().to_owned(), 365),
    );
    Ok(response)
}

/// `GET /lang?lang=en&next=…`: a visitor's choice, from the footer's links (her pages hold no
/// form token). Only the cookie is set: a signed-in user's language on her account changes
/// through the form (`POST /lang`), so a link from elsewhere cannot change it.
pub async fn choose_language(ctx: Ctx, Query(form): Query<LanguageForm>) -> AppResult<Response> {
    let locale = Locale::parse(&form.lang).ok_or(AppError::BadRequest("error.lang"))?;
    let next = if form.next.is_empty() {
        "/".to_owned()
    } else {
        safe_next(&form.next)
    };
    let mut response = Redirect::to(&next).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        ctx.cookie(LANG_COOKIE, locale.code().to_owned(), 365),
    );
    Ok(response)
}

/// `GET /healthz`: 200 when the database answers, 503 otherwise.
pub async fn healthz(State(state): State<AppState>) -> Response {
    if state.db.is_healthy().await {
        (StatusCode::OK, "ok").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
    }
}

/// The service worker's code; `/sw.js` prefixes it with the app shell's current URLs.
const SERVICE_WORKER: &str = include_str!("../../static/js/sw.js");

/// The files every page needs (hashed URLs) and the offline page: what the worker precaches.
const SHELL_ASSETS: [&str; 7] = [
    "app.css",
    "js/theme.js",
    "vendor/htmx.min.js",
    "vendor/htmx-ext-sse.js",
    "vendor/htmx-ext-ws.js",
    "js/app.js",
    "icon.svg",
];

/// The worker's source: `VERSION` changes with any shell file (their URLs carry their hash) or
/// the worker itself, so a deployment installs a new worker that fetches the new shell.
fn service_worker_source(assets: &crate::web::assets::Assets) -> (String, String) {
    let mut shell: Vec<String> = SHELL_ASSETS.iter().map(|name| assets.url(name)).collect();
    shell.push("/offline".to_owned());
    let urls = serde_json::to_string(&shell).unwrap_or_else(|_| "[]".to_owned());
    let version =
        crate::web::tokens::short_digest(format!("{urls}\n{SERVICE_WORKER}").as_bytes(), 6);
    let source = format!("var VERSION = '{version}';\nvar SHELL = {urls};\n{SERVICE_WORKER}");
    (version, source)
}

/// `GET /sw.js`: the service worker, at the root so that its scope is the whole site. Never
/// cached by HTTP, so that the browser sees a new version at once; its version is the ETag, so
/// the browser's check on each visit costs a 304, not the whole file again.
pub async fn service_worker(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let (version, source) = service_worker_source(&state.assets);
    let etag = format!("\"{version}\"");
    let etag_header = HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"sw\""));
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag));
    if unchanged {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag_header)]).into_response();
    }
    (
        [
            (header::ETAG, etag_header),
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/javascript; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (
                header::HeaderName::from_static("service-worker-allowed"),
                HeaderValue::from_static("/"),
            ),
        ],
        source,
    )
        .into_response()
}

/// `GET /offline`: the page the service worker shows for a page it cannot fetch nor has kept.
pub async fn offline(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    Ok(state
        .render(&ctx, "views/pages/offline.html", context! {})?
        .into_response())
}

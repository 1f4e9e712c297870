//! Home, about, language switch, health check.

use axum::Form;
use axum::extract::State;
use axum::http::{StatusCode, header};
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
    Ok(state
        .render(
            &ctx,
            "views/pages/home.html",
            context! { courses => Serde(&*courses), testimonials => Serde(&*testimonials), portfolio_url => PORTFOLIO_URL },
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

/// `GET /healthz`: 200 when the database answers, 503 otherwise.
pub async fn healthz(State(state): State<AppState>) -> Response {
    if state.db.is_healthy().await {
        (StatusCode::OK, "ok").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
    }
}

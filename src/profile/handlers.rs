//! The profile page: personal information, photo, learning history and statistics.

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use minijinja::value::Serde;

use super::model::{EnrolmentView, Errors, ProfileForm, QuizResultView, Stats, zone_options};
use super::queries;
use crate::error::{AppError, AppResult};
use crate::progress;
use crate::state::AppState;
use crate::web::time::Style;
use crate::web::{Ctx, FlashLevel, RequestContext};

/// How many quiz results the history shows.
const QUIZ_RESULTS: i64 = 50;

pub async fn profile_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    render_stored(&state, &ctx, StatusCode::OK, Errors::new()).await
}

pub async fn save_profile(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<ProfileForm>,
) -> AppResult<Response> {
    let user = ctx.require_user()?;
    match form.parse() {
        Ok(input) => {
            queries::save_profile(&state.db, user.id, &input).await?;
            state.forget_public_pages(); // a trainer's name is on the catalogue cards
            Ok(ctx.redirect_with_flash(FlashLevel::Success, "profile.flash.saved", "/profile"))
        }
        Err(keys) => {
            let errors = keys
                .into_iter()
                .map(|(field, key)| (field, state.i18n.t(ctx.locale, key).to_owned()))
                .collect();
            render_profile(&state, &ctx, StatusCode::UNPROCESSABLE_ENTITY, form, errors).await
        }
    }
}

async fn render_profile(
    state: &AppState,
    ctx: &RequestContext,
    status: StatusCode,
    form: ProfileForm,
    errors: Errors,
) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let db = &state.db;
    let enrolments = queries::enrolments(db, user.id).await?;
    let progress = progress::queries::enrolled_progress(db, user.id).await?;
    let completed = enrolments
        .iter()
        .filter(|e| e.completed_at.is_some())
        .count() as i64;
    let history: Vec<EnrolmentView> = enrolments
        .into_iter()
        .map(|e| {
            let p = progress.get(&e.course_id).copied().unwrap_or_default();
            EnrolmentView {
                title: e.title,
                slug: e.slug,
                enrolled_on: ctx.time(&e.created_at, Style::Date),
                completed_on: e
                    .completed_at
                    .as_deref()
                    .map(|at| ctx.time(at, Style::Date)),
                percent: p.percent,
                lessons_done: p.lessons_done,
                lessons_total: p.lessons_total,
            }
        })
        .collect();
    let quizzes: Vec<QuizResultView> = queries::quiz_results(db, user.id, QUIZ_RESULTS)
        .await?
        .into_iter()
        .map(|q| QuizResultView {
            quiz_title: q.quiz_title,
            course_title: q.course_title,
            score_percent: q.score_percent,
            passed: crate::db::flag(q.passed),
            taken_on: ctx.time(&q.created_at, Style::Date),
        })
        .collect();
    let stats = Stats::new(
        history.len() as i64,
        completed,
        queries::minutes_spent(db, user.id).await?,
        &queries::best_quiz_scores(db, user.id).await?,
    );
    let certificate_count = crate::certificates::queries::valid_codes(db, user.id)
        .await?
        .len();
    let email = &user.email;
    let platform_zone =
        crate::web::time::zone_label(&state.config.timezone, crate::web::time::now());
    // The choices as `[value, label]` pairs for the `select` macro: first "the platform's zone".
    let zones: Vec<(String, String)> = std::iter::once((
        String::new(),
        state.i18n.format(
            ctx.locale,
            "profile.timezone_platform",
            &[("zone", platform_zone.as_str())],
        ),
    ))
    .chain(
        zone_options(&form.timezone, crate::web::time::now())
            .into_iter()
            .map(|z| (z.name, z.label)),
    )
    .collect();
    let held_photo = match &user.photo_path {
        Some(stem) => {
            let name = super::photo::file_name(stem, 256);
            super::data_saver::held_image(state, ctx, crate::storage::Bucket::Photos, &name).await
        }
        None => None,
    };
    state.render_status(
        ctx,
        status,
        "views/profile/profile_page.html",
        context! {
            form => Serde(form),
            errors => Serde(errors),
            zones => Serde(zones),
            email,
            photo => user.photo_path.clone(),
            held_photo,
            history => Serde(history),
            quizzes => Serde(quizzes),
            stats => Serde(stats),
            certificate_count,
        },
    )
}

/// The profile page with the stored information and `errors` (for a refused photo).
pub(super) async fn render_stored(
    state: &AppState,
    ctx: &RequestContext,
    status: StatusCode,
    errors: Errors,
) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let p = queries::profile(&state.db, user.id)
        .await?
        .ok_or(AppError::LoginRequired)?;
    let form = ProfileForm {
        name: p.name,
        phone: p.phone.unwrap_or_default(),
        city: p.city.unwrap_or_default(),
        bio: p.bio.unwrap_or_default(),
        locale: p.locale,
        timezone: p.timezone.unwrap_or_default(),
    };
    render_profile(state, ctx, status, form, errors).await
}

//! Dashboard page.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use minijinja::context;
use minijinja::value::Serde;

use super::model::EnrolledCourse;
use super::queries;
use crate::auth::model::Role;
use crate::error::AppResult;
use crate::progress::queries as progress;
use crate::state::AppState;
use crate::web::Ctx;

/// Recommendation cards on the dashboard.
const RECOMMENDATIONS: usize = 3;
/// Recent logins shown (the full history is on the security page).
const LOGINS: i64 = 3;
/// Latest forum topics shown under "Discussions récentes".
const TOPICS: i64 = 4;
/// Newest notifications shown.
const NOTIFICATIONS: i64 = 3;

pub async fn show_dashboard(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let db = &state.db;
    let rows = queries::enrolled_courses(db, user.id).await?;
    let mut progress_by_course = progress::enrolled_progress(db, user.id).await?;
    let resume = queries::resume_lessons(db, user.id).await?;
    let mut certificates = crate::certificates::queries::valid_codes(db, user.id).await?;
    let (completed, in_progress): (Vec<EnrolledCourse>, Vec<EnrolledCourse>) = rows
        .into_iter()
        .map(|r| EnrolledCourse {
            progress: progress_by_course.remove(&r.id).unwrap_or_default(),
            resume_lesson: resume.get(&r.id).copied(),
            certificate_code: certificates.remove(&r.id),
            title: r.title,
            slug: r.slug,
            category_name: r.category_name,
            completed_at: r.completed_at,
        })
        .partition(|c| c.completed_at.is_some());
    let recommendations =
        crate::recommendations::for_user(&state, user.id, RECOMMENDATIONS).await?;
    let trainer_courses = if user.roles.grants(Role::Trainer) {
        queries::trainer_courses(db, user.id).await?
    } else {
        Vec::new()
    };
    let logins = crate::auth::queries::login_history(db, user.id, LOGINS).await?;
    let notifications = crate::notifications::latest(&state, &ctx, user.id, NOTIFICATIONS).await?;
    let discussions = queries::discussions(db, user, TOPICS).await?;
    let live_sessions = crate::live::schedule::upcoming_for(&state, user, 3).await?;
    Ok(state
        .render(
            &ctx,
            "views/dashboard/index.html",
            context! {
                in_progress => Serde(in_progress),
                completed => Serde(completed),
                recommendations => Serde(recommendations),
                trainer_courses => Serde(trainer_courses),
                logins => Serde(logins),
                notifications => Serde(notifications),
                discussions => Serde(discussions),
                live_sessions => Serde(live_sessions),
            },
        )?
        .into_response())
}

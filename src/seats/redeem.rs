//! `/codes`: a learner types (or scans) a seat code and is enrolled at once.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use serde::Deserialize;

use super::model::Refusal;
use super::queries;
use crate::error::AppResult;
use crate::notifications::{self, Kind, Notice};
use crate::state::AppState;
use crate::web::rate_limit::Action;
use crate::web::tokens::normalize_human_code;
use crate::web::{Ctx, FlashLevel, RequestContext, SignedIn};

#[derive(Debug, Default, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    pub code: String,
}

fn render(
    state: &AppState,
    ctx: &RequestContext,
    status: StatusCode,
    code: &str,
    error: Option<&str>,
) -> AppResult<Response> {
    let code: String = code.trim().chars().take(40).collect();
    let next = format!("/codes?code={}", crate::web::context::urlencode(&code));
    let errors = error.map(|key| context! { code => state.i18n.t(ctx.locale, key) });
    let values = context! { code, next, errors };
    state.render_status(ctx, status, "views/seats/redeem.html", values)
}

/// The form, with the code of the link or QR code already typed.
pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CodeForm>,
) -> AppResult<Response> {
    render(&state, &ctx, StatusCode::OK, &q.code, None)
}

pub async fn redeem(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Form(form): Form<CodeForm>,
) -> AppResult<Response> {
    state.limits.check(Action::SeatCodeFromIp, &ctx.ip).await?;
    state
        .limits
        .check(Action::SeatCodeByAccount, &user.id.to_string())
        .await?;
    let refuse = |refusal: Refusal| {
        tracing::info!(user.id = user.id, client.ip = %ctx.ip, reason = ?refusal, "seat code refused");
        render(
            &state,
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            &form.code,
            Some(refusal.message_key()),
        )
    };
    let Some(code) = normalize_human_code(&form.code) else {
        return refuse(Refusal::Unknown);
    };
    let Some(found) = queries::lookup(&state.db, &code).await? else {
        return refuse(Refusal::Unknown);
    };
    let holds = queries::holds_seat(&state.db, user.id, found.batch_id).await?;
    if let Some(refusal) = found.state(&state.db.now()).refusal(user.id, holds) {
        return refuse(refusal);
    }
    let Some(courses) = queries::take_seat(&state.db, found.id, found.batch_id, user.id).await?
    else {
        // Someone took it (or the batch changed) between the look and the update: judge again.
        let again = queries::lookup(&state.db, &code).await?;
        let holds = queries::holds_seat(&state.db, user.id, found.batch_id).await?;
        let refusal = again
            .and_then(|f| f.state(&state.db.now()).refusal(user.id, holds))
            .unwrap_or(Refusal::Used);
        return refuse(refusal);
    };
    tracing::info!(
        user.id = user.id,
        batch.id = found.batch_id,
        "seat code redeemed"
    );
    enrolled(&state, &ctx, user.id, found.batch_id, &courses).await
}

/// After a seat is taken (by a code or a link): the learner is told, in the notifications and
/// on the first course's page.
pub(super) async fn enrolled(
    state: &AppState,
    ctx: &RequestContext,
    user_id: i64,
    batch_id: i64,
    courses: &[i64],
) -> AppResult<Response> {
    let enrolled: Vec<_> = queries::batch_courses(&state.db, batch_id)
        .await?
        .into_iter()
        .filter(|c| courses.contains(&c.id))
        .collect();
    for course in &enrolled {
        let link = format!("/courses/{}", course.slug);
        let notice = Notice {
            kind: Kind::SeatEnrolment,
            subject: &course.title,
            link: &link,
        };
        // The seat is taken and the learner enrolled: a lost notice must not undo that answer.
        if let Err(e) = notifications::notify(state, user_id, notice).await {
            tracing::warn!(user.id = user_id, error = %e, "seat enrolment notice not stored");
        }
    }
    let to = enrolled.first().map_or_else(
        || "/dashboard".to_owned(),
        |c| format!("/courses/{}", c.slug),
    );
    Ok(ctx.redirect_with_flash(FlashLevel::Success, "seats.flash.redeemed", &to))
}

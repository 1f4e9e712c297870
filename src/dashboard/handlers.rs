//! Dashboard page.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use minijinja::context;
use minijinja::value::Serde;

use crate::error::AppResult;
use crate::state::AppState;
use crate::web::Ctx;

pub async fn show_dashboard(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let logins = crate::auth::queries::login_history(&state.db, user.id, 5).await?;
    Ok(state
        .render(
            &ctx,
            "views/dashboard/index.html",
            context! { logins => Serde(logins) },
        )?
        .into_response())
}

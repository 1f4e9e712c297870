//! The administration overview and the audit log.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use minijinja::value::Serde;
use serde::Deserialize;

use super::{audit, queries};
use crate::db;
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::Ctx;
use crate::web::pagination::Pagination;

/// Audit entries per page.
const AUDIT_PAGE: i64 = 50;

pub async fn overview(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let month_ago = db::timestamp(time::OffsetDateTime::now_utc() - time::Duration::days(30));
    let totals = queries::totals(&state.db, &month_ago).await?;
    let recent: Vec<_> = queries::audit_log(&state.db, 5, 0)
        .await?
        .into_iter()
        .map(|e| audit::describe(&state.i18n, &ctx, e))
        .collect();
    Ok(state
        .render(
            &ctx,
            "views/admin/overview.html",
            context! { totals => Serde(totals), recent => Serde(recent) },
        )?
        .into_response())
}

#[derive(Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    page: Option<String>,
}

pub async fn audit(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let total = queries::audit_count(&state.db).await?;
    let pagination = Pagination::new(Pagination::requested(q.page.as_deref()), AUDIT_PAGE, total);
    let entries: Vec<_> = queries::audit_log(&state.db, pagination.limit(), pagination.offset())
        .await?
        .into_iter()
        .map(|e| audit::describe(&state.i18n, &ctx, e))
        .collect();
    Ok(state
        .render(
            &ctx,
            "views/admin/audit.html",
            context! { entries => Serde(entries), pagination => Serde(pagination.view(&ctx.path)) },
        )?
        .into_response())
}

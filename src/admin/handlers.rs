//! The administration overview and the audit log.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use minijinja::value::Serde;
use serde::Deserialize;

use super::queries;
use crate::db;
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::Ctx;

pub async fn overview(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let month_ago = db::timestamp(time::OffsetDateTime::now_utc() - time::Duration::days(30));
    let totals = queries::totals(&state.db, &month_ago).await?;
    let recent = queries::audit_log(&state.db, 5, 0).await?;
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
    let page = page_number(q.page.as_deref());
    let entries = queries::audit_log(&state.db, 50, (page - 1) * 50).await?;
    let more = entries.len() == 50;
    Ok(state
        .render(
            &ctx,
            "views/admin/audit.html",
            context! { entries => Serde(entries), page, more },
        )?
        .into_response())
}

/// `?page=` as a number from 1, whatever was typed.
pub fn page_number(raw: Option<&str>) -> i64 {
    raw.and_then(|p| p.trim().parse::<i64>().ok())
        .filter(|p| (1..=100_000).contains(p))
        .unwrap_or(1)
}

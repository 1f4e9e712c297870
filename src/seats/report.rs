//! `/seats`: the sponsor's report — each seat, who used it and how far they are — as a page
//! and as CSV, for the batch's contact and for admins.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};

use super::access::readable_batch;
use super::queries::{self, BatchRow, SeatRow};
use crate::auth::model::{Role, User};
use crate::error::{AppError, AppResult};
use crate::money::Money;
use crate::payments::item::Item;
use crate::progress::queries::Progress;
use crate::state::AppState;
use crate::web::csv_export::{Cell, CsvOptions, attachment, document};
use crate::web::{Ctx, RequestContext, SignedIn};

/// One seat as the report shows it.
#[derive(Debug, Serialize)]
struct SeatView<'a> {
    #[serde(flatten)]
    row: &'a SeatRow,
    status: &'static str,
    percent: i64,
}

pub(super) fn status_of(row: &SeatRow) -> &'static str {
    if row.learner_name.is_some() || row.used_at.is_some() {
        "used"
    } else if row.revoked_at.is_some() {
        "revoked"
    } else if row.for_link == 1 {
        "link"
    } else {
        "free"
    }
}

fn percent(row: &SeatRow) -> i64 {
    Progress::new(
        row.lessons_total,
        row.lessons_done,
        row.quizzes_total,
        row.quizzes_passed,
    )
    .percent
}

/// The batches the user may read: every batch for an admin, their own for a contact or the
/// trainer who created them.
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
) -> AppResult<Response> {
    let mine = (!user.roles.grants(Role::Admin)).then_some(user.id);
    let batches = queries::batches(&state.db, mine).await?;
    let can_create = mine.is_some()
        && user.roles.grants(Role::Trainer)
        && super::create::trainers_allowed(&state).await?;
    let values = context! {
        batches => Serde(&batches),
        admin_view => mine.is_none(),
        can_create,
    };
    state.render_status(&ctx, StatusCode::OK, "views/seats/list.html", values)
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let batch = readable_batch(&state.db, &user, id).await?;
    render_batch(&state, &ctx, &user, batch, StatusCode::OK, None, "").await
}

/// The batch's page; `error` (field, message) and `typed` when a form on it was refused.
pub(super) async fn render_batch(
    state: &AppState,
    ctx: &RequestContext,
    user: &User,
    batch: BatchRow,
    status: StatusCode,
    error: Option<(&str, String)>,
    typed: &str,
) -> AppResult<Response> {
    let id = batch.id;
    let courses = queries::batch_courses(&state.db, id).await?;
    let rows = queries::seats(&state.db, id).await?;
    let seats: Vec<SeatView> = rows
        .iter()
        .map(|row| SeatView {
            row,
            status: status_of(row),
            percent: percent(row),
        })
        .collect();
    let expired = batch.expires_at <= state.db.now();
    let issued = batch.issued_at.is_some();
    // Awaiting its mobile-money payment: what the sponsor will pay (seats × price).
    let to_pay = match queries::payable_order(&state.db, id).await? {
        Some(order) => Some(Item::Seats(Box::new(order)).reference()?.format(ctx.locale)),
        None => None,
    };
    let paid = match (batch.amount_minor, &batch.currency) {
        (Some(amount), Some(currency)) => Some(Money::parse(amount, currency)?.format(ctx.locale)),
        _ => None,
    };
    let free = if issued {
        batch.seats - batch.used - batch.revoked
    } else {
        0
    };
    let invite_url = batch
        .invite_token
        .as_deref()
        .map(|token| super::invite::link_url(&state.config.base_url, token));
    let errors = error.map(|(field, message)| BTreeMap::from([(field.to_owned(), message)]));
    let values = context! {
        courses => Serde(&courses),
        seats => Serde(&seats),
        expired,
        issued,
        to_pay,
        paid,
        free,
        cards => free - batch.link_free,
        invite_url,
        errors,
        typed,
        is_admin => user.roles.grants(Role::Admin),
        redeem_url => format!("{}/codes", state.config.base_url),
        batch => Serde(batch),
    };
    state.render_status(ctx, status, "views/seats/show.html", values)
}

#[derive(Debug, Default, Deserialize)]
pub struct CsvQuery {
    /// `semicolon` for Excel in French (decimal comma), as the admin exports.
    #[serde(default)]
    pub sep: String,
}

/// The report as CSV: one line a seat. Dates in UTC, as every export.
pub async fn csv(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
    Query(q): Query<CsvQuery>,
) -> AppResult<Response> {
    let batch = readable_batch(&state.db, &user, id).await?;
    let rows = queries::seats(&state.db, id).await?;
    let options = CsvOptions::new(q.sep == "semicolon", true);
    let header = [
        "code",
        "statut",
        "apprenant",
        "email",
        "utilise_le",
        "progression_pourcent",
        "cours_termines",
        "termine_le",
        "attestation",
    ];
    let rows: Vec<Vec<Cell>> = rows
        .iter()
        .map(|row| {
            vec![
                row.code.as_str().into(),
                status_of(row).into(),
                row.learner_name.clone().into(),
                row.learner_email.clone().into(),
                row.used_at.clone().into(),
                percent(row).into(),
                row.completed.into(),
                row.completed_at.clone().into(),
                row.certificates.clone().into(),
            ]
        })
        .collect();
    let body = document(&header, &rows, &options).map_err(|e| AppError::Internal(e.into()))?;
    let filename = format!(
        "techlearnjess-places-{}-{}.csv",
        batch.id,
        &state.db.now()[..10]
    );
    Ok(attachment(&filename, "text/csv; charset=utf-8", body))
}

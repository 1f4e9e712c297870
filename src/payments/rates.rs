//! The USD→CDF rate in force: the newest admin-set row of `exchange_rates`, seeded from
//! `TLJ_PAY_USD_CDF_RATE` the first time it is needed (so a fresh platform can sell at once).

use serde::Serialize;
use time::OffsetDateTime;

use super::model::{format_rate, is_stale};
use super::queries::{self, RateRow};
use crate::db;
use crate::state::AppState;
use crate::web::i18n::Locale;
use crate::web::time::{Style, TimeZone};

/// The rate in force, seeding it from the configuration when none exists.
pub async fn current(state: &AppState) -> Result<RateRow, sqlx::Error> {
    if let Some(rate) = queries::latest_rate(&state.db).await? {
        return Ok(rate);
    }
    queries::insert_rate(
        &state.db,
        state.payments.config.initial_rate_x10000,
        "config",
        "TLJ_PAY_USD_CDF_RATE",
        None,
    )
    .await?;
    queries::latest_rate(&state.db)
        .await?
        .ok_or(sqlx::Error::RowNotFound)
}

/// A rate as pages show it.
#[derive(Clone, Debug, Serialize)]
pub struct RateView {
    pub id: i64,
    pub rate_x10000: i64,
    /// `2 850`
    pub text: String,
    /// `25 nov. 2026` in the viewer's zone (`web::time`)
    pub date: String,
    pub stale: bool,
    pub source: String,
    pub note: String,
    pub set_by_name: Option<String>,
    pub created_at: String,
}

pub fn view(rate: &RateRow, locale: Locale, zone: &TimeZone) -> RateView {
    let stale = db::parse_timestamp(&rate.created_at)
        .is_some_and(|t| is_stale(t, OffsetDateTime::now_utc()));
    RateView {
        id: rate.id,
        rate_x10000: rate.rate_x10000,
        text: format_rate(rate.rate_x10000, locale),
        date: crate::web::time::format(
            &rate.created_at,
            Style::Date,
            zone,
            locale,
            crate::web::time::now(),
        ),
        stale,
        source: rate.source.clone(),
        note: rate.note.clone(),
        set_by_name: rate.set_by_name.clone(),
        created_at: rate.created_at.clone(),
    }
}

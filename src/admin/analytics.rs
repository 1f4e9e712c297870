//! Analytics over a date range: enrolments and completions, sign-ups, daily / weekly /
//! monthly active users (successful logins), top courses, revenue by month, provider and
//! currency (in US dollars at the rates stored on the payments); charts drawn as inline SVG,
//! with the same figures in tables.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use minijinja::value::{Serde, Value};
use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};

use super::charts;
use super::queries::{self, Daily};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::Ctx;
use crate::web::i18n::Locale;

/// Longest range, in days.
const MAX_DAYS: i64 = 366;

#[derive(Debug, Default, Deserialize)]
pub struct RangeQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

fn parse_day(s: &str) -> Option<Date> {
    Date::parse(
        s.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
}

fn iso(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// The range asked for (default: the 30 days up to today), checked.
pub fn range(q: &RangeQuery, today: Date) -> AppResult<(Date, Date)> {
    let to = if q.to.trim().is_empty() {
        today
    } else {
        parse_day(&q.to).ok_or(AppError::BadRequest("admin.error.date"))?
    };
    let from = if q.from.trim().is_empty() {
        to - Duration::days(29)
    } else {
        parse_day(&q.from).ok_or(AppError::BadRequest("admin.error.date"))?
    };
    if from > to || (to - from).whole_days() >= MAX_DAYS {
        return Err(AppError::BadRequest("admin.error.range"));
    }
    Ok((from, to))
}

/// Every day of the range with its count (0 where the database has none).
pub fn fill(from: Date, to: Date, counts: &[(String, i64)]) -> Vec<i64> {
    let by_day: HashMap<&str, i64> = counts.iter().map(|(d, n)| (d.as_str(), *n)).collect();
    let mut out = Vec::new();
    let mut d = from;
    while d <= to {
        out.push(by_day.get(iso(d).as_str()).copied().unwrap_or(0));
        match d.next_day() {
            Some(next) => d = next,
            None => break,
        }
    }
    out
}

#[derive(Serialize)]
struct Row {
    day: String,
    enrolments: i64,
    completions: i64,
    signups: i64,
    active: i64,
}

/// Everything the page shows of a range, read from the database once.
struct Figures {
    enrolments: Vec<i64>,
    completions: Vec<i64>,
    signups: Vec<i64>,
    active: Vec<i64>,
    top: Vec<(String, i64)>,
    wau: i64,
    mau: i64,
    revenue_months: Vec<(String, i64)>,
    revenue_lines: Vec<queries::RevenueLine>,
    sponsor_lines: Vec<queries::SponsorLine>,
}

impl Figures {
    async fn load(db: &Db, from: Date, to: Date) -> Result<Self, sqlx::Error> {
        let (start, end) = (iso(from), iso(to + Duration::days(1)));
        let (s, e) = (start.as_str(), end.as_str());
        let daily = |kind| async move {
            let counts = queries::daily_counts(db, kind, s, e).await?;
            Ok::<_, sqlx::Error>(fill(from, to, &counts))
        };
        Ok(Self {
            enrolments: daily(Daily::Enrolments).await?,
            completions: daily(Daily::Completions).await?,
            signups: daily(Daily::Signups).await?,
            active: daily(Daily::ActiveUsers).await?,
            top: queries::top_courses(db, &start, &end, 5).await?,
            wau: queries::active_users(db, &iso(to - Duration::days(6)), &end).await?,
            mau: queries::active_users(db, &iso(to - Duration::days(29)), &end).await?,
            revenue_months: queries::revenue_by_month(db, &start, &end).await?,
            revenue_lines: queries::revenue_by_provider(db, &start, &end).await?,
            sponsor_lines: queries::revenue_by_sponsor(db, &start, &end).await?,
        })
    }
}

/// The page's context: figures, totals, the charts (titles in the reader's language) and the
/// table of days.
fn report(state: &AppState, locale: Locale, from: Date, to: Date, f: Figures) -> Value {
    let labels: Vec<String> = (0..f.enrolments.len() as i64)
        .map(|i| {
            let d = from + Duration::days(i);
            format!("{:02}/{:02}", d.day(), u8::from(d.month()))
        })
        .collect();
    let t = |key: &str| state.i18n.t(locale, key).to_owned();
    let svg = Value::from_safe_string;
    let learning_chart = charts::line(
        &t("admin.analytics.learning_chart"),
        &labels,
        &[
            (&t("admin.analytics.enrolments"), &f.enrolments),
            (&t("admin.analytics.completions"), &f.completions),
        ],
    );
    let signup_chart = charts::line(
        &t("admin.analytics.signups_chart"),
        &labels,
        &[(&t("admin.analytics.signups"), &f.signups)],
    );
    let active_chart = charts::line(
        &t("admin.analytics.active_chart"),
        &labels,
        &[(&t("admin.analytics.active"), &f.active)],
    );
    let top_chart = charts::bars(&t("admin.analytics.top_chart"), &f.top);
    let revenue_chart = charts::bars(
        &t("admin.analytics.revenue_chart"),
        &f.revenue_months
            .iter()
            .map(|(m, cents)| (m.clone(), cents / 100))
            .collect::<Vec<_>>(),
    );
    let rows: Vec<Row> = (0..f.enrolments.len())
        .map(|i| Row {
            day: labels.get(i).cloned().unwrap_or_default(),
            enrolments: f.enrolments[i],
            completions: f.completions[i],
            signups: f.signups[i],
            active: f.active[i],
        })
        .collect();
    context! {
        from => iso(from), to => iso(to),
        total_enrolments => f.enrolments.iter().sum::<i64>(),
        total_completions => f.completions.iter().sum::<i64>(),
        total_signups => f.signups.iter().sum::<i64>(),
        dau => f.active.last().copied().unwrap_or(0),
        wau => f.wau,
        mau => f.mau,
        learning_chart => svg(learning_chart),
        signup_chart => svg(signup_chart),
        active_chart => svg(active_chart),
        top_chart => svg(top_chart),
        top => Serde(&f.top),
        revenue_chart => svg(revenue_chart),
        revenue_months => Serde(&f.revenue_months),
        revenue_total => f.revenue_lines.iter().map(|l| l.usd_cents).sum::<i64>(),
        revenue_lines => Serde(&f.revenue_lines),
        sponsor_lines => Serde(&f.sponsor_lines),
        rows => Serde(&rows),
    }
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<RangeQuery>,
) -> AppResult<Response> {
    let (from, to) = range(&q, OffsetDateTime::now_utc().date())?;
    let figures = Figures::load(&state.db, from, to).await?;
    let report = report(&state, ctx.locale, from, to, figures);
    Ok(state
        .render(&ctx, "views/admin/analytics.html", report)?
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn ranges_default_to_thirty_days_and_are_checked() {
        let today = date!(2026 - 11 - 25);
        let (f, t) = range(&RangeQuery::default(), today).unwrap();
        assert_eq!((iso(f), iso(t)), ("2026-10-27".into(), "2026-11-25".into()));
        let q = |from: &str, to: &str| RangeQuery {
            from: from.into(),
            to: to.into(),
        };
        assert!(range(&q("2026-11-26", "2026-11-25"), today).is_err());
        assert!(range(&q("2024-01-01", "2026-11-25"), today).is_err());
        assert!(range(&q("hier", ""), today).is_err());
        assert!(range(&q("2026-11-01", "2026-11-01"), today).is_ok());
    }

    #[test]
    fn missing_days_count_zero() {
        let counts = vec![("2026-11-02".to_owned(), 4), ("2026-11-04".to_owned(), 1)];
        assert_eq!(
            fill(date!(2026 - 11 - 01), date!(2026 - 11 - 04), &counts),
            vec![0, 4, 0, 1]
        );
    }
}

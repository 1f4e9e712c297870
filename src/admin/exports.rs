//! CSV exports, streamed from the database row by row: memory stays constant whatever the
//! size. Options: `sep=semicolon` (Excel in French locales: semicolons, decimal commas), `bom=1`
//! (Excel's UTF-8 hint); dates are ISO 8601 as stored, amounts carry their currency. Cells go
//! through `web::csv_export` (formula text defused, numbers as numbers). Every export is audited.

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use minijinja::context;
use serde::Deserialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::queries::exports::{self, Column, EXPORTS, ExportFilter};
use super::queries::{self, UserFilter};
use crate::db::{self, Db};
use crate::error::{AppError, AppResult};
use crate::progress::queries::Progress;
use crate::state::AppState;
use crate::web::csv_export::{Cell, CsvOptions, write_record};
use crate::web::{Admin, Ctx};

/// Bytes buffered before a chunk is sent to the client.
const CHUNK: usize = 64 * 1024;

#[derive(Debug, Default, Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    sep: String,
    #[serde(default)]
    bom: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    /// Payments only: provider, currency and status filters.
    #[serde(default)]
    provider: String,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    status: String,
    #[serde(flatten)]
    users: UserFilter,
}

pub async fn page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    Ok(state
        .render(
            &ctx,
            "views/admin/exports.html",
            context! { kinds => EXPORTS.iter().map(|e| e.kind).collect::<Vec<_>>() },
        )?
        .into_response())
}

/// A day `YYYY-MM-DD`, or nothing.
fn day(s: &str) -> AppResult<Option<String>> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
        .map(|_| Some(s.to_owned()))
        .map_err(|_| AppError::BadRequest("admin.error.date"))
}

pub async fn download(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(file): Path<String>,
    Query(q): Query<ExportQuery>,
) -> AppResult<Response> {
    let kind = file.strip_suffix(".csv").unwrap_or(&file);
    let spec = exports::spec(kind).ok_or(AppError::NotFound)?;
    let options = CsvOptions::new(q.sep == "semicolon", q.bom == "1");
    let (from, to) = (day(&q.from)?, day(&q.to)?);
    let (sql, binds) = spec.statement(&ExportFilter {
        from: from.as_deref(),
        to: to.as_deref(),
        users: &q.users,
        provider: &q.provider,
        currency: &q.currency,
        status: &q.status,
    });
    let body = stream(state.db.clone(), sql, binds, spec.columns, options);
    queries::audit(
        &state.db,
        admin.id,
        "export",
        spec.kind,
        None,
        serde_json::json!({ "from": from, "to": to, "filters": q.users, "sep": q.sep, "bom": options.bom }),
    )
    .await?;
    let filename = format!("techlearnjess-{}-{}.csv", spec.kind, &state.db.now()[..10]);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response())
}

/// The cells of one row, as its export's columns say.
fn record(row: &AnyRow, columns: &[(&str, Column)]) -> Result<Vec<Cell>, sqlx::Error> {
    let mut cells = Vec::with_capacity(columns.len());
    let mut ints: Vec<i64> = Vec::new();
    let mut index = 0;
    for (_, column) in columns {
        let cell = match column {
            Column::ProgressPercent => {
                let [done, lessons, passed, quizzes] = ints[ints.len().saturating_sub(4)..] else {
                    return Err(sqlx::Error::ColumnNotFound("progress".into()));
                };
                cells.push(Progress::new(lessons, done, quizzes, passed).percent.into());
                continue;
            }
            Column::Int => {
                let v: i64 = row.try_get(index)?;
                ints.push(v);
                v.into()
            }
            Column::OptInt => row.try_get::<Option<i64>, _>(index)?.into(),
            Column::Text => row.try_get::<String, _>(index)?.into(),
            Column::OptText => row.try_get::<Option<String>, _>(index)?.into(),
            Column::YesNo => yes_no(row.try_get(index)?),
            Column::Money => Cell::money(row.try_get(index)?),
            Column::Rate => Cell::Decimal {
                value: row.try_get(index)?,
                places: 4,
            },
        };
        cells.push(cell);
        index += 1;
    }
    Ok(cells)
}

fn yes_no(v: i64) -> Cell {
    if db::flag(v) { "oui" } else { "non" }.into()
}

/// A `Write` whose bytes can be taken out between records.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Shared {
    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }
    fn len(&self) -> usize {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

/// Streams the rows of `sql` as CSV: a task reads rows one by one and sends ~64 KB chunks
/// through a small channel, so a slow client slows the reading instead of filling memory.
fn stream(
    db: Db,
    sql: String,
    binds: Vec<String>,
    columns: &'static [(&'static str, Column)],
    options: CsvOptions,
) -> Body {
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::spawn(async move {
        let buffer = Shared::default();
        let mut writer = csv::WriterBuilder::new()
            .delimiter(options.delimiter)
            .from_writer(buffer.clone());
        if options.bom {
            buffer.clone().write_all("\u{feff}".as_bytes()).ok();
        }
        let header: Vec<Cell> = columns.iter().map(|(h, _)| Cell::from(*h)).collect();
        if write_record(&mut writer, &header, &options).is_err() {
            return;
        }
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for b in binds {
            query = query.bind(b);
        }
        let mut rows = query.fetch(&db.pool);
        while let Some(row) = rows.next().await {
            let record = match row.and_then(|r| record(&r, columns)) {
                Ok(cells) => cells,
                Err(e) => {
                    tracing::error!(error = %e, "CSV export failed");
                    let _ = tx.send(Err(std::io::Error::other("export failed"))).await;
                    return;
                }
            };
            if write_record(&mut writer, &record, &options).is_err() {
                return;
            }
            if buffer.len() >= CHUNK {
                let _ = writer.flush();
                if tx.send(Ok(Bytes::from(buffer.take()))).await.is_err() {
                    return; // the client went away
                }
            }
        }
        let _ = writer.flush();
        let _ = tx.send(Ok(Bytes::from(buffer.take()))).await;
    });
    Body::from_stream(ReceiverStream::new(rx))
}

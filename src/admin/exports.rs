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
use sqlx::any::AnyRow;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::queries::{self, UserFilter};
use crate::db::{self, Db};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::csv_export::{Cell, CsvOptions, write_record};
use crate::web::{Admin, Ctx};

/// What can be exported (the path segment, without `.csv`).
pub const KINDS: [&str; 7] = [
    "users",
    "enrolments",
    "progress",
    "quiz_attempts",
    "logins",
    "payments",
    "certificates",
];

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
            context! { kinds => KINDS },
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

/// `created_at` within the range, as SQL over `column` with parameters from `$first`.
fn range_clause(
    column: &str,
    from: &Option<String>,
    to: &Option<String>,
    first: usize,
) -> (String, Vec<String>) {
    let mut parts = Vec::new();
    let mut values = Vec::new();
    if let Some(f) = from {
        values.push(f.clone());
        parts.push(format!("{column} >= ${}", first + values.len() - 1));
    }
    if let Some(t) = to {
        // The whole last day: everything before the next one.
        values.push(format!("{t}T99"));
        parts.push(format!("{column} < ${}", first + values.len() - 1));
    }
    if parts.is_empty() {
        ("1 = 1".into(), values)
    } else {
        (parts.join(" AND "), values)
    }
}

pub async fn download(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(file): Path<String>,
    Query(q): Query<ExportQuery>,
) -> AppResult<Response> {
    let kind = file.strip_suffix(".csv").unwrap_or(&file);
    let kind = KINDS
        .into_iter()
        .find(|k| *k == kind)
        .ok_or(AppError::NotFound)?;
    let options = CsvOptions::new(q.sep == "semicolon", q.bom == "1");
    let (from, to) = (day(&q.from)?, day(&q.to)?);
    let db = state.db.clone();
    let body = match kind {
        "users" => {
            let (clause, values) = q.users.clause();
            stream::<(i64, String, String, String, i64, i64, String)>(
                db,
                format!(
                    "SELECT u.id, u.name, u.email, u.roles, u.email_verified, u.active, u.created_at \
                     FROM users u WHERE {clause} ORDER BY u.id"
                ),
                values,
                &[
                    "id",
                    "nom",
                    "email",
                    "roles",
                    "email_verifie",
                    "actif",
                    "inscrit_le",
                ],
                options,
                |(id, name, email, roles, verified, active, created)| {
                    vec![
                        id.into(),
                        name.into(),
                        email.into(),
                        roles.into(),
                        yes_no(verified),
                        yes_no(active),
                        created.into(),
                    ]
                },
            )
        }
        "enrolments" => {
            let (clause, values) = range_clause("e.created_at", &from, &to, 1);
            stream::<(
                i64,
                String,
                String,
                String,
                String,
                String,
                String,
                Option<String>,
            )>(
                db,
                format!(
                    "SELECT e.id, u.name, u.email, c.slug, c.title, e.source, e.created_at, e.completed_at \
                     FROM enrolments e JOIN users u ON u.id = e.user_id JOIN courses c ON c.id = e.course_id \
                     WHERE {clause} ORDER BY e.id"
                ),
                values,
                &[
                    "id",
                    "apprenant",
                    "email",
                    "cours_slug",
                    "cours",
                    "origine",
                    "inscrit_le",
                    "termine_le",
                ],
                options,
                |(id, name, email, slug, title, source, created, completed)| {
                    vec![
                        id.into(),
                        name.into(),
                        email.into(),
                        slug.into(),
                        title.into(),
                        source.into(),
                        created.into(),
                        completed.into(),
                    ]
                },
            )
        }
        "progress" => {
            let (clause, values) = range_clause("e.created_at", &from, &to, 1);
            stream::<(String, String, String, i64, i64, i64, i64, Option<String>)>(
                db,
                format!(
                    "SELECT u.name, u.email, c.slug, \
                       (SELECT COUNT(*) FROM lesson_progress lp JOIN lessons l ON l.id = lp.lesson_id \
                          WHERE l.course_id = c.id AND lp.user_id = u.id), \
                       (SELECT COUNT(*) FROM lessons l WHERE l.course_id = c.id), \
                       (SELECT COUNT(DISTINCT a.quiz_id) FROM quiz_attempts a JOIN quizzes z ON z.id = a.quiz_id \
                          WHERE z.course_id = c.id AND a.user_id = u.id AND a.passed = 1), \
                       (SELECT COUNT(*) FROM quizzes z WHERE z.course_id = c.id), \
                       e.completed_at \
                     FROM enrolments e JOIN users u ON u.id = e.user_id JOIN courses c ON c.id = e.course_id \
                     WHERE {clause} ORDER BY e.id"
                ),
                values,
                &[
                    "apprenant",
                    "email",
                    "cours_slug",
                    "lecons_faites",
                    "lecons_total",
                    "quiz_reussis",
                    "quiz_total",
                    "pourcentage",
                    "termine_le",
                ],
                options,
                |(name, email, slug, done, lessons, passed, quizzes, completed)| {
                    let p = crate::progress::queries::Progress::new(lessons, done, quizzes, passed);
                    vec![
                        name.into(),
                        email.into(),
                        slug.into(),
                        done.into(),
                        lessons.into(),
                        passed.into(),
                        quizzes.into(),
                        p.percent.into(),
                        completed.into(),
                    ]
                },
            )
        }
        "quiz_attempts" => {
            let (clause, values) = range_clause("a.created_at", &from, &to, 1);
            stream::<(i64, String, String, String, String, i64, i64, String)>(
                db,
                format!(
                    "SELECT a.id, u.name, u.email, c.slug, z.title, a.score_percent, a.passed, a.created_at \
                     FROM quiz_attempts a JOIN users u ON u.id = a.user_id JOIN quizzes z ON z.id = a.quiz_id \
                     JOIN courses c ON c.id = z.course_id WHERE {clause} ORDER BY a.id"
                ),
                values,
                &[
                    "id",
                    "apprenant",
                    "email",
                    "cours_slug",
                    "quiz",
                    "score_pourcent",
                    "reussi",
                    "le",
                ],
                options,
                |(id, name, email, slug, quiz, score, passed, at)| {
                    vec![
                        id.into(),
                        name.into(),
                        email.into(),
                        slug.into(),
                        quiz.into(),
                        score.into(),
                        yes_no(passed),
                        at.into(),
                    ]
                },
            )
        }
        "payments" => {
            let (mut clause, mut values) = range_clause("p.created_at", &from, &to, 1);
            for (column, value) in [
                ("p.provider", &q.provider),
                ("p.currency", &q.currency),
                ("p.status", &q.status),
            ] {
                let value = value.trim();
                if !value.is_empty() {
                    values.push(value.to_owned());
                    clause.push_str(&format!(" AND {column} = ${}", values.len()));
                }
            }
            stream::<PaymentExport>(
                db,
                format!(
                    "SELECT p.id, p.reference, p.invoice_number, u.name, u.email, c.slug, p.wallet, p.provider, \
                       p.status, p.amount_minor, p.currency, p.ref_amount_minor, p.ref_currency, p.rate_x10000, \
                       p.provider_ref, p.created_at, p.finalized_at, p.refunded_at, p.sandbox \
                     FROM payments p JOIN users u ON u.id = p.user_id JOIN courses c ON c.id = p.course_id \
                     WHERE {clause} ORDER BY p.id"
                ),
                values,
                &[
                    "id",
                    "reference",
                    "facture",
                    "apprenant",
                    "email",
                    "cours_slug",
                    "portefeuille",
                    "operateur",
                    "statut",
                    "montant",
                    "devise",
                    "prix_reference",
                    "devise_reference",
                    "taux_usd_cdf",
                    "reference_operateur",
                    "cree_le",
                    "finalise_le",
                    "rembourse_le",
                    "bac_a_sable",
                ],
                options,
                PaymentExport::record,
            )
        }
        "certificates" => {
            let (clause, values) = range_clause("k.issued_at", &from, &to, 1);
            stream::<(
                String,
                String,
                String,
                String,
                String,
                String,
                String,
                Option<String>,
                Option<String>,
            )>(
                db,
                format!(
                    "SELECT k.code, k.learner_name, u.email, k.course_title, k.trainer_name, k.completed_on, \
                       k.issued_at, k.revoked_at, k.revoked_reason \
                     FROM certificates k JOIN users u ON u.id = k.user_id WHERE {clause} ORDER BY k.id"
                ),
                values,
                &[
                    "code",
                    "apprenant",
                    "email",
                    "cours",
                    "formateur",
                    "termine_le",
                    "emis_le",
                    "revoque_le",
                    "motif_revocation",
                ],
                options,
                |(code, name, email, course, trainer, completed, issued, revoked, reason)| {
                    vec![
                        code.into(),
                        name.into(),
                        email.into(),
                        course.into(),
                        trainer.into(),
                        completed.into(),
                        issued.into(),
                        revoked.into(),
                        reason.into(),
                    ]
                },
            )
        }
        _ => {
            let (clause, values) = range_clause("h.created_at", &from, &to, 1);
            stream::<(
                i64,
                Option<i64>,
                String,
                String,
                String,
                i64,
                String,
                String,
            )>(
                db,
                format!(
                    "SELECT h.id, h.user_id, h.email, h.ip, h.user_agent, h.success, h.reason, h.created_at \
                     FROM login_history h WHERE {clause} ORDER BY h.id"
                ),
                values,
                &[
                    "id",
                    "utilisateur_id",
                    "email",
                    "ip",
                    "navigateur",
                    "reussie",
                    "motif",
                    "le",
                ],
                options,
                |(id, user, email, ip, agent, success, reason, at)| {
                    vec![
                        id.into(),
                        user.into(),
                        email.into(),
                        ip.into(),
                        agent.into(),
                        yes_no(success),
                        reason.into(),
                        at.into(),
                    ]
                },
            )
        }
    };
    queries::audit(
        &state.db,
        admin.id,
        "export",
        kind,
        None,
        serde_json::json!({ "from": from, "to": to, "filters": q.users, "sep": q.sep, "bom": options.bom }),
    )
    .await?;
    let filename = format!("techlearnjess-{kind}-{}.csv", &db::now()[..10]);
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

/// A payment row of the export.
#[derive(sqlx::FromRow)]
struct PaymentExport {
    id: i64,
    reference: String,
    invoice_number: Option<String>,
    name: String,
    email: String,
    slug: String,
    wallet: String,
    provider: String,
    status: String,
    amount_minor: i64,
    currency: String,
    ref_amount_minor: i64,
    ref_currency: String,
    rate_x10000: i64,
    provider_ref: Option<String>,
    created_at: String,
    finalized_at: Option<String>,
    refunded_at: Option<String>,
    /// 1: a sandbox payment (no money moved), flagged in its own column.
    sandbox: i64,
}

impl PaymentExport {
    fn record(self) -> Vec<Cell> {
        vec![
            self.id.into(),
            self.reference.into(),
            self.invoice_number.into(),
            self.name.into(),
            self.email.into(),
            self.slug.into(),
            self.wallet.into(),
            self.provider.into(),
            self.status.into(),
            Cell::money(self.amount_minor),
            self.currency.into(),
            Cell::money(self.ref_amount_minor),
            self.ref_currency.into(),
            Cell::Decimal {
                value: self.rate_x10000,
                places: 4,
            },
            self.provider_ref.into(),
            self.created_at.into(),
            self.finalized_at.into(),
            self.refunded_at.into(),
            yes_no(self.sandbox),
        ]
    }
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
pub fn stream<T>(
    db: Db,
    sql: String,
    binds: Vec<String>,
    header: &'static [&'static str],
    options: CsvOptions,
    map: fn(T) -> Vec<Cell>,
) -> Body
where
    T: for<'r> sqlx::FromRow<'r, AnyRow> + Send + Unpin + 'static,
{
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::spawn(async move {
        let buffer = Shared::default();
        let mut writer = csv::WriterBuilder::new()
            .delimiter(options.delimiter)
            .from_writer(buffer.clone());
        if options.bom {
            buffer.clone().write_all("\u{feff}".as_bytes()).ok();
        }
        let header: Vec<Cell> = header.iter().map(|h| Cell::from(*h)).collect();
        if write_record(&mut writer, &header, &options).is_err() {
            return;
        }
        let mut query = sqlx::query_as::<_, T>(sqlx::AssertSqlSafe(sql));
        for b in binds {
            query = query.bind(b);
        }
        let mut rows = query.fetch(&db.pool);
        while let Some(row) = rows.next().await {
            let record = match row {
                Ok(r) => map(r),
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

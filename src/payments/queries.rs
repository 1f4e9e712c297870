//! SQL of the payments feature: payments and their transitions, exchange rates, routing,
//! invoice numbers, refunds. State changes are compare-and-set updates
//! (`… WHERE status IN (<allowed from>)`), so concurrent callbacks and pollers cannot
//! double-apply a transition.

use serde::Serialize;
use sqlx::FromRow;

use super::model::{Status, invoice_number};
use crate::db::{self, Db};

const PAYMENT_SELECT: &str = "SELECT p.id, p.reference, p.user_id, p.course_id, p.wallet, \
     p.provider, p.currency, p.amount_minor, p.ref_currency, p.ref_amount_minor, p.rate_x10000, \
     p.msisdn, p.status, p.provider_ref, p.callback_secret, p.redirect_url, p.failure_reason, \
     p.invoice_number, p.expires_at, p.next_check_at, p.attempts, p.refunded_at, p.created_at, \
     p.updated_at, p.finalized_at, p.sandbox, c.title AS course_title, c.slug AS course_slug, \
     u.name AS user_name, u.email AS user_email, p.seat_batch_id, sb.sponsor_name AS seat_sponsor, \
     sb.seats AS seat_count \
     FROM payments p JOIN courses c ON c.id = p.course_id JOIN users u ON u.id = p.user_id \
     LEFT JOIN seat_batches sb ON sb.id = p.seat_batch_id";

#[derive(Clone, Debug, FromRow, Serialize)]
pub struct PaymentRow {
    pub id: i64,
    pub reference: String,
    pub user_id: i64,
    pub course_id: i64,
    pub wallet: String,
    pub provider: String,
    pub currency: String,
    pub amount_minor: i64,
    pub ref_currency: String,
    pub ref_amount_minor: i64,
    pub rate_x10000: i64,
    pub msisdn: String,
    pub status: String,
    pub provider_ref: Option<String>,
    #[serde(skip)]
    pub callback_secret: Option<String>,
    pub redirect_url: Option<String>,
    pub failure_reason: Option<String>,
    pub invoice_number: Option<String>,
    pub expires_at: String,
    pub next_check_at: String,
    pub attempts: i64,
    pub refunded_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub finalized_at: Option<String>,
    /// 1: made against the embedded fake providers (no money moved).
    pub sandbox: i64,
    pub course_title: String,
    pub course_slug: String,
    pub user_name: String,
    pub user_email: String,
    /// The sponsor's batch this payment buys the seats of (`None`: the course, for the payer).
    pub seat_batch_id: Option<i64>,
    pub seat_sponsor: Option<String>,
    pub seat_count: Option<i64>,
}

impl PaymentRow {
    pub fn status(&self) -> Status {
        Status::parse(&self.status).unwrap_or(Status::Unknown)
    }

    pub fn is_sandbox(&self) -> bool {
        db::flag(self.sandbox)
    }
}

pub struct NewPayment<'a> {
    pub reference: &'a str,
    pub user_id: i64,
    pub course_id: i64,
    pub seat_batch_id: Option<i64>,
    pub wallet: &'a str,
    pub provider: &'a str,
    pub currency: &'a str,
    pub amount_minor: i64,
    pub ref_currency: &'a str,
    pub ref_amount_minor: i64,
    pub rate_id: Option<i64>,
    pub rate_x10000: i64,
    pub msisdn: &'a str,
    pub expires_at: &'a str,
    pub sandbox: bool,
}

fn in_list(statuses: &[Status]) -> String {
    statuses
        .iter()
        .map(|s| format!("'{}'", s.code()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Creates a payment in `created` with its first transition. `None` when the learner already
/// has an open payment for the course (the `payments_one_open` unique index): the caller shows
/// that one instead, so two tabs submitting at once push one PIN prompt, not two.
pub async fn insert_payment(db: &Db, p: NewPayment<'_>) -> Result<Option<i64>, sqlx::Error> {
    let now = db.now();
    let mut tx = db.pool.begin().await?;
    // ON CONFLICT without a target covers the partial unique index on both engines; on
    // PostgreSQL a concurrent insert waits for the other transaction, then does nothing.
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO payments (reference, user_id, course_id, wallet, provider, currency, \
         amount_minor, ref_currency, ref_amount_minor, rate_id, rate_x10000, msisdn, status, \
         expires_at, next_check_at, attempts, created_at, updated_at, sandbox, seat_batch_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'created', $13, $15, 0, $14, $14, $16, $17) \
         ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(p.reference)
    .bind(p.user_id)
    .bind(p.course_id)
    .bind(p.wallet)
    .bind(p.provider)
    .bind(p.currency)
    .bind(p.amount_minor)
    .bind(p.ref_currency)
    .bind(p.ref_amount_minor)
    .bind(p.rate_id)
    .bind(p.rate_x10000)
    .bind(p.msisdn)
    .bind(p.expires_at)
    .bind(&now)
    .bind(db::timestamp(
        time::OffsetDateTime::now_utc() + time::Duration::seconds(super::model::backoff_secs(0)),
    ))
    .bind(i64::from(p.sandbox))
    .bind(p.seat_batch_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(id) = id else {
        tx.rollback().await?;
        return Ok(None);
    };
    insert_transition(&mut tx, id, "created", "created", "checkout", "").await?;
    tx.commit().await?;
    Ok(Some(id))
}

async fn insert_transition(
    conn: &mut sqlx::AnyConnection,
    payment_id: i64,
    from: &str,
    to: &str,
    source: &str,
    raw: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO payment_transitions (payment_id, from_status, to_status, source, raw, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(payment_id)
    .bind(from)
    .bind(to)
    .bind(source)
    .bind(raw)
    .bind(db::now())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Records an event that changes no status (callback received or refused, query answer).
pub async fn note(
    db: &Db,
    payment_id: i64,
    status: &str,
    source: &str,
    raw: &str,
) -> Result<(), sqlx::Error> {
    let mut conn = db.pool.acquire().await?;
    insert_transition(&mut conn, payment_id, status, status, source, raw).await
}

pub async fn by_reference(db: &Db, reference: &str) -> Result<Option<PaymentRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{PAYMENT_SELECT} WHERE p.reference = $1"
    )))
    .bind(reference)
    .fetch_optional(&db.pool)
    .await
}

pub async fn by_provider_ref(
    db: &Db,
    provider: &str,
    provider_ref: &str,
) -> Result<Option<PaymentRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{PAYMENT_SELECT} WHERE p.provider = $1 AND p.provider_ref = $2"
    )))
    .bind(provider)
    .bind(provider_ref)
    .fetch_optional(&db.pool)
    .await
}

/// Stores what the initiation returned (provider id, callback secret, redirect URL), without
/// overwriting what a callback or query stored first.
pub async fn record_initiation(
    db: &Db,
    payment_id: i64,
    provider_ref: Option<&str>,
    callback_secret: Option<&str>,
    redirect_url: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE payments SET provider_ref = COALESCE(provider_ref, $1), \
         callback_secret = COALESCE(callback_secret, $2), redirect_url = COALESCE(redirect_url, $3), \
         updated_at = $4 WHERE id = $5",
    )
    .bind(provider_ref)
    .bind(callback_secret)
    .bind(redirect_url)
    .bind(db.now())
    .bind(payment_id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Compare-and-set to a non-success status (`pending`, `unknown`, `failed`, `expired`). Returns
/// whether this call made the change (and stored its transition).
pub async fn transition(
    db: &Db,
    payment_id: i64,
    to: Status,
    source: &str,
    raw: &str,
    reason: Option<&str>,
    next_check_at: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let from = Status::allowed_from(to);
    if from.is_empty() || to == Status::Succeeded {
        return Ok(false);
    }
    let now = db.now();
    let finalized = to.is_final().then_some(now.as_str());
    let mut tx = db.pool.begin().await?;
    let changed: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "UPDATE payments SET status = $1, updated_at = $2, finalized_at = COALESCE($3, finalized_at), \
         failure_reason = COALESCE($4, failure_reason), next_check_at = COALESCE($5, next_check_at) \
         WHERE id = $6 AND status IN ({}) RETURNING status",
        in_list(from)
    )))
    .bind(to.code())
    .bind(&now)
    .bind(finalized)
    .bind(reason)
    .bind(next_check_at)
    .bind(payment_id)
    .fetch_optional(&mut *tx)
    .await?;
    if changed.is_none() {
        tx.rollback().await?;
        return Ok(false);
    }
    // The previous status is the target of the last status-changing transition (every change
    // stores one in its transaction; the row is locked by the update above).
    let old: Option<String> = sqlx::query_scalar(
        "SELECT to_status FROM payment_transitions WHERE payment_id = $1 AND from_status <> to_status \
         ORDER BY id DESC LIMIT 1",
    )
    .bind(payment_id)
    .fetch_optional(&mut *tx)
    .await?;
    insert_transition(
        &mut tx,
        payment_id,
        old.as_deref().unwrap_or("created"),
        to.code(),
        source,
        raw,
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// The success, exactly once: compare-and-set to `succeeded`, the transition, the next invoice
/// number of the year (gap-free: same transaction) and the enrolment, committed together.
/// Returns the invoice number when this call made the change.
pub async fn succeed(
    db: &Db,
    payment_id: i64,
    provider_ref: Option<&str>,
    source: &str,
    raw: &str,
) -> Result<Option<String>, sqlx::Error> {
    let now = db.now();
    let year = time::OffsetDateTime::now_utc().year();
    let mut tx = db.pool.begin().await?;
    let row: Option<(i64, i64, Option<i64>, i64, String)> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "UPDATE payments SET status = 'succeeded', updated_at = $1, finalized_at = $1, \
         provider_ref = COALESCE(provider_ref, $2) \
         WHERE id = $3 AND status IN ({}) \
         RETURNING user_id, course_id, seat_batch_id, amount_minor, currency",
            in_list(Status::allowed_from(Status::Succeeded))
        )))
        .bind(&now)
        .bind(provider_ref)
        .bind(payment_id)
        .fetch_optional(&mut *tx)
        .await?;
    let Some((user_id, course_id, seat_batch_id, amount_minor, currency)) = row else {
        tx.rollback().await?;
        return Ok(None);
    };
    let old: Option<String> = sqlx::query_scalar(
        "SELECT to_status FROM payment_transitions WHERE payment_id = $1 AND from_status <> to_status \
         ORDER BY id DESC LIMIT 1",
    )
    .bind(payment_id)
    .fetch_optional(&mut *tx)
    .await?;
    insert_transition(
        &mut tx,
        payment_id,
        old.as_deref().unwrap_or("created"),
        "succeeded",
        source,
        raw,
    )
    .await?;
    sqlx::query(
        "INSERT INTO invoice_counters (year, last_number) VALUES ($1, 0) ON CONFLICT (year) DO NOTHING",
    )
    .bind(year as i64)
    .execute(&mut *tx)
    .await?;
    let n: i64 = sqlx::query_scalar(
        "UPDATE invoice_counters SET last_number = last_number + 1 WHERE year = $1 RETURNING last_number",
    )
    .bind(year as i64)
    .fetch_one(&mut *tx)
    .await?;
    let invoice = invoice_number(year, n);
    sqlx::query("UPDATE payments SET invoice_number = $1 WHERE id = $2")
        .bind(&invoice)
        .bind(payment_id)
        .execute(&mut *tx)
        .await?;
    match seat_batch_id {
        // A sponsor's seats: the batch's codes, not an enrolment of the payer.
        Some(batch_id) => {
            let paid = crate::money::Money::parse(amount_minor, &currency)
                .map_err(|e| sqlx::Error::Decode(e.into()))?;
            crate::seats::queries::issue_paid(&mut tx, batch_id, paid, &now).await?;
        }
        None => crate::courses::queries::enrol_in(&mut tx, user_id, course_id, "payment").await?,
    }
    tx.commit().await?;
    Ok(Some(invoice))
}

/// Open payments whose next check is due, oldest first.
pub async fn due(db: &Db, now: &str, limit: i64) -> Result<Vec<PaymentRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{PAYMENT_SELECT} WHERE p.status IN ({}) AND p.next_check_at <= $1 \
         ORDER BY p.next_check_at LIMIT $2",
        in_list(&Status::OPEN)
    )))
    .bind(now)
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}

/// Claims a due check (another instance may be looking at the same row): moves `next_check_at`
/// from the value read to the next one and counts the attempt. False if someone else did.
pub async fn claim_check(
    db: &Db,
    payment_id: i64,
    seen_next_check_at: &str,
    next_check_at: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE payments SET next_check_at = $1, attempts = attempts + 1 \
         WHERE id = $2 AND next_check_at = $3",
    )
    .bind(next_check_at)
    .bind(payment_id)
    .bind(seen_next_check_at)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Makes an open payment due for a check now (callback received, manual re-query).
pub async fn check_now(db: &Db, payment_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE payments SET next_check_at = $1 WHERE id = $2 AND status IN ({})",
        in_list(&Status::OPEN)
    )))
    .bind(db.now())
    .bind(payment_id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub async fn for_user(db: &Db, user_id: i64) -> Result<Vec<PaymentRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{PAYMENT_SELECT} WHERE p.user_id = $1 ORDER BY p.id DESC LIMIT 100"
    )))
    .bind(user_id)
    .fetch_all(&db.pool)
    .await
}

#[derive(Clone, Debug, FromRow, Serialize)]
pub struct TransitionRow {
    pub id: i64,
    pub from_status: String,
    pub to_status: String,
    pub source: String,
    pub raw: String,
    pub created_at: String,
}

pub async fn transitions(db: &Db, payment_id: i64) -> Result<Vec<TransitionRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, from_status, to_status, source, raw, created_at FROM payment_transitions \
         WHERE payment_id = $1 ORDER BY id",
    )
    .bind(payment_id)
    .fetch_all(&db.pool)
    .await
}

// ---- Admin list and totals ----

#[derive(Clone, Debug, Default, serde::Deserialize, Serialize)]
pub struct AdminFilter {
    #[serde(default)]
    pub provider: String,
    #[serde(default)]
    pub currency: String,
    #[serde(default)]
    pub status: String,
    /// `YYYY-MM-DD`, inclusive.
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
}

fn is_date(s: &str) -> bool {
    s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        })
}

impl AdminFilter {
    /// Drops values that are not a known provider, currency, status or date.
    pub fn cleaned(mut self) -> Self {
        if super::providers::ProviderKind::parse(&self.provider).is_none() {
            self.provider.clear();
        }
        if crate::money::Currency::parse(&self.currency).is_none() {
            self.currency.clear();
        } else {
            self.currency = self.currency.to_ascii_uppercase();
        }
        if Status::parse(&self.status).is_none() {
            self.status.clear();
        }
        if !is_date(&self.from) {
            self.from.clear();
        }
        if !is_date(&self.to) {
            self.to.clear();
        }
        self
    }

    /// `WHERE …` with `$n` placeholders, and the values to bind in order.
    fn sql(&self, first_extra: Option<&str>) -> (String, Vec<String>) {
        let mut clauses: Vec<String> = first_extra.map(str::to_owned).into_iter().collect();
        let mut binds = Vec::new();
        let mut add = |clause: &str, value: String| {
            binds.push(value);
            clauses.push(clause.replace('?', &format!("${}", binds.len())));
        };
        if !self.provider.is_empty() {
            add("p.provider = ?", self.provider.clone());
        }
        if !self.currency.is_empty() {
            add("p.currency = ?", self.currency.clone());
        }
        if !self.status.is_empty() {
            add("p.status = ?", self.status.clone());
        }
        if !self.from.is_empty() {
            add("p.created_at >= ?", format!("{}T00:00:00Z", self.from));
        }
        if !self.to.is_empty() {
            add("p.created_at <= ?", format!("{}T23:59:59Z", self.to));
        }
        let sql = if clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", clauses.join(" AND "))
        };
        (sql, binds)
    }
}

pub async fn admin_list(db: &Db, filter: &AdminFilter) -> Result<Vec<PaymentRow>, sqlx::Error> {
    let (clause, binds) = filter.sql(None);
    let sql = format!("{PAYMENT_SELECT}{clause} ORDER BY p.id DESC LIMIT 200");
    let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
    for b in binds {
        q = q.bind(b);
    }
    q.fetch_all(&db.pool).await
}

#[derive(Clone, Debug, FromRow)]
pub struct SucceededAmount {
    pub provider: String,
    pub currency: String,
    pub amount_minor: i64,
    pub rate_x10000: i64,
}

/// Amounts of the succeeded (not refunded, not sandbox) payments matching the filter, for
/// totals.
pub async fn succeeded_amounts(
    db: &Db,
    filter: &AdminFilter,
) -> Result<Vec<SucceededAmount>, sqlx::Error> {
    let (clause, binds) = filter.sql(Some(
        "p.status = 'succeeded' AND p.refunded_at IS NULL AND p.sandbox = 0",
    ));
    let sql = format!(
        "SELECT p.provider, p.currency, p.amount_minor, p.rate_x10000 FROM payments p{clause}"
    );
    let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
    for b in binds {
        q = q.bind(b);
    }
    q.fetch_all(&db.pool).await
}

/// How many succeeded sandbox payments match the filter (shown apart, never in the totals).
pub async fn succeeded_sandbox_count(db: &Db, filter: &AdminFilter) -> Result<i64, sqlx::Error> {
    let (clause, binds) = filter.sql(Some("p.status = 'succeeded' AND p.sandbox = 1"));
    let sql = format!("SELECT COUNT(*) FROM payments p{clause}");
    let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql));
    for b in binds {
        q = q.bind(b);
    }
    q.fetch_one(&db.pool).await
}

/// Marks a succeeded payment refunded and records the refund (once).
pub async fn refund(
    db: &Db,
    payment_id: i64,
    note: &str,
    admin_id: i64,
) -> Result<bool, sqlx::Error> {
    let now = db.now();
    let mut tx = db.pool.begin().await?;
    let row: Option<(i64, String)> = sqlx::query_as(
        "UPDATE payments SET refunded_at = $1, updated_at = $1 \
         WHERE id = $2 AND status = 'succeeded' AND refunded_at IS NULL \
         RETURNING amount_minor, currency",
    )
    .bind(&now)
    .bind(payment_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((amount, currency)) = row else {
        tx.rollback().await?;
        return Ok(false);
    };
    sqlx::query(
        "INSERT INTO payment_refunds (payment_id, amount_minor, currency, note, refunded_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(payment_id)
    .bind(amount)
    .bind(&currency)
    .bind(note)
    .bind(admin_id)
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    insert_transition(
        &mut tx,
        payment_id,
        "succeeded",
        "succeeded",
        "refund",
        note,
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

// ---- Exchange rates ----

#[derive(Clone, Debug, FromRow, Serialize)]
pub struct RateRow {
    pub id: i64,
    pub rate_x10000: i64,
    pub source: String,
    pub note: String,
    pub set_by_name: Option<String>,
    pub created_at: String,
}

const RATE_SELECT: &str = "SELECT r.id, r.rate_x10000, r.source, r.note, u.name AS set_by_name, \
     r.created_at FROM exchange_rates r LEFT JOIN users u ON u.id = r.set_by";

pub async fn latest_rate(db: &Db) -> Result<Option<RateRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{RATE_SELECT} ORDER BY r.id DESC LIMIT 1"
    )))
    .fetch_optional(&db.pool)
    .await
}

pub async fn rate_by_id(db: &Db, id: i64) -> Result<Option<RateRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{RATE_SELECT} WHERE r.id = $1"
    )))
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

pub async fn rate_history(db: &Db, limit: i64) -> Result<Vec<RateRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{RATE_SELECT} ORDER BY r.id DESC LIMIT $1"
    )))
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}

pub async fn insert_rate(
    db: &Db,
    rate_x10000: i64,
    source: &str,
    note: &str,
    set_by: Option<i64>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO exchange_rates (base, quote, rate_x10000, source, note, set_by, created_at) \
         VALUES ('USD', 'CDF', $1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(rate_x10000)
    .bind(source)
    .bind(note)
    .bind(set_by)
    .bind(db.now())
    .fetch_one(&db.pool)
    .await
}

// ---- Routing ----

#[derive(Clone, Debug, FromRow, Serialize)]
pub struct RouteRow {
    pub wallet: String,
    pub currency: String,
    pub provider: String,
    pub updated_at: String,
}

pub async fn routes(db: &Db) -> Result<Vec<RouteRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT wallet, currency, provider, updated_at FROM payment_routes ORDER BY wallet, currency",
    )
    .fetch_all(&db.pool)
    .await
}

pub async fn route_for(
    db: &Db,
    wallet: &str,
    currency: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT provider FROM payment_routes WHERE wallet = $1 AND currency = $2")
        .bind(wallet)
        .bind(currency)
        .fetch_optional(&db.pool)
        .await
}

pub async fn set_route(
    db: &Db,
    wallet: &str,
    currency: &str,
    provider: &str,
    admin_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO payment_routes (wallet, currency, provider, updated_by, updated_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (wallet, currency) \
         DO UPDATE SET provider = excluded.provider, updated_by = excluded.updated_by, \
         updated_at = excluded.updated_at",
    )
    .bind(wallet)
    .bind(currency)
    .bind(provider)
    .bind(admin_id)
    .bind(db.now())
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// The open payment of a payer for a course, or for a batch's seats (at most one:
/// `payments_one_open`).
pub async fn open_for(
    db: &Db,
    user_id: i64,
    course_id: i64,
    seat_batch_id: Option<i64>,
) -> Result<Option<PaymentRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{PAYMENT_SELECT} WHERE p.user_id = $1 AND p.course_id = $2 \
         AND COALESCE(p.seat_batch_id, 0) = $3 AND p.status IN ({}) \
         ORDER BY p.id DESC LIMIT 1",
        in_list(&Status::OPEN)
    )))
    .bind(user_id)
    .bind(course_id)
    .bind(seat_batch_id.unwrap_or(0))
    .fetch_optional(&db.pool)
    .await
}

// ---- Quotes ----

/// One currency of a quote shown on a checkout page.
#[derive(Clone, Debug, FromRow, Serialize)]
pub struct QuoteRow {
    pub id: i64,
    pub token: String,
    pub user_id: i64,
    pub course_id: i64,
    pub seat_batch_id: Option<i64>,
    pub currency: String,
    pub amount_minor: i64,
    pub ref_currency: String,
    pub ref_amount_minor: i64,
    pub rate_id: Option<i64>,
    pub rate_x10000: i64,
    pub pinned: i64,
    pub expires_at: String,
    pub created_at: String,
}

const QUOTE_SELECT: &str = "SELECT id, token, user_id, course_id, seat_batch_id, currency, amount_minor, \
     ref_currency, ref_amount_minor, rate_id, rate_x10000, pinned, expires_at, created_at \
     FROM payment_quotes";

/// A quote to store: the same token, learner, course (or batch), rate and expiry for every line.
pub struct NewQuote<'a> {
    pub token: &'a str,
    pub user_id: i64,
    pub course_id: i64,
    pub seat_batch_id: Option<i64>,
    pub rate_id: i64,
    pub rate_x10000: i64,
    pub expires_at: &'a str,
    pub lines: Vec<NewQuoteLine>,
}

/// One currency of a [`NewQuote`].
pub struct NewQuoteLine {
    pub currency: &'static str,
    pub amount_minor: i64,
    pub ref_currency: &'static str,
    pub ref_amount_minor: i64,
    pub pinned: bool,
}

/// Stores the lines of one quote, and forgets the learner's expired quotes.
pub async fn insert_quote(db: &Db, q: &NewQuote<'_>) -> Result<(), sqlx::Error> {
    let now = db.now();
    let mut tx = db.pool.begin().await?;
    sqlx::query("DELETE FROM payment_quotes WHERE user_id = $1 AND expires_at < $2")
        .bind(q.user_id)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
    for line in &q.lines {
        sqlx::query(
            "INSERT INTO payment_quotes (token, user_id, course_id, currency, amount_minor, \
             ref_currency, ref_amount_minor, rate_id, rate_x10000, pinned, expires_at, created_at, \
             seat_batch_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(q.token)
        .bind(q.user_id)
        .bind(q.course_id)
        .bind(line.currency)
        .bind(line.amount_minor)
        .bind(line.ref_currency)
        .bind(line.ref_amount_minor)
        .bind(q.rate_id)
        .bind(q.rate_x10000)
        .bind(i64::from(line.pinned))
        .bind(q.expires_at)
        .bind(&now)
        .bind(q.seat_batch_id)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The currencies of the payer's newest quote for a course (or a batch's seats) still valid
/// after `valid_after`.
pub async fn latest_quote(
    db: &Db,
    user_id: i64,
    course_id: i64,
    seat_batch_id: Option<i64>,
    valid_after: &str,
) -> Result<Vec<QuoteRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{QUOTE_SELECT} WHERE token = (SELECT token FROM payment_quotes \
           WHERE user_id = $1 AND course_id = $2 AND COALESCE(seat_batch_id, 0) = $4 \
           AND expires_at > $3 ORDER BY id DESC LIMIT 1) \
         ORDER BY currency"
    )))
    .bind(user_id)
    .bind(course_id)
    .bind(valid_after)
    .bind(seat_batch_id.unwrap_or(0))
    .fetch_all(&db.pool)
    .await
}

/// Forgets every quote that expired before `before` (learners who never came back).
pub async fn purge_quotes(db: &Db, before: &str) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM payment_quotes WHERE expires_at < $1")
            .bind(before)
            .execute(&db.pool)
            .await?
            .rows_affected(),
    )
}

/// One currency of a quote by its token (whoever it belongs to: the caller checks).
pub async fn quote_line(
    db: &Db,
    token: &str,
    currency: &str,
) -> Result<Option<QuoteRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{QUOTE_SELECT} WHERE token = $1 AND currency = $2"
    )))
    .bind(token)
    .bind(currency)
    .fetch_optional(&db.pool)
    .await
}

// ---- Pinned prices ----

#[derive(Clone, Debug, FromRow, Serialize)]
pub struct PinnedRow {
    pub course_id: i64,
    pub course_title: String,
    pub course_slug: String,
    pub currency: String,
    pub amount_minor: i64,
}

/// A course's pinned prices (at most one per currency).
pub async fn pinned_prices(db: &Db, course_id: i64) -> Result<Vec<(String, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT currency, amount_minor FROM course_pinned_prices WHERE course_id = $1")
        .bind(course_id)
        .fetch_all(&db.pool)
        .await
}

pub async fn all_pinned_prices(db: &Db) -> Result<Vec<PinnedRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT p.course_id, c.title AS course_title, c.slug AS course_slug, p.currency, \
         p.amount_minor FROM course_pinned_prices p JOIN courses c ON c.id = p.course_id \
         ORDER BY c.title, p.currency",
    )
    .fetch_all(&db.pool)
    .await
}

/// Sets (`Some`) or removes (`None`) a course's pinned price in a currency.
pub async fn set_pinned_price(
    db: &Db,
    course_id: i64,
    currency: &str,
    amount_minor: Option<i64>,
    admin_id: i64,
) -> Result<(), sqlx::Error> {
    match amount_minor {
        None => {
            sqlx::query("DELETE FROM course_pinned_prices WHERE course_id = $1 AND currency = $2")
                .bind(course_id)
                .bind(currency)
                .execute(&db.pool)
                .await?;
        }
        Some(amount) => {
            sqlx::query(
                "INSERT INTO course_pinned_prices (course_id, currency, amount_minor, set_by, updated_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (course_id, currency) \
                 DO UPDATE SET amount_minor = excluded.amount_minor, set_by = excluded.set_by, \
                 updated_at = excluded.updated_at",
            )
            .bind(course_id)
            .bind(currency)
            .bind(amount)
            .bind(admin_id)
            .bind(db.now())
            .execute(&db.pool)
            .await?;
        }
    }
    Ok(())
}

/// How many payments a learner created since `since` (a cap against USSD-push spam).
pub async fn created_since(db: &Db, user_id: i64, since: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM payments WHERE user_id = $1 AND created_at >= $2")
        .bind(user_id)
        .bind(since)
        .fetch_one(&db.pool)
        .await
}

/// The phone number saved in the learner's profile (`users.phone`), if any.
pub async fn saved_phone(db: &Db, user_id: i64) -> Result<Option<String>, sqlx::Error> {
    let phone: Option<Option<String>> = sqlx::query_scalar("SELECT phone FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(phone.flatten().filter(|p| !p.trim().is_empty()))
}

// ---- Seller (receipts) ----

/// Who sells, as receipts name them: the platform's name, address and DRC tax identifiers.
#[derive(Clone, Debug, Default, FromRow, Serialize, serde::Deserialize)]
pub struct Seller {
    pub name: String,
    pub address: String,
    pub rccm: String,
    pub id_nat: String,
    pub nif: String,
}

/// The seller an admin set, if any.
pub async fn seller(db: &Db) -> Result<Option<Seller>, sqlx::Error> {
    sqlx::query_as("SELECT name, address, rccm, id_nat, nif FROM payment_seller WHERE id = 1")
        .fetch_optional(&db.pool)
        .await
}

/// Stores the seller (one row).
pub async fn set_seller(db: &Db, s: &Seller, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO payment_seller (id, name, address, rccm, id_nat, nif, updated_by, updated_at) \
         VALUES (1, $1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, address = excluded.address, \
         rccm = excluded.rccm, id_nat = excluded.id_nat, nif = excluded.nif, \
         updated_by = excluded.updated_by, updated_at = excluded.updated_at",
    )
    .bind(&s.name)
    .bind(&s.address)
    .bind(&s.rccm)
    .bind(&s.id_nat)
    .bind(&s.nif)
    .bind(user_id)
    .bind(db.now())
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Stores the operator's reason of a failed payment that has none yet.
pub async fn add_failure_reason(db: &Db, payment_id: i64, reason: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE payments SET failure_reason = $1 \
         WHERE id = $2 AND status = 'failed' AND failure_reason IS NULL",
    )
    .bind(reason)
    .bind(payment_id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

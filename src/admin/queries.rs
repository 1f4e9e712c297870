//! SQL of the administration: users, courses, categories, testimonials, analytics, audit log.

pub mod exports;

use serde::Serialize;

use crate::db::{self, Db};
use crate::web::pagination::Pagination;

/// `%…%` for LIKE, lower-cased, with the wildcards of the input escaped (`ESCAPE '\'`).
pub fn like_pattern(q: &str) -> String {
    db::like_anywhere(&q.to_lowercase())
}

// ------------------------------------------------------------------------------ audit ---

/// Records an admin action; `details` holds before/after values where they matter.
pub async fn audit(
    db: &Db,
    actor_id: i64,
    action: &str,
    target_type: &str,
    target_id: Option<i64>,
    details: serde_json::Value,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO admin_audit (actor_id, action, target_type, target_id, details, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(actor_id)
    .bind(action)
    .bind(target_type)
    .bind(target_id)
    .bind(details.to_string())
    .bind(db.now())
    .execute(&db.pool)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub actor_name: Option<String>,
    pub action: String,
    pub target_type: String,
    pub target_id: Option<i64>,
    pub details: String,
    pub created_at: String,
    /// The target's name as it is now (a user, a course's title, a category, a testimonial's
    /// author); `None` when it no longer exists.
    pub target_name: Option<String>,
    /// A course's slug (its link).
    pub target_slug: Option<String>,
}

/// How many entries the audit log holds.
pub async fn audit_count(db: &Db) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM admin_audit")
        .fetch_one(&db.pool)
        .await
}

pub async fn audit_log(db: &Db, limit: i64, offset: i64) -> Result<Vec<AuditEntry>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.id, u.name AS actor_name, a.action, a.target_type, a.target_id, a.details, \
         a.created_at, COALESCE(tu.name, c.title, cat.name, ts.author_name, sb.sponsor_name) AS target_name, \
         c.slug AS target_slug \
         FROM admin_audit a LEFT JOIN users u ON u.id = a.actor_id \
         LEFT JOIN users tu ON a.target_type = 'user' AND tu.id = a.target_id \
         LEFT JOIN courses c ON a.target_type = 'course' AND c.id = a.target_id \
         LEFT JOIN categories cat ON a.target_type = 'category' AND cat.id = a.target_id \
         LEFT JOIN testimonials ts ON a.target_type = 'testimonial' AND ts.id = a.target_id \
         LEFT JOIN seat_batches sb ON a.target_type = 'seat_batch' AND sb.id = a.target_id \
         ORDER BY a.id DESC LIMIT $1 OFFSET $2",
    )
    .bind(limit)
    .bind(offset)
    .fetch_all(&db.pool)
    .await
}

// ------------------------------------------------------------------------------ users ---

/// The filters of the user list (and of its CSV export).
#[derive(Debug, Default, Clone, serde::Deserialize, Serialize)]
pub struct UserFilter {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub status: String,
}

impl UserFilter {
    /// The WHERE clause (parameters from `$1`) and its values, in order.
    pub fn clause(&self) -> (String, Vec<String>) {
        let mut parts = vec!["1 = 1".to_owned()];
        let mut values = Vec::new();
        let q = self.q.trim();
        if !q.is_empty() {
            values.push(like_pattern(q));
            let n = values.len();
            parts.push(format!(
                "(LOWER(u.name) LIKE ${n} ESCAPE '\\' OR LOWER(u.email) LIKE ${n} ESCAPE '\\')"
            ));
        }
        if matches!(self.role.as_str(), "trainer" | "moderator" | "admin") {
            // Roles are stored space-separated: match a whole word.
            values.push(format!("% {} %", self.role));
            parts.push(format!("(' ' || u.roles || ' ') LIKE ${}", values.len()));
        }
        match self.status.as_str() {
            "active" => parts.push("u.active = 1 AND u.email_verified = 1".into()),
            "suspended" => parts.push("u.active = 0".into()),
            "unverified" => parts.push("u.email_verified = 0".into()),
            _ => {}
        }
        (parts.join(" AND "), values)
    }
}

#[derive(sqlx::FromRow, Serialize)]
pub struct UserRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub roles: String,
    pub email_verified: i64,
    pub active: i64,
    pub created_at: String,
}

const USER_COLUMNS: &str =
    "u.id, u.name, u.email, u.roles, u.email_verified, u.active, u.created_at";

/// One page of the users matching `filter` (a page past the end is the last one), newest first.
pub async fn users(
    db: &Db,
    filter: &UserFilter,
    requested_page: i64,
    per_page: i64,
) -> Result<(Vec<UserRow>, Pagination), sqlx::Error> {
    let (clause, values) = filter.clause();
    let mut c = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM users u WHERE {clause}"
    )));
    for v in &values {
        c = c.bind(v.clone());
    }
    let pagination = Pagination::new(requested_page, per_page, c.fetch_one(&db.pool).await?);
    let n = values.len();
    let sql = format!(
        "SELECT {USER_COLUMNS} FROM users u WHERE {clause} ORDER BY u.id DESC LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let mut q = sqlx::query_as::<_, UserRow>(sqlx::AssertSqlSafe(sql));
    for v in &values {
        q = q.bind(v.clone());
    }
    let rows = q
        .bind(pagination.limit())
        .bind(pagination.offset())
        .fetch_all(&db.pool)
        .await?;
    Ok((rows, pagination))
}

pub async fn user(db: &Db, id: i64) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1"
    )))
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

#[derive(sqlx::FromRow, Serialize)]
pub struct UserEnrolment {
    pub title: String,
    pub slug: String,
    pub source: String,
    pub created_at: String,
    pub completed_at: Option<String>,
}

pub async fn user_enrolments(db: &Db, user_id: i64) -> Result<Vec<UserEnrolment>, sqlx::Error> {
    sqlx::query_as(
        "SELECT c.title, c.slug, e.source, e.created_at, e.completed_at FROM enrolments e \
         JOIN courses c ON c.id = e.course_id WHERE e.user_id = $1 ORDER BY e.created_at DESC",
    )
    .bind(user_id)
    .fetch_all(&db.pool)
    .await
}

pub async fn set_roles(db: &Db, user_id: i64, roles: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET roles = $1 WHERE id = $2")
        .bind(roles)
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn set_active(db: &Db, user_id: i64, active: bool) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET active = $1 WHERE id = $2")
        .bind(i32::from(active))
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Makes the password unusable until the owner sets a new one through a reset link.
pub async fn lock_password(db: &Db, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = '!reset-required' WHERE id = $1")
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------- courses ---

#[derive(sqlx::FromRow, Serialize)]
pub struct CourseRow {
    pub id: i64,
    pub title: String,
    pub slug: String,
    pub trainer_name: String,
    pub category_name: String,
    pub published: i64,
    pub featured: i64,
    pub price_minor: i64,
    pub currency: String,
    pub enrolments: i64,
    pub completions: i64,
    pub revenue_usd_cents: i64,
}

pub async fn courses(db: &Db, q: &str) -> Result<Vec<CourseRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT c.id, c.title, c.slug, t.name AS trainer_name, k.name AS category_name, \
           c.published, c.featured, c.price_minor, c.currency, \
           (SELECT COUNT(*) FROM enrolments e WHERE e.course_id = c.id) AS enrolments, \
           (SELECT COUNT(*) FROM enrolments e WHERE e.course_id = c.id AND e.completed_at IS NOT NULL) AS completions, \
           (SELECT CAST(COALESCE(SUM(CASE WHEN p.currency = 'USD' THEN p.amount_minor \
                     ELSE COALESCE(p.amount_minor * 10000 / NULLIF(p.rate_x10000, 0), 0) END), 0) AS BIGINT) \
              FROM payments p WHERE p.course_id = c.id AND p.status = 'succeeded' AND p.refunded_at IS NULL AND p.sandbox = 0) AS revenue_usd_cents \
         FROM courses c JOIN users t ON t.id = c.trainer_id JOIN categories k ON k.id = c.category_id \
         WHERE LOWER(c.title) LIKE $1 ESCAPE '\\' ORDER BY c.featured DESC, c.id DESC",
    )
    .bind(like_pattern(q.trim()))
    .fetch_all(&db.pool)
    .await
}

/// Flips the home-page feature; returns the new value (None when the course does not exist).
pub async fn toggle_featured(db: &Db, course_id: i64) -> Result<Option<bool>, sqlx::Error> {
    let r = sqlx::query("UPDATE courses SET featured = 1 - featured WHERE id = $1")
        .bind(course_id)
        .execute(&db.pool)
        .await?;
    if r.rows_affected() == 0 {
        return Ok(None);
    }
    let v: i64 = sqlx::query_scalar("SELECT featured FROM courses WHERE id = $1")
        .bind(course_id)
        .fetch_one(&db.pool)
        .await?;
    Ok(Some(db::flag(v)))
}

pub async fn course_published(db: &Db, course_id: i64) -> Result<Option<bool>, sqlx::Error> {
    let v: Option<i64> = sqlx::query_scalar("SELECT published FROM courses WHERE id = $1")
        .bind(course_id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(v.map(db::flag))
}

#[derive(sqlx::FromRow, Serialize)]
pub struct CategoryRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub position: i64,
    pub courses: i64,
}

pub async fn categories(db: &Db) -> Result<Vec<CategoryRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT k.id, k.slug, k.name, k.position, \
           (SELECT COUNT(*) FROM courses c WHERE c.category_id = k.id) AS courses \
         FROM categories k ORDER BY k.position, k.id",
    )
    .fetch_all(&db.pool)
    .await
}

/// Creates a category; None when the slug is taken.
pub async fn create_category(db: &Db, slug: &str, name: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO categories (slug, name, position) \
         VALUES ($1, $2, (SELECT COALESCE(MAX(position), 0) + 1 FROM categories)) \
         ON CONFLICT (slug) DO NOTHING RETURNING id",
    )
    .bind(slug)
    .bind(name)
    .fetch_optional(&db.pool)
    .await
}

pub async fn rename_category(db: &Db, id: i64, name: &str) -> Result<Option<String>, sqlx::Error> {
    let before: Option<String> = sqlx::query_scalar("SELECT name FROM categories WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    if before.is_some() {
        sqlx::query("UPDATE categories SET name = $1 WHERE id = $2")
            .bind(name)
            .bind(id)
            .execute(&db.pool)
            .await?;
    }
    Ok(before)
}

#[derive(sqlx::FromRow, Serialize)]
pub struct TestimonialRow {
    pub id: i64,
    pub author_name: String,
    pub author_title: String,
    pub quote: String,
    pub published: i64,
}

pub async fn testimonials(db: &Db) -> Result<Vec<TestimonialRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, author_name, author_title, quote, published FROM testimonials \
         ORDER BY position, id",
    )
    .fetch_all(&db.pool)
    .await
}

pub async fn toggle_testimonial(db: &Db, id: i64) -> Result<bool, sqlx::Error> {
    let r = sqlx::query("UPDATE testimonials SET published = 1 - published WHERE id = $1")
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(r.rows_affected() == 1)
}

// -------------------------------------------------------------------------- analytics ---

/// Counts per day (`YYYY-MM-DD`) of a timestamp column between two days (inclusive).
pub async fn daily_counts(
    db: &Db,
    table: Daily,
    from: &str,
    to_exclusive: &str,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let (column, from_table, extra) = match table {
        Daily::Enrolments => ("created_at", "enrolments", ""),
        Daily::Completions => ("completed_at", "enrolments", ""),
        Daily::Signups => ("created_at", "users", ""),
        Daily::ActiveUsers => ("created_at", "login_history", " AND success = 1"),
    };
    let count = if matches!(table, Daily::ActiveUsers) {
        "COUNT(DISTINCT user_id)"
    } else {
        "COUNT(*)"
    };
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT SUBSTR({column}, 1, 10) AS day, {count} FROM {from_table} \
         WHERE {column} >= $1 AND {column} < $2{extra} GROUP BY SUBSTR({column}, 1, 10) ORDER BY day"
    )))
    .bind(from)
    .bind(to_exclusive)
    .fetch_all(&db.pool)
    .await
}

#[derive(Clone, Copy, Debug)]
pub enum Daily {
    Enrolments,
    Completions,
    Signups,
    ActiveUsers,
}

/// Distinct users with a successful login in `[from, to)`.
pub async fn active_users(db: &Db, from: &str, to_exclusive: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(DISTINCT user_id) FROM login_history \
         WHERE success = 1 AND created_at >= $1 AND created_at < $2",
    )
    .bind(from)
    .bind(to_exclusive)
    .fetch_one(&db.pool)
    .await
}

/// The courses with the most enrolments in `[from, to)`.
pub async fn top_courses(
    db: &Db,
    from: &str,
    to_exclusive: &str,
    limit: i64,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT c.title, COUNT(*) AS n FROM enrolments e JOIN courses c ON c.id = e.course_id \
         WHERE e.created_at >= $1 AND e.created_at < $2 \
         GROUP BY c.id, c.title ORDER BY n DESC, c.title LIMIT $3",
    )
    .bind(from)
    .bind(to_exclusive)
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}

/// Totals shown on the overview.
#[derive(Serialize, Default)]
pub struct Totals {
    pub users: i64,
    pub learners_active_30d: i64,
    pub courses: i64,
    pub published: i64,
    pub enrolments: i64,
    pub completions: i64,
}

pub async fn totals(db: &Db, month_ago: &str) -> Result<Totals, sqlx::Error> {
    let one = |sql: &'static str| sqlx::query_scalar::<_, i64>(sql);
    Ok(Totals {
        users: one("SELECT COUNT(*) FROM users")
            .fetch_one(&db.pool)
            .await?,
        learners_active_30d: active_users(db, month_ago, "9999").await?,
        courses: one("SELECT COUNT(*) FROM courses")
            .fetch_one(&db.pool)
            .await?,
        published: one("SELECT COUNT(*) FROM courses WHERE published = 1")
            .fetch_one(&db.pool)
            .await?,
        enrolments: one("SELECT COUNT(*) FROM enrolments")
            .fetch_one(&db.pool)
            .await?,
        completions: one("SELECT COUNT(*) FROM enrolments WHERE completed_at IS NOT NULL")
            .fetch_one(&db.pool)
            .await?,
    })
}

/// A succeeded, not refunded payment in US cents at the rate stored on it (USD is the
/// reporting currency; CDF is converted at the payment's own USD→CDF rate). Revenue never
/// counts sandbox payments (`p.sandbox = 0`): no money moved.
const USD_CENTS: &str = "CASE WHEN p.currency = 'USD' THEN p.amount_minor \
     ELSE COALESCE(p.amount_minor * 10000 / NULLIF(p.rate_x10000, 0), 0) END";

/// Revenue per month (`YYYY-MM`) in US cents, payments finalised in `[from, to)`.
pub async fn revenue_by_month(
    db: &Db,
    from: &str,
    to_exclusive: &str,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT SUBSTR(p.finalized_at, 1, 7) AS month, CAST(SUM({USD_CENTS}) AS BIGINT) \
         FROM payments p WHERE p.status = 'succeeded' AND p.refunded_at IS NULL AND p.sandbox = 0 \
           AND p.finalized_at >= $1 AND p.finalized_at < $2 \
         GROUP BY SUBSTR(p.finalized_at, 1, 7) ORDER BY month"
    )))
    .bind(from)
    .bind(to_exclusive)
    .fetch_all(&db.pool)
    .await
}

/// Revenue per provider and currency: payments, total in that currency, total in US cents.
#[derive(sqlx::FromRow, Serialize)]
pub struct RevenueLine {
    pub provider: String,
    pub currency: String,
    pub payments: i64,
    pub amount_minor: i64,
    pub usd_cents: i64,
}

/// What sponsors paid for seat batches issued in a period, per sponsor and currency: mobile
/// money (not a sandbox or refunded payment) and offline payments as the admin recorded them.
#[derive(Debug, sqlx::FromRow, Serialize)]
pub struct SponsorLine {
    pub sponsor: String,
    pub currency: String,
    pub batches: i64,
    pub seats: i64,
    pub amount_minor: i64,
}

pub async fn revenue_by_sponsor(
    db: &Db,
    from: &str,
    to_exclusive: &str,
) -> Result<Vec<SponsorLine>, sqlx::Error> {
    sqlx::query_as(
        "SELECT b.sponsor_name AS sponsor, b.currency, COUNT(*) AS batches, \
           CAST(SUM(b.seats) AS BIGINT) AS seats, CAST(SUM(b.amount_minor) AS BIGINT) AS amount_minor \
         FROM seat_batches b WHERE b.amount_minor IS NOT NULL AND b.currency IS NOT NULL \
           AND b.issued_at >= $1 AND b.issued_at < $2 \
           AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.seat_batch_id = b.id \
             AND p.status = 'succeeded' AND (p.sandbox = 1 OR p.refunded_at IS NOT NULL)) \
         GROUP BY b.sponsor_name, b.currency ORDER BY b.sponsor_name, b.currency",
    )
    .bind(from)
    .bind(to_exclusive)
    .fetch_all(&db.pool)
    .await
}

pub async fn revenue_by_provider(
    db: &Db,
    from: &str,
    to_exclusive: &str,
) -> Result<Vec<RevenueLine>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT p.provider, p.currency, COUNT(*) AS payments, \
           CAST(SUM(p.amount_minor) AS BIGINT) AS amount_minor, \
           CAST(SUM({USD_CENTS}) AS BIGINT) AS usd_cents \
         FROM payments p WHERE p.status = 'succeeded' AND p.refunded_at IS NULL AND p.sandbox = 0 \
           AND p.finalized_at >= $1 AND p.finalized_at < $2 \
         GROUP BY p.provider, p.currency ORDER BY p.provider, p.currency"
    )))
    .bind(from)
    .bind(to_exclusive)
    .fetch_all(&db.pool)
    .await
}

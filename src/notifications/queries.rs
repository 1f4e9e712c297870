//! SQL of the notifications feature.

use serde::Serialize;

use super::{Kind, Notice};
use crate::db::{self, Db};

pub async fn insert(db: &Db, user_id: i64, n: Notice<'_>) -> Result<i64, sqlx::Error> {
    // The place: the link without its #fragment (a topic, not one of its replies).
    let place = n.link.split('#').next().unwrap_or(n.link);
    sqlx::query_scalar(
        "INSERT INTO notifications (user_id, kind, subject, link, place, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(user_id)
    .bind(n.kind.code())
    .bind(n.subject)
    .bind(n.link)
    .bind(place)
    .bind(db.now())
    .fetch_one(&db.pool)
    .await
}

/// Someone to e-mail a notification to.
#[derive(sqlx::FromRow)]
pub struct Recipient {
    pub name: String,
    pub email: String,
    pub locale: String,
    /// The recipient's time zone (`None`: the platform's).
    pub timezone: Option<String>,
}

/// An active account to e-mail whatever its settings (service notices).
pub async fn recipient(db: &Db, user_id: i64) -> Result<Option<Recipient>, sqlx::Error> {
    sqlx::query_as("SELECT name, email, locale, timezone FROM users WHERE id = $1 AND active = 1")
        .bind(user_id)
        .fetch_optional(&db.pool)
        .await
}

/// Among `user_ids`, the active accounts that get an e-mail for `kind` (their setting, or the
/// kind's default).
pub async fn email_recipients(
    db: &Db,
    user_ids: &[i64],
    kind: Kind,
) -> Result<Vec<Recipient>, sqlx::Error> {
    if user_ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (0..user_ids.len()).map(|i| format!("${}", i + 3)).collect();
    let sql = format!(
        "SELECT u.name, u.email, u.locale, u.timezone FROM users u \
         LEFT JOIN notification_settings s ON s.user_id = u.id AND s.kind = $1 \
         WHERE u.active = 1 AND COALESCE(s.email, $2) = 1 AND u.id IN ({})",
        placeholders.join(", ")
    );
    let mut q = sqlx::query_as::<_, Recipient>(sqlx::AssertSqlSafe(sql))
        .bind(kind.code())
        .bind(i32::from(kind.emails_by_default()));
    for id in user_ids {
        q = q.bind(*id);
    }
    q.fetch_all(&db.pool).await
}

/// A stored notification as pages show it.
#[derive(sqlx::FromRow, Serialize, Clone, Debug)]
pub struct Notification {
    pub id: i64,
    pub kind: String,
    pub subject: String,
    pub link: String,
    pub read_at: Option<String>,
    pub created_at: String,
    /// How many notifications this line stands for (a group of the same kind and place).
    pub count: i64,
}

const COLUMNS: &str = "id, kind, subject, link, read_at, created_at, CAST(1 AS BIGINT) AS count";

/// The kinds whose notifications about one place (same link but for its #fragment) make one line: "3 nouvelles
/// réponses dans « … »". Other kinds stay one line each.
const GROUPED: &str = "('forum_reply', 'forum_mention', 'private_message', 'moderation_report')";

/// One line per group: same kind, same link, same read state (for a grouped kind), else one
/// line per notification.
fn group_by() -> String {
    format!(
        "kind, place, CASE WHEN read_at IS NULL THEN 0 ELSE 1 END, \
         CASE WHEN kind IN {GROUPED} THEN 0 ELSE id END"
    )
}

/// One page of a user's notification lines (grouped), unread first, newest first.
pub async fn page(
    db: &Db,
    user_id: i64,
    limit: i64,
    offset: i64,
) -> Result<Vec<Notification>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT MAX(id) AS id, kind, MAX(subject) AS subject, \
         CASE WHEN COUNT(*) > 1 THEN place ELSE MAX(link) END AS link, MAX(read_at) AS read_at, \
         MAX(created_at) AS created_at, COUNT(*) AS count \
         FROM notifications WHERE user_id = $1 GROUP BY {} \
         ORDER BY MIN(CASE WHEN read_at IS NULL THEN 0 ELSE 1 END), MAX(id) DESC \
         LIMIT $2 OFFSET $3",
        group_by()
    )))
    .bind(user_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(&db.pool)
    .await
}

/// How many lines (groups) the user's notifications make.
pub async fn count(db: &Db, user_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM (SELECT MAX(id) AS id FROM notifications WHERE user_id = $1 \
         GROUP BY {}) g",
        group_by()
    )))
    .bind(user_id)
    .fetch_one(&db.pool)
    .await
}

pub async fn latest_id(db: &Db, user_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM notifications WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(&db.pool)
        .await
}

/// Unread lines (groups): what the bell counts.
pub async fn unread_count(db: &Db, user_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM (SELECT MAX(id) AS id FROM notifications \
         WHERE user_id = $1 AND read_at IS NULL GROUP BY {}) g",
        group_by()
    )))
    .bind(user_id)
    .fetch_one(&db.pool)
    .await
}

/// A user's notifications stored after `after_id`, oldest first (what a reconnecting stream
/// missed), at most `limit`.
pub async fn since(
    db: &Db,
    user_id: i64,
    after_id: i64,
    limit: i64,
) -> Result<Vec<Notification>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM notifications WHERE user_id = $1 AND id > $2 \
         ORDER BY id LIMIT $3"
    )))
    .bind(user_id)
    .bind(after_id)
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}

pub async fn find(db: &Db, user_id: i64, id: i64) -> Result<Option<Notification>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM notifications WHERE id = $1 AND user_id = $2"
    )))
    .bind(id)
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await
}

/// Where opening a notification leads: for a group, the oldest unread of its group (where
/// reading starts), else its own link.
pub async fn group_link(db: &Db, user_id: i64, id: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT n.link FROM notifications n WHERE n.user_id = $1 AND (n.id = $2 OR \
         (n.read_at IS NULL AND n.kind IN {GROUPED} \
          AND n.kind = (SELECT o.kind FROM notifications o WHERE o.id = $2 AND o.user_id = $1) \
          AND n.place = (SELECT o.place FROM notifications o WHERE o.id = $2 AND o.user_id = $1))) \
         ORDER BY CASE WHEN n.read_at IS NULL THEN 0 ELSE 1 END, n.id LIMIT 1"
    )))
    .bind(user_id)
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

/// Marks one of the user's notifications read, with the unread ones of its group (same
/// grouped kind, same place); false when it is not theirs.
pub async fn mark_read(db: &Db, user_id: i64, id: i64) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE notifications SET read_at = COALESCE(read_at, $1) WHERE user_id = $3 AND \
         (id = $2 OR (read_at IS NULL AND kind IN {GROUPED} \
          AND kind = (SELECT n.kind FROM notifications n WHERE n.id = $2 AND n.user_id = $3) \
          AND place = (SELECT n.place FROM notifications n WHERE n.id = $2 AND n.user_id = $3)))"
    )))
    .bind(db.now())
    .bind(id)
    .bind(user_id)
    .execute(&db.pool)
    .await?;
    Ok(r.rows_affected() >= 1)
}

pub async fn mark_all_read(db: &Db, user_id: i64) -> Result<u64, sqlx::Error> {
    let r =
        sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
            .bind(db.now())
            .bind(user_id)
            .execute(&db.pool)
            .await?;
    Ok(r.rows_affected())
}

/// The user's e-mail choice per kind (the default where they have not chosen).
pub async fn email_settings(db: &Db, user_id: i64) -> Result<Vec<(Kind, bool)>, sqlx::Error> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT kind, email FROM notification_settings WHERE user_id = $1")
            .bind(user_id)
            .fetch_all(&db.pool)
            .await?;
    Ok(Kind::ALL
        .into_iter()
        .map(|k| {
            let chosen = rows
                .iter()
                .find(|(c, _)| c == k.code())
                .map(|(_, e)| db::flag(*e));
            (k, chosen.unwrap_or(k.emails_by_default()))
        })
        .collect())
}

pub async fn save_email_settings(
    db: &Db,
    user_id: i64,
    choices: &[(Kind, bool)],
) -> Result<(), sqlx::Error> {
    let mut tx = db.pool.begin().await?;
    for (kind, email) in choices {
        sqlx::query(
            "INSERT INTO notification_settings (user_id, kind, email) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id, kind) DO UPDATE SET email = excluded.email",
        )
        .bind(user_id)
        .bind(kind.code())
        .bind(i32::from(*email))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

pub async fn course_title(
    db: &Db,
    course_id: i64,
) -> Result<Option<(String, String)>, sqlx::Error> {
    sqlx::query_as("SELECT title, slug FROM courses WHERE id = $1")
        .bind(course_id)
        .fetch_optional(&db.pool)
        .await
}

/// Active learners enrolled in another course of the same category or trainer.
pub async fn course_audience(db: &Db, course_id: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT DISTINCT e.user_id FROM enrolments e \
         JOIN courses other ON other.id = e.course_id \
         JOIN courses c ON c.id = $1 \
         JOIN users u ON u.id = e.user_id \
         WHERE other.id <> c.id AND u.active = 1 AND e.user_id <> c.trainer_id \
           AND (other.category_id = c.category_id OR other.trainer_id = c.trainer_id)",
    )
    .bind(course_id)
    .fetch_all(&db.pool)
    .await
}

//! Every SQL statement of live sessions.

use sqlx::FromRow;
use time::OffsetDateTime;

use super::model::ValidSession;
use crate::db::{self, Db};

/// A session with its trainer's name and its course (when not public).
#[derive(Clone, Debug, FromRow, serde::Serialize)]
pub struct Session {
    pub id: i64,
    pub trainer_id: i64,
    pub trainer_name: String,
    pub course_id: Option<i64>,
    pub course_title: Option<String>,
    pub course_slug: Option<String>,
    pub title: String,
    pub description: String,
    pub starts_at: String,
    pub duration_minutes: i64,
    pub external_url: Option<String>,
    pub status: String,
    pub broadcaster_conn: Option<String>,
    pub started_at: Option<String>,
    pub ended_at: Option<String>,
}

const SESSION_SELECT: &str = "SELECT s.id, s.trainer_id, u.name AS trainer_name, s.course_id, \
     c.title AS course_title, c.slug AS course_slug, s.title, s.description, s.starts_at, \
     s.duration_minutes, s.external_url, s.status, s.broadcaster_conn, s.started_at, s.ended_at \
     FROM live_sessions s JOIN users u ON u.id = s.trainer_id \
     LEFT JOIN courses c ON c.id = s.course_id";

pub async fn session(db: &Db, id: i64) -> Result<Option<Session>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SESSION_SELECT} WHERE s.id = $1"
    )))
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

/// Every session, soonest first (the page filters what a user may see).
pub async fn all_sessions(db: &Db) -> Result<Vec<Session>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SESSION_SELECT} ORDER BY s.starts_at, s.id"
    )))
    .fetch_all(&db.pool)
    .await
}

/// Sessions not over (scheduled or live) starting from `since`, soonest first.
pub async fn coming_sessions(db: &Db, since: &str) -> Result<Vec<Session>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SESSION_SELECT} WHERE s.status IN ('scheduled', 'live') AND s.starts_at >= $1 \
         ORDER BY s.starts_at, s.id"
    )))
    .bind(since)
    .fetch_all(&db.pool)
    .await
}

/// Courses whose sessions `user_id` may attend: enrolled, or (`teaching`: they hold the trainer
/// role) the courses they teach.
pub async fn course_ids_of(db: &Db, user_id: i64, teaching: bool) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT course_id FROM enrolments WHERE user_id = $1 \
         UNION SELECT id FROM courses WHERE trainer_id = $1 AND $2 = 1",
    )
    .bind(user_id)
    .bind(i32::from(teaching))
    .fetch_all(&db.pool)
    .await
}

/// Courses a session may be planned for: the trainer's own (every course for an admin).
pub async fn plannable_courses(
    db: &Db,
    user_id: i64,
    all: bool,
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    let sql = if all {
        "SELECT id, title FROM courses WHERE id > 0 OR trainer_id = $1 ORDER BY title"
    } else {
        "SELECT id, title FROM courses WHERE trainer_id = $1 ORDER BY title"
    };
    sqlx::query_as(sql).bind(user_id).fetch_all(&db.pool).await
}

pub async fn course_trainer(db: &Db, course_id: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT trainer_id FROM courses WHERE id = $1")
        .bind(course_id)
        .fetch_optional(&db.pool)
        .await
}

pub async fn insert_session(
    db: &Db,
    trainer_id: i64,
    s: &ValidSession,
    now: OffsetDateTime,
) -> Result<i64, sqlx::Error> {
    let now = db::timestamp(now);
    sqlx::query_scalar(
        "INSERT INTO live_sessions (trainer_id, course_id, title, description, starts_at, \
         duration_minutes, external_url, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'scheduled', $8, $8) RETURNING id",
    )
    .bind(trainer_id)
    .bind(s.course_id)
    .bind(&s.title)
    .bind(&s.description)
    .bind(db::timestamp(s.starts_at))
    .bind(s.duration_minutes)
    .bind(s.external_url.as_deref())
    .bind(now)
    .fetch_one(&db.pool)
    .await
}

pub async fn update_session(
    db: &Db,
    id: i64,
    s: &ValidSession,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE live_sessions SET course_id = $2, title = $3, description = $4, starts_at = $5, \
         duration_minutes = $6, external_url = $7, updated_at = $8 WHERE id = $1",
    )
    .bind(id)
    .bind(s.course_id)
    .bind(&s.title)
    .bind(&s.description)
    .bind(db::timestamp(s.starts_at))
    .bind(s.duration_minutes)
    .bind(s.external_url.as_deref())
    .bind(db::timestamp(now))
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub async fn insert_reminder(
    db: &Db,
    session_id: i64,
    kind: &str,
    due: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO live_reminders (session_id, kind, due_at) VALUES ($1, $2, $3) \
         ON CONFLICT DO NOTHING",
    )
    .bind(session_id)
    .bind(kind)
    .bind(db::timestamp(due))
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub async fn delete_unsent_reminders(db: &Db, session_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM live_reminders WHERE session_id = $1 AND sent_at IS NULL")
        .bind(session_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// A reminder due now: its id, kind and session.
#[derive(Debug, FromRow)]
pub struct DueReminder {
    pub id: i64,
    pub kind: String,
    pub session_id: i64,
}

/// Unsent reminders due at `now` of sessions still scheduled or live.
pub async fn due_reminders(db: &Db, now: &str) -> Result<Vec<DueReminder>, sqlx::Error> {
    sqlx::query_as(
        "SELECT r.id, r.kind, r.session_id FROM live_reminders r \
         JOIN live_sessions s ON s.id = r.session_id \
         WHERE r.sent_at IS NULL AND r.due_at <= $1 AND s.status IN ('scheduled', 'live') \
         ORDER BY r.due_at, r.id LIMIT 200",
    )
    .bind(now)
    .fetch_all(&db.pool)
    .await
}

/// Marks a reminder sent; true only for the one caller that changed it.
pub async fn claim_reminder(db: &Db, id: i64, now: &str) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("UPDATE live_reminders SET sent_at = $2 WHERE id = $1 AND sent_at IS NULL")
            .bind(id)
            .bind(now)
            .execute(&db.pool)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Who a session's reminders go to: the course's learners, or every active verified user; with
/// the zone each chose (`None`: the platform's).
pub async fn audience(
    db: &Db,
    session: &Session,
) -> Result<Vec<(i64, Option<String>)>, sqlx::Error> {
    match session.course_id {
        Some(course_id) => {
            sqlx::query_as(
                "SELECT e.user_id, u.timezone FROM enrolments e JOIN users u ON u.id = e.user_id \
                 WHERE e.course_id = $1 AND e.user_id <> $2 AND u.active = 1 ORDER BY e.user_id",
            )
            .bind(course_id)
            .bind(session.trainer_id)
            .fetch_all(&db.pool)
            .await
        }
        None => sqlx::query_as(
            "SELECT id, timezone FROM users WHERE active = 1 AND email_verified = 1 AND id <> $1 \
                 ORDER BY id",
        )
        .bind(session.trainer_id)
        .fetch_all(&db.pool)
        .await,
    }
}

/// `scheduled` → `live`; false when the session was not scheduled.
pub async fn start(db: &Db, id: i64, now: &str) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE live_sessions SET status = 'live', started_at = $2, updated_at = $2 \
         WHERE id = $1 AND status = 'scheduled'",
    )
    .bind(id)
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// `live` → `ended`.
pub async fn end(db: &Db, id: i64, now: &str) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE live_sessions SET status = 'ended', ended_at = $2, updated_at = $2, \
         broadcaster_conn = NULL WHERE id = $1 AND status = 'live'",
    )
    .bind(id)
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// `scheduled` → `cancelled` (and its reminders not sent yet are dropped).
pub async fn cancel(db: &Db, id: i64, now: &str) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE live_sessions SET status = 'cancelled', updated_at = $2 \
         WHERE id = $1 AND status = 'scheduled'",
    )
    .bind(id)
    .bind(now)
    .execute(&db.pool)
    .await?;
    delete_unsent_reminders(db, id).await?;
    Ok(r.rows_affected() == 1)
}

pub async fn set_broadcaster(db: &Db, id: i64, conn: Option<&str>) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE live_sessions SET broadcaster_conn = $2 WHERE id = $1")
        .bind(id)
        .bind(conn)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Clears the broadcaster when it is still `conn`.
pub async fn clear_broadcaster(db: &Db, id: i64, conn: &str) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE live_sessions SET broadcaster_conn = NULL WHERE id = $1 AND broadcaster_conn = $2",
    )
    .bind(id)
    .bind(conn)
    .execute(&db.pool)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn broadcaster(db: &Db, id: i64) -> Result<Option<String>, sqlx::Error> {
    let v: Option<Option<String>> =
        sqlx::query_scalar("SELECT broadcaster_conn FROM live_sessions WHERE id = $1")
            .bind(id)
            .fetch_optional(&db.pool)
            .await?;
    Ok(v.flatten())
}

// ---- attendance ----

pub async fn join(db: &Db, session_id: i64, user_id: i64, now: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO live_attendance (session_id, user_id, joined_at, seconds) \
         VALUES ($1, $2, $3, 0) RETURNING id",
    )
    .bind(session_id)
    .bind(user_id)
    .bind(now)
    .fetch_one(&db.pool)
    .await
}

pub async fn leave(db: &Db, id: i64, now: &str, seconds: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE live_attendance SET left_at = $2, seconds = $3 WHERE id = $1")
        .bind(id)
        .bind(now)
        .bind(seconds)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// One attendee: first arrival and total time over every connection.
#[derive(Debug, FromRow, serde::Serialize)]
pub struct Attendee {
    pub user_id: i64,
    pub name: String,
    pub joined_at: String,
    pub seconds: i64,
}

pub async fn attendance(db: &Db, session_id: i64) -> Result<Vec<Attendee>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.user_id, u.name, MIN(a.joined_at) AS joined_at, \
         CAST(SUM(a.seconds) AS BIGINT) AS seconds \
         FROM live_attendance a JOIN users u ON u.id = a.user_id \
         WHERE a.session_id = $1 GROUP BY a.user_id, u.name ORDER BY MIN(a.joined_at)",
    )
    .bind(session_id)
    .fetch_all(&db.pool)
    .await
}

// ---- questions ----

#[derive(Clone, Debug, FromRow, serde::Serialize)]
pub struct Question {
    pub id: i64,
    pub session_id: i64,
    pub user_id: i64,
    pub user_name: String,
    pub body: String,
    pub votes: i64,
    pub status: String,
    pub pinned: i64,
    pub created_at: String,
}

/// Questions in display order: pinned first, then most votes, then oldest.
pub async fn questions(
    db: &Db,
    session_id: i64,
    with_hidden: bool,
) -> Result<Vec<Question>, sqlx::Error> {
    let filter = if with_hidden {
        ""
    } else {
        " AND q.status <> 'hidden'"
    };
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT q.id, q.session_id, q.user_id, u.name AS user_name, q.body, q.votes, q.status, \
         q.pinned, q.created_at FROM live_questions q JOIN users u ON u.id = q.user_id \
         WHERE q.session_id = $1{filter} ORDER BY q.pinned DESC, q.votes DESC, q.id"
    )))
    .bind(session_id)
    .fetch_all(&db.pool)
    .await
}

pub async fn question(db: &Db, id: i64) -> Result<Option<Question>, sqlx::Error> {
    sqlx::query_as(
        "SELECT q.id, q.session_id, q.user_id, u.name AS user_name, q.body, q.votes, q.status, \
         q.pinned, q.created_at FROM live_questions q JOIN users u ON u.id = q.user_id \
         WHERE q.id = $1",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

/// Rows `user_id` wrote in `table` of the session since `since`.
pub async fn recent_count(
    db: &Db,
    table: &'static str,
    session_id: i64,
    user_id: i64,
    since: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM {table} WHERE session_id = $1 AND user_id = $2 AND created_at >= $3"
    )))
    .bind(session_id)
    .bind(user_id)
    .bind(since)
    .fetch_one(&db.pool)
    .await
}

pub async fn insert_question(
    db: &Db,
    session_id: i64,
    user_id: i64,
    body: &str,
    now: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO live_questions (session_id, user_id, body, votes, status, pinned, created_at) \
         VALUES ($1, $2, $3, 0, 'open', 0, $4) RETURNING id",
    )
    .bind(session_id)
    .bind(user_id)
    .bind(body)
    .bind(now)
    .fetch_one(&db.pool)
    .await
}

/// Records one vote; false when `user_id` had already voted for the question.
pub async fn vote(db: &Db, question_id: i64, user_id: i64) -> Result<bool, sqlx::Error> {
    let mut tx = db.pool.begin().await?;
    let r = sqlx::query(
        "INSERT INTO live_votes (question_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(question_id)
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    if r.rows_affected() != 1 {
        return Ok(false);
    }
    sqlx::query("UPDATE live_questions SET votes = votes + 1 WHERE id = $1")
        .bind(question_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(true)
}

pub async fn set_question_status(db: &Db, id: i64, status: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE live_questions SET status = $2 WHERE id = $1")
        .bind(id)
        .bind(status)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Pins one question "en cours" (unpinning the others); pinning the pinned one unpins it.
pub async fn toggle_pin(db: &Db, session_id: i64, id: i64) -> Result<(), sqlx::Error> {
    let pinned: Option<i64> = sqlx::query_scalar("SELECT pinned FROM live_questions WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    let mut tx = db.pool.begin().await?;
    sqlx::query("UPDATE live_questions SET pinned = 0 WHERE session_id = $1")
        .bind(session_id)
        .execute(&mut *tx)
        .await?;
    if !pinned.is_some_and(db::flag) {
        sqlx::query("UPDATE live_questions SET pinned = 1 WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

// ---- chat feed ----

#[derive(Clone, Debug, FromRow, serde::Serialize)]
pub struct Line {
    pub id: i64,
    pub user_id: i64,
    pub user_name: String,
    pub body: String,
    pub created_at: String,
}

pub async fn insert_line(
    db: &Db,
    session_id: i64,
    user_id: i64,
    body: &str,
    now: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO live_messages (session_id, user_id, body, created_at) \
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(session_id)
    .bind(user_id)
    .bind(body)
    .bind(now)
    .fetch_one(&db.pool)
    .await
}

pub async fn line(db: &Db, id: i64) -> Result<Option<Line>, sqlx::Error> {
    sqlx::query_as(
        "SELECT m.id, m.user_id, u.name AS user_name, m.body, m.created_at \
         FROM live_messages m JOIN users u ON u.id = m.user_id WHERE m.id = $1",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

/// The last `limit` lines, oldest first.
pub async fn lines(db: &Db, session_id: i64, limit: i64) -> Result<Vec<Line>, sqlx::Error> {
    let mut rows: Vec<Line> = sqlx::query_as(
        "SELECT m.id, m.user_id, u.name AS user_name, m.body, m.created_at \
         FROM live_messages m JOIN users u ON u.id = m.user_id WHERE m.session_id = $1 \
         ORDER BY m.id DESC LIMIT $2",
    )
    .bind(session_id)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    rows.reverse();
    Ok(rows)
}

// ---- calendar feed tokens ----

pub async fn feed_token(db: &Db, user_id: i64) -> Result<String, sqlx::Error> {
    let found: Option<String> =
        sqlx::query_scalar("SELECT token FROM live_feed_tokens WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(&db.pool)
            .await?;
    if let Some(token) = found {
        return Ok(token);
    }
    sqlx::query(
        "INSERT INTO live_feed_tokens (user_id, token) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(user_id)
    .bind(new_token())
    .execute(&db.pool)
    .await?;
    sqlx::query_scalar("SELECT token FROM live_feed_tokens WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(&db.pool)
        .await
}

pub async fn regenerate_feed_token(db: &Db, user_id: i64) -> Result<String, sqlx::Error> {
    sqlx::query("DELETE FROM live_feed_tokens WHERE user_id = $1")
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    feed_token(db, user_id).await
}

pub async fn feed_owner(db: &Db, token: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT t.user_id FROM live_feed_tokens t JOIN users u ON u.id = t.user_id \
         WHERE t.token = $1 AND u.active = 1",
    )
    .bind(token)
    .fetch_optional(&db.pool)
    .await
}

/// A random URL-safe secret (feed tokens, connection ids).
pub fn new_token() -> String {
    crate::web::tokens::random_hex(18)
}

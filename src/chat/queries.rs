//! SQL of the chat feature.

use serde::Serialize;

use super::model::{self, RoomKind};
use crate::db::{self, Db};

/// A room as stored, with its course when it has one.
#[derive(sqlx::FromRow, Clone, Debug)]
pub struct Room {
    pub id: i64,
    pub kind: String,
    pub course_id: Option<i64>,
    pub course_slug: Option<String>,
    pub course_title: Option<String>,
}

impl Room {
    pub fn kind(&self) -> RoomKind {
        RoomKind::parse(&self.kind).unwrap_or(RoomKind::General)
    }
}

const GENERAL_KEY: &str = "general";

/// The general room, created the first time it is needed.
pub async fn general_room(db: &Db) -> Result<i64, sqlx::Error> {
    sqlx::query(
        "INSERT INTO chat_rooms (kind, dm_key, created_at) VALUES ('general', $1, $2) \
         ON CONFLICT (dm_key) DO NOTHING",
    )
    .bind(GENERAL_KEY)
    .bind(db.now())
    .execute(&db.pool)
    .await?;
    sqlx::query_scalar("SELECT id FROM chat_rooms WHERE dm_key = $1")
        .bind(GENERAL_KEY)
        .fetch_one(&db.pool)
        .await
}

/// The group room of a course (one per course).
pub async fn course_room(db: &Db, course_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query(
        "INSERT INTO chat_rooms (kind, course_id, created_at) VALUES ('course', $1, $2) \
         ON CONFLICT (course_id) DO NOTHING",
    )
    .bind(course_id)
    .bind(db.now())
    .execute(&db.pool)
    .await?;
    sqlx::query_scalar("SELECT id FROM chat_rooms WHERE course_id = $1")
        .bind(course_id)
        .fetch_one(&db.pool)
        .await
}

/// The private conversation of two users, with both as members.
pub async fn direct_room(db: &Db, a: i64, b: i64) -> Result<i64, sqlx::Error> {
    let key = model::direct_key(a, b);
    let mut tx = db.pool.begin().await?;
    sqlx::query(
        "INSERT INTO chat_rooms (kind, dm_key, created_at) VALUES ('direct', $1, $2) \
         ON CONFLICT (dm_key) DO NOTHING",
    )
    .bind(&key)
    .bind(db.now())
    .execute(&mut *tx)
    .await?;
    let id: i64 = sqlx::query_scalar("SELECT id FROM chat_rooms WHERE dm_key = $1")
        .bind(&key)
        .fetch_one(&mut *tx)
        .await?;
    for user in [a, b] {
        sqlx::query(
            "INSERT INTO chat_room_members (room_id, user_id) VALUES ($1, $2) \
             ON CONFLICT (room_id, user_id) DO NOTHING",
        )
        .bind(id)
        .bind(user)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(id)
}

pub async fn room(db: &Db, id: i64) -> Result<Option<Room>, sqlx::Error> {
    sqlx::query_as(
        "SELECT r.id, r.kind, r.course_id, c.slug AS course_slug, c.title AS course_title \
         FROM chat_rooms r LEFT JOIN courses c ON c.id = r.course_id WHERE r.id = $1",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

pub async fn is_member(db: &Db, room_id: i64, user_id: i64) -> Result<bool, sqlx::Error> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT room_id FROM chat_room_members WHERE room_id = $1 AND user_id = $2",
    )
    .bind(room_id)
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(found.is_some())
}

/// The other member of a private conversation.
pub async fn partner(db: &Db, room_id: i64, user_id: i64) -> Result<Option<Person>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.id, u.name FROM chat_room_members m JOIN users u ON u.id = m.user_id \
         WHERE m.room_id = $1 AND m.user_id <> $2",
    )
    .bind(room_id)
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await
}

#[derive(sqlx::FromRow, Serialize, Clone, Debug)]
pub struct Person {
    pub id: i64,
    pub name: String,
}

/// A room in the user's list, with what they have not read.
#[derive(sqlx::FromRow, Serialize, Clone, Debug)]
pub struct RoomEntry {
    pub id: i64,
    pub kind: String,
    pub title: Option<String>,
    pub partner_id: Option<i64>,
    pub unread: i64,
}

/// The courses whose room the user belongs to: enrolled, or (`teaching`) teaching them.
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

/// The general room, the user's course rooms and private conversations, with unread counts
/// (messages of others after the last one the user read); `teaching`: the rooms of the courses
/// they teach too.
pub async fn rooms_of(
    db: &Db,
    user_id: i64,
    teaching: bool,
) -> Result<Vec<RoomEntry>, sqlx::Error> {
    sqlx::query_as(
        "SELECT r.id, r.kind, \
           CASE WHEN r.kind = 'course' THEN c.title ELSE pu.name END AS title, \
           pu.id AS partner_id, \
           (SELECT COUNT(*) FROM chat_messages m WHERE m.room_id = r.id AND m.user_id <> $1 \
              AND m.hidden_at IS NULL \
              AND m.id > COALESCE((SELECT last_read_id FROM chat_reads cr \
                                   WHERE cr.room_id = r.id AND cr.user_id = $1), 0)) AS unread \
         FROM chat_rooms r \
         LEFT JOIN courses c ON c.id = r.course_id \
         LEFT JOIN chat_room_members pm ON pm.room_id = r.id AND r.kind = 'direct' AND pm.user_id <> $1 \
         LEFT JOIN users pu ON pu.id = pm.user_id \
         WHERE r.kind = 'general' \
            OR (r.kind = 'course' AND (r.course_id IN (SELECT course_id FROM enrolments WHERE user_id = $1) \
                                       OR (c.trainer_id = $1 AND $2 = 1))) \
            OR (r.kind = 'direct' AND EXISTS (SELECT 1 FROM chat_room_members me \
                                              WHERE me.room_id = r.id AND me.user_id = $1)) \
         ORDER BY CASE r.kind WHEN 'general' THEN 0 WHEN 'course' THEN 1 ELSE 2 END, r.id",
    )
    .bind(user_id)
    .bind(i32::from(teaching))
    .fetch_all(&db.pool)
    .await
}

/// The newest message another member wrote in a room (the dashboard's preview of an unread
/// conversation).
#[derive(sqlx::FromRow, Serialize, Clone, Debug)]
pub struct LastMessage {
    pub room_id: i64,
    pub user_name: String,
    pub body: String,
    pub created_at: String,
}

/// For each of `room_ids`, the newest visible message written by someone other than `user_id`.
pub async fn last_messages(
    db: &Db,
    user_id: i64,
    room_ids: &[i64],
) -> Result<Vec<LastMessage>, sqlx::Error> {
    if room_ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (0..room_ids.len()).map(|i| format!("${}", i + 2)).collect();
    let sql = format!(
        "SELECT m.room_id, u.name AS user_name, m.body, m.created_at \
         FROM chat_messages m JOIN users u ON u.id = m.user_id \
         WHERE m.id IN (SELECT MAX(m2.id) FROM chat_messages m2 \
           WHERE m2.hidden_at IS NULL AND m2.user_id <> $1 AND m2.room_id IN ({}) \
           GROUP BY m2.room_id)",
        placeholders.join(", ")
    );
    let mut q = sqlx::query_as::<_, LastMessage>(sqlx::AssertSqlSafe(sql)).bind(user_id);
    for id in room_ids {
        q = q.bind(*id);
    }
    q.fetch_all(&db.pool).await
}

/// A message as every page shows it.
#[derive(sqlx::FromRow, Serialize, Clone, Debug)]
pub struct Message {
    pub id: i64,
    pub room_id: i64,
    pub user_id: i64,
    pub user_name: String,
    pub body: String,
    pub created_at: String,
}

const MESSAGE_COLUMNS: &str =
    "m.id, m.room_id, m.user_id, u.name AS user_name, m.body, m.created_at";

pub async fn insert_message(
    db: &Db,
    room_id: i64,
    user_id: i64,
    body: &str,
) -> Result<Message, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO chat_messages (room_id, user_id, body, created_at) \
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(room_id)
    .bind(user_id)
    .bind(body)
    .bind(db.now())
    .fetch_one(&db.pool)
    .await?;
    message(db, id).await?.ok_or(sqlx::Error::RowNotFound)
}

/// A visible message.
pub async fn message(db: &Db, id: i64) -> Result<Option<Message>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {MESSAGE_COLUMNS} FROM chat_messages m JOIN users u ON u.id = m.user_id \
         WHERE m.id = $1 AND m.hidden_at IS NULL"
    )))
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

/// The room of a message, hidden or not (for moderation).
pub async fn room_of_message(db: &Db, id: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT room_id FROM chat_messages WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await
}

/// Up to `limit` visible messages before `before` (all when None), oldest first.
pub async fn messages_before(
    db: &Db,
    room_id: i64,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<Message>, sqlx::Error> {
    let mut rows: Vec<Message> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {MESSAGE_COLUMNS} FROM chat_messages m JOIN users u ON u.id = m.user_id \
         WHERE m.room_id = $1 AND m.hidden_at IS NULL AND m.id < $2 \
         ORDER BY m.id DESC LIMIT $3"
    )))
    .bind(room_id)
    .bind(before.unwrap_or(i64::MAX))
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    rows.reverse();
    Ok(rows)
}

/// Visible messages after `after`, oldest first (what a reconnecting page missed).
pub async fn messages_after(
    db: &Db,
    room_id: i64,
    after: i64,
    limit: i64,
) -> Result<Vec<Message>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {MESSAGE_COLUMNS} FROM chat_messages m JOIN users u ON u.id = m.user_id \
         WHERE m.room_id = $1 AND m.hidden_at IS NULL AND m.id > $2 ORDER BY m.id LIMIT $3"
    )))
    .bind(room_id)
    .bind(after)
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}

/// Hides a message; false when it was already hidden or does not exist.
pub async fn hide(db: &Db, id: i64, by: i64) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE chat_messages SET hidden_at = $1, hidden_by = $2 WHERE id = $3 AND hidden_at IS NULL",
    )
    .bind(db.now())
    .bind(by)
    .bind(id)
    .execute(&db.pool)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Stores a report; `false` when this user's report about the message is still open. A closed
/// one (the message was restored or the report dismissed) is opened again with the new reason.
pub async fn report(db: &Db, id: i64, by: i64, reason: &str) -> Result<bool, sqlx::Error> {
    let reopened: Option<i64> = sqlx::query_scalar(
        "UPDATE chat_reports SET resolved_at = NULL, resolved_by = NULL, reason = $1, \
         created_at = $2 WHERE message_id = $3 AND reporter_id = $4 \
         AND resolved_at IS NOT NULL RETURNING id",
    )
    .bind(reason)
    .bind(db.now())
    .bind(id)
    .bind(by)
    .fetch_optional(&db.pool)
    .await?;
    if reopened.is_some() {
        return Ok(true);
    }
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO chat_reports (message_id, reporter_id, reason, created_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (message_id, reporter_id) DO NOTHING RETURNING id",
    )
    .bind(id)
    .bind(by)
    .bind(reason)
    .bind(db.now())
    .fetch_optional(&db.pool)
    .await?;
    Ok(inserted.is_some())
}

/// Chat messages with an open report (the moderators' badge).
pub async fn open_report_count(db: &Db) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(DISTINCT message_id) FROM chat_reports WHERE resolved_at IS NULL",
    )
    .fetch_one(&db.pool)
    .await
}

/// Remembers the last message the user has seen in a room (never goes back).
pub async fn mark_read(
    db: &Db,
    room_id: i64,
    user_id: i64,
    last_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO chat_reads (room_id, user_id, last_read_id) VALUES ($1, $2, $3) \
         ON CONFLICT (room_id, user_id) DO UPDATE SET last_read_id = \
           CASE WHEN excluded.last_read_id > chat_reads.last_read_id \
                THEN excluded.last_read_id ELSE chat_reads.last_read_id END",
    )
    .bind(room_id)
    .bind(user_id)
    .bind(last_id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// The newest message of a room (0 when none).
pub async fn latest_message_id(db: &Db, room_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM chat_messages WHERE room_id = $1")
        .bind(room_id)
        .fetch_one(&db.pool)
        .await
}

/// The last message the user has seen in a room (0 when none).
pub async fn last_read(db: &Db, room_id: i64, user_id: i64) -> Result<i64, sqlx::Error> {
    let id: Option<i64> = sqlx::query_scalar(
        "SELECT last_read_id FROM chat_reads WHERE room_id = $1 AND user_id = $2",
    )
    .bind(room_id)
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(id.unwrap_or(0))
}

/// Whether the user may post: verified e-mail and not suspended.
pub async fn email_verified(db: &Db, user_id: i64) -> Result<bool, sqlx::Error> {
    let v: Option<i64> = sqlx::query_scalar("SELECT email_verified FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(v.is_some_and(db::flag))
}

/// Active, verified users whose name contains `q` (to start a private conversation).
pub async fn find_people(db: &Db, q: &str, except: i64) -> Result<Vec<Person>, sqlx::Error> {
    let pattern = db::like_anywhere(&q.to_lowercase());
    sqlx::query_as(
        "SELECT id, name FROM users WHERE active = 1 AND email_verified = 1 AND id <> $1 \
         AND LOWER(name) LIKE $2 ESCAPE '\\' ORDER BY name LIMIT 10",
    )
    .bind(except)
    .bind(pattern)
    .fetch_all(&db.pool)
    .await
}

pub async fn person(db: &Db, id: i64) -> Result<Option<Person>, sqlx::Error> {
    sqlx::query_as("SELECT id, name FROM users WHERE id = $1 AND active = 1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await
}

/// Whether the user already has an unread notification leading to `link` (one is enough).
pub async fn has_unread_notification(
    db: &Db,
    user_id: i64,
    link: &str,
) -> Result<bool, sqlx::Error> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM notifications WHERE user_id = $1 AND link = $2 AND read_at IS NULL LIMIT 1",
    )
    .bind(user_id)
    .bind(link)
    .fetch_optional(&db.pool)
    .await?;
    Ok(found.is_some())
}

/// A reported message waiting for a moderator.
#[derive(sqlx::FromRow, Serialize)]
pub struct OpenReport {
    pub message_id: i64,
    pub room_id: i64,
    pub room_kind: String,
    pub author_id: i64,
    pub author_name: String,
    pub body: String,
    pub hidden: i64,
    pub reports: i64,
    #[sqlx(default)]
    pub reasons: String,
    pub first_reported_at: String,
}

/// Reported messages with unresolved reports, oldest report first.
pub async fn open_reports(db: &Db) -> Result<Vec<OpenReport>, sqlx::Error> {
    let mut reports: Vec<OpenReport> = sqlx::query_as(
        "SELECT m.id AS message_id, m.room_id, r.kind AS room_kind, m.user_id AS author_id, \
           u.name AS author_name, m.body, CASE WHEN m.hidden_at IS NULL THEN 0 ELSE 1 END AS hidden, \
           COUNT(*) AS reports, MIN(cr.created_at) AS first_reported_at \
         FROM chat_reports cr JOIN chat_messages m ON m.id = cr.message_id \
         JOIN chat_rooms r ON r.id = m.room_id JOIN users u ON u.id = m.user_id \
         WHERE cr.resolved_at IS NULL \
         GROUP BY m.id, m.room_id, r.kind, m.user_id, u.name, m.body, m.hidden_at \
         ORDER BY MIN(cr.created_at)",
    )
    .fetch_all(&db.pool)
    .await?;
    for report in &mut reports {
        let reasons: Vec<String> = sqlx::query_scalar(
            "SELECT reason FROM chat_reports WHERE message_id = $1 AND resolved_at IS NULL ORDER BY id",
        )
        .bind(report.message_id)
        .fetch_all(&db.pool)
        .await?;
        report.reasons = reasons.join(" · ");
    }
    Ok(reports)
}

/// Closes the open reports of a message; returns how many were open.
pub async fn resolve_reports(db: &Db, message_id: i64, by: i64) -> Result<u64, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE chat_reports SET resolved_at = $1, resolved_by = $2 \
         WHERE message_id = $3 AND resolved_at IS NULL",
    )
    .bind(db.now())
    .bind(by)
    .bind(message_id)
    .execute(&db.pool)
    .await?;
    Ok(r.rows_affected())
}

/// The author of a message (hidden or not).
pub async fn author_of(db: &Db, message_id: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT user_id FROM chat_messages WHERE id = $1")
        .bind(message_id)
        .fetch_optional(&db.pool)
        .await
}

/// Stores a moderation action in the log shared with the forum.
pub async fn log_moderation(
    db: &Db,
    actor_id: i64,
    action: &str,
    message_id: i64,
    target_user_id: Option<i64>,
    reason: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO moderation_actions (actor_id, action, target_type, target_id, target_user_id, reason, created_at) \
         VALUES ($1, $2, 'chat_message', $3, $4, $5, $6)",
    )
    .bind(actor_id)
    .bind(action)
    .bind(message_id)
    .bind(target_user_id)
    .bind(reason)
    .bind(db.now())
    .execute(&db.pool)
    .await?;
    Ok(())
}

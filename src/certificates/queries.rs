//! Every SQL statement of the certificates feature.

use super::model::Certificate;
use crate::db::Db;

const COLUMNS: &str = "id, code, user_id, course_id, learner_name, course_title, trainer_name, \
     completed_on, issued_at, format_version, signature, revoked_at, revoked_reason";

/// What a new certificate says, read from the learner, the course and the enrolment.
#[derive(Debug, sqlx::FromRow)]
pub struct IssueFacts {
    pub learner_name: String,
    pub course_title: String,
    pub trainer_name: String,
    pub completed_at: Option<String>,
}

pub async fn issue_facts(
    db: &Db,
    user_id: i64,
    course_id: i64,
) -> Result<Option<IssueFacts>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.name AS learner_name, c.title AS course_title, t.name AS trainer_name, \
                e.completed_at \
         FROM courses c \
         JOIN users u ON u.id = $1 \
         JOIN users t ON t.id = c.trainer_id \
         LEFT JOIN enrolments e ON e.course_id = c.id AND e.user_id = u.id \
         WHERE c.id = $2",
    )
    .bind(user_id)
    .bind(course_id)
    .fetch_optional(&db.pool)
    .await
}

/// The valid (non-revoked) certificate of a learner for a course.
pub async fn active_for(
    db: &Db,
    user_id: i64,
    course_id: i64,
) -> Result<Option<Certificate>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM certificates \
         WHERE user_id = $1 AND course_id = $2 AND revoked_at IS NULL"
    )))
    .bind(user_id)
    .bind(course_id)
    .fetch_optional(&db.pool)
    .await
}

/// A new certificate row; `None` when a unique constraint refused it (the learner already has
/// a valid one for this course, or — astronomically rarely — the code is taken).
pub struct NewCertificate<'a> {
    pub code: &'a str,
    pub user_id: i64,
    pub course_id: i64,
    pub learner_name: &'a str,
    pub course_title: &'a str,
    pub trainer_name: &'a str,
    pub completed_on: &'a str,
    pub issued_at: &'a str,
    pub format_version: i64,
    pub signature: &'a str,
}

pub async fn insert(db: &Db, c: &NewCertificate<'_>) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO certificates (code, user_id, course_id, learner_name, course_title, \
             trainer_name, completed_on, issued_at, format_version, signature) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(c.code)
    .bind(c.user_id)
    .bind(c.course_id)
    .bind(c.learner_name)
    .bind(c.course_title)
    .bind(c.trainer_name)
    .bind(c.completed_on)
    .bind(c.issued_at)
    .bind(c.format_version)
    .bind(c.signature)
    .fetch_optional(&db.pool)
    .await
}

pub async fn by_code(db: &Db, code: &str) -> Result<Option<Certificate>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM certificates WHERE code = $1"
    )))
    .bind(code)
    .fetch_optional(&db.pool)
    .await
}

/// A learner's certificates, newest first (revoked ones included, marked).
pub async fn for_user(db: &Db, user_id: i64) -> Result<Vec<Certificate>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM certificates WHERE user_id = $1 ORDER BY issued_at DESC, id DESC"
    )))
    .bind(user_id)
    .fetch_all(&db.pool)
    .await
}

/// Admin list: newest first, optionally filtered by code or learner name (case-insensitive).
pub async fn search(db: &Db, q: &str, limit: i64) -> Result<Vec<Certificate>, sqlx::Error> {
    let pattern = crate::db::like_anywhere(&q.trim().to_lowercase());
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM certificates \
         WHERE LOWER(code) LIKE $1 ESCAPE '\\' OR LOWER(learner_name) LIKE $1 ESCAPE '\\' \
            OR LOWER(course_title) LIKE $1 ESCAPE '\\' \
         ORDER BY issued_at DESC, id DESC LIMIT $2"
    )))
    .bind(pattern)
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}

/// Revokes a valid certificate; false when it was already revoked.
pub async fn revoke(
    db: &Db,
    id: i64,
    reason: &str,
    by: i64,
    at: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE certificates SET revoked_at = $1, revoked_reason = $2, revoked_by = $3 \
         WHERE id = $4 AND revoked_at IS NULL",
    )
    .bind(at)
    .bind(reason)
    .bind(by)
    .bind(id)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The code of the learner's valid certificate for a course, if any (the "Télécharger mon
/// attestation" buttons).
pub async fn valid_code(
    db: &Db,
    user_id: i64,
    course_id: i64,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT code FROM certificates \
         WHERE user_id = $1 AND course_id = $2 AND revoked_at IS NULL",
    )
    .bind(user_id)
    .bind(course_id)
    .fetch_optional(&db.pool)
    .await
}

/// The codes of the learner's valid certificates by course (the dashboard).
pub async fn valid_codes(
    db: &Db,
    user_id: i64,
) -> Result<std::collections::HashMap<i64, String>, sqlx::Error> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT course_id, code FROM certificates WHERE user_id = $1 AND revoked_at IS NULL",
    )
    .bind(user_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().collect())
}

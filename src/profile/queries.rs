//! SQL of the profile: personal information, photo, history, statistics, e-mail changes,
//! sessions.

use sqlx::FromRow;

use super::model::ProfileInput;
use crate::db::Db;

/// The editable personal information of a user.
#[derive(Debug, FromRow)]
pub struct ProfileRow {
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub city: Option<String>,
    pub bio: Option<String>,
    pub locale: String,
    pub photo_path: Option<String>,
    pub timezone: Option<String>,
}

pub async fn profile(db: &Db, user_id: i64) -> Result<Option<ProfileRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT name, email, phone, city, bio, locale, photo_path, timezone FROM users WHERE id = $1",
    )
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await
}

pub async fn save_profile(db: &Db, user_id: i64, p: &ProfileInput) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET name = $1, phone = $2, city = $3, bio = $4, locale = $5, timezone = $6 \
         WHERE id = $7",
    )
    .bind(p.name.as_str())
    .bind(p.phone.as_ref().map(|x| x.as_str().to_owned()))
    .bind(p.city.clone())
    .bind(p.bio.clone())
    .bind(p.locale)
    .bind(p.timezone.as_ref().map(|z| z.name().to_owned()))
    .bind(user_id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Sets (or clears) the stem of the user's photo files; returns the previous one.
pub async fn set_photo(
    db: &Db,
    user_id: i64,
    stem: Option<&str>,
) -> Result<Option<String>, sqlx::Error> {
    let mut tx = db.pool.begin().await?;
    let old: Option<Option<String>> =
        sqlx::query_scalar("SELECT photo_path FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?;
    sqlx::query("UPDATE users SET photo_path = $1 WHERE id = $2")
        .bind(stem)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(old.flatten())
}

/// Stores the data saver choice (`None`: follow the browser).
pub async fn set_data_saver(db: &Db, user_id: i64, on: Option<bool>) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET data_saver = $1 WHERE id = $2")
        .bind(on.map(i32::from))
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// The photo stem of an active user.
pub async fn photo_of(db: &Db, user_id: i64) -> Result<Option<String>, sqlx::Error> {
    let stem: Option<Option<String>> =
        sqlx::query_scalar("SELECT photo_path FROM users WHERE id = $1 AND active = 1")
            .bind(user_id)
            .fetch_optional(&db.pool)
            .await?;
    Ok(stem.flatten())
}

/// An enrolment of the learning history.
#[derive(Debug, FromRow)]
pub struct EnrolmentRow {
    pub course_id: i64,
    pub title: String,
    pub slug: String,
    pub created_at: String,
    pub completed_at: Option<String>,
}

pub async fn enrolments(db: &Db, user_id: i64) -> Result<Vec<EnrolmentRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT e.course_id, c.title, c.slug, e.created_at, e.completed_at \
         FROM enrolments e JOIN courses c ON c.id = e.course_id \
         WHERE e.user_id = $1 ORDER BY e.created_at DESC, e.id DESC",
    )
    .bind(user_id)
    .fetch_all(&db.pool)
    .await
}

/// A quiz attempt of the history.
#[derive(Debug, FromRow)]
pub struct QuizResultRow {
    pub quiz_title: String,
    pub course_title: String,
    pub score_percent: i64,
    pub passed: i64,
    pub created_at: String,
}

/// The user's quiz attempts, newest first.
pub async fn quiz_results(
    db: &Db,
    user_id: i64,
    limit: i64,
) -> Result<Vec<QuizResultRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT q.title AS quiz_title, c.title AS course_title, \
         CAST(qa.score_percent AS BIGINT) AS score_percent, CAST(qa.passed AS BIGINT) AS passed, \
         qa.created_at \
         FROM quiz_attempts qa JOIN quizzes q ON q.id = qa.quiz_id \
         JOIN courses c ON c.id = q.course_id \
         WHERE qa.user_id = $1 ORDER BY qa.id DESC LIMIT $2",
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}

/// Minutes of the lessons the user completed (their planned durations: an estimate).
pub async fn minutes_spent(db: &Db, user_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(l.duration_minutes), 0) AS BIGINT) \
         FROM lesson_progress lp JOIN lessons l ON l.id = lp.lesson_id WHERE lp.user_id = $1",
    )
    .bind(user_id)
    .fetch_one(&db.pool)
    .await
}

/// The best score of each quiz the user attempted.
pub async fn best_quiz_scores(db: &Db, user_id: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT CAST(MAX(score_percent) AS BIGINT) FROM quiz_attempts \
         WHERE user_id = $1 GROUP BY quiz_id",
    )
    .bind(user_id)
    .fetch_all(&db.pool)
    .await
}

/// The stored password hash of a user.
pub async fn password_hash(db: &Db, user_id: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&db.pool)
        .await
}

pub async fn email_taken(db: &Db, email: &str) -> Result<bool, sqlx::Error> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_optional(&db.pool)
        .await?;
    Ok(found.is_some())
}

/// Records a requested e-mail change (the token's hash), valid until `expires_at`.
pub async fn create_email_change(
    db: &Db,
    user_id: i64,
    new_email: &str,
    token_hash: &str,
    expires_at: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO email_changes (user_id, new_email, token_hash, expires_at, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(user_id)
    .bind(new_email)
    .bind(token_hash)
    .bind(expires_at)
    .bind(db.now())
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// The new address of a valid, unused change (without using it).
pub async fn peek_email_change(db: &Db, token_hash: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT new_email FROM email_changes \
         WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(token_hash)
    .bind(db.now())
    .fetch_optional(&db.pool)
    .await
}

/// What applying an e-mail change did.
#[derive(Debug, PartialEq, Eq)]
pub enum EmailChange {
    Applied {
        user_id: i64,
        new_email: String,
    },
    /// Unknown, used or expired token.
    Invalid,
    /// Someone else took the address in the meantime.
    Taken,
}

/// Uses the token once and sets the user's address, in one transaction.
pub async fn apply_email_change(db: &Db, token_hash: &str) -> Result<EmailChange, sqlx::Error> {
    let now = db.now();
    let mut tx = db.pool.begin().await?;
    let row: Option<(i64, String)> = sqlx::query_as(
        "UPDATE email_changes SET used_at = $1 \
         WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 \
         RETURNING user_id, new_email",
    )
    .bind(&now)
    .bind(token_hash)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((user_id, new_email)) = row else {
        return Ok(EmailChange::Invalid);
    };
    let updated = sqlx::query("UPDATE users SET email = $1, email_verified = 1 WHERE id = $2")
        .bind(&new_email)
        .bind(user_id)
        .execute(&mut *tx)
        .await;
    match updated {
        Ok(_) => {
            tx.commit().await?;
            Ok(EmailChange::Applied { user_id, new_email })
        }
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(EmailChange::Taken),
        Err(e) => Err(e),
    }
}

/// A stored session of the user: its id (secret) and expiry (Unix seconds).
#[derive(Debug, FromRow)]
pub struct SessionRow {
    pub id: String,
    pub expiry_date: i64,
}

/// The user's sessions that have not expired, latest expiry first.
pub async fn active_sessions(db: &Db, user_id: i64) -> Result<Vec<SessionRow>, sqlx::Error> {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    sqlx::query_as(
        "SELECT id, CAST(expiry_date AS BIGINT) AS expiry_date FROM sessions \
         WHERE user_id = $1 AND expiry_date > $2 ORDER BY expiry_date DESC LIMIT 50",
    )
    .bind(user_id)
    .bind(now)
    .fetch_all(&db.pool)
    .await
}

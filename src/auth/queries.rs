//! SQL of accounts: users, one-time tokens, login history.

use sqlx::FromRow;

use super::model::{Roles, User};
use crate::db::{self, Db, flag};

#[derive(FromRow)]
struct UserRow {
    id: i64,
    name: String,
    email: String,
    roles: String,
    locale: String,
    photo_path: Option<String>,
    data_saver: Option<i64>,
    timezone: Option<String>,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> Self {
        Self {
            id: r.id,
            name: r.name,
            email: r.email,
            roles: Roles::parse(&r.roles),
            locale: r.locale,
            photo_path: r.photo_path,
            data_saver: r.data_saver.map(|v| v != 0),
            // A zone the bundled database no longer knows falls back to the platform's.
            timezone: r
                .timezone
                .as_deref()
                .and_then(crate::web::time::TimeZone::parse),
        }
    }
}

/// The active user with this id, as loaded on every signed-in request.
pub async fn find_active_user(db: &Db, id: i64) -> Result<Option<User>, sqlx::Error> {
    let row: Option<UserRow> = sqlx::query_as(
        "SELECT id, name, email, roles, locale, photo_path, data_saver, timezone FROM users WHERE id = $1 AND active = 1",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(User::from))
}

/// The active user signed in by session `session_id`, while that session is stored and
/// unexpired (the per-message check of sockets).
pub async fn find_session_user(
    db: &Db,
    session_id: &str,
    user_id: i64,
) -> Result<Option<User>, sqlx::Error> {
    let row: Option<UserRow> = sqlx::query_as(
        "SELECT u.id, u.name, u.email, u.roles, u.locale, u.photo_path, u.data_saver, u.timezone \
         FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.id = $1 AND s.user_id = $2 AND s.expiry_date > $3 AND u.active = 1",
    )
    .bind(session_id)
    .bind(user_id)
    .bind(db.clock.unix())
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(User::from))
}

/// What a log-in attempt needs to know about an account.
#[derive(FromRow)]
pub struct Credentials {
    pub id: i64,
    pub name: String,
    pub password_hash: String,
    pub email_verified: i64,
    pub active: i64,
}

impl Credentials {
    pub fn verified(&self) -> bool {
        flag(self.email_verified)
    }
    pub fn active(&self) -> bool {
        flag(self.active)
    }
}

pub async fn find_credentials(db: &Db, email: &str) -> Result<Option<Credentials>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, name, password_hash, email_verified, active FROM users WHERE email = $1",
    )
    .bind(email)
    .fetch_optional(&db.pool)
    .await
}

/// A new account to store.
pub struct NewUser<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub roles: &'a Roles,
    pub verified: bool,
    pub locale: &'a str,
}

/// Inserts a user; `Ok(None)` when the e-mail is already taken.
pub async fn create_user(db: &Db, u: NewUser<'_>) -> Result<Option<i64>, sqlx::Error> {
    let result = sqlx::query_scalar(
        "INSERT INTO users (name, email, password_hash, roles, email_verified, locale, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(u.name)
    .bind(u.email)
    .bind(u.password_hash)
    .bind(u.roles.stored())
    .bind(i32::from(u.verified))
    .bind(u.locale)
    .bind(db.now())
    .fetch_one(&db.pool)
    .await;
    match result {
        Ok(id) => Ok(Some(id)),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(None),
        Err(e) => Err(e),
    }
}

pub async fn count_users(db: &Db) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&db.pool)
        .await
}

pub async fn mark_verified(db: &Db, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET email_verified = 1 WHERE id = $1")
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn set_password(db: &Db, user_id: i64, password_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(password_hash)
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn set_locale(db: &Db, user_id: i64, locale: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET locale = $1 WHERE id = $2")
        .bind(locale)
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Purpose of a one-time token sent by e-mail.
#[derive(Clone, Copy, Debug)]
pub enum TokenPurpose {
    VerifyEmail,
    ResetPassword,
}

impl TokenPurpose {
    fn code(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::ResetPassword => "reset_password",
        }
    }
}

/// Stores the hash of a new token valid until `expires_at`.
pub async fn create_token(
    db: &Db,
    user_id: i64,
    purpose: TokenPurpose,
    token_hash: &str,
    expires_at: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO user_tokens (user_id, purpose, token_hash, expires_at, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(user_id)
    .bind(purpose.code())
    .bind(token_hash)
    .bind(expires_at)
    .bind(db.now())
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// The user a still-valid, unused token belongs to (without using it).
pub async fn peek_token(
    db: &Db,
    purpose: TokenPurpose,
    token_hash: &str,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT user_id FROM user_tokens \
         WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3",
    )
    .bind(token_hash)
    .bind(purpose.code())
    .bind(db.now())
    .fetch_optional(&db.pool)
    .await
}

/// Uses a valid token exactly once and returns its user; `None` when unknown, used or expired.
pub async fn consume_token(
    db: &Db,
    purpose: TokenPurpose,
    token_hash: &str,
) -> Result<Option<i64>, sqlx::Error> {
    let now = db.now();
    sqlx::query_scalar(
        "UPDATE user_tokens SET used_at = $1 \
         WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1 \
         RETURNING user_id",
    )
    .bind(&now)
    .bind(token_hash)
    .bind(purpose.code())
    .fetch_optional(&db.pool)
    .await
}

/// Resets a password with a reset token, in one transaction: uses the token, stores the new
/// hash, marks the address verified (whoever reads the mailbox owns it) and voids every other
/// unused link or code of the user (reset and verification links, e-mail changes, e-mailed
/// log-in codes). Returns the user, or `None` when the token is unknown, used or expired.
pub async fn reset_password(
    db: &Db,
    token_hash: &str,
    password_hash: &str,
) -> Result<Option<i64>, sqlx::Error> {
    let now = db.now();
    let mut tx = db.pool.begin().await?;
    let user_id: Option<i64> = sqlx::query_scalar(
        "UPDATE user_tokens SET used_at = $1 \
         WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1 \
         RETURNING user_id",
    )
    .bind(&now)
    .bind(token_hash)
    .bind(TokenPurpose::ResetPassword.code())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(user_id) = user_id else {
        return Ok(None);
    };
    sqlx::query("UPDATE users SET password_hash = $1, email_verified = 1 WHERE id = $2")
        .bind(password_hash)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    for void in [
        "UPDATE user_tokens SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL",
        "UPDATE email_changes SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL",
        "UPDATE otp_codes SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL",
    ] {
        sqlx::query(void)
            .bind(&now)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(Some(user_id))
}

/// One log-in attempt, successful or not.
pub struct LoginAttempt<'a> {
    pub user_id: Option<i64>,
    pub email: &'a str,
    pub ip: &'a str,
    pub user_agent: &'a str,
    pub success: bool,
    pub reason: &'a str,
}

pub async fn record_login(db: &Db, a: LoginAttempt<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO login_history (user_id, email, ip, user_agent, success, reason, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(a.user_id)
    .bind(a.email.chars().take(254).collect::<String>())
    .bind(a.ip)
    .bind(a.user_agent)
    .bind(i32::from(a.success))
    .bind(a.reason)
    .bind(db.now())
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// A row of a user's login history, newest first.
#[derive(Debug, FromRow, serde::Serialize)]
pub struct LoginRecord {
    pub ip: String,
    pub user_agent: String,
    pub success: i64,
    pub reason: String,
    pub created_at: String,
}

pub async fn login_history(
    db: &Db,
    user_id: i64,
    limit: i64,
) -> Result<Vec<LoginRecord>, sqlx::Error> {
    sqlx::query_as(
        "SELECT ip, user_agent, success, reason, created_at FROM login_history \
         WHERE user_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}

/// What the second-factor steps need to know about an account.
#[derive(Debug, FromRow)]
pub struct OtpAccount {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub roles: String,
    pub password_hash: String,
    pub otp_method: Option<String>,
    pub totp_secret: Option<String>,
}

pub async fn find_otp_account(db: &Db, user_id: i64) -> Result<Option<OtpAccount>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, name, email, roles, password_hash, otp_method, totp_secret FROM users \
         WHERE id = $1 AND active = 1",
    )
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await
}

pub async fn platform_setting(db: &Db, key: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT value FROM platform_settings WHERE key = $1")
        .bind(key)
        .fetch_optional(&db.pool)
        .await
}

/// Stores `value` unless the setting has one already, and returns the setting's value: the first
/// writer wins, even among instances starting together (one statement, then a read).
pub async fn insert_platform_setting_if_absent(
    db: &Db,
    key: &str,
    value: &str,
) -> Result<String, sqlx::Error> {
    sqlx::query(
        "INSERT INTO platform_settings (key, value) VALUES ($1, $2) \
         ON CONFLICT (key) DO NOTHING",
    )
    .bind(key)
    .bind(value)
    .execute(&db.pool)
    .await?;
    sqlx::query_scalar("SELECT value FROM platform_settings WHERE key = $1")
        .bind(key)
        .fetch_one(&db.pool)
        .await
}

/// Stores a platform-wide setting, replacing its previous value.
pub async fn set_platform_setting(db: &Db, key: &str, value: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO platform_settings (key, value) VALUES ($1, $2) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Sets (or, with `None`, removes) the second factor of a user.
pub async fn set_otp_method(
    db: &Db,
    user_id: i64,
    method: Option<&str>,
    totp_secret: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET otp_method = $1, totp_secret = $2 WHERE id = $3")
        .bind(method)
        .bind(totp_secret)
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Prefix of the `otp_codes` rows that remember a used TOTP time step (not e-mailed codes).
const TOTP_STEP_PREFIX: &str = "totp-step:";

/// Stores a new e-mailed code; older unused codes of the user are voided.
pub async fn create_otp_code(
    db: &Db,
    user_id: i64,
    code_hash: &str,
    expires_at: &str,
) -> Result<(), sqlx::Error> {
    let now = db.now();
    let mut tx = db.pool.begin().await?;
    sqlx::query("UPDATE otp_codes SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL")
        .bind(&now)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO otp_codes (user_id, code_hash, expires_at, attempts, created_at) \
         VALUES ($1, $2, $3, 0, $4)",
    )
    .bind(user_id)
    .bind(code_hash)
    .bind(expires_at)
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// The newest unused e-mailed code of a user.
#[derive(Debug, FromRow)]
pub struct OtpCode {
    pub id: i64,
    pub code_hash: String,
    pub expires_at: String,
    pub attempts: i64,
}

pub async fn current_otp_code(db: &Db, user_id: i64) -> Result<Option<OtpCode>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, code_hash, expires_at, attempts FROM otp_codes \
         WHERE user_id = $1 AND used_at IS NULL ORDER BY id DESC LIMIT 1",
    )
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await
}

/// Marks a code used; false when another request used it first.
pub async fn use_otp_code(db: &Db, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE otp_codes SET used_at = $1 WHERE id = $2 AND used_at IS NULL")
        .bind(db.now())
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Counts a wrong try on a code.
pub async fn fail_otp_code(db: &Db, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE otp_codes SET attempts = attempts + 1 WHERE id = $1")
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Claims a TOTP time step for a user, once: true for the first claim, false for any reuse.
/// The claim is a used `otp_codes` row; of concurrent claims, the lowest id wins.
pub async fn claim_totp_step(db: &Db, user_id: i64, step: u64) -> Result<bool, sqlx::Error> {
    let marker = format!("{TOTP_STEP_PREFIX}{step}");
    let now = db.now();
    let expires = db::timestamp(db.clock.now() + time::Duration::minutes(5));
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO otp_codes (user_id, code_hash, expires_at, used_at, attempts, created_at) \
         VALUES ($1, $2, $3, $4, 0, $4) RETURNING id",
    )
    .bind(user_id)
    .bind(&marker)
    .bind(&expires)
    .bind(&now)
    .fetch_one(&db.pool)
    .await?;
    let first: i64 =
        sqlx::query_scalar("SELECT MIN(id) FROM otp_codes WHERE user_id = $1 AND code_hash = $2")
            .bind(user_id)
            .bind(&marker)
            .fetch_one(&db.pool)
            .await?;
    Ok(first == id)
}

/// Replaces the recovery codes of a user with new ones (hashes).
pub async fn replace_recovery_codes(
    db: &Db,
    user_id: i64,
    hashes: &[String],
) -> Result<(), sqlx::Error> {
    let now = db.now();
    let mut tx = db.pool.begin().await?;
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    for hash in hashes {
        sqlx::query(
            "INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES ($1, $2, $3)",
        )
        .bind(user_id)
        .bind(hash)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// Uses a recovery code once; false when unknown or already used.
pub async fn use_recovery_code(db: &Db, user_id: i64, hash: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE recovery_codes SET used_at = $1 \
         WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
    )
    .bind(db.now())
    .bind(user_id)
    .bind(hash)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn recovery_codes_left(db: &Db, user_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL")
        .bind(user_id)
        .fetch_one(&db.pool)
        .await
}

/// Removes the recovery codes and pending codes of a user (second factor turned off).
pub async fn clear_otp_codes(db: &Db, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    sqlx::query("UPDATE otp_codes SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL")
        .bind(db.now())
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Deletes expired second-factor rows (e-mailed codes and remembered TOTP steps, which are past
/// any accepted time window once expired); for the periodic housekeeping.
pub async fn delete_expired_otp_codes(db: &Db) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM otp_codes WHERE expires_at < $1")
        .bind(db.now())
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected())
}

/// Whether the user may not post (forum, chat) at `now` because a moderator suspended them.
pub async fn posting_suspended(db: &Db, user_id: i64, now: &str) -> Result<bool, sqlx::Error> {
    let until: Option<Option<String>> =
        sqlx::query_scalar("SELECT posting_suspended_until FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&db.pool)
            .await?;
    Ok(matches!(until, Some(Some(u)) if u.as_str() > now))
}

/// Suspends posting until `until` (RFC 3339), or lifts the suspension with `None`.
pub async fn set_posting_suspension(
    db: &Db,
    user_id: i64,
    until: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET posting_suspended_until = $1 WHERE id = $2")
        .bind(until)
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

//! SQL of the rate limits shared by the instances (PostgreSQL only: SQLite's stay in memory).
//!
//! GCRA, the algorithm governor runs in memory, rather than a fixed window: the same quotas
//! then behave alike on both engines (a burst, then one request per interval, and no double
//! burst across a window's edge), a key's state is one number (its "theoretical arrival time",
//! `tat`), and the decision and its update are one statement. The row lock of
//! `ON CONFLICT DO UPDATE` orders concurrent requests of every instance on a key; a refused
//! request fails the `WHERE`, writes nothing and returns no row.

use governor::Quota;

use crate::db::Db;
use crate::web::tokens::sha256_hex;

/// Takes one request from `key`'s allowance for `action` at the platform clock's "now":
/// `false` when the allowance is used up. The key is stored as its digest (no addresses at rest,
/// bounded size).
pub async fn take(db: &Db, action: &str, key: &str, quota: &Quota) -> Result<bool, sqlx::Error> {
    let interval = millis(quota.replenish_interval());
    let tolerance = interval.saturating_mul(i64::from(quota.burst_size().get()));
    let taken: Option<i64> = sqlx::query_scalar(
        "INSERT INTO rate_limits AS r (action, key, tat) \
         VALUES ($1, $2, $3::BIGINT + $4::BIGINT) \
         ON CONFLICT (action, key) DO UPDATE \
         SET tat = GREATEST(r.tat, $3::BIGINT) + $4::BIGINT \
         WHERE GREATEST(r.tat, $3::BIGINT) + $4::BIGINT <= $3::BIGINT + $5::BIGINT \
         RETURNING tat",
    )
    .bind(action)
    .bind(sha256_hex(key))
    .bind(db.clock.unix_millis())
    .bind(interval)
    .bind(tolerance)
    .fetch_optional(&db.pool)
    .await?;
    Ok(taken.is_some())
}

/// Deletes the keys whose allowance is full again (a row in the past counts as no row).
pub async fn delete_full(db: &Db) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM rate_limits WHERE tat <= $1::BIGINT")
        .bind(db.clock.unix_millis())
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected())
}

fn millis(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

//! Presence: a user is online while at least one of their connections (any tab, any instance)
//! is open. Each instance counts its own connections per user and keeps one `presence` row per
//! online user, refreshed by a heartbeat, so that other instances see it and a crashed
//! instance's rows go stale. Changes are published on the `presence` topic (id = user id,
//! data = "1" online / "0" offline).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use time::OffsetDateTime;

use super::Hub;
use crate::db;
use crate::error::AppResult;

pub const TOPIC: &str = "presence";
/// A row not refreshed for this long belongs to a dead instance.
const STALE_AFTER: time::Duration = time::Duration::seconds(90);
const HEARTBEAT: Duration = Duration::from_secs(30);

pub(crate) struct Presence {
    instance: String,
    counts: Mutex<HashMap<i64, usize>>,
}

impl Presence {
    pub(crate) fn new() -> Self {
        use rand::Rng;
        let instance: String = rand::rng()
            .sample_iter(rand::distr::Alphanumeric)
            .take(16)
            .map(char::from)
            .collect();
        Self {
            instance,
            counts: Mutex::new(HashMap::new()),
        }
    }

    fn counts(&self) -> std::sync::MutexGuard<'_, HashMap<i64, usize>> {
        self.counts.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Keeps its user online; dropping the last guard of a user takes them offline.
pub struct PresenceGuard {
    hub: Hub,
    user_id: i64,
}

impl Drop for PresenceGuard {
    fn drop(&mut self) {
        let last = {
            let mut counts = self.hub.presence().counts();
            match counts.get_mut(&self.user_id) {
                Some(n) if *n > 1 => {
                    *n -= 1;
                    false
                }
                _ => {
                    counts.remove(&self.user_id);
                    true
                }
            }
        };
        if last && let Ok(rt) = tokio::runtime::Handle::try_current() {
            let hub = self.hub.clone();
            let user_id = self.user_id;
            rt.spawn(async move {
                if let Err(e) = went_offline(&hub, user_id).await {
                    tracing::warn!(error = %e, "presence could not be updated");
                }
            });
        }
    }
}

pub(super) async fn connect(hub: &Hub, user_id: i64) -> PresenceGuard {
    let first = {
        let mut counts = hub.presence().counts();
        let n = counts.entry(user_id).or_insert(0);
        *n += 1;
        *n == 1
    };
    if first {
        if let Err(e) = upsert(hub, user_id).await {
            tracing::warn!(error = %e, "presence could not be stored");
        }
        if let Err(e) = hub.publish(TOPIC, TOPIC, user_id, "1").await {
            tracing::warn!(error = %e, "presence could not be published");
        }
    }
    PresenceGuard {
        hub: hub.clone(),
        user_id,
    }
}

async fn upsert(hub: &Hub, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO presence (instance_id, user_id, seen_at) VALUES ($1, $2, $3) \
         ON CONFLICT (instance_id, user_id) DO UPDATE SET seen_at = excluded.seen_at",
    )
    .bind(&hub.presence().instance)
    .bind(user_id)
    .bind(db::now())
    .execute(&hub.db().pool)
    .await?;
    Ok(())
}

async fn went_offline(hub: &Hub, user_id: i64) -> AppResult<()> {
    // A new connection may have arrived since the guard was dropped.
    if hub.presence().counts().contains_key(&user_id) {
        return Ok(());
    }
    sqlx::query("DELETE FROM presence WHERE instance_id = $1 AND user_id = $2")
        .bind(&hub.presence().instance)
        .bind(user_id)
        .execute(&hub.db().pool)
        .await?;
    if hub.online(&[user_id]).await?.is_empty() {
        hub.publish(TOPIC, TOPIC, user_id, "0").await?;
    }
    Ok(())
}

/// Which of `user_ids` have a fresh presence row on any instance.
pub(super) async fn online(hub: &Hub, user_ids: &[i64]) -> AppResult<Vec<i64>> {
    if user_ids.is_empty() {
        return Ok(Vec::new());
    }
    let fresh = db::timestamp(OffsetDateTime::now_utc() - STALE_AFTER);
    let placeholders: Vec<String> = (0..user_ids.len()).map(|i| format!("${}", i + 2)).collect();
    let sql = format!(
        "SELECT DISTINCT user_id FROM presence WHERE seen_at > $1 AND user_id IN ({})",
        placeholders.join(", ")
    );
    let mut q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql)).bind(fresh);
    for id in user_ids {
        q = q.bind(*id);
    }
    Ok(q.fetch_all(&hub.db().pool).await?)
}

/// Refreshes this instance's rows now and then, so other instances keep seeing its users.
pub fn spawn_heartbeat(hub: Hub) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(HEARTBEAT);
        loop {
            tick.tick().await;
            let result = sqlx::query("UPDATE presence SET seen_at = $1 WHERE instance_id = $2")
                .bind(db::now())
                .bind(&hub.presence().instance)
                .execute(&hub.db().pool)
                .await;
            if let Err(e) = result {
                tracing::warn!(error = %e, "presence heartbeat failed");
            }
        }
    });
}

pub(super) async fn prune(hub: &Hub) -> Result<(), sqlx::Error> {
    let stale = db::timestamp(OffsetDateTime::now_utc() - STALE_AFTER);
    sqlx::query("DELETE FROM presence WHERE seen_at < $1")
        .bind(stale)
        .execute(&hub.db().pool)
        .await?;
    Ok(())
}

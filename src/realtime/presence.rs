//! Presence: a user is online while at least one of their connections (any tab, any instance)
//! is open. Each instance counts its own connections per user and keeps one `presence` row per
//! online user, refreshed by a heartbeat, so that other instances see it and a crashed
//! instance's rows go stale. Changes are published on the `presence` topic (id = user id,
//! data = "1" online / "0" offline).
//!
//! Timing (on the hub's [`Clock`](crate::clock::Clock)): the last connection closing takes its
//! user offline at once (row deleted, "0" published); a row not refreshed for [`STALE_AFTER`]
//! (its instance died, or the deletion failed) no longer counts, and the next heartbeat of any
//! instance deletes it and publishes "0" — so a user is offline everywhere within 30 s.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use super::Hub;
use crate::db;
use crate::error::AppResult;

pub const TOPIC: &str = "presence";
/// A row not refreshed for this long belongs to a dead instance.
pub const STALE_AFTER: time::Duration = time::Duration::seconds(25);
/// How often an instance refreshes its rows and sweeps stale ones (well under `STALE_AFTER`).
pub const HEARTBEAT: Duration = Duration::from_secs(10);

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

    /// Users this instance holds online.
    pub(super) fn local_count(&self) -> usize {
        self.counts().len()
    }

    /// Open connections of signed-in users on this instance.
    pub(super) fn connection_count(&self) -> usize {
        self.counts().values().sum()
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
    .bind(hub.clock().timestamp())
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

/// Which of `user_ids` hold a connection here or have a fresh presence row on any instance.
pub(super) async fn online(hub: &Hub, user_ids: &[i64]) -> AppResult<Vec<i64>> {
    if user_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut found: Vec<i64> = {
        let counts = hub.presence().counts();
        user_ids
            .iter()
            .copied()
            .filter(|id| counts.contains_key(id))
            .collect()
    };
    let others: Vec<i64> = user_ids
        .iter()
        .copied()
        .filter(|id| !found.contains(id))
        .collect();
    if others.is_empty() {
        return Ok(found);
    }
    let fresh = db::timestamp(hub.clock().now() - STALE_AFTER);
    let placeholders: Vec<String> = (0..others.len()).map(|i| format!("${}", i + 2)).collect();
    let sql = format!(
        "SELECT DISTINCT user_id FROM presence WHERE seen_at > $1 AND user_id IN ({})",
        placeholders.join(", ")
    );
    let mut q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql)).bind(fresh);
    for id in &others {
        q = q.bind(*id);
    }
    found.extend(q.fetch_all(&hub.db().pool).await?);
    Ok(found)
}

/// Refreshes this instance's rows now and then, so other instances keep seeing its users, and
/// takes offline the users whose rows went stale.
pub fn spawn_heartbeat(hub: Hub) {
    tokio::spawn(async move {
        loop {
            beat(&hub).await;
            hub.clock().sleep(HEARTBEAT).await;
        }
    });
}

/// One heartbeat: this instance's rows refreshed (a row lost meanwhile is written again), then
/// the stale rows of any instance deleted and their users, if no fresh row is left, announced
/// offline.
pub async fn beat(hub: &Hub) {
    let local: Vec<i64> = hub.presence().counts().keys().copied().collect();
    let refreshed = sqlx::query("UPDATE presence SET seen_at = $1 WHERE instance_id = $2")
        .bind(hub.clock().timestamp())
        .bind(&hub.presence().instance)
        .execute(&hub.db().pool)
        .await;
    match refreshed {
        Ok(done) if usize::try_from(done.rows_affected()).unwrap_or(0) < local.len() => {
            for user_id in local {
                if let Err(e) = upsert(hub, user_id).await {
                    tracing::warn!(error = %e, "presence could not be stored");
                }
            }
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "presence heartbeat failed"),
    }
    if let Err(e) = sweep(hub).await {
        tracing::warn!(error = %e, "stale presence could not be swept");
    }
}

/// Deletes the rows not refreshed for `STALE_AFTER` and publishes "0" for each of their users
/// left without a fresh row.
async fn sweep(hub: &Hub) -> AppResult<()> {
    let stale = db::timestamp(hub.clock().now() - STALE_AFTER);
    let users: Vec<i64> =
        sqlx::query_scalar("SELECT DISTINCT user_id FROM presence WHERE seen_at <= $1")
            .bind(&stale)
            .fetch_all(&hub.db().pool)
            .await?;
    if users.is_empty() {
        return Ok(());
    }
    sqlx::query("DELETE FROM presence WHERE seen_at <= $1")
        .bind(&stale)
        .execute(&hub.db().pool)
        .await?;
    let still = hub.online(&users).await?;
    for user_id in users {
        if !still.contains(&user_id) {
            hub.publish(TOPIC, TOPIC, user_id, "0").await?;
        }
    }
    Ok(())
}

pub(super) async fn prune(hub: &Hub) -> AppResult<()> {
    sweep(hub).await
}

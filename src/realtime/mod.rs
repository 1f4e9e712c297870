//! Realtime core: a hub of topics and subscribers, fed by a bus.
//!
//! Features store their data first (a chat message, a notification, a forum reply), then
//! publish a small event naming it. With SQLite the bus is in-process; with PostgreSQL it is
//! `LISTEN/NOTIFY`, so every app instance on the database delivers every event to its own
//! subscribers (an instance hears its own notifications too, so delivery is the same path
//! everywhere). A payload too large for a notification is stored and fetched by id.
//!
//! Topics: `user:{id}` (notifications), `sessions:{user_id}` (revoked sessions: sockets and
//! streams close, `auth::sessions`), `chat:room:{id}`, `presence`, `forum:topic:{id}`,
//! `live:{id}`, `payment:{id}`. When the PostgreSQL listener reconnects, events may have been
//! missed: every local topic then receives a [`RESYNC`] event and subscribers reload from
//! their store what came after the last id they hold.

pub mod presence;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use crate::clock::Clock;
use crate::db::{self, Db, Engine};
use crate::error::AppResult;

pub use presence::PresenceGuard;

/// The kind of the event sent to every local topic after the bus may have lost events.
pub const RESYNC: &str = "resync";

/// PostgreSQL channel of the bus.
const CHANNEL: &str = "tlj_realtime";
/// Payloads above this many bytes go through `realtime_payloads` (NOTIFY's limit is 8000).
const INLINE_LIMIT: usize = 6000;
/// Events buffered per topic for a slow subscriber before it lags (and resyncs).
const TOPIC_CAPACITY: usize = 256;

/// One published event: `kind` says what happened, `id` names the stored row it is about (0
/// when none), `data` is a small payload (often already-rendered HTML, or empty).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub kind: Arc<str>,
    pub id: i64,
    pub data: Arc<str>,
}

impl Event {
    pub fn is_resync(&self) -> bool {
        &*self.kind == RESYNC
    }
}

/// What goes over the PostgreSQL bus.
#[derive(Serialize, Deserialize)]
struct Wire {
    t: String,
    k: String,
    i: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    d: Option<String>,
    /// Id in `realtime_payloads` when the payload was too large to send inline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    p: Option<i64>,
}

/// The hub; cheap to clone.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    /// "Now" for presence (heartbeats and staleness), so tests move time instead of sleeping.
    clock: Clock,
    topics: Mutex<HashMap<String, broadcast::Sender<Event>>>,
    presence: presence::Presence,
}

impl Hub {
    /// Creates the hub and, on PostgreSQL, starts listening on the bus channel.
    pub async fn start(db: Db, database_url: &str, clock: Clock) -> anyhow::Result<Self> {
        let hub = Self {
            inner: Arc::new(Inner {
                clock,
                presence: presence::Presence::new(),
                topics: Mutex::new(HashMap::new()),
                db: db.clone(),
            }),
        };
        if db.engine == Engine::Postgres {
            let mut listener = sqlx::postgres::PgListener::connect(database_url).await?;
            listener.listen(CHANNEL).await?;
            tokio::spawn(listen(hub.clone(), listener));
        }
        Ok(hub)
    }

    pub(crate) fn db(&self) -> &Db {
        &self.inner.db
    }

    pub(crate) fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// Subscribes to `topic`; dropping the receiver unsubscribes.
    pub fn subscribe(&self, topic: &str) -> broadcast::Receiver<Event> {
        let mut topics = self.inner.topics.lock().unwrap_or_else(|p| p.into_inner());
        topics
            .entry(topic.to_owned())
            .or_insert_with(|| broadcast::channel(TOPIC_CAPACITY).0)
            .subscribe()
    }

    /// Publishes an event to every subscriber of `topic` on every instance. Store what the
    /// event is about before calling this.
    pub async fn publish(&self, topic: &str, kind: &str, id: i64, data: &str) -> AppResult<()> {
        match self.inner.db.engine {
            Engine::Sqlite => {
                self.deliver(
                    topic,
                    Event {
                        kind: kind.into(),
                        id,
                        data: data.into(),
                    },
                );
            }
            Engine::Postgres => {
                let mut wire = Wire {
                    t: topic.to_owned(),
                    k: kind.to_owned(),
                    i: id,
                    d: None,
                    p: None,
                };
                if data.len() > INLINE_LIMIT {
                    wire.p = Some(store_payload(&self.inner.db, data).await?);
                } else if !data.is_empty() {
                    wire.d = Some(data.to_owned());
                }
                let json = serde_json::to_string(&wire).map_err(anyhow::Error::from)?;
                sqlx::query("SELECT pg_notify($1, $2)")
                    .bind(CHANNEL)
                    .bind(json)
                    .execute(&self.inner.db.pool)
                    .await?;
            }
        }
        Ok(())
    }

    /// Hands an event to this instance's subscribers of `topic`; forgets a topic nobody
    /// listens to any more.
    fn deliver(&self, topic: &str, event: Event) {
        let mut topics = self.inner.topics.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(sender) = topics.get(topic)
            && sender.send(event).is_err()
        {
            topics.remove(topic);
        }
    }

    /// Tells every local topic to reload from its store (the bus may have lost events).
    fn resync_all(&self) {
        let mut topics = self.inner.topics.lock().unwrap_or_else(|p| p.into_inner());
        topics.retain(|_, sender| {
            sender
                .send(Event {
                    kind: RESYNC.into(),
                    id: 0,
                    data: "".into(),
                })
                .is_ok()
        });
    }

    /// Number of topics with at least one local subscriber (for the benchmark and tests).
    pub fn topic_count(&self) -> usize {
        let topics = self.inner.topics.lock().unwrap_or_else(|p| p.into_inner());
        topics.values().filter(|s| s.receiver_count() > 0).count()
    }

    /// Marks `user_id` online while the returned guard lives (one guard per open connection).
    pub async fn connect_user(&self, user_id: i64) -> PresenceGuard {
        presence::connect(self, user_id).await
    }

    /// Which of `user_ids` are online on any instance.
    pub async fn online(&self, user_ids: &[i64]) -> AppResult<Vec<i64>> {
        presence::online(self, user_ids).await
    }

    /// How many users this instance holds online (one or more open connections each).
    pub fn local_online_count(&self) -> usize {
        self.presence().local_count()
    }

    /// How many connections (sockets and streams) of signed-in users this instance holds.
    pub fn connection_count(&self) -> usize {
        self.presence().connection_count()
    }

    pub(crate) fn presence(&self) -> &presence::Presence {
        &self.inner.presence
    }
}

/// Receives bus notifications until the process ends; reconnects (sqlx does) and resyncs.
async fn listen(hub: Hub, mut listener: sqlx::postgres::PgListener) {
    loop {
        match listener.try_recv().await {
            Ok(Some(n)) => match serde_json::from_str::<Wire>(n.payload()) {
                Ok(wire) => {
                    let data = match (wire.d, wire.p) {
                        (Some(d), _) => d,
                        (None, Some(id)) => match load_payload(&hub.inner.db, id).await {
                            Ok(d) => d,
                            Err(e) => {
                                tracing::warn!(realtime.payload_id = id, error = %e, "realtime payload could not be read");
                                continue;
                            }
                        },
                        (None, None) => String::new(),
                    };
                    hub.deliver(
                        &wire.t,
                        Event {
                            kind: wire.k.into(),
                            id: wire.i,
                            data: data.into(),
                        },
                    );
                }
                Err(e) => tracing::warn!(error = %e, "malformed realtime notification ignored"),
            },
            // The connection dropped and was re-established: events may have been missed.
            Ok(None) => {
                tracing::warn!("realtime bus reconnected; subscribers resync");
                hub.resync_all();
            }
            Err(e) => {
                tracing::warn!(error = %e, "realtime bus error; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

async fn store_payload(db: &Db, data: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO realtime_payloads (data, created_at) VALUES ($1, $2) RETURNING id",
    )
    .bind(data)
    .bind(db.now())
    .fetch_one(&db.pool)
    .await
}

async fn load_payload(db: &Db, id: i64) -> Result<String, sqlx::Error> {
    sqlx::query_scalar("SELECT data FROM realtime_payloads WHERE id = $1")
        .bind(id)
        .fetch_one(&db.pool)
        .await
}

/// Forgets topics nobody listens to, large payloads older than an hour and stale presence
/// rows (housekeeping).
pub async fn prune(hub: &Hub) -> AppResult<()> {
    hub.inner
        .topics
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .retain(|_, sender| sender.receiver_count() > 0);
    let hour_ago = db::timestamp(hub.inner.clock.now() - time::Duration::hours(1));
    sqlx::query("DELETE FROM realtime_payloads WHERE created_at < $1")
        .bind(hour_ago)
        .execute(&hub.inner.db.pool)
        .await?;
    presence::prune(hub).await
}

/// How long a closing socket waits for the client's answer to its Close frame.
const CLOSE_WAIT: Duration = Duration::from_secs(1);

/// Sends `frame`, then reads what the client still sends until its Close answer (a second at
/// most): a server that closes with unread data resets the connection, and the client loses the
/// frame and the reason it carries.
pub async fn close_socket(
    sink: &mut futures_util::stream::SplitSink<
        axum::extract::ws::WebSocket,
        axum::extract::ws::Message,
    >,
    stream: &mut futures_util::stream::SplitStream<axum::extract::ws::WebSocket>,
    frame: axum::extract::ws::CloseFrame,
) {
    use futures_util::{SinkExt, StreamExt};
    if sink
        .send(axum::extract::ws::Message::Close(Some(frame)))
        .await
        .is_err()
    {
        return;
    }
    let _ = tokio::time::timeout(CLOSE_WAIT, async {
        while let Some(Ok(message)) = stream.next().await {
            if matches!(message, axum::extract::ws::Message::Close(_)) {
                break;
            }
        }
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn hub() -> Hub {
        let dir = std::env::temp_dir().join(format!("tlj-hub-{}", std::process::id()));
        let url = format!(
            "sqlite://{}/hub-{}.db",
            dir.display(),
            rand::random::<u32>()
        );
        let db = Db::connect(&url).await.expect("db");
        db.migrate().await.expect("migrations");
        Hub::start(db, &url, Clock::adjustable())
            .await
            .expect("hub")
    }

    #[tokio::test]
    async fn events_reach_the_subscribers_of_their_topic_only() {
        let hub = hub().await;
        let mut a = hub.subscribe("chat:room:1");
        let mut a2 = hub.subscribe("chat:room:1");
        let mut b = hub.subscribe("chat:room:2");
        hub.publish("chat:room:1", "message", 7, "<p>salut</p>")
            .await
            .expect("published");
        for rx in [&mut a, &mut a2] {
            let e = rx.recv().await.expect("event");
            assert_eq!((&*e.kind, e.id, &*e.data), ("message", 7, "<p>salut</p>"));
        }
        assert!(b.try_recv().is_err());
        assert_eq!(hub.topic_count(), 2);
        drop((a, a2));
        prune(&hub).await.expect("pruned");
        assert_eq!(
            hub.topic_count(),
            1,
            "a topic nobody listens to is forgotten"
        );
        // Publishing to a topic without subscribers is fine.
        hub.publish("nobody", "x", 0, "").await.expect("published");
    }

    #[tokio::test]
    async fn resync_reaches_every_topic() {
        let hub = hub().await;
        let mut a = hub.subscribe("user:1");
        let mut b = hub.subscribe("live:3");
        hub.resync_all();
        assert!(a.recv().await.expect("event").is_resync());
        assert!(b.recv().await.expect("event").is_resync());
    }
}

//! Database pool for SQLite or PostgreSQL behind one sqlx `Any` code path, and migrations.
//!
//! Conventions shared by every `queries.rs`: `$1, $2…` placeholders; ids are `i64`; flags are
//! INTEGER 0/1 on both engines (bound as `i32`, read with [`flag`]); timestamps are RFC 3339 UTC
//! TEXT from [`now`]; money is BIGINT minor units with a currency code.

use std::str::FromStr;
use std::time::Duration;

use crate::clock::Clock;
use anyhow::Context;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// Which engine the pool talks to; a few queries differ per engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// The shared connection pool, and the clock that says "now" to the queries that store or
/// compare times (expiry of sessions, codes and links; tests move it).
#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub engine: Engine,
    pub clock: Clock,
}

impl Db {
    /// Connects to `url`, creating the SQLite file (and its folder) when missing.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let engine = if url.starts_with("postgres") {
            Engine::Postgres
        } else {
            Engine::Sqlite
        };
        let mut url = url.to_owned();
        if engine == Engine::Sqlite {
            ensure_sqlite_dir(&url)?;
            if !url.contains("mode=") {
                url.push(if url.contains('?') { '&' } else { '?' });
                url.push_str("mode=rwc");
            }
        }
        let options = AnyConnectOptions::from_str(&url)
            .with_context(|| format!("DATABASE_URL invalide : {url}"))?;
        let pool = AnyPoolOptions::new()
            .max_connections(if engine == Engine::Sqlite { 8 } else { 16 })
            // PostgreSQL unreachable: answer 503 within a few seconds rather than hang.
            .acquire_timeout(Duration::from_secs(if engine == Engine::Sqlite {
                10
            } else {
                3
            }))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if engine == Engine::Sqlite {
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                             PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .with_context(|| "connexion à la base de données impossible")?;
        Ok(Self {
            pool,
            engine,
            clock: Clock::system(),
        })
    }

    /// This pool with `clock` as its "now".
    #[must_use]
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The clock's "now" as stored in timestamp columns.
    pub fn now(&self) -> String {
        self.clock.timestamp()
    }

    /// Applies the pending migrations of this engine.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        let migrator = match self.engine {
            Engine::Sqlite => &SQLITE_MIGRATIONS,
            Engine::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .run(&self.pool)
            .await
            .context("échec des migrations")?;
        Ok(())
    }

    /// True when the database answers a trivial query.
    pub async fn is_healthy(&self) -> bool {
        sqlx::query_scalar::<_, i32>("SELECT 1")
            .fetch_one(&self.pool)
            .await
            .is_ok()
    }
}

fn ensure_sqlite_dir(url: &str) -> anyhow::Result<()> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() || path.starts_with(":memory:") || path.starts_with("file:") {
        return Ok(());
    }
    if let Some(parent) = std::path::Path::new(path).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("impossible de créer le dossier {}", parent.display()))?;
    }
    Ok(())
}

/// The system time as stored in the database: RFC 3339, UTC, second precision. Queries that
/// store or compare deadlines use [`Db::now`] (the platform clock) instead.
pub fn now() -> String {
    timestamp(OffsetDateTime::now_utc())
}

/// Formats `t` the way every timestamp column stores it.
pub fn timestamp(t: OffsetDateTime) -> String {
    let t = t
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(t);
    t.format(&Rfc3339).unwrap_or_default()
}

/// Parses a stored timestamp.
pub fn parse_timestamp(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

/// A LIKE pattern matching `text` anywhere, with `\`, `%` and `_` escaped (use `ESCAPE '\'`).
pub fn like_anywhere(text: &str) -> String {
    let mut p = String::with_capacity(text.len() + 2);
    p.push('%');
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// Reads an INTEGER 0/1 flag column.
pub fn flag(v: i64) -> bool {
    v != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip_and_sort_as_text() {
        let a = timestamp(OffsetDateTime::from_unix_timestamp(1_700_000_000).expect("valid"));
        let b = timestamp(OffsetDateTime::from_unix_timestamp(1_800_000_000).expect("valid"));
        assert_eq!(a, "2023-11-14T22:13:20Z");
        assert!(a < b);
        assert_eq!(
            parse_timestamp(&a).map(|t| t.unix_timestamp()),
            Some(1_700_000_000)
        );
    }
}

//! A short-lived in-memory cache of the database reads behind the public pages (catalogue
//! results and categories, the home page's courses and testimonials). Those reads are the same
//! for every visitor and make most of the cost of the busiest pages; the HTML itself is still
//! rendered per request (language, CSRF token, user menu).
//!
//! Freshness: every change to what is cached (courses, categories, testimonials) calls
//! [`PageCache::invalidate`] on its instance, which also stops a read started before the change
//! from being stored after it; other instances of a PostgreSQL deployment see the change when
//! their entry expires (`TTL`).

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// How long an entry is served without asking the database again.
pub const TTL: Duration = Duration::from_secs(2);

/// Most entries kept (each distinct search is one); reaching it drops the expired ones, or all.
const MAX_ENTRIES: usize = 512;

type Value = Arc<dyn Any + Send + Sync>;

pub struct PageCache {
    ttl: Duration,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    generation: u64,
    entries: HashMap<String, (Instant, Value)>,
}

impl Default for PageCache {
    fn default() -> Self {
        Self::new(TTL)
    }
}

impl PageCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            inner: Mutex::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The value stored under `key` if fresh, else what `load` reads (stored unless the cache
    /// was invalidated meanwhile). Errors are returned and never stored.
    pub async fn get_or_load<T, E, F, Fut>(&self, key: &str, load: F) -> Result<Arc<T>, E>
    where
        T: Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let generation = {
            let inner = self.lock();
            if let Some((at, value)) = inner.entries.get(key)
                && at.elapsed() < self.ttl
                && let Ok(value) = value.clone().downcast::<T>()
            {
                return Ok(value);
            }
            inner.generation
        };
        let value = Arc::new(load().await?);
        let mut inner = self.lock();
        if inner.generation == generation {
            if inner.entries.len() >= MAX_ENTRIES {
                let ttl = self.ttl;
                inner.entries.retain(|_, (at, _)| at.elapsed() < ttl);
                if inner.entries.len() >= MAX_ENTRIES {
                    inner.entries.clear();
                }
            }
            let stored: Value = value.clone();
            inner
                .entries
                .insert(key.to_owned(), (Instant::now(), stored));
        }
        Ok(value)
    }

    /// Forgets everything: called after any change to cached content.
    pub fn invalidate(&self) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    async fn load(calls: &AtomicU32) -> Result<u32, ()> {
        Ok(calls.fetch_add(1, Ordering::SeqCst) + 1)
    }

    #[tokio::test]
    async fn serves_fresh_entries_and_reloads_after_invalidation_or_expiry() {
        let calls = AtomicU32::new(0);
        let cache = PageCache::new(Duration::from_millis(200));
        assert_eq!(*cache.get_or_load("k", || load(&calls)).await.unwrap(), 1);
        assert_eq!(*cache.get_or_load("k", || load(&calls)).await.unwrap(), 1);
        assert_eq!(
            *cache.get_or_load("other", || load(&calls)).await.unwrap(),
            2
        );
        cache.invalidate();
        assert_eq!(*cache.get_or_load("k", || load(&calls)).await.unwrap(), 3);
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert_eq!(*cache.get_or_load("k", || load(&calls)).await.unwrap(), 4);
    }

    #[tokio::test]
    async fn a_read_overtaken_by_a_change_is_not_stored() {
        let cache = PageCache::default();
        let stale = cache
            .get_or_load("k", || async {
                cache.invalidate(); // a write lands while the read is in flight
                Ok::<_, ()>("old")
            })
            .await
            .unwrap();
        assert_eq!(*stale, "old");
        let fresh = cache
            .get_or_load("k", || async { Ok::<_, ()>("new") })
            .await
            .unwrap();
        assert_eq!(*fresh, "new");
    }

    #[tokio::test]
    async fn errors_are_not_stored_and_size_stays_bounded() {
        let cache = PageCache::default();
        assert!(
            cache
                .get_or_load::<u32, _, _, _>("k", || async { Err("db down") })
                .await
                .is_err()
        );
        assert_eq!(
            *cache
                .get_or_load("k", || async { Ok::<_, ()>(7u32) })
                .await
                .unwrap(),
            7
        );
        for i in 0..(MAX_ENTRIES * 2) {
            let _ = cache
                .get_or_load(&format!("q{i}"), || async { Ok::<_, ()>(i) })
                .await;
        }
        assert!(cache.lock().entries.len() <= MAX_ENTRIES);
    }
}

//! The notification hub: the latest release message id of every watch key, and the long polls
//! waiting for one of them to grow.
//!
//! A waiting long poll is a parked future plus one small entry per key it watches; a new
//! message wakes exactly the waiters of its key. Entries are removed when the request ends,
//! however it ends (answered, timed out, or the client gone).

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use tokio::sync::Notify;

/// Waiter maps are split this many ways by key, so concurrent registrations rarely contend.
const SHARDS: usize = 32;

/// One waiting long poll.
#[derive(Debug, Default)]
pub(crate) struct Waiter {
    notify: Notify,
}

impl Waiter {
    /// Resolves at the next wake-up (or at once if one came since the last).
    pub(crate) async fn woken(&self) {
        self.notify.notified().await;
    }
}

type WaiterMap = HashMap<String, HashMap<String, HashMap<u64, Arc<Waiter>>>>;

/// Latest ids and waiters, per environment and watch key (`appId+cluster+namespace`).
#[derive(Debug)]
pub(crate) struct Hub {
    latest: RwLock<HashMap<String, HashMap<String, i64>>>,
    shards: Vec<Mutex<WaiterMap>>,
    next_id: AtomicU64,
    hasher: std::collections::hash_map::RandomState,
    closed: AtomicBool,
    waiting: AtomicU64,
}

impl Default for Hub {
    fn default() -> Self {
        Self {
            latest: RwLock::default(),
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            next_id: AtomicU64::new(1),
            hasher: std::collections::hash_map::RandomState::new(),
            closed: AtomicBool::new(false),
            waiting: AtomicU64::new(0),
        }
    }
}

/// Removes a waiter's entries when the long poll ends, however it ends.
pub(crate) struct Registration<'a> {
    hub: &'a Hub,
    env: String,
    keys: Vec<String>,
    id: u64,
    pub(crate) waiter: Arc<Waiter>,
}

impl Registration<'_> {
    /// The keys it waits on, as registered.
    pub(crate) fn keys(&self) -> &[String] {
        &self.keys
    }
}

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        for key in &self.keys {
            let mut shard = self
                .hub
                .shard(key)
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if let Some(by_key) = shard.get_mut(&self.env)
                && let Some(waiters) = by_key.get_mut(key)
            {
                waiters.remove(&self.id);
                if waiters.is_empty() {
                    by_key.remove(key);
                }
            }
        }
        self.hub.waiting.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Hub {
    fn shard(&self, key: &str) -> &Mutex<WaiterMap> {
        let index = usize::try_from(self.hasher.hash_one(key) % SHARDS as u64).unwrap_or(0);
        &self.shards[index]
    }

    /// The latest message id of `key` in `env` (0 when it has none).
    pub(crate) fn latest(&self, env: &str, key: &str) -> i64 {
        self.latest
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(env)
            .and_then(|keys| keys.get(key))
            .copied()
            .unwrap_or(0)
    }

    /// Records message `id` of `key`; when it is newer than what was known, wakes the key's
    /// waiters and returns `true`.
    pub(crate) fn advance(&self, env: &str, key: &str, id: i64) -> bool {
        {
            let mut latest = self.latest.write().unwrap_or_else(|e| e.into_inner());
            let slot = latest
                .entry(env.to_owned())
                .or_default()
                .entry(key.to_owned())
                .or_insert(0);
            if id <= *slot {
                return false;
            }
            *slot = id;
        }
        // The id is visible before anyone is woken, so a waiter that checks after registering
        // never misses it.
        let shard = self.shard(key).lock().unwrap_or_else(|e| e.into_inner());
        if let Some(waiters) = shard.get(env).and_then(|by_key| by_key.get(key)) {
            for waiter in waiters.values() {
                waiter.notify.notify_one();
            }
        }
        true
    }

    /// Registers a waiter on `keys` of `env`; it is removed when the registration drops.
    pub(crate) fn register(&self, env: &str, keys: Vec<String>) -> Registration<'_> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let waiter = Arc::new(Waiter::default());
        for key in &keys {
            let mut shard = self.shard(key).lock().unwrap_or_else(|e| e.into_inner());
            // Names are copied only when they are new to the map: most waiters join a key
            // others already wait on.
            if !shard.contains_key(env) {
                shard.insert(env.to_owned(), HashMap::new());
            }
            if let Some(by_key) = shard.get_mut(env) {
                match by_key.get_mut(key.as_str()) {
                    Some(waiters) => {
                        waiters.insert(id, waiter.clone());
                    }
                    None => {
                        by_key.insert(key.clone(), HashMap::from([(id, waiter.clone())]));
                    }
                }
            }
        }
        self.waiting.fetch_add(1, Ordering::Relaxed);
        if self.closed.load(Ordering::Relaxed) {
            waiter.notify.notify_one();
        }
        Registration {
            hub: self,
            env: env.to_owned(),
            keys,
            id,
            waiter,
        }
    }

    /// How many long polls are waiting now.
    pub(crate) fn waiting(&self) -> u64 {
        self.waiting.load(Ordering::Relaxed)
    }

    /// Whether the hub is shutting down.
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Relaxed)
    }

    /// Wakes every waiter for good: at shutdown, long polls answer at once instead of holding
    /// the process for their full timeout.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Relaxed);
        for shard in &self.shards {
            let shard = shard.lock().unwrap_or_else(|e| e.into_inner());
            for waiters in shard.values().flat_map(HashMap::values) {
                for waiter in waiters.values() {
                    waiter.notify.notify_one();
                }
            }
        }
    }

    /// How many waiter entries the maps hold (for tests of clean-up).
    #[cfg(test)]
    fn entries(&self) -> usize {
        self.shards
            .iter()
            .map(|s| {
                s.lock()
                    .unwrap()
                    .values()
                    .flat_map(HashMap::values)
                    .map(HashMap::len)
                    .sum::<usize>()
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn wakes_only_the_waiters_of_the_key() {
        let hub = Hub::default();
        let a = hub.register("DEV", vec!["app+default+a".into()]);
        let b = hub.register("DEV", vec!["app+default+b".into()]);
        assert!(hub.advance("DEV", "app+default+a", 5));
        assert!(
            !hub.advance("DEV", "app+default+a", 4),
            "an older id changes nothing"
        );
        tokio::time::timeout(Duration::from_millis(100), a.waiter.woken())
            .await
            .expect("a is woken");
        assert!(
            tokio::time::timeout(Duration::from_millis(50), b.waiter.woken())
                .await
                .is_err(),
            "b is not"
        );
        assert_eq!(hub.latest("DEV", "app+default+a"), 5);
        assert_eq!(
            hub.latest("PRO", "app+default+a"),
            0,
            "environments are apart"
        );
    }

    #[tokio::test]
    async fn ended_requests_leave_nothing_behind() {
        let hub = Hub::default();
        {
            let _one = hub.register("DEV", vec!["k1".into(), "k2".into()]);
            let _two = hub.register("DEV", vec!["k1".into()]);
            assert_eq!(hub.entries(), 3);
            assert_eq!(hub.waiting(), 2);
        }
        assert_eq!(hub.entries(), 0);
        assert_eq!(hub.waiting(), 0);
    }

    #[tokio::test]
    async fn closing_wakes_everyone() {
        let hub = Hub::default();
        let waiting = hub.register("DEV", vec!["k".into()]);
        hub.close();
        tokio::time::timeout(Duration::from_millis(100), waiting.waiter.woken())
            .await
            .expect("woken");
        let late = hub.register("DEV", vec!["k".into()]);
        tokio::time::timeout(Duration::from_millis(100), late.waiter.woken())
            .await
            .expect("woken at once");
    }
}

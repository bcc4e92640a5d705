//! Locks by name, made on first use and forgotten when nobody holds or waits for them: "one at
//! a time per namespace" or "one load per cache key" without a lock per possible key.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::OwnedMutexGuard;

/// A lock per key.
#[derive(Clone, Debug, Default)]
pub struct KeyedLocks(Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>);

/// Holds one key's lock until dropped.
#[derive(Debug)]
pub struct KeyedGuard {
    locks: KeyedLocks,
    key: String,
    guard: Option<OwnedMutexGuard<()>>,
}

impl KeyedLocks {
    /// Waits until nobody else holds `key`, then holds it.
    pub async fn lock(&self, key: String) -> KeyedGuard {
        let lock = self
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key.clone())
            .or_default()
            .clone();
        KeyedGuard {
            locks: self.clone(),
            key,
            guard: Some(lock.lock_owned().await),
        }
    }

    /// Keys with a holder or a waiter.
    pub fn len(&self) -> usize {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Drop for KeyedGuard {
    fn drop(&mut self) {
        let mut map = self.locks.0.lock().unwrap_or_else(|e| e.into_inner());
        let guard = self.guard.take();
        // Only the map and this guard know the lock: nobody waits, so forget the key.
        if let Some(guard) = &guard
            && Arc::strong_count(OwnedMutexGuard::mutex(guard)) == 2
        {
            map.remove(&self.key);
        }
        drop(guard);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_holder_per_key_and_nothing_left_behind() {
        let locks = KeyedLocks::default();
        // Per key: holders now, and the most there ever were at once.
        let counts: Arc<[(AtomicUsize, AtomicUsize); 2]> = Arc::default();
        let mut tasks = Vec::new();
        for i in 0..64 {
            let (locks, counts) = (locks.clone(), counts.clone());
            tasks.push(tokio::spawn(async move {
                let _guard = locks.lock(format!("key{}", i % 2)).await;
                let (inside, most) = &counts[i % 2];
                most.fetch_max(inside.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
                tokio::time::sleep(std::time::Duration::from_millis(2)).await;
                inside.fetch_sub(1, Ordering::SeqCst);
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        assert!(
            counts
                .iter()
                .all(|(_, most)| most.load(Ordering::SeqCst) == 1)
        );
        assert!(locks.is_empty());
    }
}

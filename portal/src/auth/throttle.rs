//! Slowing down password guessing: after repeated failures for a user name, or from an
//! address, sign-ins are refused for a while, longer with each further failure.
//!
//! The counts live in this process's memory: behind several portal replicas each keeps its own.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed per user name within [`WINDOW`] before a lockout.
const USER_FAILURES: u32 = 5;
/// Failures allowed per address within [`WINDOW`]; higher, since people share addresses.
const ADDRESS_FAILURES: u32 = 20;
/// How long failures are remembered.
const WINDOW: Duration = Duration::from_secs(15 * 60);
/// The first lockout; each further failure doubles it, up to [`MAX_LOCK`].
const FIRST_LOCK: Duration = Duration::from_secs(30);
const MAX_LOCK: Duration = Duration::from_secs(15 * 60);
/// Entries kept before stale ones are pruned.
const PRUNE_AT: usize = 10_000;

#[derive(Debug)]
struct Entry {
    failures: u32,
    first_failure: Instant,
    locked_until: Option<Instant>,
}

/// Failure counts per user name and per address.
#[derive(Debug, Default)]
pub(crate) struct Throttle {
    entries: Mutex<HashMap<String, Entry>>,
}

fn keys(username: &str, address: &str) -> [(String, u32); 2] {
    [
        (format!("user:{}", username.to_lowercase()), USER_FAILURES),
        (format!("addr:{address}"), ADDRESS_FAILURES),
    ]
}

impl Throttle {
    /// `Err(wait)` while the user name or the address is locked out.
    pub(crate) fn check(&self, username: &str, address: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let wait = keys(username, address)
            .iter()
            .filter_map(|(key, _)| entries.get(key)?.locked_until)
            .filter(|until| *until > now)
            .map(|until| until - now)
            .max();
        wait.map_or(Ok(()), Err)
    }

    /// Counts a failed sign-in.
    pub(crate) fn record_failure(&self, username: &str, address: &str) {
        let now = Instant::now();
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= PRUNE_AT {
            entries.retain(|_, e| {
                now.duration_since(e.first_failure) < WINDOW
                    || e.locked_until.is_some_and(|u| u > now)
            });
        }
        for (key, allowed) in keys(username, address) {
            let entry = entries.entry(key).or_insert(Entry {
                failures: 0,
                first_failure: now,
                locked_until: None,
            });
            if now.duration_since(entry.first_failure) >= WINDOW
                && entry.locked_until.is_none_or(|u| u <= now)
            {
                *entry = Entry {
                    failures: 0,
                    first_failure: now,
                    locked_until: None,
                };
            }
            entry.failures += 1;
            if entry.failures >= allowed {
                let doublings = (entry.failures - allowed).min(10);
                let lock = FIRST_LOCK.saturating_mul(1 << doublings).min(MAX_LOCK);
                entry.locked_until = Some(now + lock);
            }
        }
    }

    /// Forgets the failures of a user name after a successful sign-in.
    pub(crate) fn record_success(&self, username: &str) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.remove(&format!("user:{}", username.to_lowercase()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_a_user_name_after_repeated_failures() {
        let throttle = Throttle::default();
        for _ in 0..USER_FAILURES - 1 {
            throttle.record_failure("alice", "10.0.0.1");
            assert!(throttle.check("alice", "10.0.0.1").is_ok());
        }
        throttle.record_failure("Alice", "10.0.0.2");
        let wait = throttle.check("alice", "10.0.0.3").unwrap_err();
        assert!(wait > Duration::from_secs(25) && wait <= FIRST_LOCK);
        // Others are not affected.
        assert!(throttle.check("bob", "10.0.0.1").is_ok());
        // A further failure doubles the lockout.
        throttle.record_failure("alice", "10.0.0.4");
        assert!(throttle.check("alice", "10.0.0.4").unwrap_err() > FIRST_LOCK);
    }

    #[test]
    fn locks_an_address_trying_many_user_names() {
        let throttle = Throttle::default();
        for i in 0..ADDRESS_FAILURES {
            throttle.record_failure(&format!("user{i}"), "10.9.9.9");
        }
        assert!(throttle.check("someone-else", "10.9.9.9").is_err());
        assert!(throttle.check("someone-else", "10.9.9.8").is_ok());
    }

    #[test]
    fn success_clears_the_user_name() {
        let throttle = Throttle::default();
        for _ in 0..USER_FAILURES - 1 {
            throttle.record_failure("carol", "10.0.0.1");
        }
        throttle.record_success("carol");
        throttle.record_failure("carol", "10.0.0.1");
        assert!(throttle.check("carol", "10.0.0.5").is_ok());
    }
}

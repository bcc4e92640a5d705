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
    #[cfg(test)]
    fn check(&self, username: &str, address: &str) -> Result<(), Duration> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        Self::locked(&entries, username, address).map_or(Ok(()), Err)
    }

    /// Starts a sign-in: `Err(wait)` while the user name or the address is locked out, else
    /// the attempt is counted as a failure at once (before the password is checked), so that
    /// attempts made together are counted together; [`Throttle::succeeded`] takes it back.
    pub(crate) fn attempt(&self, username: &str, address: &str) -> Result<(), Duration> {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        Self::locked(&entries, username, address).map_or(Ok(()), Err)?;
        Self::count(&mut entries, username, address);
        Ok(())
    }

    /// A sign-in started with [`Throttle::attempt`] succeeded: the user name's failures are
    /// forgotten, and the attempt no longer counts against the address.
    pub(crate) fn succeeded(&self, username: &str, address: &str) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.remove(&format!("user:{}", username.to_lowercase()));
        if let Some(entry) = entries.get_mut(&format!("addr:{address}")) {
            entry.failures = entry.failures.saturating_sub(1);
            if entry.failures < ADDRESS_FAILURES {
                entry.locked_until = None;
            }
        }
    }

    fn locked(entries: &HashMap<String, Entry>, username: &str, address: &str) -> Option<Duration> {
        let now = Instant::now();
        keys(username, address)
            .iter()
            .filter_map(|(key, _)| entries.get(key)?.locked_until)
            .filter(|until| *until > now)
            .map(|until| until - now)
            .max()
    }

    fn count(entries: &mut HashMap<String, Entry>, username: &str, address: &str) {
        let now = Instant::now();
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_a_user_name_after_repeated_failures() {
        let throttle = Throttle::default();
        for _ in 0..USER_FAILURES - 1 {
            let _ = throttle.attempt("alice", "10.0.0.1");
            assert!(throttle.check("alice", "10.0.0.1").is_ok());
        }
        let _ = throttle.attempt("Alice", "10.0.0.2");
        let wait = throttle.check("alice", "10.0.0.3").unwrap_err();
        assert!(wait > Duration::from_secs(25) && wait <= FIRST_LOCK);
        // Others are not affected.
        assert!(throttle.check("bob", "10.0.0.1").is_ok());
        // An attempt while locked is refused, and not counted.
        assert!(throttle.attempt("alice", "10.0.0.4").is_err());
        assert!(throttle.check("alice", "10.0.0.4").unwrap_err() <= FIRST_LOCK);
    }

    #[test]
    fn locks_an_address_trying_many_user_names() {
        let throttle = Throttle::default();
        for i in 0..ADDRESS_FAILURES {
            let _ = throttle.attempt(&format!("user{i}"), "10.9.9.9");
        }
        assert!(throttle.check("someone-else", "10.9.9.9").is_err());
        assert!(throttle.check("someone-else", "10.9.9.8").is_ok());
    }

    #[test]
    fn attempts_are_counted_before_they_are_checked() {
        let throttle = Throttle::default();
        let started = (0..50)
            .filter(|_| throttle.attempt("dave", "10.0.0.1").is_ok())
            .count();
        assert_eq!(
            started, USER_FAILURES as usize,
            "a burst gets as many guesses as allowed"
        );
    }

    #[test]
    fn success_clears_the_user_name() {
        let throttle = Throttle::default();
        for _ in 0..USER_FAILURES - 1 {
            let _ = throttle.attempt("carol", "10.0.0.1");
        }
        throttle.succeeded("carol", "10.0.0.1");
        let _ = throttle.attempt("carol", "10.0.0.1");
        assert!(throttle.check("carol", "10.0.0.5").is_ok());
    }
}

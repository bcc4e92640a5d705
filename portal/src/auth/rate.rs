//! Per-consumer rate limits of the Open API: a token bucket per consumer, refilled at its
//! limit per second and holding at most one second's worth. Each portal replica counts on its
//! own, so with N replicas behind a balancer a consumer gets up to N times its limit.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// Requests per second of a consumer whose limit is 0 (unset).
pub(crate) const DEFAULT_LIMIT: u32 = 20;

#[derive(Debug, Default)]
pub(crate) struct RateLimits {
    buckets: Mutex<HashMap<i64, (f64, Instant)>>,
}

impl RateLimits {
    /// Takes one request from consumer `id`'s bucket; `false` when it is empty.
    pub(crate) fn allow(&self, id: i64, limit: u32) -> bool {
        let limit = f64::from(limit.max(1));
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let (tokens, last) = buckets.entry(id).or_insert((limit, now));
        *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * limit).min(limit);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_beyond_the_limit_is_refused_and_each_consumer_counts_alone() {
        let limits = RateLimits::default();
        let allowed = (0..10).filter(|_| limits.allow(1, 5)).count();
        assert_eq!(allowed, 5);
        assert!(limits.allow(2, 5), "another consumer has its own bucket");
    }
}

//! Access keys: when an app has enabled keys in an environment, its clients sign each request
//! (Apollo's scheme). Keys are held in memory and refreshed from the database every second.

use std::collections::HashMap;
use std::sync::RwLock;

use axum::http::HeaderMap;
use lyre_protocol::access_key;
use lyre_store::entity::access_key as key_entity;

/// How far a request's `Timestamp` may be from the server's clock.
const MAX_SKEW_MS: i64 = 60_000;

#[derive(Debug, Clone)]
struct Key {
    secret: String,
    observe_only: bool,
}

/// What a request that may be answered proved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trust {
    /// Signed with an enforced key of the app: secret values are served to it.
    Signed,
    /// Anything else (the app has no enforced key): secret values are withheld.
    Unsigned,
}

/// Why a request is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The request names no app (400).
    NoAppId,
    /// No header, a skewed clock or a wrong signature (401).
    Unauthorized(&'static str),
    /// The keys are not loaded yet (503).
    Starting,
}

/// The enabled keys of every app, per environment.
#[derive(Debug, Default)]
pub(crate) struct AccessKeys(RwLock<HashMap<(String, String), Vec<Key>>>);

impl AccessKeys {
    /// Replaces the keys with the enabled ones in `rows`.
    pub(crate) fn replace(&self, rows: Vec<key_entity::Model>) {
        let mut keys: HashMap<(String, String), Vec<Key>> = HashMap::new();
        for row in rows.into_iter().filter(|r| r.is_enabled) {
            keys.entry((row.env, row.app_id)).or_default().push(Key {
                secret: row.secret,
                observe_only: row.mode == 1,
            });
        }
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = keys;
    }

    /// Checks a request of `app_id` in `env` to `path_with_query` (as the client sent it) at
    /// `now` (epoch ms). Apps without enabled keys need no signature; keys in observe mode
    /// only log a failed check.
    pub(crate) fn check(
        &self,
        env: &str,
        app_id: Option<&str>,
        path_with_query: &str,
        headers: &HeaderMap,
        now: i64,
    ) -> Result<Trust, Refusal> {
        let Some(app_id) = app_id.filter(|a| !a.is_empty()) else {
            return Err(Refusal::NoAppId);
        };
        let keys = {
            let all = self.0.read().unwrap_or_else(|e| e.into_inner());
            match all.get(&(env.to_owned(), app_id.to_owned())) {
                Some(keys) => keys.clone(),
                None => return Ok(Trust::Unsigned),
            }
        };
        let verdict = verify(&keys, app_id, path_with_query, headers, now);
        match verdict {
            Ok(key) if !key.observe_only => Ok(Trust::Signed),
            Ok(_) => Ok(Trust::Unsigned),
            Err(reason) if keys.iter().all(|k| k.observe_only) => {
                tracing::warn!(
                    app = app_id,
                    env,
                    reason,
                    "access key check failed (observe mode: allowed)"
                );
                Ok(Trust::Unsigned)
            }
            Err(reason) => Err(Refusal::Unauthorized(reason)),
        }
    }
}

/// The key that signed the request.
fn verify<'k>(
    keys: &'k [Key],
    app_id: &str,
    path_with_query: &str,
    headers: &HeaderMap,
    now: i64,
) -> Result<&'k Key, &'static str> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let timestamp = header("timestamp").ok_or("the Timestamp header is missing")?;
    let sent: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| "the Timestamp header is not a number")?;
    if (now - sent).abs() >= MAX_SKEW_MS {
        return Err("the Timestamp is more than 60 s from the server's clock");
    }
    let authorization = header("authorization").ok_or("the Authorization header is missing")?;
    let credentials = authorization
        .strip_prefix("Apollo ")
        .ok_or("the Authorization header must be `Apollo <appId>:<signature>`")?;
    let (header_app, given) = credentials
        .rsplit_once(':')
        .ok_or("the Authorization header must be `Apollo <appId>:<signature>`")?;
    if header_app != app_id {
        return Err("the Authorization header names another app");
    }
    // An enforced key first: a request signed with one is trusted with secrets.
    keys.iter()
        .filter(|k| !k.observe_only)
        .chain(keys.iter().filter(|k| k.observe_only))
        .find(|k| access_key::verify(&k.secret, timestamp, path_with_query, given))
        .ok_or("the signature does not match")
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;
    use lyre_protocol::access_key::signature;

    use super::*;

    #[test]
    fn apollos_test_vector() {
        assert_eq!(
            signature(
                "df23df3f59884980844ff3dada30fa97",
                "1576478257344",
                "/configs/100004458/default/application?ip=10.0.0.1"
            ),
            "EoKyziXvKqzHgwx+ijDJwgVTDgE="
        );
    }

    fn headers(app: &str, timestamp: i64, signature: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            "timestamp",
            HeaderValue::from_str(&timestamp.to_string()).unwrap(),
        );
        h.insert(
            "authorization",
            HeaderValue::from_str(&format!("Apollo {app}:{signature}")).unwrap(),
        );
        h
    }

    fn key_row(app: &str, secret: &str, mode: i32) -> key_entity::Model {
        key_entity::Model {
            id: 0,
            env: "DEV".into(),
            app_id: app.into(),
            secret: secret.into(),
            mode,
            is_enabled: true,
            created_by: String::new(),
            created_at: 0,
            updated_by: String::new(),
            updated_at: 0,
            deleted_at: 0,
        }
    }

    #[test]
    fn enforces_observes_and_ignores() {
        let keys = AccessKeys::default();
        keys.replace(vec![
            key_row("a", "s1", 0),
            key_row("a", "s2", 0),
            key_row("o", "s3", 1),
        ]);
        let path = "/configs/a/default/application?ip=1.2.3.4";
        let now = 1_800_000_000_000;
        let good = headers(
            "a",
            now - 1000,
            &signature("s2", &(now - 1000).to_string(), path),
        );
        assert_eq!(
            keys.check("DEV", Some("a"), path, &good, now),
            Ok(Trust::Signed),
            "any enabled key"
        );
        let skewed = headers(
            "a",
            now - 61_000,
            &signature("s1", &(now - 61_000).to_string(), path),
        );
        assert!(matches!(
            keys.check("DEV", Some("a"), path, &skewed, now),
            Err(Refusal::Unauthorized(_))
        ));
        let wrong = headers("a", now, "bm9wZQ==");
        assert!(matches!(
            keys.check("DEV", Some("a"), path, &wrong, now),
            Err(Refusal::Unauthorized(_))
        ));
        assert!(matches!(
            keys.check("DEV", Some("a"), path, &HeaderMap::new(), now),
            Err(Refusal::Unauthorized(_))
        ));
        let other_path = headers(
            "a",
            now,
            &signature("s1", &now.to_string(), "/configs/a/default/other"),
        );
        assert!(
            keys.check("DEV", Some("a"), path, &other_path, now)
                .is_err()
        );
        assert_eq!(
            keys.check("DEV", Some("o"), path, &HeaderMap::new(), now),
            Ok(Trust::Unsigned),
            "observe mode"
        );
        let observed = headers("o", now, &signature("s3", &now.to_string(), path));
        assert_eq!(
            keys.check("DEV", Some("o"), path, &observed, now),
            Ok(Trust::Unsigned),
            "a key in observe mode is no key for secrets"
        );
        assert_eq!(
            keys.check("DEV", Some("free"), path, &HeaderMap::new(), now),
            Ok(Trust::Unsigned),
            "no keys"
        );
        assert_eq!(
            keys.check("PRO", Some("a"), path, &HeaderMap::new(), now),
            Ok(Trust::Unsigned),
            "per environment"
        );
        assert_eq!(
            keys.check("DEV", None, path, &HeaderMap::new(), now),
            Err(Refusal::NoAppId)
        );
    }
}

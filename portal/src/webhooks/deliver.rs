//! Sending deliveries: every process that runs the portal looks for due deliveries twice a
//! second, claims each (one conditional `UPDATE`: one process sends it), POSTs the signed event
//! and records the answer. A delivery that fails is tried again after a growing pause (the first
//! setting, doubled each time, at most an hour) until it has been failing for the give-up time (a
//! day by default). A process that dies while sending loses only its lease: another sends the
//! delivery again when the lease has run out, so a receiver may see an event twice and tells
//! them apart by its `id`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hmac::{Hmac, KeyInit, Mac};
use lyre_service_kit::server::Shutdown;
use lyre_store::entity::{event, webhook, webhook_delivery};
use lyre_store::sea_orm::{DatabaseConnection, DbErr};
use lyre_store::time::{millis, now_millis};
use lyre_store::webhooks::{self, Attempt, DELIVERED, FAILED, PENDING};
use sha2::Sha256;
use tokio::task::JoinHandle;

use super::WebhookSettings;
use super::target::GuardedResolver;

/// How often due deliveries are looked for.
const POLL: Duration = Duration::from_millis(500);
/// Deliveries claimed at once.
const BATCH: u64 = 32;
/// How long a receiver has to answer.
const TIMEOUT: Duration = Duration::from_secs(10);
/// How long a claim lasts: the timeout and room to record the answer.
const LEASE: Duration = Duration::from_secs(30);
/// The longest pause between two attempts.
const MAX_PAUSE: Duration = Duration::from_secs(3600);
/// Longest error kept with a delivery, in characters.
const ERROR_MAX: usize = 1000;

/// The headers of a delivery.
pub const EVENT_HEADER: &str = "lyre-event";
pub const DELIVERY_HEADER: &str = "lyre-delivery";
pub const TIMESTAMP_HEADER: &str = "lyre-timestamp";
pub const SIGNATURE_HEADER: &str = "lyre-signature";

/// Starts sending deliveries until `shutdown`.
pub fn spawn(
    db: DatabaseConnection,
    settings: WebhookSettings,
    shutdown: Shutdown,
) -> JoinHandle<()> {
    let owner = lyre_service_kit::net::process_name();
    let client = reqwest::Client::builder()
        .dns_resolver(Arc::new(GuardedResolver {
            reach: Arc::new(settings.reach.clone()),
        }))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .connect_timeout(Duration::from_secs(5))
        .timeout(TIMEOUT)
        .user_agent(concat!("lyre-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_default();
    let sender = Sender {
        db,
        settings,
        client,
        owner,
    };
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(POLL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let stopped = shutdown.wait();
        tokio::pin!(stopped);
        loop {
            tokio::select! {
                () = &mut stopped => break,
                _ = tick.tick() => {}
            }
            if let Err(e) = sender.round().await {
                tracing::warn!(error = %e, "could not send webhook deliveries");
            }
        }
    })
}

struct Sender {
    db: DatabaseConnection,
    settings: WebhookSettings,
    client: reqwest::Client,
    owner: String,
}

impl Sender {
    /// Sends what is due now, each delivery by the process that claims it.
    async fn round(&self) -> Result<(), DbErr> {
        let due = webhooks::due(&self.db, BATCH).await?;
        let mut claimed = Vec::with_capacity(due.len());
        for d in due {
            let until = now_millis() + millis(LEASE);
            if webhooks::claim(&self.db, d.id, &self.owner, until).await? {
                claimed.push(d);
            }
        }
        let sends = claimed.into_iter().map(|d| self.send(d));
        for result in futures_util::future::join_all(sends).await {
            result?;
        }
        Ok(())
    }

    /// Sends one claimed delivery and records how it went.
    async fn send(&self, d: webhook_delivery::Model) -> Result<(), DbErr> {
        let (Some(hook), Some(event)) = (
            webhooks::find(&self.db, d.webhook_id).await?,
            webhooks::event(&self.db, d.event_id).await?,
        ) else {
            // Its webhook was deleted meanwhile, and its deliveries with it.
            return Ok(());
        };
        let body = body(&event);
        let started = Instant::now();
        let answer = self.post(&hook, &d, &event, body).await;
        let duration_ms = millis(started.elapsed());
        let attempts = d.attempts + 1;
        let (status, error) = match answer {
            Ok(status) if (200..300).contains(&status) => (status, String::new()),
            Ok(status) => (status, format!("the receiver answered HTTP {status}")),
            Err(e) => (0, e),
        };
        let attempt = if error.is_empty() {
            Attempt {
                status,
                duration_ms,
                error,
                state: DELIVERED,
                next_attempt_at: 0,
            }
        } else {
            let next = now_millis() + millis(self.pause(attempts));
            let give_up = d.created_at + millis(self.settings.give_up_after);
            let (state, error) = if next > give_up {
                (
                    FAILED,
                    format!("{error}; gave up after {attempts} attempts"),
                )
            } else {
                (PENDING, error)
            };
            Attempt {
                status,
                duration_ms,
                error: error.chars().take(ERROR_MAX).collect(),
                state,
                next_attempt_at: next,
            }
        };
        let result = match attempt.state {
            DELIVERED => "delivered",
            FAILED => "failed",
            _ => "retrying",
        };
        if attempt.state != DELIVERED {
            tracing::warn!(
                webhook = hook.id,
                delivery = d.id,
                event = event.id,
                attempts,
                error = %attempt.error,
                "webhook delivery failed"
            );
        }
        let registry = lyre_service_kit::metrics::registry();
        registry.count(
            "lyre_webhook_deliveries_total",
            "Webhook delivery attempts, by result (delivered, retrying, failed: given up).",
            vec![("result", result.to_owned())],
            1,
        );
        registry.observe(
            "lyre_webhook_delivery_seconds",
            "How long webhook receivers took to answer.",
            Vec::new(),
            started.elapsed().as_secs_f64(),
        );
        webhooks::finish(&self.db, d.id, &self.owner, &attempt).await?;
        Ok(())
    }

    /// POSTs `body` to the webhook, signed: the answer's status, or why there was none.
    async fn post(
        &self,
        hook: &webhook::Model,
        d: &webhook_delivery::Model,
        event: &event::Model,
        body: String,
    ) -> Result<i32, String> {
        // The address was checked when saved; the allowed blocks may have changed since.
        let url = self.settings.check_url(&hook.url)?;
        let timestamp = now_millis() / 1000;
        let secret = self
            .settings
            .signing_secret(lyre_store::webhooks::stored_secret(hook))?;
        let signature = sign(&secret, timestamp, &body);
        let response = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header(EVENT_HEADER, &event.kind)
            .header(DELIVERY_HEADER, d.id.to_string())
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .header(SIGNATURE_HEADER, signature)
            .body(body)
            .send()
            .await
            .map_err(|e| describe(&e.without_url()))?;
        Ok(i32::from(response.status().as_u16()))
    }

    /// The pause after `attempts` failed attempts.
    fn pause(&self, attempts: i32) -> Duration {
        let doublings = u32::try_from(attempts.saturating_sub(1))
            .unwrap_or(0)
            .min(20);
        self.settings
            .first_retry
            .saturating_mul(1 << doublings)
            .min(MAX_PAUSE)
    }
}

/// What a receiver gets: the event, its kind and where it happened, and its own fields.
pub fn body(e: &event::Model) -> String {
    let data: serde_json::Value =
        serde_json::from_str(&e.payload).unwrap_or(serde_json::Value::Null);
    serde_json::json!({
        "id": e.id,
        "kind": e.kind,
        "createdAt": e.created_at,
        "env": e.env,
        "appId": e.app_id,
        "clusterName": e.cluster_name,
        "namespaceName": e.namespace_name,
        "data": data,
    })
    .to_string()
}

/// The signature header's value: `sha256=` and the hex HMAC-SHA256, keyed with the webhook's
/// secret, of the timestamp, a dot and the body.
pub fn sign(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).expect("any key");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("sha256={}", crate::hex(&mac.finalize().into_bytes()))
}

/// A failed request, said with its causes (`error sending request: ... connection refused`).
fn describe(e: &reqwest::Error) -> String {
    let mut text = if e.is_timeout() {
        format!("no answer within {} s", TIMEOUT.as_secs())
    } else {
        e.to_string()
    };
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_covers_timestamp_and_body() {
        let a = sign("s3cret", 1_765_000_000, r#"{"id":1}"#);
        assert!(a.starts_with("sha256=") && a.len() == 7 + 64, "{a}");
        assert_eq!(a, sign("s3cret", 1_765_000_000, r#"{"id":1}"#));
        assert_ne!(a, sign("s3cret", 1_765_000_001, r#"{"id":1}"#));
        assert_ne!(a, sign("s3cret", 1_765_000_000, r#"{"id":2}"#));
        assert_ne!(a, sign("other", 1_765_000_000, r#"{"id":1}"#));
    }
}

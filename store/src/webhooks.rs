//! Webhooks (see `entity::webhook`) and their deliveries (`entity::webhook_delivery`).
//!
//! An event ([`record_event`]) is written in the transaction of the change it tells of, and so
//! is one delivery per webhook that hears it: a change that rolls back is never told, one that
//! commits is never lost. Deliveries are then sent by whichever process claims them first
//! ([`claim`]: one conditional `UPDATE`), one namespace's events to one webhook in order
//! ([`due`] offers only the oldest pending delivery of each).

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::config::namespaces::NamespaceRef;
use crate::entity::{event, webhook, webhook_delivery};
use crate::page::{self, PageRequest, Paged};
use crate::time::now_millis;

/// Waiting to be sent (again).
pub const PENDING: &str = "pending";
/// Answered with a 2xx.
pub const DELIVERED: &str = "delivered";
/// Given up on.
pub const FAILED: &str = "failed";

/// Every kind of event a webhook may hear.
pub const EVENT_KINDS: &[&str] = &[
    "release.published",
    "release.rolled_back",
    "gray.published",
    "gray.merged",
    "gray.abandoned",
    "rollout.started",
    "rollout.advanced",
    "rollout.paused",
    "rollout.resumed",
    "rollout.aborted",
    "rollout.halted",
    "rollout.completed",
    "request.opened",
    "request.approved",
    "request.rejected",
];

/// All kinds, in a webhook's `events`.
pub const ALL_EVENTS: &str = "*";

/// An event to record.
#[derive(Clone, Debug)]
pub struct NewEvent<'a> {
    /// Where it happened.
    pub main: NamespaceRef<'a>,
    /// What happened: one of [`EVENT_KINDS`].
    pub kind: &'a str,
    /// The event as JSON.
    pub payload: serde_json::Value,
}

/// Records an event and a delivery of it to every enabled webhook that hears it, in the
/// caller's transaction (the one of the change the event tells of).
pub async fn record_event(
    db: &impl ConnectionTrait,
    e: NewEvent<'_>,
) -> Result<event::Model, DbErr> {
    let now = now_millis();
    let event = event::ActiveModel {
        env: Set(e.main.env.to_owned()),
        app_id: Set(e.main.app_id.to_owned()),
        cluster_name: Set(e.main.cluster.to_owned()),
        namespace_name: Set(e.main.namespace.to_owned()),
        kind: Set(e.kind.to_owned()),
        payload: Set(e.payload.to_string()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let listeners = webhook::Entity::find()
        .filter(webhook::Column::AppId.is_in([e.main.app_id, ""]))
        .filter(webhook::Column::Enabled.eq(true))
        .order_by_asc(webhook::Column::Id)
        .all(db)
        .await?;
    let deliveries: Vec<_> = listeners
        .iter()
        .filter(|w| hears(&w.events, e.kind))
        .map(|w| pending_delivery(w.id, &event, now))
        .collect();
    if !deliveries.is_empty() {
        webhook_delivery::Entity::insert_many(deliveries)
            .exec(db)
            .await?;
    }
    Ok(event)
}

/// A new delivery of `event` to webhook `webhook_id`, due at `now`.
fn pending_delivery(
    webhook_id: i64,
    event: &event::Model,
    now: i64,
) -> webhook_delivery::ActiveModel {
    webhook_delivery::ActiveModel {
        webhook_id: Set(webhook_id),
        event_id: Set(event.id),
        stream: Set(stream_of(event)),
        state: Set(PENDING.to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        last_status: Set(0),
        last_duration_ms: Set(0),
        last_error: Set(String::new()),
        last_attempt_at: Set(0),
        lease_owner: Set(String::new()),
        lease_until: Set(0),
        created_at: Set(now),
        ..Default::default()
    }
}

/// Whether a webhook that hears `events` (its column) hears `kind`.
pub fn hears(events: &str, kind: &str) -> bool {
    events
        .split(',')
        .map(str::trim)
        .any(|e| e == ALL_EVENTS || e == kind)
}

/// The namespace an event belongs to, as a delivery's `stream`.
fn stream_of(e: &event::Model) -> String {
    format!(
        "{}/{}/{}/{}",
        e.env, e.app_id, e.cluster_name, e.namespace_name
    )
}

/// The app's events, oldest first, after event `after` (0: from the first).
pub async fn events(
    db: &impl ConnectionTrait,
    app_id: &str,
    after: i64,
) -> Result<Vec<event::Model>, DbErr> {
    event::Entity::find()
        .filter(event::Column::AppId.eq(app_id))
        .filter(event::Column::Id.gt(after))
        .order_by_asc(event::Column::Id)
        .all(db)
        .await
}

/// Event `id`.
pub async fn event(db: &impl ConnectionTrait, id: i64) -> Result<Option<event::Model>, DbErr> {
    event::Entity::find_by_id(id).one(db).await
}

/// The signing secret of `w` as stored: sealed, or as it is where no keys were configured.
pub fn stored_secret(w: &webhook::Model) -> &str {
    if w.sealed_secret.is_empty() {
        &w.secret
    } else {
        &w.sealed_secret
    }
}

/// Gives `w` the signing secret `stored` (sealed, or as it is), to be saved.
pub fn set_secret(w: &mut webhook::Model, stored: &str) {
    plain_part(stored).clone_into(&mut w.secret);
    sealed_part(stored).clone_into(&mut w.sealed_secret);
}

fn plain_part(stored: &str) -> &str {
    if lyre_protocol::secret::is_sealed(stored) {
        ""
    } else {
        stored
    }
}

fn sealed_part(stored: &str) -> &str {
    if lyre_protocol::secret::is_sealed(stored) {
        stored
    } else {
        ""
    }
}

/// A webhook to create.
#[derive(Clone, Debug)]
pub struct NewWebhook<'a> {
    /// Empty for the whole installation.
    pub app_id: &'a str,
    pub url: &'a str,
    /// The signing secret, sealed or as it is.
    pub secret: &'a str,
    pub events: &'a str,
    pub description: &'a str,
    pub enabled: bool,
    pub created_by: &'a str,
}

/// Creates a webhook.
pub async fn create(
    db: &impl ConnectionTrait,
    new: &NewWebhook<'_>,
) -> Result<webhook::Model, DbErr> {
    let now = now_millis();
    webhook::ActiveModel {
        app_id: Set(new.app_id.to_owned()),
        url: Set(new.url.to_owned()),
        secret: Set(plain_part(new.secret).to_owned()),
        sealed_secret: Set(sealed_part(new.secret).to_owned()),
        events: Set(new.events.to_owned()),
        description: Set(new.description.to_owned()),
        enabled: Set(new.enabled),
        created_by: Set(new.created_by.to_owned()),
        created_at: Set(now),
        updated_by: Set(new.created_by.to_owned()),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// The webhooks of app `app_id` (empty: the installation's), oldest first.
pub async fn list(db: &impl ConnectionTrait, app_id: &str) -> Result<Vec<webhook::Model>, DbErr> {
    webhook::Entity::find()
        .filter(webhook::Column::AppId.eq(app_id))
        .order_by_asc(webhook::Column::Id)
        .all(db)
        .await
}

/// Webhook `id`.
pub async fn find(db: &impl ConnectionTrait, id: i64) -> Result<Option<webhook::Model>, DbErr> {
    webhook::Entity::find_by_id(id).one(db).await
}

/// Writes every field of `w` (changed by the caller) back, stamped by `operator`.
pub async fn save(
    db: &impl ConnectionTrait,
    mut w: webhook::Model,
    operator: &str,
) -> Result<webhook::Model, DbErr> {
    w.updated_by = operator.to_owned();
    w.updated_at = now_millis();
    let mut active: webhook::ActiveModel = w.into();
    for column in [
        webhook::Column::Url,
        webhook::Column::Secret,
        webhook::Column::SealedSecret,
        webhook::Column::Events,
        webhook::Column::Description,
        webhook::Column::Enabled,
        webhook::Column::UpdatedBy,
        webhook::Column::UpdatedAt,
    ] {
        active.reset(column);
    }
    active.update(db).await
}

/// Deletes webhook `id` and its deliveries.
pub async fn delete(db: &impl ConnectionTrait, id: i64) -> Result<(), DbErr> {
    webhook_delivery::Entity::delete_many()
        .filter(webhook_delivery::Column::WebhookId.eq(id))
        .exec(db)
        .await?;
    webhook::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// Up to `limit` deliveries that may be sent now: pending, due, not leased, of an enabled
/// webhook, and each the oldest pending delivery of its webhook and stream (so one namespace's
/// events go out in order).
pub async fn due(
    db: &impl ConnectionTrait,
    limit: u64,
) -> Result<Vec<webhook_delivery::Model>, DbErr> {
    let now = now_millis();
    webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::State.eq(PENDING))
        .filter(webhook_delivery::Column::NextAttemptAt.lte(now))
        .filter(webhook_delivery::Column::LeaseUntil.lt(now))
        .filter(Expr::cust(
            "webhook_deliveries.webhook_id IN (SELECT id FROM webhooks WHERE enabled = TRUE)",
        ))
        .filter(Expr::cust(
            "NOT EXISTS (SELECT 1 FROM webhook_deliveries earlier \
             WHERE earlier.state = 'pending' \
             AND earlier.webhook_id = webhook_deliveries.webhook_id \
             AND earlier.stream = webhook_deliveries.stream \
             AND earlier.id < webhook_deliveries.id)",
        ))
        .order_by_asc(webhook_delivery::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// Hands pending delivery `id` to `owner` until `until` (epoch ms), unless another owner's
/// lease has not expired: whether `owner` holds it now.
pub async fn claim(
    db: &impl ConnectionTrait,
    id: i64,
    owner: &str,
    until: i64,
) -> Result<bool, DbErr> {
    let updated = webhook_delivery::Entity::update_many()
        .col_expr(webhook_delivery::Column::LeaseOwner, Expr::value(owner))
        .col_expr(webhook_delivery::Column::LeaseUntil, Expr::value(until))
        .filter(webhook_delivery::Column::Id.eq(id))
        .filter(webhook_delivery::Column::State.eq(PENDING))
        .filter(
            Condition::any()
                .add(webhook_delivery::Column::LeaseOwner.eq(owner))
                .add(webhook_delivery::Column::LeaseUntil.lt(now_millis())),
        )
        .exec(db)
        .await?;
    Ok(updated.rows_affected == 1)
}

/// How an attempt went.
#[derive(Clone, Debug)]
pub struct Attempt {
    /// The answer's HTTP status; 0 when there was none.
    pub status: i32,
    pub duration_ms: i64,
    /// Why it failed; empty when it did not.
    pub error: String,
    /// The delivery's state after it.
    pub state: &'static str,
    /// When to try again, for a delivery still pending.
    pub next_attempt_at: i64,
}

/// Records an attempt of delivery `id` by `owner` and ends its lease. Nothing changes when
/// `owner` no longer holds the lease (another process took it after it expired).
pub async fn finish(
    db: &impl ConnectionTrait,
    id: i64,
    owner: &str,
    attempt: &Attempt,
) -> Result<bool, DbErr> {
    let updated = webhook_delivery::Entity::update_many()
        .col_expr(
            webhook_delivery::Column::Attempts,
            Expr::col(webhook_delivery::Column::Attempts).add(1),
        )
        .col_expr(webhook_delivery::Column::State, Expr::value(attempt.state))
        .col_expr(
            webhook_delivery::Column::LastStatus,
            Expr::value(attempt.status),
        )
        .col_expr(
            webhook_delivery::Column::LastDurationMs,
            Expr::value(attempt.duration_ms),
        )
        .col_expr(
            webhook_delivery::Column::LastError,
            Expr::value(attempt.error.clone()),
        )
        .col_expr(
            webhook_delivery::Column::LastAttemptAt,
            Expr::value(now_millis()),
        )
        .col_expr(
            webhook_delivery::Column::NextAttemptAt,
            Expr::value(attempt.next_attempt_at),
        )
        .col_expr(webhook_delivery::Column::LeaseOwner, Expr::value(""))
        .col_expr(webhook_delivery::Column::LeaseUntil, Expr::value(0))
        .filter(webhook_delivery::Column::Id.eq(id))
        .filter(webhook_delivery::Column::State.eq(PENDING))
        .filter(webhook_delivery::Column::LeaseOwner.eq(owner))
        .exec(db)
        .await?;
    Ok(updated.rows_affected == 1)
}

/// Delivery `id`.
pub async fn delivery(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Option<webhook_delivery::Model>, DbErr> {
    webhook_delivery::Entity::find_by_id(id).one(db).await
}

/// Webhook `webhook_id`'s deliveries, newest first, with their events.
pub async fn deliveries(
    db: &impl ConnectionTrait,
    webhook_id: i64,
    request: PageRequest,
) -> Result<Paged<(webhook_delivery::Model, Option<event::Model>)>, DbErr> {
    let select = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::WebhookId.eq(webhook_id))
        .order_by_desc(webhook_delivery::Column::Id);
    let found = page::fetch(db, select, request).await?;
    let ids: Vec<i64> = found.items.iter().map(|d| d.event_id).collect();
    let events = event::Entity::find()
        .filter(event::Column::Id.is_in(ids))
        .all(db)
        .await?;
    Ok(Paged {
        items: found
            .items
            .into_iter()
            .map(|d| {
                let e = events.iter().find(|e| e.id == d.event_id).cloned();
                (d, e)
            })
            .collect(),
        total: found.total,
    })
}

/// Queues event `event_id` to webhook `webhook_id` again, as a new delivery at the end of its
/// stream.
pub async fn redeliver(
    db: &impl ConnectionTrait,
    webhook_id: i64,
    event: &event::Model,
) -> Result<webhook_delivery::Model, DbErr> {
    pending_delivery(webhook_id, event, now_millis())
        .insert(db)
        .await
}

/// How many deliveries are pending, for the metrics.
pub async fn pending_count(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::State.eq(PENDING))
        .count(db)
        .await
}

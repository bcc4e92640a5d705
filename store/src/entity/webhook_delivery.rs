//! `webhook_deliveries`: One event for one webhook, attempted until answered or given up.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub webhook_id: i64,
    pub event_id: i64,
    /// The event's namespace (environment, app, cluster, namespace): a webhook hears one
    /// stream's events in order.
    pub stream: String,
    /// `pending`, `delivered` or `failed`.
    pub state: String,
    pub attempts: i32,
    /// When it may be attempted next (epoch ms).
    pub next_attempt_at: i64,
    /// The HTTP status of the last answer; 0 when there was none.
    pub last_status: i32,
    pub last_duration_ms: i64,
    /// Why the last attempt failed, when it did.
    pub last_error: String,
    pub last_attempt_at: i64,
    pub lease_owner: String,
    pub lease_until: i64,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

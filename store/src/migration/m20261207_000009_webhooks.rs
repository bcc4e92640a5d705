//! Webhooks and their deliveries.
//!
//! `webhooks`: an address that hears of an app's events (or, with an empty `app_id`, of every
//! app's), the kinds it wants and the secret its deliveries are signed with.
//!
//! `webhook_deliveries`: one row per event and webhook, written in the transaction of the event
//! (so a change that rolled back is never told and one that committed is never lost), then
//! attempted until it is answered with a 2xx or a day has passed. `stream` is the event's
//! namespace: a webhook hears one namespace's events in order. `lease_owner` / `lease_until` say
//! which process is sending it now.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

use super::columns::{COMMENT_LEN, ENV_LEN, NAME_LEN, TableBuilder};
use super::{SchemaStatement, StatementMigration};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[expect(
    elided_lifetimes_in_paths,
    reason = "async_trait needs the lifetime of SchemaManager elided to match the trait"
)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        super::up_statements::<Self>(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        super::down_statements::<Self>(manager).await
    }
}

/// Longest webhook address.
const URL_LEN: u32 = 2048;

impl StatementMigration for Migration {
    fn statements(b: DbBackend) -> Vec<SchemaStatement> {
        let mut out = Vec::new();
        TableBuilder::new(b, "webhooks")
            .string_or_empty("app_id", NAME_LEN)
            .string("url", URL_LEN)
            .string("secret", 128)
            // The event kinds it hears, comma separated; `*` for all.
            .string("events", COMMENT_LEN)
            .string_or_empty("description", COMMENT_LEN)
            .boolean("enabled", true)
            .audit_columns()
            .index("app", &["app_id"])
            .build(&mut out);
        TableBuilder::new(b, "webhook_deliveries")
            .big_integer("webhook_id")
            .big_integer("event_id")
            .string("stream", ENV_LEN + 3 * NAME_LEN + 3)
            // `pending`, `delivered` or `failed`.
            .string("state", 16)
            .integer_or_zero("attempts")
            .big_integer_or_zero("next_attempt_at")
            .integer_or_zero("last_status")
            .big_integer_or_zero("last_duration_ms")
            .string_or_empty("last_error", COMMENT_LEN)
            .big_integer_or_zero("last_attempt_at")
            .string_or_empty("lease_owner", NAME_LEN)
            .big_integer_or_zero("lease_until")
            .big_integer("created_at")
            .index("state", &["state", "webhook_id"])
            .index("webhook", &["webhook_id", "id"])
            .build(&mut out);
        out
    }
}

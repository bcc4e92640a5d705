//! Staged rollouts and the event outbox.
//!
//! `rollouts`: a gray branch's release sent to a growing share of an app's instances, step by
//! step, halted and rolled back when instances reject it. Its whole state is here, so any
//! process can drive it after a restart; `lease_owner` / `lease_until` say which process drives
//! it now.
//!
//! `events`: what happened (a rollout halted, say), written in the transaction of the change,
//! for deliveries to read afterwards.

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

impl StatementMigration for Migration {
    fn statements(b: DbBackend) -> Vec<SchemaStatement> {
        let mut out = Vec::new();
        TableBuilder::new(b, "rollouts")
            .string("env", ENV_LEN)
            .string("app_id", NAME_LEN)
            .string("cluster_name", NAME_LEN)
            .string("namespace_name", NAME_LEN)
            .string("branch_name", NAME_LEN)
            // The plan: percentages (comma separated), bake time per step, rejections allowed.
            .string("steps", 64)
            .big_integer("bake_seconds")
            .big_integer("max_rejected")
            .integer_or_zero("step")
            .string("state", 16)
            .string_or_empty("reason", COMMENT_LEN)
            .string_or_empty("title", COMMENT_LEN)
            .string_or_empty("comment", COMMENT_LEN)
            // Main's release when it started (the last good one) and the branch's first.
            .big_integer_or_zero("base_release_id")
            .big_integer_or_zero("start_release_id")
            .big_integer_or_zero("step_started_at")
            .big_integer_or_zero("paused_at")
            .big_integer_or_zero("ended_at")
            .string_or_empty("lease_owner", NAME_LEN)
            .big_integer_or_zero("lease_until")
            .audit_columns()
            .index(
                "namespace",
                &["env", "app_id", "cluster_name", "namespace_name"],
            )
            .index("state", &["state"])
            .build(&mut out);
        TableBuilder::new(b, "events")
            .string("env", ENV_LEN)
            .string("app_id", NAME_LEN)
            .string_or_empty("cluster_name", NAME_LEN)
            .string_or_empty("namespace_name", NAME_LEN)
            .string("kind", 64)
            .long_text("payload")
            .big_integer("created_at")
            .index("app", &["app_id", "created_at"])
            .build(&mut out);
        out
    }
}

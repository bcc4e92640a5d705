//! Namespace schemas: each version of a namespace's JSON Schema (an app's namespace, the same in
//! every environment), and per environment whether publishes are checked against it (`off`,
//! `warn` or `enforce`).

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

use super::columns::{ENV_LEN, NAME_LEN, TableBuilder, USER_LEN};
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
        // Versions count from 1 per namespace; the newest is the one in force.
        TableBuilder::new(b, "namespace_schemas")
            .string("app_id", NAME_LEN)
            .string("namespace_name", NAME_LEN)
            .big_integer("version")
            .long_text("document")
            .string_or_empty("created_by", USER_LEN)
            .big_integer("created_at")
            .unique("version", &["app_id", "namespace_name", "version"])
            .build(&mut out);
        TableBuilder::new(b, "namespace_schema_modes")
            .string("env", ENV_LEN)
            .string("app_id", NAME_LEN)
            .string("namespace_name", NAME_LEN)
            .string("mode", 16)
            .audit_columns()
            .unique("namespace", &["env", "app_id", "namespace_name"])
            .build(&mut out);
        out
    }
}

//! Which schema each instance's typed view of a namespace was built with: the hash of the JSON
//! Schema of the app's own type (`lyre_protocol::schema_hash`), which Lyre's SDK sends with its
//! reads. Empty where the client sent none (Apollo clients, untyped reads).

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

use super::{SchemaStatement, StatementMigration};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Longest hash stored.
const SCHEMA_HASH_LEN: u32 = 64;

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
        manager
            .alter_table(
                Table::alter()
                    .table("instance_configs")
                    .drop_column("schema_hash")
                    .to_owned(),
            )
            .await
    }
}

impl StatementMigration for Migration {
    fn statements(_backend: DbBackend) -> Vec<SchemaStatement> {
        vec![SchemaStatement::Alter(
            Table::alter()
                .table("instance_configs")
                .add_column(
                    ColumnDef::new("schema_hash")
                        .string_len(SCHEMA_HASH_LEN)
                        .not_null()
                        .default(""),
                )
                .to_owned(),
        )]
    }
}

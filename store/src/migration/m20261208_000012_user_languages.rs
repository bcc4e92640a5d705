//! The language each user reads the portal in: a BCP 47 tag the web UI speaks (`en`, `zh-CN`),
//! empty until the user's first sign-in chooses one.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

use super::{SchemaStatement, StatementMigration};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Longest language tag stored.
pub const LANGUAGE_LEN: u32 = 16;

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
                    .table("users")
                    .drop_column("language")
                    .to_owned(),
            )
            .await
    }
}

impl StatementMigration for Migration {
    fn statements(_backend: DbBackend) -> Vec<SchemaStatement> {
        vec![SchemaStatement::Alter(
            Table::alter()
                .table("users")
                .add_column(
                    ColumnDef::new("language")
                        .string_len(LANGUAGE_LEN)
                        .not_null()
                        .default(""),
                )
                .to_owned(),
        )]
    }
}

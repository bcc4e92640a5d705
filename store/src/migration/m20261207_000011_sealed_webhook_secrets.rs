//! `webhooks.sealed_secret`: a webhook's signing secret sealed under the secret keys (see
//! `crate::secrets`), where keys are configured; `secret` is then empty. Without keys the
//! secret stays in `secret` as it is.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

use super::{SchemaStatement, StatementMigration};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Longest sealed secret stored (a 70-character secret sealed under a 32-character key id
/// takes 164).
const SEALED_LEN: u32 = 255;

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
                    .table("webhooks")
                    .drop_column("sealed_secret")
                    .to_owned(),
            )
            .await
    }
}

impl StatementMigration for Migration {
    fn statements(_backend: DbBackend) -> Vec<SchemaStatement> {
        vec![SchemaStatement::Alter(
            Table::alter()
                .table("webhooks")
                .add_column(
                    ColumnDef::new("sealed_secret")
                        .string_len(SEALED_LEN)
                        .not_null()
                        .default(""),
                )
                .to_owned(),
        )]
    }
}

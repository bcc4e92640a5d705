//! Gray branches hold overrides of their main namespace; an override may also delete a key.
//! `items.deletes_key` marks such an item: in a branch, the key is absent from the gray
//! configuration. Main namespaces never set it.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

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
        manager
            .alter_table(
                Table::alter()
                    .table("items")
                    .drop_column("deletes_key")
                    .to_owned(),
            )
            .await
    }
}

impl StatementMigration for Migration {
    fn statements(_backend: DbBackend) -> Vec<SchemaStatement> {
        vec![SchemaStatement::Alter(
            Table::alter()
                .table("items")
                .add_column(
                    ColumnDef::new("deletes_key")
                        .boolean()
                        .not_null()
                        .default(false),
                )
                .to_owned(),
        )]
    }
}

//! What each instance made of the release it read of a namespace: `applied` or `rejected` (with
//! the reason), for the release `applied_release_key`, as Lyre's SDK and `lyre agent` report it
//! (`POST /reports`). Empty where the client reports nothing (Apollo clients).

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

use super::columns::RELEASE_KEY_LEN;
use super::{SchemaStatement, StatementMigration};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Longest reason kept.
const REASON_LEN: u32 = 1000;

const COLUMNS: [&str; 4] = [
    "applied_release_key",
    "apply_status",
    "apply_reason",
    "applied_at",
];

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
        for column in COLUMNS {
            manager
                .alter_table(
                    Table::alter()
                        .table("instance_configs")
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

impl StatementMigration for Migration {
    fn statements(_backend: DbBackend) -> Vec<SchemaStatement> {
        let column = |def: &mut ColumnDef| {
            SchemaStatement::Alter(
                Table::alter()
                    .table("instance_configs")
                    .add_column(def.not_null().to_owned())
                    .to_owned(),
            )
        };
        vec![
            column(
                ColumnDef::new(COLUMNS[0])
                    .string_len(RELEASE_KEY_LEN)
                    .default(""),
            ),
            column(ColumnDef::new(COLUMNS[1]).string_len(16).default("")),
            column(
                ColumnDef::new(COLUMNS[2])
                    .string_len(REASON_LEN)
                    .default(""),
            ),
            column(ColumnDef::new(COLUMNS[3]).big_integer().default(0)),
        ]
    }
}

//! Release requests may publish a gray branch (`branch_name`, empty for main), and a namespace
//! (or branch) has at most one request under way: `closed_id` is 0 while a request is open or
//! approved and its own id once it is published, rejected or withdrawn, so a unique index over
//! the namespace and `closed_id` admits one live request, however many instances race.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

use super::{SchemaStatement, StatementMigration};

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEX: &str = "uk_release_requests_live";

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
            .drop_index(
                Index::drop()
                    .name(INDEX)
                    .table("release_requests")
                    .to_owned(),
            )
            .await?;
        for column in ["closed_id", "branch_name"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("release_requests")
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
        vec![
            SchemaStatement::Alter(
                Table::alter()
                    .table("release_requests")
                    .add_column(
                        ColumnDef::new("branch_name")
                            .string_len(128)
                            .not_null()
                            .default(""),
                    )
                    .to_owned(),
            ),
            SchemaStatement::Alter(
                Table::alter()
                    .table("release_requests")
                    .add_column(
                        ColumnDef::new("closed_id")
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            ),
            SchemaStatement::Index(
                Index::create()
                    .name(INDEX)
                    .table("release_requests")
                    .col("env")
                    .col("app_id")
                    .col("cluster_name")
                    .col("namespace_name")
                    .col("branch_name")
                    .col("closed_id")
                    .unique()
                    .to_owned(),
            ),
        ]
    }
}

//! Sign-in through identity providers.
//!
//! `users.source` says where a user signs in: `local` (a password kept by Lyre), `oidc` or
//! `ldap`. `role_bindings.origin` says where a binding came from: empty for a role granted in
//! Lyre, `group:<name>` for one mapped from a provider's group at sign-in. A user may hold the
//! same role both ways, so the unique key of a binding takes the origin in; mapped bindings are
//! replaced at every sign-in and hand-made ones are never touched by it.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

use super::{SchemaStatement, StatementMigration};

#[derive(DeriveMigrationName)]
pub struct Migration;

const OLD_KEY: &str = "uk_role_bindings_role_subject";
const NEW_KEY: &str = "uk_role_bindings_role_subject_origin";

/// Longest origin stored (`group:` and a group's name).
pub const ORIGIN_LEN: u32 = 200;

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
        // Mapped bindings go first, so the old key holds again.
        manager
            .get_connection()
            .execute_unprepared("DELETE FROM role_bindings WHERE origin <> ''")
            .await?;
        manager.create_index(old_key()).await?;
        manager
            .drop_index(
                Index::drop()
                    .name(NEW_KEY)
                    .table("role_bindings")
                    .to_owned(),
            )
            .await?;
        for (table, column) in [("role_bindings", "origin"), ("users", "source")] {
            manager
                .alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}

fn old_key() -> IndexCreateStatement {
    Index::create()
        .name(OLD_KEY)
        .table("role_bindings")
        .col("role_id")
        .col("subject_type")
        .col("subject")
        .col("deleted_at")
        .unique()
        .to_owned()
}

impl StatementMigration for Migration {
    fn statements(_backend: DbBackend) -> Vec<SchemaStatement> {
        vec![
            SchemaStatement::Alter(
                Table::alter()
                    .table("users")
                    .add_column(
                        ColumnDef::new("source")
                            .string_len(16)
                            .not_null()
                            .default("local"),
                    )
                    .to_owned(),
            ),
            SchemaStatement::Alter(
                Table::alter()
                    .table("role_bindings")
                    .add_column(
                        ColumnDef::new("origin")
                            .string_len(ORIGIN_LEN)
                            .not_null()
                            .default(""),
                    )
                    .to_owned(),
            ),
            // The new key first: on MySQL the old one also serves the foreign key on
            // `role_id`, and may be dropped only once another index starts with it.
            SchemaStatement::Index(
                Index::create()
                    .name(NEW_KEY)
                    .table("role_bindings")
                    .col("role_id")
                    .col("subject_type")
                    .col("subject")
                    .col("origin")
                    .col("deleted_at")
                    .unique()
                    .to_owned(),
            ),
            SchemaStatement::DropIndex(
                Index::drop()
                    .name(OLD_KEY)
                    .table("role_bindings")
                    .to_owned(),
            ),
        ]
    }
}

//! Schema migrations.
//!
//! Each migration is a list of [`SchemaStatement`]s built for the connected backend, so the
//! same code creates the schema and renders it as DDL for `scripts/sql/` (see [`crate::ddl`]).
//! A migration, once released, never changes: later changes are new migrations.

mod columns;
mod m20261121_000001_initial;
mod m20261121_000002_branch_deletions;
mod m20261121_000003_request_slots;
pub(crate) mod m20261206_000004_identity_sources;
mod m20261207_000005_namespace_schemas;
mod m20261207_000006_instance_schema_hashes;
mod m20261207_000007_apply_reports;
mod m20261207_000008_rollouts;
mod m20261207_000009_webhooks;
mod m20261207_000010_leases;
mod m20261207_000011_sealed_webhook_secrets;
mod m20261208_000012_user_languages;

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

/// The ordered list of Lyre's migrations.
#[derive(Debug)]
pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261121_000001_initial::Migration),
            Box::new(m20261121_000002_branch_deletions::Migration),
            Box::new(m20261121_000003_request_slots::Migration),
            Box::new(m20261206_000004_identity_sources::Migration),
            Box::new(m20261207_000005_namespace_schemas::Migration),
            Box::new(m20261207_000006_instance_schema_hashes::Migration),
            Box::new(m20261207_000007_apply_reports::Migration),
            Box::new(m20261207_000008_rollouts::Migration),
            Box::new(m20261207_000009_webhooks::Migration),
            Box::new(m20261207_000010_leases::Migration),
            Box::new(m20261207_000011_sealed_webhook_secrets::Migration),
            Box::new(m20261208_000012_user_languages::Migration),
        ]
    }
}

/// One statement of a migration: a table or an index to create, a table to alter, an index
/// to drop.
#[derive(Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "a few dozen are built per migration run; boxing buys nothing"
)]
pub enum SchemaStatement {
    /// `CREATE TABLE`, with its primary key, columns and foreign keys.
    Table(TableCreateStatement),
    /// `CREATE [UNIQUE] INDEX`.
    Index(IndexCreateStatement),
    /// `ALTER TABLE`.
    Alter(TableAlterStatement),
    /// `DROP INDEX`.
    DropIndex(IndexDropStatement),
}

impl SchemaStatement {
    /// Renders the statement for one backend.
    pub fn to_sql(&self, backend: DbBackend) -> String {
        match (self, backend) {
            (Self::Table(t), DbBackend::MySql) => t.to_string(MysqlQueryBuilder),
            (Self::Table(t), DbBackend::Postgres) => t.to_string(PostgresQueryBuilder),
            (Self::Table(t), _) => t.to_string(SqliteQueryBuilder),
            (Self::Index(i), DbBackend::MySql) => i.to_string(MysqlQueryBuilder),
            (Self::Index(i), DbBackend::Postgres) => i.to_string(PostgresQueryBuilder),
            (Self::Index(i), _) => i.to_string(SqliteQueryBuilder),
            (Self::Alter(a), DbBackend::MySql) => a.to_string(MysqlQueryBuilder),
            (Self::Alter(a), DbBackend::Postgres) => a.to_string(PostgresQueryBuilder),
            (Self::Alter(a), _) => a.to_string(SqliteQueryBuilder),
            (Self::DropIndex(d), DbBackend::MySql) => d.to_string(MysqlQueryBuilder),
            (Self::DropIndex(d), DbBackend::Postgres) => d.to_string(PostgresQueryBuilder),
            (Self::DropIndex(d), _) => d.to_string(SqliteQueryBuilder),
        }
    }

    async fn apply(self, manager: &SchemaManager<'_>) -> Result<(), DbErr> {
        match self {
            Self::Table(t) => manager.create_table(t).await,
            Self::Index(i) => manager.create_index(i).await,
            Self::Alter(a) => manager.alter_table(a).await,
            Self::DropIndex(d) => manager.drop_index(d).await,
        }
    }
}

/// A migration whose `up` is a list of schema statements and whose `down` drops its tables.
pub(crate) trait StatementMigration {
    /// The statements that create this migration's schema on `backend`, in order.
    fn statements(backend: DbBackend) -> Vec<SchemaStatement>;
}

/// Every statement of every migration, in order: the whole schema for one backend.
pub fn all_statements(backend: DbBackend) -> Vec<SchemaStatement> {
    let mut statements = m20261121_000001_initial::Migration::statements(backend);
    statements.extend(m20261121_000002_branch_deletions::Migration::statements(
        backend,
    ));
    statements.extend(m20261121_000003_request_slots::Migration::statements(
        backend,
    ));
    statements.extend(m20261206_000004_identity_sources::Migration::statements(
        backend,
    ));
    statements.extend(m20261207_000005_namespace_schemas::Migration::statements(
        backend,
    ));
    statements.extend(m20261207_000006_instance_schema_hashes::Migration::statements(backend));
    statements.extend(m20261207_000007_apply_reports::Migration::statements(
        backend,
    ));
    statements.extend(m20261207_000008_rollouts::Migration::statements(backend));
    statements.extend(m20261207_000009_webhooks::Migration::statements(backend));
    statements.extend(m20261207_000010_leases::Migration::statements(backend));
    statements.extend(m20261207_000011_sealed_webhook_secrets::Migration::statements(backend));
    statements.extend(m20261208_000012_user_languages::Migration::statements(
        backend,
    ));
    statements
}

/// The version names of every migration, in order (as recorded in `seaql_migrations`).
pub fn versions() -> Vec<String> {
    Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect()
}

async fn up_statements<M: StatementMigration>(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    for statement in M::statements(manager.get_database_backend()) {
        statement.apply(manager).await?;
    }
    Ok(())
}

async fn down_statements<M: StatementMigration>(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    // Drop in reverse creation order so foreign keys never point at a dropped table.
    for statement in M::statements(manager.get_database_backend())
        .into_iter()
        .rev()
    {
        if let SchemaStatement::Table(t) = statement
            && let Some(name) = t.get_table_name()
        {
            manager
                .drop_table(Table::drop().table(name.clone()).to_owned())
                .await?;
        }
    }
    Ok(())
}

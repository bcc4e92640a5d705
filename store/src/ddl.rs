//! The schema as plain DDL, one script per backend, for `scripts/sql/`.
//!
//! A script creates every table and index and records the migrations as applied, so that a
//! database created from it is one `lyre` accepts without migrating again.

use sea_orm::{DbBackend, EntityName, Schema};
use sea_orm_migration::prelude::{
    MysqlQueryBuilder, PostgresQueryBuilder, Query, SqliteQueryBuilder,
};
use sea_orm_migration::seaql_migrations;

use crate::migration::{all_statements, versions};

/// The file name under `scripts/sql/` of a backend's script.
pub fn file_name(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::MySql => "mysql.sql",
        DbBackend::Postgres => "postgresql.sql",
        _ => "sqlite.sql",
    }
}

/// The whole schema as a DDL script for `backend`.
pub fn script(backend: DbBackend) -> String {
    let name = match backend {
        DbBackend::MySql => "MySQL / MariaDB",
        DbBackend::Postgres => "PostgreSQL",
        _ => "SQLite",
    };
    let mut out = format!(
        "-- Lyre schema for {name}.\n\
         -- Generated from the migrations in store/src/migration; do not edit by hand.\n\
         -- Regenerate with: LYRE_UPDATE_DDL=1 cargo test -p lyre-store --test ddl\n\n"
    );
    for statement in all_statements(backend) {
        out.push_str(&statement.to_sql(backend));
        out.push_str(";\n\n");
    }

    out.push_str("-- Migration bookkeeping: marks the schema above as fully migrated.\n");
    let mut bookkeeping = Schema::new(backend).create_table_from_entity(seaql_migrations::Entity);
    bookkeeping.if_not_exists();
    let mut insert = Query::insert();
    insert
        .into_table(seaql_migrations::Entity.table_ref())
        .columns([
            seaql_migrations::Column::Version,
            seaql_migrations::Column::AppliedAt,
        ]);
    for version in versions() {
        insert.values_panic([version.into(), 0i64.into()]);
    }
    let (create, insert) = match backend {
        DbBackend::MySql => (
            bookkeeping.to_string(MysqlQueryBuilder),
            insert.to_string(MysqlQueryBuilder),
        ),
        DbBackend::Postgres => (
            bookkeeping.to_string(PostgresQueryBuilder),
            insert.to_string(PostgresQueryBuilder),
        ),
        _ => (
            bookkeeping.to_string(SqliteQueryBuilder),
            insert.to_string(SqliteQueryBuilder),
        ),
    };
    out.push_str(&create);
    out.push_str(";\n");
    out.push_str(&insert);
    out.push_str(";\n");
    out
}

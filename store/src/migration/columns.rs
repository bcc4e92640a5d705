//! A small vocabulary for table definitions, so that every table spells its common columns,
//! lengths and MySQL table options the same way.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

use super::SchemaStatement;

/// Length of app ids, cluster names and namespace names.
pub const NAME_LEN: u32 = 128;
/// Length of an environment name (`DEV`, `PRO`, ...).
pub const ENV_LEN: u32 = 32;
/// Length of a user name, also used for `created_by` and friends.
pub const USER_LEN: u32 = 64;
/// Room for an item key; the configured key limit (128 by default) may not exceed it.
pub const KEY_LEN: u32 = 512;
/// A release key: `yyyyMMddHHmmss-<16 hex>`, with room to spare.
pub const RELEASE_KEY_LEN: u32 = 64;
/// A comment or title typed by a person.
pub const COMMENT_LEN: u32 = 1024;

/// Builds one table and the indexes that belong to it.
pub struct TableBuilder {
    backend: DbBackend,
    name: &'static str,
    table: TableCreateStatement,
    indexes: Vec<IndexCreateStatement>,
}

impl TableBuilder {
    /// A table with a `BIGINT` auto-increment primary key `id`.
    pub fn new(backend: DbBackend, name: &'static str) -> Self {
        let mut table = Table::create();
        table.table(name).col(
            ColumnDef::new("id")
                .big_integer()
                .not_null()
                .auto_increment()
                .primary_key(),
        );
        if backend == DbBackend::MySql {
            // Binary collation: the same case-sensitive comparisons and unique keys as on
            // PostgreSQL and SQLite.
            table
                .engine("InnoDB")
                .character_set("utf8mb4")
                .collate("utf8mb4_bin");
        }
        Self {
            backend,
            name,
            table,
            indexes: Vec::new(),
        }
    }

    fn col(mut self, column: &mut ColumnDef) -> Self {
        self.table.col(column);
        self
    }

    /// `VARCHAR(len)`; SQLite, which ignores the length, gets a `CHECK` that enforces it, so
    /// every backend refuses the same over-long values.
    fn varchar(&self, name: &'static str, len: u32) -> ColumnDef {
        let mut column = ColumnDef::new(name);
        column.string_len(len);
        if self.backend == DbBackend::Sqlite {
            column.check(Expr::cust(format!("length(\"{name}\") <= {len}")));
        }
        column
    }

    /// `VARCHAR(len) NOT NULL`.
    pub fn string(self, name: &'static str, len: u32) -> Self {
        let mut column = self.varchar(name, len);
        self.col(column.not_null())
    }

    /// `VARCHAR(len) NOT NULL DEFAULT ''`.
    pub fn string_or_empty(self, name: &'static str, len: u32) -> Self {
        let mut column = self.varchar(name, len);
        self.col(column.not_null().default(""))
    }

    /// `VARCHAR(len) NULL`: used where `NULL` must stay out of a unique key.
    pub fn nullable_string(self, name: &'static str, len: u32) -> Self {
        let mut column = self.varchar(name, len);
        self.col(column.null())
    }

    /// Unbounded text (`LONGTEXT` on MySQL, whose `TEXT` stops at 64 KiB).
    pub fn long_text(self, name: &'static str) -> Self {
        let backend = self.backend;
        let mut column = ColumnDef::new(name);
        if backend == DbBackend::MySql {
            column.custom("longtext");
        } else {
            column.text();
        }
        self.col(column.not_null())
    }

    /// `BIGINT NOT NULL`.
    pub fn big_integer(self, name: &'static str) -> Self {
        self.col(ColumnDef::new(name).big_integer().not_null())
    }

    /// `BIGINT NOT NULL DEFAULT 0`.
    pub fn big_integer_or_zero(self, name: &'static str) -> Self {
        self.col(ColumnDef::new(name).big_integer().not_null().default(0))
    }

    /// `INTEGER NOT NULL DEFAULT 0`.
    pub fn integer_or_zero(self, name: &'static str) -> Self {
        self.col(ColumnDef::new(name).integer().not_null().default(0))
    }

    /// `BOOLEAN NOT NULL DEFAULT <default>`.
    pub fn boolean(self, name: &'static str, default: bool) -> Self {
        self.col(ColumnDef::new(name).boolean().not_null().default(default))
    }

    /// Who created and last changed the row, and when (epoch milliseconds).
    pub fn audit_columns(self) -> Self {
        self.string_or_empty("created_by", USER_LEN)
            .big_integer("created_at")
            .string_or_empty("updated_by", USER_LEN)
            .big_integer("updated_at")
    }

    /// Soft delete: `0` while the row is live, the deletion time (epoch ms) afterwards.
    /// Unique keys end with this column, so a deleted name can be created again.
    pub fn soft_delete(self) -> Self {
        self.big_integer_or_zero("deleted_at")
    }

    /// A `NOT NULL` reference to `parent.id`, restricted on delete.
    pub fn reference(mut self, column: &'static str, parent: &'static str) -> Self {
        self.table
            .col(ColumnDef::new(column).big_integer().not_null())
            .foreign_key(
                ForeignKey::create()
                    .name(format!("fk_{}_{column}", self.name))
                    .from(self.name, column)
                    .to(parent, "id")
                    .on_delete(ForeignKeyAction::Restrict)
                    .on_update(ForeignKeyAction::Restrict),
            );
        self
    }

    /// A unique index, named `uk_<table>_<suffix>`.
    pub fn unique(self, suffix: &str, columns: &[&'static str]) -> Self {
        self.index_inner("uk", suffix, columns, true)
    }

    /// A plain index, named `idx_<table>_<suffix>`.
    pub fn index(self, suffix: &str, columns: &[&'static str]) -> Self {
        self.index_inner("idx", suffix, columns, false)
    }

    fn index_inner(
        mut self,
        prefix: &str,
        suffix: &str,
        columns: &[&'static str],
        unique: bool,
    ) -> Self {
        let mut index = Index::create();
        index
            .name(format!("{prefix}_{}_{suffix}", self.name))
            .table(self.name);
        for column in columns {
            index.col(*column);
        }
        if unique {
            index.unique();
        }
        self.indexes.push(index);
        self
    }

    /// The `CREATE TABLE` followed by its `CREATE INDEX` statements.
    pub fn build(mut self, out: &mut Vec<SchemaStatement>) {
        out.push(SchemaStatement::Table(self.table.take()));
        out.extend(self.indexes.into_iter().map(SchemaStatement::Index));
    }
}

//! `leases`: which process runs a background job now (the retention job, say), until when. A
//! job runs in one process at a time: the one whose lease has not expired.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

use super::columns::{NAME_LEN, TableBuilder};
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
        super::down_statements::<Self>(manager).await
    }
}

impl StatementMigration for Migration {
    fn statements(b: DbBackend) -> Vec<SchemaStatement> {
        let mut out = Vec::new();
        TableBuilder::new(b, "leases")
            .string("name", 64)
            .string_or_empty("owner", NAME_LEN)
            .big_integer_or_zero("expires_at")
            .unique("name", &["name"])
            .build(&mut out);
        out
    }
}

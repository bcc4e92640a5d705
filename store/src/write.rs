//! Write transactions that behave alike on every backend.
//!
//! Writers of one namespace serialise on its row: they lock it first (`SELECT ... FOR UPDATE`
//! on PostgreSQL and MySQL) and then read under READ COMMITTED, so each sees what the previous
//! writer committed. SQLite has one writer at a time; its write transactions start
//! `IMMEDIATE`, taking the write lock up front instead of failing when a read turns into a write.

use sea_orm::{
    DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, IsolationLevel,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

/// Begins a write transaction (see the module documentation).
pub async fn begin(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let options = match db.get_database_backend() {
        DbBackend::Sqlite => TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        },
        _ => TransactionOptions {
            isolation_level: Some(IsolationLevel::ReadCommitted),
            ..Default::default()
        },
    };
    db.begin_with_options(options).await
}

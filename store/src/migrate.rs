//! Applying migrations safely when several processes start at once, and telling whether a
//! database is fully migrated.

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, TransactionOptions,
    TransactionTrait,
};
use sea_orm_migration::MigratorTrait;
use sea_orm_migration::seaql_migrations;

use crate::migration::{Migrator, versions};

/// Key of the PostgreSQL advisory lock and name of the MySQL user lock held while migrating.
const PG_LOCK_KEY: i64 = 0x006c_7972_656d_6967; // "lyremig"
const MYSQL_LOCK_NAME: &str = "lyre_migrate";

/// Applies every pending migration; returns how many were applied.
///
/// Holds a database-wide lock meanwhile (an advisory lock on PostgreSQL, `GET_LOCK` on MySQL,
/// an immediate transaction on SQLite), so replicas starting together migrate once and the
/// others wait, then find nothing left to do.
pub async fn migrate(db: &DatabaseConnection) -> Result<usize, DbErr> {
    let backend = db.get_database_backend();
    let options = TransactionOptions {
        sqlite_transaction_mode: (backend == DbBackend::Sqlite)
            .then_some(sea_orm::SqliteTransactionMode::Immediate),
        ..Default::default()
    };
    let txn = db.begin_with_options(options).await?;
    match backend {
        DbBackend::Postgres => {
            txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({PG_LOCK_KEY})"))
                .await?;
        }
        DbBackend::MySql => {
            txn.execute_unprepared(&format!("SELECT GET_LOCK('{MYSQL_LOCK_NAME}', 120)"))
                .await?;
        }
        _ => {}
    }
    let pending = Migrator::get_pending_migrations(&txn).await?.len();
    if pending > 0 {
        Migrator::up(&txn, None).await?;
    }
    if backend == DbBackend::MySql {
        txn.execute_unprepared(&format!("SELECT RELEASE_LOCK('{MYSQL_LOCK_NAME}')"))
            .await?;
    }
    txn.commit().await?;
    Ok(pending)
}

/// Whether every migration this build knows has been applied. Reads only: a database that
/// was never migrated is reported as such, and nothing is created.
pub async fn is_migrated(db: &impl ConnectionTrait) -> bool {
    let Ok(applied) = seaql_migrations::Entity::find().all(db).await else {
        return false;
    };
    versions()
        .iter()
        .all(|v| applied.iter().any(|a| &a.version == v))
}

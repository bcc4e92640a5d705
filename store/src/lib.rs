//! Lyre's one relational schema, shared by every service: sea-orm entities, the migrations
//! that create them on SQLite, PostgreSQL and MySQL/MariaDB, and the connection settings.
//!
//! Functions here take `&impl ConnectionTrait`, so one body serves inside and outside a
//! transaction.

pub mod accounts;
pub mod bus;
pub mod config;
pub mod consumers;
pub mod db;
pub mod ddl;
pub mod entity;
pub mod favorites;
pub mod migrate;
pub mod migration;
pub mod page;
pub mod rbac;
pub mod registry;
pub mod retention;
pub mod reviews;
pub mod secrets;
pub mod settings;
#[cfg(feature = "testing")]
pub mod testing;
pub mod time;
pub mod webhooks;
pub mod write;

pub use db::{
    ConnectError, DbOptions, connect, is_foreign_key_violation, is_unique_violation, redact_url,
};
pub use migrate::{is_migrated, migrate};
pub use sea_orm;

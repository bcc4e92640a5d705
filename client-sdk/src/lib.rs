//! `lyre-client`: configuration from Lyre (or any Apollo config service) as typed Rust values
//! that update while the app runs.
//!
//! ```no_run
//! use serde::Deserialize;
//!
//! #[derive(Deserialize)]
//! struct Db {
//!     url: String,
//!     pool_size: u32,
//! }
//!
//! #[derive(Deserialize)]
//! struct Settings {
//!     db: Db,
//!     #[serde(default)]
//!     feature_new_checkout: bool,
//! }
//!
//! # async fn run() -> Result<(), lyre_client::Error> {
//! let client = lyre_client::Client::builder()
//!     .meta_server("http://localhost:8080/DEV")
//!     .app_id("shop")
//!     .cache_dir("/var/cache/shop/lyre")
//!     .build()
//!     .await?;
//! // `db.url`, `db.pool-size` and `feature.new-checkout`... keys fill the struct.
//! let mut settings = client.watch::<Settings>("application").await?;
//! loop {
//!     let current = settings.get(); // lock-free, allocation-free
//!     println!("{} connections to {}", current.db.pool_size, current.db.url);
//!     settings.changed().await;
//! }
//! # }
//! ```
//!
//! The client long-polls `/notifications/v2`, takes the changed configuration from the answer
//! when the config service carries it (Lyre's `withConfigs`) and re-reads it through `/configs`
//! otherwise, re-reads everything every five minutes as a safety net, finds config services
//! through meta servers (again every five minutes), fails over between them with back-off (1 s
//! doubling to 120 s), signs requests when given an access-key secret, and keeps every
//! namespace in a local cache to start from when no server answers. It does not depend on any database or
//! server crate.

mod cache;
mod client;
mod error;
#[cfg(feature = "schema")]
pub mod schema;
mod transport;

pub use client::{
    Change, ChangeEvent, ChangeKind, Client, ClientBuilder, Namespace, Snapshot, Watch,
};
pub use error::Error;
pub use lyre_protocol::config::Configurations;

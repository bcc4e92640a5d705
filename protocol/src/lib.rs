//! Wire types shared by Lyre's servers and its SDK.
//!
//! This crate does no I/O and knows no database: an app that depends on `lyre-client` compiles
//! these types and nothing of the servers. Field names follow Apollo's JSON where Apollo
//! defines the message, so existing clients read them unchanged.

pub mod access_key;
pub mod admin;
pub mod client;
pub mod config;
pub mod error;
pub mod format;
pub mod gray;
pub mod health;
pub mod keys;
pub mod meta;
pub mod names;
pub mod properties;
#[cfg(feature = "schema")]
pub mod schema;
pub mod schema_hash;
pub mod secret;

pub use error::{ErrorBody, ErrorParam};

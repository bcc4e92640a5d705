//! Handlers, one file per action, grouped by resource.

pub(crate) mod auth;
pub(crate) mod system;

//! The portal's endpoints, one module per area.

pub(crate) mod apps;
pub(crate) mod auth;
pub(crate) mod branches;
pub(crate) mod clusters;
pub(crate) mod consumers;
pub(crate) mod items;
pub(crate) mod manage;
pub(crate) mod open;
pub(crate) mod queries;
pub(crate) mod releases;
pub(crate) mod requests;
pub(crate) mod roles;
pub(crate) mod rollouts;
pub(crate) mod schemas;
pub(crate) mod scope;
pub(crate) mod search;
pub(crate) mod system;
pub(crate) mod transfer;
pub(crate) mod users;
pub(crate) mod webhooks;

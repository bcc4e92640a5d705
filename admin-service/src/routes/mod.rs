//! Handlers, one file per action, grouped by resource.

pub(crate) mod access_keys;
pub(crate) mod apps;
pub(crate) mod audits;
pub(crate) mod branches;
pub(crate) mod clusters;
pub(crate) mod envs;
pub(crate) mod instances;
pub(crate) mod items;
pub(crate) mod namespaces;
pub(crate) mod releases;
pub(crate) mod search;

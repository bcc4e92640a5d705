//! Namespace definitions of an app, and namespaces in clusters, over HTTP.

pub(crate) mod definitions;
pub(crate) mod instances;

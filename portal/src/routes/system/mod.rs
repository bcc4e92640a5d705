//! The state of the system as the portal sees it.

pub(crate) mod status;

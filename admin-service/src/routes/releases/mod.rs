//! Releases: publishing, reading, comparing, rolling back, and their history.

pub(crate) mod publish;
pub(crate) mod read;
pub(crate) mod reviewed;
pub(crate) mod rollback;

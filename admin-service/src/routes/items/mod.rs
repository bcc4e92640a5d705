//! Items of a namespace: one at a time (table mode) or all at once as text (text mode), and
//! the history of their changes.

pub(crate) mod commits;
pub(crate) mod edit;
pub(crate) mod read;
pub(crate) mod text;

//! Releases: publishing, reading, comparing, rolling back, and their history.

pub(crate) mod publish;
pub(crate) mod read;
pub(crate) mod reviewed;
pub(crate) mod rollback;

use crate::AdminError;

fn release_not_found(env: &str, id: i64) -> AdminError {
    AdminError::not_found(
        "release_not_found",
        format!("release {id} does not exist in {env}"),
    )
}

//! Apps: create, read, list, update, delete.

pub(crate) mod create;
pub(crate) mod delete;
pub(crate) mod read;
pub(crate) mod update;

use lyre_store::config::apps;
use lyre_store::entity::app;
use lyre_store::sea_orm::ConnectionTrait;

use crate::AdminError;

/// The live app `app_id`, or 404.
pub(crate) async fn existing(
    db: &impl ConnectionTrait,
    app_id: &str,
) -> Result<app::Model, AdminError> {
    apps::find(db, app_id).await?.ok_or_else(|| {
        AdminError::not_found("app_not_found", format!("app `{app_id}` does not exist"))
    })
}

/// Checks a free-text field's length.
pub(crate) fn check_len(field: &str, value: &str, max: usize) -> Result<(), AdminError> {
    if value.chars().count() > max {
        return Err(AdminError::Invalid(format!(
            "`{field}` is at most {max} characters"
        )));
    }
    Ok(())
}

//! A reviewed publish: the approved release request it carries out is checked, and closed as
//! published, in the transaction that writes the release. A request is therefore published and
//! closed together with its release, or stays approved and publishable: it is never left half
//! way, whatever fails or stops in between.

use lyre_store::reviews::{self, Move};
use lyre_store::sea_orm::ConnectionTrait;

use crate::AdminError;
use crate::params::NamespaceAt;

/// Checks that release request `id` is approved, for `at` (and gray branch `branch`, empty for
/// main), frozen at `revision`. Called with the namespace locked.
pub(crate) async fn check(
    db: &impl ConnectionTrait,
    id: i64,
    at: &NamespaceAt,
    branch: &str,
    revision: Option<i64>,
) -> Result<(), AdminError> {
    let request = reviews::find(db, id).await?.ok_or_else(|| {
        AdminError::not_found(
            "release_request_not_found",
            format!("there is no release request #{id}"),
        )
        .because(
            "not_found",
            [
                ("kind", "release_request".to_owned()),
                ("name", id.to_string()),
            ],
        )
    })?;
    let same_target = request.env == at.env
        && request.app_id == at.app_id.as_str()
        && request.cluster_name == at.cluster.as_str()
        && request
            .namespace_name
            .eq_ignore_ascii_case(at.namespace.as_str())
        && request.branch_name == branch;
    if !same_target {
        let of = if request.branch_name.is_empty() {
            String::new()
        } else {
            format!(" (gray branch `{}`)", request.branch_name)
        };
        return Err(AdminError::Invalid(format!(
            "release request #{id} is for {}/{}/{}/{}{of}, not for what is being published",
            request.env, request.app_id, request.cluster_name, request.namespace_name
        )));
    }
    if request.status != reviews::APPROVED {
        return Err(AdminError::Conflict(format!(
            "release request #{id} is {}; only an approved request is published",
            request.status
        )));
    }
    if revision != Some(request.namespace_revision) {
        return Err(AdminError::Invalid(format!(
            "a reviewed publish names the revision that was approved ({}) as `revision`",
            request.namespace_revision
        )));
    }
    Ok(())
}

/// Closes request `id` as published by `release_id`, in the caller's transaction.
pub(crate) async fn close(
    db: &impl ConnectionTrait,
    id: i64,
    release_id: i64,
    operator: &str,
) -> Result<(), AdminError> {
    let closed = reviews::transition(
        db,
        id,
        &[reviews::APPROVED],
        reviews::PUBLISHED,
        &Move {
            published_release_id: Some(release_id),
            ..Move::default()
        },
        operator,
    )
    .await?;
    if !closed {
        return Err(AdminError::Conflict(format!(
            "release request #{id} changed while it was being published; nothing was published"
        )));
    }
    reviews::add_review(
        db,
        id,
        "publish",
        &format!("release {release_id}"),
        operator,
    )
    .await?;
    Ok(())
}

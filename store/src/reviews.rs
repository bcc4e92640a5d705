//! Release requests and their reviews.
//!
//! A request moves `open` → `approved` → `publishing` → `published`, or ends `rejected` or
//! `withdrawn`; a refresh (after the namespace changed) sends it back to `open`. Every move is
//! a conditional update on the current status, so two people acting at once cannot both
//! succeed. A namespace (or branch) has at most one request under way (see `closed_id`).

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

use crate::entity::{release_request, release_request_review};
use crate::page::{PageRequest, Paged, fetch};
use crate::time::now_millis;

/// Waiting for review.
pub const OPEN: &str = "open";
/// Approved; its author or a reviewer may publish it.
pub const APPROVED: &str = "approved";
/// Being published right now (claimed by one publisher).
pub const PUBLISHING: &str = "publishing";
/// Published.
pub const PUBLISHED: &str = "published";
/// Rejected by a reviewer.
pub const REJECTED: &str = "rejected";
/// Withdrawn by its author.
pub const WITHDRAWN: &str = "withdrawn";

/// The statuses of a request under way.
pub const LIVE: [&str; 3] = [OPEN, APPROVED, PUBLISHING];

/// A request to open.
#[derive(Clone, Debug)]
pub struct NewRequest<'a> {
    pub env: &'a str,
    pub app_id: &'a str,
    pub cluster_name: &'a str,
    pub namespace_name: &'a str,
    /// The gray branch it publishes; empty for main.
    pub branch_name: &'a str,
    pub title: &'a str,
    pub comment: &'a str,
    /// The frozen changes, as JSON.
    pub diff: &'a str,
    pub base_release_id: i64,
    pub namespace_revision: i64,
    pub created_by: &'a str,
}

/// Opens a request; a second live request for the same namespace is a unique violation.
pub async fn open(
    db: &impl ConnectionTrait,
    new: &NewRequest<'_>,
) -> Result<release_request::Model, DbErr> {
    let now = now_millis();
    let opened = release_request::ActiveModel {
        env: Set(new.env.to_owned()),
        app_id: Set(new.app_id.to_owned()),
        cluster_name: Set(new.cluster_name.to_owned()),
        namespace_name: Set(new.namespace_name.to_owned()),
        branch_name: Set(new.branch_name.to_owned()),
        title: Set(new.title.to_owned()),
        comment: Set(new.comment.to_owned()),
        status: Set(OPEN.to_owned()),
        diff: Set(new.diff.to_owned()),
        base_release_id: Set(new.base_release_id),
        namespace_revision: Set(new.namespace_revision),
        published_release_id: Set(0),
        approved_by: Set(String::new()),
        closed_id: Set(0),
        created_by: Set(new.created_by.to_owned()),
        created_at: Set(now),
        updated_by: Set(new.created_by.to_owned()),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    audit(db, &opened, "open", "", new.created_by).await?;
    Ok(opened)
}

/// Writes the audit row of a step of request `r` (its opening, a review, its publishing), in
/// words a person reads: which request, its title, and its namespace.
async fn audit(
    db: &impl ConnectionTrait,
    r: &release_request::Model,
    step: &str,
    comment: &str,
    by: &str,
) -> Result<(), DbErr> {
    let mut detail = serde_json::json!({
        "id": r.id,
        "title": r.title,
        "namespace": format!("{}/{}/{}", r.app_id, r.cluster_name, r.namespace_name),
    });
    if !r.branch_name.is_empty() {
        detail["branch"] = r.branch_name.clone().into();
    }
    // A publish's "comment" is the review trail's note of the release; the release has its own
    // audit entry.
    if !comment.is_empty() && step != "publish" {
        detail["comment"] = comment.into();
    }
    crate::config::audit::record(
        db,
        crate::config::audit::Record {
            env: &r.env,
            app_id: &r.app_id,
            entity_type: "release_request",
            entity_id: &format!("#{}", r.id),
            operation: step,
            detail: detail.to_string(),
            operator: by,
        },
    )
    .await
}

/// The request `id`.
pub async fn find(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Option<release_request::Model>, DbErr> {
    release_request::Entity::find_by_id(id).one(db).await
}

/// The live request of a namespace (or branch), if any.
pub async fn live_for(
    db: &impl ConnectionTrait,
    env: &str,
    app_id: &str,
    cluster: &str,
    namespace: &str,
    branch: &str,
) -> Result<Option<release_request::Model>, DbErr> {
    release_request::Entity::find()
        .filter(release_request::Column::Env.eq(env))
        .filter(release_request::Column::AppId.eq(app_id))
        .filter(release_request::Column::ClusterName.eq(cluster))
        .filter(release_request::Column::NamespaceName.eq(namespace))
        .filter(release_request::Column::BranchName.eq(branch))
        .filter(release_request::Column::ClosedId.eq(0))
        .one(db)
        .await
}

/// Which requests to list.
#[derive(Clone, Debug, Default)]
pub struct Filter<'a> {
    /// Only these statuses (all when empty).
    pub statuses: &'a [&'a str],
    /// Only requests by this author.
    pub created_by: Option<&'a str>,
    /// Only requests not by this person.
    pub not_created_by: Option<&'a str>,
    /// Only requests of these apps (all when `None`).
    pub apps: Option<&'a [String]>,
}

/// One page of requests, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &Filter<'_>,
    request: PageRequest,
) -> Result<Paged<release_request::Model>, DbErr> {
    let mut select = release_request::Entity::find().order_by_desc(release_request::Column::Id);
    if !filter.statuses.is_empty() {
        select = select.filter(release_request::Column::Status.is_in(filter.statuses.to_vec()));
    }
    if let Some(author) = filter.created_by {
        select = select.filter(release_request::Column::CreatedBy.eq(author));
    }
    if let Some(author) = filter.not_created_by {
        select = select.filter(release_request::Column::CreatedBy.ne(author));
    }
    if let Some(apps) = filter.apps {
        select = select.filter(release_request::Column::AppId.is_in(apps.to_vec()));
    }
    fetch(db, select, request).await
}

/// What a move changes besides the status.
#[derive(Clone, Debug, Default)]
pub struct Move<'a> {
    /// Set `approved_by` (empty clears it).
    pub approved_by: Option<&'a str>,
    /// Set the published release.
    pub published_release_id: Option<i64>,
    /// New frozen changes, base release and revision (a refresh).
    pub refreshed: Option<(&'a str, i64, i64)>,
}

/// Moves request `id` from one of `from` to `to`; whether it was in one of `from`. Moving to
/// a final status frees the namespace for a new request.
pub async fn transition(
    db: &impl ConnectionTrait,
    id: i64,
    from: &[&str],
    to: &str,
    changes: &Move<'_>,
    by: &str,
) -> Result<bool, DbErr> {
    let mut update = release_request::Entity::update_many()
        .col_expr(release_request::Column::Status, Expr::value(to))
        .col_expr(release_request::Column::UpdatedBy, Expr::value(by))
        .col_expr(
            release_request::Column::UpdatedAt,
            Expr::value(now_millis()),
        );
    if !LIVE.contains(&to) {
        update = update.col_expr(release_request::Column::ClosedId, Expr::value(id));
    }
    if let Some(approved_by) = changes.approved_by {
        update = update.col_expr(
            release_request::Column::ApprovedBy,
            Expr::value(approved_by),
        );
    }
    if let Some(release_id) = changes.published_release_id {
        update = update.col_expr(
            release_request::Column::PublishedReleaseId,
            Expr::value(release_id),
        );
    }
    if let Some((diff, base, revision)) = changes.refreshed {
        update = update
            .col_expr(release_request::Column::Diff, Expr::value(diff))
            .col_expr(release_request::Column::BaseReleaseId, Expr::value(base))
            .col_expr(
                release_request::Column::NamespaceRevision,
                Expr::value(revision),
            );
    }
    let result = update
        .filter(release_request::Column::Id.eq(id))
        .filter(release_request::Column::Status.is_in(from.iter().copied()))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Records a review (`approve`, `reject`, `comment`) or an event (`refresh`, `publish`).
pub async fn add_review(
    db: &impl ConnectionTrait,
    request_id: i64,
    verdict: &str,
    comment: &str,
    by: &str,
) -> Result<(), DbErr> {
    release_request_review::ActiveModel {
        request_id: Set(request_id),
        verdict: Set(verdict.to_owned()),
        comment: Set(comment.to_owned()),
        created_by: Set(by.to_owned()),
        created_at: Set(now_millis()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    if let Some(r) = find(db, request_id).await? {
        audit(db, &r, verdict, comment, by).await?;
    }
    Ok(())
}

/// A request's reviews, oldest first.
pub async fn reviews_of(
    db: &impl ConnectionTrait,
    request_id: i64,
) -> Result<Vec<release_request_review::Model>, DbErr> {
    release_request_review::Entity::find()
        .filter(release_request_review::Column::RequestId.eq(request_id))
        .order_by_asc(release_request_review::Column::Id)
        .all(db)
        .await
}

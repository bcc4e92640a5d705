//! Commits: the recorded change sets of a namespace.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use super::namespaces::NamespaceRef;
use crate::entity::commit::{self, Column, Entity};
use crate::page::{self, PageRequest, Paged};
use crate::time::now_millis;

fn of(r: NamespaceRef<'_>) -> sea_orm::Select<Entity> {
    Entity::find()
        .filter(Column::Env.eq(r.env))
        .filter(Column::AppId.eq(r.app_id))
        .filter(Column::ClusterName.eq(r.cluster))
        .filter(Column::NamespaceName.eq(r.namespace))
        .filter(Column::DeletedAt.eq(0))
}

/// Records a change set (JSON) of the namespace at `r`.
pub async fn insert(
    db: &impl ConnectionTrait,
    r: NamespaceRef<'_>,
    change_sets: String,
    comment: &str,
    operator: &str,
) -> Result<commit::Model, DbErr> {
    let now = now_millis();
    commit::ActiveModel {
        env: Set(r.env.to_owned()),
        app_id: Set(r.app_id.to_owned()),
        cluster_name: Set(r.cluster.to_owned()),
        namespace_name: Set(r.namespace.to_owned()),
        change_sets: Set(change_sets),
        comment: Set(comment.to_owned()),
        created_by: Set(operator.to_owned()),
        created_at: Set(now),
        updated_by: Set(operator.to_owned()),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// One page of the namespace's commits, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    r: NamespaceRef<'_>,
    request: PageRequest,
) -> Result<Paged<commit::Model>, DbErr> {
    page::fetch(db, of(r).order_by_desc(Column::Id), request).await
}

/// Up to `limit` of the namespace's commits older than `before_id` (all when 0), newest first:
/// for walking the whole history in batches.
pub async fn batch(
    db: &impl ConnectionTrait,
    r: NamespaceRef<'_>,
    before_id: i64,
    limit: u64,
) -> Result<Vec<commit::Model>, DbErr> {
    let mut select = of(r);
    if before_id > 0 {
        select = select.filter(Column::Id.lt(before_id));
    }
    select.order_by_desc(Column::Id).limit(limit).all(db).await
}

/// Marks the commits of the namespaces deleted at `now`, so that a namespace created again
/// with the same name starts with a clean history.
pub async fn soft_delete_of(
    db: &impl ConnectionTrait,
    refs: &[NamespaceRef<'_>],
    now: i64,
) -> Result<(), DbErr> {
    for r in refs {
        Entity::update_many()
            .col_expr(Column::DeletedAt, Expr::value(now))
            .filter(Column::Env.eq(r.env))
            .filter(Column::AppId.eq(r.app_id))
            .filter(Column::ClusterName.eq(r.cluster))
            .filter(Column::NamespaceName.eq(r.namespace))
            .filter(Column::DeletedAt.eq(0))
            .exec(db)
            .await?;
    }
    Ok(())
}

//! Clusters of an app, per environment. A gray branch is a child cluster.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

use crate::entity::cluster::{self, Column, Entity};
use crate::time::now_millis;

/// The live cluster `name` of `app_id` in `env`.
pub async fn find(
    db: &impl ConnectionTrait,
    env: &str,
    app_id: &str,
    name: &str,
) -> Result<Option<cluster::Model>, DbErr> {
    Entity::find()
        .filter(Column::Env.eq(env))
        .filter(Column::AppId.eq(app_id))
        .filter(Column::Name.eq(name))
        .filter(Column::DeletedAt.eq(0))
        .one(db)
        .await
}

/// The live top-level clusters (not gray branches) of `app_id` in `env`, `default` first.
pub async fn list(
    db: &impl ConnectionTrait,
    env: &str,
    app_id: &str,
) -> Result<Vec<cluster::Model>, DbErr> {
    let mut clusters = Entity::find()
        .filter(Column::Env.eq(env))
        .filter(Column::AppId.eq(app_id))
        .filter(Column::ParentClusterId.eq(0))
        .filter(Column::DeletedAt.eq(0))
        .order_by_asc(Column::Name)
        .all(db)
        .await?;
    clusters.sort_by_key(|c| c.name != "default");
    Ok(clusters)
}

/// Every live cluster of `app_id` (branches included) in every environment.
pub async fn list_all(
    db: &impl ConnectionTrait,
    app_id: &str,
) -> Result<Vec<cluster::Model>, DbErr> {
    Entity::find()
        .filter(Column::AppId.eq(app_id))
        .filter(Column::DeletedAt.eq(0))
        .order_by_asc(Column::Id)
        .all(db)
        .await
}

/// The live children (gray branches) of a cluster.
pub async fn children(
    db: &impl ConnectionTrait,
    parent_id: i64,
) -> Result<Vec<cluster::Model>, DbErr> {
    Entity::find()
        .filter(Column::ParentClusterId.eq(parent_id))
        .filter(Column::DeletedAt.eq(0))
        .all(db)
        .await
}

/// Creates a cluster (`parent_cluster_id` 0 for a top-level one).
pub async fn insert(
    db: &impl ConnectionTrait,
    env: &str,
    app_id: &str,
    name: &str,
    parent_cluster_id: i64,
    comment: &str,
    operator: &str,
) -> Result<cluster::Model, DbErr> {
    let now = now_millis();
    cluster::ActiveModel {
        env: Set(env.to_owned()),
        app_id: Set(app_id.to_owned()),
        name: Set(name.to_owned()),
        parent_cluster_id: Set(parent_cluster_id),
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

/// Marks clusters deleted at `now`.
pub async fn soft_delete(
    db: &impl ConnectionTrait,
    ids: &[i64],
    operator: &str,
    now: i64,
) -> Result<(), DbErr> {
    if ids.is_empty() {
        return Ok(());
    }
    Entity::update_many()
        .col_expr(Column::DeletedAt, Expr::value(now))
        .col_expr(Column::UpdatedBy, Expr::value(operator))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::Id.is_in(ids.iter().copied()))
        .exec(db)
        .await?;
    Ok(())
}

//! Namespaces: a namespace definition instantiated in one cluster of one environment.

use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::entity::namespace::{self, Column, Entity};
use crate::time::now_millis;

/// Where a namespace lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NamespaceRef<'a> {
    /// The environment.
    pub env: &'a str,
    /// The app.
    pub app_id: &'a str,
    /// The cluster.
    pub cluster: &'a str,
    /// The namespace.
    pub namespace: &'a str,
}

fn by_ref(r: NamespaceRef<'_>) -> sea_orm::Select<Entity> {
    Entity::find()
        .filter(Column::Env.eq(r.env))
        .filter(Column::AppId.eq(r.app_id))
        .filter(Column::ClusterName.eq(r.cluster))
        .filter(Column::NamespaceName.eq(r.namespace))
        .filter(Column::DeletedAt.eq(0))
}

/// The live namespace at `r`.
pub async fn find(
    db: &impl ConnectionTrait,
    r: NamespaceRef<'_>,
) -> Result<Option<namespace::Model>, DbErr> {
    by_ref(r).one(db).await
}

/// The live namespace at `r`, locked for the rest of the transaction: writers of one
/// namespace wait for each other here (see [`crate::write`]). Must be the transaction's first
/// read, so that what follows sees the previous writer's commit.
pub async fn find_for_update(
    db: &impl ConnectionTrait,
    r: NamespaceRef<'_>,
) -> Result<Option<namespace::Model>, DbErr> {
    by_ref(r).lock_exclusive().one(db).await
}

/// The live namespaces of a cluster, by name.
pub async fn list(
    db: &impl ConnectionTrait,
    env: &str,
    app_id: &str,
    cluster: &str,
) -> Result<Vec<namespace::Model>, DbErr> {
    Entity::find()
        .filter(Column::Env.eq(env))
        .filter(Column::AppId.eq(app_id))
        .filter(Column::ClusterName.eq(cluster))
        .filter(Column::DeletedAt.eq(0))
        .order_by_asc(Column::NamespaceName)
        .all(db)
        .await
}

/// Every live namespace named `namespace` in any cluster of any environment; with `app_id`,
/// only that app's.
pub async fn list_named(
    db: &impl ConnectionTrait,
    app_id: Option<&str>,
    namespace: &str,
) -> Result<Vec<namespace::Model>, DbErr> {
    let mut select = Entity::find()
        .filter(Column::NamespaceName.eq(namespace))
        .filter(Column::DeletedAt.eq(0));
    if let Some(app_id) = app_id {
        select = select.filter(Column::AppId.eq(app_id));
    }
    select.order_by_asc(Column::Id).all(db).await
}

/// Every live namespace of `app_id` (in `cluster` only, when given), in every environment.
pub async fn list_of_app(
    db: &impl ConnectionTrait,
    app_id: &str,
    env_cluster: Option<(&str, &str)>,
) -> Result<Vec<namespace::Model>, DbErr> {
    let mut select = Entity::find()
        .filter(Column::AppId.eq(app_id))
        .filter(Column::DeletedAt.eq(0));
    if let Some((env, cluster)) = env_cluster {
        select = select
            .filter(Column::Env.eq(env))
            .filter(Column::ClusterName.eq(cluster));
    }
    select.order_by_asc(Column::Id).all(db).await
}

/// Creates a namespace in a cluster; an existing one is a unique violation.
pub async fn insert(
    db: &impl ConnectionTrait,
    r: NamespaceRef<'_>,
    operator: &str,
) -> Result<namespace::Model, DbErr> {
    let now = now_millis();
    namespace::ActiveModel {
        env: Set(r.env.to_owned()),
        app_id: Set(r.app_id.to_owned()),
        cluster_name: Set(r.cluster.to_owned()),
        namespace_name: Set(r.namespace.to_owned()),
        revision: Set(0),
        created_by: Set(operator.to_owned()),
        created_at: Set(now),
        updated_by: Set(operator.to_owned()),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// Records that the namespace's items changed: its revision grows by one. Returns the new
/// revision.
pub async fn bump_revision(
    db: &impl ConnectionTrait,
    ns: &namespace::Model,
    operator: &str,
) -> Result<i64, DbErr> {
    Entity::update_many()
        .col_expr(Column::Revision, Expr::col(Column::Revision).add(1))
        .col_expr(Column::UpdatedBy, Expr::value(operator))
        .col_expr(Column::UpdatedAt, Expr::value(now_millis()))
        .filter(Column::Id.eq(ns.id))
        .exec(db)
        .await?;
    Ok(ns.revision + 1)
}

/// Marks namespaces deleted at `now`.
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

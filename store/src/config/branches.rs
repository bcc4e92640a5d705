//! Gray branches: a child cluster holding one namespace's overrides, and the rules that pick
//! the clients served its release. The rule row (`gray_rules`) is the branch's record: its
//! status says whether the branch is active, abandoned or merged.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

use super::namespaces::NamespaceRef;
use crate::entity::gray_rule::{self, Column, Entity};
use crate::time::now_millis;

/// A branch in use.
pub const ACTIVE: i32 = 0;
/// A branch abandoned: its clients went back to main.
pub const ABANDONED: i32 = 1;
/// A branch merged into main and deleted.
pub const MERGED: i32 = 2;

/// The active branch of the namespace at `main` (its cluster is the parent), if any.
pub async fn active(
    db: &impl ConnectionTrait,
    main: NamespaceRef<'_>,
) -> Result<Option<gray_rule::Model>, DbErr> {
    Entity::find()
        .filter(Column::Env.eq(main.env))
        .filter(Column::AppId.eq(main.app_id))
        .filter(Column::ClusterName.eq(main.cluster))
        .filter(Column::NamespaceName.eq(main.namespace))
        .filter(Column::BranchStatus.eq(ACTIVE))
        .filter(Column::DeletedAt.eq(0))
        .order_by_desc(Column::Id)
        .one(db)
        .await
}

/// Records a new, active branch with no rules.
pub async fn insert(
    db: &impl ConnectionTrait,
    main: NamespaceRef<'_>,
    branch_name: &str,
    operator: &str,
) -> Result<gray_rule::Model, DbErr> {
    let now = now_millis();
    gray_rule::ActiveModel {
        env: Set(main.env.to_owned()),
        app_id: Set(main.app_id.to_owned()),
        cluster_name: Set(main.cluster.to_owned()),
        namespace_name: Set(main.namespace.to_owned()),
        branch_name: Set(branch_name.to_owned()),
        rules: Set("[]".into()),
        release_id: Set(0),
        branch_status: Set(ACTIVE),
        created_by: Set(operator.to_owned()),
        created_at: Set(now),
        updated_by: Set(operator.to_owned()),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// Replaces a branch's rules (JSON).
pub async fn set_rules(
    db: &impl ConnectionTrait,
    id: i64,
    rules: String,
    operator: &str,
) -> Result<(), DbErr> {
    Entity::update_many()
        .col_expr(Column::Rules, Expr::value(rules))
        .col_expr(Column::UpdatedBy, Expr::value(operator))
        .col_expr(Column::UpdatedAt, Expr::value(now_millis()))
        .filter(Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Records the branch's latest release.
pub async fn set_release(
    db: &impl ConnectionTrait,
    id: i64,
    release_id: i64,
    operator: &str,
) -> Result<(), DbErr> {
    Entity::update_many()
        .col_expr(Column::ReleaseId, Expr::value(release_id))
        .col_expr(Column::UpdatedBy, Expr::value(operator))
        .col_expr(Column::UpdatedAt, Expr::value(now_millis()))
        .filter(Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Ends a branch (abandoned or merged).
pub async fn end(
    db: &impl ConnectionTrait,
    id: i64,
    status: i32,
    operator: &str,
) -> Result<(), DbErr> {
    let now = now_millis();
    Entity::update_many()
        .col_expr(Column::BranchStatus, Expr::value(status))
        .col_expr(Column::DeletedAt, Expr::value(now))
        .col_expr(Column::UpdatedBy, Expr::value(operator))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// The cluster that `branch` (a gray branch's cluster name) belongs to, if it is a live branch.
pub async fn parent_of(
    db: &impl ConnectionTrait,
    env: &str,
    app_id: &str,
    branch: &str,
) -> Result<Option<String>, DbErr> {
    Ok(Entity::find()
        .filter(Column::Env.eq(env))
        .filter(Column::AppId.eq(app_id))
        .filter(Column::BranchName.eq(branch))
        .filter(Column::BranchStatus.eq(ACTIVE))
        .filter(Column::DeletedAt.eq(0))
        .one(db)
        .await?
        .map(|rule| rule.cluster_name))
}

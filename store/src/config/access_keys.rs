//! Access keys: secrets with which an app's clients sign their requests, at most five per app
//! and environment.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Set,
};

use crate::entity::access_key::{self, Column, Entity};
use crate::time::now_millis;

/// The live keys of `app_id` in `env`, oldest first.
pub async fn list(
    db: &impl ConnectionTrait,
    env: &str,
    app_id: &str,
) -> Result<Vec<access_key::Model>, DbErr> {
    Entity::find()
        .filter(Column::Env.eq(env))
        .filter(Column::AppId.eq(app_id))
        .filter(Column::DeletedAt.eq(0))
        .order_by_asc(Column::Id)
        .all(db)
        .await
}

/// Every live, enabled key of every app and environment: what config services check.
pub async fn all_enabled(db: &impl ConnectionTrait) -> Result<Vec<access_key::Model>, DbErr> {
    Entity::find()
        .filter(Column::IsEnabled.eq(true))
        .filter(Column::DeletedAt.eq(0))
        .all(db)
        .await
}

/// Whether `app_id` has an enabled key in `env` that is enforced (not only observed): its
/// clients then sign every read, and are served secret values.
pub async fn enforced(db: &impl ConnectionTrait, env: &str, app_id: &str) -> Result<bool, DbErr> {
    Ok(Entity::find()
        .filter(Column::Env.eq(env))
        .filter(Column::AppId.eq(app_id))
        .filter(Column::IsEnabled.eq(true))
        .filter(Column::Mode.eq(0))
        .filter(Column::DeletedAt.eq(0))
        .count(db)
        .await?
        > 0)
}

/// How many live keys `app_id` has in `env`.
pub async fn count(db: &impl ConnectionTrait, env: &str, app_id: &str) -> Result<u64, DbErr> {
    Entity::find()
        .filter(Column::Env.eq(env))
        .filter(Column::AppId.eq(app_id))
        .filter(Column::DeletedAt.eq(0))
        .count(db)
        .await
}

/// The live key `id` of `app_id` in `env`.
pub async fn find(
    db: &impl ConnectionTrait,
    env: &str,
    app_id: &str,
    id: i64,
) -> Result<Option<access_key::Model>, DbErr> {
    Entity::find_by_id(id)
        .filter(Column::Env.eq(env))
        .filter(Column::AppId.eq(app_id))
        .filter(Column::DeletedAt.eq(0))
        .one(db)
        .await
}

/// Stores a new key, disabled until enabled (as Apollo does, so clients can be given the
/// secret before it is enforced).
pub async fn insert(
    db: &impl ConnectionTrait,
    env: &str,
    app_id: &str,
    secret: &str,
    operator: &str,
) -> Result<access_key::Model, DbErr> {
    let now = now_millis();
    access_key::ActiveModel {
        env: Set(env.to_owned()),
        app_id: Set(app_id.to_owned()),
        secret: Set(secret.to_owned()),
        mode: Set(0),
        is_enabled: Set(false),
        created_by: Set(operator.to_owned()),
        created_at: Set(now),
        updated_by: Set(operator.to_owned()),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// Sets a key's enabled flag and mode (0 enforce, 1 observe).
pub async fn set_state(
    db: &impl ConnectionTrait,
    id: i64,
    enabled: bool,
    mode: i32,
    operator: &str,
) -> Result<(), DbErr> {
    Entity::update_many()
        .col_expr(Column::IsEnabled, Expr::value(enabled))
        .col_expr(Column::Mode, Expr::value(mode))
        .col_expr(Column::UpdatedBy, Expr::value(operator))
        .col_expr(Column::UpdatedAt, Expr::value(now_millis()))
        .filter(Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Marks a key deleted.
pub async fn soft_delete(db: &impl ConnectionTrait, id: i64, operator: &str) -> Result<(), DbErr> {
    let now = now_millis();
    Entity::update_many()
        .col_expr(Column::DeletedAt, Expr::value(now))
        .col_expr(Column::IsEnabled, Expr::value(false))
        .col_expr(Column::UpdatedBy, Expr::value(operator))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

//! Namespace schemas: their versions, and how each environment treats them at publish.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

use crate::entity::{namespace_schema, namespace_schema_mode};
use crate::time::now_millis;

/// The schema in force for an app's namespace: its newest version.
pub async fn latest(
    db: &impl ConnectionTrait,
    app_id: &str,
    namespace: &str,
) -> Result<Option<namespace_schema::Model>, DbErr> {
    namespace_schema::Entity::find()
        .filter(namespace_schema::Column::AppId.eq(app_id))
        .filter(namespace_schema::Column::NamespaceName.eq(namespace))
        .order_by_desc(namespace_schema::Column::Version)
        .one(db)
        .await
}

/// Every version of an app's namespace's schema, newest first.
pub async fn history(
    db: &impl ConnectionTrait,
    app_id: &str,
    namespace: &str,
) -> Result<Vec<namespace_schema::Model>, DbErr> {
    namespace_schema::Entity::find()
        .filter(namespace_schema::Column::AppId.eq(app_id))
        .filter(namespace_schema::Column::NamespaceName.eq(namespace))
        .order_by_desc(namespace_schema::Column::Version)
        .all(db)
        .await
}

/// Stores `document` as the next version. Two at once: one of them meets a unique violation.
pub async fn add(
    db: &impl ConnectionTrait,
    app_id: &str,
    namespace: &str,
    document: &str,
    by: &str,
) -> Result<namespace_schema::Model, DbErr> {
    let version = latest(db, app_id, namespace)
        .await?
        .map_or(1, |s| s.version + 1);
    namespace_schema::ActiveModel {
        app_id: Set(app_id.to_owned()),
        namespace_name: Set(namespace.to_owned()),
        version: Set(version),
        document: Set(document.to_owned()),
        created_by: Set(by.to_owned()),
        created_at: Set(now_millis()),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// Forgets the schemas and modes of an app's namespace (`None`: of all its namespaces), which
/// are gone.
pub async fn delete(
    db: &impl ConnectionTrait,
    app_id: &str,
    namespace: Option<&str>,
) -> Result<(), DbErr> {
    let mut schemas =
        namespace_schema::Entity::delete_many().filter(namespace_schema::Column::AppId.eq(app_id));
    let mut modes = namespace_schema_mode::Entity::delete_many()
        .filter(namespace_schema_mode::Column::AppId.eq(app_id));
    if let Some(namespace) = namespace {
        schemas = schemas.filter(namespace_schema::Column::NamespaceName.eq(namespace));
        modes = modes.filter(namespace_schema_mode::Column::NamespaceName.eq(namespace));
    }
    schemas.exec(db).await?;
    modes.exec(db).await?;
    Ok(())
}

/// How `env` treats the namespace's schema, if it was ever said.
pub async fn mode(
    db: &impl ConnectionTrait,
    env: &str,
    app_id: &str,
    namespace: &str,
) -> Result<Option<namespace_schema_mode::Model>, DbErr> {
    namespace_schema_mode::Entity::find()
        .filter(namespace_schema_mode::Column::Env.eq(env))
        .filter(namespace_schema_mode::Column::AppId.eq(app_id))
        .filter(namespace_schema_mode::Column::NamespaceName.eq(namespace))
        .one(db)
        .await
}

/// Sets how `env` treats the namespace's schema.
pub async fn set_mode(
    db: &impl ConnectionTrait,
    env: &str,
    app_id: &str,
    namespace: &str,
    value: &str,
    by: &str,
) -> Result<(), DbErr> {
    let now = now_millis();
    let updated = namespace_schema_mode::Entity::update_many()
        .col_expr(namespace_schema_mode::Column::Mode, Expr::value(value))
        .col_expr(namespace_schema_mode::Column::UpdatedBy, Expr::value(by))
        .col_expr(namespace_schema_mode::Column::UpdatedAt, Expr::value(now))
        .filter(namespace_schema_mode::Column::Env.eq(env))
        .filter(namespace_schema_mode::Column::AppId.eq(app_id))
        .filter(namespace_schema_mode::Column::NamespaceName.eq(namespace))
        .exec(db)
        .await?;
    if updated.rows_affected > 0 {
        return Ok(());
    }
    namespace_schema_mode::ActiveModel {
        env: Set(env.to_owned()),
        app_id: Set(app_id.to_owned()),
        namespace_name: Set(namespace.to_owned()),
        mode: Set(value.to_owned()),
        created_by: Set(by.to_owned()),
        created_at: Set(now),
        updated_by: Set(by.to_owned()),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

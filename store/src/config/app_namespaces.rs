//! Namespace definitions: name, format, visibility. Public names are unique across apps.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

use crate::entity::app_namespace::{self, Column, Entity};
use crate::time::now_millis;

/// The live definition `name` of `app_id`.
pub async fn find(
    db: &impl ConnectionTrait,
    app_id: &str,
    name: &str,
) -> Result<Option<app_namespace::Model>, DbErr> {
    Entity::find()
        .filter(Column::AppId.eq(app_id))
        .filter(Column::Name.eq(name))
        .filter(Column::DeletedAt.eq(0))
        .one(db)
        .await
}

/// The live definitions of `app_id`, `application` first, then by name.
pub async fn list(
    db: &impl ConnectionTrait,
    app_id: &str,
) -> Result<Vec<app_namespace::Model>, DbErr> {
    let mut found = Entity::find()
        .filter(Column::AppId.eq(app_id))
        .filter(Column::DeletedAt.eq(0))
        .order_by_asc(Column::Name)
        .all(db)
        .await?;
    found.sort_by_key(|n| n.name != "application");
    Ok(found)
}

/// The live public definition named `name`, whichever app owns it.
pub async fn find_public(
    db: &impl ConnectionTrait,
    name: &str,
) -> Result<Option<app_namespace::Model>, DbErr> {
    Entity::find()
        .filter(Column::PublicName.eq(name))
        .filter(Column::DeletedAt.eq(0))
        .one(db)
        .await
}

/// Every live public definition, by name.
pub async fn list_public(db: &impl ConnectionTrait) -> Result<Vec<app_namespace::Model>, DbErr> {
    Entity::find()
        .filter(Column::IsPublic.eq(true))
        .filter(Column::DeletedAt.eq(0))
        .order_by_asc(Column::Name)
        .all(db)
        .await
}

/// Live definitions named `name` in any app.
pub async fn find_by_name(
    db: &impl ConnectionTrait,
    name: &str,
) -> Result<Vec<app_namespace::Model>, DbErr> {
    Entity::find()
        .filter(Column::Name.eq(name))
        .filter(Column::DeletedAt.eq(0))
        .all(db)
        .await
}

/// Creates a definition; a taken name (in the app, or a public name anywhere) is a unique
/// violation.
pub async fn insert(
    db: &impl ConnectionTrait,
    app_id: &str,
    name: &str,
    format: &str,
    is_public: bool,
    comment: &str,
    operator: &str,
) -> Result<app_namespace::Model, DbErr> {
    let now = now_millis();
    app_namespace::ActiveModel {
        app_id: Set(app_id.to_owned()),
        name: Set(name.to_owned()),
        format: Set(format.to_owned()),
        is_public: Set(is_public),
        public_name: Set(is_public.then(|| name.to_owned())),
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

/// Marks definitions of `app_id` deleted at `now` (all of them when `name` is `None`).
pub async fn soft_delete(
    db: &impl ConnectionTrait,
    app_id: &str,
    name: Option<&str>,
    operator: &str,
    now: i64,
) -> Result<(), DbErr> {
    let mut update = Entity::update_many()
        .col_expr(Column::DeletedAt, Expr::value(now))
        .col_expr(Column::UpdatedBy, Expr::value(operator))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::AppId.eq(app_id))
        .filter(Column::DeletedAt.eq(0));
    if let Some(name) = name {
        update = update.filter(Column::Name.eq(name));
    }
    update.exec(db).await?;
    Ok(())
}

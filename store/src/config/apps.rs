//! Apps.

use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

use super::contains_ignore_case;
use crate::entity::app::{self, Column, Entity};
use crate::page::{self, PageRequest, Paged};
use crate::time::now_millis;

/// The fields of a new app.
#[derive(Clone, Debug)]
pub struct NewApp<'a> {
    /// Unique id.
    pub app_id: &'a str,
    /// Display name.
    pub name: &'a str,
    /// Organisation id.
    pub org_id: &'a str,
    /// Organisation name.
    pub org_name: &'a str,
    /// Owner.
    pub owner_name: &'a str,
    /// Owner's email.
    pub owner_email: &'a str,
}

/// The live app `app_id`.
pub async fn find(db: &impl ConnectionTrait, app_id: &str) -> Result<Option<app::Model>, DbErr> {
    Entity::find()
        .filter(Column::AppId.eq(app_id))
        .filter(Column::DeletedAt.eq(0))
        .one(db)
        .await
}

/// Live apps, by app id; `search` matches app ids and names, ignoring case.
pub async fn list(
    db: &impl ConnectionTrait,
    search: Option<&str>,
    request: PageRequest,
) -> Result<Paged<app::Model>, DbErr> {
    let mut select = Entity::find().filter(Column::DeletedAt.eq(0));
    if let Some(text) = search.filter(|s| !s.is_empty()) {
        select = select.filter(
            Condition::any()
                .add(contains_ignore_case(Column::AppId, text))
                .add(contains_ignore_case(Column::Name, text)),
        );
    }
    page::fetch(db, select.order_by_asc(Column::AppId), request).await
}

/// Creates an app; a live app with the same id is a unique violation.
pub async fn insert(
    db: &impl ConnectionTrait,
    new: &NewApp<'_>,
    operator: &str,
) -> Result<app::Model, DbErr> {
    let now = now_millis();
    app::ActiveModel {
        app_id: Set(new.app_id.to_owned()),
        name: Set(new.name.to_owned()),
        org_id: Set(new.org_id.to_owned()),
        org_name: Set(new.org_name.to_owned()),
        owner_name: Set(new.owner_name.to_owned()),
        owner_email: Set(new.owner_email.to_owned()),
        created_by: Set(operator.to_owned()),
        created_at: Set(now),
        updated_by: Set(operator.to_owned()),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// Saves changed fields of an app.
pub async fn update(
    db: &impl ConnectionTrait,
    mut app: app::ActiveModel,
    operator: &str,
) -> Result<app::Model, DbErr> {
    app.updated_by = Set(operator.to_owned());
    app.updated_at = Set(now_millis());
    app.update(db).await
}

/// Marks the app deleted at `now`.
pub async fn soft_delete(
    db: &impl ConnectionTrait,
    id: i64,
    operator: &str,
    now: i64,
) -> Result<(), DbErr> {
    Entity::update_many()
        .col_expr(Column::DeletedAt, Expr::value(now))
        .col_expr(Column::UpdatedBy, Expr::value(operator))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

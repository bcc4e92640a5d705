//! The apps a user marked as favorites, in their order.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

use crate::entity::favorite;
use crate::is_unique_violation;
use crate::time::now_millis;

/// A user's favorite apps, in their order.
pub async fn list(db: &impl ConnectionTrait, user_id: i64) -> Result<Vec<favorite::Model>, DbErr> {
    favorite::Entity::find()
        .filter(favorite::Column::UserId.eq(user_id))
        .order_by_asc(favorite::Column::Position)
        .order_by_asc(favorite::Column::Id)
        .all(db)
        .await
}

/// Marks `app_id` as a favorite, last in order; whether it was new.
pub async fn add(db: &impl ConnectionTrait, user_id: i64, app_id: &str) -> Result<bool, DbErr> {
    let last = list(db, user_id).await?.last().map_or(0, |f| f.position);
    let inserted = favorite::ActiveModel {
        user_id: Set(user_id),
        app_id: Set(app_id.to_owned()),
        position: Set(last.saturating_add(1)),
        created_at: Set(now_millis()),
        ..Default::default()
    }
    .insert(db)
    .await;
    match inserted {
        Ok(_) => Ok(true),
        Err(e) if is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Unmarks `app_id`; whether it was a favorite.
pub async fn remove(db: &impl ConnectionTrait, user_id: i64, app_id: &str) -> Result<bool, DbErr> {
    let result = favorite::Entity::delete_many()
        .filter(favorite::Column::UserId.eq(user_id))
        .filter(favorite::Column::AppId.eq(app_id))
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

/// Puts the user's favorites in the order of `app_ids` (others keep their place after them).
pub async fn reorder(
    db: &impl ConnectionTrait,
    user_id: i64,
    app_ids: &[String],
) -> Result<(), DbErr> {
    for (i, app_id) in app_ids.iter().enumerate() {
        favorite::Entity::update_many()
            .col_expr(
                favorite::Column::Position,
                Expr::value(
                    i32::try_from(i).unwrap_or(i32::MAX)
                        - i32::try_from(app_ids.len()).unwrap_or(0),
                ),
            )
            .filter(favorite::Column::UserId.eq(user_id))
            .filter(favorite::Column::AppId.eq(app_id))
            .exec(db)
            .await?;
    }
    Ok(())
}

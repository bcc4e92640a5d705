//! Settings stored in the database, global (`scope` empty) or per environment.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};

use crate::entity::setting;
use crate::is_unique_violation;
use crate::time::now_millis;

/// The value of setting `name` in `scope`.
pub async fn get(
    db: &impl ConnectionTrait,
    scope: &str,
    name: &str,
) -> Result<Option<String>, DbErr> {
    Ok(setting::Entity::find()
        .filter(setting::Column::Scope.eq(scope))
        .filter(setting::Column::Name.eq(name))
        .one(db)
        .await?
        .map(|s| s.value))
}

/// The value of setting `name`, storing `value` first if there is none. When two processes
/// race, both get the value that was stored first.
pub async fn get_or_insert(
    db: &impl ConnectionTrait,
    scope: &str,
    name: &str,
    value: &str,
    by: &str,
) -> Result<String, DbErr> {
    if let Some(existing) = get(db, scope, name).await? {
        return Ok(existing);
    }
    let now = now_millis();
    let inserted = setting::ActiveModel {
        scope: Set(scope.to_owned()),
        name: Set(name.to_owned()),
        value: Set(value.to_owned()),
        created_by: Set(by.to_owned()),
        created_at: Set(now),
        updated_by: Set(by.to_owned()),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await;
    match inserted {
        Ok(row) => Ok(row.value),
        Err(e) if is_unique_violation(&e) => get(db, scope, name)
            .await?
            .ok_or_else(|| DbErr::RecordNotFound(name.to_owned())),
        Err(e) => Err(e),
    }
}

/// Sets `name` in `scope` to `value`, creating the setting if needed.
pub async fn put(
    db: &impl ConnectionTrait,
    scope: &str,
    name: &str,
    value: &str,
    by: &str,
) -> Result<(), DbErr> {
    use sea_orm::sea_query::Expr;
    let now = now_millis();
    let updated = setting::Entity::update_many()
        .col_expr(setting::Column::Value, Expr::value(value))
        .col_expr(setting::Column::UpdatedBy, Expr::value(by))
        .col_expr(setting::Column::UpdatedAt, Expr::value(now))
        .filter(setting::Column::Scope.eq(scope))
        .filter(setting::Column::Name.eq(name))
        .exec(db)
        .await?;
    if updated.rows_affected == 0 {
        get_or_insert(db, scope, name, value, by).await?;
        // A concurrent insert may have won with another value; this call's value is the newer.
        setting::Entity::update_many()
            .col_expr(setting::Column::Value, Expr::value(value))
            .filter(setting::Column::Scope.eq(scope))
            .filter(setting::Column::Name.eq(name))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// A boolean setting (`true`/`false`), `default` when unset.
pub async fn get_bool(
    db: &impl ConnectionTrait,
    scope: &str,
    name: &str,
    default: bool,
) -> Result<bool, DbErr> {
    Ok(get(db, scope, name)
        .await?
        .map_or(default, |v| v.eq_ignore_ascii_case("true")))
}

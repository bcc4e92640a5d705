//! Items of a namespace.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Set,
};

use crate::entity::item::{self, Column, Entity};
use crate::time::now_millis;

/// The live items of a namespace, in their order.
pub async fn list(db: &impl ConnectionTrait, namespace_id: i64) -> Result<Vec<item::Model>, DbErr> {
    Entity::find()
        .filter(Column::NamespaceId.eq(namespace_id))
        .filter(Column::DeletedAt.eq(0))
        .order_by_asc(Column::LineNum)
        .order_by_asc(Column::Id)
        .all(db)
        .await
}

/// How many live items with a key a namespace holds.
pub async fn count(db: &impl ConnectionTrait, namespace_id: i64) -> Result<u64, DbErr> {
    Entity::find()
        .filter(Column::NamespaceId.eq(namespace_id))
        .filter(Column::DeletedAt.eq(0))
        .filter(Column::Key.ne(""))
        .count(db)
        .await
}

/// The live item `key` of a namespace.
pub async fn find(
    db: &impl ConnectionTrait,
    namespace_id: i64,
    key: &str,
) -> Result<Option<item::Model>, DbErr> {
    Entity::find()
        .filter(Column::NamespaceId.eq(namespace_id))
        .filter(Column::Key.eq(key))
        .filter(Column::DeletedAt.eq(0))
        .one(db)
        .await
}

/// The fields of a new item.
#[derive(Clone, Debug)]
pub struct NewItem<'a> {
    /// The namespace.
    pub namespace_id: i64,
    /// The key.
    pub key: &'a str,
    /// The value.
    pub value: &'a str,
    /// The comment.
    pub comment: &'a str,
    /// Its position.
    pub line_num: i32,
    /// In a gray branch: the override deletes the key.
    pub deletes_key: bool,
}

/// Creates an item at version 1; a live item with the same key is a unique violation.
pub async fn insert(
    db: &impl ConnectionTrait,
    new: &NewItem<'_>,
    operator: &str,
) -> Result<item::Model, DbErr> {
    let now = now_millis();
    item::ActiveModel {
        namespace_id: Set(new.namespace_id),
        key: Set(new.key.to_owned()),
        value: Set(new.value.to_owned()),
        comment: Set(new.comment.to_owned()),
        line_num: Set(new.line_num),
        version: Set(1),
        deletes_key: Set(new.deletes_key),
        created_by: Set(operator.to_owned()),
        created_at: Set(now),
        updated_by: Set(operator.to_owned()),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// Changes an item's value, comment and position if it is still at `item.version`; returns
/// the new version, or `None` when someone changed it first.
pub async fn update(
    db: &impl ConnectionTrait,
    item: &item::Model,
    value: &str,
    comment: &str,
    line_num: i32,
    operator: &str,
) -> Result<Option<i64>, DbErr> {
    let result = Entity::update_many()
        .col_expr(Column::Value, Expr::value(value))
        .col_expr(Column::Comment, Expr::value(comment))
        .col_expr(Column::LineNum, Expr::value(line_num))
        .col_expr(Column::Version, Expr::value(item.version + 1))
        .col_expr(Column::UpdatedBy, Expr::value(operator))
        .col_expr(Column::UpdatedAt, Expr::value(now_millis()))
        .filter(Column::Id.eq(item.id))
        .filter(Column::Version.eq(item.version))
        .filter(Column::DeletedAt.eq(0))
        .exec(db)
        .await?;
    Ok((result.rows_affected == 1).then_some(item.version + 1))
}

/// Turns a branch override into a deletion of the key (or back into a value) at the next
/// version; returns the new version.
pub async fn set_deletes_key(
    db: &impl ConnectionTrait,
    item: &item::Model,
    deletes_key: bool,
    operator: &str,
) -> Result<i64, DbErr> {
    Entity::update_many()
        .col_expr(Column::DeletesKey, Expr::value(deletes_key))
        .col_expr(Column::Version, Expr::value(item.version + 1))
        .col_expr(Column::UpdatedBy, Expr::value(operator))
        .col_expr(Column::UpdatedAt, Expr::value(now_millis()))
        .filter(Column::Id.eq(item.id))
        .exec(db)
        .await?;
    Ok(item.version + 1)
}

/// Marks an item deleted if it is still at `item.version`; `false` when someone changed it
/// first.
pub async fn soft_delete(
    db: &impl ConnectionTrait,
    item: &item::Model,
    operator: &str,
    now: i64,
) -> Result<bool, DbErr> {
    let result = Entity::update_many()
        .col_expr(Column::DeletedAt, Expr::value(now))
        .col_expr(Column::UpdatedBy, Expr::value(operator))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::Id.eq(item.id))
        .filter(Column::Version.eq(item.version))
        .filter(Column::DeletedAt.eq(0))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Marks every live item of the namespaces deleted at `now`.
pub async fn soft_delete_all(
    db: &impl ConnectionTrait,
    namespace_ids: &[i64],
    operator: &str,
    now: i64,
) -> Result<(), DbErr> {
    if namespace_ids.is_empty() {
        return Ok(());
    }
    Entity::update_many()
        .col_expr(Column::DeletedAt, Expr::value(now))
        .col_expr(Column::UpdatedBy, Expr::value(operator))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::NamespaceId.is_in(namespace_ids.iter().copied()))
        .filter(Column::DeletedAt.eq(0))
        .exec(db)
        .await?;
    Ok(())
}

/// Live items whose key or value contains `text` (ignoring ASCII case), with their namespaces,
/// at most `limit` of them, by namespace and position.
pub async fn search(
    db: &impl ConnectionTrait,
    text: &str,
    limit: u64,
) -> Result<Vec<(item::Model, crate::entity::namespace::Model)>, DbErr> {
    use crate::entity::namespace;
    use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
    use sea_orm::{Condition, QuerySelect};

    let escaped: String = text
        .to_lowercase()
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '|' => vec!['|', c],
            c => vec![c],
        })
        .collect();
    // `|` escapes: a backslash means different things in MySQL's string literals.
    let pattern = LikeExpr::new(format!("%{escaped}%")).escape('|');
    let lower = |column: Column| Expr::expr(Func::lower(Expr::col((Entity, column))));
    let found = Entity::find()
        .filter(Column::DeletedAt.eq(0))
        .filter(Column::Key.ne(""))
        .filter(
            Condition::any()
                .add(lower(Column::Key).like(pattern.clone()))
                .add(lower(Column::Value).like(pattern)),
        )
        .order_by_asc(Column::NamespaceId)
        .order_by_asc(Column::LineNum)
        .limit(limit)
        .all(db)
        .await?;
    let namespaces = namespace::Entity::find()
        .filter(namespace::Column::Id.is_in(found.iter().map(|i| i.namespace_id)))
        .filter(namespace::Column::DeletedAt.eq(0))
        .all(db)
        .await?;
    Ok(found
        .into_iter()
        .filter_map(|i| {
            let ns = namespaces.iter().find(|n| n.id == i.namespace_id)?.clone();
            Some((i, ns))
        })
        .collect())
}

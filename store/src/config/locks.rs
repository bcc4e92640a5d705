//! Namespace edit locks: while an environment locks namespaces, the first editor of a
//! namespace holds it until its next publish.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};

use crate::entity::namespace_lock::{self, Column, Entity};
use crate::time::now_millis;

/// The lock of a namespace, if someone holds it.
pub async fn find(
    db: &impl ConnectionTrait,
    namespace_id: i64,
) -> Result<Option<namespace_lock::Model>, DbErr> {
    Entity::find()
        .filter(Column::NamespaceId.eq(namespace_id))
        .one(db)
        .await
}

/// Takes the lock for `operator`.
pub async fn acquire(
    db: &impl ConnectionTrait,
    namespace_id: i64,
    operator: &str,
) -> Result<(), DbErr> {
    let now = now_millis();
    namespace_lock::ActiveModel {
        namespace_id: Set(namespace_id),
        created_by: Set(operator.to_owned()),
        created_at: Set(now),
        updated_by: Set(operator.to_owned()),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Frees the locks of the namespaces.
pub async fn release(db: &impl ConnectionTrait, namespace_ids: &[i64]) -> Result<(), DbErr> {
    if namespace_ids.is_empty() {
        return Ok(());
    }
    Entity::delete_many()
        .filter(Column::NamespaceId.is_in(namespace_ids.iter().copied()))
        .exec(db)
        .await?;
    Ok(())
}

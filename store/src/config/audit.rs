//! The audit log: one row per write, in the write's transaction.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::entity::audit::{self, Column, Entity};
use crate::page::{self, PageRequest, Paged};
use crate::time::now_millis;

/// One audited write.
#[derive(Clone, Debug)]
pub struct Record<'a> {
    /// The environment ("" when the entity has none).
    pub env: &'a str,
    /// The app concerned.
    pub app_id: &'a str,
    /// The kind of entity.
    pub entity_type: &'a str,
    /// Which entity.
    pub entity_id: &'a str,
    /// What was done.
    pub operation: &'a str,
    /// The change, as JSON.
    pub detail: String,
    /// Who did it.
    pub operator: &'a str,
}

/// Writes an audit row.
pub async fn record(db: &impl ConnectionTrait, record: Record<'_>) -> Result<(), DbErr> {
    audit::ActiveModel {
        env: Set(record.env.to_owned()),
        app_id: Set(record.app_id.to_owned()),
        entity_type: Set(record.entity_type.to_owned()),
        entity_id: Set(record.entity_id.chars().take(512).collect()),
        operation: Set(record.operation.to_owned()),
        detail: Set(record.detail),
        created_by: Set(record.operator.to_owned()),
        created_at: Set(now_millis()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Which audit rows to read.
#[derive(Clone, Debug, Default)]
pub struct Filter<'a> {
    /// Only this app's.
    pub app_id: Option<&'a str>,
    /// Only this person's.
    pub operator: Option<&'a str>,
    /// Only this environment's.
    pub env: Option<&'a str>,
    /// Only this kind of entity.
    pub entity_type: Option<&'a str>,
    /// Only at or after this time (epoch ms).
    pub from: Option<i64>,
    /// Only before this time (epoch ms).
    pub to: Option<i64>,
}

/// One page of the audit log, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &Filter<'_>,
    request: PageRequest,
) -> Result<Paged<audit::Model>, DbErr> {
    let mut select = Entity::find();
    if let Some(app_id) = filter.app_id {
        select = select.filter(Column::AppId.eq(app_id));
    }
    if let Some(operator) = filter.operator {
        select = select.filter(Column::CreatedBy.eq(operator));
    }
    if let Some(env) = filter.env {
        select = select.filter(Column::Env.eq(env));
    }
    if let Some(entity_type) = filter.entity_type {
        select = select.filter(Column::EntityType.eq(entity_type));
    }
    if let Some(from) = filter.from {
        select = select.filter(Column::CreatedAt.gte(from));
    }
    if let Some(to) = filter.to {
        select = select.filter(Column::CreatedAt.lt(to));
    }
    page::fetch(db, select.order_by_desc(Column::Id), request).await
}

/// Everyone who edited the items of the namespace (or gray branch) `entity_id` of `app_id` in
/// `env` at or after `since` (epoch ms), as the audit log names them: the identities the writes
/// were authenticated as.
pub async fn editors(
    db: &impl ConnectionTrait,
    env: &str,
    app_id: &str,
    entity_id: &str,
    since: i64,
) -> Result<Vec<String>, DbErr> {
    Entity::find()
        .select_only()
        .column(Column::CreatedBy)
        .distinct()
        .filter(Column::Env.eq(env))
        .filter(Column::AppId.eq(app_id))
        .filter(Column::EntityType.eq(EDIT_ENTITY))
        .filter(Column::EntityId.eq(entity_id))
        .filter(Column::Operation.eq(EDIT_OPERATION))
        .filter(Column::CreatedAt.gte(since))
        .into_tuple()
        .all(db)
        .await
}

/// The entity type of an audit row that records an edit of a namespace's items.
pub const EDIT_ENTITY: &str = "namespace";
/// The operation of such a row.
pub const EDIT_OPERATION: &str = "edit";

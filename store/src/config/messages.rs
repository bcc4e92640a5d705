//! Reading release messages: the latest id of every watch key, and new messages by id.

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::entity::release_message::{self, Column, Entity};

/// The latest message id of one watch key.
#[derive(Clone, Debug, PartialEq, Eq, FromQueryResult)]
pub struct Latest {
    /// The environment.
    pub env: String,
    /// `appId+cluster+namespace`.
    pub message: String,
    /// The largest id of that key.
    pub id: i64,
}

/// The latest message id of every watch key of every environment.
pub async fn latest_ids(db: &impl ConnectionTrait) -> Result<Vec<Latest>, DbErr> {
    Entity::find()
        .select_only()
        .column(Column::Env)
        .column(Column::Message)
        .column_as(Column::Id.max(), "id")
        .group_by(Column::Env)
        .group_by(Column::Message)
        .into_model::<Latest>()
        .all(db)
        .await
}

/// Up to `limit` messages with an id above `after`, oldest first.
pub async fn after(
    db: &impl ConnectionTrait,
    after: i64,
    limit: u64,
) -> Result<Vec<release_message::Model>, DbErr> {
    Entity::find()
        .filter(Column::Id.gt(after))
        .order_by_asc(Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// The messages among `ids` (ids once skipped that may have committed since).
pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<Vec<release_message::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Entity::find()
        .filter(Column::Id.is_in(ids.iter().copied()))
        .order_by_asc(Column::Id)
        .all(db)
        .await
}

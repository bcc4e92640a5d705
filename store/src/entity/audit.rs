//! `audits`: One audited write: who, what, when, the entity and the change (`detail`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audits")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub env: String,
    pub app_id: String,
    pub entity_type: String,
    pub entity_id: String,
    pub operation: String,
    #[sea_orm(column_type = "Text")]
    pub detail: String,
    pub created_by: String,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

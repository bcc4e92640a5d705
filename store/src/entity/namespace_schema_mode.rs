//! `namespace_schema_modes`: Whether an environment checks a namespace's publishes against its
//! schema: `off`, `warn` or `enforce`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "namespace_schema_modes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub env: String,
    pub app_id: String,
    pub namespace_name: String,
    pub mode: String,
    pub created_by: String,
    pub created_at: i64,
    pub updated_by: String,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! `release_messages`: A notice for config services that `message` (`appId+cluster+namespace`) has a new release.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "release_messages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub env: String,
    pub message: String,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

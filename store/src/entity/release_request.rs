//! `release_requests`: A request to publish the changes of a namespace, with its frozen diff and review state.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "release_requests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub env: String,
    pub app_id: String,
    pub cluster_name: String,
    pub namespace_name: String,
    pub title: String,
    pub comment: String,
    pub status: String,
    #[sea_orm(column_type = "Text")]
    pub diff: String,
    pub base_release_id: i64,
    pub namespace_revision: i64,
    pub published_release_id: i64,
    pub approved_by: String,
    pub created_by: String,
    pub created_at: i64,
    pub updated_by: String,
    pub updated_at: i64,
    pub branch_name: String,
    pub closed_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

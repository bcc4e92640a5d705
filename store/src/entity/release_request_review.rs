//! `release_request_reviews`: A reviewer's verdict (`approve`, `reject`, `comment`) on a release request.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "release_request_reviews")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub request_id: i64,
    pub verdict: String,
    #[sea_orm(column_type = "Text")]
    pub comment: String,
    pub created_by: String,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::release_request::Entity",
        from = "Column::RequestId",
        to = "super::release_request::Column::Id"
    )]
    ReleaseRequest,
}

impl Related<super::release_request::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ReleaseRequest.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

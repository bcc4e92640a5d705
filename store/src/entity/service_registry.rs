//! `service_registry`: A running service instance; `updated_at` is its last heartbeat.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "service_registry")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub service_name: String,
    pub instance_id: String,
    pub envs: String,
    pub homepage_url: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! The service registry: running config and admin service instances announce themselves with
//! heartbeats; the meta server lists those heard from recently.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

use crate::entity::service_registry::{self, Column, Entity};
use crate::is_unique_violation;
use crate::time::now_millis;

/// What an instance announces about itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registration {
    /// `lyre-config-service` or `lyre-admin-service`.
    pub service_name: String,
    /// Unique and stable for the instance, e.g. `host:port`.
    pub instance_id: String,
    /// The environments the instance serves, e.g. `["DEV", "PRO"]`.
    pub envs: Vec<String>,
    /// The base URL clients use to reach it, ending with `/`.
    pub homepage_url: String,
}

/// Records a heartbeat: creates the instance's row or refreshes it.
pub async fn heartbeat(
    db: &impl ConnectionTrait,
    registration: &Registration,
) -> Result<(), DbErr> {
    let now = now_millis();
    let envs = registration.envs.join(",");
    let updated = Entity::update_many()
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .col_expr(Column::Envs, Expr::value(envs.clone()))
        .col_expr(
            Column::HomepageUrl,
            Expr::value(registration.homepage_url.clone()),
        )
        .filter(Column::ServiceName.eq(&registration.service_name))
        .filter(Column::InstanceId.eq(&registration.instance_id))
        .exec(db)
        .await?;
    if updated.rows_affected > 0 {
        return Ok(());
    }
    let insert = service_registry::ActiveModel {
        service_name: Set(registration.service_name.clone()),
        instance_id: Set(registration.instance_id.clone()),
        envs: Set(envs),
        homepage_url: Set(registration.homepage_url.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await;
    match insert {
        // Another heartbeat of the same instance inserted first: its row is just as fresh.
        Err(e) if is_unique_violation(&e) => Ok(()),
        other => other.map(|_| ()),
    }
}

/// Removes an instance at shutdown, so clients stop choosing it at once.
pub async fn deregister(
    db: &impl ConnectionTrait,
    service_name: &str,
    instance_id: &str,
) -> Result<(), DbErr> {
    Entity::delete_many()
        .filter(Column::ServiceName.eq(service_name))
        .filter(Column::InstanceId.eq(instance_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Instances of `service_name` heard from at or after `since` (epoch ms), oldest first.
pub async fn live_instances(
    db: &impl ConnectionTrait,
    service_name: &str,
    since: i64,
) -> Result<Vec<service_registry::Model>, DbErr> {
    Entity::find()
        .filter(Column::ServiceName.eq(service_name))
        .filter(Column::UpdatedAt.gte(since))
        .order_by_asc(Column::Id)
        .all(db)
        .await
}

/// Deletes rows not heard from since `before` (epoch ms); returns how many.
pub async fn expire(db: &impl ConnectionTrait, before: i64) -> Result<u64, DbErr> {
    Ok(Entity::delete_many()
        .filter(Column::UpdatedAt.lt(before))
        .exec(db)
        .await?
        .rows_affected)
}

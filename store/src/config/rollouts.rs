//! Staged rollouts (see `entity::rollout`); their events go to `crate::webhooks::record_event`.
//!
//! A rollout is driven by one process at a time: [`take_lease`] hands it to the caller only when
//! no other process holds an unexpired lease, in one conditional `UPDATE`, so two processes
//! never both act on one step.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, Set,
};

use super::namespaces::NamespaceRef;
use crate::entity::rollout::{self, Column, Entity};
use crate::entity::{instance, instance_config};
use crate::time::now_millis;

/// Advancing by itself.
pub const RUNNING: &str = "running";
/// Held at its step by a person.
pub const PAUSED: &str = "paused";
/// Stopped by rejections (or a changed branch) and rolled back.
pub const HALTED: &str = "halted";
/// Stopped and rolled back by a person.
pub const ABORTED: &str = "aborted";
/// Merged into main after its last step.
pub const COMPLETED: &str = "completed";

/// A rollout about to start.
#[derive(Clone, Debug)]
pub struct NewRollout<'a> {
    /// The main namespace.
    pub main: NamespaceRef<'a>,
    /// Its gray branch.
    pub branch_name: &'a str,
    /// The percentages, comma separated.
    pub steps: String,
    /// Bake time per step.
    pub bake_seconds: i64,
    /// Rejections tolerated.
    pub max_rejected: i64,
    /// The title of the release made at the end.
    pub title: &'a str,
    /// Its comment.
    pub comment: &'a str,
    /// Main's release now (0: none).
    pub base_release_id: i64,
    /// The branch's release now.
    pub start_release_id: i64,
}

/// Records a running rollout at its first step.
pub async fn insert(
    db: &impl ConnectionTrait,
    new: &NewRollout<'_>,
    operator: &str,
) -> Result<rollout::Model, DbErr> {
    let now = now_millis();
    rollout::ActiveModel {
        env: Set(new.main.env.to_owned()),
        app_id: Set(new.main.app_id.to_owned()),
        cluster_name: Set(new.main.cluster.to_owned()),
        namespace_name: Set(new.main.namespace.to_owned()),
        branch_name: Set(new.branch_name.to_owned()),
        steps: Set(new.steps.clone()),
        bake_seconds: Set(new.bake_seconds),
        max_rejected: Set(new.max_rejected),
        step: Set(0),
        state: Set(RUNNING.into()),
        reason: Set(String::new()),
        title: Set(new.title.to_owned()),
        comment: Set(new.comment.to_owned()),
        base_release_id: Set(new.base_release_id),
        start_release_id: Set(new.start_release_id),
        step_started_at: Set(now),
        paused_at: Set(0),
        ended_at: Set(0),
        lease_owner: Set(String::new()),
        lease_until: Set(0),
        created_by: Set(operator.to_owned()),
        created_at: Set(now),
        updated_by: Set(operator.to_owned()),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
}

fn of_namespace(main: NamespaceRef<'_>) -> sea_orm::Select<Entity> {
    Entity::find()
        .filter(Column::Env.eq(main.env))
        .filter(Column::AppId.eq(main.app_id))
        .filter(Column::ClusterName.eq(main.cluster))
        .filter(Column::NamespaceName.eq(main.namespace))
}

/// The namespace's rollout that has not ended (running or paused), if any.
pub async fn open_of(
    db: &impl ConnectionTrait,
    main: NamespaceRef<'_>,
) -> Result<Option<rollout::Model>, DbErr> {
    of_namespace(main)
        .filter(Column::State.is_in([RUNNING, PAUSED]))
        .order_by_desc(Column::Id)
        .one(db)
        .await
}

/// The namespace's rollouts, newest first, at most `limit`.
pub async fn of(
    db: &impl ConnectionTrait,
    main: NamespaceRef<'_>,
    limit: u64,
) -> Result<Vec<rollout::Model>, DbErr> {
    use sea_orm::QuerySelect;
    of_namespace(main)
        .order_by_desc(Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// Rollout `id`.
pub async fn find(db: &impl ConnectionTrait, id: i64) -> Result<Option<rollout::Model>, DbErr> {
    Entity::find_by_id(id).one(db).await
}

/// The ids of the rollouts that have not ended (running or paused).
pub async fn open(db: &impl ConnectionTrait) -> Result<Vec<i64>, DbErr> {
    Ok(Entity::find()
        .filter(Column::State.is_in([RUNNING, PAUSED]))
        .order_by_asc(Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect())
}

/// Hands open rollout `id` (running or paused) to `owner` until `until` (epoch ms), unless
/// another owner's lease has not expired: whether `owner` holds it now.
pub async fn take_lease(
    db: &impl ConnectionTrait,
    id: i64,
    owner: &str,
    until: i64,
) -> Result<bool, DbErr> {
    let updated = Entity::update_many()
        .col_expr(Column::LeaseOwner, Expr::value(owner))
        .col_expr(Column::LeaseUntil, Expr::value(until))
        .filter(Column::Id.eq(id))
        .filter(Column::State.is_in([RUNNING, PAUSED]))
        .filter(
            Condition::any()
                .add(Column::LeaseOwner.eq(owner))
                .add(Column::LeaseUntil.lt(now_millis())),
        )
        .exec(db)
        .await?;
    Ok(updated.rows_affected == 1)
}

/// Writes every field of `rollout` (changed by the caller) back, stamped by `operator`.
pub async fn save(
    db: &impl ConnectionTrait,
    mut rollout: rollout::Model,
    operator: &str,
) -> Result<rollout::Model, DbErr> {
    rollout.updated_by = operator.to_owned();
    rollout.updated_at = now_millis();
    rollout.into_active_model().reset_all().update(db).await
}

/// Instances of the app that reported rejecting a release of `namespace` at or after `since`,
/// with the instance each is.
pub async fn rejections(
    db: &impl ConnectionTrait,
    env: &str,
    app_id: &str,
    namespace: &str,
    since: i64,
) -> Result<Vec<(instance_config::Model, Option<instance::Model>)>, DbErr> {
    instance_config::Entity::find()
        .filter(instance_config::Column::Env.eq(env))
        .filter(instance_config::Column::ConfigAppId.eq(app_id))
        .filter(instance_config::Column::ConfigNamespaceName.eq(namespace))
        .filter(instance_config::Column::ApplyStatus.eq("rejected"))
        .filter(instance_config::Column::AppliedAt.gte(since))
        .order_by_asc(instance_config::Column::AppliedAt)
        .find_also_related(instance::Entity)
        .all(db)
        .await
}

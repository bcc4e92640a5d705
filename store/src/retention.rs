//! Retention: what old rows may go, and taking them away in small batches.
//!
//! Each `trim_*` function deletes at most one batch, by primary key, in its own short statement
//! (no transaction spans batches), and says how many rows went: a caller loops, pausing between
//! batches, so writers never wait long behind it. What must stay always stays:
//!
//! - releases: a namespace's newest `keep`, its active release (the newest not rolled back),
//!   those a gray branch serves, those an open release request or an open rollout started from,
//!   and those an instance still holds;
//! - release messages: the newest of each key (its notification id), and every message of the
//!   last ten minutes (config services may still be scanning for it);
//! - audit rows that record edits of an app with a live release request (they say who may not
//!   approve it);
//! - webhook events that a pending delivery will still send.
//!
//! [`take_lease`] makes the job run in one process at a time.

use std::collections::HashSet;

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use crate::entity::{
    audit, commit, event, gray_rule, instance_config, lease, release, release_message,
    release_request, rollout, webhook_delivery,
};
use crate::time::now_millis;

/// How long a release message stays even when a newer one of its key exists.
pub const MESSAGE_GRACE_MS: i64 = 10 * 60 * 1000;

/// Takes the lease on job `name` for `owner` until `until` (epoch ms), unless another owner's
/// has not run out: whether `owner` holds it now.
pub async fn take_lease(
    db: &impl ConnectionTrait,
    name: &str,
    owner: &str,
    until: i64,
) -> Result<bool, DbErr> {
    lease::Entity::insert(lease::ActiveModel {
        name: Set(name.to_owned()),
        owner: Set(String::new()),
        expires_at: Set(0),
        ..Default::default()
    })
    .on_conflict_do_nothing_on([lease::Column::Name])
    .exec(db)
    .await?;
    let updated = lease::Entity::update_many()
        .col_expr(lease::Column::Owner, Expr::value(owner))
        .col_expr(lease::Column::ExpiresAt, Expr::value(until))
        .filter(lease::Column::Name.eq(name))
        .filter(
            Condition::any()
                .add(lease::Column::Owner.eq(owner))
                .add(lease::Column::ExpiresAt.lt(now_millis())),
        )
        .exec(db)
        .await?;
    Ok(updated.rows_affected == 1)
}

/// Gives up `owner`'s lease on job `name` (at shutdown), so another process need not wait for
/// it to run out.
pub async fn release_lease(
    db: &impl ConnectionTrait,
    name: &str,
    owner: &str,
) -> Result<(), DbErr> {
    lease::Entity::update_many()
        .col_expr(lease::Column::ExpiresAt, Expr::value(0))
        .filter(lease::Column::Name.eq(name))
        .filter(lease::Column::Owner.eq(owner))
        .exec(db)
        .await?;
    Ok(())
}

/// One namespace (or gray branch) with more releases than are kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Crowded {
    pub env: String,
    pub app_id: String,
    pub cluster_name: String,
    pub namespace_name: String,
    /// How many releases it had beyond those kept when it was found: at most this many go in
    /// one run (a namespace published meanwhile does not keep the run going).
    pub excess: u64,
}

/// The namespaces with more than `keep` releases.
pub async fn crowded(db: &impl ConnectionTrait, keep: u64) -> Result<Vec<Crowded>, DbErr> {
    let keep = i64::try_from(keep).unwrap_or(i64::MAX);
    let rows: Vec<(String, String, String, String, i64)> = release::Entity::find()
        .select_only()
        .column(release::Column::Env)
        .column(release::Column::AppId)
        .column(release::Column::ClusterName)
        .column(release::Column::NamespaceName)
        .column_as(Expr::col(release::Column::Id).count(), "releases")
        .group_by(release::Column::Env)
        .group_by(release::Column::AppId)
        .group_by(release::Column::ClusterName)
        .group_by(release::Column::NamespaceName)
        .having(Expr::col(release::Column::Id).count().gt(keep))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(env, app_id, cluster_name, namespace_name, count)| Crowded {
                env,
                app_id,
                cluster_name,
                namespace_name,
                excess: u64::try_from(count - keep).unwrap_or(0),
            },
        )
        .collect())
}

fn of_namespace(ns: &Crowded) -> Condition {
    Condition::all()
        .add(release::Column::Env.eq(&ns.env))
        .add(release::Column::AppId.eq(&ns.app_id))
        .add(release::Column::ClusterName.eq(&ns.cluster_name))
        .add(release::Column::NamespaceName.eq(&ns.namespace_name))
}

/// Deletes up to `batch` of namespace `ns`'s releases beyond its newest `keep` (at least 1) that
/// nothing needs (see the module's list): how many went.
pub async fn trim_releases(
    db: &impl ConnectionTrait,
    ns: &Crowded,
    keep: u64,
    batch: u64,
) -> Result<u64, DbErr> {
    let keep = Ord::max(keep, 1);
    // The oldest release kept for being among the newest `keep`.
    let Some(oldest_kept) = release::Entity::find()
        .select_only()
        .column(release::Column::Id)
        .filter(of_namespace(ns))
        .order_by_desc(release::Column::Id)
        .offset(keep - 1)
        .limit(1)
        .into_tuple::<i64>()
        .one(db)
        .await?
    else {
        return Ok(0);
    };
    let protected = protected_releases(db, ns).await?;
    let mut candidates: Vec<(i64, String)> = Vec::new();
    let mut after = 0;
    // Older releases, a page at a time, until a batch of unprotected ones is found.
    while u64::try_from(candidates.len()).unwrap_or(u64::MAX) < batch {
        let page: Vec<(i64, String)> = release::Entity::find()
            .select_only()
            .column(release::Column::Id)
            .column(release::Column::ReleaseKey)
            .filter(of_namespace(ns))
            .filter(release::Column::Id.lt(oldest_kept))
            .filter(release::Column::Id.gt(after))
            .order_by_asc(release::Column::Id)
            .limit(1000)
            .into_tuple()
            .all(db)
            .await?;
        let Some(last) = page.last() else {
            break;
        };
        after = last.0;
        candidates.extend(
            page.into_iter()
                .filter(|(id, key)| !protected.ids.contains(id) && !protected.keys.contains(key)),
        );
    }
    candidates.truncate(usize::try_from(batch).unwrap_or(usize::MAX));
    if candidates.is_empty() {
        return Ok(0);
    }
    let ids: Vec<i64> = candidates.iter().map(|(id, _)| *id).collect();
    let deleted = release::Entity::delete_many()
        .filter(release::Column::Id.is_in(ids))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected)
}

/// What a namespace's releases may not lose: ids, and release keys instances hold.
struct Protected {
    ids: HashSet<i64>,
    keys: HashSet<String>,
}

async fn protected_releases(db: &impl ConnectionTrait, ns: &Crowded) -> Result<Protected, DbErr> {
    let mut ids = HashSet::new();
    // The active release: the newest not rolled back.
    let active: Option<i64> = release::Entity::find()
        .select_only()
        .column(release::Column::Id)
        .filter(of_namespace(ns))
        .filter(release::Column::IsAbandoned.eq(false))
        .order_by_desc(release::Column::Id)
        .limit(1)
        .into_tuple()
        .one(db)
        .await?;
    ids.extend(active);
    // Releases gray branches serve (a branch is named by its rule's namespace and cluster).
    let gray: Vec<i64> = gray_rule::Entity::find()
        .select_only()
        .column(gray_rule::Column::ReleaseId)
        .filter(gray_rule::Column::Env.eq(&ns.env))
        .filter(gray_rule::Column::AppId.eq(&ns.app_id))
        .filter(gray_rule::Column::DeletedAt.eq(0))
        .into_tuple()
        .all(db)
        .await?;
    ids.extend(gray);
    // Releases live release requests started from.
    let requested: Vec<i64> = release_request::Entity::find()
        .select_only()
        .column(release_request::Column::BaseReleaseId)
        .filter(release_request::Column::Env.eq(&ns.env))
        .filter(release_request::Column::AppId.eq(&ns.app_id))
        .filter(release_request::Column::Status.is_in(crate::reviews::LIVE))
        .into_tuple()
        .all(db)
        .await?;
    ids.extend(requested);
    // Releases open rollouts started from and with.
    let rolling: Vec<(i64, i64)> = rollout::Entity::find()
        .select_only()
        .column(rollout::Column::BaseReleaseId)
        .column(rollout::Column::StartReleaseId)
        .filter(rollout::Column::Env.eq(&ns.env))
        .filter(rollout::Column::AppId.eq(&ns.app_id))
        .filter(rollout::Column::State.is_in([
            crate::config::rollouts::RUNNING,
            crate::config::rollouts::PAUSED,
        ]))
        .into_tuple()
        .all(db)
        .await?;
    for (base, start) in rolling {
        ids.insert(base);
        ids.insert(start);
    }
    // Releases instances hold.
    let held: Vec<(String, String)> = instance_config::Entity::find()
        .select_only()
        .column(instance_config::Column::ReleaseKey)
        .column(instance_config::Column::AppliedReleaseKey)
        .filter(instance_config::Column::Env.eq(&ns.env))
        .filter(instance_config::Column::ConfigAppId.eq(&ns.app_id))
        .filter(instance_config::Column::ConfigNamespaceName.eq(&ns.namespace_name))
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    let keys = held
        .into_iter()
        .flat_map(|(read, applied)| [read, applied])
        .filter(|k| !k.is_empty())
        .collect();
    Ok(Protected { ids, keys })
}

/// Deletes up to `batch` release messages that a newer message of the same key replaced and
/// that are older than [`MESSAGE_GRACE_MS`]: how many went.
pub async fn trim_messages(db: &impl ConnectionTrait, batch: u64) -> Result<u64, DbErr> {
    let before = now_millis() - MESSAGE_GRACE_MS;
    let ids: Vec<i64> = release_message::Entity::find()
        .select_only()
        .column(release_message::Column::Id)
        .filter(release_message::Column::CreatedAt.lt(before))
        .filter(Expr::cust(
            "EXISTS (SELECT 1 FROM release_messages newer \
             WHERE newer.env = release_messages.env \
             AND newer.message = release_messages.message \
             AND newer.id > release_messages.id)",
        ))
        .order_by_asc(release_message::Column::Id)
        .limit(batch)
        .into_tuple()
        .all(db)
        .await?;
    delete_ids::<release_message::Entity>(db, release_message::Column::Id, ids).await
}

/// Deletes up to `batch` commits made before `before` (epoch ms): how many went.
pub async fn trim_commits(
    db: &impl ConnectionTrait,
    before: i64,
    batch: u64,
) -> Result<u64, DbErr> {
    let ids: Vec<i64> = commit::Entity::find()
        .select_only()
        .column(commit::Column::Id)
        .filter(commit::Column::CreatedAt.lt(before))
        .order_by_asc(commit::Column::Id)
        .limit(batch)
        .into_tuple()
        .all(db)
        .await?;
    delete_ids::<commit::Entity>(db, commit::Column::Id, ids).await
}

/// Deletes up to `batch` audit rows written before `before` (epoch ms), but the edits of apps
/// with a live release request (who edited says who may not approve it): how many went.
pub async fn trim_audit(db: &impl ConnectionTrait, before: i64, batch: u64) -> Result<u64, DbErr> {
    let reviewed: Vec<String> = release_request::Entity::find()
        .select_only()
        .column(release_request::Column::AppId)
        .filter(release_request::Column::Status.is_in(crate::reviews::LIVE))
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    let mut select = audit::Entity::find()
        .select_only()
        .column(audit::Column::Id)
        .filter(audit::Column::CreatedAt.lt(before));
    if !reviewed.is_empty() {
        select = select.filter(
            Condition::any()
                .add(audit::Column::EntityType.ne(crate::config::audit::EDIT_ENTITY))
                .add(audit::Column::AppId.is_not_in(reviewed)),
        );
    }
    let ids: Vec<i64> = select
        .order_by_asc(audit::Column::Id)
        .limit(batch)
        .into_tuple()
        .all(db)
        .await?;
    delete_ids::<audit::Entity>(db, audit::Column::Id, ids).await
}

/// Deletes up to `batch` webhook deliveries that were sent or given up and were made before
/// `before`, then up to `batch` events older than that which no delivery will still send: how
/// many rows went.
pub async fn trim_deliveries(
    db: &impl ConnectionTrait,
    before: i64,
    batch: u64,
) -> Result<u64, DbErr> {
    let ids: Vec<i64> = webhook_delivery::Entity::find()
        .select_only()
        .column(webhook_delivery::Column::Id)
        .filter(webhook_delivery::Column::CreatedAt.lt(before))
        .filter(webhook_delivery::Column::State.ne(crate::webhooks::PENDING))
        .order_by_asc(webhook_delivery::Column::Id)
        .limit(batch)
        .into_tuple()
        .all(db)
        .await?;
    let mut gone =
        delete_ids::<webhook_delivery::Entity>(db, webhook_delivery::Column::Id, ids).await?;
    let events: Vec<i64> = event::Entity::find()
        .select_only()
        .column(event::Column::Id)
        .filter(event::Column::CreatedAt.lt(before))
        .filter(Expr::cust(
            "NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = events.id)",
        ))
        .order_by_asc(event::Column::Id)
        .limit(batch)
        .into_tuple()
        .all(db)
        .await?;
    gone += delete_ids::<event::Entity>(db, event::Column::Id, events).await?;
    Ok(gone)
}

async fn delete_ids<E: EntityTrait>(
    db: &impl ConnectionTrait,
    column: impl ColumnTrait,
    ids: Vec<i64>,
) -> Result<u64, DbErr> {
    if ids.is_empty() {
        return Ok(0);
    }
    let deleted = E::delete_many().filter(column.is_in(ids)).exec(db).await?;
    Ok(deleted.rows_affected)
}

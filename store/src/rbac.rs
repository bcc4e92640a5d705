//! Roles, their permissions, and who holds them.
//!
//! A role is named after what it allows (`Master+shop`, `ModifyNamespace+shop+application+PRO`)
//! and holds permissions of a type on a target. Users and CI consumers hold roles through
//! role bindings. The portal decides what each permission type and target means; this module
//! only stores and finds them.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use crate::accounts::{bind_role, ensure_role};
use crate::entity::{permission, role, role_binding};
use crate::time::now_millis;

/// `subject_type` of a role binding held by a CI consumer (its subject is the consumer id).
pub const SUBJECT_CONSUMER: &str = "consumer";

/// A permission held through a role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Held {
    /// The role's name.
    pub role: String,
    /// The permission's type.
    pub permission_type: String,
    /// The permission's target.
    pub target: String,
}

/// A subject bound to a role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Holder {
    /// The role's name.
    pub role: String,
    /// `user` or `consumer`.
    pub subject_type: String,
    /// The user name or consumer id.
    pub subject: String,
    /// Who granted it.
    pub granted_by: String,
    /// When, epoch milliseconds.
    pub granted_at: i64,
    /// Empty when granted in Lyre; `group:<name>` when mapped from a provider's group.
    pub origin: String,
}

/// A role a subject holds, and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    /// The role's name.
    pub role: String,
    /// Empty when granted in Lyre; `group:<name>` when mapped from a provider's group.
    pub origin: String,
}

/// A role to hold through a mapping (see [`sync_mapped`]).
#[derive(Clone, Debug)]
pub struct Mapped<'a> {
    /// The role's name.
    pub role: &'a str,
    /// Its permissions (type, target), should the role not exist yet.
    pub permissions: Vec<(&'a str, &'a str)>,
    /// `group:<name>`: never empty.
    pub origin: String,
}

/// Every permission a subject holds, through all its live roles.
pub async fn permissions_of(
    db: &impl ConnectionTrait,
    subject_type: &str,
    subject: &str,
) -> Result<Vec<Held>, DbErr> {
    let bindings = role_binding::Entity::find()
        .filter(role_binding::Column::SubjectType.eq(subject_type))
        .filter(role_binding::Column::Subject.eq(subject))
        .filter(role_binding::Column::DeletedAt.eq(0))
        .all(db)
        .await?;
    if bindings.is_empty() {
        return Ok(Vec::new());
    }
    let roles = role::Entity::find()
        .filter(role::Column::Id.is_in(bindings.iter().map(|b| b.role_id)))
        .filter(role::Column::DeletedAt.eq(0))
        .all(db)
        .await?;
    let permissions = permission::Entity::find()
        .filter(permission::Column::RoleId.is_in(roles.iter().map(|r| r.id)))
        .filter(permission::Column::DeletedAt.eq(0))
        .all(db)
        .await?;
    Ok(permissions
        .into_iter()
        .filter_map(|p| {
            let role = roles.iter().find(|r| r.id == p.role_id)?;
            Some(Held {
                role: role.name.clone(),
                permission_type: p.permission_type,
                target: p.target_id,
            })
        })
        .collect())
}

/// Grants the role `name` (created with `permissions` if missing) to a subject; granting it
/// again is harmless.
pub async fn grant(
    db: &impl ConnectionTrait,
    name: &str,
    permissions: &[(&str, &str)],
    subject_type: &str,
    subject: &str,
    by: &str,
) -> Result<(), DbErr> {
    let role = ensure_role(db, name, permissions, by).await?;
    bind_role(db, role.id, subject_type, subject, "", by).await
}

/// Every live role binding of a subject, with its origin, by role name.
pub async fn bindings_of(
    db: &impl ConnectionTrait,
    subject_type: &str,
    subject: &str,
) -> Result<Vec<Binding>, DbErr> {
    let bindings = role_binding::Entity::find()
        .filter(role_binding::Column::SubjectType.eq(subject_type))
        .filter(role_binding::Column::Subject.eq(subject))
        .filter(role_binding::Column::DeletedAt.eq(0))
        .all(db)
        .await?;
    if bindings.is_empty() {
        return Ok(Vec::new());
    }
    let roles = role::Entity::find()
        .filter(role::Column::Id.is_in(bindings.iter().map(|b| b.role_id)))
        .filter(role::Column::DeletedAt.eq(0))
        .all(db)
        .await?;
    let mut found: Vec<Binding> = bindings
        .into_iter()
        .filter_map(|b| {
            let role = roles.iter().find(|r| r.id == b.role_id)?;
            Some(Binding {
                role: role.name.clone(),
                origin: b.origin,
            })
        })
        .collect();
    found.sort_by(|a, b| (&a.role, &a.origin).cmp(&(&b.role, &b.origin)));
    Ok(found)
}

/// What [`sync_mapped`] changed: the bindings (role, origin) it added and removed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Synced {
    /// Bindings the subject did not hold before.
    pub added: Vec<Binding>,
    /// Bindings the subject no longer holds.
    pub removed: Vec<Binding>,
}

/// Makes a subject's mapped bindings (those with an origin) exactly `wanted`: missing ones are
/// granted, ones no longer wanted are taken away. Bindings granted in Lyre are left as they are.
/// Run it in a transaction, so that a sign-in sees the old set or the new one.
pub async fn sync_mapped(
    db: &impl ConnectionTrait,
    subject_type: &str,
    subject: &str,
    wanted: &[Mapped<'_>],
    by: &str,
) -> Result<Synced, DbErr> {
    let held = bindings_of(db, subject_type, subject).await?;
    let mut synced = Synced::default();
    for gone in held.iter().filter(|b| {
        !b.origin.is_empty()
            && !wanted
                .iter()
                .any(|w| w.role == b.role && w.origin == b.origin)
    }) {
        let Some(role) = live_role(db, &gone.role).await? else {
            continue;
        };
        end_bindings(db, role.id, subject_type, subject, &gone.origin, by).await?;
        synced.removed.push(gone.clone());
    }
    for want in wanted {
        if held
            .iter()
            .any(|b| b.role == want.role && b.origin == want.origin)
        {
            continue;
        }
        let role = ensure_role(db, want.role, &want.permissions, by).await?;
        bind_role(db, role.id, subject_type, subject, &want.origin, by).await?;
        synced.added.push(Binding {
            role: want.role.to_owned(),
            origin: want.origin.clone(),
        });
    }
    Ok(synced)
}

async fn live_role(db: &impl ConnectionTrait, name: &str) -> Result<Option<role::Model>, DbErr> {
    role::Entity::find()
        .filter(role::Column::Name.eq(name))
        .filter(role::Column::DeletedAt.eq(0))
        .one(db)
        .await
}

/// Ends the live bindings of `role_id` to a subject that came from `origin`.
async fn end_bindings(
    db: &impl ConnectionTrait,
    role_id: i64,
    subject_type: &str,
    subject: &str,
    origin: &str,
    by: &str,
) -> Result<u64, DbErr> {
    let now = now_millis();
    let result = role_binding::Entity::update_many()
        .col_expr(role_binding::Column::DeletedAt, Expr::value(now))
        .col_expr(role_binding::Column::UpdatedBy, Expr::value(by))
        .col_expr(role_binding::Column::UpdatedAt, Expr::value(now))
        .filter(role_binding::Column::RoleId.eq(role_id))
        .filter(role_binding::Column::SubjectType.eq(subject_type))
        .filter(role_binding::Column::Subject.eq(subject))
        .filter(role_binding::Column::Origin.eq(origin))
        .filter(role_binding::Column::DeletedAt.eq(0))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// Takes the role `name` from a subject, as granted in Lyre (a role mapped from a group stays
/// until the group goes); whether it held it so.
pub async fn revoke(
    db: &impl ConnectionTrait,
    name: &str,
    subject_type: &str,
    subject: &str,
    by: &str,
) -> Result<bool, DbErr> {
    let Some(role) = live_role(db, name).await? else {
        return Ok(false);
    };
    Ok(end_bindings(db, role.id, subject_type, subject, "", by).await? > 0)
}

/// Takes every role from a subject (a deleted consumer, say).
pub async fn revoke_all(
    db: &impl ConnectionTrait,
    subject_type: &str,
    subject: &str,
    by: &str,
) -> Result<(), DbErr> {
    let now = now_millis();
    role_binding::Entity::update_many()
        .col_expr(role_binding::Column::DeletedAt, Expr::value(now))
        .col_expr(role_binding::Column::UpdatedBy, Expr::value(by))
        .col_expr(role_binding::Column::UpdatedAt, Expr::value(now))
        .filter(role_binding::Column::SubjectType.eq(subject_type))
        .filter(role_binding::Column::Subject.eq(subject))
        .filter(role_binding::Column::DeletedAt.eq(0))
        .exec(db)
        .await?;
    Ok(())
}

/// The live holders of roles whose names `wanted` accepts, oldest grant first. `like` is a
/// SQL `LIKE` pattern that narrows the roles read (`wanted` decides exactly).
pub async fn holders(
    db: &impl ConnectionTrait,
    like: &str,
    wanted: impl Fn(&str) -> bool,
) -> Result<Vec<Holder>, DbErr> {
    let roles: Vec<role::Model> = role::Entity::find()
        .filter(role::Column::Name.like(like))
        .filter(role::Column::DeletedAt.eq(0))
        .all(db)
        .await?
        .into_iter()
        .filter(|r| wanted(&r.name))
        .collect();
    if roles.is_empty() {
        return Ok(Vec::new());
    }
    let bindings = role_binding::Entity::find()
        .filter(role_binding::Column::RoleId.is_in(roles.iter().map(|r| r.id)))
        .filter(role_binding::Column::DeletedAt.eq(0))
        .order_by_asc(role_binding::Column::Id)
        .all(db)
        .await?;
    Ok(bindings
        .into_iter()
        .filter_map(|b| {
            let role = roles.iter().find(|r| r.id == b.role_id)?;
            Some(Holder {
                role: role.name.clone(),
                subject_type: b.subject_type,
                subject: b.subject,
                granted_by: b.created_by,
                granted_at: b.created_at,
                origin: b.origin,
            })
        })
        .collect())
}

//! The portal's part of the Apollo import: users (with their BCrypt hashes, which sign-in
//! accepts and replaces with Argon2id at the first sign-in), super admins, roles, CI consumers
//! with their tokens (stored hashed, so every pipeline's token keeps working) and favorites.
//!
//! Users written here are made by [`IMPORTER`], which tells a user imported before (nothing to
//! do) from one made in Lyre (a conflict); a consumer was imported before when Lyre holds its
//! Apollo token.

use std::collections::HashMap;

use lyre_store::accounts::{
    SOURCE_LOCAL, SUBJECT_USER, SUPER_ADMIN_PERMISSION, SUPER_ADMIN_ROLE, find_user,
};
use lyre_store::consumers::{find_by_name, token_hash};
use lyre_store::entity::{consumer, consumer_token, favorite, role, role_binding, user};
use lyre_store::rbac::SUBJECT_CONSUMER;
use lyre_store::sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, Set, TransactionTrait,
};
use lyre_store::time::now_millis;

use super::OnConflict;
use super::apollo::PortalData;

/// Who made the rows the import writes.
pub const IMPORTER: &str = "apollo-import";

/// Rows of the portal imported (or to import), per Apollo table.
#[derive(Clone, Debug, Default)]
pub struct PortalCounts {
    pub users: u64,
    pub roles: u64,
    pub consumers: u64,
    pub tokens: u64,
    pub favorites: u64,
}

impl PortalCounts {
    pub fn rows(&self) -> [(&'static str, u64); 5] {
        [
            ("Users", self.users),
            ("UserRole+ConsumerRole", self.roles),
            ("Consumer", self.consumers),
            ("ConsumerToken", self.tokens),
            ("Favorite", self.favorites),
        ]
    }
}

/// Lyre's role name, permission type and target for Apollo's role `name`; `None` for roles
/// Lyre has no counterpart of.
pub fn lyre_role(name: &str) -> Option<(String, String, String)> {
    let (kind, target) = name.split_once('+')?;
    let parts: Vec<&str> = target.split('+').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return None;
    }
    let (kind, target) = match (kind, parts.as_slice()) {
        ("Master", [_]) => ("Master", target.to_owned()),
        ("ModifyNamespace" | "ReleaseNamespace", [_, _] | [_, _, _]) => (kind, target.to_owned()),
        ("ModifyNamespacesInCluster", [_, _, _]) => ("ModifyCluster", target.to_owned()),
        ("ReleaseNamespacesInCluster", [_, _, _]) => ("ReleaseCluster", target.to_owned()),
        _ => return None,
    };
    Some((format!("{kind}+{target}"), kind.to_owned(), target))
}

/// What a dry run on an empty Lyre would write.
pub fn count(data: &PortalData) -> PortalCounts {
    PortalCounts {
        users: data.users.len() as u64,
        roles: (data.super_admins.len()
            + data
                .user_roles
                .iter()
                .chain(&data.consumer_roles)
                .filter(|h| lyre_role(&h.role).is_some())
                .count()) as u64,
        consumers: data.consumers.len() as u64,
        tokens: data.tokens.len() as u64,
        favorites: data.favorites.len() as u64,
    }
}

/// Users and consumers Lyre holds that it did not import: conflicts.
pub async fn conflicts(db: &DatabaseConnection, data: &PortalData) -> Result<Vec<String>, DbErr> {
    let mut found = Vec::new();
    for u in &data.users {
        if let Some(held) = find_user(db, &u.username).await?
            && held.created_by != IMPORTER
        {
            found.push(format!(
                "portal user `{}`: Lyre has a user of that name",
                u.username
            ));
        }
    }
    for c in &data.consumers {
        if find_by_name(db, &c.app_id).await?.is_some() && !imported_consumer(db, data, c).await? {
            found.push(format!(
                "portal consumer `{}`: Lyre has a consumer of that name",
                c.app_id
            ));
        }
    }
    Ok(found)
}

/// Whether Lyre's consumer of `c`'s name holds `c`'s token: imported before.
async fn imported_consumer(
    db: &impl ConnectionTrait,
    data: &PortalData,
    c: &super::apollo::Consumer,
) -> Result<bool, DbErr> {
    for t in data.tokens.iter().filter(|t| t.consumer_id == c.id) {
        if consumer_token::Entity::find()
            .filter(consumer_token::Column::TokenHash.eq(token_hash(&t.token)))
            .one(db)
            .await?
            .is_some()
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Writes the portal's data in one transaction (or, with `dry_run`, counts what it would
/// write); users and consumers in conflict follow `policy` (never `Abort` here: conflicts
/// stopped the import before).
pub async fn import(
    db: &DatabaseConnection,
    data: &PortalData,
    policy: OnConflict,
    dry_run: bool,
    skipped: &mut Vec<String>,
) -> Result<PortalCounts, DbErr> {
    let tx = db.begin().await?;
    let mut counts = PortalCounts::default();
    let now = now_millis();

    let mut users: HashMap<String, i64> = HashMap::new();
    for u in &data.users {
        let held = find_user(&tx, &u.username).await?;
        let id = match held {
            Some(held) if held.created_by == IMPORTER => held.id,
            Some(_) if policy == OnConflict::Skip => {
                skipped.push(format!("portal user `{}`: left as Lyre has it", u.username));
                continue;
            }
            Some(held) => {
                counts.users += 1;
                if !dry_run {
                    user::ActiveModel {
                        id: Set(held.id),
                        password_hash: Set(u.password.clone()),
                        display_name: Set(u.display_name.clone()),
                        email: Set(u.email.clone()),
                        is_enabled: Set(u.enabled),
                        source: Set(SOURCE_LOCAL.to_owned()),
                        created_by: Set(IMPORTER.to_owned()),
                        updated_by: Set(IMPORTER.to_owned()),
                        updated_at: Set(now),
                        ..Default::default()
                    }
                    .update(&tx)
                    .await?;
                }
                held.id
            }
            None => {
                counts.users += 1;
                if dry_run {
                    0
                } else {
                    user::ActiveModel {
                        username: Set(u.username.clone()),
                        display_name: Set(u.display_name.clone()),
                        email: Set(u.email.clone()),
                        password_hash: Set(u.password.clone()),
                        is_enabled: Set(u.enabled),
                        source: Set(SOURCE_LOCAL.to_owned()),
                        created_by: Set(IMPORTER.to_owned()),
                        created_at: Set(now),
                        updated_by: Set(IMPORTER.to_owned()),
                        updated_at: Set(now),
                        ..Default::default()
                    }
                    .insert(&tx)
                    .await?
                    .id
                }
            }
        };
        users.insert(u.username.clone(), id);
    }

    let mut consumers: HashMap<String, i64> = HashMap::new();
    for c in &data.consumers {
        let held = find_by_name(&tx, &c.app_id).await?;
        let id = match held {
            Some(held)
                if policy == OnConflict::Overwrite || imported_consumer(&tx, data, c).await? =>
            {
                held.id
            }
            Some(_) => {
                skipped.push(format!(
                    "portal consumer `{}`: left as Lyre has it",
                    c.app_id
                ));
                continue;
            }
            None => {
                counts.consumers += 1;
                // Lyre's consumers act for the user who made them (they lapse when that user
                // is gone or no longer a master of their apps): Apollo's maker of it, usually a
                // super admin, else its owner.
                let maker = if users.contains_key(&c.stamp.created_by)
                    || find_user(&tx, &c.stamp.created_by).await?.is_some()
                {
                    c.stamp.created_by.clone()
                } else {
                    c.owner_name.clone()
                };
                if dry_run {
                    0
                } else {
                    consumer::ActiveModel {
                        name: Set(c.app_id.clone()),
                        app_id: Set(c.app_id.clone()),
                        org_id: Set(c.org_id.clone()),
                        org_name: Set(c.org_name.clone()),
                        owner_name: Set(c.owner_name.clone()),
                        owner_email: Set(c.owner_email.clone()),
                        rate_limit: Set(0),
                        comment: Set(c.name.clone()),
                        created_by: Set(maker.clone()),
                        created_at: Set(c.stamp.created_at),
                        updated_by: Set(maker),
                        updated_at: Set(c.stamp.updated_at),
                        deleted_at: Set(0),
                        ..Default::default()
                    }
                    .insert(&tx)
                    .await?
                    .id
                }
            }
        };
        consumers.insert(c.id.to_string(), id);
    }
    for t in &data.tokens {
        let Some(&consumer_id) = consumers.get(&t.consumer_id.to_string()) else {
            continue;
        };
        let hash = token_hash(&t.token);
        let held = consumer_token::Entity::find()
            .filter(consumer_token::Column::TokenHash.eq(hash.as_str()))
            .one(&tx)
            .await?;
        if held.is_some() {
            continue;
        }
        counts.tokens += 1;
        if !dry_run {
            let hint: String = t
                .token
                .chars()
                .rev()
                .take(4)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            consumer_token::ActiveModel {
                consumer_id: Set(consumer_id),
                token_hash: Set(hash),
                token_hint: Set(hint),
                expires_at: Set(t.expires),
                created_by: Set(IMPORTER.to_owned()),
                created_at: Set(now),
                updated_by: Set(IMPORTER.to_owned()),
                updated_at: Set(now),
                deleted_at: Set(0),
                ..Default::default()
            }
            .insert(&tx)
            .await?;
        }
    }

    // Roles: Apollo's names are Lyre's, for the roles Lyre has.
    let super_admin = (
        SUPER_ADMIN_ROLE.to_owned(),
        SUPER_ADMIN_PERMISSION.to_owned(),
        "*".to_owned(),
    );
    let grants = data
        .super_admins
        .iter()
        .map(|name| {
            (
                Some(super_admin.clone()),
                SUBJECT_USER,
                name.clone(),
                SUPER_ADMIN_ROLE.to_owned(),
            )
        })
        .chain(data.user_roles.iter().map(|h| {
            (
                lyre_role(&h.role),
                SUBJECT_USER,
                h.subject.clone(),
                h.role.clone(),
            )
        }))
        .chain(data.consumer_roles.iter().map(|h| {
            (
                lyre_role(&h.role),
                SUBJECT_CONSUMER,
                h.subject.clone(),
                h.role.clone(),
            )
        }));
    let mut unknown: HashMap<String, u64> = HashMap::new();
    for (role, subject_type, subject, apollo_role) in grants {
        let Some((name, permission_type, target)) = role else {
            let kind = apollo_role.split('+').next().unwrap_or_default().to_owned();
            *unknown.entry(kind).or_default() += 1;
            continue;
        };
        let subject = if subject_type == SUBJECT_USER {
            if !users.contains_key(&subject) {
                continue;
            }
            subject
        } else {
            match consumers.get(&subject) {
                Some(id) => id.to_string(),
                None => continue,
            }
        };
        let existing = role::Entity::find()
            .filter(role::Column::Name.eq(name.as_str()))
            .filter(role::Column::DeletedAt.eq(0))
            .one(&tx)
            .await?;
        if let Some(role) = &existing
            && role_binding::Entity::find()
                .filter(role_binding::Column::RoleId.eq(role.id))
                .filter(role_binding::Column::SubjectType.eq(subject_type))
                .filter(role_binding::Column::Subject.eq(subject.as_str()))
                .filter(role_binding::Column::DeletedAt.eq(0))
                .one(&tx)
                .await?
                .is_some()
        {
            continue;
        }
        counts.roles += 1;
        if dry_run {
            continue;
        }
        let role = match existing {
            Some(role) => role,
            None => {
                lyre_store::accounts::ensure_role(
                    &tx,
                    &name,
                    &[(permission_type.as_str(), target.as_str())],
                    IMPORTER,
                )
                .await?
            }
        };
        lyre_store::accounts::bind_role(&tx, role.id, subject_type, &subject, "", IMPORTER).await?;
    }
    let mut unknown: Vec<(String, u64)> = unknown.into_iter().collect();
    unknown.sort();
    for (kind, n) in unknown {
        skipped.push(format!(
            "portal: {n} grant(s) of Apollo's {kind} roles, which Lyre has no counterpart of"
        ));
    }

    for f in &data.favorites {
        let Some(&user_id) = users.get(&f.username) else {
            continue;
        };
        let held = favorite::Entity::find()
            .filter(favorite::Column::UserId.eq(user_id))
            .filter(favorite::Column::AppId.eq(f.app_id.as_str()))
            .one(&tx)
            .await?;
        if held.is_some() {
            continue;
        }
        counts.favorites += 1;
        if !dry_run {
            favorite::ActiveModel {
                user_id: Set(user_id),
                app_id: Set(f.app_id.clone()),
                position: Set(f.position),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&tx)
            .await?;
        }
    }
    if dry_run {
        tx.rollback().await?;
    } else {
        tx.commit().await?;
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apollo_roles_map_to_lyres() {
        let role = |name| lyre_role(name).map(|(n, t, target)| format!("{n} {t} {target}"));
        assert_eq!(role("Master+shop").unwrap(), "Master+shop Master shop");
        assert_eq!(
            role("ModifyNamespace+shop+application").unwrap(),
            "ModifyNamespace+shop+application ModifyNamespace shop+application"
        );
        assert_eq!(
            role("ReleaseNamespace+shop+application+PRO").unwrap(),
            "ReleaseNamespace+shop+application+PRO ReleaseNamespace shop+application+PRO"
        );
        assert_eq!(
            role("ModifyNamespacesInCluster+shop+DEV+default").unwrap(),
            "ModifyCluster+shop+DEV+default ModifyCluster shop+DEV+default"
        );
        for other in [
            "ManageAppMaster+shop",
            "CreateApplication+SystemRole",
            "Master+",
            "Master",
        ] {
            assert_eq!(role(other), None, "{other}");
        }
    }
}

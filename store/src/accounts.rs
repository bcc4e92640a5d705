//! Users, their sessions, and role bindings: what the portal needs to sign people in and to
//! know who may do what.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};

use crate::entity::{permission, role, role_binding, user, user_session};
use crate::is_unique_violation;
use crate::time::now_millis;

/// The role that may do everything.
pub const SUPER_ADMIN_ROLE: &str = "SuperAdmin";
/// The permission type held by [`SUPER_ADMIN_ROLE`], on target `*`.
pub const SUPER_ADMIN_PERMISSION: &str = "SuperAdmin";
/// `subject_type` of a role binding held by a user.
pub const SUBJECT_USER: &str = "user";
/// `users.source` of a user whose password Lyre keeps.
pub const SOURCE_LOCAL: &str = "local";

/// A user to create.
#[derive(Clone)]
pub struct NewUser<'a> {
    /// Unique sign-in name.
    pub username: &'a str,
    /// Name shown to people.
    pub display_name: &'a str,
    /// Contact address.
    pub email: &'a str,
    /// Argon2 PHC string of the password; empty for a user of an identity provider.
    pub password_hash: &'a str,
    /// Where the user signs in: [`SOURCE_LOCAL`], or an identity provider's name.
    pub source: &'a str,
    /// Who creates the user.
    pub created_by: &'a str,
}

impl std::fmt::Debug for NewUser<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// The user named `username`, enabled or not.
pub async fn find_user(
    db: &impl ConnectionTrait,
    username: &str,
) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(db)
        .await
}

/// The user with id `id`.
pub async fn find_user_by_id(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find_by_id(id).one(db).await
}

/// Creates an enabled user; a taken name is a unique violation.
pub async fn create_user(
    db: &impl ConnectionTrait,
    new: &NewUser<'_>,
) -> Result<user::Model, DbErr> {
    let now = now_millis();
    user::ActiveModel {
        username: Set(new.username.to_owned()),
        display_name: Set(new.display_name.to_owned()),
        email: Set(new.email.to_owned()),
        password_hash: Set(new.password_hash.to_owned()),
        is_enabled: Set(true),
        source: Set(new.source.to_owned()),
        created_by: Set(new.created_by.to_owned()),
        created_at: Set(now),
        updated_by: Set(new.created_by.to_owned()),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// Records a new sign-in.
pub async fn create_session(
    db: &impl ConnectionTrait,
    session_id: &str,
    user_id: i64,
    expires_at: i64,
    ip: &str,
    user_agent: &str,
) -> Result<user_session::Model, DbErr> {
    user_session::ActiveModel {
        session_id: Set(session_id.to_owned()),
        user_id: Set(user_id),
        created_at: Set(now_millis()),
        expires_at: Set(expires_at),
        revoked_at: Set(0),
        ip: Set(ip.chars().take(64).collect()),
        user_agent: Set(user_agent.chars().take(256).collect()),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// The session `session_id` if it exists, is not revoked and has not expired.
pub async fn live_session(
    db: &impl ConnectionTrait,
    session_id: &str,
) -> Result<Option<user_session::Model>, DbErr> {
    user_session::Entity::find()
        .filter(user_session::Column::SessionId.eq(session_id))
        .filter(user_session::Column::RevokedAt.eq(0))
        .filter(user_session::Column::ExpiresAt.gt(now_millis()))
        .one(db)
        .await
}

/// Ends a session (signing out); ending it twice is harmless.
pub async fn revoke_session(db: &impl ConnectionTrait, session_id: &str) -> Result<(), DbErr> {
    user_session::Entity::update_many()
        .col_expr(user_session::Column::RevokedAt, Expr::value(now_millis()))
        .filter(user_session::Column::SessionId.eq(session_id))
        .filter(user_session::Column::RevokedAt.eq(0))
        .exec(db)
        .await?;
    Ok(())
}

/// The live role named `name`, created with `permissions` (type, target) if missing.
/// Safe when two processes do it at once.
pub async fn ensure_role(
    db: &impl ConnectionTrait,
    name: &str,
    permissions: &[(&str, &str)],
    by: &str,
) -> Result<role::Model, DbErr> {
    let find = || {
        role::Entity::find()
            .filter(role::Column::Name.eq(name))
            .filter(role::Column::DeletedAt.eq(0))
            .one(db)
    };
    if let Some(existing) = find().await? {
        return Ok(existing);
    }
    let now = now_millis();
    let created = role::ActiveModel {
        name: Set(name.to_owned()),
        created_by: Set(by.to_owned()),
        created_at: Set(now),
        updated_by: Set(by.to_owned()),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await;
    let role = match created {
        Ok(role) => role,
        Err(e) if is_unique_violation(&e) => {
            return find().await?.ok_or(DbErr::RecordNotFound(name.to_owned()));
        }
        Err(e) => return Err(e),
    };
    for (permission_type, target_id) in permissions {
        permission::ActiveModel {
            role_id: Set(role.id),
            permission_type: Set((*permission_type).to_owned()),
            target_id: Set((*target_id).to_owned()),
            created_by: Set(by.to_owned()),
            created_at: Set(now),
            updated_by: Set(by.to_owned()),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(role)
}

/// Grants `role_id` to a subject; granting it again is harmless. `origin` is empty for a
/// grant made in Lyre, `group:<name>` for one mapped from an identity provider's group.
pub async fn bind_role(
    db: &impl ConnectionTrait,
    role_id: i64,
    subject_type: &str,
    subject: &str,
    origin: &str,
    by: &str,
) -> Result<(), DbErr> {
    let now = now_millis();
    let inserted = role_binding::ActiveModel {
        role_id: Set(role_id),
        subject_type: Set(subject_type.to_owned()),
        subject: Set(subject.to_owned()),
        origin: Set(origin.to_owned()),
        created_by: Set(by.to_owned()),
        created_at: Set(now),
        updated_by: Set(by.to_owned()),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await;
    match inserted {
        Err(e) if !is_unique_violation(&e) => Err(e),
        _ => Ok(()),
    }
}

/// The names of the live roles a subject holds (a role held both by hand and through a group
/// is named once).
pub async fn roles_of(
    db: &impl ConnectionTrait,
    subject_type: &str,
    subject: &str,
) -> Result<Vec<String>, DbErr> {
    let mut roles: Vec<String> = crate::rbac::bindings_of(db, subject_type, subject)
        .await?
        .into_iter()
        .map(|b| b.role)
        .collect();
    roles.dedup();
    Ok(roles)
}

/// One page of users, by name; `search` narrows to names, display names or emails containing it.
pub async fn list_users(
    db: &impl ConnectionTrait,
    search: Option<&str>,
    request: crate::page::PageRequest,
) -> Result<crate::page::Paged<user::Model>, DbErr> {
    use sea_orm::{Condition, QueryOrder};
    let mut select = user::Entity::find().order_by_asc(user::Column::Username);
    if let Some(search) = search.map(str::trim).filter(|s| !s.is_empty()) {
        select = select.filter(
            Condition::any()
                .add(user::Column::Username.contains(search))
                .add(user::Column::DisplayName.contains(search))
                .add(user::Column::Email.contains(search)),
        );
    }
    crate::page::fetch(db, select, request).await
}

/// Changes to a user; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct UserChanges<'a> {
    /// Name shown to people.
    pub display_name: Option<&'a str>,
    /// Contact address.
    pub email: Option<&'a str>,
    /// Whether the user may sign in.
    pub is_enabled: Option<bool>,
    /// A new argon2 PHC string.
    pub password_hash: Option<&'a str>,
    /// The language the portal speaks to the user.
    pub language: Option<&'a str>,
}

/// Applies `changes` to the user `id`.
pub async fn update_user(
    db: &impl ConnectionTrait,
    id: i64,
    changes: &UserChanges<'_>,
    by: &str,
) -> Result<(), DbErr> {
    let mut update = user::Entity::update_many()
        .col_expr(user::Column::UpdatedBy, Expr::value(by))
        .col_expr(user::Column::UpdatedAt, Expr::value(now_millis()));
    if let Some(v) = changes.display_name {
        update = update.col_expr(user::Column::DisplayName, Expr::value(v));
    }
    if let Some(v) = changes.email {
        update = update.col_expr(user::Column::Email, Expr::value(v));
    }
    if let Some(v) = changes.is_enabled {
        update = update.col_expr(user::Column::IsEnabled, Expr::value(v));
    }
    if let Some(v) = changes.password_hash {
        update = update.col_expr(user::Column::PasswordHash, Expr::value(v));
    }
    if let Some(v) = changes.language {
        update = update.col_expr(user::Column::Language, Expr::value(v));
    }
    update.filter(user::Column::Id.eq(id)).exec(db).await?;
    Ok(())
}

/// Replaces user `id`'s password hash `old` with `new` (the same password, hashed anew), unless
/// it changed meanwhile; whether it was replaced.
pub async fn rehash_password(
    db: &impl ConnectionTrait,
    id: i64,
    old: &str,
    new: &str,
) -> Result<bool, DbErr> {
    let done = user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(new))
        .filter(user::Column::Id.eq(id))
        .filter(user::Column::PasswordHash.eq(old))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Ends every live session of the user `id` except `keep` (the caller's own, say).
pub async fn revoke_sessions_of(
    db: &impl ConnectionTrait,
    user_id: i64,
    keep: Option<&str>,
) -> Result<(), DbErr> {
    let mut update = user_session::Entity::update_many()
        .col_expr(user_session::Column::RevokedAt, Expr::value(now_millis()))
        .filter(user_session::Column::UserId.eq(user_id))
        .filter(user_session::Column::RevokedAt.eq(0));
    if let Some(keep) = keep {
        update = update.filter(user_session::Column::SessionId.ne(keep));
    }
    update.exec(db).await?;
    Ok(())
}

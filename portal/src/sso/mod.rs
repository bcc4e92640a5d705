//! Sign-in through the company's identity provider: OpenID Connect ([`oidc`]) and LDAP
//! ([`ldap`]), and the mapping of their groups to Lyre's roles.
//!
//! A provider's user is created in Lyre at their first sign-in, with `users.source` naming the
//! provider and no password. At every sign-in their name and email are refreshed from the
//! provider and the roles mapped from their groups are made exactly what the groups say; roles
//! granted in Lyre by hand are never touched. The session is Lyre's own either way.

pub(crate) mod ldap;
pub(crate) mod oidc;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use lyre_store::accounts::{self, SOURCE_LOCAL, SUBJECT_USER, SUPER_ADMIN_PERMISSION};
use lyre_store::config::audit;
use lyre_store::entity::user;
use lyre_store::rbac::{self, Mapped};
use lyre_store::sea_orm::TransactionTrait;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::rbac::Grant;
use crate::{PortalError, PortalState};

pub use ldap::LdapSettings;
pub use oidc::OidcSettings;

/// Who may sign in with a password kept by Lyre.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum LocalSignIn {
    /// Every local user (the default when no identity provider is configured).
    Everyone,
    /// Super admins only: a way in when the provider is down (the default with a provider).
    SuperAdmins,
    /// Nobody: every sign-in goes through the identity provider.
    Off,
}

/// The `[sign_in]` table of `lyre.toml`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignInSettings {
    /// Who may sign in with a local password [default: `everyone` without a provider,
    /// `super-admins` with one].
    pub local: Option<LocalSignIn>,
    /// OpenID Connect.
    pub oidc: Option<OidcSettings>,
    /// LDAP (or Active Directory).
    pub ldap: Option<LdapSettings>,
    /// Roles given to the members of a provider's group: group name to role names, e.g.
    /// `"shop-devs" = ["Master+shop", "ReleaseNamespace+shop+application+DEV"]`.
    #[serde(default)]
    pub groups: BTreeMap<String, Vec<String>>,
}

/// How people sign in: checked at start, shared by every request.
#[derive(Clone, Default)]
pub struct SignIn(Arc<Methods>);

#[derive(Default)]
struct Methods {
    local: Option<LocalSignIn>,
    oidc: Option<oidc::Oidc>,
    ldap: Option<ldap::Ldap>,
    groups: Vec<(String, Vec<MappedRole>)>,
}

/// A role a group maps to.
#[derive(Clone, Debug)]
struct MappedRole {
    name: String,
    permission_type: String,
    target: String,
}

impl std::fmt::Debug for SignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignIn")
            .field("local", &self.local())
            .field("oidc", &self.0.oidc.as_ref().map(oidc::Oidc::name))
            .field("ldap", &self.0.ldap.as_ref().map(ldap::Ldap::url))
            .field("groups", &self.0.groups.len())
            .finish()
    }
}

/// The longest group name a mapping may name (it is stored as a binding's origin).
const MAX_GROUP_LEN: usize = 190;

impl SignIn {
    /// Checks `settings` and reads the secrets they point at; the error names the setting.
    pub fn new(settings: SignInSettings) -> Result<Self, String> {
        let oidc = settings.oidc.map(oidc::Oidc::new).transpose()?;
        let ldap = settings.ldap.map(ldap::Ldap::new).transpose()?;
        let provider = oidc.is_some() || ldap.is_some();
        if settings.local == Some(LocalSignIn::Off) && !provider {
            return Err(
                "sign_in.local is `off` but no identity provider is configured \
                 (sign_in.oidc or sign_in.ldap): nobody could sign in"
                    .into(),
            );
        }
        if !settings.groups.is_empty() && !provider {
            return Err(
                "sign_in.groups maps groups to roles, but no identity provider \
                 (sign_in.oidc or sign_in.ldap) is configured to say who is in them"
                    .into(),
            );
        }
        let mut groups = Vec::new();
        for (group, roles) in settings.groups {
            if group.trim().is_empty() || group.len() > MAX_GROUP_LEN {
                return Err(format!(
                    "sign_in.groups: `{group}` is not a group name (1 to {MAX_GROUP_LEN} \
                     characters)"
                ));
            }
            let roles = roles
                .iter()
                .map(|r| {
                    mapped_role(r).ok_or_else(|| {
                        format!(
                            "sign_in.groups.\"{group}\": `{r}` is not a role; roles are \
                             `SuperAdmin`, `Master+APP`, `ModifyNamespace+APP+NAMESPACE[+ENV]`, \
                             `ReleaseNamespace+APP+NAMESPACE[+ENV]` (NAMESPACE `*` for every \
                             one), `ModifyCluster+APP+ENV+CLUSTER`, \
                             `ReleaseCluster+APP+ENV+CLUSTER`"
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            groups.push((group, roles));
        }
        Ok(Self(Arc::new(Methods {
            local: settings.local,
            oidc,
            ldap,
            groups,
        })))
    }

    /// Who may sign in with a local password.
    pub fn local(&self) -> LocalSignIn {
        self.0
            .local
            .unwrap_or(if self.0.oidc.is_some() || self.0.ldap.is_some() {
                LocalSignIn::SuperAdmins
            } else {
                LocalSignIn::Everyone
            })
    }

    pub(crate) fn oidc(&self) -> Option<&oidc::Oidc> {
        self.0.oidc.as_ref()
    }

    pub(crate) fn ldap(&self) -> Option<&ldap::Ldap> {
        self.0.ldap.as_ref()
    }

    /// The roles `groups` map to, each with the group it comes from.
    fn mapped<'a>(&'a self, groups: &[String]) -> Vec<Mapped<'a>> {
        self.0
            .groups
            .iter()
            .filter(|(group, _)| groups.iter().any(|g| g == group))
            .flat_map(|(group, roles)| {
                roles.iter().map(move |role| Mapped {
                    role: &role.name,
                    permissions: vec![(role.permission_type.as_str(), role.target.as_str())],
                    origin: format!("{GROUP_ORIGIN}{group}"),
                })
            })
            .collect()
    }
}

/// The prefix of a binding's origin when a group gave it.
pub(crate) const GROUP_ORIGIN: &str = "group:";

/// The role a mapping names, in the form role names take (`Master+shop`).
fn mapped_role(name: &str) -> Option<MappedRole> {
    if name == accounts::SUPER_ADMIN_ROLE {
        return Some(MappedRole {
            name: name.to_owned(),
            permission_type: SUPER_ADMIN_PERMISSION.to_owned(),
            target: "*".to_owned(),
        });
    }
    let (permission_type, target) = name.split_once('+')?;
    let grant = Grant::parse(permission_type, target)?;
    let valid = |part: &str| {
        !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'*'))
    };
    let (role, permission_type, target) = grant.role();
    (role == name && target.split('+').all(valid)).then_some(MappedRole {
        name: role,
        permission_type,
        target,
    })
}

/// A person as an identity provider describes them.
#[derive(Clone, Debug)]
pub(crate) struct Profile {
    /// The Lyre user name.
    pub username: String,
    pub display_name: String,
    pub email: String,
    /// The groups they are in.
    pub groups: Vec<String>,
}

/// The longest user name Lyre stores.
const MAX_USERNAME_LEN: usize = 64;

/// Creates or refreshes the Lyre user of a provider's `profile` and makes their mapped roles
/// what their groups say, in one transaction. `source` is `oidc` or `ldap`.
pub(crate) async fn provision(
    state: &PortalState,
    source: &str,
    profile: &Profile,
) -> Result<user::Model, PortalError> {
    let username = profile.username.trim();
    if username.is_empty()
        || username.chars().count() > MAX_USERNAME_LEN
        || username.chars().any(char::is_control)
    {
        return Err(PortalError::Forbidden(format!(
            "the identity provider named this user `{username}`, which is not a Lyre user name \
             (1 to {MAX_USERNAME_LEN} characters, no control characters)"
        ))
        .because("provider_user_name_invalid", [("name", username)])
        .with("limit", MAX_USERNAME_LEN));
    }
    let display_name: String = profile.display_name.trim().chars().take(128).collect();
    let email: String = profile.email.trim().chars().take(256).collect();
    let txn = state.db().begin().await?;
    let user = match accounts::find_user(&txn, username).await? {
        Some(existing) if existing.source != source => {
            return Err(PortalError::Forbidden(format!(
                "a {} user named `{username}` already exists in Lyre, so the {source} user of \
                 that name cannot sign in: Lyre never merges two accounts because their names \
                 match; sign in as that user, or ask a super admin",
                describe_source(&existing.source)
            ))
            .because(
                "user_of_other_source",
                [
                    ("name", username),
                    ("existingSource", &existing.source),
                    ("source", source),
                ],
            ));
        }
        Some(existing) => {
            if existing.display_name != display_name || existing.email != email {
                let changes = accounts::UserChanges {
                    display_name: Some(&display_name),
                    email: Some(&email),
                    ..Default::default()
                };
                accounts::update_user(&txn, existing.id, &changes, source).await?;
            }
            existing
        }
        None => {
            let created = accounts::create_user(
                &txn,
                &accounts::NewUser {
                    username,
                    display_name: &display_name,
                    email: &email,
                    password_hash: "",
                    source,
                    created_by: source,
                },
            )
            .await;
            match created {
                Ok(user) => {
                    record(&txn, username, "create", source, serde_json::json!({})).await?;
                    user
                }
                // Signed in twice at once: the other sign-in created them.
                Err(e) if lyre_store::is_unique_violation(&e) => {
                    return Err(PortalError::Conflict(
                        "this account was being created by another sign-in; sign in again".into(),
                    )
                    .because("account_created_meanwhile", lyre_protocol::error::NO_PARAMS));
                }
                Err(e) => return Err(e.into()),
            }
        }
    };
    if !user.is_enabled {
        return Err(PortalError::AccountDisabled);
    }
    let mapped = state.settings().sign_in.mapped(&profile.groups);
    let synced = rbac::sync_mapped(&txn, SUBJECT_USER, username, &mapped, source).await?;
    for (binding, operation) in synced
        .added
        .iter()
        .map(|b| (b, "grant_mapped_role"))
        .chain(synced.removed.iter().map(|b| (b, "revoke_mapped_role")))
    {
        let group = binding.origin.trim_start_matches(GROUP_ORIGIN);
        let detail = serde_json::json!({ "role": binding.role, "group": group });
        record(&txn, username, operation, source, detail).await?;
    }
    txn.commit().await?;
    Ok(user)
}

/// How people read a user's source.
pub(crate) fn describe_source(source: &str) -> &str {
    match source {
        SOURCE_LOCAL => "local",
        oidc::SOURCE => "OpenID Connect",
        ldap::SOURCE => "LDAP",
        other => other,
    }
}

async fn record(
    db: &impl lyre_store::sea_orm::ConnectionTrait,
    username: &str,
    operation: &str,
    operator: &str,
    detail: serde_json::Value,
) -> Result<(), PortalError> {
    audit::record(
        db,
        audit::Record {
            env: "",
            app_id: "",
            entity_type: "user",
            entity_id: username,
            operation,
            detail: detail.to_string(),
            operator,
        },
    )
    .await?;
    Ok(())
}

/// A secret given inline, in a file, or in an environment variable, in that order.
fn secret(
    setting: &str,
    inline: Option<String>,
    file: Option<&Path>,
    env: &str,
) -> Result<Option<String>, String> {
    if let Some(inline) = inline {
        return Ok(Some(inline));
    }
    if let Some(file) = file {
        let text = std::fs::read_to_string(file)
            .map_err(|e| format!("cannot read {setting}_file {}: {e}", file.display()))?;
        let text = text.trim_end_matches(['\r', '\n']).to_owned();
        if text.is_empty() {
            return Err(format!("{setting}_file {} is empty", file.display()));
        }
        return Ok(Some(text));
    }
    Ok(std::env::var(env).ok().filter(|v| !v.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mappings_name_roles_as_lyre_names_them() {
        for good in [
            "SuperAdmin",
            "Master+shop",
            "ModifyNamespace+shop+application",
            "ReleaseNamespace+shop+*+PRO",
            "ReleaseCluster+shop+PRO+default",
        ] {
            assert_eq!(mapped_role(good).map(|r| r.name).as_deref(), Some(good));
        }
        for bad in [
            "Admin",
            "Master",
            "Master+",
            "Master+shop+x",
            "ModifyNamespace+shop",
            "Master+sh op",
        ] {
            assert!(mapped_role(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn a_group_mapping_needs_a_provider() {
        let settings = SignInSettings {
            groups: [("devs".to_owned(), vec!["Master+shop".to_owned()])].into(),
            ..Default::default()
        };
        let err = SignIn::new(settings).unwrap_err();
        assert!(err.contains("no identity provider"), "{err}");
        let off = SignInSettings {
            local: Some(LocalSignIn::Off),
            ..Default::default()
        };
        assert!(
            SignIn::new(off)
                .unwrap_err()
                .contains("nobody could sign in")
        );
    }
}

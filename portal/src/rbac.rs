//! Who may do what.
//!
//! Roles (stored by `lyre_store::rbac`) carry one permission each, named by type and target:
//!
//! | role | permission type | target |
//! |---|---|---|
//! | super admin | `SuperAdmin` | `*` |
//! | app master | `Master` | `{app}` |
//! | modify / release a namespace | `ModifyNamespace` / `ReleaseNamespace` | `{app}+{namespace}` or `{app}+{namespace}+{env}`; namespace `*` is every one |
//! | modify / release a cluster | `ModifyCluster` / `ReleaseCluster` | `{app}+{env}+{cluster}` |
//! | reveal a namespace's secret values | `RevealSecret` | as for a namespace |
//!
//! Names never contain `+` or `*`, so targets split unambiguously. The super admin may do
//! everything. An app's master manages the app, its clusters, namespaces, access keys and
//! role grants; editing and releasing take the modify and release permissions, which a
//! master may grant (to themselves too).

use lyre_store::accounts::SUPER_ADMIN_PERMISSION;
use lyre_store::rbac::Held;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::PortalError;
use lyre_protocol::error::NO_PARAMS;

const MASTER: &str = "Master";
const MODIFY_NAMESPACE: &str = "ModifyNamespace";
const RELEASE_NAMESPACE: &str = "ReleaseNamespace";
const MODIFY_CLUSTER: &str = "ModifyCluster";
const RELEASE_CLUSTER: &str = "ReleaseCluster";
const REVEAL_SECRET: &str = "RevealSecret";

/// What a namespace permission allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Action {
    /// Edit items, overrides; open release requests.
    Modify,
    /// Publish, roll back, gray-publish, merge; review release requests.
    Release,
    /// See secret values in the clear (every time audited). Namespace grants only.
    Reveal,
}

impl Action {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Modify => "modify",
            Self::Release => "release",
            Self::Reveal => "reveal",
        }
    }
}

/// One grant, as the API shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Grant {
    /// Master of an app.
    Master { app: String },
    /// Modify or release a namespace (`None`: every namespace), in one environment or all.
    Namespace {
        action: Action,
        app: String,
        namespace: Option<String>,
        env: Option<String>,
    },
    /// Modify or release every namespace of one cluster.
    Cluster {
        action: Action,
        app: String,
        env: String,
        cluster: String,
    },
}

impl Grant {
    /// The role's name and its one permission (type, target).
    pub(crate) fn role(&self) -> (String, String, String) {
        let (permission_type, target) = match self {
            Self::Master { app } => (MASTER, app.clone()),
            Self::Namespace {
                action,
                app,
                namespace,
                env,
            } => {
                let ty = match action {
                    Action::Modify => MODIFY_NAMESPACE,
                    Action::Release => RELEASE_NAMESPACE,
                    Action::Reveal => REVEAL_SECRET,
                };
                let ns = namespace.as_deref().unwrap_or("*");
                let target = match env {
                    Some(env) => format!("{app}+{ns}+{env}"),
                    None => format!("{app}+{ns}"),
                };
                (ty, target)
            }
            Self::Cluster {
                action,
                app,
                env,
                cluster,
            } => {
                // Revealing is granted per namespace only (requests refuse it per cluster).
                let ty = match action {
                    Action::Modify => MODIFY_CLUSTER,
                    Action::Release | Action::Reveal => RELEASE_CLUSTER,
                };
                (ty, format!("{app}+{env}+{cluster}"))
            }
        };
        (
            format!("{permission_type}+{target}"),
            permission_type.to_owned(),
            target,
        )
    }

    /// The grant a stored permission stands for; `None` for types this portal does not know.
    pub(crate) fn parse(permission_type: &str, target: &str) -> Option<Self> {
        let parts: Vec<&str> = target.split('+').collect();
        let action = |ty: &str| match ty {
            MODIFY_NAMESPACE | MODIFY_CLUSTER => Action::Modify,
            REVEAL_SECRET => Action::Reveal,
            _ => Action::Release,
        };
        match (permission_type, parts.as_slice()) {
            (MASTER, [app]) => Some(Self::Master {
                app: (*app).to_owned(),
            }),
            (MODIFY_NAMESPACE | RELEASE_NAMESPACE | REVEAL_SECRET, [app, ns, rest @ ..])
                if rest.len() <= 1 =>
            {
                Some(Self::Namespace {
                    action: action(permission_type),
                    app: (*app).to_owned(),
                    namespace: (*ns != "*").then(|| (*ns).to_owned()),
                    env: rest.first().map(|e| (*e).to_owned()),
                })
            }
            (MODIFY_CLUSTER | RELEASE_CLUSTER, [app, env, cluster]) => Some(Self::Cluster {
                action: action(permission_type),
                app: (*app).to_owned(),
                env: (*env).to_owned(),
                cluster: (*cluster).to_owned(),
            }),
            _ => None,
        }
    }

    fn app(&self) -> &str {
        match self {
            Self::Master { app } | Self::Namespace { app, .. } | Self::Cluster { app, .. } => app,
        }
    }
}

/// Where a permission is asked for.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Scope<'a> {
    pub env: &'a str,
    pub app: &'a str,
    pub cluster: &'a str,
    pub namespace: &'a str,
}

impl<'a> Scope<'a> {
    /// The namespace as an error's params name it: `env`, `app`, `cluster`, `namespace`.
    pub(crate) fn params(self) -> [(&'static str, &'a str); 4] {
        [
            ("env", self.env),
            ("app", self.app),
            ("cluster", self.cluster),
            ("namespace", self.namespace),
        ]
    }
}

/// Everything a user or consumer is allowed.
#[derive(Clone, Debug, Default)]
pub(crate) struct Grants {
    super_admin: bool,
    grants: Vec<Grant>,
}

impl Grants {
    pub(crate) fn new(held: &[Held]) -> Self {
        Self {
            super_admin: held
                .iter()
                .any(|h| h.permission_type == SUPER_ADMIN_PERMISSION),
            grants: held
                .iter()
                .filter_map(|h| Grant::parse(&h.permission_type, &h.target))
                .collect(),
        }
    }

    pub(crate) fn is_super_admin(&self) -> bool {
        self.super_admin
    }

    pub(crate) fn is_master(&self, app: &str) -> bool {
        self.super_admin
            || self
                .grants
                .iter()
                .any(|g| matches!(g, Grant::Master { app: a } if a == app))
    }

    /// Whether any role concerns `app` (members may view private namespaces in environments
    /// that show them to members only).
    pub(crate) fn is_member(&self, app: &str) -> bool {
        self.super_admin || self.grants.iter().any(|g| g.app() == app)
    }

    /// Whether `action` is allowed on the namespace at `scope`.
    pub(crate) fn can(&self, action: Action, scope: Scope<'_>) -> bool {
        self.super_admin
            || self.grants.iter().any(|g| match g {
                Grant::Master { .. } => false,
                Grant::Namespace {
                    action: a,
                    app,
                    namespace,
                    env,
                } => {
                    *a == action
                        && app == scope.app
                        && namespace.as_deref().is_none_or(|n| n == scope.namespace)
                        && env.as_deref().is_none_or(|e| e == scope.env)
                }
                Grant::Cluster {
                    action: a,
                    app,
                    env,
                    cluster,
                } => {
                    *a == action && app == scope.app && env == scope.env && cluster == scope.cluster
                }
            })
    }

    /// The apps this subject holds any role in.
    pub(crate) fn apps(&self) -> Vec<&str> {
        let mut apps: Vec<&str> = self.grants.iter().map(Grant::app).collect();
        apps.sort_unstable();
        apps.dedup();
        apps
    }

    pub(crate) fn require_super_admin(&self) -> Result<(), PortalError> {
        if self.super_admin {
            Ok(())
        } else {
            Err(
                PortalError::Forbidden("only the super admin may do this".into())
                    .because("super_admin_only", NO_PARAMS),
            )
        }
    }

    pub(crate) fn require_master(&self, app: &str) -> Result<(), PortalError> {
        if self.is_master(app) {
            Ok(())
        } else {
            Err(PortalError::Forbidden(format!(
                "only a master of app `{app}` (or the super admin) may do this; \
                 a master of `{app}` can make you one"
            ))
            .because("master_only", [("app", app)]))
        }
    }

    pub(crate) fn require(&self, action: Action, scope: Scope<'_>) -> Result<(), PortalError> {
        if self.can(action, scope) {
            Ok(())
        } else {
            Err(PortalError::Forbidden(format!(
                "you hold no {} role on {}/{}/{} in {}; a master of app `{}` can grant it",
                action.as_str(),
                scope.app,
                scope.cluster,
                scope.namespace,
                scope.env,
                scope.app
            ))
            .because("missing_role", scope.params())
            .with("role", action.as_str()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(grants: &[Grant]) -> Vec<Held> {
        grants
            .iter()
            .map(|g| {
                let (role, permission_type, target) = g.role();
                Held {
                    role,
                    permission_type,
                    target,
                }
            })
            .collect()
    }

    const AT: Scope<'static> = Scope {
        env: "PRO",
        app: "shop",
        cluster: "default",
        namespace: "application",
    };

    #[test]
    fn grants_round_trip_through_their_role_names() {
        let all = [
            Grant::Master { app: "shop".into() },
            Grant::Namespace {
                action: Action::Modify,
                app: "shop".into(),
                namespace: None,
                env: Some("PRO".into()),
            },
            Grant::Namespace {
                action: Action::Release,
                app: "shop".into(),
                namespace: Some("db.yaml".into()),
                env: None,
            },
            Grant::Cluster {
                action: Action::Release,
                app: "shop".into(),
                env: "DEV".into(),
                cluster: "east".into(),
            },
        ];
        for grant in all {
            let (role, ty, target) = grant.role();
            assert_eq!(role, format!("{ty}+{target}"));
            assert_eq!(Grant::parse(&ty, &target), Some(grant));
        }
    }

    #[test]
    fn each_grant_allows_its_scope_only() {
        let namespace_in_pro = Grants::new(&held(&[Grant::Namespace {
            action: Action::Modify,
            app: "shop".into(),
            namespace: Some("application".into()),
            env: Some("PRO".into()),
        }]));
        assert!(namespace_in_pro.can(Action::Modify, AT));
        assert!(!namespace_in_pro.can(Action::Release, AT));
        assert!(!namespace_in_pro.can(Action::Modify, Scope { env: "DEV", ..AT }));
        assert!(!namespace_in_pro.can(
            Action::Modify,
            Scope {
                namespace: "other",
                ..AT
            }
        ));
        assert!(namespace_in_pro.is_member("shop") && !namespace_in_pro.is_member("other"));
        assert!(!namespace_in_pro.is_master("shop"));

        let cluster = Grants::new(&held(&[Grant::Cluster {
            action: Action::Release,
            app: "shop".into(),
            env: "PRO".into(),
            cluster: "default".into(),
        }]));
        assert!(cluster.can(
            Action::Release,
            Scope {
                namespace: "anything",
                ..AT
            }
        ));
        assert!(!cluster.can(
            Action::Release,
            Scope {
                cluster: "east",
                ..AT
            }
        ));

        let master = Grants::new(&held(&[Grant::Master { app: "shop".into() }]));
        assert!(master.is_master("shop") && !master.can(Action::Modify, AT));

        let admin = Grants::new(&[Held {
            role: "SuperAdmin".into(),
            permission_type: "SuperAdmin".into(),
            target: "*".into(),
        }]);
        assert!(admin.can(Action::Release, AT) && admin.is_master("any"));
    }
}

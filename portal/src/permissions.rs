//! Who may call each endpoint: one row per endpoint of `/api/v1` and `/openapi/v1`, declared
//! here once. Every request to a routed endpoint passes [`enforce`], which reads the row: it
//! authenticates the caller (a session, or a consumer token on the Open API) and checks what the
//! row needs on the app, environment, cluster and namespace named in the path. An endpoint
//! without a row is refused, so a new endpoint cannot go out unchecked; the permission-matrix
//! test reads the same table and drives every write endpoint with every role.
//!
//! Rows marked [`Need::Own`] concern what the path does not name (a release request, a release,
//! several namespaces): the caller is authenticated here, and the handler checks the rule the
//! row states once it has loaded what the rule is about.

use axum::extract::{FromRequestParts, MatchedPath, RawPathParams, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use lyre_service_kit::document;
use utoipa::openapi::OpenApi;
use utoipa::openapi::security::SecurityRequirement;

use crate::auth::{Caller, CurrentUser};
use crate::rbac::{Action, Grants};
use crate::routes::open::require_read;
use crate::routes::scope::{NsAt, require_view, require_view_somewhere};
use crate::{PortalError, PortalState};

/// What a caller needs to call an endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// Nothing: signing in.
    Anyone,
    /// To be signed in (on the Open API: a consumer token or a session).
    SignedIn,
    /// To be the super admin.
    SuperAdmin,
    /// To be a master of the app in the path.
    Master,
    /// The modify permission on the namespace in the path, in its environment and cluster.
    Modify,
    /// The release permission on the namespace in the path.
    Release,
    /// Either of modify and release on the namespace in the path.
    ModifyOrRelease,
    /// The reveal permission on the namespace in the path (its secret values in the clear).
    Reveal,
    /// To see the namespace in the path: its app's members, or anyone where the environment
    /// shows namespaces to everyone or the namespace is public. A path without an environment
    /// (what every environment shares, such as a schema's versions) needs one that shows it.
    View,
    /// On the Open API, to read the namespace in the path: a consumer needs a grant covering
    /// it (its app, namespace and environment); a user, to see it.
    Read,
    /// On the Open API, to read the app in the path: a consumer needs a grant on it.
    ReadApp,
    /// A rule about what the path does not name, checked by the handler: the rule, in words.
    Own(&'static str),
}

/// One endpoint and what it needs.
#[derive(Clone, Copy, Debug)]
pub struct Permission {
    /// `GET`, `POST`, `PUT` or `DELETE`.
    pub method: &'static str,
    /// The route as the router declares it, e.g. `/api/v1/apps/{appId}`.
    pub route: &'static str,
    /// What the caller needs.
    pub need: Need,
}

/// Builds the rows of [`PERMISSIONS`].
macro_rules! table {
    ($($method:ident $route:expr => $need:expr,)*) => {{
        use Need::*;
        &[$(Permission { method: stringify!($method), route: $route, need: $need }),*]
    }};
}

/// A namespace's route (of `/api/v1` or `/openapi/v1`) followed by a suffix, at compile time.
macro_rules! ns {
    ($suffix:literal) => {
        concat!(
            "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}",
            $suffix
        )
    };
}
macro_rules! open_ns {
    ($suffix:literal) => {
        concat!(
            "/openapi/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}",
            $suffix
        )
    };
}

const REQUEST_REVIEWER: &str = "release permission on the request's namespace; not its author, \
    the owner of the consumer that opened it, or anyone who changed what it publishes";

/// Every endpoint of `/api/v1` and `/openapi/v1` and what it needs: one row each, as
/// `METHOD "route" => need,` with `need` a variant of [`Need`].
pub const PERMISSIONS: &[Permission] = table! {
    // Accounts and sessions.
    POST "/api/v1/auth/login" => Anyone,
    POST "/api/v1/auth/logout" => SignedIn,
    GET "/api/v1/auth/me" => SignedIn,
    PUT "/api/v1/auth/me/language" => SignedIn,
    GET "/api/v1/auth/methods" => Anyone,
    GET "/api/v1/auth/oidc/start" => Anyone,
    GET "/api/v1/auth/oidc/callback" => Anyone,
    PUT "/api/v1/auth/password" => SignedIn,
    GET "/api/v1/users" => SignedIn,
    POST "/api/v1/users" => SuperAdmin,
    PUT "/api/v1/users/{username}" => SuperAdmin,
    POST "/api/v1/users/{username}/password" => SuperAdmin,
    GET "/api/v1/system/status" => SignedIn,
    GET "/api/v1/envs" => SignedIn,
    GET "/api/v1/envs/{env}/settings" => SignedIn,
    PUT "/api/v1/envs/{env}/settings" => SuperAdmin,
    GET "/api/v1/audits"
        => Own("signed in; entries of the apps the caller belongs to (all for the super admin)"),
    GET "/api/v1/search" => SignedIn,
    GET "/api/v1/favorites" => SignedIn,
    POST "/api/v1/favorites" => SignedIn,
    PUT "/api/v1/favorites" => SignedIn,
    DELETE "/api/v1/favorites/{appId}" => SignedIn,
    // Apps, their namespaces and roles.
    GET "/api/v1/apps" => SignedIn,
    POST "/api/v1/apps" => SignedIn,
    GET "/api/v1/apps/{appId}" => SignedIn,
    PUT "/api/v1/apps/{appId}" => Master,
    DELETE "/api/v1/apps/{appId}" => SuperAdmin,
    GET "/api/v1/appnamespaces/public" => SignedIn,
    GET "/api/v1/apps/{appId}/appnamespaces" => SignedIn,
    POST "/api/v1/apps/{appId}/appnamespaces" => Master,
    DELETE "/api/v1/apps/{appId}/appnamespaces/{namespaceName}" => Master,
    GET "/api/v1/envs/{env}/apps/{appId}/namespaces/{namespaceName}/schema" => View,
    GET "/api/v1/apps/{appId}/namespaces/{namespaceName}/schema/history" => View,
    PUT "/api/v1/apps/{appId}/namespaces/{namespaceName}/schema" => Master,
    PUT "/api/v1/envs/{env}/apps/{appId}/namespaces/{namespaceName}/schema/mode" => Master,
    GET "/api/v1/apps/{appId}/envclusters" => SignedIn,
    GET "/api/v1/apps/{appId}/roles" => SignedIn,
    POST "/api/v1/apps/{appId}/roles" => Master,
    DELETE "/api/v1/apps/{appId}/roles" => Master,
    GET "/api/v1/apps/{appId}/namespaces/{namespaceName}/compare"
        => Own("to see the namespace in both places compared"),
    POST "/api/v1/apps/{appId}/namespaces/{namespaceName}/copy"
        => Own("to see the source, and modify permission on the target"),
    // Consumers (CI tokens).
    GET "/api/v1/consumers" => SignedIn,
    POST "/api/v1/consumers" => Own("a master of every app the grants name"),
    DELETE "/api/v1/consumers/{id}" => Own("its creator, or the super admin"),
    POST "/api/v1/consumers/{id}/token"
        => Own("its owner, still a master of every app it is granted on, or the super admin"),
    POST "/api/v1/consumers/{id}/adopt"
        => Own("a master of every app it is granted on, once its owner lost those rights"),
    // Webhooks: an app's, by its masters; the installation's, by the super admin.
    GET "/api/v1/apps/{appId}/webhooks" => Master,
    POST "/api/v1/apps/{appId}/webhooks" => Master,
    PUT "/api/v1/apps/{appId}/webhooks/{webhookId}" => Master,
    DELETE "/api/v1/apps/{appId}/webhooks/{webhookId}" => Master,
    POST "/api/v1/apps/{appId}/webhooks/{webhookId}/secret" => Master,
    GET "/api/v1/apps/{appId}/webhooks/{webhookId}/deliveries" => Master,
    POST "/api/v1/apps/{appId}/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver" => Master,
    GET "/api/v1/system/webhooks" => SuperAdmin,
    POST "/api/v1/system/webhooks" => SuperAdmin,
    PUT "/api/v1/system/webhooks/{webhookId}" => SuperAdmin,
    DELETE "/api/v1/system/webhooks/{webhookId}" => SuperAdmin,
    POST "/api/v1/system/webhooks/{webhookId}/secret" => SuperAdmin,
    GET "/api/v1/system/webhooks/{webhookId}/deliveries" => SuperAdmin,
    POST "/api/v1/system/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver" => SuperAdmin,
    // Access keys.
    GET "/api/v1/envs/{env}/apps/{appId}/accesskeys" => Master,
    POST "/api/v1/envs/{env}/apps/{appId}/accesskeys" => Master,
    PUT "/api/v1/envs/{env}/apps/{appId}/accesskeys/{keyId}" => Master,
    DELETE "/api/v1/envs/{env}/apps/{appId}/accesskeys/{keyId}" => Master,
    POST "/api/v1/envs/{env}/apps/{appId}/accesskeys/{keyId}/reveal" => Master,
    // Clusters and namespaces in them.
    GET "/api/v1/envs/{env}/apps/{appId}/clusters" => SignedIn,
    POST "/api/v1/envs/{env}/apps/{appId}/clusters" => Master,
    GET "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}" => SignedIn,
    DELETE "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}" => Master,
    GET "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces" => SignedIn,
    POST "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces" => Master,
    GET ns!("") => SignedIn,
    DELETE ns!("") => Master,
    GET ns!("/lock") => View,
    // Items and text.
    GET ns!("/items") => View,
    POST ns!("/items") => Modify,
    GET ns!("/items/{key}") => View,
    PUT ns!("/items/{key}") => Modify,
    DELETE ns!("/items/{key}") => Modify,
    POST ns!("/items/{key}/reveal") => Reveal,
    GET ns!("/text") => View,
    PUT ns!("/text") => Modify,
    POST ns!("/text/check") => View,
    GET ns!("/changes") => View,
    GET ns!("/schema-check") => View,
    POST ns!("/item-check") => View,
    GET ns!("/commits") => View,
    GET ns!("/export") => View,
    POST ns!("/import") => Modify,
    GET "/api/v1/envs/{env}/apps/{appId}/export"
        => Own("exports the namespaces the caller may see"),
    POST "/api/v1/envs/{env}/apps/{appId}/import"
        => Own("modify permission on every namespace imported"),
    // Releases.
    GET ns!("/releases") => View,
    POST ns!("/releases") => Release,
    GET ns!("/releases/histories") => View,
    GET ns!("/releases/latest") => View,
    GET ns!("/instances") => View,
    GET ns!("/adoption") => View,
    POST ns!("/blast-radius") => View,
    GET "/api/v1/envs/{env}/releases/compare" => Own("to see the namespaces of both releases"),
    GET "/api/v1/envs/{env}/releases/{releaseId}" => Own("to see the release's namespace"),
    GET "/api/v1/envs/{env}/releases/{releaseId}/instances"
        => Own("to see the release's namespace"),
    PUT "/api/v1/envs/{env}/releases/{releaseId}/rollback"
        => Own("release permission on the release's namespace"),
    // Gray branches.
    GET ns!("/branches") => View,
    POST ns!("/branches") => Modify,
    DELETE ns!("/branches/{branchName}") => Release,
    GET ns!("/branches/{branchName}/instances") => View,
    PUT ns!("/branches/{branchName}/overrides/{key}") => Modify,
    DELETE ns!("/branches/{branchName}/overrides/{key}") => Modify,
    GET ns!("/branches/{branchName}/rules") => View,
    PUT ns!("/branches/{branchName}/rules") => Release,
    POST ns!("/branches/{branchName}/releases") => Release,
    POST ns!("/branches/{branchName}/merge") => Release,
    // Staged rollouts.
    GET ns!("/rollouts") => View,
    POST ns!("/rollouts") => Release,
    GET ns!("/rollouts/{rolloutId}") => View,
    POST ns!("/rollouts/{rolloutId}/{verb}") => Release,
    // Reviews.
    POST ns!("/release-requests") => ModifyOrRelease,
    GET "/api/v1/release-requests" => SignedIn,
    GET "/api/v1/release-requests/{id}" => Own("to see the request's namespace"),
    POST "/api/v1/release-requests/{id}/approve" => Own(REQUEST_REVIEWER),
    POST "/api/v1/release-requests/{id}/reject" => Own(REQUEST_REVIEWER),
    POST "/api/v1/release-requests/{id}/publish"
        => Own("its author, or release permission on its namespace"),
    POST "/api/v1/release-requests/{id}/refresh"
        => Own("its author, or modify permission on its namespace"),
    POST "/api/v1/release-requests/{id}/withdraw" => Own("its author, or the super admin"),
    // The Open API.
    GET "/openapi/v1/envs" => SignedIn,
    GET "/openapi/v1/apps" => Own("lists the apps the caller may read"),
    POST "/openapi/v1/apps" => Own("a signed-in user (a consumer does not create apps)"),
    GET "/openapi/v1/apps/{appId}/envclusters" => ReadApp,
    POST "/openapi/v1/apps/{appId}/appnamespaces" => Master,
    GET "/openapi/v1/envs/{env}/apps/{appId}/namespaces/{namespaceName}/schema" => Read,
    PUT "/openapi/v1/apps/{appId}/namespaces/{namespaceName}/schema"
        => Own("a master of the app, or modify permission on the namespace in every environment"),
    POST "/openapi/v1/envs/{env}/apps/{appId}/clusters" => Master,
    GET "/openapi/v1/envs/{env}/apps/{appId}/clusters/{clusterName}" => ReadApp,
    GET "/openapi/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces" => ReadApp,
    GET open_ns!("") => Read,
    GET open_ns!("/lock") => Read,
    GET open_ns!("/items") => Read,
    POST open_ns!("/items") => Modify,
    GET open_ns!("/items/{key}") => Read,
    PUT open_ns!("/items/{key}") => Modify,
    DELETE open_ns!("/items/{key}") => Modify,
    POST open_ns!("/releases") => Release,
    GET open_ns!("/releases/latest") => Read,
    GET open_ns!("/releases/histories") => Read,
    PUT "/openapi/v1/envs/{env}/releases/{releaseId}/rollback"
        => Own("release permission on the release's namespace"),
    GET open_ns!("/instances") => Read,
    GET open_ns!("/adoption") => Read,
    POST open_ns!("/blast-radius") => Read,
    GET open_ns!("/branches") => Read,
    POST open_ns!("/branches") => Modify,
    DELETE open_ns!("/branches/{branchName}") => Release,
    GET open_ns!("/branches/{branchName}/rules") => Read,
    PUT open_ns!("/branches/{branchName}/rules") => Release,
    POST open_ns!("/branches/{branchName}/releases") => Release,
    POST open_ns!("/branches/{branchName}/merge") => Release,
    GET open_ns!("/rollouts") => Read,
    POST open_ns!("/rollouts") => Release,
    GET open_ns!("/rollouts/{rolloutId}") => Read,
    POST open_ns!("/rollouts/{rolloutId}/{verb}") => Release,
    POST open_ns!("/release-requests") => ModifyOrRelease,
    GET "/openapi/v1/release-requests/{id}" => Own("to read the request's namespace"),
    POST "/openapi/v1/release-requests/{id}/publish"
        => Own("release permission on the request's namespace"),
};

/// What `method` on `route` needs, if the table has a row for it.
pub fn need_of(method: &str, route: &str) -> Option<Need> {
    PERMISSIONS
        .iter()
        .find(|p| p.method == method && p.route == route)
        .map(|p| p.need)
}

impl Need {
    /// Why a caller without the need is refused (`403`), where the table checks it.
    fn refusal(self) -> Option<&'static str> {
        Some(match self {
            Need::Anyone | Need::SignedIn | Need::Own(_) => return None,
            Need::SuperAdmin => "Not the super admin",
            Need::Master => "Not a master of the app",
            Need::Modify => "No modify permission",
            Need::Release => "No release permission",
            Need::ModifyOrRelease => "Neither modify nor release permission",
            Need::Reveal => "No reveal permission",
            Need::View => "Private to the app's members here",
            Need::Read => "No grant covering the namespace, or private to the app's members here",
            Need::ReadApp => "No grant on the app",
        })
    }

    /// The need in words, as the API's documentation states it.
    pub fn words(self) -> &'static str {
        match self {
            Need::Anyone => "nothing",
            Need::SignedIn => "a signed-in caller",
            Need::SuperAdmin => "the super admin",
            Need::Master => "a master of the app",
            Need::Modify => "modify permission on the namespace",
            Need::Release => "release permission on the namespace",
            Need::ModifyOrRelease => "modify or release permission on the namespace",
            Need::Reveal => "reveal permission on the namespace (its secret values)",
            Need::View => "to see the namespace: its app's members, or anyone where it is shown",
            Need::Read => {
                "to read the namespace: a consumer with a grant on its app, or a user who sees it"
            }
            Need::ReadApp => "a consumer with a grant on the app, or a user",
            Need::Own(rule) => rule,
        }
    }
}

/// Writes the table into the OpenAPI document: each operation's security (none, a session, or
/// on the Open API a consumer token), at the end of its description what it needs, and its
/// `400`, `401`, `403` and `415` answers where the operation does not describe them itself.
pub(crate) fn document(doc: &mut OpenApi) {
    document::each_operation(doc, |method, route, operation| {
        let Some(need) = need_of(method, route) else {
            return;
        };
        document::bad_input(operation);
        if need == Need::Anyone {
            return;
        }
        let (scheme, unauthenticated) = if route.starts_with("/openapi/") {
            ("token", "No token, or one that is not valid")
        } else {
            ("session", "Not signed in")
        };
        operation.security = Some(vec![SecurityRequirement::new(scheme, Vec::<String>::new())]);
        document::answers(operation, "401", unauthenticated);
        if let Some(words) = need.refusal() {
            document::answers(operation, "403", words);
        }
        let description = operation.description.get_or_insert_with(String::new);
        if !description.is_empty() {
            description.push_str("\n\n");
        }
        description.push_str(&format!("Needs: {}.", need.words()));
    });
}

/// Checks the request against its endpoint's row; the authenticated caller is left in the
/// request's extensions, where the handler's extractor finds it.
pub(crate) async fn enforce(
    State(state): State<PortalState>,
    request: Request,
    next: Next,
) -> Response {
    match check(&state, request).await {
        Ok(request) => next.run(request).await,
        Err(e) => e.into_response(),
    }
}

async fn check(state: &PortalState, request: Request) -> Result<Request, PortalError> {
    let (mut parts, body) = request.into_parts();
    let route = parts
        .extensions
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_default();
    let need = need_of(parts.method.as_str(), &route).ok_or_else(|| {
        PortalError::Internal(format!(
            "{} {route} has no row in the permission table",
            parts.method
        ))
    })?;
    if need == Need::Anyone {
        return Ok(Request::from_parts(parts, body));
    }
    let params = RawPathParams::from_request_parts(&mut parts, state)
        .await
        .map_err(|e| PortalError::InvalidRequest(e.body_text()))?;
    let param = |name: &str| {
        params
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.to_owned())
            .unwrap_or_default()
    };
    let at = || {
        NsAt::new(
            state,
            &param("env"),
            &param("appId"),
            &param("clusterName"),
            &param("namespaceName"),
        )
    };
    let grants: Grants;
    let caller: Option<Caller>;
    if route.starts_with("/openapi/") {
        let c = Caller::from_request_parts(&mut parts, state).await?;
        grants = c.grants.clone();
        caller = Some(c.clone());
        parts.extensions.insert(c);
    } else {
        let user = CurrentUser::from_request_parts(&mut parts, state).await?;
        grants = user.grants.clone();
        caller = None;
        parts.extensions.insert(user);
    }
    match need {
        Need::Anyone | Need::SignedIn | Need::Own(_) => {}
        Need::SuperAdmin => grants.require_super_admin()?,
        Need::Master => grants.require_master(&param("appId"))?,
        Need::Modify => grants.require(Action::Modify, at()?.scope())?,
        Need::Release => grants.require(Action::Release, at()?.scope())?,
        Need::Reveal => grants.require(Action::Reveal, at()?.scope())?,
        Need::ModifyOrRelease => {
            let at = at()?;
            if !(grants.can(Action::Modify, at.scope()) || grants.can(Action::Release, at.scope()))
            {
                return Err(PortalError::Forbidden(format!(
                    "you hold neither the modify nor the release role on {at}; \
                     a master of app `{}` can grant them",
                    at.app
                ))
                .because("neither_modify_nor_release", at.params()));
            }
        }
        Need::View if param("env").is_empty() => {
            require_view_somewhere(state, &grants, &param("appId"), &param("namespaceName"))
                .await?;
        }
        Need::View => require_view(state, &grants, &at()?).await?,
        Need::Read | Need::ReadApp => {
            let caller = caller.ok_or_else(|| {
                PortalError::Internal(format!("{route} needs an Open API caller"))
            })?;
            if need == Need::Read {
                require_read(state, &caller, &at()?).await?;
            } else {
                crate::routes::open::require_app(&caller, &param("appId"))?;
            }
        }
    }
    Ok(Request::from_parts(parts, body))
}

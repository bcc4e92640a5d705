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

use crate::auth::{Caller, CurrentUser};
use crate::rbac::{Action, Grants};
use crate::routes::open::require_read;
use crate::routes::scope::{NsAt, require_view};
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
    /// To see the namespace in the path: its app's members, or anyone where the environment
    /// shows namespaces to everyone or the namespace is public.
    View,
    /// On the Open API, to read the namespace in the path: a consumer needs a grant on its
    /// app; a user, to see it.
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

const fn p(method: &'static str, route: &'static str, need: Need) -> Permission {
    Permission {
        method,
        route,
        need,
    }
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

const REQUEST_REVIEWER: &str =
    "release permission on the request's namespace, and not its author or a consumer's owner";

/// Every endpoint of `/api/v1` and `/openapi/v1` and what it needs.
pub const PERMISSIONS: &[Permission] = &[
    // Accounts and sessions.
    p("POST", "/api/v1/auth/login", Need::Anyone),
    p("POST", "/api/v1/auth/logout", Need::SignedIn),
    p("GET", "/api/v1/auth/me", Need::SignedIn),
    p("PUT", "/api/v1/auth/password", Need::SignedIn),
    p("GET", "/api/v1/users", Need::SignedIn),
    p("POST", "/api/v1/users", Need::SuperAdmin),
    p("PUT", "/api/v1/users/{username}", Need::SuperAdmin),
    p(
        "POST",
        "/api/v1/users/{username}/password",
        Need::SuperAdmin,
    ),
    p("GET", "/api/v1/system/status", Need::SignedIn),
    p("GET", "/api/v1/envs", Need::SignedIn),
    p("GET", "/api/v1/envs/{env}/settings", Need::SignedIn),
    p("PUT", "/api/v1/envs/{env}/settings", Need::SuperAdmin),
    p(
        "GET",
        "/api/v1/audits",
        Need::Own("signed in; entries of the apps the caller belongs to (all for the super admin)"),
    ),
    p("GET", "/api/v1/search", Need::SignedIn),
    p("GET", "/api/v1/favorites", Need::SignedIn),
    p("POST", "/api/v1/favorites", Need::SignedIn),
    p("PUT", "/api/v1/favorites", Need::SignedIn),
    p("DELETE", "/api/v1/favorites/{appId}", Need::SignedIn),
    // Apps, their namespaces and roles.
    p("GET", "/api/v1/apps", Need::SignedIn),
    p("POST", "/api/v1/apps", Need::SignedIn),
    p("GET", "/api/v1/apps/{appId}", Need::SignedIn),
    p("PUT", "/api/v1/apps/{appId}", Need::Master),
    p("DELETE", "/api/v1/apps/{appId}", Need::SuperAdmin),
    p("GET", "/api/v1/appnamespaces/public", Need::SignedIn),
    p("GET", "/api/v1/apps/{appId}/appnamespaces", Need::SignedIn),
    p("POST", "/api/v1/apps/{appId}/appnamespaces", Need::Master),
    p(
        "DELETE",
        "/api/v1/apps/{appId}/appnamespaces/{namespaceName}",
        Need::Master,
    ),
    p("GET", "/api/v1/apps/{appId}/envclusters", Need::SignedIn),
    p("GET", "/api/v1/apps/{appId}/roles", Need::SignedIn),
    p("POST", "/api/v1/apps/{appId}/roles", Need::Master),
    p("DELETE", "/api/v1/apps/{appId}/roles", Need::Master),
    p(
        "GET",
        "/api/v1/apps/{appId}/namespaces/{namespaceName}/compare",
        Need::Own("to see the namespace in both places compared"),
    ),
    p(
        "POST",
        "/api/v1/apps/{appId}/namespaces/{namespaceName}/copy",
        Need::Own("to see the source, and modify permission on the target"),
    ),
    // Consumers (CI tokens).
    p("GET", "/api/v1/consumers", Need::SignedIn),
    p(
        "POST",
        "/api/v1/consumers",
        Need::Own("a master of every app the grants name"),
    ),
    p(
        "DELETE",
        "/api/v1/consumers/{id}",
        Need::Own("its creator, or the super admin"),
    ),
    p(
        "POST",
        "/api/v1/consumers/{id}/token",
        Need::Own("its creator, or the super admin"),
    ),
    // Access keys.
    p(
        "GET",
        "/api/v1/envs/{env}/apps/{appId}/accesskeys",
        Need::Master,
    ),
    p(
        "POST",
        "/api/v1/envs/{env}/apps/{appId}/accesskeys",
        Need::Master,
    ),
    p(
        "PUT",
        "/api/v1/envs/{env}/apps/{appId}/accesskeys/{keyId}",
        Need::Master,
    ),
    p(
        "DELETE",
        "/api/v1/envs/{env}/apps/{appId}/accesskeys/{keyId}",
        Need::Master,
    ),
    p(
        "POST",
        "/api/v1/envs/{env}/apps/{appId}/accesskeys/{keyId}/reveal",
        Need::Master,
    ),
    // Clusters and namespaces in them.
    p(
        "GET",
        "/api/v1/envs/{env}/apps/{appId}/clusters",
        Need::SignedIn,
    ),
    p(
        "POST",
        "/api/v1/envs/{env}/apps/{appId}/clusters",
        Need::Master,
    ),
    p(
        "GET",
        "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}",
        Need::SignedIn,
    ),
    p(
        "DELETE",
        "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}",
        Need::Master,
    ),
    p(
        "GET",
        "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces",
        Need::SignedIn,
    ),
    p(
        "POST",
        "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces",
        Need::Master,
    ),
    p("GET", ns!(""), Need::SignedIn),
    p("DELETE", ns!(""), Need::Master),
    p("GET", ns!("/lock"), Need::View),
    // Items and text.
    p("GET", ns!("/items"), Need::View),
    p("POST", ns!("/items"), Need::Modify),
    p("GET", ns!("/items/{key}"), Need::View),
    p("PUT", ns!("/items/{key}"), Need::Modify),
    p("DELETE", ns!("/items/{key}"), Need::Modify),
    p("GET", ns!("/text"), Need::View),
    p("PUT", ns!("/text"), Need::Modify),
    p("GET", ns!("/changes"), Need::View),
    p("GET", ns!("/commits"), Need::View),
    p("GET", ns!("/export"), Need::View),
    p("POST", ns!("/import"), Need::Modify),
    p(
        "GET",
        "/api/v1/envs/{env}/apps/{appId}/export",
        Need::Own("exports the namespaces the caller may see"),
    ),
    p(
        "POST",
        "/api/v1/envs/{env}/apps/{appId}/import",
        Need::Own("modify permission on every namespace imported"),
    ),
    // Releases.
    p("GET", ns!("/releases"), Need::View),
    p("POST", ns!("/releases"), Need::Release),
    p("GET", ns!("/releases/histories"), Need::View),
    p("GET", ns!("/releases/latest"), Need::View),
    p("GET", ns!("/instances"), Need::View),
    p(
        "GET",
        "/api/v1/envs/{env}/releases/compare",
        Need::Own("to see the namespaces of both releases"),
    ),
    p(
        "GET",
        "/api/v1/envs/{env}/releases/{releaseId}",
        Need::Own("to see the release's namespace"),
    ),
    p(
        "GET",
        "/api/v1/envs/{env}/releases/{releaseId}/instances",
        Need::Own("to see the release's namespace"),
    ),
    p(
        "PUT",
        "/api/v1/envs/{env}/releases/{releaseId}/rollback",
        Need::Own("release permission on the release's namespace"),
    ),
    // Gray branches.
    p("GET", ns!("/branches"), Need::View),
    p("POST", ns!("/branches"), Need::Modify),
    p("DELETE", ns!("/branches/{branchName}"), Need::Release),
    p("GET", ns!("/branches/{branchName}/instances"), Need::View),
    p(
        "PUT",
        ns!("/branches/{branchName}/overrides/{key}"),
        Need::Modify,
    ),
    p(
        "DELETE",
        ns!("/branches/{branchName}/overrides/{key}"),
        Need::Modify,
    ),
    p("GET", ns!("/branches/{branchName}/rules"), Need::View),
    p("PUT", ns!("/branches/{branchName}/rules"), Need::Release),
    p(
        "POST",
        ns!("/branches/{branchName}/releases"),
        Need::Release,
    ),
    p("POST", ns!("/branches/{branchName}/merge"), Need::Release),
    // Reviews.
    p("POST", ns!("/release-requests"), Need::ModifyOrRelease),
    p("GET", "/api/v1/release-requests", Need::SignedIn),
    p(
        "GET",
        "/api/v1/release-requests/{id}",
        Need::Own("to see the request's namespace"),
    ),
    p(
        "POST",
        "/api/v1/release-requests/{id}/approve",
        Need::Own(REQUEST_REVIEWER),
    ),
    p(
        "POST",
        "/api/v1/release-requests/{id}/reject",
        Need::Own(REQUEST_REVIEWER),
    ),
    p(
        "POST",
        "/api/v1/release-requests/{id}/publish",
        Need::Own("its author, or release permission on its namespace"),
    ),
    p(
        "POST",
        "/api/v1/release-requests/{id}/refresh",
        Need::Own("its author, or modify permission on its namespace"),
    ),
    p(
        "POST",
        "/api/v1/release-requests/{id}/withdraw",
        Need::Own("its author, or the super admin"),
    ),
    // The Open API.
    p("GET", "/openapi/v1/envs", Need::SignedIn),
    p(
        "GET",
        "/openapi/v1/apps",
        Need::Own("lists the apps the caller may read"),
    ),
    p(
        "POST",
        "/openapi/v1/apps",
        Need::Own("a signed-in user (a consumer does not create apps)"),
    ),
    p("GET", "/openapi/v1/apps/{appId}/envclusters", Need::ReadApp),
    p(
        "POST",
        "/openapi/v1/apps/{appId}/appnamespaces",
        Need::Master,
    ),
    p(
        "POST",
        "/openapi/v1/envs/{env}/apps/{appId}/clusters",
        Need::Master,
    ),
    p(
        "GET",
        "/openapi/v1/envs/{env}/apps/{appId}/clusters/{clusterName}",
        Need::ReadApp,
    ),
    p(
        "GET",
        "/openapi/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces",
        Need::ReadApp,
    ),
    p("GET", open_ns!(""), Need::Read),
    p("GET", open_ns!("/lock"), Need::Read),
    p("GET", open_ns!("/items"), Need::Read),
    p("POST", open_ns!("/items"), Need::Modify),
    p("GET", open_ns!("/items/{key}"), Need::Read),
    p("PUT", open_ns!("/items/{key}"), Need::Modify),
    p("DELETE", open_ns!("/items/{key}"), Need::Modify),
    p("POST", open_ns!("/releases"), Need::Release),
    p("GET", open_ns!("/releases/latest"), Need::Read),
    p("GET", open_ns!("/releases/histories"), Need::Read),
    p(
        "PUT",
        "/openapi/v1/envs/{env}/releases/{releaseId}/rollback",
        Need::Own("release permission on the release's namespace"),
    ),
    p("GET", open_ns!("/branches"), Need::Read),
    p("POST", open_ns!("/branches"), Need::Modify),
    p("DELETE", open_ns!("/branches/{branchName}"), Need::Release),
    p("GET", open_ns!("/branches/{branchName}/rules"), Need::Read),
    p(
        "PUT",
        open_ns!("/branches/{branchName}/rules"),
        Need::Release,
    ),
    p(
        "POST",
        open_ns!("/branches/{branchName}/releases"),
        Need::Release,
    ),
    p(
        "POST",
        open_ns!("/branches/{branchName}/merge"),
        Need::Release,
    ),
    p("POST", open_ns!("/release-requests"), Need::ModifyOrRelease),
    p(
        "GET",
        "/openapi/v1/release-requests/{id}",
        Need::Own("to read the request's namespace"),
    ),
    p(
        "POST",
        "/openapi/v1/release-requests/{id}/publish",
        Need::Own("its author, or release permission on its namespace"),
    ),
];

/// What `method` on `route` needs, if the table has a row for it.
pub fn need_of(method: &str, route: &str) -> Option<Need> {
    PERMISSIONS
        .iter()
        .find(|p| p.method == method && p.route == route)
        .map(|p| p.need)
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
        Need::ModifyOrRelease => {
            let at = at()?;
            if !(grants.can(Action::Modify, at.scope()) || grants.can(Action::Release, at.scope()))
            {
                return Err(PortalError::Forbidden(format!(
                    "no modify or release permission on {at}"
                )));
            }
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

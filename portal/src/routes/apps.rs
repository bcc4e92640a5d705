//! Apps and their namespace definitions: anyone signed in may list and read them and create
//! an app (becoming its master); an app's master changes it; the super admin deletes it.

use axum::extract::State;
use axum::http::StatusCode;
use lyre_admin_service::ops::call::{self, Operation};
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::{App, AppNamespace, CreateApp, CreateAppNamespace, Page, UpdateApp};
use lyre_service_kit::Json;
use lyre_service_kit::extract::{Path, Query};
use lyre_store::accounts::{self, SUBJECT_USER};
use lyre_store::rbac;

use super::queries::AppsQuery;
use super::scope::{AppNsPath, AppPath};
use crate::auth::CurrentUser;
use crate::rbac::{Action, Grant};
use crate::{PortalError, PortalState};

/// A page of apps.
#[utoipa::path(
    get,
    path = "/api/v1/apps",
    tag = "apps",
    params(AppsQuery),
    responses(
        (status = 200, description = "One page of apps", body = Page<App>),
    )
)]
pub(crate) async fn list(
    State(state): State<PortalState>,
    _user: CurrentUser,
    Query(query): Query<AppsQuery>,
) -> Result<Json<Page<App>>, PortalError> {
    let env = first_env(&state)?;
    let search = query.search.as_deref();
    let admins = state.admins();
    admins
        .call(
            &env,
            call::apps::List {
                search: search.map(str::to_owned),
                page: query.request(),
            },
        )
        .await
        .map(Json)
}

/// Creates an app, with its `default` cluster and `application` namespace in every
/// environment. Its owner (by default the creator) and its creator become its masters and may
/// modify and release all its namespaces.
#[utoipa::path(
    post,
    path = "/api/v1/apps",
    tag = "apps",
    request_body = CreateApp,
    responses(
        (status = 201, description = "Created", body = App),
        (status = 400, description = "A field is invalid, or the owner is no user", body = ErrorBody),
        (status = 409, description = "The app id is taken", body = ErrorBody),
    )
)]
pub(crate) async fn create(
    State(state): State<PortalState>,
    user: CurrentUser,
    Json(mut body): Json<CreateApp>,
) -> Result<(StatusCode, Json<App>), PortalError> {
    if body.owner_name.trim().is_empty() {
        body.owner_name.clone_from(&user.username);
        if body.owner_email.is_empty() {
            body.owner_email.clone_from(&user.email);
        }
    }
    let owner = body.owner_name.trim().to_owned();
    if !accounts::find_user(state.db(), &owner)
        .await?
        .is_some_and(|u| u.is_enabled)
    {
        return Err(
            PortalError::InvalidRequest(format!("`ownerName`: no enabled user `{owner}`")).because(
                "no_enabled_user",
                [("field", "ownerName"), ("user", owner.as_str())],
            ),
        );
    }
    body.operator.clone_from(&user.username);
    let app = create_everywhere(&state, body).await?;
    for subject in [owner.as_str(), user.username.as_str()] {
        grant_founder(&state, &app.app_id, subject, &user.username).await?;
    }
    Ok((StatusCode::CREATED, Json(app)))
}

/// Creates app `new` through every distinct set of admin services. An app of that id anywhere
/// already (another deployment's, possibly someone else's) refuses the creation, and so does one
/// made elsewhere meanwhile: its creator must not become the master of another's app.
pub(crate) async fn create_everywhere(
    state: &PortalState,
    new: CreateApp,
) -> Result<App, PortalError> {
    let app_id = new.app_id.clone();
    let envs = distinct_envs(state).await?;
    let find = |env: String| {
        let get = call::apps::Get {
            app_id: app_id.clone(),
        };
        async move {
            match state.admins().call(&env, get).await {
                Ok(app) => Ok(Some(app)),
                Err(PortalError::Admin { status, .. }) if status == StatusCode::NOT_FOUND => {
                    Ok(None)
                }
                Err(e) => Err(e),
            }
        }
    };
    for env in &envs {
        if let Some(taken) = find(env.clone()).await? {
            return Err(PortalError::Conflict(format!(
                "app `{app_id}` already exists (in {env}, owned by `{}`)",
                taken.owner_name
            ))
            .because(
                "already_exists",
                [
                    ("kind", "app"),
                    ("name", app_id.as_str()),
                    ("env", env.as_str()),
                ],
            )
            .with("owner", &taken.owner_name));
        }
    }
    let create = call::apps::Create { new };
    let created = everywhere_in(state, &envs, StatusCode::CONFLICT, create).await?;
    for env in envs.iter().skip(1) {
        let same = find(env.clone()).await?.is_some_and(|there| {
            there.stamps.created_by == created.stamps.created_by
                && there.owner_name == created.owner_name
        });
        if !same {
            return Err(PortalError::Conflict(format!(
                "app `{app_id}` was made in {env} meanwhile, by someone else"
            ))
            .because(
                "app_made_meanwhile",
                [("app", app_id.as_str()), ("env", env.as_str())],
            ));
        }
    }
    Ok(created)
}

/// Makes an app-wide change through every distinct set of admin services (one call when the
/// environments share them and their database, one per deployment otherwise): the first answer
/// is the result; a later deployment answering `tolerated` is taken to share the first one's
/// database, where the change is already made; any other failure is returned.
pub(crate) async fn everywhere<O: Operation + Clone>(
    state: &PortalState,
    tolerated: StatusCode,
    change: O,
) -> Result<O::Output, PortalError> {
    everywhere_in(state, &distinct_envs(state).await?, tolerated, change).await
}

/// [`everywhere`], through the first environment of each deployment as `envs` lists them.
async fn everywhere_in<O: Operation + Clone>(
    state: &PortalState,
    envs: &[String],
    tolerated: StatusCode,
    change: O,
) -> Result<O::Output, PortalError> {
    let mut first = None;
    for env in envs {
        match (state.admins().call(env, change.clone()).await, &first) {
            (Ok(value), None) => first = Some(value),
            (Ok(_), Some(_)) => {}
            (Err(PortalError::Admin { status, .. }), Some(_)) if status == tolerated => {}
            (Err(e), _) => return Err(e),
        }
    }
    first.ok_or_else(|| PortalError::Internal("no environment is configured".into()))
}

/// Makes `subject` master of `app`, with modify and release on all its namespaces.
pub(crate) async fn grant_founder(
    state: &PortalState,
    app: &str,
    subject: &str,
    by: &str,
) -> Result<(), PortalError> {
    let grants = [
        Grant::Master { app: app.into() },
        Grant::Namespace {
            action: Action::Modify,
            app: app.into(),
            namespace: None,
            env: None,
        },
        Grant::Namespace {
            action: Action::Release,
            app: app.into(),
            namespace: None,
            env: None,
        },
    ];
    for grant in grants {
        let (role, permission_type, target) = grant.role();
        rbac::grant(
            state.db(),
            &role,
            &[(&permission_type, &target)],
            SUBJECT_USER,
            subject,
            by,
        )
        .await?;
    }
    Ok(())
}

/// One app.
#[utoipa::path(
    get,
    path = "/api/v1/apps/{appId}",
    tag = "apps",
    params(AppPath),
    responses(
        (status = 200, description = "The app", body = App),
        (status = 404, description = "No such app", body = ErrorBody),
    )
)]
pub(crate) async fn get(
    State(state): State<PortalState>,
    _user: CurrentUser,
    Path(path): Path<AppPath>,
) -> Result<Json<App>, PortalError> {
    let env = first_env(&state)?;
    state
        .admins()
        .call(
            &env,
            call::apps::Get {
                app_id: path.app_id.clone(),
            },
        )
        .await
        .map(Json)
}

/// Changes an app's name, organisation or owner (its masters only).
#[utoipa::path(
    put,
    path = "/api/v1/apps/{appId}",
    tag = "apps",
    params(AppPath),
    request_body = UpdateApp,
    responses(
        (status = 200, description = "Changed", body = App),
        (status = 404, description = "No such app", body = ErrorBody),
    )
)]
pub(crate) async fn update(
    State(state): State<PortalState>,
    user: CurrentUser,
    Path(path): Path<AppPath>,
    Json(mut body): Json<UpdateApp>,
) -> Result<Json<App>, PortalError> {
    body.operator.clone_from(&user.username);
    let change = call::apps::Update {
        app_id: path.app_id,
        change: body,
    };
    everywhere(&state, StatusCode::OK, change).await.map(Json)
}

/// Deletes an app with everything in it, in every environment (the super admin only).
#[utoipa::path(
    delete,
    path = "/api/v1/apps/{appId}",
    tag = "apps",
    params(AppPath),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such app", body = ErrorBody),
    )
)]
pub(crate) async fn delete(
    State(state): State<PortalState>,
    user: CurrentUser,
    Path(path): Path<AppPath>,
) -> Result<StatusCode, PortalError> {
    let delete = call::apps::Delete {
        app_id: path.app_id,
        operator: user.username,
    };
    everywhere(&state, StatusCode::NOT_FOUND, delete).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The namespaces an app defines.
#[utoipa::path(
    get,
    path = "/api/v1/apps/{appId}/appnamespaces",
    tag = "apps",
    params(AppPath),
    responses(
        (status = 200, description = "Its namespace definitions", body = Vec<AppNamespace>),
        (status = 404, description = "No such app", body = ErrorBody),
    )
)]
pub(crate) async fn namespaces(
    State(state): State<PortalState>,
    _user: CurrentUser,
    Path(path): Path<AppPath>,
) -> Result<Json<Vec<AppNamespace>>, PortalError> {
    let env = first_env(&state)?;
    let admins = state.admins();
    admins
        .call(
            &env,
            call::apps::Namespaces {
                app_id: path.app_id.clone(),
            },
        )
        .await
        .map(Json)
}

/// Defines a namespace of the app, created in each of its clusters (its masters only).
#[utoipa::path(
    post,
    path = "/api/v1/apps/{appId}/appnamespaces",
    tag = "apps",
    params(AppPath),
    request_body = CreateAppNamespace,
    responses(
        (status = 201, description = "Created", body = AppNamespace),
        (status = 409, description = "The name is taken", body = ErrorBody),
    )
)]
pub(crate) async fn create_namespace(
    State(state): State<PortalState>,
    user: CurrentUser,
    Path(path): Path<AppPath>,
    Json(mut body): Json<CreateAppNamespace>,
) -> Result<(StatusCode, Json<AppNamespace>), PortalError> {
    body.operator.clone_from(&user.username);
    let create = call::apps::CreateNamespace {
        app_id: path.app_id,
        new: body,
    };
    let definition = everywhere(&state, StatusCode::CONFLICT, create).await?;
    Ok((StatusCode::CREATED, Json(definition)))
}

/// Deletes a namespace definition and the namespace in every cluster (its masters only).
#[utoipa::path(
    delete,
    path = "/api/v1/apps/{appId}/appnamespaces/{namespaceName}",
    tag = "apps",
    params(AppNsPath),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such namespace", body = ErrorBody),
    )
)]
pub(crate) async fn delete_namespace(
    State(state): State<PortalState>,
    user: CurrentUser,
    Path(path): Path<AppNsPath>,
) -> Result<StatusCode, PortalError> {
    let delete = call::apps::DeleteNamespace {
        app_id: path.app_id,
        name: path.namespace_name,
        operator: user.username,
    };
    everywhere(&state, StatusCode::NOT_FOUND, delete).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every public namespace, of every app: what an app may associate.
#[utoipa::path(
    get,
    path = "/api/v1/appnamespaces/public",
    tag = "apps",
    responses(
        (status = 200, description = "Public namespace definitions", body = Vec<AppNamespace>),
    )
)]
pub(crate) async fn public_namespaces(
    State(state): State<PortalState>,
    _user: CurrentUser,
) -> Result<Json<Vec<AppNamespace>>, PortalError> {
    let env = first_env(&state)?;
    state
        .admins()
        .call(&env, call::apps::PublicNamespaces {})
        .await
        .map(Json)
}

/// The first configured environment, whose admin service answers questions about apps.
pub(crate) fn first_env(state: &PortalState) -> Result<String, PortalError> {
    state
        .admins()
        .envs()
        .first()
        .cloned()
        .ok_or_else(|| PortalError::Internal("no environment is configured".into()))
}

/// One environment per distinct set of admin services, in configured order.
pub(crate) async fn distinct_envs(state: &PortalState) -> Result<Vec<String>, PortalError> {
    let mut seen: Vec<Vec<String>> = Vec::new();
    let mut envs = Vec::new();
    for env in state.admins().envs() {
        let urls = state.admins().urls(env).await?;
        if !seen.contains(&urls) {
            seen.push(urls);
            envs.push(env.clone());
        }
    }
    Ok(envs)
}

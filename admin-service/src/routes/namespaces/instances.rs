//! `/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces`: namespaces in a cluster.

use axum::extract::State;
use axum::http::StatusCode;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::{AssociateNamespace, Namespace, NamespaceLock};
use lyre_service_kit::Json;
use lyre_service_kit::extract::{Path, Query};
use lyre_store::config::namespaces::NamespaceRef;
use lyre_store::config::{app_namespaces, locks, namespaces};
use lyre_store::time::now_millis;
use lyre_store::write;

use super::{describe, existing};
use crate::domain::{Audit, definition, delete_namespaces, lock_namespace, record};
use crate::error::exists_or;
use crate::params::{ClusterPath, NamespacePath, OperatorQuery, namespace_name, operator};
use crate::routes::clusters;
use crate::{AdminError, AdminState};

/// The namespaces of a cluster: the app's own and the public ones it associates.
#[utoipa::path(
    get,
    path = "/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces",
    tag = "namespaces",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("clusterName" = String, Path, description = "The cluster"),
    ),
    responses(
        (status = 200, description = "The namespaces", body = Vec<Namespace>),
        (status = 404, description = "No such cluster", body = ErrorBody),
    )
)]
pub(crate) async fn list(
    State(state): State<AdminState>,
    Path(path): Path<ClusterPath>,
) -> Result<Json<Vec<Namespace>>, AdminError> {
    let at = path.check(&state)?;
    let db = state.db();
    clusters::existing(db, &at).await?;
    let mut out = Vec::new();
    for ns in namespaces::list(db, &at.env, at.app_id.as_str(), at.cluster.as_str()).await? {
        if let Some(def) = definition(db, &ns.app_id, &ns.namespace_name).await? {
            out.push(describe(db, ns, &def).await?);
        }
    }
    out.sort_by_key(|n| (n.namespace_name != "application", n.is_associated));
    Ok(Json(out))
}

/// One namespace.
#[utoipa::path(
    get,
    path = "/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}",
    tag = "namespaces",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("clusterName" = String, Path, description = "The cluster"),
        ("namespaceName" = String, Path, description = "The namespace"),
    ),
    responses(
        (status = 200, description = "The namespace", body = Namespace),
        (status = 404, description = "No such namespace", body = ErrorBody),
    )
)]
pub(crate) async fn get(
    State(state): State<AdminState>,
    Path(path): Path<NamespacePath>,
) -> Result<Json<Namespace>, AdminError> {
    let at = path.check(&state)?;
    let (ns, def) = existing(state.db(), &at).await?;
    Ok(Json(describe(state.db(), ns, &def).await?))
}

/// Associates another app's public namespace into this cluster: the items added here
/// override the public ones, key by key, for this app.
#[utoipa::path(
    post,
    path = "/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces",
    tag = "namespaces",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("clusterName" = String, Path, description = "The cluster"),
    ),
    request_body = AssociateNamespace,
    responses(
        (status = 201, description = "Associated", body = Namespace),
        (status = 404, description = "No such cluster or public namespace", body = ErrorBody),
        (status = 409, description = "Already there", body = ErrorBody),
    )
)]
pub(crate) async fn associate(
    State(state): State<AdminState>,
    Path(path): Path<ClusterPath>,
    Json(body): Json<AssociateNamespace>,
) -> Result<(StatusCode, Json<Namespace>), AdminError> {
    let at = path.check(&state)?;
    let name = namespace_name(body.namespace_name.trim())?;
    let operator = operator(&body.operator)?;
    let txn = write::begin(state.db()).await?;
    clusters::existing(&txn, &at).await?;
    if app_namespaces::find(&txn, at.app_id.as_str(), name.as_str())
        .await?
        .is_some()
    {
        return Err(AdminError::AlreadyExists(format!(
            "`{name}` is app `{}`'s own namespace, not one to associate",
            at.app_id
        )));
    }
    app_namespaces::find_public(&txn, name.as_str())
        .await?
        .ok_or_else(|| {
            AdminError::not_found(
                "namespace_not_found",
                format!("there is no public namespace `{name}`"),
            )
        })?;
    let r = NamespaceRef {
        env: &at.env,
        app_id: at.app_id.as_str(),
        cluster: at.cluster.as_str(),
        namespace: name.as_str(),
    };
    let ns = namespaces::insert(&txn, r, &operator).await.map_err(|e| {
        exists_or(e, || {
            format!(
                "cluster `{}` of app `{}` in {} already has `{name}`",
                at.cluster, at.app_id, at.env
            )
        })
    })?;
    record(
        &txn,
        Audit {
            env: &at.env,
            app_id: at.app_id.as_str(),
            entity_type: "namespace",
            entity_id: &format!("{}/{}/{}/{name}", at.env, at.app_id, at.cluster),
            operation: "associate",
            operator: &operator,
        },
        serde_json::json!({"publicNamespace": name.as_str()}).to_string(),
    )
    .await?;
    let def = definition(&txn, at.app_id.as_str(), name.as_str())
        .await?
        .ok_or_else(|| {
            AdminError::not_found(
                "namespace_not_found",
                format!("no public namespace `{name}`"),
            )
        })?;
    let described = describe(&txn, ns, &def).await?;
    txn.commit().await?;
    Ok((StatusCode::CREATED, Json(described)))
}

/// Removes an associated public namespace (and this app's overrides of it) from the cluster.
#[utoipa::path(
    delete,
    path = "/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}",
    tag = "namespaces",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("clusterName" = String, Path, description = "The cluster"),
        ("namespaceName" = String, Path, description = "The namespace"),
        OperatorQuery,
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "An app's own namespace is deleted through its definition", body = ErrorBody),
        (status = 404, description = "No such namespace", body = ErrorBody),
    )
)]
pub(crate) async fn dissociate(
    State(state): State<AdminState>,
    Path(path): Path<NamespacePath>,
    Query(query): Query<OperatorQuery>,
) -> Result<StatusCode, AdminError> {
    let at = path.check(&state)?;
    let operator = query.operator()?;
    let (_gate, txn, ns) = lock_namespace(&state, &at).await?;
    let associated = definition(&txn, at.app_id.as_str(), at.namespace.as_str())
        .await?
        .is_some_and(|d| d.associated);
    if !associated {
        return Err(AdminError::Invalid(format!(
            "`{}` is app `{}`'s own namespace: delete it with DELETE /apps/{}/appnamespaces/{}",
            at.namespace, at.app_id, at.app_id, at.namespace
        )));
    }
    let announced =
        delete_namespaces(&txn, std::slice::from_ref(&ns), &operator, now_millis()).await?;
    record(
        &txn,
        Audit {
            env: &at.env,
            app_id: at.app_id.as_str(),
            entity_type: "namespace",
            entity_id: &at.to_string(),
            operation: "dissociate",
            operator: &operator,
        },
        "{}".into(),
    )
    .await?;
    txn.commit().await?;
    state.announce(announced);
    Ok(StatusCode::NO_CONTENT)
}

/// Who holds the namespace's edit lock.
#[utoipa::path(
    get,
    path = "/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/lock",
    tag = "namespaces",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("clusterName" = String, Path, description = "The cluster"),
        ("namespaceName" = String, Path, description = "The namespace"),
    ),
    responses(
        (status = 200, description = "The lock", body = NamespaceLock),
        (status = 404, description = "No such namespace", body = ErrorBody),
    )
)]
pub(crate) async fn lock(
    State(state): State<AdminState>,
    Path(path): Path<NamespacePath>,
) -> Result<Json<NamespaceLock>, AdminError> {
    let at = path.check(&state)?;
    let (ns, _) = existing(state.db(), &at).await?;
    let holder = locks::find(state.db(), ns.id).await?.map(|l| l.created_by);
    Ok(Json(NamespaceLock {
        namespace_name: at.namespace.as_str().to_owned(),
        is_locked: holder.is_some(),
        locked_by: holder,
    }))
}

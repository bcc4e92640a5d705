//! Moving configuration between places: comparing a namespace across environments or
//! clusters and copying chosen keys across; exporting a namespace (as its file) or a whole app
//! (as a zip of files) and importing them, with a policy for keys that already exist.
//! Every change to one namespace is one item set: applied whole or not at all.

use lyre_admin_service::ops::call::{self, ClusterName};
use std::collections::BTreeMap;
use std::io::{Cursor, Read as _, Write as _};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::{ChangeKind, Item, ItemBatch, ItemBatchResult, KeyChange, SetItem};
use lyre_protocol::format::{Format, validate_content};
use lyre_protocol::properties;
use lyre_service_kit::Json;
use lyre_service_kit::extract::{Path, Query};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::scope::{AppNsPath, Env, EnvAppPath, Ns, NsAt, NsPath, require, require_view};
use crate::auth::CurrentUser;
use crate::rbac::{Action, Grants};
use crate::{PortalError, PortalState};

/// The key of a non-properties namespace's single item.
const CONTENT_KEY: &str = "content";

/// Two places of one namespace.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Places {
    /// The environment compared from (copied from).
    from_env: String,
    /// Its cluster (default `default`).
    from_cluster: Option<String>,
    /// The environment compared with (copied to).
    to_env: String,
    /// Its cluster (default `default`).
    to_cluster: Option<String>,
}

impl Places {
    fn at(&self, state: &PortalState, path: &AppNsPath) -> Result<(NsAt, NsAt), PortalError> {
        let place = |env: &str, cluster: &Option<String>| {
            NsAt::new(
                state,
                env,
                &path.app_id,
                cluster.as_deref().unwrap_or("default"),
                &path.namespace_name,
            )
        };
        Ok((
            place(&self.from_env, &self.from_cluster)?,
            place(&self.to_env, &self.to_cluster)?,
        ))
    }
}

/// The differences between two places of a namespace.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Comparison {
    /// What copying every key from `from` would do to `to`: `added` keys are only in `from`,
    /// `deleted` keys only in `to`; `oldValue` is `to`'s, `newValue` `from`'s.
    changes: Vec<KeyChange>,
}

/// Items of `at` as an ordered key → value map (the trailing comment is no item).
async fn items_of(state: &PortalState, at: &NsAt) -> Result<Vec<Item>, PortalError> {
    let items = state
        .admins()
        .call(&at.env, call::items::List { ns: at.name() })
        .await?;
    Ok(items.into_iter().filter(|i| !i.key.is_empty()).collect())
}

fn differences(to: &[Item], from: &[Item]) -> Vec<KeyChange> {
    let old: BTreeMap<&str, &str> = to
        .iter()
        .map(|i| (i.key.as_str(), i.value.as_str()))
        .collect();
    let mut changes = Vec::new();
    for item in from {
        match old.get(item.key.as_str()) {
            None => changes.push(KeyChange {
                key: item.key.clone(),
                kind: ChangeKind::Added,
                old_value: None,
                new_value: Some(item.value.clone()),
            }),
            Some(value) if *value != item.value => changes.push(KeyChange {
                key: item.key.clone(),
                kind: ChangeKind::Modified,
                old_value: Some((*value).to_owned()),
                new_value: Some(item.value.clone()),
            }),
            Some(_) => {}
        }
    }
    for item in to {
        if !from.iter().any(|f| f.key == item.key) {
            changes.push(KeyChange {
                key: item.key.clone(),
                kind: ChangeKind::Deleted,
                old_value: Some(item.value.clone()),
                new_value: None,
            });
        }
    }
    changes
}

/// Compares a namespace's items in two environments or clusters.
#[utoipa::path(
    get,
    path = "/api/v1/apps/{appId}/namespaces/{namespaceName}/compare",
    tag = "transfer",
    params(AppNsPath, Places),
    responses(
        (status = 200, description = "The differences", body = Comparison),
        (status = 403, description = "Private to the app's members there", body = ErrorBody),
        (status = 404, description = "No such namespace in one of the places", body = ErrorBody),
    )
)]
pub(crate) async fn compare(
    State(state): State<PortalState>,
    user: CurrentUser,
    Path(path): Path<AppNsPath>,
    Query(places): Query<Places>,
) -> Result<Json<Comparison>, PortalError> {
    let (from, to) = places.at(&state, &path)?;
    require_view(&state, &user.grants, &from).await?;
    require_view(&state, &user.grants, &to).await?;
    let (from_items, to_items) = tokio::try_join!(items_of(&state, &from), items_of(&state, &to))?;
    Ok(Json(Comparison {
        changes: differences(&to_items, &from_items),
    }))
}

/// Keys to copy.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CopyKeys {
    /// The environment copied from.
    from_env: String,
    /// Its cluster (default `default`).
    #[serde(default)]
    from_cluster: Option<String>,
    /// The environment copied to.
    to_env: String,
    /// Its cluster (default `default`).
    #[serde(default)]
    to_cluster: Option<String>,
    /// The keys: each takes `from`'s value in `to`; a key `from` lacks is deleted in `to`.
    keys: Vec<String>,
}

/// Copies chosen keys of a namespace from one environment or cluster to another (view
/// permission on the source, modify on the target), in one change.
#[utoipa::path(
    post,
    path = "/api/v1/apps/{appId}/namespaces/{namespaceName}/copy",
    tag = "transfer",
    params(AppNsPath),
    request_body = CopyKeys,
    responses(
        (status = 200, description = "Copied", body = ItemBatchResult),
        (status = 400, description = "No keys, or a key in neither place", body = ErrorBody),
        (status = 403, description = "No modify permission on the target", body = ErrorBody),
        (status = 409, description = "The target changed meanwhile, or another person holds it", body = ErrorBody),
    )
)]
pub(crate) async fn copy(
    State(state): State<PortalState>,
    user: CurrentUser,
    Path(path): Path<AppNsPath>,
    Json(body): Json<CopyKeys>,
) -> Result<Json<ItemBatchResult>, PortalError> {
    let places = Places {
        from_env: body.from_env,
        from_cluster: body.from_cluster,
        to_env: body.to_env,
        to_cluster: body.to_cluster,
    };
    let (from, to) = places.at(&state, &path)?;
    if from == to {
        return Err(PortalError::InvalidRequest(
            "copy from one place to another: `from` and `to` are the same".into(),
        )
        .because("same_source_and_target", [("field", "to")]));
    }
    if body.keys.is_empty() {
        return Err(
            PortalError::InvalidRequest("`keys` must name at least one key".into())
                .because("field_required", [("field", "keys")]),
        );
    }
    require(&user.grants, Action::Modify, &to)?;
    require_view(&state, &user.grants, &from).await?;
    let (from_items, to_items) = tokio::try_join!(items_of(&state, &from), items_of(&state, &to))?;
    let to_namespace = state
        .admins()
        .call(&to.env, call::clusters::GetNamespace { ns: to.name() })
        .await?;
    let mut batch = ItemBatch {
        set: Vec::new(),
        delete: Vec::new(),
        revision: Some(to_namespace.revision),
        comment: format!("copied from {} {}", from.env, from.cluster),
        operator: user.username.clone(),
    };
    for key in &body.keys {
        match (
            from_items.iter().find(|i| &i.key == key),
            to_items.iter().any(|i| &i.key == key),
        ) {
            (Some(item), _) => batch.set.push(SetItem {
                key: key.clone(),
                value: item.value.clone(),
                comment: Some(item.comment.clone()),
            }),
            (None, true) => batch.delete.push(key.clone()),
            (None, false) => {
                return Err(PortalError::InvalidRequest(format!(
                    "key `{key}` is in neither {from} nor {to}"
                ))
                .because(
                    "key_in_neither",
                    [
                        ("key", key.to_string()),
                        ("from", from.to_string()),
                        ("to", to.to_string()),
                    ],
                ));
            }
        }
    }
    let result = state
        .admins()
        .call(
            &to.env,
            call::items::Batch {
                ns: to.name(),
                batch,
            },
        )
        .await?;
    Ok(Json(result))
}

/// The file name a namespace is exported as.
fn file_name(namespace: &str, format: Format) -> String {
    if format.is_properties() {
        format!("{namespace}.properties")
    } else {
        namespace.to_owned()
    }
}

fn attachment(name: &str, content_type: &'static str, body: Vec<u8>) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// A namespace as its file: properties text with comments, or the file's content.
#[utoipa::path(
    get,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/export",
    tag = "transfer",
    params(NsPath),
    responses(
        (status = 200, description = "The file, as an attachment", content_type = "text/plain", body = String),
        (status = 404, description = "No such namespace", body = ErrorBody),
    )
)]
pub(crate) async fn export_namespace(ns: Ns) -> Result<Response, PortalError> {
    let text = ns.call(call::items::Text { ns: ns.name() }).await?;
    let format = Format::parse(&text.format).unwrap_or(Format::Txt);
    Ok(attachment(
        &file_name(&ns.at.namespace, format),
        "text/plain; charset=utf-8",
        text.text.into_bytes(),
    ))
}

/// Every namespace of an app in one environment, as a zip of `{cluster}/{file}` entries.
/// Private namespaces the caller may not view are left out.
#[utoipa::path(
    get,
    path = "/api/v1/envs/{env}/apps/{appId}/export",
    tag = "transfer",
    params(EnvAppPath),
    responses(
        (status = 200, description = "A zip archive, as an attachment", content_type = "application/zip", body = Vec<u8>),
        (status = 404, description = "No such app or environment", body = ErrorBody),
    )
)]
pub(crate) async fn export_app(
    user: CurrentUser,
    env: Env<EnvAppPath>,
) -> Result<Response, PortalError> {
    let clusters = env.call(call::clusters::List { app: env.app() }).await?;
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for cluster in clusters {
        let namespaces = env
            .call(call::clusters::ListNamespaces {
                cluster: ClusterName::new(&env.name, &env.path.app_id, &cluster.name),
            })
            .await?;
        for namespace in namespaces {
            let at = NsAt::new(
                env.state(),
                &env.name,
                &env.path.app_id,
                &cluster.name,
                &namespace.namespace_name,
            )?;
            if require_view(env.state(), &user.grants, &at).await.is_err() {
                continue;
            }
            let text = env.call(call::items::Text { ns: at.name() }).await?;
            let format = Format::parse(&text.format).unwrap_or(Format::Txt);
            let name = format!("{}/{}", cluster.name, file_name(&at.namespace, format));
            zip.start_file(name, options).map_err(zip_error)?;
            zip.write_all(text.text.as_bytes())
                .map_err(|e| PortalError::Internal(format!("writing a zip: {e}")))?;
        }
    }
    let bytes = zip.finish().map_err(zip_error)?.into_inner();
    Ok(attachment(
        &format!("{}-{}.zip", env.path.app_id, env.name),
        "application/zip",
        bytes,
    ))
}

#[expect(
    clippy::needless_pass_by_value,
    reason = "used as `map_err(zip_error)`"
)]
fn zip_error(e: zip::result::ZipError) -> PortalError {
    PortalError::Internal(format!("writing a zip: {e}"))
}

/// What an import does with keys the namespace has already.
#[derive(Clone, Copy, Debug, Default, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Policy {
    /// Change nothing if any key of the file exists (the default).
    #[default]
    Abort,
    /// Keep existing keys as they are; add the others.
    Skip,
    /// Give existing keys the file's values.
    Overwrite,
}

/// How an import treats existing keys.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ImportQuery {
    /// `abort` (default), `skip` or `overwrite`.
    #[param(inline)]
    policy: Option<Policy>,
}

/// What an import did to one namespace.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Imported {
    /// The cluster.
    cluster_name: String,
    /// The namespace.
    namespace_name: String,
    /// Keys added.
    added: Vec<String>,
    /// Existing keys given the file's values.
    overwritten: Vec<String>,
    /// Existing keys left as they were.
    skipped: Vec<String>,
}

/// A file's items, checked against the namespace's format.
fn file_items(format: Format, file: &str, text: &str) -> Result<Vec<SetItem>, PortalError> {
    if format.is_properties() {
        let props = properties::parse(text).map_err(|e| {
            PortalError::InvalidRequest(format!("{file} is not valid properties: {e}"))
        })?;
        Ok(props
            .entries
            .into_iter()
            .map(|e| SetItem {
                key: e.key,
                value: e.value,
                comment: Some(e.comment),
            })
            .collect())
    } else {
        validate_content(format, text)
            .map_err(|e| PortalError::InvalidRequest(format!("{file}: {e}")))?;
        Ok(vec![SetItem {
            key: CONTENT_KEY.into(),
            value: text.to_owned(),
            comment: None,
        }])
    }
}

/// A planned import into one namespace.
struct Plan {
    at: NsAt,
    batch: ItemBatch,
    imported: Imported,
}

async fn plan(
    state: &PortalState,
    grants: &Grants,
    operator: &str,
    at: NsAt,
    file: &str,
    text: &str,
    policy: Policy,
) -> Result<Plan, PortalError> {
    require(grants, Action::Modify, &at)?;
    let namespace = state
        .admins()
        .call(&at.env, call::clusters::GetNamespace { ns: at.name() })
        .await?;
    let format = Format::parse(&namespace.format).unwrap_or(Format::Txt);
    let wanted = file_items(format, file, text)?;
    let existing = items_of(state, &at).await?;
    let mut imported = Imported {
        cluster_name: at.cluster.clone(),
        namespace_name: at.namespace.clone(),
        added: Vec::new(),
        overwritten: Vec::new(),
        skipped: Vec::new(),
    };
    let mut set = Vec::new();
    for item in wanted {
        let exists = existing
            .iter()
            .any(|e| e.key == item.key && !(e.key == CONTENT_KEY && e.value.is_empty()));
        match (exists, policy) {
            (false, _) => {
                imported.added.push(item.key.clone());
                set.push(item);
            }
            (true, Policy::Overwrite) => {
                imported.overwritten.push(item.key.clone());
                set.push(item);
            }
            (true, Policy::Skip) => imported.skipped.push(item.key),
            (true, Policy::Abort) => imported.skipped.push(item.key),
        }
    }
    if policy == Policy::Abort && !imported.skipped.is_empty() {
        return Err(PortalError::Conflict(format!(
            "{at} has these keys already: {}; nothing was imported (choose `policy=skip` or \
             `policy=overwrite`)",
            imported.skipped.join(", ")
        ))
        .because("keys_exist", at.params())
        .with("keys", imported.skipped.join(", ")));
    }
    Ok(Plan {
        batch: ItemBatch {
            set,
            delete: Vec::new(),
            revision: Some(namespace.revision),
            comment: format!("imported from {file}"),
            operator: operator.to_owned(),
        },
        at,
        imported,
    })
}

async fn apply(state: &PortalState, plan: Plan) -> Result<Imported, PortalError> {
    if !plan.batch.set.is_empty() {
        state
            .admins()
            .call(
                &plan.at.env,
                call::items::Batch {
                    ns: plan.at.name(),
                    batch: plan.batch.clone(),
                },
            )
            .await?;
    }
    Ok(plan.imported)
}

/// Imports a file (the request body, as text) into a namespace. Keys the namespace lacks are
/// added; existing ones follow the policy. Keys missing from the file are left alone.
#[utoipa::path(
    post,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/import",
    tag = "transfer",
    params(NsPath, ImportQuery),
    request_body(content = String, content_type = "text/plain", description = "The file"),
    responses(
        (status = 200, description = "Imported", body = Imported),
        (status = 400, description = "The file does not parse in the namespace's format", body = ErrorBody),
        (status = 409, description = "Existing keys under `abort`, or the namespace changed meanwhile", body = ErrorBody),
    )
)]
pub(crate) async fn import_namespace(
    user: CurrentUser,
    ns: Ns,
    Query(query): Query<ImportQuery>,
    body: Bytes,
) -> Result<Json<Imported>, PortalError> {
    let text = String::from_utf8(body.to_vec())
        .map_err(|_| PortalError::InvalidRequest("the file is not UTF-8 text".into()))?;
    let file = ns.at.namespace.clone();
    let planned = plan(
        ns.state(),
        &user.grants,
        &user.username,
        ns.at.clone(),
        &file,
        &text,
        query.policy.unwrap_or_default(),
    )
    .await?;
    apply(ns.state(), planned).await.map(Json)
}

/// Largest zip accepted, and largest total of its files.
const MAX_ARCHIVE: usize = 32 * 1024 * 1024;

/// Imports an app export (a zip of `{cluster}/{file}` entries) into the app in one
/// environment. Every file is checked first: an unknown cluster or namespace, a file that does
/// not parse, or (under `abort`) an existing key changes nothing anywhere. Then each namespace
/// is changed in one step.
#[utoipa::path(
    post,
    path = "/api/v1/envs/{env}/apps/{appId}/import",
    tag = "transfer",
    params(EnvAppPath, ImportQuery),
    request_body(content = Vec<u8>, content_type = "application/zip", description = "The archive"),
    responses(
        (status = 200, description = "Imported, per namespace", body = Vec<Imported>),
        (status = 400, description = "Not a zip, or a file is invalid (the message names it)", body = ErrorBody),
        (status = 403, description = "No modify permission on a namespace", body = ErrorBody),
        (status = 409, description = "Existing keys under `abort`", body = ErrorBody),
    )
)]
pub(crate) async fn import_app(
    user: CurrentUser,
    env: Env<EnvAppPath>,
    Query(query): Query<ImportQuery>,
    body: Bytes,
) -> Result<Json<Vec<Imported>>, PortalError> {
    if body.len() > MAX_ARCHIVE {
        return Err(PortalError::InvalidRequest(format!(
            "the archive is larger than {MAX_ARCHIVE} bytes"
        )));
    }
    let files = unzip(&body)?;
    if files.is_empty() {
        return Err(PortalError::InvalidRequest(
            "the archive holds no files".into(),
        ));
    }
    let policy = query.policy.unwrap_or_default();
    let mut plans = Vec::new();
    for (name, text) in files {
        let Some((cluster, file)) = name.split_once('/') else {
            return Err(PortalError::InvalidRequest(format!(
                "`{name}`: entries are named `{{cluster}}/{{file}}`"
            )));
        };
        let namespace = file.strip_suffix(".properties").unwrap_or(file);
        let at = NsAt::new(env.state(), &env.name, &env.path.app_id, cluster, namespace)?;
        let planned = plan(
            env.state(),
            &user.grants,
            &user.username,
            at,
            &name,
            &text,
            policy,
        )
        .await
        .map_err(|e| match e {
            PortalError::Admin { status, .. } if status == StatusCode::NOT_FOUND => {
                PortalError::InvalidRequest(format!(
                    "`{name}`: app `{}` has no namespace `{namespace}` in cluster `{cluster}` \
                         of {}",
                    env.path.app_id, env.name
                ))
            }
            other => other,
        })?;
        plans.push(planned);
    }
    let mut done = Vec::new();
    for planned in plans {
        done.push(apply(env.state(), planned).await?);
    }
    Ok(Json(done))
}

/// The files of a zip archive, by name (directories skipped).
fn unzip(bytes: &[u8]) -> Result<Vec<(String, String)>, PortalError> {
    let bad =
        |e: zip::result::ZipError| PortalError::InvalidRequest(format!("not a zip archive: {e}"));
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(bad)?;
    let mut files = Vec::new();
    let mut total = 0usize;
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(bad)?;
        if entry.is_dir() {
            continue;
        }
        let name = entry.name().map_err(bad)?.into_owned();
        let mut text = String::new();
        // Read a bounded amount, whatever the entry claims its size is.
        (&mut entry)
            .take(u64::try_from(MAX_ARCHIVE - total).unwrap_or(0) + 1)
            .read_to_string(&mut text)
            .map_err(|_| PortalError::InvalidRequest(format!("`{name}` is not UTF-8 text")))?;
        total += text.len();
        if total > MAX_ARCHIVE {
            return Err(PortalError::InvalidRequest(format!(
                "the archive unpacks to more than {MAX_ARCHIVE} bytes"
            )));
        }
        files.push((name, text));
    }
    Ok(files)
}

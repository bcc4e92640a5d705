//! A namespace's items: read by anyone who may view the namespace, edited by those with the
//! modify permission. Every change names the signed-in user as its operator.

use axum::http::StatusCode;
use lyre_admin_service::ops::call;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::Commit;
use lyre_protocol::admin::{
    CreateItem, Item, NamespaceText, Page, RevealedSecret, UnpublishedChanges, UpdateItem,
    UpdateText,
};
use lyre_protocol::format::{Format, text_problem};
use lyre_service_kit::Json;
use lyre_service_kit::extract::Query;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use super::queries::CommitsQuery;
use super::scope::{Ns, NsKeyPath, NsPath};
use crate::PortalError;
use crate::auth::CurrentUser;

/// The items of a namespace, in order.
#[utoipa::path(
    get,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/items",
    tag = "items",
    params(NsPath),
    responses(
        (status = 200, description = "Its items", body = Vec<Item>),
        (status = 404, description = "No such namespace", body = ErrorBody),
    )
)]
pub(crate) async fn list(ns: Ns) -> Result<Json<Vec<Item>>, PortalError> {
    ns.call(call::items::List { ns: ns.name() }).await.map(Json)
}

/// Adds an item.
#[utoipa::path(
    post,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/items",
    tag = "items",
    params(NsPath),
    request_body = CreateItem,
    responses(
        (status = 201, description = "Added", body = Item),
        (status = 400, description = "A field is invalid", body = ErrorBody),
        (status = 409, description = "The key exists, or another person holds the namespace", body = ErrorBody),
    )
)]
pub(crate) async fn create(
    user: CurrentUser,
    ns: Ns,
    Json(mut body): Json<CreateItem>,
) -> Result<(StatusCode, Json<Item>), PortalError> {
    body.operator.clone_from(&user.username);
    let item = ns
        .call(call::items::Create {
            ns: ns.name(),
            new: body.clone(),
        })
        .await?;
    Ok((StatusCode::CREATED, Json(item)))
}

/// One item.
#[utoipa::path(
    get,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/items/{key}",
    tag = "items",
    params(NsKeyPath),
    responses(
        (status = 200, description = "The item", body = Item),
        (status = 404, description = "No such item", body = ErrorBody),
    )
)]
pub(crate) async fn get(ns: Ns<NsKeyPath>) -> Result<Json<Item>, PortalError> {
    ns.call(call::items::Get {
        ns: ns.name(),
        key: ns.path.key.clone(),
    })
    .await
    .map(Json)
}

/// A secret item's plain value. Needs the reveal role on the namespace; every reveal is
/// written to the audit log (who, which key, never the value).
#[utoipa::path(
    post,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/items/{key}/reveal",
    tag = "items",
    params(NsKeyPath),
    responses(
        (status = 200, description = "The plain value", body = RevealedSecret),
        (status = 400, description = "The item is not secret", body = ErrorBody),
        (status = 403, description = "No reveal role on the namespace", body = ErrorBody),
        (status = 404, description = "No such item", body = ErrorBody),
        (status = 409, description = "No configured key opens the value", body = ErrorBody),
    )
)]
pub(crate) async fn reveal(
    user: CurrentUser,
    ns: Ns<NsKeyPath>,
) -> Result<Json<RevealedSecret>, PortalError> {
    ns.call(call::items::Reveal {
        ns: ns.name(),
        key: ns.path.key.clone(),
        operator: user.username.clone(),
    })
    .await
    .map(Json)
}

/// Whether a missing key is created.
#[derive(Debug, Default, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UpsertQuery {
    /// Create the item when the key does not exist (default: `404`).
    #[serde(skip_serializing_if = "Option::is_none")]
    create_if_not_exists: Option<bool>,
}

/// Changes an item. Send the `version` you edited from: a change based on an outdated version
/// is refused with `409`.
#[utoipa::path(
    put,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/items/{key}",
    tag = "items",
    params(NsKeyPath, UpsertQuery),
    request_body = UpdateItem,
    responses(
        (status = 200, description = "Changed", body = Item),
        (status = 201, description = "Created", body = Item),
        (status = 404, description = "No such item", body = ErrorBody),
        (status = 409, description = "Changed since `version`, or another person holds the namespace", body = ErrorBody),
    )
)]
pub(crate) async fn update(
    user: CurrentUser,
    ns: Ns<NsKeyPath>,
    Query(query): Query<UpsertQuery>,
    Json(mut body): Json<UpdateItem>,
) -> Result<(StatusCode, Json<Item>), PortalError> {
    body.operator.clone_from(&user.username);
    let create = query.create_if_not_exists.unwrap_or(false);
    let saved = ns
        .call(call::items::Update {
            ns: ns.name(),
            key: ns.path.key.clone(),
            change: body.clone(),
            create_if_missing: create,
        })
        .await?;
    let status = if saved.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(saved.item)))
}

/// Which version of an item a deletion is based on.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct DeleteQuery {
    /// The version deleted from: refused with `409` if the item changed since.
    version: Option<i64>,
}

/// Deletes an item.
#[utoipa::path(
    delete,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/items/{key}",
    tag = "items",
    params(NsKeyPath, DeleteQuery),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such item", body = ErrorBody),
        (status = 409, description = "Changed since `version`, or another person holds the namespace", body = ErrorBody),
    )
)]
pub(crate) async fn delete(
    user: CurrentUser,
    ns: Ns<NsKeyPath>,
    Query(query): Query<DeleteQuery>,
) -> Result<StatusCode, PortalError> {
    ns.call(call::items::Delete {
        ns: ns.name(),
        key: ns.path.key.clone(),
        operator: user.username.clone(),
        version: query.version,
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The whole namespace as text, with the revision it shows.
#[utoipa::path(
    get,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/text",
    tag = "items",
    params(NsPath),
    responses(
        (status = 200, description = "The text", body = NamespaceText),
        (status = 404, description = "No such namespace", body = ErrorBody),
    )
)]
pub(crate) async fn text(ns: Ns) -> Result<Json<NamespaceText>, PortalError> {
    ns.call(call::items::Text { ns: ns.name() }).await.map(Json)
}

/// Replaces the namespace with a text, which must parse in its format. With `revision`, a text
/// edited from an outdated revision is refused with `409`.
#[utoipa::path(
    put,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/text",
    tag = "items",
    params(NsPath),
    request_body = UpdateText,
    responses(
        (status = 200, description = "Saved", body = NamespaceText),
        (status = 400, description = "The text does not parse (the message names the line)", body = ErrorBody),
        (status = 409, description = "Changed since `revision`", body = ErrorBody),
    )
)]
pub(crate) async fn put_text(
    user: CurrentUser,
    ns: Ns,
    Json(mut body): Json<UpdateText>,
) -> Result<Json<NamespaceText>, PortalError> {
    body.operator.clone_from(&user.username);
    ns.call(call::items::PutText {
        ns: ns.name(),
        change: body.clone(),
    })
    .await
    .map(Json)
}

/// A text to check as a namespace's whole text.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct TextToCheck {
    /// The text, as it would be saved.
    pub text: String,
}

/// What saving a text would make of it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TextCheck {
    /// Why saving it would be refused, in the words the save uses (naming the line, and the
    /// column where the format has one); absent when it parses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// Where the environment checks the namespace's schema: what the text (which parses)
    /// would not fit of it, by key (properties) or JSON pointer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schema_problems: Vec<lyre_protocol::admin::SchemaProblem>,
}

/// Checks a text as the namespace's whole text, as saving it would, without saving anything:
/// the editor marks a problem while it is typed.
#[utoipa::path(
    post,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/text/check",
    tag = "items",
    params(NsPath),
    request_body = TextToCheck,
    responses(
        (status = 200, description = "The text's problem, if it has one", body = TextCheck),
    )
)]
pub(crate) async fn check_text(
    ns: Ns,
    Json(body): Json<TextToCheck>,
) -> Result<Json<TextCheck>, PortalError> {
    let namespace = ns
        .call(call::clusters::GetNamespace { ns: ns.name() })
        .await?;
    let format: Format = namespace
        .format
        .parse()
        .map_err(|e| PortalError::Internal(format!("namespace {} has {e}", ns.at)))?;
    let problem = text_problem(format, &body.text);
    let schema_problems = if problem.is_none() {
        ns.call(call::system::TextSchemaProblems {
            ns: ns.name(),
            text: body.text,
        })
        .await?
    } else {
        Vec::new()
    };
    Ok(Json(TextCheck {
        problem,
        schema_problems,
    }))
}

/// What would be released: the items against the latest release.
#[utoipa::path(
    get,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/changes",
    tag = "items",
    params(NsPath),
    responses(
        (status = 200, description = "The unpublished changes", body = UnpublishedChanges),
        (status = 404, description = "No such namespace", body = ErrorBody),
    )
)]
pub(crate) async fn changes(ns: Ns) -> Result<Json<UnpublishedChanges>, PortalError> {
    ns.call(call::releases::Changes { ns: ns.name() })
        .await
        .map(Json)
}

/// The namespace's change history, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/commits",
    tag = "items",
    params(NsPath, CommitsQuery),
    responses(
        (status = 200, description = "One page of commits", body = Page<Commit>),
        (status = 404, description = "No such namespace", body = ErrorBody),
    )
)]
pub(crate) async fn commits(
    ns: Ns,
    Query(query): Query<CommitsQuery>,
) -> Result<Json<Page<Commit>>, PortalError> {
    let key = query.key.as_deref().filter(|k| !k.is_empty());
    ns.call(call::items::Commits {
        ns: ns.name(),
        key: key.map(str::to_owned),
        page: query.request(),
    })
    .await
    .map(Json)
}

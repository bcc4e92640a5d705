//! The instances that read a namespace, and how far its releases reached them, through the
//! Open API (beyond Apollo's): what `lyre ctl instances` shows. The same admin operations as the
//! portal's instances and adoption views; a consumer needs a grant covering the namespace.

use lyre_admin_service::ops::call;
use lyre_admin_service::ops::instances::Recent;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::{Adoption, BlastRadius, BlastRadiusRequest, Instance};
use lyre_service_kit::Json;
use lyre_service_kit::extract::Query;
use serde::Deserialize;
use utoipa::IntoParams;

use super::dto::OpenPage;
use crate::PortalError;
use crate::routes::queries::InstancesQuery;
use crate::routes::scope::{Ns, NsPath};

/// The instances that read the namespace in this cluster recently, most recent first: the
/// release each holds, when it last read, and what it made of the release it last reported on
/// (Lyre's SDK and `lyre agent` report; Apollo clients only read). A live instance's last read
/// is recorded again only every few minutes.
#[utoipa::path(
    get,
    path = "/openapi/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/instances",
    tag = "open api",
    params(NsPath, InstancesQuery),
    responses(
        (status = 200, description = "One page of instances", body = OpenPage<Instance>),
        (status = 404, description = "No such namespace", body = ErrorBody),
    )
)]
pub(crate) async fn list(
    ns: Ns,
    Query(query): Query<InstancesQuery>,
) -> Result<Json<OpenPage<Instance>>, PortalError> {
    let page = ns
        .call(call::releases::Instances {
            ns: ns.name(),
            recent: query.recent(),
            page: query.request(),
        })
        .await?;
    Ok(Json(OpenPage {
        page: page.page,
        size: page.size,
        total: page.total,
        content: page.items,
    }))
}

/// Which instances count as recent.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RecentQuery {
    /// Only instances seen within this many hours (default 24).
    within_hours: Option<u32>,
}

/// How far the namespace's releases reached the instances that read it recently (in any
/// cluster or gray branch): per release held, how many hold it and how many reported it
/// applied or rejected.
#[utoipa::path(
    get,
    path = "/openapi/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/adoption",
    tag = "open api",
    params(NsPath, RecentQuery),
    responses(
        (status = 200, description = "The counts, per release", body = Adoption),
        (status = 404, description = "No such namespace", body = ErrorBody),
    )
)]
pub(crate) async fn adoption(
    ns: Ns,
    Query(query): Query<RecentQuery>,
) -> Result<Json<Adoption>, PortalError> {
    ns.call(call::releases::NamespaceAdoption {
        ns: ns.name(),
        recent: Recent {
            within_hours: query.within_hours,
        },
    })
    .await
    .map(Json)
}

/// Which live instances a publish would reach (see the portal's `.../blast-radius`): what
/// `lyre publish --dry-run` prints.
#[utoipa::path(
    post,
    path = "/openapi/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/blast-radius",
    tag = "open api",
    params(NsPath),
    request_body = BlastRadiusRequest,
    responses(
        (status = 200, description = "Who the publish would reach", body = BlastRadius),
        (status = 404, description = "No such namespace or gray branch", body = ErrorBody),
    )
)]
pub(crate) async fn blast_radius(
    ns: Ns,
    Json(request): Json<BlastRadiusRequest>,
) -> Result<Json<BlastRadius>, PortalError> {
    ns.call(call::releases::Radius {
        ns: ns.name(),
        request,
    })
    .await
    .map(Json)
}

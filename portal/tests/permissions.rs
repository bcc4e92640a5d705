//! Every write endpoint of `/api/v1` and `/openapi/v1` against every role, and an anonymous
//! caller: anonymous callers get `401`, callers without the permission `403` and nothing
//! changes, callers with it get past the check (and at least one of them succeeds).
//! Who is allowed comes from the portal's permission table (`lyre_portal::permissions`); only
//! for rows whose rule the handler checks (`Need::Own`) does a case name its callers. Every
//! documented endpoint must have a row, and every write endpoint a case.

mod common;

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::Reply;
use common::stack::Stack;
use lyre_portal::permissions::{Need, PERMISSIONS, need_of};
use lyre_store::db_test;
use serde_json::{Value, json};

/// The signed-in roles of the `/api/v1` matrix.
const USERS: [&str; 5] = ["nobody", "modifier", "releaser", "master", "admin"];
/// The consumers of the `/openapi/v1` matrix.
const CONSUMERS: [&str; 4] = ["c-other", "c-modify", "c-release", "user-bearer"];

/// One write endpoint: its documented route, a concrete request (`{who}` is replaced by the
/// caller's name), and who may call it.
struct Case {
    method: Method,
    route: &'static str,
    path: String,
    body: Value,
    allowed: &'static [&'static str],
}

fn case(
    method: Method,
    route: &'static str,
    path: &str,
    body: Value,
    allowed: &'static [&'static str],
) -> Case {
    Case {
        method,
        route,
        path: path.to_owned(),
        body,
        allowed,
    }
}

/// A case whose callers come from the permission table's row.
const FROM_TABLE: &[&str] = &[];
const ANY_USER: &[&str] = &["nobody", "modifier", "releaser", "master", "admin"];
const ADMIN: &[&str] = &["admin"];
const MASTER: &[&str] = &["master", "admin"];
const MODIFY: &[&str] = &["modifier", "admin"];
const RELEASE: &[&str] = &["releaser", "admin"];
const MODIFY_OR_RELEASE: &[&str] = &["modifier", "releaser", "admin"];

const NS: &str =
    "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}";
const DEV: &str = "/api/v1/envs/DEV/apps/shop/clusters/default/namespaces";
const PRO: &str = "/api/v1/envs/PRO/apps/shop/clusters/default/namespaces";

fn user_cases(fx: &Fixture) -> Vec<Case> {
    use Method as M;
    let gray = &fx.gray_branch;
    let doomed = &fx.doomed_branch;
    vec![
        case(
            M::POST,
            "/api/v1/users",
            "/api/v1/users",
            json!({"username": "new-{who}", "password": "password-1"}),
            FROM_TABLE,
        ),
        case(
            M::PUT,
            "/api/v1/users/{username}",
            "/api/v1/users/target",
            json!({"displayName": "by {who}"}),
            FROM_TABLE,
        ),
        case(
            M::POST,
            "/api/v1/users/{username}/password",
            "/api/v1/users/target/password",
            json!({"password": "password-2"}),
            FROM_TABLE,
        ),
        case(
            M::PUT,
            "/api/v1/auth/password",
            "/api/v1/auth/password",
            json!({"currentPassword": "{who}-password", "newPassword": "{who}-password"}),
            FROM_TABLE,
        ),
        case(
            M::PUT,
            "/api/v1/auth/me/language",
            "/api/v1/auth/me/language",
            json!({"language": "zh-CN"}),
            FROM_TABLE,
        ),
        case(
            M::PUT,
            "/api/v1/envs/{env}/settings",
            "/api/v1/envs/DEV/settings",
            json!({"memberOnlyView": false}),
            FROM_TABLE,
        ),
        case(
            M::POST,
            "/api/v1/apps",
            "/api/v1/apps",
            json!({"appId": "app-{who}", "name": "x"}),
            FROM_TABLE,
        ),
        case(
            M::PUT,
            "/api/v1/apps/{appId}",
            "/api/v1/apps/shop",
            json!({"name": "Shop by {who}"}),
            FROM_TABLE,
        ),
        case(
            M::DELETE,
            "/api/v1/apps/{appId}",
            "/api/v1/apps/doomed",
            Value::Null,
            FROM_TABLE,
        ),
        case(
            M::POST,
            "/api/v1/apps/{appId}/appnamespaces",
            "/api/v1/apps/shop/appnamespaces",
            json!({"name": "ns-{who}"}),
            FROM_TABLE,
        ),
        case(
            M::DELETE,
            "/api/v1/apps/{appId}/appnamespaces/{namespaceName}",
            "/api/v1/apps/shop/appnamespaces/gone-{who}",
            Value::Null,
            FROM_TABLE,
        ),
        case(
            M::PUT,
            "/api/v1/apps/{appId}/namespaces/{namespaceName}/schema",
            "/api/v1/apps/shop/namespaces/application/schema",
            json!({"document": {"type": "object", "description": "by {who}"}}),
            FROM_TABLE,
        ),
        case(
            M::PUT,
            "/api/v1/envs/{env}/apps/{appId}/namespaces/{namespaceName}/schema/mode",
            "/api/v1/envs/DEV/apps/shop/namespaces/application/schema/mode",
            json!({"mode": "off"}),
            FROM_TABLE,
        ),
        case(
            M::POST,
            "/api/v1/apps/{appId}/roles",
            "/api/v1/apps/shop/roles",
            json!({"user": "target", "role": "modify", "namespace": "ns-{who}"}),
            FROM_TABLE,
        ),
        case(
            M::DELETE,
            "/api/v1/apps/{appId}/roles",
            "/api/v1/apps/shop/roles?user=target&role=release&namespace=held-{who}",
            Value::Null,
            FROM_TABLE,
        ),
        case(
            M::POST,
            "/api/v1/envs/{env}/apps/{appId}/clusters",
            "/api/v1/envs/DEV/apps/shop/clusters",
            json!({"name": "c-{who}"}),
            FROM_TABLE,
        ),
        case(
            M::DELETE,
            "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}",
            "/api/v1/envs/DEV/apps/shop/clusters/gone-{who}",
            Value::Null,
            FROM_TABLE,
        ),
        case(
            M::POST,
            "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces",
            "/api/v1/envs/DEV/apps/shop/clusters/assoc-{who}/namespaces",
            json!({"namespaceName": "common"}),
            FROM_TABLE,
        ),
        case(
            M::DELETE,
            NS,
            "/api/v1/envs/DEV/apps/shop/clusters/drop-{who}/namespaces/common",
            Value::Null,
            FROM_TABLE,
        ),
        case(
            M::POST,
            "/api/v1/envs/{env}/apps/{appId}/accesskeys",
            "/api/v1/envs/DEV/apps/shop/accesskeys",
            Value::Null,
            FROM_TABLE,
        ),
        case(
            M::PUT,
            "/api/v1/envs/{env}/apps/{appId}/accesskeys/{keyId}",
            &format!("/api/v1/envs/DEV/apps/shop/accesskeys/{}", fx.access_key),
            json!({"enabled": false}),
            FROM_TABLE,
        ),
        case(
            M::POST,
            "/api/v1/envs/{env}/apps/{appId}/accesskeys/{keyId}/reveal",
            &format!(
                "/api/v1/envs/DEV/apps/shop/accesskeys/{}/reveal",
                fx.access_key
            ),
            Value::Null,
            FROM_TABLE,
        ),
        case(
            M::DELETE,
            "/api/v1/envs/{env}/apps/{appId}/accesskeys/{keyId}",
            &format!("/api/v1/envs/DEV/apps/shop/accesskeys/{}", fx.disabled_key),
            Value::Null,
            FROM_TABLE,
        ),
        case(
            M::POST,
            route(NS, "/items"),
            &format!("{DEV}/application/items"),
            json!({"key": "k-{who}", "value": "1"}),
            FROM_TABLE,
        ),
        case(
            M::PUT,
            route(NS, "/items/{key}"),
            &format!("{DEV}/application/items/timeout"),
            json!({"value": "{who}"}),
            FROM_TABLE,
        ),
        case(
            M::POST,
            route(NS, "/items/{key}/reveal"),
            &format!("{DEV}/application/items/password/reveal"),
            Value::Null,
            FROM_TABLE,
        ),
        case(
            M::DELETE,
            route(NS, "/items/{key}"),
            &format!("{DEV}/application/items/d-{{who}}"),
            Value::Null,
            FROM_TABLE,
        ),
        case(
            M::PUT,
            route(NS, "/text"),
            &format!("{DEV}/texts/text"),
            json!({"text": "by = {who}\n"}),
            FROM_TABLE,
        ),
        case(
            M::POST,
            route(NS, "/text/check"),
            &format!("{DEV}/texts/text/check"),
            json!({"text": "by = {who}\n"}),
            FROM_TABLE,
        ),
        case(
            M::POST,
            route(NS, "/blast-radius"),
            &format!("{DEV}/application/blast-radius"),
            json!({}),
            FROM_TABLE,
        ),
        case(
            M::POST,
            route(NS, "/item-check"),
            &format!("{DEV}/application/item-check"),
            json!({"key": "by", "value": "{who}"}),
            FROM_TABLE,
        ),
        case(
            M::POST,
            route(NS, "/releases"),
            &format!("{DEV}/application/releases"),
            json!({"title": "by {who}"}),
            FROM_TABLE,
        ),
        case(
            M::PUT,
            "/api/v1/envs/{env}/releases/{releaseId}/rollback",
            &format!("/api/v1/envs/DEV/releases/{}/rollback", fx.rollback_release),
            Value::Null,
            RELEASE,
        ),
        case(
            M::POST,
            route(NS, "/branches"),
            &format!("{DEV}/fresh/branches"),
            Value::Null,
            FROM_TABLE,
        ),
        case(
            M::PUT,
            route(NS, "/branches/{branchName}/overrides/{key}"),
            &format!("{DEV}/gray/branches/{gray}/overrides/o-{{who}}"),
            json!({"value": "1"}),
            FROM_TABLE,
        ),
        case(
            M::DELETE,
            route(NS, "/branches/{branchName}/overrides/{key}"),
            &format!("{DEV}/gray/branches/{gray}/overrides/x-{{who}}"),
            Value::Null,
            FROM_TABLE,
        ),
        case(
            M::PUT,
            route(NS, "/branches/{branchName}/rules"),
            &format!("{DEV}/gray/branches/{gray}/rules"),
            json!({"ruleItems": [{"clientAppId": "shop", "clientIpList": ["10.0.0.1"]}]}),
            FROM_TABLE,
        ),
        case(
            M::POST,
            route(NS, "/branches/{branchName}/releases"),
            &format!("{DEV}/gray/branches/{gray}/releases"),
            json!({"title": "gray by {who}"}),
            FROM_TABLE,
        ),
        case(
            M::POST,
            route(NS, "/branches/{branchName}/merge"),
            &format!("{DEV}/gray/branches/{gray}/merge?deleteBranch=false"),
            json!({"title": "merge by {who}"}),
            FROM_TABLE,
        ),
        case(
            M::DELETE,
            route(NS, "/branches/{branchName}"),
            &format!("{DEV}/doomed/branches/{doomed}"),
            Value::Null,
            FROM_TABLE,
        ),
        case(
            M::POST,
            route(NS, "/rollouts"),
            &format!("{DEV}/rollme/rollouts"),
            json!({"releaseTitle": "by {who}", "steps": [10, 100], "bakeSeconds": 3600}),
            FROM_TABLE,
        ),
        case(
            M::POST,
            route(NS, "/rollouts/{rolloutId}/{verb}"),
            &format!("{DEV}/rolling/rollouts/{}/pause", fx.rollout),
            Value::Null,
            FROM_TABLE,
        ),
        case(
            M::POST,
            route(NS, "/release-requests"),
            &format!("{PRO}/rq/release-requests"),
            json!({"title": "by {who}"}),
            FROM_TABLE,
        ),
        case(
            M::POST,
            "/api/v1/release-requests/{id}/approve",
            &format!(
                "/api/v1/release-requests/{}/approve",
                fx.requests["approve"]
            ),
            Value::Null,
            RELEASE,
        ),
        case(
            M::POST,
            "/api/v1/release-requests/{id}/reject",
            &format!("/api/v1/release-requests/{}/reject", fx.requests["reject"]),
            Value::Null,
            RELEASE,
        ),
        case(
            M::POST,
            "/api/v1/release-requests/{id}/refresh",
            &format!(
                "/api/v1/release-requests/{}/refresh",
                fx.requests["refresh"]
            ),
            Value::Null,
            MODIFY,
        ),
        case(
            M::POST,
            "/api/v1/release-requests/{id}/publish",
            &format!(
                "/api/v1/release-requests/{}/publish",
                fx.requests["publish"]
            ),
            Value::Null,
            RELEASE,
        ),
        case(
            M::POST,
            "/api/v1/release-requests/{id}/withdraw",
            &format!(
                "/api/v1/release-requests/{}/withdraw",
                fx.requests["withdraw"]
            ),
            Value::Null,
            ADMIN,
        ),
        case(
            M::POST,
            "/api/v1/consumers",
            "/api/v1/consumers",
            json!({"name": "ci-{who}", "grants": [{"appId": "shop", "namespace": "*", "permissions": ["modify"]}]}),
            MASTER,
        ),
        case(
            M::POST,
            "/api/v1/apps/{appId}/webhooks",
            "/api/v1/apps/shop/webhooks",
            json!({"url": "http://93.184.215.14/{who}", "events": ["*"]}),
            FROM_TABLE,
        ),
        case(
            M::PUT,
            "/api/v1/apps/{appId}/webhooks/{webhookId}",
            &format!("/api/v1/apps/shop/webhooks/{}", fx.webhook),
            json!({"url": "http://93.184.215.14/by-{who}", "events": ["release.published"]}),
            FROM_TABLE,
        ),
        case(
            M::DELETE,
            "/api/v1/apps/{appId}/webhooks/{webhookId}",
            &format!("/api/v1/apps/shop/webhooks/{}", fx.doomed_webhook),
            Value::Null,
            FROM_TABLE,
        ),
        case(
            M::POST,
            "/api/v1/apps/{appId}/webhooks/{webhookId}/secret",
            &format!("/api/v1/apps/shop/webhooks/{}/secret", fx.webhook),
            Value::Null,
            FROM_TABLE,
        ),
        case(
            M::POST,
            "/api/v1/apps/{appId}/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver",
            &format!(
                "/api/v1/apps/shop/webhooks/{}/deliveries/{}/redeliver",
                fx.webhook, fx.delivery
            ),
            Value::Null,
            FROM_TABLE,
        ),
        case(
            M::POST,
            "/api/v1/system/webhooks",
            "/api/v1/system/webhooks",
            json!({"url": "http://93.184.215.14/all-{who}", "events": ["*"]}),
            FROM_TABLE,
        ),
        case(
            M::PUT,
            "/api/v1/system/webhooks/{webhookId}",
            &format!("/api/v1/system/webhooks/{}", fx.system_webhook),
            json!({"url": "http://93.184.215.14/all", "events": ["rollout.halted"]}),
            FROM_TABLE,
        ),
        case(
            M::DELETE,
            "/api/v1/system/webhooks/{webhookId}",
            &format!("/api/v1/system/webhooks/{}", fx.doomed_system_webhook),
            Value::Null,
            FROM_TABLE,
        ),
        case(
            M::POST,
            "/api/v1/system/webhooks/{webhookId}/secret",
            &format!("/api/v1/system/webhooks/{}/secret", fx.system_webhook),
            Value::Null,
            FROM_TABLE,
        ),
        case(
            M::POST,
            "/api/v1/system/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver",
            &format!(
                "/api/v1/system/webhooks/{}/deliveries/{}/redeliver",
                fx.system_webhook, fx.system_delivery
            ),
            Value::Null,
            FROM_TABLE,
        ),
        case(
            M::POST,
            "/api/v1/consumers/{id}/token",
            &format!("/api/v1/consumers/{}/token", fx.consumer),
            Value::Null,
            ADMIN,
        ),
        case(
            M::POST,
            "/api/v1/consumers/{id}/adopt",
            &format!("/api/v1/consumers/{}/adopt", fx.orphan),
            Value::Null,
            MASTER,
        ),
        case(
            M::DELETE,
            "/api/v1/consumers/{id}",
            &format!("/api/v1/consumers/{}", fx.doomed_consumer),
            Value::Null,
            ADMIN,
        ),
        case(
            M::POST,
            "/api/v1/apps/{appId}/namespaces/{namespaceName}/copy",
            "/api/v1/apps/shop/namespaces/application/copy",
            json!({"fromEnv": "DEV", "toEnv": "DEV", "toCluster": "copy-{who}", "keys": ["timeout"]}),
            MODIFY,
        ),
        case(
            M::POST,
            route(NS, "/import"),
            &format!("{DEV}/texts/import?policy=overwrite"),
            json!("imported = {who}\n"),
            FROM_TABLE,
        ),
        case(
            M::POST,
            "/api/v1/envs/{env}/apps/{appId}/import",
            "/api/v1/envs/DEV/apps/shop/import?policy=overwrite",
            json!({"zip": {"copy-{who}/application.properties": "zipped = {who}\n"}}),
            MODIFY,
        ),
        case(
            M::POST,
            "/api/v1/favorites",
            "/api/v1/favorites",
            json!({"appId": "shop"}),
            FROM_TABLE,
        ),
        case(
            M::PUT,
            "/api/v1/favorites",
            "/api/v1/favorites",
            json!({"appIds": ["shop"]}),
            FROM_TABLE,
        ),
        case(
            M::DELETE,
            "/api/v1/favorites/{appId}",
            "/api/v1/favorites/shop",
            Value::Null,
            FROM_TABLE,
        ),
        // Last: it ends the session.
        case(
            M::POST,
            "/api/v1/auth/logout",
            "/api/v1/auth/logout",
            Value::Null,
            FROM_TABLE,
        ),
    ]
}

const OPEN_NS: &str =
    "/openapi/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}";
const OPEN_DEV: &str = "/openapi/v1/envs/DEV/apps/shop/clusters/default/namespaces";
const C_MODIFY: &[&str] = &["c-modify", "user-bearer"];
const C_RELEASE: &[&str] = &["c-release", "user-bearer"];
const C_MODIFY_OR_RELEASE: &[&str] = &["c-modify", "c-release", "user-bearer"];
const C_USER: &[&str] = &["user-bearer"];

fn open_cases(fx: &Fixture) -> Vec<Case> {
    use Method as M;
    let gray = &fx.open_gray_branch;
    vec![
        case(
            M::POST,
            "/openapi/v1/apps",
            "/openapi/v1/apps",
            json!({"app": {"appId": "open-{who}", "name": "x"}}),
            C_USER,
        ),
        case(
            M::POST,
            "/openapi/v1/envs/{env}/apps/{appId}/clusters",
            "/openapi/v1/envs/DEV/apps/shop/clusters",
            json!({"name": "oc-{who}"}),
            FROM_TABLE,
        ),
        case(
            M::POST,
            "/openapi/v1/apps/{appId}/appnamespaces",
            "/openapi/v1/apps/shop/appnamespaces",
            json!({"name": "ons-{who}"}),
            FROM_TABLE,
        ),
        case(
            M::PUT,
            "/openapi/v1/apps/{appId}/namespaces/{namespaceName}/schema",
            "/openapi/v1/apps/shop/namespaces/application/schema",
            json!({"document": {"type": "object", "description": "by {who}"}}),
            C_MODIFY,
        ),
        case(
            M::POST,
            route(OPEN_NS, "/blast-radius"),
            &format!("{OPEN_DEV}/application/blast-radius"),
            json!({}),
            FROM_TABLE,
        ),
        case(
            M::POST,
            route(OPEN_NS, "/items"),
            &format!("{OPEN_DEV}/application/items"),
            json!({"key": "ok-{who}", "value": "1"}),
            FROM_TABLE,
        ),
        case(
            M::PUT,
            route(OPEN_NS, "/items/{key}"),
            &format!("{OPEN_DEV}/application/items/timeout"),
            json!({"key": "timeout", "value": "{who}"}),
            FROM_TABLE,
        ),
        case(
            M::DELETE,
            route(OPEN_NS, "/items/{key}"),
            &format!("{OPEN_DEV}/application/items/od-{{who}}"),
            Value::Null,
            FROM_TABLE,
        ),
        case(
            M::POST,
            route(OPEN_NS, "/releases"),
            &format!("{OPEN_DEV}/application/releases"),
            json!({"releaseTitle": "by {who}"}),
            FROM_TABLE,
        ),
        case(
            M::PUT,
            "/openapi/v1/envs/{env}/releases/{releaseId}/rollback",
            &format!(
                "/openapi/v1/envs/DEV/releases/{}/rollback",
                fx.open_rollback_release
            ),
            Value::Null,
            C_RELEASE,
        ),
        case(
            M::POST,
            route(OPEN_NS, "/branches"),
            &format!("{OPEN_DEV}/ofresh/branches"),
            Value::Null,
            FROM_TABLE,
        ),
        case(
            M::PUT,
            route(OPEN_NS, "/branches/{branchName}/rules"),
            &format!("{OPEN_DEV}/ogray/branches/{gray}/rules"),
            json!({"ruleItems": [{"clientAppId": "shop", "clientIpList": ["10.0.0.2"]}]}),
            FROM_TABLE,
        ),
        case(
            M::POST,
            route(OPEN_NS, "/branches/{branchName}/releases"),
            &format!("{OPEN_DEV}/ogray/branches/{gray}/releases"),
            json!({"releaseTitle": "gray by {who}"}),
            FROM_TABLE,
        ),
        case(
            M::POST,
            route(OPEN_NS, "/branches/{branchName}/merge"),
            &format!("{OPEN_DEV}/ogray/branches/{gray}/merge?deleteBranch=false"),
            json!({"releaseTitle": "merge by {who}"}),
            FROM_TABLE,
        ),
        case(
            M::DELETE,
            route(OPEN_NS, "/branches/{branchName}"),
            &format!("{OPEN_DEV}/odoomed/branches/{}", fx.open_doomed_branch),
            Value::Null,
            FROM_TABLE,
        ),
        case(
            M::POST,
            route(OPEN_NS, "/rollouts"),
            &format!("{OPEN_DEV}/orollme/rollouts"),
            json!({"releaseTitle": "by {who}", "steps": [10, 100], "bakeSeconds": 3600}),
            FROM_TABLE,
        ),
        case(
            M::POST,
            route(OPEN_NS, "/rollouts/{rolloutId}/{verb}"),
            &format!("{OPEN_DEV}/orolling/rollouts/{}/pause", fx.open_rollout),
            Value::Null,
            FROM_TABLE,
        ),
        case(
            M::POST,
            route(OPEN_NS, "/release-requests"),
            "/openapi/v1/envs/PRO/apps/shop/clusters/default/namespaces/oreq/release-requests",
            json!({"title": "by {who}"}),
            FROM_TABLE,
        ),
        case(
            M::POST,
            "/openapi/v1/release-requests/{id}/publish",
            &format!(
                "/openapi/v1/release-requests/{}/publish",
                fx.requests["open-publish"]
            ),
            Value::Null,
            C_RELEASE,
        ),
    ]
}

fn route(base: &str, suffix: &str) -> &'static str {
    Box::leak(format!("{base}{suffix}").into_boxed_str())
}

/// What the matrix works on, made before it runs.
struct Fixture {
    gray_branch: String,
    doomed_branch: String,
    access_key: i64,
    disabled_key: i64,
    rollback_release: i64,
    requests: std::collections::HashMap<&'static str, i64>,
    consumer: i64,
    doomed_consumer: i64,
    orphan: i64,
    open_gray_branch: String,
    open_doomed_branch: String,
    open_rollback_release: i64,
    rollout: i64,
    open_rollout: i64,
    webhook: i64,
    doomed_webhook: i64,
    delivery: i64,
    system_webhook: i64,
    doomed_system_webhook: i64,
    system_delivery: i64,
}

async fn fixture(s: &Stack) -> Fixture {
    use Method as M;
    let root = s.root.clone();
    for user in [
        "nobody", "modifier", "releaser", "master", "target", "writer",
    ] {
        s.user(user).await;
    }
    // `master` holds the master role alone (an app's creator and owner also get modify and
    // release, so the apps are created by and for `admin`).
    s.app("shop", "admin").await;
    // Webhooks hear the fixture's events, so each has deliveries to send again.
    let hook = |path: &'static str| {
        let root = root.clone();
        async move {
            s.ok(
                M::POST,
                path,
                &root,
                &json!({"url": "http://93.184.215.14/hook", "events": ["*"]}),
            )
            .await["id"]
                .as_i64()
                .unwrap()
        }
    };
    let webhook = hook("/api/v1/apps/shop/webhooks").await;
    let doomed_webhook = hook("/api/v1/apps/shop/webhooks").await;
    let system_webhook = hook("/api/v1/system/webhooks").await;
    let doomed_system_webhook = hook("/api/v1/system/webhooks").await;
    s.app("doomed", "admin").await;
    s.app("other", "admin").await;
    s.grant("shop", "master", "master", json!({})).await;
    s.grant("shop", "modifier", "modify", json!({"namespace": "*"}))
        .await;
    s.grant("shop", "releaser", "release", json!({"namespace": "*"}))
        .await;
    s.grant("shop", "writer", "modify", json!({"namespace": "*"}))
        .await;
    // The matrix's `admin` is the bootstrap super admin; its founder roles on apps it creates
    // are irrelevant, as it may do everything anyway.
    for who in MASTER {
        s.grant(
            "shop",
            "target",
            "release",
            json!({"namespace": format!("held-{who}")}),
        )
        .await;
    }
    s.ok(
        M::POST,
        "/api/v1/apps/other/appnamespaces",
        &root,
        &json!({"name": "common", "isPublic": true}),
    )
    .await;
    // A secret for the reveal case.
    s.ok(
        M::POST,
        "/api/v1/envs/DEV/apps/shop/clusters/default/namespaces/application/items",
        &root,
        &json!({"key": "password", "value": "hunter2", "secret": true}),
    )
    .await;
    // The matrix's `admin` signs in with a password of the same pattern as everyone's.
    s.ok(
        M::POST,
        "/api/v1/users/admin/password",
        &root,
        &json!({"password": "admin-password"}),
    )
    .await;
    for ns in [
        "texts", "fresh", "gray", "doomed", "ofresh", "ogray", "odoomed", "oreq", "rq", "rb",
        "orb", "rolling", "rollme", "orolling", "orollme",
    ] {
        s.ok(
            M::POST,
            "/api/v1/apps/shop/appnamespaces",
            &root,
            &json!({"name": ns}),
        )
        .await;
    }
    for who in USERS {
        s.ok(
            M::POST,
            "/api/v1/apps/shop/appnamespaces",
            &root,
            &json!({"name": format!("gone-{who}")}),
        )
        .await;
        for prefix in ["gone", "assoc", "drop", "copy"] {
            s.ok(
                M::POST,
                "/api/v1/envs/DEV/apps/shop/clusters",
                &root,
                &json!({"name": format!("{prefix}-{who}")}),
            )
            .await;
        }
        s.ok(
            M::POST,
            &format!("/api/v1/envs/DEV/apps/shop/clusters/drop-{who}/namespaces"),
            &root,
            &json!({"namespaceName": "common"}),
        )
        .await;
        s.ok(
            M::POST,
            &format!("{DEV}/application/items"),
            &root,
            &json!({"key": format!("d-{who}"), "value": "x"}),
        )
        .await;
    }
    for who in CONSUMERS {
        s.ok(
            M::POST,
            &format!("{DEV}/application/items"),
            &root,
            &json!({"key": format!("od-{who}"), "value": "x"}),
        )
        .await;
    }
    s.ok(
        M::POST,
        &format!("{DEV}/application/items"),
        &root,
        &json!({"key": "timeout", "value": "1"}),
    )
    .await;
    let mut rollback = Vec::new();
    for ns in ["rb", "orb"] {
        let mut latest = 0;
        for value in ["1", "2"] {
            s.ok(
                M::PUT,
                &format!("{DEV}/{ns}/items/k?createIfNotExists=true"),
                &root,
                &json!({"value": value}),
            )
            .await;
            latest = s
                .ok(
                    M::POST,
                    &format!("{DEV}/{ns}/releases"),
                    &root,
                    &json!({"title": value}),
                )
                .await["id"]
                .as_i64()
                .unwrap();
        }
        rollback.push(latest);
    }
    let access_key = s
        .ok(
            M::POST,
            "/api/v1/envs/DEV/apps/shop/accesskeys",
            &root,
            &Value::Null,
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let disabled_key = s
        .ok(
            M::POST,
            "/api/v1/envs/DEV/apps/shop/accesskeys",
            &root,
            &Value::Null,
        )
        .await["id"]
        .as_i64()
        .unwrap();
    s.ok(
        M::PUT,
        &format!("/api/v1/envs/DEV/apps/shop/accesskeys/{disabled_key}"),
        &root,
        &json!({"enabled": false}),
    )
    .await;

    let branch = |ns: &'static str| {
        let root = root.clone();
        async move {
            s.ok(
                M::POST,
                &format!("{DEV}/{ns}/items"),
                &root,
                &json!({"key": "a", "value": "1"}),
            )
            .await;
            s.ok(
                M::POST,
                &format!("{DEV}/{ns}/releases"),
                &root,
                &json!({"title": "base"}),
            )
            .await;
            let name = s
                .ok(
                    M::POST,
                    &format!("{DEV}/{ns}/branches"),
                    &root,
                    &Value::Null,
                )
                .await["branchName"]
                .as_str()
                .unwrap()
                .to_owned();
            for who in USERS {
                s.ok(
                    M::PUT,
                    &format!("{DEV}/{ns}/branches/{name}/overrides/x-{who}"),
                    &root,
                    &json!({"value": "1"}),
                )
                .await;
            }
            s.ok(
                M::PUT,
                &format!("{DEV}/{ns}/branches/{name}/rules"),
                &root,
                &json!({"ruleItems": [{"clientAppId": "shop", "clientIpList": ["10.0.0.9"]}]}),
            )
            .await;
            name
        }
    };
    let gray_branch = branch("gray").await;
    let doomed_branch = branch("doomed").await;
    let open_gray_branch = branch("ogray").await;
    let open_doomed_branch = branch("odoomed").await;
    // Rollouts: one under way per namespace to act on, and branches to start one on.
    let mut rollouts = Vec::new();
    for ns in ["rolling", "orolling", "rollme", "orollme"] {
        branch(ns).await;
    }
    for ns in ["rolling", "orolling"] {
        let started = s
            .ok(
                M::POST,
                &format!("{DEV}/{ns}/rollouts"),
                &root,
                &json!({"releaseTitle": "rolling", "steps": [10, 100], "bakeSeconds": 3600}),
            )
            .await;
        rollouts.push(started["id"].as_i64().unwrap());
    }

    // Release requests by `writer`, one per namespace (one may be under way per namespace).
    let writer = s.sign_in("writer").await;
    let releaser = s.sign_in("releaser").await;
    for ns in ["oreq", "rq"] {
        s.ok(
            M::POST,
            &format!("{PRO}/{ns}/items"),
            &writer,
            &json!({"key": "k", "value": "1"}),
        )
        .await;
    }
    let mut requests = std::collections::HashMap::new();
    for (purpose, ns) in [
        ("approve", "application"),
        ("reject", "texts"),
        ("refresh", "fresh"),
        ("publish", "gray"),
        ("withdraw", "doomed"),
        ("open-publish", "ofresh"),
    ] {
        s.ok(
            M::POST,
            &format!("{PRO}/{ns}/items"),
            &writer,
            &json!({"key": "k", "value": "1"}),
        )
        .await;
        let id = s
            .ok(
                M::POST,
                &format!("{PRO}/{ns}/release-requests"),
                &writer,
                &json!({"title": "review me"}),
            )
            .await["id"]
            .as_i64()
            .unwrap();
        if purpose.ends_with("publish") {
            s.ok(
                M::POST,
                &format!("/api/v1/release-requests/{id}/approve"),
                &releaser,
                &Value::Null,
            )
            .await;
        }
        requests.insert(purpose, id);
    }

    let consumer = s.ok(M::POST, "/api/v1/consumers", &root, &json!({"name": "keep", "grants": [{"appId": "shop", "namespace": "*", "permissions": ["modify"]}]})).await["id"].as_i64().unwrap();
    let doomed_consumer = s.ok(M::POST, "/api/v1/consumers", &root, &json!({"name": "doomed", "grants": [{"appId": "shop", "namespace": "*", "permissions": ["modify"]}]})).await["id"].as_i64().unwrap();
    // A consumer whose owner left: a master of `shop` may adopt it.
    let leaver = s.user("leaver").await;
    s.grant("shop", "leaver", "master", json!({})).await;
    let orphan = s.ok(M::POST, "/api/v1/consumers", &leaver, &json!({"name": "orphan", "grants": [{"appId": "shop", "namespace": "*", "permissions": ["modify"]}]})).await["id"].as_i64().unwrap();
    s.ok(
        M::PUT,
        "/api/v1/users/leaver",
        &root,
        &json!({"enabled": false}),
    )
    .await;
    let first_delivery = |path: String| {
        let root = root.clone();
        async move {
            s.ok(M::GET, &path, &root, &Value::Null).await["items"][0]["id"]
                .as_i64()
                .unwrap()
        }
    };
    let delivery = first_delivery(format!("/api/v1/apps/shop/webhooks/{webhook}/deliveries")).await;
    let system_delivery = first_delivery(format!(
        "/api/v1/system/webhooks/{system_webhook}/deliveries"
    ))
    .await;
    Fixture {
        gray_branch,
        doomed_branch,
        access_key,
        disabled_key,
        rollback_release: rollback[0],
        requests,
        consumer,
        doomed_consumer,
        orphan,
        open_gray_branch,
        open_doomed_branch,
        open_rollback_release: rollback[1],
        rollout: rollouts[0],
        open_rollout: rollouts[1],
        webhook,
        doomed_webhook,
        delivery,
        system_webhook,
        doomed_system_webhook,
        system_delivery,
    }
}

async fn sign_in(s: &Stack, who: &str) -> String {
    let login = s.portal.login(who, &format!("{who}-password")).await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
    login.json()["token"].as_str().unwrap().to_owned()
}

async fn send(s: &Stack, c: &Case, who: &str, authorization: Option<String>) -> Reply {
    let path = c.path.replace("{who}", who);
    let mut request = Request::builder().method(c.method.clone()).uri(&path);
    if let Some(value) = authorization {
        request = request.header(header::AUTHORIZATION, value);
    }
    // A string body is sent as a text file, `{"zip": {name: content}}` as a zip archive.
    let body = match &c.body {
        Value::Null => Body::empty(),
        Value::String(text) => {
            request = request.header(header::CONTENT_TYPE, "text/plain");
            Body::from(text.replace("{who}", who))
        }
        Value::Object(map) if map.contains_key("zip") => {
            let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
            for (name, content) in map["zip"].as_object().unwrap() {
                zip.start_file(
                    name.replace("{who}", who),
                    zip::write::SimpleFileOptions::default(),
                )
                .unwrap();
                std::io::Write::write_all(
                    &mut zip,
                    content.as_str().unwrap().replace("{who}", who).as_bytes(),
                )
                .unwrap();
            }
            request = request.header(header::CONTENT_TYPE, "application/zip");
            Body::from(zip.finish().unwrap().into_inner())
        }
        body => {
            request = request.header(header::CONTENT_TYPE, "application/json");
            Body::from(body.to_string().replace("{who}", who))
        }
    };
    s.portal.send(request.body(body).unwrap()).await
}

/// Who may call a case: from its row in the permission table, or, where the handler checks a
/// rule of its own, as the case says.
fn allowed(c: &Case, open: bool) -> &'static [&'static str] {
    let need = need_of(c.method.as_str(), c.route).unwrap_or_else(|| {
        panic!(
            "{} {} has no row in the permission table",
            c.method, c.route
        )
    });
    if let Need::Own(rule) = need {
        assert!(
            !c.allowed.is_empty(),
            "{} {}: say who passes `{rule}`",
            c.method,
            c.route
        );
        return c.allowed;
    }
    assert!(
        c.allowed.is_empty(),
        "{} {}: the table says who may call it",
        c.method,
        c.route
    );
    match (need, open) {
        (Need::SignedIn, false) => ANY_USER,
        (Need::SignedIn, true) => &["c-other", "c-modify", "c-release", "user-bearer"],
        (Need::SuperAdmin, false) => ADMIN,
        (Need::Master, false) => MASTER,
        (Need::Modify, false) => MODIFY,
        (Need::Release, false) => RELEASE,
        (Need::ModifyOrRelease, false) => MODIFY_OR_RELEASE,
        // Nobody but the super admin holds the reveal role here.
        (Need::Reveal, false) => ADMIN,
        (Need::SuperAdmin | Need::Master, true) => C_USER,
        (Need::Modify, true) => C_MODIFY,
        (Need::Release, true) => C_RELEASE,
        (Need::ModifyOrRelease, true) => C_MODIFY_OR_RELEASE,
        // Checking a text writes nothing; DEV shows its namespaces to every signed-in user.
        (Need::View, false) => ANY_USER,
        // Asking who a publish would reach writes nothing: a grant covering the namespace.
        (Need::Read, true) => C_MODIFY_OR_RELEASE,
        (other, _) => panic!("{} {}: a write endpoint needs {other:?}", c.method, c.route),
    }
}

/// Runs one table: denied callers first (they change nothing), then the allowed ones.
async fn walk(s: &Stack, cases: &[Case], callers: &[(&str, String)], open: bool) {
    for c in cases {
        let label = format!("{} {}", c.method, c.path);
        let allowed = allowed(c, open);
        let anonymous = send(s, c, "anonymous", None).await;
        assert_eq!(
            anonymous.status,
            StatusCode::UNAUTHORIZED,
            "{label} anonymous: {}",
            anonymous.text
        );
        for (who, authorization) in callers.iter().filter(|(who, _)| !allowed.contains(who)) {
            let reply = send(s, c, who, Some(authorization.clone())).await;
            assert_eq!(
                reply.status,
                StatusCode::FORBIDDEN,
                "{label} as {who}: {}",
                reply.text
            );
        }
        let mut succeeded = false;
        for (who, authorization) in callers.iter().filter(|(who, _)| allowed.contains(who)) {
            let reply = send(s, c, who, Some(authorization.clone())).await;
            assert!(
                !matches!(reply.status.as_u16(), 401 | 403) && !reply.status.is_server_error(),
                "{label} as {who}: {} {}",
                reply.status,
                reply.text
            );
            if !reply.status.is_success() {
                eprintln!("{label} as {who}: {} {}", reply.status, reply.text);
            }
            succeeded |= reply.status.is_success();
        }
        assert!(succeeded, "{label}: no allowed caller succeeded");
    }
}

db_test!(async fn every_write_endpoint_checks_every_role(t) {
    let s = Stack::start(&t).await;
    let fx = fixture(&s).await;

    // The tables cover every documented write endpoint (sign-in is public).
    let doc = serde_json::to_value(lyre_portal::openapi()).unwrap();
    let mut documented = BTreeSet::new();
    for (route, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if method != "get" && route != "/api/v1/auth/login" {
                documented.insert(format!("{} {route}", method.to_uppercase()));
            }
        }
    }
    let users = user_cases(&fx);
    let open = open_cases(&fx);
    let covered: BTreeSet<String> = users.iter().chain(&open).map(|c| format!("{} {}", c.method, c.route)).collect();
    assert_eq!(documented, covered, "every write endpoint is in the matrix");
    // Every documented endpoint, read or write, has a row in the permission table, and every
    // row an endpoint.
    let mut every = BTreeSet::new();
    for (route, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            every.insert(format!("{} {route}", method.to_uppercase()));
        }
    }
    let rows: BTreeSet<String> = PERMISSIONS.iter().map(|p| format!("{} {}", p.method, p.route)).collect();
    assert_eq!(every, rows, "the permission table has one row per endpoint");

    let mut callers = Vec::new();
    for who in USERS {
        callers.push((who, format!("Bearer {}", sign_in(&s, who).await)));
    }
    walk(&s, &users, &callers, false).await;

    let grant = |permission: &str| json!([{"appId": "shop", "namespace": "*", "permissions": [permission]}]);
    let mut consumers = Vec::new();
    for (who, grants) in [
        ("c-other", json!([{"appId": "other", "namespace": "*", "permissions": ["modify", "release"]}])),
        ("c-modify", grant("modify")),
        ("c-release", grant("release")),
    ] {
        let admin = sign_in(&s, "admin").await;
        let made = s.ok(Method::POST, "/api/v1/consumers", &admin, &json!({"name": who, "rateLimit": 1000, "grants": grants})).await;
        consumers.push((who, made["token"].as_str().unwrap().to_owned()));
    }
    consumers.push(("user-bearer", format!("Bearer {}", sign_in(&s, "admin").await)));
    walk(&s, &open, &consumers, true).await;
});

db_test!(async fn every_read_endpoint_needs_a_caller(t) {
    let s = Stack::start(&t).await;
    let doc = serde_json::to_value(lyre_portal::openapi()).unwrap();
    let mut checked = 0;
    for (route, item) in doc["paths"].as_object().unwrap() {
        let public = lyre_portal::permissions::PERMISSIONS.iter().any(|p| {
            p.method == "GET" && p.route == route && p.need == lyre_portal::permissions::Need::Anyone
        });
        if item.get("get").is_none() {
            continue;
        }
        if public {
            // The sign-in page's own: answered to anyone, with no error.
            let reply = s.call(Method::GET, route, None, &Value::Null).await;
            assert!(
                reply.status == StatusCode::OK || reply.status == StatusCode::SEE_OTHER,
                "GET {route}: {} {}", reply.status, reply.text
            );
            continue;
        }
        let mut path = route.clone();
        for (param, value) in [
            ("{env}", "DEV"), ("{appId}", "shop"), ("{clusterName}", "default"),
            ("{namespaceName}", "application"), ("{key}", "k"), ("{branchName}", "b"),
            ("{releaseId}", "1"), ("{id}", "1"), ("{rolloutId}", "1"), ("{verb}", "pause"), ("{username}", "admin"), ("{keyId}", "1"),
            ("{webhookId}", "1"), ("{deliveryId}", "1"),
        ] {
            path = path.replace(param, value);
        }
        assert!(!path.contains('{'), "an unknown parameter in {route}");
        let reply = s.call(Method::GET, &path, None, &Value::Null).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "GET {path}: {}", reply.text);
        checked += 1;
    }
    assert!(checked > 40, "{checked} read endpoints");
});

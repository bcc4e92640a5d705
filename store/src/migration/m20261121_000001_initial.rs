//! The initial schema: configuration data (apps, clusters, namespaces, items, releases and what
//! surrounds them) and the portal's accounts, roles, consumers and reviews.
//!
//! Conventions (see `columns.rs`): `BIGINT` ids, times as epoch milliseconds in `BIGINT`
//! columns (the same value and range on every backend), soft deletes through `deleted_at`,
//! which ends every unique key of a soft-deletable table, and binary collation on MySQL.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

use super::columns::{
    COMMENT_LEN, ENV_LEN, KEY_LEN, NAME_LEN, RELEASE_KEY_LEN, TableBuilder, USER_LEN,
};
use super::{SchemaStatement, StatementMigration};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[expect(
    elided_lifetimes_in_paths,
    reason = "async_trait needs the lifetime of SchemaManager elided to match the trait"
)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        super::up_statements::<Self>(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        super::down_statements::<Self>(manager).await
    }
}

impl StatementMigration for Migration {
    fn statements(backend: DbBackend) -> Vec<SchemaStatement> {
        let mut out = Vec::new();
        config_tables(backend, &mut out);
        release_tables(backend, &mut out);
        runtime_tables(backend, &mut out);
        portal_tables(backend, &mut out);
        out
    }
}

/// Apps, their namespace definitions, clusters, namespaces, items and commits.
fn config_tables(b: DbBackend, out: &mut Vec<SchemaStatement>) {
    TableBuilder::new(b, "apps")
        .string("app_id", NAME_LEN)
        .string("name", 256)
        .string_or_empty("org_id", 64)
        .string_or_empty("org_name", 128)
        .string_or_empty("owner_name", USER_LEN)
        .string_or_empty("owner_email", 256)
        .audit_columns()
        .soft_delete()
        .unique("app_id", &["app_id", "deleted_at"])
        .build(out);

    // `public_name` repeats `name` for public namespaces and is NULL otherwise, so the unique
    // key below makes public names unique across apps on every backend.
    TableBuilder::new(b, "app_namespaces")
        .string("app_id", NAME_LEN)
        .string("name", NAME_LEN)
        .string("format", 16)
        .boolean("is_public", false)
        .nullable_string("public_name", NAME_LEN)
        .string_or_empty("comment", COMMENT_LEN)
        .audit_columns()
        .soft_delete()
        .unique("app_name", &["app_id", "name", "deleted_at"])
        .unique("public_name", &["public_name", "deleted_at"])
        .index("name", &["name"])
        .build(out);

    // A gray branch is a child cluster: `parent_cluster_id` is 0 for a top-level cluster.
    TableBuilder::new(b, "clusters")
        .string("env", ENV_LEN)
        .string("app_id", NAME_LEN)
        .string("name", NAME_LEN)
        .big_integer_or_zero("parent_cluster_id")
        .string_or_empty("comment", COMMENT_LEN)
        .audit_columns()
        .soft_delete()
        .unique("env_app_name", &["env", "app_id", "name", "deleted_at"])
        .index("parent", &["env", "app_id", "parent_cluster_id"])
        .build(out);

    // `revision` grows with every change to the namespace's items; writers update it first,
    // which serialises edits and publishes of one namespace on every backend.
    TableBuilder::new(b, "namespaces")
        .string("env", ENV_LEN)
        .string("app_id", NAME_LEN)
        .string("cluster_name", NAME_LEN)
        .string("namespace_name", NAME_LEN)
        .big_integer_or_zero("revision")
        .audit_columns()
        .soft_delete()
        .unique(
            "env_app_cluster_ns",
            &[
                "env",
                "app_id",
                "cluster_name",
                "namespace_name",
                "deleted_at",
            ],
        )
        .index("env_ns", &["env", "namespace_name"])
        .build(out);

    // `version` is the optimistic-lock counter of one item.
    TableBuilder::new(b, "items")
        .reference("namespace_id", "namespaces")
        .string("key", KEY_LEN)
        .long_text("value")
        .long_text("comment")
        .integer_or_zero("line_num")
        .big_integer("version")
        .audit_columns()
        .soft_delete()
        .unique("ns_key", &["namespace_id", "key", "deleted_at"])
        .index("ns_line", &["namespace_id", "deleted_at", "line_num"])
        .build(out);

    TableBuilder::new(b, "commits")
        .string("env", ENV_LEN)
        .string("app_id", NAME_LEN)
        .string("cluster_name", NAME_LEN)
        .string("namespace_name", NAME_LEN)
        .long_text("change_sets")
        .string_or_empty("comment", COMMENT_LEN)
        .audit_columns()
        .soft_delete()
        .index(
            "ns",
            &["env", "app_id", "cluster_name", "namespace_name", "id"],
        )
        .build(out);
}

/// Releases, their history and messages, gray rules and the edit lock.
fn release_tables(b: DbBackend, out: &mut Vec<SchemaStatement>) {
    TableBuilder::new(b, "releases")
        .string("env", ENV_LEN)
        .string("release_key", RELEASE_KEY_LEN)
        .string("name", 256)
        .string_or_empty("comment", COMMENT_LEN)
        .string("app_id", NAME_LEN)
        .string("cluster_name", NAME_LEN)
        .string("namespace_name", NAME_LEN)
        .long_text("configurations")
        .boolean("is_abandoned", false)
        .audit_columns()
        .soft_delete()
        .unique("release_key", &["release_key"])
        .index(
            "ns",
            &["env", "app_id", "cluster_name", "namespace_name", "id"],
        )
        .build(out);

    TableBuilder::new(b, "release_histories")
        .string("env", ENV_LEN)
        .string("app_id", NAME_LEN)
        .string("cluster_name", NAME_LEN)
        .string("namespace_name", NAME_LEN)
        .string("branch_name", NAME_LEN)
        .big_integer_or_zero("release_id")
        .big_integer_or_zero("previous_release_id")
        .integer_or_zero("operation")
        .long_text("operation_context")
        .audit_columns()
        .soft_delete()
        .index(
            "ns",
            &[
                "env",
                "app_id",
                "cluster_name",
                "namespace_name",
                "branch_name",
                "id",
            ],
        )
        .index("release", &["release_id"])
        .index("previous_release", &["previous_release_id"])
        .build(out);

    // `message` is `appId+cluster+namespace`; config services scan by id.
    TableBuilder::new(b, "release_messages")
        .string("env", ENV_LEN)
        .string("message", 512)
        .big_integer("created_at")
        .index("env_message", &["env", "message", "id"])
        .build(out);

    TableBuilder::new(b, "gray_rules")
        .string("env", ENV_LEN)
        .string("app_id", NAME_LEN)
        .string("cluster_name", NAME_LEN)
        .string("namespace_name", NAME_LEN)
        .string("branch_name", NAME_LEN)
        .long_text("rules")
        .big_integer_or_zero("release_id")
        .integer_or_zero("branch_status")
        .audit_columns()
        .soft_delete()
        .index(
            "ns",
            &[
                "env",
                "app_id",
                "cluster_name",
                "namespace_name",
                "deleted_at",
            ],
        )
        .build(out);

    // A row means the namespace is held by `created_by` until its next publish.
    TableBuilder::new(b, "namespace_locks")
        .reference("namespace_id", "namespaces")
        .audit_columns()
        .unique("namespace", &["namespace_id"])
        .build(out);
}

/// What running clients and services leave behind: instances, access keys, the service
/// registry and the audit log.
fn runtime_tables(b: DbBackend, out: &mut Vec<SchemaStatement>) {
    TableBuilder::new(b, "instances")
        .string("env", ENV_LEN)
        .string("app_id", NAME_LEN)
        .string("cluster_name", NAME_LEN)
        .string_or_empty("data_center", NAME_LEN)
        .string("ip", 64)
        .string_or_empty("label", NAME_LEN)
        .big_integer("created_at")
        .big_integer("updated_at")
        .unique(
            "identity",
            &["env", "app_id", "cluster_name", "data_center", "ip"],
        )
        .build(out);

    TableBuilder::new(b, "instance_configs")
        .reference("instance_id", "instances")
        .string("env", ENV_LEN)
        .string("config_app_id", NAME_LEN)
        .string("config_cluster_name", NAME_LEN)
        .string("config_namespace_name", NAME_LEN)
        .string("release_key", RELEASE_KEY_LEN)
        .big_integer("release_delivered_at")
        .big_integer("created_at")
        .big_integer("updated_at")
        .unique(
            "instance_ns",
            &["instance_id", "config_app_id", "config_namespace_name"],
        )
        .index(
            "config_ns",
            &[
                "env",
                "config_app_id",
                "config_cluster_name",
                "config_namespace_name",
                "updated_at",
            ],
        )
        .index("release_key", &["release_key"])
        .build(out);

    // `mode`: 0 enforces signatures, 1 only observes (checks and logs).
    TableBuilder::new(b, "access_keys")
        .string("env", ENV_LEN)
        .string("app_id", NAME_LEN)
        .string("secret", 128)
        .integer_or_zero("mode")
        .boolean("is_enabled", false)
        .audit_columns()
        .soft_delete()
        .index("env_app", &["env", "app_id", "deleted_at"])
        .build(out);

    TableBuilder::new(b, "audits")
        .string_or_empty("env", ENV_LEN)
        .string_or_empty("app_id", NAME_LEN)
        .string("entity_type", 64)
        .string_or_empty("entity_id", 512)
        .string("operation", 64)
        .long_text("detail")
        .string_or_empty("created_by", USER_LEN)
        .big_integer("created_at")
        .index("app", &["app_id", "id"])
        .index("actor", &["created_by", "id"])
        .index("time", &["created_at"])
        .build(out);

    // `updated_at` is the last heartbeat; `envs` lists the environments the instance serves.
    TableBuilder::new(b, "service_registry")
        .string("service_name", 64)
        .string("instance_id", NAME_LEN)
        .string_or_empty("envs", 512)
        .string("homepage_url", 512)
        .big_integer("created_at")
        .big_integer("updated_at")
        .unique("instance", &["service_name", "instance_id"])
        .index("heartbeat", &["service_name", "updated_at"])
        .build(out);
}

/// People, roles, CI consumers, release requests, favorites and settings.
fn portal_tables(b: DbBackend, out: &mut Vec<SchemaStatement>) {
    // Users are disabled, never deleted, so their names stay unique for good.
    TableBuilder::new(b, "users")
        .string("username", USER_LEN)
        .string_or_empty("display_name", 128)
        .string_or_empty("email", 256)
        .string("password_hash", 256)
        .boolean("is_enabled", true)
        .audit_columns()
        .unique("username", &["username"])
        .build(out);

    // One row per sign-in; `session_id` is the JWT's `jti`. Signing out sets `revoked_at`.
    TableBuilder::new(b, "user_sessions")
        .string("session_id", 64)
        .reference("user_id", "users")
        .big_integer("created_at")
        .big_integer("expires_at")
        .big_integer_or_zero("revoked_at")
        .string_or_empty("ip", 64)
        .string_or_empty("user_agent", 256)
        .unique("session_id", &["session_id"])
        .index("user", &["user_id"])
        .build(out);

    // Role names carry their scope, e.g. `Master+app1` or `ModifyNamespace+app1+application+PRO`.
    TableBuilder::new(b, "roles")
        .string("name", 512)
        .audit_columns()
        .soft_delete()
        .unique("name", &["name", "deleted_at"])
        .build(out);

    TableBuilder::new(b, "permissions")
        .reference("role_id", "roles")
        .string("permission_type", 64)
        .string("target_id", 512)
        .audit_columns()
        .soft_delete()
        .unique(
            "role_target",
            &["role_id", "permission_type", "target_id", "deleted_at"],
        )
        .build(out);

    // `subject_type` is `user` or `consumer`; `subject` the user name or consumer id.
    TableBuilder::new(b, "role_bindings")
        .reference("role_id", "roles")
        .string("subject_type", 16)
        .string("subject", NAME_LEN)
        .audit_columns()
        .soft_delete()
        .unique(
            "role_subject",
            &["role_id", "subject_type", "subject", "deleted_at"],
        )
        .index("subject", &["subject_type", "subject"])
        .build(out);

    // `rate_limit` is requests per second; 0 means the configured default.
    TableBuilder::new(b, "consumers")
        .string("name", NAME_LEN)
        .string_or_empty("app_id", NAME_LEN)
        .string_or_empty("org_id", 64)
        .string_or_empty("org_name", 128)
        .string_or_empty("owner_name", USER_LEN)
        .string_or_empty("owner_email", 256)
        .integer_or_zero("rate_limit")
        .string_or_empty("comment", COMMENT_LEN)
        .audit_columns()
        .soft_delete()
        .unique("name", &["name", "deleted_at"])
        .build(out);

    // Tokens are stored as SHA-256 hex; `token_hint` keeps the last characters for display.
    TableBuilder::new(b, "consumer_tokens")
        .reference("consumer_id", "consumers")
        .string("token_hash", 64)
        .string_or_empty("token_hint", 16)
        .big_integer_or_zero("expires_at")
        .audit_columns()
        .soft_delete()
        .unique("token_hash", &["token_hash"])
        .index("consumer", &["consumer_id"])
        .build(out);

    // `diff` freezes the changes under review; `namespace_revision` tells whether the
    // namespace was edited after the request was opened (the request is then stale).
    TableBuilder::new(b, "release_requests")
        .string("env", ENV_LEN)
        .string("app_id", NAME_LEN)
        .string("cluster_name", NAME_LEN)
        .string("namespace_name", NAME_LEN)
        .string("title", 256)
        .string_or_empty("comment", COMMENT_LEN)
        .string("status", 16)
        .long_text("diff")
        .big_integer_or_zero("base_release_id")
        .big_integer_or_zero("namespace_revision")
        .big_integer_or_zero("published_release_id")
        .string_or_empty("approved_by", USER_LEN)
        .audit_columns()
        .index(
            "ns",
            &["env", "app_id", "cluster_name", "namespace_name", "status"],
        )
        .index("author", &["created_by", "status"])
        .index("status", &["status", "id"])
        .build(out);

    // `verdict`: `approve`, `reject` or `comment`.
    TableBuilder::new(b, "release_request_reviews")
        .reference("request_id", "release_requests")
        .string("verdict", 16)
        .long_text("comment")
        .string_or_empty("created_by", USER_LEN)
        .big_integer("created_at")
        .index("request", &["request_id"])
        .build(out);

    TableBuilder::new(b, "favorites")
        .reference("user_id", "users")
        .string("app_id", NAME_LEN)
        .integer_or_zero("position")
        .big_integer("created_at")
        .unique("user_app", &["user_id", "app_id"])
        .build(out);

    // `scope` is empty for global settings or names an environment.
    TableBuilder::new(b, "settings")
        .string_or_empty("scope", 64)
        .string("name", 128)
        .long_text("value")
        .audit_columns()
        .unique("scope_name", &["scope", "name"])
        .build(out);
}

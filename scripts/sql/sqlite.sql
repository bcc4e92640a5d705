-- Lyre schema for SQLite.
-- Generated from the migrations in store/src/migration; do not edit by hand.
-- Regenerate with: LYRE_UPDATE_DDL=1 cargo test -p lyre-store --test ddl

CREATE TABLE "apps" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "app_id" varchar(128) NOT NULL CHECK (length("app_id") <= 128), "name" varchar(256) NOT NULL CHECK (length("name") <= 256), "org_id" varchar(64) NOT NULL DEFAULT '' CHECK (length("org_id") <= 64), "org_name" varchar(128) NOT NULL DEFAULT '' CHECK (length("org_name") <= 128), "owner_name" varchar(64) NOT NULL DEFAULT '' CHECK (length("owner_name") <= 64), "owner_email" varchar(256) NOT NULL DEFAULT '' CHECK (length("owner_email") <= 256), "created_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("created_by") <= 64), "created_at" integer NOT NULL, "updated_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("updated_by") <= 64), "updated_at" integer NOT NULL, "deleted_at" integer NOT NULL DEFAULT 0 );

CREATE UNIQUE INDEX "uk_apps_app_id" ON "apps" ("app_id", "deleted_at");

CREATE TABLE "app_namespaces" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "app_id" varchar(128) NOT NULL CHECK (length("app_id") <= 128), "name" varchar(128) NOT NULL CHECK (length("name") <= 128), "format" varchar(16) NOT NULL CHECK (length("format") <= 16), "is_public" boolean NOT NULL DEFAULT FALSE, "public_name" varchar(128) NULL CHECK (length("public_name") <= 128), "comment" varchar(1024) NOT NULL DEFAULT '' CHECK (length("comment") <= 1024), "created_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("created_by") <= 64), "created_at" integer NOT NULL, "updated_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("updated_by") <= 64), "updated_at" integer NOT NULL, "deleted_at" integer NOT NULL DEFAULT 0 );

CREATE UNIQUE INDEX "uk_app_namespaces_app_name" ON "app_namespaces" ("app_id", "name", "deleted_at");

CREATE UNIQUE INDEX "uk_app_namespaces_public_name" ON "app_namespaces" ("public_name", "deleted_at");

CREATE INDEX "idx_app_namespaces_name" ON "app_namespaces" ("name");

CREATE TABLE "clusters" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "env" varchar(32) NOT NULL CHECK (length("env") <= 32), "app_id" varchar(128) NOT NULL CHECK (length("app_id") <= 128), "name" varchar(128) NOT NULL CHECK (length("name") <= 128), "parent_cluster_id" integer NOT NULL DEFAULT 0, "comment" varchar(1024) NOT NULL DEFAULT '' CHECK (length("comment") <= 1024), "created_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("created_by") <= 64), "created_at" integer NOT NULL, "updated_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("updated_by") <= 64), "updated_at" integer NOT NULL, "deleted_at" integer NOT NULL DEFAULT 0 );

CREATE UNIQUE INDEX "uk_clusters_env_app_name" ON "clusters" ("env", "app_id", "name", "deleted_at");

CREATE INDEX "idx_clusters_parent" ON "clusters" ("env", "app_id", "parent_cluster_id");

CREATE TABLE "namespaces" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "env" varchar(32) NOT NULL CHECK (length("env") <= 32), "app_id" varchar(128) NOT NULL CHECK (length("app_id") <= 128), "cluster_name" varchar(128) NOT NULL CHECK (length("cluster_name") <= 128), "namespace_name" varchar(128) NOT NULL CHECK (length("namespace_name") <= 128), "revision" integer NOT NULL DEFAULT 0, "created_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("created_by") <= 64), "created_at" integer NOT NULL, "updated_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("updated_by") <= 64), "updated_at" integer NOT NULL, "deleted_at" integer NOT NULL DEFAULT 0 );

CREATE UNIQUE INDEX "uk_namespaces_env_app_cluster_ns" ON "namespaces" ("env", "app_id", "cluster_name", "namespace_name", "deleted_at");

CREATE INDEX "idx_namespaces_env_ns" ON "namespaces" ("env", "namespace_name");

CREATE TABLE "items" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "namespace_id" integer NOT NULL, "key" varchar(512) NOT NULL CHECK (length("key") <= 512), "value" text NOT NULL, "comment" text NOT NULL, "line_num" integer NOT NULL DEFAULT 0, "version" integer NOT NULL, "created_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("created_by") <= 64), "created_at" integer NOT NULL, "updated_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("updated_by") <= 64), "updated_at" integer NOT NULL, "deleted_at" integer NOT NULL DEFAULT 0, FOREIGN KEY ("namespace_id") REFERENCES "namespaces" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT );

CREATE UNIQUE INDEX "uk_items_ns_key" ON "items" ("namespace_id", "key", "deleted_at");

CREATE INDEX "idx_items_ns_line" ON "items" ("namespace_id", "deleted_at", "line_num");

CREATE TABLE "commits" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "env" varchar(32) NOT NULL CHECK (length("env") <= 32), "app_id" varchar(128) NOT NULL CHECK (length("app_id") <= 128), "cluster_name" varchar(128) NOT NULL CHECK (length("cluster_name") <= 128), "namespace_name" varchar(128) NOT NULL CHECK (length("namespace_name") <= 128), "change_sets" text NOT NULL, "comment" varchar(1024) NOT NULL DEFAULT '' CHECK (length("comment") <= 1024), "created_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("created_by") <= 64), "created_at" integer NOT NULL, "updated_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("updated_by") <= 64), "updated_at" integer NOT NULL, "deleted_at" integer NOT NULL DEFAULT 0 );

CREATE INDEX "idx_commits_ns" ON "commits" ("env", "app_id", "cluster_name", "namespace_name", "id");

CREATE TABLE "releases" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "env" varchar(32) NOT NULL CHECK (length("env") <= 32), "release_key" varchar(64) NOT NULL CHECK (length("release_key") <= 64), "name" varchar(256) NOT NULL CHECK (length("name") <= 256), "comment" varchar(1024) NOT NULL DEFAULT '' CHECK (length("comment") <= 1024), "app_id" varchar(128) NOT NULL CHECK (length("app_id") <= 128), "cluster_name" varchar(128) NOT NULL CHECK (length("cluster_name") <= 128), "namespace_name" varchar(128) NOT NULL CHECK (length("namespace_name") <= 128), "configurations" text NOT NULL, "is_abandoned" boolean NOT NULL DEFAULT FALSE, "created_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("created_by") <= 64), "created_at" integer NOT NULL, "updated_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("updated_by") <= 64), "updated_at" integer NOT NULL, "deleted_at" integer NOT NULL DEFAULT 0 );

CREATE UNIQUE INDEX "uk_releases_release_key" ON "releases" ("release_key");

CREATE INDEX "idx_releases_ns" ON "releases" ("env", "app_id", "cluster_name", "namespace_name", "id");

CREATE TABLE "release_histories" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "env" varchar(32) NOT NULL CHECK (length("env") <= 32), "app_id" varchar(128) NOT NULL CHECK (length("app_id") <= 128), "cluster_name" varchar(128) NOT NULL CHECK (length("cluster_name") <= 128), "namespace_name" varchar(128) NOT NULL CHECK (length("namespace_name") <= 128), "branch_name" varchar(128) NOT NULL CHECK (length("branch_name") <= 128), "release_id" integer NOT NULL DEFAULT 0, "previous_release_id" integer NOT NULL DEFAULT 0, "operation" integer NOT NULL DEFAULT 0, "operation_context" text NOT NULL, "created_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("created_by") <= 64), "created_at" integer NOT NULL, "updated_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("updated_by") <= 64), "updated_at" integer NOT NULL, "deleted_at" integer NOT NULL DEFAULT 0 );

CREATE INDEX "idx_release_histories_ns" ON "release_histories" ("env", "app_id", "cluster_name", "namespace_name", "branch_name", "id");

CREATE INDEX "idx_release_histories_release" ON "release_histories" ("release_id");

CREATE INDEX "idx_release_histories_previous_release" ON "release_histories" ("previous_release_id");

CREATE TABLE "release_messages" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "env" varchar(32) NOT NULL CHECK (length("env") <= 32), "message" varchar(512) NOT NULL CHECK (length("message") <= 512), "created_at" integer NOT NULL );

CREATE INDEX "idx_release_messages_env_message" ON "release_messages" ("env", "message", "id");

CREATE TABLE "gray_rules" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "env" varchar(32) NOT NULL CHECK (length("env") <= 32), "app_id" varchar(128) NOT NULL CHECK (length("app_id") <= 128), "cluster_name" varchar(128) NOT NULL CHECK (length("cluster_name") <= 128), "namespace_name" varchar(128) NOT NULL CHECK (length("namespace_name") <= 128), "branch_name" varchar(128) NOT NULL CHECK (length("branch_name") <= 128), "rules" text NOT NULL, "release_id" integer NOT NULL DEFAULT 0, "branch_status" integer NOT NULL DEFAULT 0, "created_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("created_by") <= 64), "created_at" integer NOT NULL, "updated_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("updated_by") <= 64), "updated_at" integer NOT NULL, "deleted_at" integer NOT NULL DEFAULT 0 );

CREATE INDEX "idx_gray_rules_ns" ON "gray_rules" ("env", "app_id", "cluster_name", "namespace_name", "deleted_at");

CREATE TABLE "namespace_locks" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "namespace_id" integer NOT NULL, "created_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("created_by") <= 64), "created_at" integer NOT NULL, "updated_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("updated_by") <= 64), "updated_at" integer NOT NULL, FOREIGN KEY ("namespace_id") REFERENCES "namespaces" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT );

CREATE UNIQUE INDEX "uk_namespace_locks_namespace" ON "namespace_locks" ("namespace_id");

CREATE TABLE "instances" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "env" varchar(32) NOT NULL CHECK (length("env") <= 32), "app_id" varchar(128) NOT NULL CHECK (length("app_id") <= 128), "cluster_name" varchar(128) NOT NULL CHECK (length("cluster_name") <= 128), "data_center" varchar(128) NOT NULL DEFAULT '' CHECK (length("data_center") <= 128), "ip" varchar(64) NOT NULL CHECK (length("ip") <= 64), "label" varchar(128) NOT NULL DEFAULT '' CHECK (length("label") <= 128), "created_at" integer NOT NULL, "updated_at" integer NOT NULL );

CREATE UNIQUE INDEX "uk_instances_identity" ON "instances" ("env", "app_id", "cluster_name", "data_center", "ip");

CREATE TABLE "instance_configs" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "instance_id" integer NOT NULL, "env" varchar(32) NOT NULL CHECK (length("env") <= 32), "config_app_id" varchar(128) NOT NULL CHECK (length("config_app_id") <= 128), "config_cluster_name" varchar(128) NOT NULL CHECK (length("config_cluster_name") <= 128), "config_namespace_name" varchar(128) NOT NULL CHECK (length("config_namespace_name") <= 128), "release_key" varchar(64) NOT NULL CHECK (length("release_key") <= 64), "release_delivered_at" integer NOT NULL, "created_at" integer NOT NULL, "updated_at" integer NOT NULL, FOREIGN KEY ("instance_id") REFERENCES "instances" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT );

CREATE UNIQUE INDEX "uk_instance_configs_instance_ns" ON "instance_configs" ("instance_id", "config_app_id", "config_namespace_name");

CREATE INDEX "idx_instance_configs_config_ns" ON "instance_configs" ("env", "config_app_id", "config_cluster_name", "config_namespace_name", "updated_at");

CREATE INDEX "idx_instance_configs_release_key" ON "instance_configs" ("release_key");

CREATE TABLE "access_keys" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "env" varchar(32) NOT NULL CHECK (length("env") <= 32), "app_id" varchar(128) NOT NULL CHECK (length("app_id") <= 128), "secret" varchar(128) NOT NULL CHECK (length("secret") <= 128), "mode" integer NOT NULL DEFAULT 0, "is_enabled" boolean NOT NULL DEFAULT FALSE, "created_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("created_by") <= 64), "created_at" integer NOT NULL, "updated_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("updated_by") <= 64), "updated_at" integer NOT NULL, "deleted_at" integer NOT NULL DEFAULT 0 );

CREATE INDEX "idx_access_keys_env_app" ON "access_keys" ("env", "app_id", "deleted_at");

CREATE TABLE "audits" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "env" varchar(32) NOT NULL DEFAULT '' CHECK (length("env") <= 32), "app_id" varchar(128) NOT NULL DEFAULT '' CHECK (length("app_id") <= 128), "entity_type" varchar(64) NOT NULL CHECK (length("entity_type") <= 64), "entity_id" varchar(512) NOT NULL DEFAULT '' CHECK (length("entity_id") <= 512), "operation" varchar(64) NOT NULL CHECK (length("operation") <= 64), "detail" text NOT NULL, "created_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("created_by") <= 64), "created_at" integer NOT NULL );

CREATE INDEX "idx_audits_app" ON "audits" ("app_id", "id");

CREATE INDEX "idx_audits_actor" ON "audits" ("created_by", "id");

CREATE INDEX "idx_audits_time" ON "audits" ("created_at");

CREATE TABLE "service_registry" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "service_name" varchar(64) NOT NULL CHECK (length("service_name") <= 64), "instance_id" varchar(128) NOT NULL CHECK (length("instance_id") <= 128), "envs" varchar(512) NOT NULL DEFAULT '' CHECK (length("envs") <= 512), "homepage_url" varchar(512) NOT NULL CHECK (length("homepage_url") <= 512), "created_at" integer NOT NULL, "updated_at" integer NOT NULL );

CREATE UNIQUE INDEX "uk_service_registry_instance" ON "service_registry" ("service_name", "instance_id");

CREATE INDEX "idx_service_registry_heartbeat" ON "service_registry" ("service_name", "updated_at");

CREATE TABLE "users" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "username" varchar(64) NOT NULL CHECK (length("username") <= 64), "display_name" varchar(128) NOT NULL DEFAULT '' CHECK (length("display_name") <= 128), "email" varchar(256) NOT NULL DEFAULT '' CHECK (length("email") <= 256), "password_hash" varchar(256) NOT NULL CHECK (length("password_hash") <= 256), "is_enabled" boolean NOT NULL DEFAULT TRUE, "created_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("created_by") <= 64), "created_at" integer NOT NULL, "updated_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("updated_by") <= 64), "updated_at" integer NOT NULL );

CREATE UNIQUE INDEX "uk_users_username" ON "users" ("username");

CREATE TABLE "user_sessions" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "session_id" varchar(64) NOT NULL CHECK (length("session_id") <= 64), "user_id" integer NOT NULL, "created_at" integer NOT NULL, "expires_at" integer NOT NULL, "revoked_at" integer NOT NULL DEFAULT 0, "ip" varchar(64) NOT NULL DEFAULT '' CHECK (length("ip") <= 64), "user_agent" varchar(256) NOT NULL DEFAULT '' CHECK (length("user_agent") <= 256), FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT );

CREATE UNIQUE INDEX "uk_user_sessions_session_id" ON "user_sessions" ("session_id");

CREATE INDEX "idx_user_sessions_user" ON "user_sessions" ("user_id");

CREATE TABLE "roles" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(512) NOT NULL CHECK (length("name") <= 512), "created_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("created_by") <= 64), "created_at" integer NOT NULL, "updated_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("updated_by") <= 64), "updated_at" integer NOT NULL, "deleted_at" integer NOT NULL DEFAULT 0 );

CREATE UNIQUE INDEX "uk_roles_name" ON "roles" ("name", "deleted_at");

CREATE TABLE "permissions" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "role_id" integer NOT NULL, "permission_type" varchar(64) NOT NULL CHECK (length("permission_type") <= 64), "target_id" varchar(512) NOT NULL CHECK (length("target_id") <= 512), "created_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("created_by") <= 64), "created_at" integer NOT NULL, "updated_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("updated_by") <= 64), "updated_at" integer NOT NULL, "deleted_at" integer NOT NULL DEFAULT 0, FOREIGN KEY ("role_id") REFERENCES "roles" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT );

CREATE UNIQUE INDEX "uk_permissions_role_target" ON "permissions" ("role_id", "permission_type", "target_id", "deleted_at");

CREATE TABLE "role_bindings" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "role_id" integer NOT NULL, "subject_type" varchar(16) NOT NULL CHECK (length("subject_type") <= 16), "subject" varchar(128) NOT NULL CHECK (length("subject") <= 128), "created_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("created_by") <= 64), "created_at" integer NOT NULL, "updated_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("updated_by") <= 64), "updated_at" integer NOT NULL, "deleted_at" integer NOT NULL DEFAULT 0, FOREIGN KEY ("role_id") REFERENCES "roles" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT );

CREATE UNIQUE INDEX "uk_role_bindings_role_subject" ON "role_bindings" ("role_id", "subject_type", "subject", "deleted_at");

CREATE INDEX "idx_role_bindings_subject" ON "role_bindings" ("subject_type", "subject");

CREATE TABLE "consumers" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(128) NOT NULL CHECK (length("name") <= 128), "app_id" varchar(128) NOT NULL DEFAULT '' CHECK (length("app_id") <= 128), "org_id" varchar(64) NOT NULL DEFAULT '' CHECK (length("org_id") <= 64), "org_name" varchar(128) NOT NULL DEFAULT '' CHECK (length("org_name") <= 128), "owner_name" varchar(64) NOT NULL DEFAULT '' CHECK (length("owner_name") <= 64), "owner_email" varchar(256) NOT NULL DEFAULT '' CHECK (length("owner_email") <= 256), "rate_limit" integer NOT NULL DEFAULT 0, "comment" varchar(1024) NOT NULL DEFAULT '' CHECK (length("comment") <= 1024), "created_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("created_by") <= 64), "created_at" integer NOT NULL, "updated_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("updated_by") <= 64), "updated_at" integer NOT NULL, "deleted_at" integer NOT NULL DEFAULT 0 );

CREATE UNIQUE INDEX "uk_consumers_name" ON "consumers" ("name", "deleted_at");

CREATE TABLE "consumer_tokens" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "consumer_id" integer NOT NULL, "token_hash" varchar(64) NOT NULL CHECK (length("token_hash") <= 64), "token_hint" varchar(16) NOT NULL DEFAULT '' CHECK (length("token_hint") <= 16), "expires_at" integer NOT NULL DEFAULT 0, "created_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("created_by") <= 64), "created_at" integer NOT NULL, "updated_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("updated_by") <= 64), "updated_at" integer NOT NULL, "deleted_at" integer NOT NULL DEFAULT 0, FOREIGN KEY ("consumer_id") REFERENCES "consumers" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT );

CREATE UNIQUE INDEX "uk_consumer_tokens_token_hash" ON "consumer_tokens" ("token_hash");

CREATE INDEX "idx_consumer_tokens_consumer" ON "consumer_tokens" ("consumer_id");

CREATE TABLE "release_requests" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "env" varchar(32) NOT NULL CHECK (length("env") <= 32), "app_id" varchar(128) NOT NULL CHECK (length("app_id") <= 128), "cluster_name" varchar(128) NOT NULL CHECK (length("cluster_name") <= 128), "namespace_name" varchar(128) NOT NULL CHECK (length("namespace_name") <= 128), "title" varchar(256) NOT NULL CHECK (length("title") <= 256), "comment" varchar(1024) NOT NULL DEFAULT '' CHECK (length("comment") <= 1024), "status" varchar(16) NOT NULL CHECK (length("status") <= 16), "diff" text NOT NULL, "base_release_id" integer NOT NULL DEFAULT 0, "namespace_revision" integer NOT NULL DEFAULT 0, "published_release_id" integer NOT NULL DEFAULT 0, "approved_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("approved_by") <= 64), "created_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("created_by") <= 64), "created_at" integer NOT NULL, "updated_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("updated_by") <= 64), "updated_at" integer NOT NULL );

CREATE INDEX "idx_release_requests_ns" ON "release_requests" ("env", "app_id", "cluster_name", "namespace_name", "status");

CREATE INDEX "idx_release_requests_author" ON "release_requests" ("created_by", "status");

CREATE INDEX "idx_release_requests_status" ON "release_requests" ("status", "id");

CREATE TABLE "release_request_reviews" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "request_id" integer NOT NULL, "verdict" varchar(16) NOT NULL CHECK (length("verdict") <= 16), "comment" text NOT NULL, "created_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("created_by") <= 64), "created_at" integer NOT NULL, FOREIGN KEY ("request_id") REFERENCES "release_requests" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT );

CREATE INDEX "idx_release_request_reviews_request" ON "release_request_reviews" ("request_id");

CREATE TABLE "favorites" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "user_id" integer NOT NULL, "app_id" varchar(128) NOT NULL CHECK (length("app_id") <= 128), "position" integer NOT NULL DEFAULT 0, "created_at" integer NOT NULL, FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT );

CREATE UNIQUE INDEX "uk_favorites_user_app" ON "favorites" ("user_id", "app_id");

CREATE TABLE "settings" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "scope" varchar(64) NOT NULL DEFAULT '' CHECK (length("scope") <= 64), "name" varchar(128) NOT NULL CHECK (length("name") <= 128), "value" text NOT NULL, "created_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("created_by") <= 64), "created_at" integer NOT NULL, "updated_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("updated_by") <= 64), "updated_at" integer NOT NULL );

CREATE UNIQUE INDEX "uk_settings_scope_name" ON "settings" ("scope", "name");

ALTER TABLE "items" ADD COLUMN "deletes_key" boolean NOT NULL DEFAULT FALSE;

ALTER TABLE "release_requests" ADD COLUMN "branch_name" varchar(128) NOT NULL DEFAULT '';

ALTER TABLE "release_requests" ADD COLUMN "closed_id" integer NOT NULL DEFAULT 0;

CREATE UNIQUE INDEX "uk_release_requests_live" ON "release_requests" ("env", "app_id", "cluster_name", "namespace_name", "branch_name", "closed_id");

ALTER TABLE "users" ADD COLUMN "source" varchar(16) NOT NULL DEFAULT 'local';

ALTER TABLE "role_bindings" ADD COLUMN "origin" varchar(200) NOT NULL DEFAULT '';

CREATE UNIQUE INDEX "uk_role_bindings_role_subject_origin" ON "role_bindings" ("role_id", "subject_type", "subject", "origin", "deleted_at");

DROP INDEX "uk_role_bindings_role_subject";

CREATE TABLE "namespace_schemas" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "app_id" varchar(128) NOT NULL CHECK (length("app_id") <= 128), "namespace_name" varchar(128) NOT NULL CHECK (length("namespace_name") <= 128), "version" integer NOT NULL, "document" text NOT NULL, "created_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("created_by") <= 64), "created_at" integer NOT NULL );

CREATE UNIQUE INDEX "uk_namespace_schemas_version" ON "namespace_schemas" ("app_id", "namespace_name", "version");

CREATE TABLE "namespace_schema_modes" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "env" varchar(32) NOT NULL CHECK (length("env") <= 32), "app_id" varchar(128) NOT NULL CHECK (length("app_id") <= 128), "namespace_name" varchar(128) NOT NULL CHECK (length("namespace_name") <= 128), "mode" varchar(16) NOT NULL CHECK (length("mode") <= 16), "created_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("created_by") <= 64), "created_at" integer NOT NULL, "updated_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("updated_by") <= 64), "updated_at" integer NOT NULL );

CREATE UNIQUE INDEX "uk_namespace_schema_modes_namespace" ON "namespace_schema_modes" ("env", "app_id", "namespace_name");

ALTER TABLE "instance_configs" ADD COLUMN "schema_hash" varchar(64) NOT NULL DEFAULT '';

ALTER TABLE "instance_configs" ADD COLUMN "applied_release_key" varchar(64) NOT NULL DEFAULT '';

ALTER TABLE "instance_configs" ADD COLUMN "apply_status" varchar(16) NOT NULL DEFAULT '';

ALTER TABLE "instance_configs" ADD COLUMN "apply_reason" varchar(1000) NOT NULL DEFAULT '';

ALTER TABLE "instance_configs" ADD COLUMN "applied_at" integer NOT NULL DEFAULT 0;

CREATE TABLE "rollouts" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "env" varchar(32) NOT NULL CHECK (length("env") <= 32), "app_id" varchar(128) NOT NULL CHECK (length("app_id") <= 128), "cluster_name" varchar(128) NOT NULL CHECK (length("cluster_name") <= 128), "namespace_name" varchar(128) NOT NULL CHECK (length("namespace_name") <= 128), "branch_name" varchar(128) NOT NULL CHECK (length("branch_name") <= 128), "steps" varchar(64) NOT NULL CHECK (length("steps") <= 64), "bake_seconds" integer NOT NULL, "max_rejected" integer NOT NULL, "step" integer NOT NULL DEFAULT 0, "state" varchar(16) NOT NULL CHECK (length("state") <= 16), "reason" varchar(1024) NOT NULL DEFAULT '' CHECK (length("reason") <= 1024), "title" varchar(1024) NOT NULL DEFAULT '' CHECK (length("title") <= 1024), "comment" varchar(1024) NOT NULL DEFAULT '' CHECK (length("comment") <= 1024), "base_release_id" integer NOT NULL DEFAULT 0, "start_release_id" integer NOT NULL DEFAULT 0, "step_started_at" integer NOT NULL DEFAULT 0, "paused_at" integer NOT NULL DEFAULT 0, "ended_at" integer NOT NULL DEFAULT 0, "lease_owner" varchar(128) NOT NULL DEFAULT '' CHECK (length("lease_owner") <= 128), "lease_until" integer NOT NULL DEFAULT 0, "created_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("created_by") <= 64), "created_at" integer NOT NULL, "updated_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("updated_by") <= 64), "updated_at" integer NOT NULL );

CREATE INDEX "idx_rollouts_namespace" ON "rollouts" ("env", "app_id", "cluster_name", "namespace_name");

CREATE INDEX "idx_rollouts_state" ON "rollouts" ("state");

CREATE TABLE "events" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "env" varchar(32) NOT NULL CHECK (length("env") <= 32), "app_id" varchar(128) NOT NULL CHECK (length("app_id") <= 128), "cluster_name" varchar(128) NOT NULL DEFAULT '' CHECK (length("cluster_name") <= 128), "namespace_name" varchar(128) NOT NULL DEFAULT '' CHECK (length("namespace_name") <= 128), "kind" varchar(64) NOT NULL CHECK (length("kind") <= 64), "payload" text NOT NULL, "created_at" integer NOT NULL );

CREATE INDEX "idx_events_app" ON "events" ("app_id", "created_at");

CREATE TABLE "webhooks" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "app_id" varchar(128) NOT NULL DEFAULT '' CHECK (length("app_id") <= 128), "url" varchar(2048) NOT NULL CHECK (length("url") <= 2048), "secret" varchar(128) NOT NULL CHECK (length("secret") <= 128), "events" varchar(1024) NOT NULL CHECK (length("events") <= 1024), "description" varchar(1024) NOT NULL DEFAULT '' CHECK (length("description") <= 1024), "enabled" boolean NOT NULL DEFAULT TRUE, "created_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("created_by") <= 64), "created_at" integer NOT NULL, "updated_by" varchar(64) NOT NULL DEFAULT '' CHECK (length("updated_by") <= 64), "updated_at" integer NOT NULL );

CREATE INDEX "idx_webhooks_app" ON "webhooks" ("app_id");

CREATE TABLE "webhook_deliveries" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "webhook_id" integer NOT NULL, "event_id" integer NOT NULL, "stream" varchar(419) NOT NULL CHECK (length("stream") <= 419), "state" varchar(16) NOT NULL CHECK (length("state") <= 16), "attempts" integer NOT NULL DEFAULT 0, "next_attempt_at" integer NOT NULL DEFAULT 0, "last_status" integer NOT NULL DEFAULT 0, "last_duration_ms" integer NOT NULL DEFAULT 0, "last_error" varchar(1024) NOT NULL DEFAULT '' CHECK (length("last_error") <= 1024), "last_attempt_at" integer NOT NULL DEFAULT 0, "lease_owner" varchar(128) NOT NULL DEFAULT '' CHECK (length("lease_owner") <= 128), "lease_until" integer NOT NULL DEFAULT 0, "created_at" integer NOT NULL );

CREATE INDEX "idx_webhook_deliveries_state" ON "webhook_deliveries" ("state", "webhook_id");

CREATE INDEX "idx_webhook_deliveries_webhook" ON "webhook_deliveries" ("webhook_id", "id");

CREATE TABLE "leases" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(64) NOT NULL CHECK (length("name") <= 64), "owner" varchar(128) NOT NULL DEFAULT '' CHECK (length("owner") <= 128), "expires_at" integer NOT NULL DEFAULT 0 );

CREATE UNIQUE INDEX "uk_leases_name" ON "leases" ("name");

ALTER TABLE "webhooks" ADD COLUMN "sealed_secret" varchar(255) NOT NULL DEFAULT '';

ALTER TABLE "users" ADD COLUMN "language" varchar(16) NOT NULL DEFAULT '';

-- Migration bookkeeping: marks the schema above as fully migrated.
CREATE TABLE IF NOT EXISTS "seaql_migrations" ( "version" varchar NOT NULL PRIMARY KEY, "applied_at" integer NOT NULL );
INSERT INTO "seaql_migrations" ("version", "applied_at") VALUES ('m20261121_000001_initial', 0), ('m20261121_000002_branch_deletions', 0), ('m20261121_000003_request_slots', 0), ('m20261206_000004_identity_sources', 0), ('m20261207_000005_namespace_schemas', 0), ('m20261207_000006_instance_schema_hashes', 0), ('m20261207_000007_apply_reports', 0), ('m20261207_000008_rollouts', 0), ('m20261207_000009_webhooks', 0), ('m20261207_000010_leases', 0), ('m20261207_000011_sealed_webhook_secrets', 0), ('m20261208_000012_user_languages', 0);

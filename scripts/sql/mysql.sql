-- Lyre schema for MySQL / MariaDB.
-- Generated from the migrations in store/src/migration; do not edit by hand.
-- Regenerate with: LYRE_UPDATE_DDL=1 cargo test -p lyre-store --test ddl

CREATE TABLE `apps` ( `id` bigint NOT NULL PRIMARY KEY AUTO_INCREMENT, `app_id` varchar(128) NOT NULL, `name` varchar(256) NOT NULL, `org_id` varchar(64) NOT NULL DEFAULT '', `org_name` varchar(128) NOT NULL DEFAULT '', `owner_name` varchar(64) NOT NULL DEFAULT '', `owner_email` varchar(256) NOT NULL DEFAULT '', `created_by` varchar(64) NOT NULL DEFAULT '', `created_at` bigint NOT NULL, `updated_by` varchar(64) NOT NULL DEFAULT '', `updated_at` bigint NOT NULL, `deleted_at` bigint NOT NULL DEFAULT 0 ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE UNIQUE INDEX `uk_apps_app_id` ON `apps` (`app_id`, `deleted_at`);

CREATE TABLE `app_namespaces` ( `id` bigint NOT NULL PRIMARY KEY AUTO_INCREMENT, `app_id` varchar(128) NOT NULL, `name` varchar(128) NOT NULL, `format` varchar(16) NOT NULL, `is_public` bool NOT NULL DEFAULT FALSE, `public_name` varchar(128) NULL, `comment` varchar(1024) NOT NULL DEFAULT '', `created_by` varchar(64) NOT NULL DEFAULT '', `created_at` bigint NOT NULL, `updated_by` varchar(64) NOT NULL DEFAULT '', `updated_at` bigint NOT NULL, `deleted_at` bigint NOT NULL DEFAULT 0 ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE UNIQUE INDEX `uk_app_namespaces_app_name` ON `app_namespaces` (`app_id`, `name`, `deleted_at`);

CREATE UNIQUE INDEX `uk_app_namespaces_public_name` ON `app_namespaces` (`public_name`, `deleted_at`);

CREATE INDEX `idx_app_namespaces_name` ON `app_namespaces` (`name`);

CREATE TABLE `clusters` ( `id` bigint NOT NULL PRIMARY KEY AUTO_INCREMENT, `env` varchar(32) NOT NULL, `app_id` varchar(128) NOT NULL, `name` varchar(128) NOT NULL, `parent_cluster_id` bigint NOT NULL DEFAULT 0, `comment` varchar(1024) NOT NULL DEFAULT '', `created_by` varchar(64) NOT NULL DEFAULT '', `created_at` bigint NOT NULL, `updated_by` varchar(64) NOT NULL DEFAULT '', `updated_at` bigint NOT NULL, `deleted_at` bigint NOT NULL DEFAULT 0 ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE UNIQUE INDEX `uk_clusters_env_app_name` ON `clusters` (`env`, `app_id`, `name`, `deleted_at`);

CREATE INDEX `idx_clusters_parent` ON `clusters` (`env`, `app_id`, `parent_cluster_id`);

CREATE TABLE `namespaces` ( `id` bigint NOT NULL PRIMARY KEY AUTO_INCREMENT, `env` varchar(32) NOT NULL, `app_id` varchar(128) NOT NULL, `cluster_name` varchar(128) NOT NULL, `namespace_name` varchar(128) NOT NULL, `revision` bigint NOT NULL DEFAULT 0, `created_by` varchar(64) NOT NULL DEFAULT '', `created_at` bigint NOT NULL, `updated_by` varchar(64) NOT NULL DEFAULT '', `updated_at` bigint NOT NULL, `deleted_at` bigint NOT NULL DEFAULT 0 ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE UNIQUE INDEX `uk_namespaces_env_app_cluster_ns` ON `namespaces` (`env`, `app_id`, `cluster_name`, `namespace_name`, `deleted_at`);

CREATE INDEX `idx_namespaces_env_ns` ON `namespaces` (`env`, `namespace_name`);

CREATE TABLE `items` ( `id` bigint NOT NULL PRIMARY KEY AUTO_INCREMENT, `namespace_id` bigint NOT NULL, `key` varchar(512) NOT NULL, `value` longtext NOT NULL, `comment` longtext NOT NULL, `line_num` int NOT NULL DEFAULT 0, `version` bigint NOT NULL, `created_by` varchar(64) NOT NULL DEFAULT '', `created_at` bigint NOT NULL, `updated_by` varchar(64) NOT NULL DEFAULT '', `updated_at` bigint NOT NULL, `deleted_at` bigint NOT NULL DEFAULT 0, CONSTRAINT `fk_items_namespace_id` FOREIGN KEY (`namespace_id`) REFERENCES `namespaces` (`id`) ON DELETE RESTRICT ON UPDATE RESTRICT ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE UNIQUE INDEX `uk_items_ns_key` ON `items` (`namespace_id`, `key`, `deleted_at`);

CREATE INDEX `idx_items_ns_line` ON `items` (`namespace_id`, `deleted_at`, `line_num`);

CREATE TABLE `commits` ( `id` bigint NOT NULL PRIMARY KEY AUTO_INCREMENT, `env` varchar(32) NOT NULL, `app_id` varchar(128) NOT NULL, `cluster_name` varchar(128) NOT NULL, `namespace_name` varchar(128) NOT NULL, `change_sets` longtext NOT NULL, `comment` varchar(1024) NOT NULL DEFAULT '', `created_by` varchar(64) NOT NULL DEFAULT '', `created_at` bigint NOT NULL, `updated_by` varchar(64) NOT NULL DEFAULT '', `updated_at` bigint NOT NULL, `deleted_at` bigint NOT NULL DEFAULT 0 ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE INDEX `idx_commits_ns` ON `commits` (`env`, `app_id`, `cluster_name`, `namespace_name`, `id`);

CREATE TABLE `releases` ( `id` bigint NOT NULL PRIMARY KEY AUTO_INCREMENT, `env` varchar(32) NOT NULL, `release_key` varchar(64) NOT NULL, `name` varchar(256) NOT NULL, `comment` varchar(1024) NOT NULL DEFAULT '', `app_id` varchar(128) NOT NULL, `cluster_name` varchar(128) NOT NULL, `namespace_name` varchar(128) NOT NULL, `configurations` longtext NOT NULL, `is_abandoned` bool NOT NULL DEFAULT FALSE, `created_by` varchar(64) NOT NULL DEFAULT '', `created_at` bigint NOT NULL, `updated_by` varchar(64) NOT NULL DEFAULT '', `updated_at` bigint NOT NULL, `deleted_at` bigint NOT NULL DEFAULT 0 ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE UNIQUE INDEX `uk_releases_release_key` ON `releases` (`release_key`);

CREATE INDEX `idx_releases_ns` ON `releases` (`env`, `app_id`, `cluster_name`, `namespace_name`, `id`);

CREATE TABLE `release_histories` ( `id` bigint NOT NULL PRIMARY KEY AUTO_INCREMENT, `env` varchar(32) NOT NULL, `app_id` varchar(128) NOT NULL, `cluster_name` varchar(128) NOT NULL, `namespace_name` varchar(128) NOT NULL, `branch_name` varchar(128) NOT NULL, `release_id` bigint NOT NULL DEFAULT 0, `previous_release_id` bigint NOT NULL DEFAULT 0, `operation` int NOT NULL DEFAULT 0, `operation_context` longtext NOT NULL, `created_by` varchar(64) NOT NULL DEFAULT '', `created_at` bigint NOT NULL, `updated_by` varchar(64) NOT NULL DEFAULT '', `updated_at` bigint NOT NULL, `deleted_at` bigint NOT NULL DEFAULT 0 ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE INDEX `idx_release_histories_ns` ON `release_histories` (`env`, `app_id`, `cluster_name`, `namespace_name`, `branch_name`, `id`);

CREATE INDEX `idx_release_histories_release` ON `release_histories` (`release_id`);

CREATE INDEX `idx_release_histories_previous_release` ON `release_histories` (`previous_release_id`);

CREATE TABLE `release_messages` ( `id` bigint NOT NULL PRIMARY KEY AUTO_INCREMENT, `env` varchar(32) NOT NULL, `message` varchar(512) NOT NULL, `created_at` bigint NOT NULL ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE INDEX `idx_release_messages_env_message` ON `release_messages` (`env`, `message`, `id`);

CREATE TABLE `gray_rules` ( `id` bigint NOT NULL PRIMARY KEY AUTO_INCREMENT, `env` varchar(32) NOT NULL, `app_id` varchar(128) NOT NULL, `cluster_name` varchar(128) NOT NULL, `namespace_name` varchar(128) NOT NULL, `branch_name` varchar(128) NOT NULL, `rules` longtext NOT NULL, `release_id` bigint NOT NULL DEFAULT 0, `branch_status` int NOT NULL DEFAULT 0, `created_by` varchar(64) NOT NULL DEFAULT '', `created_at` bigint NOT NULL, `updated_by` varchar(64) NOT NULL DEFAULT '', `updated_at` bigint NOT NULL, `deleted_at` bigint NOT NULL DEFAULT 0 ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE INDEX `idx_gray_rules_ns` ON `gray_rules` (`env`, `app_id`, `cluster_name`, `namespace_name`, `deleted_at`);

CREATE TABLE `namespace_locks` ( `id` bigint NOT NULL PRIMARY KEY AUTO_INCREMENT, `namespace_id` bigint NOT NULL, `created_by` varchar(64) NOT NULL DEFAULT '', `created_at` bigint NOT NULL, `updated_by` varchar(64) NOT NULL DEFAULT '', `updated_at` bigint NOT NULL, CONSTRAINT `fk_namespace_locks_namespace_id` FOREIGN KEY (`namespace_id`) REFERENCES `namespaces` (`id`) ON DELETE RESTRICT ON UPDATE RESTRICT ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE UNIQUE INDEX `uk_namespace_locks_namespace` ON `namespace_locks` (`namespace_id`);

CREATE TABLE `instances` ( `id` bigint NOT NULL PRIMARY KEY AUTO_INCREMENT, `env` varchar(32) NOT NULL, `app_id` varchar(128) NOT NULL, `cluster_name` varchar(128) NOT NULL, `data_center` varchar(128) NOT NULL DEFAULT '', `ip` varchar(64) NOT NULL, `label` varchar(128) NOT NULL DEFAULT '', `created_at` bigint NOT NULL, `updated_at` bigint NOT NULL ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE UNIQUE INDEX `uk_instances_identity` ON `instances` (`env`, `app_id`, `cluster_name`, `data_center`, `ip`);

CREATE TABLE `instance_configs` ( `id` bigint NOT NULL PRIMARY KEY AUTO_INCREMENT, `instance_id` bigint NOT NULL, `env` varchar(32) NOT NULL, `config_app_id` varchar(128) NOT NULL, `config_cluster_name` varchar(128) NOT NULL, `config_namespace_name` varchar(128) NOT NULL, `release_key` varchar(64) NOT NULL, `release_delivered_at` bigint NOT NULL, `created_at` bigint NOT NULL, `updated_at` bigint NOT NULL, CONSTRAINT `fk_instance_configs_instance_id` FOREIGN KEY (`instance_id`) REFERENCES `instances` (`id`) ON DELETE RESTRICT ON UPDATE RESTRICT ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE UNIQUE INDEX `uk_instance_configs_instance_ns` ON `instance_configs` (`instance_id`, `config_app_id`, `config_namespace_name`);

CREATE INDEX `idx_instance_configs_config_ns` ON `instance_configs` (`env`, `config_app_id`, `config_cluster_name`, `config_namespace_name`, `updated_at`);

CREATE INDEX `idx_instance_configs_release_key` ON `instance_configs` (`release_key`);

CREATE TABLE `access_keys` ( `id` bigint NOT NULL PRIMARY KEY AUTO_INCREMENT, `env` varchar(32) NOT NULL, `app_id` varchar(128) NOT NULL, `secret` varchar(128) NOT NULL, `mode` int NOT NULL DEFAULT 0, `is_enabled` bool NOT NULL DEFAULT FALSE, `created_by` varchar(64) NOT NULL DEFAULT '', `created_at` bigint NOT NULL, `updated_by` varchar(64) NOT NULL DEFAULT '', `updated_at` bigint NOT NULL, `deleted_at` bigint NOT NULL DEFAULT 0 ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE INDEX `idx_access_keys_env_app` ON `access_keys` (`env`, `app_id`, `deleted_at`);

CREATE TABLE `audits` ( `id` bigint NOT NULL PRIMARY KEY AUTO_INCREMENT, `env` varchar(32) NOT NULL DEFAULT '', `app_id` varchar(128) NOT NULL DEFAULT '', `entity_type` varchar(64) NOT NULL, `entity_id` varchar(512) NOT NULL DEFAULT '', `operation` varchar(64) NOT NULL, `detail` longtext NOT NULL, `created_by` varchar(64) NOT NULL DEFAULT '', `created_at` bigint NOT NULL ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE INDEX `idx_audits_app` ON `audits` (`app_id`, `id`);

CREATE INDEX `idx_audits_actor` ON `audits` (`created_by`, `id`);

CREATE INDEX `idx_audits_time` ON `audits` (`created_at`);

CREATE TABLE `service_registry` ( `id` bigint NOT NULL PRIMARY KEY AUTO_INCREMENT, `service_name` varchar(64) NOT NULL, `instance_id` varchar(128) NOT NULL, `envs` varchar(512) NOT NULL DEFAULT '', `homepage_url` varchar(512) NOT NULL, `created_at` bigint NOT NULL, `updated_at` bigint NOT NULL ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE UNIQUE INDEX `uk_service_registry_instance` ON `service_registry` (`service_name`, `instance_id`);

CREATE INDEX `idx_service_registry_heartbeat` ON `service_registry` (`service_name`, `updated_at`);

CREATE TABLE `users` ( `id` bigint NOT NULL PRIMARY KEY AUTO_INCREMENT, `username` varchar(64) NOT NULL, `display_name` varchar(128) NOT NULL DEFAULT '', `email` varchar(256) NOT NULL DEFAULT '', `password_hash` varchar(256) NOT NULL, `is_enabled` bool NOT NULL DEFAULT TRUE, `created_by` varchar(64) NOT NULL DEFAULT '', `created_at` bigint NOT NULL, `updated_by` varchar(64) NOT NULL DEFAULT '', `updated_at` bigint NOT NULL ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE UNIQUE INDEX `uk_users_username` ON `users` (`username`);

CREATE TABLE `user_sessions` ( `id` bigint NOT NULL PRIMARY KEY AUTO_INCREMENT, `session_id` varchar(64) NOT NULL, `user_id` bigint NOT NULL, `created_at` bigint NOT NULL, `expires_at` bigint NOT NULL, `revoked_at` bigint NOT NULL DEFAULT 0, `ip` varchar(64) NOT NULL DEFAULT '', `user_agent` varchar(256) NOT NULL DEFAULT '', CONSTRAINT `fk_user_sessions_user_id` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE RESTRICT ON UPDATE RESTRICT ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE UNIQUE INDEX `uk_user_sessions_session_id` ON `user_sessions` (`session_id`);

CREATE INDEX `idx_user_sessions_user` ON `user_sessions` (`user_id`);

CREATE TABLE `roles` ( `id` bigint NOT NULL PRIMARY KEY AUTO_INCREMENT, `name` varchar(512) NOT NULL, `created_by` varchar(64) NOT NULL DEFAULT '', `created_at` bigint NOT NULL, `updated_by` varchar(64) NOT NULL DEFAULT '', `updated_at` bigint NOT NULL, `deleted_at` bigint NOT NULL DEFAULT 0 ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE UNIQUE INDEX `uk_roles_name` ON `roles` (`name`, `deleted_at`);

CREATE TABLE `permissions` ( `id` bigint NOT NULL PRIMARY KEY AUTO_INCREMENT, `role_id` bigint NOT NULL, `permission_type` varchar(64) NOT NULL, `target_id` varchar(512) NOT NULL, `created_by` varchar(64) NOT NULL DEFAULT '', `created_at` bigint NOT NULL, `updated_by` varchar(64) NOT NULL DEFAULT '', `updated_at` bigint NOT NULL, `deleted_at` bigint NOT NULL DEFAULT 0, CONSTRAINT `fk_permissions_role_id` FOREIGN KEY (`role_id`) REFERENCES `roles` (`id`) ON DELETE RESTRICT ON UPDATE RESTRICT ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE UNIQUE INDEX `uk_permissions_role_target` ON `permissions` (`role_id`, `permission_type`, `target_id`, `deleted_at`);

CREATE TABLE `role_bindings` ( `id` bigint NOT NULL PRIMARY KEY AUTO_INCREMENT, `role_id` bigint NOT NULL, `subject_type` varchar(16) NOT NULL, `subject` varchar(128) NOT NULL, `created_by` varchar(64) NOT NULL DEFAULT '', `created_at` bigint NOT NULL, `updated_by` varchar(64) NOT NULL DEFAULT '', `updated_at` bigint NOT NULL, `deleted_at` bigint NOT NULL DEFAULT 0, CONSTRAINT `fk_role_bindings_role_id` FOREIGN KEY (`role_id`) REFERENCES `roles` (`id`) ON DELETE RESTRICT ON UPDATE RESTRICT ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE UNIQUE INDEX `uk_role_bindings_role_subject` ON `role_bindings` (`role_id`, `subject_type`, `subject`, `deleted_at`);

CREATE INDEX `idx_role_bindings_subject` ON `role_bindings` (`subject_type`, `subject`);

CREATE TABLE `consumers` ( `id` bigint NOT NULL PRIMARY KEY AUTO_INCREMENT, `name` varchar(128) NOT NULL, `app_id` varchar(128) NOT NULL DEFAULT '', `org_id` varchar(64) NOT NULL DEFAULT '', `org_name` varchar(128) NOT NULL DEFAULT '', `owner_name` varchar(64) NOT NULL DEFAULT '', `owner_email` varchar(256) NOT NULL DEFAULT '', `rate_limit` int NOT NULL DEFAULT 0, `comment` varchar(1024) NOT NULL DEFAULT '', `created_by` varchar(64) NOT NULL DEFAULT '', `created_at` bigint NOT NULL, `updated_by` varchar(64) NOT NULL DEFAULT '', `updated_at` bigint NOT NULL, `deleted_at` bigint NOT NULL DEFAULT 0 ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE UNIQUE INDEX `uk_consumers_name` ON `consumers` (`name`, `deleted_at`);

CREATE TABLE `consumer_tokens` ( `id` bigint NOT NULL PRIMARY KEY AUTO_INCREMENT, `consumer_id` bigint NOT NULL, `token_hash` varchar(64) NOT NULL, `token_hint` varchar(16) NOT NULL DEFAULT '', `expires_at` bigint NOT NULL DEFAULT 0, `created_by` varchar(64) NOT NULL DEFAULT '', `created_at` bigint NOT NULL, `updated_by` varchar(64) NOT NULL DEFAULT '', `updated_at` bigint NOT NULL, `deleted_at` bigint NOT NULL DEFAULT 0, CONSTRAINT `fk_consumer_tokens_consumer_id` FOREIGN KEY (`consumer_id`) REFERENCES `consumers` (`id`) ON DELETE RESTRICT ON UPDATE RESTRICT ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE UNIQUE INDEX `uk_consumer_tokens_token_hash` ON `consumer_tokens` (`token_hash`);

CREATE INDEX `idx_consumer_tokens_consumer` ON `consumer_tokens` (`consumer_id`);

CREATE TABLE `release_requests` ( `id` bigint NOT NULL PRIMARY KEY AUTO_INCREMENT, `env` varchar(32) NOT NULL, `app_id` varchar(128) NOT NULL, `cluster_name` varchar(128) NOT NULL, `namespace_name` varchar(128) NOT NULL, `title` varchar(256) NOT NULL, `comment` varchar(1024) NOT NULL DEFAULT '', `status` varchar(16) NOT NULL, `diff` longtext NOT NULL, `base_release_id` bigint NOT NULL DEFAULT 0, `namespace_revision` bigint NOT NULL DEFAULT 0, `published_release_id` bigint NOT NULL DEFAULT 0, `approved_by` varchar(64) NOT NULL DEFAULT '', `created_by` varchar(64) NOT NULL DEFAULT '', `created_at` bigint NOT NULL, `updated_by` varchar(64) NOT NULL DEFAULT '', `updated_at` bigint NOT NULL ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE INDEX `idx_release_requests_ns` ON `release_requests` (`env`, `app_id`, `cluster_name`, `namespace_name`, `status`);

CREATE INDEX `idx_release_requests_author` ON `release_requests` (`created_by`, `status`);

CREATE INDEX `idx_release_requests_status` ON `release_requests` (`status`, `id`);

CREATE TABLE `release_request_reviews` ( `id` bigint NOT NULL PRIMARY KEY AUTO_INCREMENT, `request_id` bigint NOT NULL, `verdict` varchar(16) NOT NULL, `comment` longtext NOT NULL, `created_by` varchar(64) NOT NULL DEFAULT '', `created_at` bigint NOT NULL, CONSTRAINT `fk_release_request_reviews_request_id` FOREIGN KEY (`request_id`) REFERENCES `release_requests` (`id`) ON DELETE RESTRICT ON UPDATE RESTRICT ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE INDEX `idx_release_request_reviews_request` ON `release_request_reviews` (`request_id`);

CREATE TABLE `favorites` ( `id` bigint NOT NULL PRIMARY KEY AUTO_INCREMENT, `user_id` bigint NOT NULL, `app_id` varchar(128) NOT NULL, `position` int NOT NULL DEFAULT 0, `created_at` bigint NOT NULL, CONSTRAINT `fk_favorites_user_id` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE RESTRICT ON UPDATE RESTRICT ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE UNIQUE INDEX `uk_favorites_user_app` ON `favorites` (`user_id`, `app_id`);

CREATE TABLE `settings` ( `id` bigint NOT NULL PRIMARY KEY AUTO_INCREMENT, `scope` varchar(64) NOT NULL DEFAULT '', `name` varchar(128) NOT NULL, `value` longtext NOT NULL, `created_by` varchar(64) NOT NULL DEFAULT '', `created_at` bigint NOT NULL, `updated_by` varchar(64) NOT NULL DEFAULT '', `updated_at` bigint NOT NULL ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE UNIQUE INDEX `uk_settings_scope_name` ON `settings` (`scope`, `name`);

ALTER TABLE `items` ADD COLUMN `deletes_key` bool NOT NULL DEFAULT FALSE;

ALTER TABLE `release_requests` ADD COLUMN `branch_name` varchar(128) NOT NULL DEFAULT '';

ALTER TABLE `release_requests` ADD COLUMN `closed_id` bigint NOT NULL DEFAULT 0;

CREATE UNIQUE INDEX `uk_release_requests_live` ON `release_requests` (`env`, `app_id`, `cluster_name`, `namespace_name`, `branch_name`, `closed_id`);

ALTER TABLE `users` ADD COLUMN `source` varchar(16) NOT NULL DEFAULT 'local';

ALTER TABLE `role_bindings` ADD COLUMN `origin` varchar(200) NOT NULL DEFAULT '';

CREATE UNIQUE INDEX `uk_role_bindings_role_subject_origin` ON `role_bindings` (`role_id`, `subject_type`, `subject`, `origin`, `deleted_at`);

DROP INDEX `uk_role_bindings_role_subject` ON `role_bindings`;

CREATE TABLE `namespace_schemas` ( `id` bigint NOT NULL PRIMARY KEY AUTO_INCREMENT, `app_id` varchar(128) NOT NULL, `namespace_name` varchar(128) NOT NULL, `version` bigint NOT NULL, `document` longtext NOT NULL, `created_by` varchar(64) NOT NULL DEFAULT '', `created_at` bigint NOT NULL ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE UNIQUE INDEX `uk_namespace_schemas_version` ON `namespace_schemas` (`app_id`, `namespace_name`, `version`);

CREATE TABLE `namespace_schema_modes` ( `id` bigint NOT NULL PRIMARY KEY AUTO_INCREMENT, `env` varchar(32) NOT NULL, `app_id` varchar(128) NOT NULL, `namespace_name` varchar(128) NOT NULL, `mode` varchar(16) NOT NULL, `created_by` varchar(64) NOT NULL DEFAULT '', `created_at` bigint NOT NULL, `updated_by` varchar(64) NOT NULL DEFAULT '', `updated_at` bigint NOT NULL ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE UNIQUE INDEX `uk_namespace_schema_modes_namespace` ON `namespace_schema_modes` (`env`, `app_id`, `namespace_name`);

ALTER TABLE `instance_configs` ADD COLUMN `schema_hash` varchar(64) NOT NULL DEFAULT '';

ALTER TABLE `instance_configs` ADD COLUMN `applied_release_key` varchar(64) NOT NULL DEFAULT '';

ALTER TABLE `instance_configs` ADD COLUMN `apply_status` varchar(16) NOT NULL DEFAULT '';

ALTER TABLE `instance_configs` ADD COLUMN `apply_reason` varchar(1000) NOT NULL DEFAULT '';

ALTER TABLE `instance_configs` ADD COLUMN `applied_at` bigint NOT NULL DEFAULT 0;

CREATE TABLE `rollouts` ( `id` bigint NOT NULL PRIMARY KEY AUTO_INCREMENT, `env` varchar(32) NOT NULL, `app_id` varchar(128) NOT NULL, `cluster_name` varchar(128) NOT NULL, `namespace_name` varchar(128) NOT NULL, `branch_name` varchar(128) NOT NULL, `steps` varchar(64) NOT NULL, `bake_seconds` bigint NOT NULL, `max_rejected` bigint NOT NULL, `step` int NOT NULL DEFAULT 0, `state` varchar(16) NOT NULL, `reason` varchar(1024) NOT NULL DEFAULT '', `title` varchar(1024) NOT NULL DEFAULT '', `comment` varchar(1024) NOT NULL DEFAULT '', `base_release_id` bigint NOT NULL DEFAULT 0, `start_release_id` bigint NOT NULL DEFAULT 0, `step_started_at` bigint NOT NULL DEFAULT 0, `paused_at` bigint NOT NULL DEFAULT 0, `ended_at` bigint NOT NULL DEFAULT 0, `lease_owner` varchar(128) NOT NULL DEFAULT '', `lease_until` bigint NOT NULL DEFAULT 0, `created_by` varchar(64) NOT NULL DEFAULT '', `created_at` bigint NOT NULL, `updated_by` varchar(64) NOT NULL DEFAULT '', `updated_at` bigint NOT NULL ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE INDEX `idx_rollouts_namespace` ON `rollouts` (`env`, `app_id`, `cluster_name`, `namespace_name`);

CREATE INDEX `idx_rollouts_state` ON `rollouts` (`state`);

CREATE TABLE `events` ( `id` bigint NOT NULL PRIMARY KEY AUTO_INCREMENT, `env` varchar(32) NOT NULL, `app_id` varchar(128) NOT NULL, `cluster_name` varchar(128) NOT NULL DEFAULT '', `namespace_name` varchar(128) NOT NULL DEFAULT '', `kind` varchar(64) NOT NULL, `payload` longtext NOT NULL, `created_at` bigint NOT NULL ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE INDEX `idx_events_app` ON `events` (`app_id`, `created_at`);

CREATE TABLE `webhooks` ( `id` bigint NOT NULL PRIMARY KEY AUTO_INCREMENT, `app_id` varchar(128) NOT NULL DEFAULT '', `url` varchar(2048) NOT NULL, `secret` varchar(128) NOT NULL, `events` varchar(1024) NOT NULL, `description` varchar(1024) NOT NULL DEFAULT '', `enabled` bool NOT NULL DEFAULT TRUE, `created_by` varchar(64) NOT NULL DEFAULT '', `created_at` bigint NOT NULL, `updated_by` varchar(64) NOT NULL DEFAULT '', `updated_at` bigint NOT NULL ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE INDEX `idx_webhooks_app` ON `webhooks` (`app_id`);

CREATE TABLE `webhook_deliveries` ( `id` bigint NOT NULL PRIMARY KEY AUTO_INCREMENT, `webhook_id` bigint NOT NULL, `event_id` bigint NOT NULL, `stream` varchar(419) NOT NULL, `state` varchar(16) NOT NULL, `attempts` int NOT NULL DEFAULT 0, `next_attempt_at` bigint NOT NULL DEFAULT 0, `last_status` int NOT NULL DEFAULT 0, `last_duration_ms` bigint NOT NULL DEFAULT 0, `last_error` varchar(1024) NOT NULL DEFAULT '', `last_attempt_at` bigint NOT NULL DEFAULT 0, `lease_owner` varchar(128) NOT NULL DEFAULT '', `lease_until` bigint NOT NULL DEFAULT 0, `created_at` bigint NOT NULL ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE INDEX `idx_webhook_deliveries_state` ON `webhook_deliveries` (`state`, `webhook_id`);

CREATE INDEX `idx_webhook_deliveries_webhook` ON `webhook_deliveries` (`webhook_id`, `id`);

CREATE TABLE `leases` ( `id` bigint NOT NULL PRIMARY KEY AUTO_INCREMENT, `name` varchar(64) NOT NULL, `owner` varchar(128) NOT NULL DEFAULT '', `expires_at` bigint NOT NULL DEFAULT 0 ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE UNIQUE INDEX `uk_leases_name` ON `leases` (`name`);

ALTER TABLE `webhooks` ADD COLUMN `sealed_secret` varchar(255) NOT NULL DEFAULT '';

ALTER TABLE `users` ADD COLUMN `language` varchar(16) NOT NULL DEFAULT '';

-- Migration bookkeeping: marks the schema above as fully migrated.
CREATE TABLE IF NOT EXISTS `seaql_migrations` ( `version` varchar(255) NOT NULL PRIMARY KEY, `applied_at` bigint NOT NULL );
INSERT INTO `seaql_migrations` (`version`, `applied_at`) VALUES ('m20261121_000001_initial', 0), ('m20261121_000002_branch_deletions', 0), ('m20261121_000003_request_slots', 0), ('m20261206_000004_identity_sources', 0), ('m20261207_000005_namespace_schemas', 0), ('m20261207_000006_instance_schema_hashes', 0), ('m20261207_000007_apply_reports', 0), ('m20261207_000008_rollouts', 0), ('m20261207_000009_webhooks', 0), ('m20261207_000010_leases', 0), ('m20261207_000011_sealed_webhook_secrets', 0), ('m20261208_000012_user_languages', 0);

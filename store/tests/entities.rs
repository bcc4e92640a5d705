//! Every entity round-trips on every backend with values at the edges of its columns, and the
//! schema's keys hold: unique keys with soft delete, foreign keys, lengths, case sensitivity.

use lyre_store::entity::*;
use lyre_store::sea_orm::{
    ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter, Set,
};
use lyre_store::{db_test, is_foreign_key_violation, is_unique_violation};

/// `n` characters, half of them outside ASCII, so lengths are counted in characters.
fn chars(n: usize) -> String {
    "aé".chars().cycle().take(n).collect()
}

/// A time far from zero that still fits every backend: 2100-01-01 in epoch milliseconds.
const LATE: i64 = 4_102_444_800_000;

/// Inserts the active model, reads the row back, checks it equals what was inserted, then
/// changes it through `$change`, saves and reads it back again.
macro_rules! roundtrip {
    ($db:expr, $module:ident, $model:expr, |$m:ident| $change:expr) => {{
        let inserted = $model
            .insert($db)
            .await
            .expect(concat!("insert ", stringify!($module)));
        let found = $module::Entity::find_by_id(inserted.id)
            .one($db)
            .await
            .expect(concat!("select ", stringify!($module)));
        assert_eq!(found.as_ref(), Some(&inserted), stringify!($module));
        let mut $m = inserted.clone().into_active_model();
        $change;
        let updated = $m
            .update($db)
            .await
            .expect(concat!("update ", stringify!($module)));
        assert_ne!(updated, inserted, concat!(stringify!($module), " changed"));
        let found = $module::Entity::find_by_id(inserted.id)
            .one($db)
            .await
            .unwrap();
        assert_eq!(found, Some(updated), stringify!($module));
        inserted
    }};
}

fn new_app(app_id: &str) -> app::ActiveModel {
    app::ActiveModel {
        app_id: Set(app_id.into()),
        name: Set(format!("{app_id} service")),
        created_at: Set(1),
        updated_at: Set(1),
        ..Default::default()
    }
}

fn new_namespace(app_id: &str, name: &str) -> namespace::ActiveModel {
    namespace::ActiveModel {
        env: Set("DEV".into()),
        app_id: Set(app_id.into()),
        cluster_name: Set("default".into()),
        namespace_name: Set(name.into()),
        created_at: Set(1),
        updated_at: Set(1),
        ..Default::default()
    }
}

fn new_item(namespace_id: i64, key: &str) -> item::ActiveModel {
    item::ActiveModel {
        namespace_id: Set(namespace_id),
        key: Set(key.into()),
        value: Set("v".into()),
        comment: Set(String::new()),
        version: Set(1),
        created_at: Set(1),
        updated_at: Set(1),
        ..Default::default()
    }
}

fn new_user(username: &str) -> user::ActiveModel {
    user::ActiveModel {
        username: Set(username.into()),
        password_hash: Set("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into()),
        created_at: Set(1),
        updated_at: Set(1),
        ..Default::default()
    }
}

fn new_role(name: &str) -> role::ActiveModel {
    role::ActiveModel {
        name: Set(name.into()),
        created_at: Set(1),
        updated_at: Set(1),
        ..Default::default()
    }
}

fn new_consumer(name: &str) -> consumer::ActiveModel {
    consumer::ActiveModel {
        name: Set(name.into()),
        created_at: Set(1),
        updated_at: Set(1),
        ..Default::default()
    }
}

fn expect_unique_violation<T: std::fmt::Debug>(result: Result<T, DbErr>, what: &str) {
    match result {
        Err(e) => assert!(
            is_unique_violation(&e),
            "{what}: expected a unique violation, got {e}"
        ),
        Ok(v) => panic!("{what}: expected a unique violation, got {v:?}"),
    }
}

db_test!(async fn configuration_entities_round_trip(t) {
    let db = &t.db;
    let audit_by = chars(64);
    roundtrip!(db, app, app::ActiveModel {
        app_id: Set(chars(128)),
        name: Set(chars(256)),
        org_id: Set(chars(64)),
        org_name: Set(chars(128)),
        owner_name: Set(chars(64)),
        owner_email: Set(chars(256)),
        created_by: Set(audit_by.clone()),
        created_at: Set(LATE),
        updated_by: Set(audit_by.clone()),
        updated_at: Set(LATE + 1),
        ..Default::default()
    }, |m| m.name = Set("renamed".into()));
    roundtrip!(db, app_namespace, app_namespace::ActiveModel {
        app_id: Set("app1".into()),
        name: Set(chars(128)),
        format: Set("yaml".into()),
        is_public: Set(true),
        public_name: Set(Some(chars(128))),
        comment: Set(chars(1024)),
        created_at: Set(LATE),
        updated_at: Set(LATE),
        ..Default::default()
    }, |m| m.is_public = Set(false));
    roundtrip!(db, cluster, cluster::ActiveModel {
        env: Set(chars(32)),
        app_id: Set("app1".into()),
        name: Set(chars(128)),
        parent_cluster_id: Set(i64::MAX),
        comment: Set("gray branch".into()),
        created_at: Set(LATE),
        updated_at: Set(LATE),
        ..Default::default()
    }, |m| m.comment = Set(String::new()));
    let ns = roundtrip!(db, namespace, new_namespace("app1", "application"),
        |m| m.revision = Set(7));
    // Longer than MySQL's 64 KiB TEXT: values and snapshots are unbounded.
    let big = chars(100_000);
    roundtrip!(db, item, item::ActiveModel {
        namespace_id: Set(ns.id),
        key: Set(chars(512)),
        value: Set(big.clone()),
        comment: Set("line one\nline two".into()),
        line_num: Set(i32::MAX),
        version: Set(1),
        created_by: Set("alice".into()),
        created_at: Set(LATE),
        updated_by: Set("bob".into()),
        updated_at: Set(LATE),
        ..Default::default()
    }, |m| m.version = Set(2));
    roundtrip!(db, commit, commit::ActiveModel {
        env: Set("DEV".into()),
        app_id: Set("app1".into()),
        cluster_name: Set("default".into()),
        namespace_name: Set("application".into()),
        change_sets: Set(format!(r#"{{"createItems":[{{"key":"k","value":"{big}"}}]}}"#)),
        comment: Set("first".into()),
        created_at: Set(LATE),
        updated_at: Set(LATE),
        ..Default::default()
    }, |m| m.deleted_at = Set(LATE));
    roundtrip!(db, namespace_lock, namespace_lock::ActiveModel {
        namespace_id: Set(ns.id),
        created_by: Set("alice".into()),
        created_at: Set(LATE),
        updated_at: Set(LATE),
        ..Default::default()
    }, |m| m.updated_at = Set(LATE + 5));
});

db_test!(async fn release_entities_round_trip(t) {
    let db = &t.db;
    let snapshot = format!(r#"{{"content":"{}"}}"#, chars(200_000));
    let release = roundtrip!(db, release, release::ActiveModel {
        env: Set("PRO".into()),
        release_key: Set("20261121093000-0123456789abcdef".into()),
        name: Set(chars(256)),
        comment: Set(chars(1024)),
        app_id: Set("app1".into()),
        cluster_name: Set("default".into()),
        namespace_name: Set("datasources.yaml".into()),
        configurations: Set(snapshot),
        is_abandoned: Set(false),
        created_at: Set(LATE),
        updated_at: Set(LATE),
        ..Default::default()
    }, |m| m.is_abandoned = Set(true));
    roundtrip!(db, release_history, release_history::ActiveModel {
        env: Set("PRO".into()),
        app_id: Set("app1".into()),
        cluster_name: Set("default".into()),
        namespace_name: Set("application".into()),
        branch_name: Set("default".into()),
        release_id: Set(release.id),
        previous_release_id: Set(0),
        operation: Set(1),
        operation_context: Set(r#"{"isEmergencyPublish":true}"#.into()),
        created_at: Set(LATE),
        updated_at: Set(LATE),
        ..Default::default()
    }, |m| m.operation = Set(2));
    roundtrip!(db, release_message, release_message::ActiveModel {
        env: Set("PRO".into()),
        message: Set(format!("{}+{}+{}", chars(128), chars(128), chars(128))),
        created_at: Set(LATE),
        ..Default::default()
    }, |m| m.created_at = Set(LATE + 1));
    roundtrip!(db, gray_rule, gray_rule::ActiveModel {
        env: Set("PRO".into()),
        app_id: Set("app1".into()),
        cluster_name: Set("default".into()),
        namespace_name: Set("application".into()),
        branch_name: Set("20261121093000-aaaabbbbccccdddd".into()),
        rules: Set(r#"[{"clientAppId":"app1","clientIpList":["*"]}]"#.into()),
        release_id: Set(release.id),
        branch_status: Set(1),
        created_at: Set(LATE),
        updated_at: Set(LATE),
        ..Default::default()
    }, |m| m.branch_status = Set(2));
});

db_test!(async fn runtime_entities_round_trip(t) {
    let db = &t.db;
    let instance = roundtrip!(db, instance, instance::ActiveModel {
        env: Set("DEV".into()),
        app_id: Set("app1".into()),
        cluster_name: Set("default".into()),
        data_center: Set("shanghai-1".into()),
        ip: Set("fe80::1ff:fe23:4567:890a".into()),
        label: Set("canary".into()),
        created_at: Set(LATE),
        updated_at: Set(LATE),
        ..Default::default()
    }, |m| m.label = Set(String::new()));
    roundtrip!(db, instance_config, instance_config::ActiveModel {
        instance_id: Set(instance.id),
        env: Set("DEV".into()),
        config_app_id: Set("app1".into()),
        config_cluster_name: Set("default".into()),
        config_namespace_name: Set("application".into()),
        release_key: Set("20261121093000-0123456789abcdef".into()),
        release_delivered_at: Set(LATE),
        created_at: Set(LATE),
        updated_at: Set(LATE),
        ..Default::default()
    }, |m| m.release_key = Set("20261121093001-0123456789abcdef".into()));
    roundtrip!(db, access_key, access_key::ActiveModel {
        env: Set("DEV".into()),
        app_id: Set("app1".into()),
        secret: Set("df23df3f59884980844ff3dada30fa97".into()),
        mode: Set(1),
        is_enabled: Set(true),
        created_at: Set(LATE),
        updated_at: Set(LATE),
        ..Default::default()
    }, |m| m.is_enabled = Set(false));
    roundtrip!(db, audit, audit::ActiveModel {
        env: Set("DEV".into()),
        app_id: Set("app1".into()),
        entity_type: Set("item".into()),
        entity_id: Set("app1/default/application/timeout".into()),
        operation: Set("update".into()),
        detail: Set(r#"{"old":"1","new":"2"}"#.into()),
        created_by: Set("alice".into()),
        created_at: Set(LATE),
        ..Default::default()
    }, |m| m.operation = Set("delete".into()));
    roundtrip!(db, service_registry, service_registry::ActiveModel {
        service_name: Set("lyre-config-service".into()),
        instance_id: Set("host-1:8080".into()),
        envs: Set("DEV,PRO".into()),
        homepage_url: Set("http://config.lyre.svc:8080/".into()),
        created_at: Set(LATE),
        updated_at: Set(LATE),
        ..Default::default()
    }, |m| m.updated_at = Set(LATE + 10_000));
    roundtrip!(db, rollout, rollout::ActiveModel {
        env: Set("DEV".into()),
        app_id: Set(chars(128)),
        cluster_name: Set(chars(128)),
        namespace_name: Set(chars(128)),
        branch_name: Set(chars(128)),
        steps: Set("1,2,3,4,5,6,7,8,9,100".into()),
        bake_seconds: Set(604_800),
        max_rejected: Set(1_000_000),
        step: Set(9),
        state: Set("completed".into()),
        reason: Set(chars(1000)),
        title: Set(chars(256)),
        comment: Set(chars(1024)),
        base_release_id: Set(1),
        start_release_id: Set(2),
        step_started_at: Set(LATE),
        paused_at: Set(LATE),
        ended_at: Set(LATE),
        lease_owner: Set(chars(128)),
        lease_until: Set(LATE),
        created_by: Set("alice".into()),
        created_at: Set(LATE),
        updated_by: Set("lyre-rollout".into()),
        updated_at: Set(LATE),
        ..Default::default()
    }, |m| m.state = Set("halted".into()));
    roundtrip!(db, event, event::ActiveModel {
        env: Set("DEV".into()),
        app_id: Set("app1".into()),
        cluster_name: Set("default".into()),
        namespace_name: Set("application".into()),
        kind: Set("rollout.halted".into()),
        payload: Set(format!("{{\"reason\":\"{}\"}}", chars(70_000))),
        created_at: Set(LATE),
        ..Default::default()
    }, |m| m.kind = Set("rollout.completed".into()));
    roundtrip!(db, webhook, webhook::ActiveModel {
        app_id: Set(chars(128)),
        url: Set(format!("https://hooks.example.com/{}", chars(2000))),
        secret: Set(chars(128)),
        sealed_secret: Set(chars(255)),
        events: Set(chars(1024)),
        description: Set(chars(1024)),
        enabled: Set(true),
        created_by: Set("alice".into()),
        created_at: Set(LATE),
        updated_by: Set("bob".into()),
        updated_at: Set(LATE),
        ..Default::default()
    }, |m| m.enabled = Set(false));
    roundtrip!(db, webhook_delivery, webhook_delivery::ActiveModel {
        webhook_id: Set(1),
        event_id: Set(LATE),
        stream: Set(format!("{}/{}/{}/{}", chars(32), chars(128), chars(128), chars(128))),
        state: Set("pending".into()),
        attempts: Set(1000),
        next_attempt_at: Set(LATE),
        last_status: Set(503),
        last_duration_ms: Set(10_000),
        last_error: Set(chars(1000)),
        last_attempt_at: Set(LATE),
        lease_owner: Set(chars(128)),
        lease_until: Set(LATE),
        created_at: Set(LATE),
        ..Default::default()
    }, |m| m.state = Set("delivered".into()));
    roundtrip!(db, lease, lease::ActiveModel {
        name: Set(chars(64)),
        owner: Set(chars(128)),
        expires_at: Set(LATE),
        ..Default::default()
    }, |m| m.owner = Set("other".into()));
});

db_test!(async fn portal_entities_round_trip(t) {
    let db = &t.db;
    let user = roundtrip!(db, user, user::ActiveModel {
        username: Set(chars(64)),
        display_name: Set(chars(128)),
        email: Set(chars(256)),
        password_hash: Set(chars(256)),
        is_enabled: Set(true),
        language: Set(chars(16)),
        created_at: Set(LATE),
        updated_at: Set(LATE),
        ..Default::default()
    }, |m| m.is_enabled = Set(false));
    roundtrip!(db, user_session, user_session::ActiveModel {
        session_id: Set(chars(64)),
        user_id: Set(user.id),
        created_at: Set(LATE),
        expires_at: Set(LATE + 3_600_000),
        revoked_at: Set(0),
        ip: Set("127.0.0.1".into()),
        user_agent: Set(chars(256)),
        ..Default::default()
    }, |m| m.revoked_at = Set(LATE + 1));
    let role = roundtrip!(db, role, new_role(&chars(512)), |m| m.updated_by = Set("admin".into()));
    roundtrip!(db, permission, permission::ActiveModel {
        role_id: Set(role.id),
        permission_type: Set("ModifyNamespace".into()),
        target_id: Set(chars(512)),
        created_at: Set(LATE),
        updated_at: Set(LATE),
        ..Default::default()
    }, |m| m.deleted_at = Set(LATE));
    roundtrip!(db, role_binding, role_binding::ActiveModel {
        role_id: Set(role.id),
        subject_type: Set("user".into()),
        subject: Set(chars(128)),
        created_at: Set(LATE),
        updated_at: Set(LATE),
        ..Default::default()
    }, |m| m.deleted_at = Set(LATE));
    let consumer = roundtrip!(db, consumer, consumer::ActiveModel {
        name: Set(chars(128)),
        app_id: Set("app1".into()),
        rate_limit: Set(20),
        comment: Set("deploys from CI".into()),
        created_at: Set(LATE),
        updated_at: Set(LATE),
        ..Default::default()
    }, |m| m.rate_limit = Set(50));
    roundtrip!(db, consumer_token, consumer_token::ActiveModel {
        consumer_id: Set(consumer.id),
        token_hash: Set("f".repeat(64)),
        token_hint: Set("…a1b2".into()),
        expires_at: Set(LATE),
        created_at: Set(LATE),
        updated_at: Set(LATE),
        ..Default::default()
    }, |m| m.expires_at = Set(0));
    let request = roundtrip!(db, release_request, release_request::ActiveModel {
        env: Set("PRO".into()),
        app_id: Set("app1".into()),
        cluster_name: Set("default".into()),
        namespace_name: Set("application".into()),
        title: Set(chars(256)),
        comment: Set(chars(1024)),
        status: Set("open".into()),
        diff: Set(chars(70_000)),
        base_release_id: Set(3),
        namespace_revision: Set(12),
        created_at: Set(LATE),
        updated_at: Set(LATE),
        ..Default::default()
    }, |m| m.status = Set("approved".into()));
    roundtrip!(db, release_request_review, release_request_review::ActiveModel {
        request_id: Set(request.id),
        verdict: Set("reject".into()),
        comment: Set("timeout too low for PRO".into()),
        created_by: Set("bob".into()),
        created_at: Set(LATE),
        ..Default::default()
    }, |m| m.verdict = Set("approve".into()));
    roundtrip!(db, favorite, favorite::ActiveModel {
        user_id: Set(user.id),
        app_id: Set("app1".into()),
        position: Set(3),
        created_at: Set(LATE),
        ..Default::default()
    }, |m| m.position = Set(1));
    roundtrip!(db, setting, setting::ActiveModel {
        scope: Set("PRO".into()),
        name: Set("review_required".into()),
        value: Set("true".into()),
        created_at: Set(LATE),
        updated_at: Set(LATE),
        ..Default::default()
    }, |m| m.value = Set("false".into()));
});

db_test!(async fn soft_deleted_rows_free_their_unique_keys(t) {
    let db = &t.db;
    let first = new_app("orders").insert(db).await.unwrap();
    expect_unique_violation(new_app("orders").insert(db).await, "a second live app");

    let mut deleted = first.into_active_model();
    deleted.deleted_at = Set(LATE);
    deleted.update(db).await.unwrap();
    let second = new_app("orders").insert(db).await.expect("re-create after soft delete");

    let live = app::Entity::find()
        .filter(app::Column::AppId.eq("orders"))
        .filter(app::Column::DeletedAt.eq(0))
        .all(db)
        .await
        .unwrap();
    assert_eq!(live, vec![second]);
    assert_eq!(app::Entity::find().all(db).await.unwrap().len(), 2, "history is kept");
});

db_test!(async fn unique_keys_hold(t) {
    let db = &t.db;
    let ns = new_namespace("app1", "application").insert(db).await.unwrap();
    expect_unique_violation(
        new_namespace("app1", "application").insert(db).await,
        "the same namespace twice in one cluster",
    );
    new_item(ns.id, "timeout").insert(db).await.unwrap();
    expect_unique_violation(new_item(ns.id, "timeout").insert(db).await, "a duplicate item key");

    let public = |app_id: &str| app_namespace::ActiveModel {
        app_id: Set(app_id.into()),
        name: Set("shared.db".into()),
        format: Set("properties".into()),
        is_public: Set(true),
        public_name: Set(Some("shared.db".into())),
        created_at: Set(1),
        updated_at: Set(1),
        ..Default::default()
    };
    public("app1").insert(db).await.unwrap();
    expect_unique_violation(public("app2").insert(db).await, "a public name in a second app");
    // Private namespaces of the same name may exist in many apps.
    for app_id in ["app2", "app3"] {
        let mut private = public(app_id);
        private.is_public = Set(false);
        private.public_name = Set(None);
        private.insert(db).await.expect("a private namespace");
    }

    new_user("alice").insert(db).await.unwrap();
    expect_unique_violation(new_user("alice").insert(db).await, "a duplicate user name");
    new_role("Master+app1").insert(db).await.unwrap();
    expect_unique_violation(new_role("Master+app1").insert(db).await, "a duplicate role");
    new_consumer("ci").insert(db).await.unwrap();
    expect_unique_violation(new_consumer("ci").insert(db).await, "a duplicate consumer");
});

db_test!(async fn names_are_case_sensitive_on_every_backend(t) {
    let db = &t.db;
    new_app("orders").insert(db).await.unwrap();
    new_app("Orders").insert(db).await.expect("names differing in case are different names");
    let found = app::Entity::find()
        .filter(app::Column::AppId.eq("ORDERS"))
        .all(db)
        .await
        .unwrap();
    assert!(found.is_empty(), "lookups are case-sensitive too");
});

db_test!(async fn foreign_keys_are_enforced(t) {
    let db = &t.db;
    let err = new_item(424_242, "orphan").insert(db).await.unwrap_err();
    assert!(is_foreign_key_violation(&err), "an item of a missing namespace: {err}");

    let ns = new_namespace("app1", "application").insert(db).await.unwrap();
    new_item(ns.id, "k").insert(db).await.unwrap();
    let err = namespace::Entity::delete_by_id(ns.id).exec(db).await.unwrap_err();
    assert!(is_foreign_key_violation(&err), "a namespace with items cannot vanish: {err}");
});

db_test!(async fn over_long_values_are_refused_on_every_backend(t) {
    let db = &t.db;
    assert!(new_app(&chars(129)).insert(db).await.is_err(), "app id of 129 characters");
    let ns = new_namespace("app1", "application").insert(db).await.unwrap();
    assert!(new_item(ns.id, &chars(513)).insert(db).await.is_err(), "key of 513 characters");
    assert!(app::Entity::find().all(db).await.unwrap().is_empty(), "nothing was stored");
});

//! `scripts/sql/` must match the migrations, and each script must create a schema that `lyre`
//! accepts as fully migrated.

use std::path::PathBuf;

use lyre_store::entity::app;
use lyre_store::sea_orm::{ActiveModelTrait, ConnectionTrait, DbBackend, EntityTrait, Set};
use lyre_store::testing::{TestBackend, TestDb};
use lyre_store::{ddl, is_migrated, migrate};

fn script_path(backend: DbBackend) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../scripts/sql")
        .join(ddl::file_name(backend))
}

const BACKENDS: [DbBackend; 3] = [DbBackend::MySql, DbBackend::Postgres, DbBackend::Sqlite];

#[test]
fn exported_scripts_are_current() {
    let update = std::env::var("LYRE_UPDATE_DDL").is_ok_and(|v| v == "1");
    for backend in BACKENDS {
        let path = script_path(backend);
        let expected = ddl::script(backend);
        if update {
            std::fs::write(&path, &expected).expect("writing the DDL script");
            continue;
        }
        let actual = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            actual == expected,
            "{} is stale: regenerate it with `LYRE_UPDATE_DDL=1 cargo test -p lyre-store --test ddl`",
            path.display()
        );
    }
}

async fn apply_script(backend: TestBackend) {
    let Some(t) = TestDb::empty(backend).await else {
        return;
    };
    let db_backend = t.db_backend();
    assert!(
        !is_migrated(&t.db).await,
        "an empty database is not migrated"
    );
    let script = std::fs::read_to_string(script_path(db_backend)).expect("reading the script");
    for statement in script.split(";\n").map(str::trim) {
        let sql: String = statement
            .lines()
            .filter(|l| !l.starts_with("--"))
            .collect::<Vec<_>>()
            .join("\n");
        if !sql.trim().is_empty() {
            t.db.execute_unprepared(&sql)
                .await
                .unwrap_or_else(|e| panic!("{sql}\n{e}"));
        }
    }
    assert!(
        is_migrated(&t.db).await,
        "the script marks the schema migrated"
    );
    assert_eq!(
        migrate(&t.db).await.expect("migrate"),
        0,
        "nothing left to migrate"
    );

    let inserted = app::ActiveModel {
        app_id: Set("from-script".into()),
        name: Set("Created on a scripted schema".into()),
        created_at: Set(1),
        updated_at: Set(1),
        ..Default::default()
    }
    .insert(&t.db)
    .await
    .expect("insert into a scripted schema");
    let found = app::Entity::find_by_id(inserted.id)
        .one(&t.db)
        .await
        .unwrap();
    assert_eq!(found, Some(inserted));
}

#[tokio::test]
async fn sqlite_script_creates_a_migrated_schema() {
    apply_script(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn postgres_script_creates_a_migrated_schema() {
    apply_script(TestBackend::Postgres).await;
}

#[tokio::test]
async fn mysql_script_creates_a_migrated_schema() {
    apply_script(TestBackend::MySql).await;
}

//! Databases laid out like Apollo's, on the MariaDB server of `LYRE_TEST_MYSQL_URL`, for the
//! import tests and the migration walkthrough.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use lyre_store::sea_orm::{ConnectionTrait, Database};

/// A fresh MariaDB database made from SQL files of `tests/apollo` (an Apollo database); dropped
/// when this is.
pub struct ApolloDb {
    server: String,
    name: String,
    pub url: String,
}

impl ApolloDb {
    /// A database made of the SQL `files` of `tests/apollo`.
    pub async fn create(files: &[&str]) -> Option<Self> {
        Self::create_with(files, |sql| sql.to_owned()).await
    }

    /// Like [`Self::create`], with each file's SQL changed by `edit` first.
    pub async fn create_with(files: &[&str], edit: impl Fn(&str) -> String) -> Option<Self> {
        let server = std::env::var("LYRE_TEST_MYSQL_URL").ok()?;
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let name = format!("apollo_{nanos:x}");
        let admin = Database::connect(server.as_str()).await.unwrap();
        admin
            .execute_unprepared(&format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
            .await
            .unwrap();
        admin.close().await.unwrap();
        let base = server.rsplit_once('/').unwrap().0;
        let url = format!("{base}/{name}");
        let db = Database::connect(url.as_str()).await.unwrap();
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/apollo");
        for file in files {
            let sql = edit(&std::fs::read_to_string(dir.join(file)).unwrap());
            for statement in statements(&sql) {
                db.execute_unprepared(&statement)
                    .await
                    .unwrap_or_else(|e| panic!("{file}: {e}\n{statement}"));
            }
        }
        db.close().await.unwrap();
        Some(Self { server, name, url })
    }
}

impl Drop for ApolloDb {
    fn drop(&mut self) {
        let (server, name) = (self.server.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            tokio::runtime::Runtime::new().unwrap().block_on(async {
                if let Ok(db) = Database::connect(server.as_str()).await {
                    let _ = db
                        .execute_unprepared(&format!("DROP DATABASE `{name}`"))
                        .await;
                }
            });
        })
        .join();
    }
}

/// The statements of a SQL file (`;` at a line's end ends one; `--` lines are comments).
pub fn statements(sql: &str) -> Vec<String> {
    let mut all = Vec::new();
    let mut current = String::new();
    for line in sql.lines() {
        if line.trim_start().starts_with("--") {
            continue;
        }
        current.push_str(line);
        current.push('\n');
        if line.trim_end().ends_with(';') {
            all.push(std::mem::take(&mut current));
        }
    }
    all
}

//! Fresh databases for tests, on SQLite always and on PostgreSQL and MariaDB/MySQL when
//! `LYRE_TEST_POSTGRES_URL` / `LYRE_TEST_MYSQL_URL` name a server to create them on.
//!
//! Each [`TestDb`] is a database of its own, created for one test and dropped afterwards.
//! Without a URL the test is skipped, except under `CI=true`, where a missing URL fails the
//! test: CI must exercise every backend.
//!
//! [`db_test!`](crate::db_test) writes one test per backend from one body.

use std::time::Duration;

use rand::Rng as _;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend};

use crate::{DbOptions, connect, migrate, redact_url};

/// The environment variable naming the PostgreSQL server for tests.
pub const POSTGRES_URL_VAR: &str = "LYRE_TEST_POSTGRES_URL";
/// The environment variable naming the MariaDB/MySQL server for tests.
pub const MYSQL_URL_VAR: &str = "LYRE_TEST_MYSQL_URL";

/// A database backend to test on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestBackend {
    /// A SQLite file in a temporary directory.
    Sqlite,
    /// A new database on the server of `LYRE_TEST_POSTGRES_URL`.
    Postgres,
    /// A new database on the server of `LYRE_TEST_MYSQL_URL`.
    MySql,
}

impl TestBackend {
    fn url_var(self) -> Option<&'static str> {
        match self {
            Self::Sqlite => None,
            Self::Postgres => Some(POSTGRES_URL_VAR),
            Self::MySql => Some(MYSQL_URL_VAR),
        }
    }
}

/// A freshly created database that is dropped when this value is.
pub struct TestDb {
    /// The connection pool.
    pub db: DatabaseConnection,
    /// The URL of the database, for code under test that connects by itself.
    pub url: String,
    /// The backend it runs on.
    pub backend: TestBackend,
    cleanup: Cleanup,
}

impl std::fmt::Debug for TestDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestDb")
            .field("url", &redact_url(&self.url))
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

enum Cleanup {
    Dir(
        #[expect(
            dead_code,
            reason = "held so the directory lives as long as the database"
        )]
        tempfile::TempDir,
    ),
    Drop {
        server_url: String,
        name: String,
    },
}

fn is_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// `url` with its database (path) replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let mut parsed = url::Url::parse(url).expect("test database URL must be a valid URL");
    parsed.set_path(&format!("/{name}"));
    parsed.to_string()
}

impl TestDb {
    /// A fresh, migrated database on `backend`, or `None` when the backend is not configured
    /// (the caller skips the test). Panics under `CI=true` when it is not configured.
    pub async fn new(backend: TestBackend) -> Option<Self> {
        let test_db = Self::empty(backend).await?;
        migrate(&test_db.db)
            .await
            .expect("migrating the test database");
        Some(test_db)
    }

    /// A fresh database with no tables, for tests of the migrations themselves.
    pub async fn empty(backend: TestBackend) -> Option<Self> {
        let Some(var) = backend.url_var() else {
            let dir = tempfile::tempdir().expect("creating a temporary directory");
            let url = format!("sqlite:{}", dir.path().join("lyre.db").display());
            let db = connect(&DbOptions::new(url.clone()))
                .await
                .expect("opening the SQLite test database");
            return Some(Self {
                db,
                url,
                backend,
                cleanup: Cleanup::Dir(dir),
            });
        };
        let server_url = match std::env::var(var) {
            Ok(url) if !url.is_empty() => url,
            _ if is_ci() => panic!("{var} must be set when CI=true: every backend is tested in CI"),
            _ => {
                eprintln!("skipping: {var} is not set");
                return None;
            }
        };
        let name = format!("lyre_test_{:016x}", rand::rng().random::<u64>());
        let server = connect(&DbOptions::new(server_url.clone()))
            .await
            .unwrap_or_else(|e| panic!("{var}: {e}"));
        let create = match backend {
            TestBackend::MySql => {
                format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
            }
            _ => format!("CREATE DATABASE \"{name}\""),
        };
        server
            .execute_unprepared(&create)
            .await
            .unwrap_or_else(|e| panic!("creating test database {name}: {e}"));
        let _ = server.close().await;
        let url = with_database(&server_url, &name);
        let mut options = DbOptions::new(url.clone());
        options.max_connections = 5;
        let db = connect(&options)
            .await
            .unwrap_or_else(|e| panic!("connecting to test database {name}: {e}"));
        Some(Self {
            db,
            url,
            backend,
            cleanup: Cleanup::Drop { server_url, name },
        })
    }

    /// The sea-orm backend of this database.
    pub fn db_backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Cleanup::Drop { server_url, name } = &self.cleanup else {
            return;
        };
        let (server_url, name, backend) = (server_url.clone(), name.clone(), self.backend);
        // Close our pool first, then drop the database from a thread with its own runtime:
        // `Drop` cannot await, and the test's runtime may be shutting down.
        let pool = std::mem::take(&mut self.db);
        let handle = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("building a runtime to drop the test database");
            runtime.block_on(async move {
                let _ = tokio::time::timeout(Duration::from_secs(5), pool.close()).await;
                let Ok(server) = connect(&DbOptions::new(server_url)).await else {
                    return;
                };
                let drop = match backend {
                    TestBackend::MySql => format!("DROP DATABASE IF EXISTS `{name}`"),
                    _ => format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
                };
                if let Err(e) = server.execute_unprepared(&drop).await {
                    eprintln!("could not drop test database {name}: {e}");
                }
                let _ = server.close().await;
            });
        });
        let _ = handle.join();
    }
}

/// Writes one test per backend (`sqlite`, `postgres`, `mysql`) in a module named after the
/// test, each given a fresh migrated [`TestDb`].
///
/// ```ignore
/// lyre_store::db_test!(async fn creates_apps(t) {
///     // `t` is a `TestDb`
/// });
/// ```
#[macro_export]
macro_rules! db_test {
    ($(#[$meta:meta])* async fn $name:ident($db:ident) $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn body($db: $crate::testing::TestDb) $body

            async fn run(backend: $crate::testing::TestBackend) {
                if let Some(db) = $crate::testing::TestDb::new(backend).await {
                    body(db).await;
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run($crate::testing::TestBackend::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                run($crate::testing::TestBackend::Postgres).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn mysql() {
                run($crate::testing::TestBackend::MySql).await;
            }
        }
    };
}

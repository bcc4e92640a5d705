//! Connecting to the database: URL checks, pool settings and per-backend session settings.

use std::path::PathBuf;
use std::time::Duration;

use sea_orm::sqlx;
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr};

/// How to reach the database and how large a pool to keep.
#[derive(Clone)]
pub struct DbOptions {
    /// `sqlite:<path>`, `postgres://...` or `mysql://...` (`mariadb://` is accepted too).
    pub url: String,
    /// Largest number of pooled connections.
    pub max_connections: u32,
    /// How long to wait for a new connection (and for a pooled one) before failing.
    pub connect_timeout: Duration,
}

impl std::fmt::Debug for DbOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbOptions")
            .field("url", &redact_url(&self.url))
            .field("max_connections", &self.max_connections)
            .field("connect_timeout", &self.connect_timeout)
            .finish()
    }
}

impl DbOptions {
    /// Options with Lyre's defaults for `url`.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            max_connections: 10,
            connect_timeout: Duration::from_secs(5),
        }
    }
}

/// Why a connection could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The URL is malformed or names an unsupported database.
    #[error("invalid database URL {url}: {reason}")]
    InvalidUrl {
        /// The URL with any password hidden.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The SQLite file's directory could not be created.
    #[error("cannot create directory {path} for the SQLite database: {source}")]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Nothing answers at the server's address.
    #[error("cannot reach the database server of {url} at {address}: {reason}")]
    ServerUnreachable {
        /// The URL with any password hidden.
        url: String,
        /// `host:port`.
        address: String,
        /// The operating system's reason.
        reason: String,
    },
    /// The database did not answer or refused the connection.
    #[error("cannot connect to database {url}: {source}")]
    Unreachable {
        /// The URL with any password hidden.
        url: String,
        /// The driver's error.
        source: DbErr,
    },
}

/// The backend a URL names, after checking that the URL is well formed.
pub fn backend_of(url: &str) -> Result<DbBackend, ConnectError> {
    let invalid = |reason: String| ConnectError::InvalidUrl {
        url: redact_url(url),
        reason,
    };
    let scheme = url
        .split_once(':')
        .map(|(scheme, _)| scheme.to_ascii_lowercase())
        .ok_or_else(|| invalid("no scheme; expected sqlite:, postgres:// or mysql://".into()))?;
    let backend = match scheme.as_str() {
        "sqlite" => return Ok(DbBackend::Sqlite),
        "postgres" | "postgresql" => DbBackend::Postgres,
        "mysql" | "mariadb" => DbBackend::MySql,
        other => {
            return Err(invalid(format!(
                "unsupported scheme `{other}`; expected sqlite:, postgres:// or mysql://"
            )));
        }
    };
    let parsed = url::Url::parse(url).map_err(|e| invalid(e.to_string()))?;
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(invalid("no host".into()));
    }
    if parsed.path().trim_start_matches('/').is_empty() {
        return Err(invalid("no database name".into()));
    }
    Ok(backend)
}

/// The URL with its password replaced by `***`, fit for logs and error messages.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            // Cannot fail: the URL has a password, hence an authority.
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(_) => url.to_owned(),
        // Unparsable: hide everything between `://` and the last `@`, where a password may be.
        Err(_) => match (url.find("://"), url.rfind('@')) {
            (Some(start), Some(at)) if at > start => {
                format!("{}***{}", &url[..start + 3], &url[at..])
            }
            _ => url.to_owned(),
        },
    }
}

/// The file a `sqlite:` URL points at, or `None` for an in-memory database.
fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url.split_once(':').map_or(url, |(_, rest)| rest);
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

/// Connects with Lyre's settings for the URL's backend.
///
/// SQLite: the file and its directory are created if missing, WAL journal, foreign keys on.
/// MySQL/MariaDB: utf8mb4 with binary collation and strict mode, so that over-long values
/// fail as they do on PostgreSQL instead of being cut short.
pub async fn connect(options: &DbOptions) -> Result<DatabaseConnection, ConnectError> {
    let backend = backend_of(&options.url)?;
    let mut url = options.url.clone();
    if backend == DbBackend::MySql && url.starts_with("mariadb:") {
        url = url.replacen("mariadb:", "mysql:", 1);
    }
    if backend == DbBackend::Sqlite
        && let Some(path) = sqlite_path(&url)
        && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir).map_err(|source| ConnectError::CreateDir {
            path: dir.to_owned(),
            source,
        })?;
    }

    if backend != DbBackend::Sqlite {
        probe_server(&url, options.connect_timeout).await?;
    }

    let mut connect = ConnectOptions::new(url);
    connect
        .max_connections(options.max_connections)
        .min_connections(1)
        .connect_timeout(options.connect_timeout)
        .acquire_timeout(options.connect_timeout)
        .idle_timeout(Duration::from_secs(600))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.create_if_missing(true)
                .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
        })
        .map_sqlx_mysql_opts(|o| o.charset("utf8mb4").collation("utf8mb4_bin"))
        .map_sqlx_mysql_pool_opts(|o| {
            o.after_connect(|conn, _meta| {
                Box::pin(async move {
                    use sqlx::Executor as _;
                    conn.execute("SET SESSION sql_mode = CONCAT(@@sql_mode, ',STRICT_ALL_TABLES')")
                        .await?;
                    Ok(())
                })
            })
        });
    let db = Database::connect(connect)
        .await
        .map_err(|source| ConnectError::Unreachable {
            url: redact_url(&options.url),
            source,
        })?;
    // The pool may connect lazily; make sure the database really answers.
    db.ping()
        .await
        .map_err(|source| ConnectError::Unreachable {
            url: redact_url(&options.url),
            source,
        })?;
    Ok(db)
}

/// Opens (and closes) a TCP connection to the server of a PostgreSQL or MySQL URL, so that an
/// unreachable server is reported with the operating system's reason ("connection refused")
/// rather than as a pool timeout.
async fn probe_server(url: &str, timeout: Duration) -> Result<(), ConnectError> {
    let Ok(parsed) = url::Url::parse(url) else {
        return Ok(());
    };
    let Some(host) = parsed.host_str() else {
        return Ok(());
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let default_port = if parsed.scheme() == "mysql" {
        3306
    } else {
        5432
    };
    let port = parsed.port().unwrap_or(default_port);
    let reason =
        match tokio::time::timeout(timeout, tokio::net::TcpStream::connect((host, port))).await {
            Ok(Ok(_)) => return Ok(()),
            Ok(Err(e)) => e.to_string(),
            Err(_) => format!("no answer within {} s", timeout.as_secs()),
        };
    Err(ConnectError::ServerUnreachable {
        url: redact_url(url),
        address: format!("{host}:{port}"),
        reason,
    })
}

/// Whether `err` is a unique-key violation (a duplicate name, key or token).
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

/// Whether `err` is a foreign-key violation (a reference to a row that does not exist).
pub fn is_foreign_key_violation(err: &DbErr) -> bool {
    if matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::ForeignKeyConstraintViolation(_))
    ) {
        return true;
    }
    // SQLite reports `ON DELETE RESTRICT` as SQLITE_CONSTRAINT_TRIGGER (1811), which sea-orm
    // does not classify.
    let (DbErr::Exec(sea_orm::RuntimeErr::SqlxError(e))
    | DbErr::Query(sea_orm::RuntimeErr::SqlxError(e))) = err
    else {
        return false;
    };
    e.as_database_error()
        .is_some_and(|d| d.code().as_deref() == Some("1811"))
}

/// Whether the database answers a trivial query.
pub async fn is_reachable(db: &impl ConnectionTrait) -> bool {
    db.execute_unprepared("SELECT 1").await.is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact_url("postgres://lyre:s3cret@db:5432/lyre"),
            "postgres://lyre:***@db:5432/lyre"
        );
        assert_eq!(
            redact_url("mysql://root@127.0.0.1/lyre"),
            "mysql://root@127.0.0.1/lyre"
        );
        assert_eq!(redact_url("sqlite:./data/lyre.db"), "sqlite:./data/lyre.db");
        assert_eq!(redact_url("post gres://u:p@h/d"), "post gres://***@h/d");
    }

    #[test]
    fn recognises_backends_and_rejects_bad_urls() {
        assert_eq!(backend_of("sqlite:./x.db").ok(), Some(DbBackend::Sqlite));
        assert_eq!(
            backend_of("postgres://u@h/d").ok(),
            Some(DbBackend::Postgres)
        );
        assert_eq!(backend_of("mariadb://u@h/d").ok(), Some(DbBackend::MySql));
        for bad in [
            "nonsense",
            "oracle://h/d",
            "postgres://",
            "mysql://h",
            "postgres://h:notaport/d",
        ] {
            assert!(
                matches!(backend_of(bad), Err(ConnectError::InvalidUrl { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn finds_sqlite_paths() {
        assert_eq!(
            sqlite_path("sqlite://./data/lyre.db?mode=rwc"),
            Some(PathBuf::from("./data/lyre.db"))
        );
        assert_eq!(
            sqlite_path("sqlite:/tmp/x.db"),
            Some(PathBuf::from("/tmp/x.db"))
        );
        assert_eq!(sqlite_path("sqlite::memory:"), None);
    }
}

/// A connection pool's use: connections open, idle among them, and the most it may open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolUse {
    pub open: u32,
    pub idle: u32,
    pub max: u32,
}

/// How `db`'s connection pool is used right now.
pub fn pool_use(db: &DatabaseConnection) -> PoolUse {
    let idle = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            PoolUse {
                open: pool.size(),
                idle: idle(pool.num_idle()),
                max: pool.options().get_max_connections(),
            }
        }
        DbBackend::MySql => {
            let pool = db.get_mysql_connection_pool();
            PoolUse {
                open: pool.size(),
                idle: idle(pool.num_idle()),
                max: pool.options().get_max_connections(),
            }
        }
        _ => {
            let pool = db.get_sqlite_connection_pool();
            PoolUse {
                open: pool.size(),
                idle: idle(pool.num_idle()),
                max: pool.options().get_max_connections(),
            }
        }
    }
}

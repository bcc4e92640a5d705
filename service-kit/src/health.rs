//! `/health` (the process answers) and `/ready` (its database answers and is migrated).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use lyre_protocol::health::{Health, Status};
use lyre_store::sea_orm::DatabaseConnection;

/// A service's own readiness condition: `None` when ready, otherwise why not.
pub type ExtraCheck = Arc<dyn Fn() -> Option<String> + Send + Sync>;

/// What `/ready` checks for one service.
#[derive(Clone)]
pub struct Readiness {
    service: &'static str,
    db: DatabaseConnection,
    /// Migrations are never undone, so once seen applied they need no checking again.
    migrated: Arc<AtomicBool>,
    extra: Option<ExtraCheck>,
}

impl std::fmt::Debug for Readiness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Readiness")
            .field("service", &self.service)
            .finish_non_exhaustive()
    }
}

impl Readiness {
    /// Readiness of `service` (e.g. `lyre-config-service`) on `db`.
    pub fn new(service: &'static str, db: DatabaseConnection) -> Self {
        Self {
            service,
            db,
            migrated: Arc::new(AtomicBool::new(false)),
            extra: None,
        }
    }

    /// Readiness that also requires `check` (e.g. "caches loaded").
    pub fn with_check(mut self, check: ExtraCheck) -> Self {
        self.extra = Some(check);
        self
    }

    /// Checks the database: `None` when ready, otherwise why not.
    pub async fn check(&self) -> Option<String> {
        if !lyre_store::db::is_reachable(&self.db).await {
            return Some("database unreachable".into());
        }
        if !self.migrated.load(Ordering::Relaxed) {
            if !lyre_store::is_migrated(&self.db).await {
                return Some("database not migrated: run `lyre migrate`".into());
            }
            self.migrated.store(true, Ordering::Relaxed);
        }
        self.extra.as_ref().and_then(|check| check())
    }
}

/// `GET /health` and `GET /ready` for a service.
pub fn routes(readiness: Readiness) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .with_state(readiness)
}

/// Liveness: the process runs and serves HTTP.
async fn health(State(readiness): State<Readiness>) -> Json<Health> {
    Json(Health {
        status: Status::Up,
        service: readiness.service.to_owned(),
        reason: None,
    })
}

/// Readiness: `200` when the database answers and is migrated, `503` with the reason otherwise.
async fn ready(State(readiness): State<Readiness>) -> (StatusCode, Json<Health>) {
    let reason = readiness.check().await;
    let status = if reason.is_none() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = Health {
        status: if reason.is_none() {
            Status::Up
        } else {
            Status::Down
        },
        service: readiness.service.to_owned(),
        reason,
    };
    (status, Json(body))
}

//! Keeping an instance's entry in the service registry fresh while it runs.

use std::time::Duration;

use lyre_store::registry::{self, Registration};
use lyre_store::sea_orm::DatabaseConnection;
use tokio::task::JoinHandle;

use crate::Shutdown;

/// Sends a heartbeat now and every `interval` until `shutdown`, then removes the entry.
///
/// A failed heartbeat is logged and retried at the next tick: a database outage must not stop
/// the service, and the entry comes back with the database.
pub fn spawn(
    db: DatabaseConnection,
    registration: Registration,
    interval: Duration,
    shutdown: Shutdown,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut failing = false;
        loop {
            tokio::select! {
                _ = ticker.tick() => {}
                () = shutdown.clone().wait() => break,
            }
            match registry::heartbeat(&db, &registration).await {
                Ok(()) if failing => {
                    failing = false;
                    tracing::info!(service = %registration.service_name, "registry heartbeat works again");
                }
                Ok(()) => {}
                Err(e) if !failing => {
                    failing = true;
                    tracing::warn!(service = %registration.service_name, error = %e, "registry heartbeat failed; retrying");
                }
                Err(_) => {}
            }
        }
        if let Err(e) =
            registry::deregister(&db, &registration.service_name, &registration.instance_id).await
        {
            tracing::warn!(service = %registration.service_name, error = %e, "could not leave the service registry");
        }
    })
}

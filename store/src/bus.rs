//! The in-process release bus: when the admin service and a config service run in one
//! process, a release reaches the config service before the publish request even returns:
//! the admin service calls the bus's listeners right after its transaction commits. The
//! `lyre` binary wires one bus into both.

use std::sync::{Arc, RwLock};

/// A release message that was just committed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Released {
    /// The message's id (`release_messages.id`).
    pub id: i64,
    /// Its environment.
    pub env: String,
    /// `appId+cluster+namespace`.
    pub message: String,
}

type Listener = Arc<dyn Fn(&Released) + Send + Sync>;

/// Listeners of committed release messages; cheap to clone (clones share the listeners).
#[derive(Clone, Default)]
pub struct ReleaseBus(Arc<RwLock<Vec<Listener>>>);

impl std::fmt::Debug for ReleaseBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let listeners = self.0.read().map_or(0, |l| l.len());
        f.debug_struct("ReleaseBus")
            .field("listeners", &listeners)
            .finish()
    }
}

impl ReleaseBus {
    /// A bus with no listeners yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Calls every listener with each message, on the caller's thread. Listeners must be
    /// quick and must not block.
    pub fn publish(&self, messages: impl IntoIterator<Item = Released>) {
        let listeners = self.0.read().unwrap_or_else(|e| e.into_inner()).clone();
        for message in messages {
            for listener in &listeners {
                listener(&message);
            }
        }
    }

    /// Adds a listener of every message published from now on.
    pub fn listen(&self, listener: impl Fn(&Released) + Send + Sync + 'static) {
        self.0
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push(Arc::new(listener));
    }
}

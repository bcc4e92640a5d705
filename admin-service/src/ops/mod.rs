//! The admin operations as a library: each a command or query and one function that owns its
//! rules. The admin service's HTTP routes call them, and so does the portal when it runs in the
//! same process (see `lyre_portal::AdminLink`), so a rule lives in one place whoever calls.
//!
//! Groups move here from the routes one at a time; those not here yet are reached through the
//! admin service's router.

pub mod access_keys;

pub use crate::actor::acting_as;

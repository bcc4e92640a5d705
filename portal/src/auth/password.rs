//! Password hashing with Argon2id (PHC strings), off the async threads.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use rand::Rng as _;
use rand::distr::Alphanumeric;

use crate::PortalError;

/// The PHC string of `password`.
pub(crate) async fn hash(password: String) -> Result<String, PortalError> {
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(|e| PortalError::Internal(format!("password hashing task: {e}")))?
}

fn hash_blocking(password: &str) -> Result<String, PortalError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| PortalError::Internal(format!("hashing a password: {e}")))
}

/// Whether `password` matches the PHC string `hash`. With `hash` `None` (no such user) the
/// same work is done against a dummy hash, so the answer takes as long either way.
pub(crate) async fn verify(password: String, hash: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let stored = hash.unwrap_or_else(|| dummy_hash().to_owned());
        PasswordHash::new(&stored)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_blocking(&random_password(24)).unwrap_or_default())
}

/// A random password of `len` letters and digits.
pub(crate) fn random_password(len: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// Random hex: `bytes` random bytes, as `2 * bytes` characters.
pub(crate) fn random_hex(bytes: usize) -> String {
    let mut rng = rand::rng();
    (0..bytes)
        .map(|_| format!("{:02x}", rng.random::<u8>()))
        .collect()
}

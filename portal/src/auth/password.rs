//! Password hashing with Argon2id (PHC strings), off the async threads, on a few threads of its
//! own: each hash takes about 19 MiB and a core for a while, so a burst of sign-ins waits its
//! turn instead of exhausting the process's memory.

use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use rand::Rng as _;
use rand::distr::Alphanumeric;

use crate::PortalError;
use lyre_protocol::error::NO_PARAMS;

/// How long a hash waits for its turn before the request is turned away (`503`).
const QUEUE_WAIT: Duration = Duration::from_secs(10);

type Job = Box<dyn FnOnce() + Send>;

/// A few threads that hash passwords, one hash at a time each. A hash takes about 19 MiB; the
/// allocator keeps what a thread freed for that thread's next allocation, so it is the number
/// of threads that ever hashed, not the number of requests at once, that bounds the memory
/// hashing holds: a burst of sign-ins waits for a turn.
struct Hashers {
    jobs: mpsc::Sender<Job>,
    turns: tokio::sync::Semaphore,
}

impl Hashers {
    fn get() -> &'static Self {
        static HASHERS: OnceLock<Hashers> = OnceLock::new();
        HASHERS.get_or_init(|| {
            let threads = std::thread::available_parallelism()
                .map_or(2, usize::from)
                .clamp(2, 4);
            let (jobs, queue) = mpsc::channel::<Job>();
            let queue = Arc::new(Mutex::new(queue));
            for n in 0..threads {
                let queue = Arc::clone(&queue);
                let spawned = std::thread::Builder::new()
                    .name(format!("lyre-hasher-{n}"))
                    .spawn(move || {
                        loop {
                            let job = queue.lock().unwrap_or_else(|e| e.into_inner()).recv();
                            match job {
                                Ok(job) => job(),
                                Err(_) => return,
                            }
                        }
                    });
                if let Err(e) = spawned {
                    tracing::error!(error = %e, "starting a password hashing thread");
                }
            }
            Hashers {
                jobs,
                turns: tokio::sync::Semaphore::new(threads),
            }
        })
    }
}

/// Runs `work` (one hash) on a hashing thread once one is free.
async fn one_at_a_time<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, PortalError> {
    let hashers = Hashers::get();
    let _turn = tokio::time::timeout(QUEUE_WAIT, hashers.turns.acquire())
        .await
        .map_err(|_| {
            PortalError::Unavailable("too many sign-ins at once; try again in a moment".into())
                .because("sign_in_busy", NO_PARAMS)
        })?
        .map_err(|e| PortalError::Internal(format!("password hashing turns: {e}")))?;
    let (done, answer) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _ = done.send(work());
    });
    hashers
        .jobs
        .send(job)
        .map_err(|_| PortalError::Internal("no password hashing thread is running".into()))?;
    answer
        .await
        .map_err(|_| PortalError::Internal("a password hashing thread stopped".into()))
}

/// The PHC string of `password`.
pub(crate) async fn hash(password: String) -> Result<String, PortalError> {
    one_at_a_time(move || hash_blocking(&password)).await?
}

fn hash_blocking(password: &str) -> Result<String, PortalError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| PortalError::Internal(format!("hashing a password: {e}")))
}

/// Highest BCrypt cost accepted (Apollo's portal hashes at 10): each step doubles the work.
const MAX_BCRYPT_COST: u32 = 14;

/// Whether `hash` is a BCrypt hash (`$2a$`, `$2b$`, `$2y$`), as Apollo's portal stores
/// passwords. Such a hash is accepted at sign-in and replaced with an Argon2id one by the first
/// sign-in that succeeds.
pub(crate) fn is_bcrypt(hash: &str) -> bool {
    ["$2a$", "$2b$", "$2y$"].iter().any(|p| hash.starts_with(p))
}

fn bcrypt_matches(password: &str, hash: &str) -> bool {
    let cost = hash.get(4..6).and_then(|c| c.parse::<u32>().ok());
    if cost.is_none_or(|c| c > MAX_BCRYPT_COST) {
        tracing::warn!("a BCrypt password hash with a cost above {MAX_BCRYPT_COST} is not checked");
        return false;
    }
    bcrypt::verify(password, hash).unwrap_or(false)
}

/// Whether `password` matches the PHC string (or BCrypt hash) `hash`. With `hash` `None` (no
/// such user) the same work is done against a dummy hash, so the answer takes as long either
/// way.
pub(crate) async fn verify(password: String, hash: Option<String>) -> Result<bool, PortalError> {
    one_at_a_time(move || {
        let stored = hash.unwrap_or_else(|| dummy_hash().to_owned());
        if is_bcrypt(&stored) {
            return bcrypt_matches(&password, &stored);
        }
        PasswordHash::new(&stored)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
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

//! The service credential: what a caller of the admin service (a portal in another process, an
//! operator's script) presents as `Authorization: Bearer <token>`, and what the meta server asks
//! for before it tells anyone where the admin services are.
//!
//! Several tokens may be accepted at once, so a credential can be rotated without downtime:
//! add the new token everywhere, move the callers to it, then remove the old one. Tokens are
//! compared through their SHA-256 digests in constant time, so neither their content nor their
//! length leaks through timing.

use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use crate::error_response;

/// The shortest token accepted: 32 characters (`openssl rand -hex 16` makes one).
pub const MIN_TOKEN_LENGTH: usize = 32;

/// Who may call: holders of one of the tokens, everyone (explicitly insecure), or nobody.
#[derive(Clone, Default)]
pub struct ServiceCredential {
    digests: Arc<[[u8; 32]]>,
    /// The token this process sends when it calls another service (the first configured).
    own: Option<Arc<str>>,
    open: bool,
}

impl std::fmt::Debug for ServiceCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceCredential")
            .field("tokens", &self.digests.len())
            .field("open", &self.open)
            .finish()
    }
}

/// Why a token was refused when the credential was configured.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    /// Shorter than [`MIN_TOKEN_LENGTH`].
    #[error("an admin token must be at least {MIN_TOKEN_LENGTH} characters (token {0} is shorter)")]
    TooShort(usize),
    /// Holds a character that cannot travel in a header.
    #[error("an admin token may hold only visible ASCII characters (token {0} does not)")]
    BadCharacter(usize),
}

impl ServiceCredential {
    /// Accepts holders of any of `tokens`; the first is the one this process presents. With no
    /// tokens nobody is accepted.
    pub fn tokens<S: AsRef<str>>(tokens: &[S]) -> Result<Self, TokenError> {
        let mut digests = Vec::with_capacity(tokens.len());
        for (i, token) in tokens.iter().enumerate() {
            let token = token.as_ref();
            if token.chars().count() < MIN_TOKEN_LENGTH {
                return Err(TokenError::TooShort(i + 1));
            }
            if !token.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(TokenError::BadCharacter(i + 1));
            }
            digests.push(digest(token.as_bytes()));
        }
        Ok(Self {
            digests: digests.into(),
            own: tokens.first().map(|t| Arc::from(t.as_ref())),
            open: false,
        })
    }

    /// Accepts every caller: an admin service run this way lets anyone who reaches its port
    /// change every configuration. Only for a network that nothing else can reach.
    pub fn insecure(self) -> Self {
        Self { open: true, ..self }
    }

    /// Whether any caller is accepted without a token.
    pub fn is_insecure(&self) -> bool {
        self.open
    }

    /// Whether at least one token is configured.
    pub fn has_tokens(&self) -> bool {
        !self.digests.is_empty()
    }

    /// The token this process presents to other services, if it has one.
    pub fn own_token(&self) -> Option<&str> {
        self.own.as_deref()
    }

    /// The `Authorization` header this process sends, if it has a token.
    pub fn authorization(&self) -> Option<HeaderValue> {
        let token = self.own.as_deref()?;
        let mut value = HeaderValue::from_str(&format!("Bearer {token}")).ok()?;
        value.set_sensitive(true);
        Some(value)
    }

    /// Whether the request's `Authorization: Bearer` names one of the tokens (or the
    /// credential is open).
    pub fn allows(&self, headers: &HeaderMap) -> bool {
        if self.open {
            return true;
        }
        let Some(presented) = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
        else {
            return false;
        };
        let presented = digest(presented.trim().as_bytes());
        // Every configured token is compared, whichever matches.
        self.digests
            .iter()
            .fold(subtle::Choice::from(0), |found, d| {
                found | d.ct_eq(&presented)
            })
            .into()
    }
}

fn digest(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// The header in which a caller holding the credential names the identity it acts for (the
/// signed-in user, or the consumer and its owner), for the audit log. It is read only from
/// callers that hold the credential (or from the portal in the same process).
pub const ACTOR_HEADER: &str = "x-lyre-actor";

/// `actor` as a header value: percent-encoded, so any name travels.
pub fn actor_header(actor: &str) -> HeaderValue {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(actor.len());
    for b in actor.bytes() {
        if b.is_ascii_alphanumeric() || b" -._~()@:".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    HeaderValue::from_str(&out).unwrap_or_else(|_| HeaderValue::from_static("unknown"))
}

/// The identity named in [`ACTOR_HEADER`], if any (and well formed).
pub fn actor_of(headers: &HeaderMap) -> Option<String> {
    let raw = headers.get(ACTOR_HEADER)?.to_str().ok()?.as_bytes();
    let mut bytes = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'%' {
            let hex = std::str::from_utf8(raw.get(i + 1..i + 3)?).ok()?;
            bytes.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            bytes.push(raw[i]);
            i += 1;
        }
    }
    String::from_utf8(bytes).ok().filter(|a| !a.is_empty())
}

/// The answer to a caller without the credential.
pub fn unauthorized(what: &str) -> Response {
    let mut response = error_response(
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        format!(
            "{what} needs the admin service credential: send `Authorization: Bearer <token>` with \
             a token from the admin service's admin_tokens (LYRE_ADMIN_TOKENS)"
        ),
    );
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

/// `router` answering 401 to every request without the credential, except the probes
/// (`/health`, `/ready`) and `/metrics`, which tell nothing about configuration.
pub fn require(router: Router, credential: ServiceCredential) -> Router {
    router.layer(middleware::from_fn(move |request: Request, next: Next| {
        let credential = credential.clone();
        async move {
            let open_path = matches!(request.uri().path(), "/health" | "/ready" | "/metrics");
            if open_path || credential.allows(request.headers()) {
                next.run(request).await
            } else {
                unauthorized("the admin service")
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bearer(token: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
        );
        headers
    }

    const OLD: &str = "0123456789abcdef0123456789abcdef";
    const NEW: &str = "fedcba9876543210fedcba9876543210";

    #[test]
    fn any_configured_token_is_accepted_and_nothing_else() {
        let credential = ServiceCredential::tokens(&[NEW, OLD]).unwrap();
        assert!(credential.allows(&bearer(NEW)));
        assert!(credential.allows(&bearer(OLD)));
        assert!(!credential.allows(&bearer(&NEW[..31])));
        assert!(!credential.allows(&bearer(&format!("{NEW}x"))));
        assert!(!credential.allows(&HeaderMap::new()));
        assert_eq!(credential.own_token(), Some(NEW));
    }

    #[test]
    fn no_tokens_accept_nobody_unless_insecure() {
        let none = ServiceCredential::default();
        assert!(!none.allows(&bearer(OLD)));
        assert!(!none.allows(&HeaderMap::new()));
        assert!(none.insecure().allows(&HeaderMap::new()));
    }

    #[test]
    fn weak_tokens_are_refused() {
        assert_eq!(
            ServiceCredential::tokens(&["short"]).unwrap_err(),
            TokenError::TooShort(1)
        );
        let spaced = format!("{OLD} x");
        assert_eq!(
            ServiceCredential::tokens(&[NEW, spaced.as_str()]).unwrap_err(),
            TokenError::BadCharacter(2)
        );
    }

    #[test]
    fn actors_travel_in_a_header_whatever_their_name() {
        for actor in ["alice", "ci-bot (consumer of alice)", "zoë 李", "a%b\nc"] {
            let mut headers = HeaderMap::new();
            headers.insert(ACTOR_HEADER, actor_header(actor));
            assert_eq!(actor_of(&headers).as_deref(), Some(actor));
        }
        let mut headers = HeaderMap::new();
        headers.insert(ACTOR_HEADER, HeaderValue::from_static("bad%zz"));
        assert_eq!(actor_of(&headers), None);
    }

    #[test]
    fn debug_shows_no_token() {
        let credential = ServiceCredential::tokens(&[OLD]).unwrap();
        assert!(!format!("{credential:?}").contains(OLD));
    }
}

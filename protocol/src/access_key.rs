//! Apollo's access-key signatures: a client of an app with access keys signs each request to
//! the config service with one of the app's secrets.

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

/// The value of the `Authorization` header: `Apollo {appId}:{signature}`.
pub fn authorization(app_id: &str, signature: &str) -> String {
    format!("Apollo {app_id}:{signature}")
}

/// `base64(HMAC-SHA1(secret, timestamp + "\n" + path_with_query))`, where `timestamp` is the
/// `Timestamp` header (epoch milliseconds) and `path_with_query` the request's path and raw
/// query as sent.
///
/// ```
/// let signature = lyre_protocol::access_key::signature(
///     "df23df3f59884980844ff3dada30fa97",
///     "1576478257344",
///     "/configs/100004458/default/application?ip=10.0.0.1",
/// );
/// assert_eq!(signature, "EoKyziXvKqzHgwx+ijDJwgVTDgE=");
/// ```
pub fn signature(secret: &str, timestamp: &str, path_with_query: &str) -> String {
    let mac = signer(secret, timestamp, path_with_query);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Whether `given` (base64) is the [`signature`] of the request under `secret`, compared in
/// constant time: how long a refusal takes says nothing of how close a guess came.
pub fn verify(secret: &str, timestamp: &str, path_with_query: &str, given: &str) -> bool {
    let Ok(given) = base64::engine::general_purpose::STANDARD.decode(given) else {
        return false;
    };
    signer(secret, timestamp, path_with_query)
        .verify_slice(&given)
        .is_ok()
}

fn signer(secret: &str, timestamp: &str, path_with_query: &str) -> Hmac<Sha1> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac =
        <Hmac<Sha1> as KeyInit>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(timestamp.as_bytes());
    mac.update(b"\n");
    mac.update(path_with_query.as_bytes());
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_accepts_the_signature_and_nothing_else() {
        let (secret, ts, path) = (
            "df23df3f59884980844ff3dada30fa97",
            "1576478257344",
            "/configs/a/b/c",
        );
        let good = signature(secret, ts, path);
        assert!(verify(secret, ts, path, &good));
        assert!(!verify(secret, ts, "/configs/a/b/d", &good));
        assert!(!verify("another", ts, path, &good));
        assert!(!verify(secret, ts, path, &good[..good.len() - 4]));
        assert!(!verify(secret, ts, path, "not base64!"));
        assert!(!verify(secret, ts, path, ""));
    }
}

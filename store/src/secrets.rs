//! Secret item values, sealed with AES-256-GCM.
//!
//! A [`KeyRing`] holds one or more named 256-bit keys; the first seals, every one opens (so
//! a new key can be put first while values sealed under the older ones are still read). A
//! sealed value is `lyre:v1:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>`. Its associated
//! data is the key id and the *scope* it was sealed for, the id of the app whose item holds it
//! (or [`WEBHOOKS`]): a value opens only in its own app, so a person who can see app A's sealed
//! value cannot paste it into an app they control and have it revealed or served there. The nonce is derived (HMAC-SHA256 under the key) from where the value
//! lives and the value itself: the same value saved to the same item seals the same way, so
//! comparing sealed values tells "changed" from "unchanged" without opening them, while the
//! same password in two items seals differently.
//!
//! [`rotate`] re-seals every stored value under the first key, batch by batch; it can be
//! stopped and run again.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use lyre_protocol::secret::{self, PREFIX};
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::hmac;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, DbErr};

/// Bytes of a key.
pub const KEY_LEN: usize = 32;

/// The scope of webhook signing secrets (no app id starts with `#`).
pub const WEBHOOKS: &str = "#webhooks";

/// What went wrong with a secret; never says anything of the value.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretError {
    /// Sealing asked of a ring without keys.
    #[error(
        "no secret keys are configured: set secret_keys (LYRE_SECRET_KEYS) or secret_keys_file \
         (LYRE_SECRET_KEYS_FILE); `lyre secrets new-key` makes one"
    )]
    NoKeys,
    /// A sealed value names a key this ring does not hold.
    #[error("the secret is sealed with key `{0}`, which is not among the configured secret keys")]
    UnknownKey(String),
    /// Not a sealed value, or one that does not open here (sealed for another app, altered,
    /// or sealed with another key of the same id).
    #[error(
        "the secret does not open with key `{0}` here: it was sealed for another app (give a \
         secret copied from another app as its plain value), altered, or sealed with another key"
    )]
    DoesNotOpen(String),
    /// The value is not in the sealed form.
    #[error("the value is not a sealed secret")]
    NotSealed,
    /// A key ring entry is malformed.
    #[error("secret key {0}")]
    BadKey(String),
}

struct Key {
    id: String,
    aead: LessSafeKey,
    nonces: hmac::Key,
}

/// Named AES-256-GCM keys; the first seals. Cheap to share behind an `Arc`.
#[derive(Default)]
pub struct KeyRing {
    keys: Vec<Key>,
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|k| k.id.as_str()).collect();
        f.debug_struct("KeyRing").field("ids", &ids).finish()
    }
}

impl KeyRing {
    /// A ring from entries `id:base64-of-32-bytes`, separated by commas or lines (blank lines
    /// and `#` comments skipped); the first seals.
    pub fn parse(text: &str) -> Result<Self, SecretError> {
        let mut ring = Self::default();
        for entry in text
            .lines()
            .map(str::trim)
            .filter(|l| !l.starts_with('#'))
            .flat_map(|l| l.split(','))
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            ring.add(entry)?;
        }
        Ok(ring)
    }

    fn add(&mut self, entry: &str) -> Result<(), SecretError> {
        let Some((id, encoded)) = entry.split_once(':') else {
            return Err(SecretError::BadKey(
                "entries are `id:base64-key` (e.g. from `lyre secrets new-key`)".into(),
            ));
        };
        let id = id.trim();
        if !secret::is_key_id(id) {
            return Err(SecretError::BadKey(format!(
                "id `{}` must be 1 to 32 letters, digits, `_` or `-`",
                id.escape_debug()
            )));
        }
        let bytes = STANDARD
            .decode(encoded.trim())
            .or_else(|_| URL_SAFE_NO_PAD.decode(encoded.trim().trim_end_matches('=')))
            .map_err(|_| SecretError::BadKey(format!("`{id}`: the key is not base64")))?;
        if bytes.len() != KEY_LEN {
            return Err(SecretError::BadKey(format!(
                "`{id}`: the key is {} bytes, not {KEY_LEN}",
                bytes.len()
            )));
        }
        if self.keys.iter().any(|k| k.id == id) {
            return Err(SecretError::BadKey(format!("`{id}` is given twice")));
        }
        let unbound = UnboundKey::new(&AES_256_GCM, &bytes)
            .map_err(|_| SecretError::BadKey(format!("`{id}` is not an AES-256 key")))?;
        self.keys.push(Key {
            id: id.to_owned(),
            aead: LessSafeKey::new(unbound),
            nonces: hmac::Key::new(hmac::HMAC_SHA256, &bytes),
        });
        Ok(())
    }

    /// A new ring entry `id:base64` with a random key.
    pub fn new_entry(id: &str) -> Result<String, SecretError> {
        if !secret::is_key_id(id) {
            return Err(SecretError::BadKey(format!(
                "id `{}` must be 1 to 32 letters, digits, `_` or `-`",
                id.escape_debug()
            )));
        }
        let mut key = [0u8; KEY_LEN];
        rand::fill(&mut key);
        Ok(format!("{id}:{}", STANDARD.encode(key)))
    }

    /// Whether the ring holds no key (secrets can then be neither sealed nor opened).
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The ids of the keys, the sealing one first.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|k| k.id.as_str())
    }

    /// Seals `plaintext` for `scope` (the app whose item holds it: it opens in that app only),
    /// as the value of the item that `place` names (environment, app, cluster, namespace and
    /// key: the same value in another place seals differently).
    pub fn seal(&self, scope: &str, place: &str, plaintext: &str) -> Result<String, SecretError> {
        let key = self.keys.first().ok_or(SecretError::NoKeys)?;
        let mut seed = Vec::with_capacity(place.len() + plaintext.len() + 1);
        seed.extend_from_slice(place.as_bytes());
        seed.push(0);
        seed.extend_from_slice(plaintext.as_bytes());
        Ok(seal_with(key, scope, &seed, plaintext.as_bytes()))
    }

    /// Opens a value sealed for `scope`; one sealed for another scope does not open.
    pub fn open(&self, scope: &str, sealed: &str) -> Result<String, SecretError> {
        let (id, body) = secret::split(sealed).ok_or(SecretError::NotSealed)?;
        let key = self
            .keys
            .iter()
            .find(|k| k.id == id)
            .ok_or_else(|| SecretError::UnknownKey(id.to_owned()))?;
        let does_not_open = || SecretError::DoesNotOpen(id.to_owned());
        let mut bytes = URL_SAFE_NO_PAD.decode(body).map_err(|_| does_not_open())?;
        if bytes.len() < NONCE_LEN + AES_256_GCM.tag_len() {
            return Err(does_not_open());
        }
        let mut ciphertext = bytes.split_off(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(&bytes).map_err(|_| does_not_open())?;
        let plain = key
            .aead
            .open_in_place(nonce, Aad::from(aad(id, scope)), &mut ciphertext)
            .map_err(|_| does_not_open())?;
        String::from_utf8(plain.to_vec()).map_err(|_| does_not_open())
    }

    /// `sealed` (sealed for `scope`) under the sealing key: `None` when it already is. Equal
    /// sealed values stay equal after re-sealing.
    pub fn reseal(&self, scope: &str, sealed: &str) -> Result<Option<String>, SecretError> {
        let key = self.keys.first().ok_or(SecretError::NoKeys)?;
        let (id, _) = secret::split(sealed).ok_or(SecretError::NotSealed)?;
        if id == key.id {
            return Ok(None);
        }
        let plaintext = self.open(scope, sealed)?;
        let mut seed = b"reseal\0".to_vec();
        seed.extend_from_slice(sealed.as_bytes());
        Ok(Some(seal_with(key, scope, &seed, plaintext.as_bytes())))
    }

    /// `text` with every sealed value in it (each sealed for `scope`) re-sealed under the
    /// sealing key; `None` when none needed it.
    pub fn reseal_all(&self, scope: &str, text: &str) -> Result<Option<String>, SecretError> {
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        let mut changed = false;
        for range in secret::find_all(text) {
            if let Some(new) = self.reseal(scope, &text[range.clone()])? {
                out.push_str(&text[last..range.start]);
                out.push_str(&new);
                last = range.end;
                changed = true;
            }
        }
        if !changed {
            return Ok(None);
        }
        out.push_str(&text[last..]);
        Ok(Some(out))
    }
}

/// The associated data of a value sealed with key `id` for `scope`.
fn aad(id: &str, scope: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(id.len() + 1 + scope.len());
    aad.extend_from_slice(id.as_bytes());
    aad.push(0);
    aad.extend_from_slice(scope.as_bytes());
    aad
}

fn seal_with(key: &Key, scope: &str, seed: &[u8], plaintext: &[u8]) -> String {
    let tag = hmac::sign(&key.nonces, seed);
    let mut nonce_bytes = [0u8; NONCE_LEN];
    nonce_bytes.copy_from_slice(&tag.as_ref()[..NONCE_LEN]);
    let mut body = plaintext.to_vec();
    key.aead
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce_bytes),
            Aad::from(aad(&key.id, scope)),
            &mut body,
        )
        .expect("AES-GCM seals any value shorter than 64 GiB");
    let mut all = nonce_bytes.to_vec();
    all.extend_from_slice(&body);
    format!("{PREFIX}{}:{}", key.id, URL_SAFE_NO_PAD.encode(all))
}

/// A text column that may hold sealed values.
#[derive(Clone, Copy, Debug)]
pub struct SealedColumn {
    pub table: &'static str,
    pub column: &'static str,
    /// Where a row's scope comes from.
    pub scope: ScopeOf,
}

/// Where the scope of a row's sealed values comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScopeOf {
    /// The row's own `app_id`.
    AppId,
    /// The `app_id` of the namespace that the row's `namespace_id` names.
    Namespace,
    /// The same for every row.
    Fixed(&'static str),
}

/// The text columns that may hold sealed values.
pub const SEALED_COLUMNS: &[SealedColumn] = &[
    SealedColumn {
        table: "items",
        column: "value",
        scope: ScopeOf::Namespace,
    },
    SealedColumn {
        table: "releases",
        column: "configurations",
        scope: ScopeOf::AppId,
    },
    SealedColumn {
        table: "commits",
        column: "change_sets",
        scope: ScopeOf::AppId,
    },
    SealedColumn {
        table: "release_requests",
        column: "diff",
        scope: ScopeOf::AppId,
    },
    SealedColumn {
        table: "release_histories",
        column: "operation_context",
        scope: ScopeOf::AppId,
    },
    SealedColumn {
        table: "audits",
        column: "detail",
        scope: ScopeOf::AppId,
    },
    SealedColumn {
        table: "events",
        column: "payload",
        scope: ScopeOf::AppId,
    },
    SealedColumn {
        table: "webhooks",
        column: "sealed_secret",
        scope: ScopeOf::Fixed(WEBHOOKS),
    },
];

/// Rows re-sealed at a time.
const BATCH: u64 = 100;

/// What a rotation did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rotated {
    /// Rows rewritten, per (table, column).
    pub rewritten: Vec<(&'static str, u64)>,
    /// Passes over the tables (a pass that rewrote something is followed by another, which
    /// catches values a concurrent publish copied from a row not yet re-sealed).
    pub passes: u32,
    /// Webhook signing secrets that were kept as they were (made before keys were configured)
    /// and are now sealed.
    pub webhooks_sealed: u64,
}

impl Rotated {
    /// Rows rewritten in all.
    pub fn total(&self) -> u64 {
        self.rewritten.iter().map(|(_, n)| n).sum()
    }
}

/// Re-seals every stored sealed value under the ring's first key, `BATCH` rows at a time,
/// each row rewritten only if nobody changed it meanwhile; passes repeat until one finds
/// nothing left. `progress` hears each batch.
pub async fn rotate(
    db: &impl ConnectionTrait,
    ring: &KeyRing,
    mut progress: impl FnMut(&str, u64),
) -> Result<Rotated, RotateError> {
    if ring.is_empty() {
        return Err(SecretError::NoKeys.into());
    }
    let mut done = Rotated {
        webhooks_sealed: seal_plain_webhook_secrets(db, ring).await?,
        ..Rotated::default()
    };
    loop {
        done.passes += 1;
        let mut pass = 0;
        for sealed in SEALED_COLUMNS {
            let n = rotate_column(db, ring, sealed, &mut progress).await?;
            match done.rewritten.iter_mut().find(|(t, _)| *t == sealed.table) {
                Some(entry) => entry.1 += n,
                None => done.rewritten.push((sealed.table, n)),
            }
            pass += n;
        }
        if pass == 0 {
            return Ok(done);
        }
    }
}

/// Why a rotation stopped.
#[derive(Debug, thiserror::Error)]
pub enum RotateError {
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error("{table} row {id}: {error}")]
    Row {
        table: &'static str,
        id: i64,
        error: SecretError,
    },
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Seals the signing secrets of webhooks made before keys were configured, each only if it did
/// not change meanwhile.
async fn seal_plain_webhook_secrets(
    db: &impl ConnectionTrait,
    ring: &KeyRing,
) -> Result<u64, RotateError> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

    use crate::entity::webhook;
    let plain = webhook::Entity::find()
        .filter(webhook::Column::SealedSecret.eq(""))
        .filter(webhook::Column::Secret.ne(""))
        .all(db)
        .await?;
    let mut sealed = 0;
    for w in plain {
        let new = ring.seal(WEBHOOKS, "webhooks", &w.secret)?;
        sealed += webhook::Entity::update_many()
            .col_expr(webhook::Column::SealedSecret, Expr::value(new))
            .col_expr(webhook::Column::Secret, Expr::value(""))
            .filter(webhook::Column::Id.eq(w.id))
            .filter(webhook::Column::Secret.eq(w.secret.as_str()))
            .filter(webhook::Column::SealedSecret.eq(""))
            .exec(db)
            .await?
            .rows_affected;
    }
    Ok(sealed)
}

async fn rotate_column(
    db: &impl ConnectionTrait,
    ring: &KeyRing,
    sealed: &SealedColumn,
    progress: &mut impl FnMut(&str, u64),
) -> Result<u64, RotateError> {
    let table = sealed.table;
    let (t, c, id) = (
        Alias::new(table),
        Alias::new(sealed.column),
        Alias::new("id"),
    );
    let mut after = 0i64;
    let mut rewritten = 0;
    loop {
        let mut select = Query::select()
            .column((t.clone(), id.clone()))
            .column((t.clone(), c.clone()))
            .from(t.clone())
            .and_where(Expr::col((t.clone(), id.clone())).gt(after))
            .and_where(Expr::col((t.clone(), c.clone())).like(format!("%{PREFIX}%")))
            .order_by((t.clone(), id.clone()), sea_orm::Order::Asc)
            .limit(BATCH)
            .to_owned();
        match sealed.scope {
            ScopeOf::AppId => {
                select.column((t.clone(), Alias::new("app_id")));
            }
            ScopeOf::Namespace => {
                let ns = Alias::new("namespaces");
                select
                    .column((ns.clone(), Alias::new("app_id")))
                    .inner_join(
                        ns.clone(),
                        Expr::col((ns, id.clone())).equals((t.clone(), Alias::new("namespace_id"))),
                    );
            }
            ScopeOf::Fixed(_) => {}
        }
        let rows = db.query_all(&select).await?;
        let Some(last) = rows.last() else {
            return Ok(rewritten);
        };
        after = last.try_get_by_index::<i64>(0)?;
        let mut batch = 0;
        for row in &rows {
            let row_id: i64 = row.try_get_by_index(0)?;
            let old: String = row.try_get_by_index(1)?;
            let scope = match sealed.scope {
                ScopeOf::Fixed(scope) => scope.to_owned(),
                ScopeOf::AppId | ScopeOf::Namespace => row.try_get_by_index::<String>(2)?,
            };
            let new = ring
                .reseal_all(&scope, &old)
                .map_err(|error| RotateError::Row {
                    table,
                    id: row_id,
                    error,
                })?;
            let Some(new) = new else { continue };
            // Only if unchanged since it was read: a concurrent edit wins, and the next pass
            // looks at it again.
            let update = Query::update()
                .table(t.clone())
                .value(c.clone(), new)
                .and_where(Expr::col(id.clone()).eq(row_id))
                .and_where(Expr::col(c.clone()).eq(old))
                .to_owned();
            batch += db.execute(&update).await?.rows_affected();
        }
        rewritten += batch;
        progress(table, batch);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(ids: &[&str]) -> KeyRing {
        let entries: Vec<String> = ids
            .iter()
            .map(|id| KeyRing::new_entry(id).unwrap())
            .collect();
        KeyRing::parse(&entries.join(",")).unwrap()
    }

    #[test]
    fn seals_and_opens() {
        let r = ring(&["k1"]);
        let sealed = r
            .seal(
                "shop",
                "DEV/shop/default/application/db.password",
                "hunter2",
            )
            .unwrap();
        assert!(sealed.starts_with("lyre:v1:k1:"));
        assert!(!sealed.contains("hunter2"));
        assert_eq!(r.open("shop", &sealed).unwrap(), "hunter2");
        // The same value in the same place seals the same way; elsewhere, differently.
        assert_eq!(
            r.seal(
                "shop",
                "DEV/shop/default/application/db.password",
                "hunter2"
            )
            .unwrap(),
            sealed
        );
        assert_ne!(
            r.seal("shop", "DEV/shop/default/application/other", "hunter2")
                .unwrap(),
            sealed
        );
        assert_ne!(
            r.seal(
                "shop",
                "DEV/shop/default/application/db.password",
                "hunter3"
            )
            .unwrap(),
            sealed
        );
        assert_eq!(
            r.open("shop", &r.seal("shop", "p", "").unwrap()).unwrap(),
            ""
        );
    }

    #[test]
    fn a_value_opens_only_in_the_app_it_was_sealed_for() {
        let r = ring(&["k1"]);
        let place = "DEV/shop/default/application/db.password";
        let sealed = r.seal("shop", place, "hunter2").unwrap();
        assert_eq!(r.open("shop", &sealed).unwrap(), "hunter2");
        assert_eq!(
            r.open("mine", &sealed),
            Err(SecretError::DoesNotOpen("k1".into()))
        );
        assert!(r.open(WEBHOOKS, &sealed).is_err());
        let mut both = ring(&["k2"]);
        both.keys.push(r.keys.into_iter().next().unwrap());
        assert!(
            both.reseal("mine", &sealed).is_err(),
            "nor re-seals elsewhere"
        );
        let resealed = both.reseal("shop", &sealed).unwrap().unwrap();
        assert!(both.open("mine", &resealed).is_err(), "and stays bound");
        assert_eq!(both.open("shop", &resealed).unwrap(), "hunter2");
    }

    #[test]
    fn refuses_what_it_cannot_open() {
        let r = ring(&["k1"]);
        let sealed = r.seal("shop", "p", "hunter2").unwrap();
        let other = ring(&["k1"]);
        assert_eq!(
            other.open("shop", &sealed),
            Err(SecretError::DoesNotOpen("k1".into()))
        );
        assert_eq!(
            ring(&["k9"]).open("shop", &sealed),
            Err(SecretError::UnknownKey("k1".into()))
        );
        let mut altered = sealed;
        let last = altered.pop().unwrap();
        altered.push(if last == 'A' { 'B' } else { 'A' });
        assert!(r.open("shop", &altered).is_err());
        assert_eq!(r.open("shop", "hunter2"), Err(SecretError::NotSealed));
        assert_eq!(
            r.open("shop", "lyre:v1:k1:AAAA"),
            Err(SecretError::DoesNotOpen("k1".into()))
        );
        assert_eq!(
            KeyRing::default().seal("shop", "p", "x"),
            Err(SecretError::NoKeys)
        );
    }

    #[test]
    fn reseals_under_the_first_key() {
        let old = ring(&["k1"]);
        let a = old.seal("shop", "p", "hunter2").unwrap();
        let b = old.seal("shop", "q", "hunter2").unwrap();
        let entries = format!("{},{}", KeyRing::new_entry("k2").unwrap(), "k1:");
        assert!(KeyRing::parse(&entries).is_err(), "an empty key is refused");
        // The new ring: k2 first, k1 still opens.
        let mut both = ring(&["k2"]);
        both.keys.push(old.keys.into_iter().next().unwrap());
        let new_a = both.reseal("shop", &a).unwrap().unwrap();
        assert!(new_a.starts_with("lyre:v1:k2:"));
        assert_eq!(both.open("shop", &new_a).unwrap(), "hunter2");
        assert_eq!(
            both.reseal("shop", &a).unwrap().unwrap(),
            new_a,
            "equal stays equal"
        );
        assert_ne!(both.reseal("shop", &b).unwrap().unwrap(), new_a);
        assert_eq!(both.reseal("shop", &new_a).unwrap(), None);
        let doc = format!(r#"{{"x":"{a}","y":"plain","z":"{b}"}}"#);
        let resealed = both.reseal_all("shop", &doc).unwrap().unwrap();
        assert!(!resealed.contains(&a) && resealed.contains(&new_a));
        assert!(resealed.contains(r#""y":"plain""#));
        assert_eq!(both.reseal_all("shop", &resealed).unwrap(), None);
    }

    #[test]
    fn parses_rings_and_names_mistakes() {
        let a = KeyRing::new_entry("a").unwrap();
        let b = KeyRing::new_entry("b").unwrap();
        let r = KeyRing::parse(&format!("# keys\n{a}\n\n{b}\n")).unwrap();
        assert_eq!(r.ids().collect::<Vec<_>>(), ["a", "b"]);
        assert!(format!("{r:?}").contains("\"a\""));
        assert!(!format!("{r:?}").contains(&a[2..]), "Debug shows no key");
        for (bad, says) in [
            ("nocolon", "entries are"),
            ("bad id:AAAA", "must be 1 to 32"),
            ("a:!!!", "not base64"),
            ("a:AAAA", "not 32"),
        ] {
            let e = KeyRing::parse(bad).unwrap_err().to_string();
            assert!(e.contains(says), "{bad}: {e}");
        }
        assert!(
            KeyRing::parse(&format!("{a},{a}"))
                .unwrap_err()
                .to_string()
                .contains("twice")
        );
        assert!(KeyRing::parse("").unwrap().is_empty());
    }
}

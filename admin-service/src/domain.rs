//! The rules of configuration changes, shared by the handlers: what a valid key and value
//! are, how a namespace is locked and changed, how releases are keyed and compared, and how
//! deletions cascade.

use lyre_protocol::admin::{ChangeKind, ChangeSet, KeyChange};
use lyre_protocol::config::Configurations;
use lyre_protocol::error::NO_PARAMS;
use lyre_protocol::format::{Format, validate_content};
use lyre_service_kit::keyed::KeyedGuard;
use lyre_store::config::namespaces::NamespaceRef;
use lyre_store::config::{
    app_namespaces, audit, branches, commits, items, locks, namespaces, releases,
};
use lyre_store::entity::{app_namespace, item, namespace, release, release_message};
use lyre_store::sea_orm::{ConnectionTrait, DatabaseTransaction, DbErr};
use lyre_store::{settings, webhooks, write};

use crate::params::NamespaceAt;
use crate::{AdminError, AdminState};

/// The key of a non-properties namespace's only item.
pub(crate) const CONTENT_KEY: &str = "content";
/// Longest item comment, in characters.
const COMMENT_MAX: usize = 2048;

/// Setting names, per environment.
pub(crate) const NAMESPACE_LOCK: &str = "namespace_lock";
pub(crate) const EMERGENCY_PUBLISH: &str = "emergency_publish_allowed";
pub(crate) const REVIEW_REQUIRED: &str = "portal.review_required";
pub(crate) const MEMBER_ONLY_VIEW: &str = "portal.member_only_view";

/// The environment whose review and member-only rules are on until someone changes them.
const STRICT_BY_DEFAULT: &str = "PRO";

/// How an environment governs edits, publishes and views.
#[derive(Clone, Copy, Debug)]
pub(crate) struct EnvRules {
    pub namespace_lock: bool,
    pub emergency_publish_allowed: bool,
    pub review_required: bool,
    pub member_only_view: bool,
}

pub(crate) async fn env_rules(db: &impl ConnectionTrait, env: &str) -> Result<EnvRules, DbErr> {
    let strict = env.eq_ignore_ascii_case(STRICT_BY_DEFAULT);
    Ok(EnvRules {
        namespace_lock: settings::get_bool(db, env, NAMESPACE_LOCK, false).await?,
        emergency_publish_allowed: settings::get_bool(db, env, EMERGENCY_PUBLISH, false).await?,
        review_required: settings::get_bool(db, env, REVIEW_REQUIRED, strict).await?,
        member_only_view: settings::get_bool(db, env, MEMBER_ONLY_VIEW, strict).await?,
    })
}

/// A namespace's definition as seen from an app: its own, or another app's public one that
/// it associated.
#[derive(Clone, Debug)]
pub(crate) struct Definition {
    pub model: app_namespace::Model,
    pub associated: bool,
}

impl Definition {
    pub(crate) fn format(&self) -> Format {
        Format::parse(&self.model.format).unwrap_or(Format::Properties)
    }
}

/// The definition of namespace `name` for `app_id`: its own first, else a public one.
pub(crate) async fn definition(
    db: &impl ConnectionTrait,
    app_id: &str,
    name: &str,
) -> Result<Option<Definition>, DbErr> {
    if let Some(model) = app_namespaces::find(db, app_id, name).await? {
        return Ok(Some(Definition {
            model,
            associated: false,
        }));
    }
    Ok(app_namespaces::find_public(db, name)
        .await?
        .filter(|m| m.app_id != app_id)
        .map(|model| Definition {
            model,
            associated: true,
        }))
}

/// Checks an item key for a namespace of `format`.
pub(crate) fn check_key(state: &AdminState, format: Format, key: &str) -> Result<(), AdminError> {
    if !format.is_properties() {
        if key != CONTENT_KEY {
            return Err(AdminError::Invalid(format!(
                "a {format} namespace holds one item, `{CONTENT_KEY}`, not `{key}`"
            ))
            .because(
                "file_namespace_key",
                [
                    ("format", format.as_str()),
                    ("key", key),
                    ("expected", CONTENT_KEY),
                ],
            ));
        }
        return Ok(());
    }
    let max = state.settings().key_max_length;
    if key.is_empty() {
        return Err(AdminError::Invalid("the key is empty".into()).because("key_empty", NO_PARAMS));
    }
    if key.chars().count() > max {
        let start = key.chars().take(32).collect::<String>();
        return Err(AdminError::Invalid(format!(
            "the key `{start}…` is longer than {max} characters"
        ))
        .because("key_too_long", [("key", start)])
        .with("limit", max));
    }
    if key.trim() != key {
        return Err(
            AdminError::Invalid(format!("the key `{key}` starts or ends with whitespace"))
                .because("key_whitespace", [("key", key)]),
        );
    }
    if let Some(c) = key.chars().find(|c| matches!(c, '=' | ':' | '\n' | '\r')) {
        return Err(AdminError::Invalid(format!(
            "the key `{}` contains {}, which a properties key cannot",
            key.escape_debug(),
            match c {
                '=' => "`=`",
                ':' => "`:`",
                _ => "a line break",
            }
        ))
        .because(
            "key_forbidden_character",
            [
                ("key", key),
                (
                    "character",
                    match c {
                        '=' => "=",
                        ':' => ":",
                        _ => "line_break",
                    },
                ),
            ],
        ));
    }
    if key.starts_with('#') || key.starts_with('!') {
        return Err(AdminError::Invalid(format!(
            "the key `{key}` starts with `{}`, which marks a comment in properties text",
            &key[..1]
        ))
        .because(
            "key_comment_marker",
            [("key", key), ("character", &key[..1])],
        ));
    }
    Ok(())
}

/// Checks an item value (a file namespace's whole content) for a namespace of `format`.
pub(crate) fn check_value(
    state: &AdminState,
    format: Format,
    key: &str,
    value: &str,
) -> Result<(), AdminError> {
    let max = state.settings().value_max_length;
    let length = value.chars().count();
    if length > max {
        return Err(AdminError::Invalid(format!(
            "the value of `{key}` is {length} characters long; the limit is {max}"
        ))
        .because("value_too_long", [("key", key)])
        .with("length", length)
        .with("limit", max));
    }
    if format.is_properties() {
        if value.contains(['\n', '\r']) {
            return Err(AdminError::Invalid(format!(
                "the value of `{key}` contains a line break; values of a properties namespace \
                 are one line (use a yaml, json or txt namespace for text with line breaks)"
            ))
            .because("value_line_break", [("key", key)]));
        }
        return Ok(());
    }
    // Empty content means "nothing configured yet", in every format.
    if value.trim().is_empty() {
        return Ok(());
    }
    validate_content(format, value).map_err(|e| {
        AdminError::InvalidContent(e.to_string())
            .because(
                "invalid_content",
                [("format", e.format.as_str()), ("problem", &e.message)],
            )
            .with("line", e.line)
            .with("column", e.column)
    })
}

/// The value to store for item `key` of `at`: checked as given, then sealed when `secret` (for
/// `at`'s app). A value that is already sealed (a secret's value sent back as it was read, or
/// copied from another environment or cluster of the app) is stored as it is, once a
/// configured key opens it for this app: one sealed for another app is refused, or anyone who
/// may view that app's namespace could paste its secrets where they may reveal them. Errors
/// about a secret never quote it.
pub(crate) fn value_to_store(
    state: &AdminState,
    at: &NamespaceAt,
    format: Format,
    key: &str,
    value: &str,
    secret: bool,
) -> Result<String, AdminError> {
    let ring = state.secrets();
    if lyre_protocol::secret::is_sealed(value) {
        ring.open(at.app_id.as_str(), value)
            .map_err(|e| AdminError::Invalid(format!("the value of `{key}`: {e}")))?;
        return Ok(value.to_owned());
    }
    if !secret {
        check_value(state, format, key, value)?;
        return Ok(value.to_owned());
    }
    if ring.is_empty() {
        return Err(AdminError::Invalid(format!(
            "`{key}` cannot be made secret: {}",
            lyre_store::secrets::SecretError::NoKeys
        )));
    }
    check_value(state, format, key, value).map_err(|e| match e.inner() {
        // A parser's message may quote the content.
        AdminError::InvalidContent(_) => {
            AdminError::InvalidContent(format!("the secret value of `{key}` is not valid {format}"))
                .because(
                    "invalid_secret_content",
                    [("key", key), ("format", format.as_str())],
                )
        }
        _ => e,
    })?;
    ring.seal(at.app_id.as_str(), &format!("{at}/{key}"), value)
        .map_err(|e| AdminError::Invalid(format!("the value of `{key}`: {e}")))
}

/// Checks an item comment.
pub(crate) fn check_comment(comment: &str) -> Result<(), AdminError> {
    if comment.chars().count() > COMMENT_MAX {
        return Err(AdminError::Invalid(format!(
            "the comment is longer than {COMMENT_MAX} characters"
        )));
    }
    Ok(())
}

pub(crate) fn namespace_not_found(at: &NamespaceAt) -> AdminError {
    AdminError::not_found(
        "namespace_not_found",
        format!("namespace {at} does not exist"),
    )
    .because("not_found", at.params())
    .with("kind", "namespace")
    .with("name", at.namespace.as_str())
}

/// Opens a write transaction with the namespace's row locked: the first read of the
/// transaction, so what follows sees every earlier writer's commit. Other writers of the
/// namespace in this process wait (without a database connection) until the returned gate is
/// dropped: keep it until the transaction has ended.
pub(crate) async fn lock_namespace(
    state: &AdminState,
    at: &NamespaceAt,
) -> Result<(KeyedGuard, DatabaseTransaction, namespace::Model), AdminError> {
    let gate = state.gates().lock(at.to_string()).await;
    let txn = write::begin(state.db()).await?;
    let ns = namespaces::find_for_update(&txn, at.r())
        .await?
        .ok_or_else(|| namespace_not_found(at))?;
    Ok((gate, txn, ns))
}

/// An open change of one namespace's items. Its row stays locked until [`Edit::finish`] (or
/// until the edit is dropped, which undoes everything).
pub(crate) struct Edit<'a> {
    pub txn: DatabaseTransaction,
    pub ns: namespace::Model,
    pub at: &'a NamespaceAt,
    pub format: Format,
    pub operator: String,
    /// Set when items moved without any value or comment changing: still worth committing.
    pub reordered: bool,
    rules: EnvRules,
    holds_lock: bool,
    /// Dropped after the transaction (fields drop in order).
    _gate: KeyedGuard,
}

impl<'a> Edit<'a> {
    /// Locks the namespace and checks that `operator` may edit it.
    pub(crate) async fn begin(
        state: &AdminState,
        at: &'a NamespaceAt,
        operator: String,
    ) -> Result<Self, AdminError> {
        let (gate, txn, ns) = lock_namespace(state, at).await?;
        // A gray branch's namespace (its items are the branch's overrides, however they are
        // reached) stays as it is while a rollout of it is under way.
        if let Some(parent) =
            branches::parent_of(&txn, &at.env, at.app_id.as_str(), at.cluster.as_str()).await?
        {
            let main = NamespaceAt {
                cluster: lyre_protocol::names::ClusterName::parse(&parent)
                    .map_err(|e| AdminError::Invalid(e.to_string()))?,
                ..at.clone()
            };
            crate::ops::rollouts::refuse_while_open(&txn, &main, "change the branch's overrides")
                .await?;
        }
        let format = definition(&txn, at.app_id.as_str(), at.namespace.as_str())
            .await?
            .map_or(Format::Properties, |d| d.format());
        let rules = env_rules(&txn, &at.env).await?;
        let mut holds_lock = false;
        if rules.namespace_lock
            && let Some(lock) = locks::find(&txn, ns.id).await?
        {
            if lock.created_by != operator {
                return Err(AdminError::Locked(format!(
                    "namespace {at} is being edited by `{}`, who holds it until the changes are \
                     published",
                    lock.created_by
                ))
                .because("locked_by_other", at.params())
                .with("user", &lock.created_by));
            }
            holds_lock = true;
        }
        Ok(Self {
            txn,
            ns,
            at,
            format,
            operator,
            reordered: false,
            rules,
            holds_lock,
            _gate: gate,
        })
    }

    /// The namespace's live items, in order.
    pub(crate) async fn items(&self) -> Result<Vec<item::Model>, DbErr> {
        items::list(&self.txn, self.ns.id).await
    }

    /// Records the change (commit, audit, revision, edit lock) and commits; returns the new
    /// revision. A change that changed nothing commits nothing.
    pub(crate) async fn finish(
        self,
        changes: &ChangeSet,
        comment: &str,
    ) -> Result<i64, AdminError> {
        if changes.is_empty() && !self.reordered {
            self.txn.rollback().await?;
            return Ok(self.ns.revision);
        }
        let revision = namespaces::bump_revision(&self.txn, &self.ns, &self.operator).await?;
        let change_json = serde_json::to_string(changes).unwrap_or_default();
        commits::insert(
            &self.txn,
            self.at.r(),
            change_json.clone(),
            comment,
            &self.operator,
        )
        .await?;
        if self.rules.namespace_lock && !self.holds_lock {
            locks::acquire(&self.txn, self.ns.id, &self.operator).await?;
        }
        record(
            &self.txn,
            Audit {
                env: &self.at.env,
                app_id: self.at.app_id.as_str(),
                entity_type: audit::EDIT_ENTITY,
                entity_id: &self.at.to_string(),
                operation: audit::EDIT_OPERATION,
                operator: &self.operator,
            },
            change_json,
        )
        .await?;
        self.txn.commit().await?;
        Ok(revision)
    }
}

/// What an audit row says, besides its detail.
pub(crate) struct Audit<'a> {
    pub env: &'a str,
    pub app_id: &'a str,
    pub entity_type: &'a str,
    pub entity_id: &'a str,
    pub operation: &'a str,
    pub operator: &'a str,
}

/// Writes an audit row with `detail` (JSON). The row names the identity the caller
/// authenticated (see `actor`); an `operator` the request named otherwise is kept in the
/// detail as `onBehalfOf`, a label and no more.
pub(crate) async fn record(
    db: &impl ConnectionTrait,
    a: Audit<'_>,
    detail: String,
) -> Result<(), DbErr> {
    let actor = crate::actor::current();
    let (operator, detail) = match actor {
        Some(actor) if actor != a.operator => {
            let mut value: serde_json::Value =
                serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null);
            if !value.is_object() {
                value = serde_json::json!({ "detail": value });
            }
            value["onBehalfOf"] = serde_json::Value::from(a.operator);
            (actor, value.to_string())
        }
        _ => (a.operator.to_owned(), detail),
    };
    audit::record(
        db,
        audit::Record {
            env: a.env,
            app_id: a.app_id,
            entity_type: a.entity_type,
            entity_id: a.entity_id,
            operation: a.operation,
            detail,
            operator: &operator,
        },
    )
    .await
}

/// Records event `kind` of the namespace at `r` (an outbox row, delivered to the webhooks that
/// hear it) in the caller's transaction: `detail` and where it happened, and who did it (the
/// authenticated identity, as in the audit log).
pub(crate) async fn announce(
    db: &impl ConnectionTrait,
    r: NamespaceRef<'_>,
    kind: &str,
    mut detail: serde_json::Value,
    operator: &str,
) -> Result<(), DbErr> {
    if !detail.is_object() {
        detail = serde_json::json!({ "detail": detail });
    }
    detail["env"] = r.env.into();
    detail["appId"] = r.app_id.into();
    detail["clusterName"] = r.cluster.into();
    detail["namespaceName"] = r.namespace.into();
    detail["operator"] = crate::actor::current()
        .unwrap_or_else(|| operator.to_owned())
        .into();
    webhooks::record_event(
        db,
        webhooks::NewEvent {
            main: r,
            kind,
            payload: detail,
        },
    )
    .await?;
    Ok(())
}

/// Stores a release of the namespace at `r` under a fresh key (64 random bits per second:
/// never repeated in practice; the unique key on `release_key` guards the impossible case).
pub(crate) async fn store_release(
    db: &impl ConnectionTrait,
    r: NamespaceRef<'_>,
    title: &str,
    comment: &str,
    configurations: &Configurations,
    operator: &str,
) -> Result<release::Model, DbErr> {
    let key = release_key();
    let new = releases::NewRelease {
        namespace: r,
        release_key: &key,
        name: title,
        comment,
        configurations: serde_json::to_string(configurations).unwrap_or_else(|_| "{}".into()),
    };
    releases::insert(db, new, operator).await
}

/// What gray clients get: main's configuration with the branch's overrides applied (values
/// set or added, deleting overrides removing their key).
pub(crate) fn gray_configuration(
    main: &Configurations,
    overrides: &[item::Model],
) -> Configurations {
    let mut merged = main.clone();
    for o in overrides.iter().filter(|o| !o.key.is_empty()) {
        let position = merged.0.iter().position(|(k, _)| *k == o.key);
        match (o.deletes_key, position) {
            (true, Some(i)) => {
                merged.0.remove(i);
            }
            (true, None) => {}
            (false, Some(i)) => merged.0[i].1.clone_from(&o.value),
            (false, None) => merged.0.push((o.key.clone(), o.value.clone())),
        }
    }
    merged
}

/// What a release of these items serves: properties keys in order, or a file's `content`.
pub(crate) fn configurations_of(items: &[item::Model], format: Format) -> Configurations {
    items
        .iter()
        .filter(|i| {
            !i.deletes_key
                && if format.is_properties() {
                    !i.key.is_empty()
                } else {
                    i.key == CONTENT_KEY
                }
        })
        .map(|i| (i.key.clone(), i.value.clone()))
        .collect()
}

/// How `new` differs from `old`: added and modified keys in `new`'s order, then deleted keys
/// in `old`'s order.
pub(crate) fn diff(old: &Configurations, new: &Configurations) -> Vec<KeyChange> {
    let mut changes = Vec::new();
    for (key, value) in new.iter() {
        match old.get(key) {
            None => changes.push(KeyChange {
                key: key.to_owned(),
                kind: ChangeKind::Added,
                old_value: None,
                new_value: Some(value.to_owned()),
            }),
            Some(before) if before != value => changes.push(KeyChange {
                key: key.to_owned(),
                kind: ChangeKind::Modified,
                old_value: Some(before.to_owned()),
                new_value: Some(value.to_owned()),
            }),
            Some(_) => {}
        }
    }
    for (key, value) in old.iter() {
        if new.get(key).is_none() {
            changes.push(KeyChange {
                key: key.to_owned(),
                kind: ChangeKind::Deleted,
                old_value: Some(value.to_owned()),
                new_value: None,
            });
        }
    }
    changes
}

/// A new release key: `yyyyMMddHHmmss-<16 hex>` (UTC), random enough never to repeat.
pub(crate) fn release_key() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}-{:016x}",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second(),
        rand::random::<u64>()
    )
}

/// Soft-deletes namespaces with everything in them (items, locks, commits, releases and
/// their history) and tells config services, which then stop serving them. Returns the
/// release messages written, to announce once committed.
pub(crate) async fn delete_namespaces(
    db: &impl ConnectionTrait,
    doomed: &[namespace::Model],
    operator: &str,
    now: i64,
) -> Result<Vec<release_message::Model>, DbErr> {
    let ids: Vec<i64> = doomed.iter().map(|n| n.id).collect();
    let refs: Vec<NamespaceRef<'_>> = doomed
        .iter()
        .map(|n| NamespaceRef {
            env: &n.env,
            app_id: &n.app_id,
            cluster: &n.cluster_name,
            namespace: &n.namespace_name,
        })
        .collect();
    items::soft_delete_all(db, &ids, operator, now).await?;
    locks::release(db, &ids).await?;
    commits::soft_delete_of(db, &refs, now).await?;
    releases::soft_delete_of(db, &refs, now).await?;
    namespaces::soft_delete(db, &ids, operator, now).await?;
    let mut messages = Vec::with_capacity(refs.len());
    for r in &refs {
        let message = releases::message_key(r.app_id, r.cluster, r.namespace);
        messages.push(releases::insert_message(db, r.env, &message).await?);
    }
    Ok(messages)
}

/// Writes the release message that wakes the clients of the namespace at `at`, in `db`'s
/// transaction; announce it to config services once that commits.
pub(crate) async fn notify(
    db: &impl ConnectionTrait,
    at: &NamespaceAt,
) -> Result<release_message::Model, DbErr> {
    let message = releases::message_key(
        at.app_id.as_str(),
        at.cluster.as_str(),
        at.namespace.as_str(),
    );
    releases::insert_message(db, &at.env, &message).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn configs(pairs: &[(&str, &str)]) -> Configurations {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn diffs_keep_order_and_kinds() {
        let old = configs(&[("a", "1"), ("b", "2"), ("c", "3")]);
        let new = configs(&[("c", "3"), ("b", "20"), ("d", "4")]);
        let changes = diff(&old, &new);
        let summary: Vec<(&str, ChangeKind)> =
            changes.iter().map(|c| (c.key.as_str(), c.kind)).collect();
        assert_eq!(
            summary,
            [
                ("b", ChangeKind::Modified),
                ("d", ChangeKind::Added),
                ("a", ChangeKind::Deleted)
            ]
        );
        assert_eq!(changes[0].old_value.as_deref(), Some("2"));
        assert_eq!(changes[0].new_value.as_deref(), Some("20"));
        assert!(diff(&new, &new).is_empty());
    }

    #[test]
    fn release_keys_look_like_apollos() {
        let key = release_key();
        let (stamp, hex) = key.split_once('-').unwrap();
        assert_eq!(stamp.len(), 14);
        assert!(stamp.chars().all(|c| c.is_ascii_digit()));
        assert_eq!(hex.len(), 16);
        assert!(hex.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(release_key(), release_key());
    }
}

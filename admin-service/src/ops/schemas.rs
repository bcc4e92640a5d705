//! Namespace schemas: a JSON Schema per app namespace, versioned, and per environment whether
//! publishes are checked against it (`off`, `warn`, `enforce`). The check reads a properties
//! namespace exactly as the SDK reads it into the type the schema came from
//! (`lyre_protocol::schema`).

use lyre_protocol::admin::{
    NamespaceSchema, SchemaInEnv, SchemaMode, SchemaProblem, SetNamespaceSchema, SetSchemaMode,
};
use lyre_protocol::config::Configurations;
use lyre_protocol::format::Format;
use lyre_protocol::schema::{self, Schema};
use lyre_service_kit::time::rfc3339;
use lyre_store::config::schemas;
use lyre_store::entity::namespace_schema;
use lyre_store::sea_orm::ConnectionTrait;
use lyre_store::write;

use lyre_store::config::{items, namespaces};

use super::Ns;
use crate::domain::{Audit, configurations_of, definition, record};
use crate::params::{NamespaceAt, app_id, namespace_name, operator};
use crate::{AdminError, AdminState};

/// The largest schema accepted, in bytes of JSON.
const MAX_SCHEMA_LEN: usize = 1024 * 1024;

fn view(m: namespace_schema::Model) -> Result<NamespaceSchema, AdminError> {
    Ok(NamespaceSchema {
        document: serde_json::from_str(&m.document).map_err(|e| {
            AdminError::Database(lyre_store::sea_orm::DbErr::Custom(format!(
                "schema {} of {}/{} is not JSON: {e}",
                m.version, m.app_id, m.namespace_name
            )))
        })?,
        app_id: m.app_id,
        namespace_name: m.namespace_name,
        version: m.version,
        created_by: m.created_by,
        created_at: rfc3339(m.created_at),
    })
}

/// The format of an app's namespace, which must exist and be one a schema can check.
async fn checkable(
    db: &impl ConnectionTrait,
    app: &str,
    namespace: &str,
) -> Result<Format, AdminError> {
    let format = definition(db, app, namespace)
        .await?
        .ok_or_else(|| {
            AdminError::not_found(
                "namespace_not_found",
                format!("app `{app}` has no namespace `{namespace}`"),
            )
            .because(
                "not_found",
                [("kind", "namespace"), ("name", namespace), ("app", app)],
            )
        })?
        .format();
    if !schema::checks(format) {
        return Err(AdminError::Invalid(format!(
            "`{namespace}` is a {} namespace; schemas check properties, json and yaml namespaces",
            format.as_str()
        ))
        .because(
            "format_without_schema",
            [("namespace", namespace), ("format", format.as_str())],
        ));
    }
    Ok(format)
}

/// The schema in force for an app's namespace, and how `env` treats it.
pub async fn get(
    state: &AdminState,
    env: &str,
    app: &str,
    namespace: &str,
) -> Result<SchemaInEnv, AdminError> {
    let env = state.env(env)?;
    let (app, namespace) = (app_id(app)?, namespace_name(namespace)?);
    let db = state.db();
    checkable(db, app.as_str(), namespace.as_str()).await?;
    let current = schemas::latest(db, app.as_str(), namespace.as_str())
        .await?
        .map(view)
        .transpose()?;
    let mode = schemas::mode(db, &env, app.as_str(), namespace.as_str())
        .await?
        .map_or(SchemaMode::Off, |m| SchemaMode::parse(&m.mode));
    Ok(SchemaInEnv { current, env, mode })
}

/// Every version of an app's namespace's schema, newest first.
pub async fn history(
    state: &AdminState,
    app: &str,
    namespace: &str,
) -> Result<Vec<NamespaceSchema>, AdminError> {
    let (app, namespace) = (app_id(app)?, namespace_name(namespace)?);
    checkable(state.db(), app.as_str(), namespace.as_str()).await?;
    schemas::history(state.db(), app.as_str(), namespace.as_str())
        .await?
        .into_iter()
        .map(view)
        .collect()
}

/// Sets a new version of an app's namespace's schema, with its audit entry.
pub async fn set(
    state: &AdminState,
    app: &str,
    namespace: &str,
    body: &SetNamespaceSchema,
) -> Result<NamespaceSchema, AdminError> {
    let (app, namespace) = (app_id(app)?, namespace_name(namespace)?);
    let operator = operator(&body.operator)?;
    let text = body.document.to_string();
    if text.len() > MAX_SCHEMA_LEN {
        return Err(AdminError::Invalid(format!(
            "`document` is {} bytes; a schema may have {MAX_SCHEMA_LEN} at most",
            text.len()
        )));
    }
    Schema::new(body.document.clone())
        .map_err(|e| AdminError::Invalid(format!("`document`: {e}")))?;
    let txn = write::begin(state.db()).await?;
    checkable(&txn, app.as_str(), namespace.as_str()).await?;
    let stored = schemas::add(&txn, app.as_str(), namespace.as_str(), &text, &operator)
        .await
        .map_err(|e| {
            if lyre_store::is_unique_violation(&e) {
                AdminError::Changed(format!(
                    "the schema of {app}/{namespace} was set by someone else at the same moment; \
                     read it and set yours again"
                ))
            } else {
                AdminError::Database(e)
            }
        })?;
    record(
        &txn,
        Audit {
            env: "",
            app_id: app.as_str(),
            entity_type: "namespace_schema",
            entity_id: &format!("{app}/{namespace}"),
            operation: "set",
            operator: &operator,
        },
        serde_json::json!({ "version": stored.version }).to_string(),
    )
    .await?;
    txn.commit().await?;
    view(stored)
}

/// Sets how `env` treats an app's namespace's schema, with its audit entry.
pub async fn set_mode(
    state: &AdminState,
    env: &str,
    app: &str,
    namespace: &str,
    body: &SetSchemaMode,
) -> Result<SchemaInEnv, AdminError> {
    let env = state.env(env)?;
    let (app, namespace) = (app_id(app)?, namespace_name(namespace)?);
    let operator = operator(&body.operator)?;
    let txn = write::begin(state.db()).await?;
    checkable(&txn, app.as_str(), namespace.as_str()).await?;
    schemas::set_mode(
        &txn,
        &env,
        app.as_str(),
        namespace.as_str(),
        body.mode.as_str(),
        &operator,
    )
    .await?;
    record(
        &txn,
        Audit {
            env: &env,
            app_id: app.as_str(),
            entity_type: "namespace_schema",
            entity_id: &format!("{app}/{namespace}"),
            operation: "set_mode",
            operator: &operator,
        },
        serde_json::json!({ "mode": body.mode.as_str() }).to_string(),
    )
    .await?;
    txn.commit().await?;
    get(state, &env, app.as_str(), namespace.as_str()).await
}

/// What of `configurations` (of a namespace in `format`) does not fit the namespace's schema,
/// where `env` checks it: `Err` in `enforce` mode when something does not fit; the problems in
/// `warn` mode; nothing when the environment does not check or there is no schema.
pub(crate) async fn verdict(
    db: &impl ConnectionTrait,
    env: &str,
    app: &str,
    namespace: &str,
    format: Format,
    configurations: &Configurations,
) -> Result<Vec<SchemaProblem>, AdminError> {
    check(db, env, app, namespace, format, configurations, true).await
}

/// [`verdict`] (`refuse`) or [`advice`] for a namespace's `configurations`, its format read from
/// its definition.
pub(crate) async fn of(
    db: &impl ConnectionTrait,
    at: &NamespaceAt,
    configurations: &Configurations,
    refuse: bool,
) -> Result<Vec<SchemaProblem>, AdminError> {
    let format = definition(db, at.app_id.as_str(), at.namespace.as_str())
        .await?
        .map_or(Format::Properties, |d| d.format());
    let (env, app, namespace) = (&at.env, at.app_id.as_str(), at.namespace.as_str());
    check(db, env, app, namespace, format, configurations, refuse).await
}

/// What the namespace's next publish (or its gray branch `branch`'s) would not fit of its
/// schema, where the environment checks it: what a reviewer is shown. Never an error for a
/// problem, whatever the mode.
pub async fn pending(
    state: &AdminState,
    ns: Ns<'_>,
    branch: Option<&str>,
) -> Result<Vec<SchemaProblem>, AdminError> {
    let at = ns.check(state)?;
    let db = state.db();
    match branch {
        None => {
            let (format, configurations) = saved(db, &at).await?;
            advise(db, &at, format, &configurations).await
        }
        Some(name) => {
            let branch_at = crate::ops::branches::branch_at(&at, name)?;
            let branch = namespaces::find(db, branch_at.r()).await?.ok_or_else(|| {
                AdminError::not_found(
                    "branch_not_found",
                    format!("{at} has no gray branch `{name}`"),
                )
                .because("not_found", at.params())
                .with("kind", "branch")
                .with("name", name)
            })?;
            crate::ops::branches::gray_verdict(db, &at, &branch, false).await
        }
    }
}

/// What a namespace's text (as the editor holds it, not saved) would not fit of its schema,
/// where the environment checks it: the editor marks it as it is typed. A text that does not
/// parse has no schema problems to tell (the editor says why it does not parse).
pub async fn check_text(
    state: &AdminState,
    ns: Ns<'_>,
    text: &str,
) -> Result<Vec<SchemaProblem>, AdminError> {
    let at = ns.check(state)?;
    let db = state.db();
    let format = definition(db, at.app_id.as_str(), at.namespace.as_str())
        .await?
        .ok_or_else(|| crate::domain::namespace_not_found(&at))?
        .format();
    let configurations = if format.is_properties() {
        match lyre_protocol::properties::parse(text) {
            Ok(parsed) => Configurations(
                parsed
                    .entries
                    .into_iter()
                    .map(|e| (e.key, e.value))
                    .collect(),
            ),
            Err(_) => return Ok(Vec::new()),
        }
    } else {
        if lyre_protocol::format::validate_content(format, text).is_err() {
            return Ok(Vec::new());
        }
        Configurations(vec![("content".to_owned(), text.to_owned())])
    };
    advise(db, &at, format, &configurations).await
}

/// What the namespace's items would not fit of its schema with `key` set to `value` (an item
/// being added or edited, not saved), where the environment checks it: the items table marks
/// the value as it is typed.
pub async fn check_item(
    state: &AdminState,
    ns: Ns<'_>,
    key: &str,
    value: &str,
) -> Result<Vec<SchemaProblem>, AdminError> {
    let at = ns.check(state)?;
    let db = state.db();
    let (format, mut configurations) = saved(db, &at).await?;
    match configurations.0.iter_mut().find(|(k, _)| k == key) {
        Some(entry) => value.clone_into(&mut entry.1),
        None => configurations.0.push((key.to_owned(), value.to_owned())),
    }
    advise(db, &at, format, &configurations).await
}

/// The format of the namespace at `at` and what its saved items would release.
pub(crate) async fn saved(
    db: &impl ConnectionTrait,
    at: &NamespaceAt,
) -> Result<(Format, Configurations), AdminError> {
    let not_found = || crate::domain::namespace_not_found(at);
    let main = namespaces::find(db, at.r()).await?.ok_or_else(not_found)?;
    let format = definition(db, at.app_id.as_str(), at.namespace.as_str())
        .await?
        .ok_or_else(not_found)?
        .format();
    let configurations = configurations_of(&items::list(db, main.id).await?, format);
    Ok((format, configurations))
}

/// [`advice`] for the namespace at `at`, whose format is known.
async fn advise(
    db: &impl ConnectionTrait,
    at: &NamespaceAt,
    format: Format,
    configurations: &Configurations,
) -> Result<Vec<SchemaProblem>, AdminError> {
    let (app, namespace) = (at.app_id.as_str(), at.namespace.as_str());
    advice(db, &at.env, app, namespace, format, configurations).await
}

/// Like [`verdict`], but never refusing: what a rollback is told (a rollback is how people
/// get out of trouble, so it is never blocked).
pub(crate) async fn advice(
    db: &impl ConnectionTrait,
    env: &str,
    app: &str,
    namespace: &str,
    format: Format,
    configurations: &Configurations,
) -> Result<Vec<SchemaProblem>, AdminError> {
    check(db, env, app, namespace, format, configurations, false).await
}

async fn check(
    db: &impl ConnectionTrait,
    env: &str,
    app: &str,
    namespace: &str,
    format: Format,
    configurations: &Configurations,
    refuse: bool,
) -> Result<Vec<SchemaProblem>, AdminError> {
    let mode = schemas::mode(db, env, app, namespace)
        .await?
        .map_or(SchemaMode::Off, |m| SchemaMode::parse(&m.mode));
    if mode == SchemaMode::Off || !schema::checks(format) {
        return Ok(Vec::new());
    }
    let Some(stored) = schemas::latest(db, app, namespace).await? else {
        return Ok(Vec::new());
    };
    let document = view(stored)?;
    let checker = Schema::new(document.document).map_err(|e| {
        AdminError::Conflict(format!(
            "schema {} of {app}/{namespace} no longer reads as a schema ({e}); set it again",
            document.version
        ))
    })?;
    let problems = if format.is_properties() {
        checker.check_properties(configurations.iter())
    } else {
        checker.check_content(format, configurations.get("content").unwrap_or_default())
    };
    if refuse && mode == SchemaMode::Enforce && !problems.is_empty() {
        return Err(AdminError::SchemaViolation {
            message: format!(
                "{app}/{namespace} does not fit its schema (version {}), which {env} enforces: {}",
                document.version,
                problems
                    .iter()
                    .map(|p| if p.at.is_empty() {
                        p.message.clone()
                    } else {
                        format!("`{}`: {}", p.at, p.message)
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            problems,
        });
    }
    Ok(problems)
}

//! Namespace definitions, held in memory: how a client's spelling of a namespace maps to the
//! app's own namespace or to a public one (matched ignoring case, `.properties` stripped).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use lyre_protocol::format::Format;
use lyre_protocol::names::NamespaceName;
use lyre_store::entity::app_namespace;

/// One namespace definition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Definition {
    pub app_id: String,
    pub name: String,
    pub format: Format,
}

/// Every live definition, indexed for lookups by app and by lower-cased name.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Definitions {
    own: HashMap<String, HashMap<String, Definition>>,
    public: HashMap<String, Definition>,
}

/// What a requested namespace is, for one app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Resolved {
    /// The canonical name (as stored).
    pub name: String,
    /// Its format.
    pub format: Format,
    /// The public namespace's owner, when the namespace is not the app's own.
    pub public_owner: Option<String>,
}

impl Definitions {
    pub(crate) fn from_rows(rows: Vec<app_namespace::Model>) -> Self {
        let mut out = Self::default();
        for row in rows {
            let definition = Definition {
                app_id: row.app_id.clone(),
                name: row.name.clone(),
                format: Format::parse(&row.format).unwrap_or(Format::Properties),
            };
            let lower = row.name.to_lowercase();
            if row.is_public {
                out.public.insert(lower.clone(), definition.clone());
            }
            out.own
                .entry(row.app_id)
                .or_default()
                .insert(lower, definition);
        }
        out
    }

    /// Whether `app_id` has a definition named exactly `name`, or `name` is public.
    pub(crate) fn knows(&self, app_id: &str, name: &str) -> bool {
        let lower = name.to_lowercase();
        self.own.get(app_id).is_some_and(|m| m.contains_key(&lower))
            || self.public.contains_key(&lower)
    }

    /// Resolves the client's spelling `requested` of a namespace of `app_id`: the app's own
    /// first, then a public one; unknown names keep the client's spelling (without `.properties`).
    pub(crate) fn resolve(&self, app_id: &str, requested: &str) -> Resolved {
        let stripped = NamespaceName::strip_properties_suffix(requested);
        let lower = stripped.to_lowercase();
        if let Some(own) = self.own.get(app_id).and_then(|m| m.get(&lower)) {
            return Resolved {
                name: own.name.clone(),
                format: own.format,
                public_owner: None,
            };
        }
        if lower == "application" {
            return Resolved {
                name: "application".into(),
                format: Format::Properties,
                public_owner: None,
            };
        }
        if let Some(public) = self.public.get(&lower) {
            return Resolved {
                name: public.name.clone(),
                format: public.format,
                public_owner: Some(public.app_id.clone()),
            };
        }
        Resolved {
            name: stripped.to_owned(),
            format: Format::of_namespace(stripped),
            public_owner: None,
        }
    }
}

/// The definitions, swapped whole when reloaded, with a generation that grows whenever they
/// change: answers built from older definitions are stale.
#[derive(Debug, Default)]
pub(crate) struct DefinitionCache(RwLock<(u64, Arc<Definitions>)>);

impl DefinitionCache {
    /// The current definitions and their generation.
    pub(crate) fn snapshot(&self) -> (u64, Arc<Definitions>) {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Installs freshly loaded definitions; the generation grows only if they differ.
    pub(crate) fn replace(&self, definitions: Definitions) {
        let mut current = self.0.write().unwrap_or_else(|e| e.into_inner());
        if *current.1 != definitions {
            *current = (current.0 + 1, Arc::new(definitions));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(app_id: &str, name: &str, format: &str, public: bool) -> app_namespace::Model {
        app_namespace::Model {
            id: 0,
            app_id: app_id.into(),
            name: name.into(),
            format: format.into(),
            is_public: public,
            public_name: public.then(|| name.to_owned()),
            comment: String::new(),
            created_by: String::new(),
            created_at: 0,
            updated_by: String::new(),
            updated_at: 0,
            deleted_at: 0,
        }
    }

    #[test]
    fn resolves_own_then_public_ignoring_case_and_suffix() {
        let defs = Definitions::from_rows(vec![
            row("a", "application", "properties", false),
            row("a", "Datasources.yaml", "yaml", false),
            row("p", "shared.DB", "properties", true),
        ]);
        let own = defs.resolve("a", "datasources.YAML");
        assert_eq!(
            (own.name.as_str(), own.format, own.public_owner),
            ("Datasources.yaml", Format::Yaml, None)
        );
        assert_eq!(
            defs.resolve("a", "Application.properties").name,
            "application"
        );
        let public = defs.resolve("a", "SHARED.db.properties");
        assert_eq!(
            (public.name.as_str(), public.public_owner.as_deref()),
            ("shared.DB", Some("p"))
        );
        assert_eq!(
            defs.resolve("p", "shared.db").public_owner,
            None,
            "the owner's own"
        );
        let unknown = defs.resolve("a", "Nothing.json");
        assert_eq!(
            (unknown.name.as_str(), unknown.format),
            ("Nothing.json", Format::Json)
        );
    }
}

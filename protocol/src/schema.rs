//! Checking configuration against a namespace's JSON Schema (draft 2020-12).
//!
//! A json or yaml namespace is checked as the document it is. A properties namespace is first
//! read the way the SDK reads it into a typed struct ([`crate::keys`]): dotted keys make nested
//! objects, `-` in a key reads as `_`, `hosts[0]` and `hosts = a, b` make lists, and each value
//! becomes what the schema asks for at its place (a number, a boolean, `null` for an empty value
//! of an optional field) when its text reads as one, exactly as the SDK's deserializer would read
//! it. What does not read as asked stays text, which the schema then refuses, so a problem
//! names the key as written, what the schema expects and what the value is.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::format::Format;
use crate::keys::{self, Node};

pub use crate::admin::SchemaProblem as Problem;

/// A namespace's schema, ready to check configurations.
pub struct Schema {
    document: Value,
    validator: jsonschema::Validator,
}

impl std::fmt::Debug for Schema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Schema")
            .field("document", &self.document)
            .finish_non_exhaustive()
    }
}

/// The formats a schema can check: those the SDK reads into types.
pub fn checks(format: Format) -> bool {
    matches!(
        format,
        Format::Properties | Format::Json | Format::Yaml | Format::Yml
    )
}

impl Schema {
    /// `document` as a draft 2020-12 schema; the error says why it is not one.
    pub fn new(document: Value) -> Result<Self, String> {
        if !document.is_object() && !document.is_boolean() {
            return Err("a JSON Schema is an object (or true or false)".into());
        }
        let mut checked = document.clone();
        bound_integer_formats(&mut checked);
        let validator = jsonschema::draft202012::new(&checked)
            .map_err(|e| format!("not a valid JSON Schema (draft 2020-12): {e}"))?;
        Ok(Self {
            document,
            validator,
        })
    }

    /// The schema as given.
    pub fn document(&self) -> &Value {
        &self.document
    }

    /// The problems of a properties namespace's items (key, value), in key order.
    pub fn check_properties<'a>(
        &self,
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Vec<Problem> {
        let pairs: Vec<(&str, &str)> = pairs.into_iter().collect();
        let tree = match keys::tree(pairs.iter().copied()) {
            Ok(tree) => tree,
            Err(e) => {
                return vec![Problem {
                    at: String::new(),
                    message: e.to_string(),
                }];
            }
        };
        let written = written_keys(&pairs);
        let instance = typed(&tree, &self.document, &self.document);
        let mut problems: Vec<Problem> = self
            .validator
            .iter_errors(&instance)
            .map(|e| Problem {
                at: key_at(&written, e.instance_path().as_str()),
                message: e.to_string(),
            })
            .collect();
        problems.sort_by(|a, b| a.at.cmp(&b.at).then(a.message.cmp(&b.message)));
        problems.dedup();
        problems
    }

    /// The problems of a json or yaml namespace's content; one problem when it does not parse.
    pub fn check_content(&self, format: Format, content: &str) -> Vec<Problem> {
        let parsed: Result<Value, String> = match format {
            Format::Json => serde_json::from_str(content).map_err(|e| e.to_string()),
            Format::Yaml | Format::Yml => {
                serde_saphyr::from_str(content).map_err(|e| e.to_string())
            }
            other => Err(format!(
                "{} namespaces are not checked against schemas",
                other.as_str()
            )),
        };
        let instance = match parsed {
            Ok(instance) => instance,
            Err(message) => {
                return vec![Problem {
                    at: String::new(),
                    message,
                }];
            }
        };
        let mut problems: Vec<Problem> = self
            .validator
            .iter_errors(&instance)
            .map(|e| Problem {
                at: e.instance_path().as_str().to_owned(),
                message: e.to_string(),
            })
            .collect();
        problems.sort_by(|a, b| a.at.cmp(&b.at).then(a.message.cmp(&b.message)));
        problems.dedup();
        problems
    }
}

/// The range of each integer `format` a Rust type's schema carries (`u16` is `uint16`).
fn integer_format(format: &str) -> Option<(i128, i128)> {
    Some(match format {
        "int8" => (i8::MIN.into(), i8::MAX.into()),
        "int16" => (i16::MIN.into(), i16::MAX.into()),
        "int32" => (i32::MIN.into(), i32::MAX.into()),
        "int64" | "int" => (i64::MIN.into(), i64::MAX.into()),
        "uint8" => (0, u8::MAX.into()),
        "uint16" => (0, u16::MAX.into()),
        "uint32" => (0, u32::MAX.into()),
        "uint64" | "uint" => (0, u64::MAX.into()),
        _ => return None,
    })
}

/// Makes the integer formats bind: a format is only an annotation in draft 2020-12, but it is
/// what says a field is a `u32`, which the type will not read past `u32::MAX`. Each subschema
/// with such a format gets the `minimum` and `maximum` it leaves out.
fn bound_integer_formats(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            if let Some((low, high)) = map
                .get("format")
                .and_then(Value::as_str)
                .and_then(integer_format)
            {
                let number = |n: i128| {
                    i64::try_from(n)
                        .map(Value::from)
                        .unwrap_or_else(|_| u64::try_from(n).map_or(Value::Null, Value::from))
                };
                map.entry("minimum").or_insert_with(|| number(low));
                map.entry("maximum").or_insert_with(|| number(high));
            }
            // (values given as data, not schemas, stay as they are)
            for (key, value) in map.iter_mut() {
                if !matches!(key.as_str(), "enum" | "const" | "default" | "examples") {
                    bound_integer_formats(value);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(bound_integer_formats),
        _ => {}
    }
}

/// The JSON pointer each written key fills (`db.pool-size` fills `/db/pool_size`).
fn written_keys<'a>(pairs: &[(&'a str, &'a str)]) -> BTreeMap<String, &'a str> {
    pairs
        .iter()
        .filter_map(|(key, _)| Some((keys::pointer(key)?, *key)))
        .collect()
}

/// The key as written for a JSON pointer into the typed document: the key that fills it, or
/// the one that fills the nearest place above it (a comma-separated list's key for one of its
/// items); else the pointer read back as a dotted key (a missing one).
fn key_at(written: &BTreeMap<String, &str>, pointer: &str) -> String {
    let mut at = pointer;
    loop {
        if let Some(key) = written.get(at) {
            return (*key).to_owned();
        }
        match at.rfind('/') {
            Some(0) | None => break,
            Some(i) => at = &at[..i],
        }
    }
    keys::dotted(pointer)
}

/// What a place of the schema says a value may be.
#[derive(Default)]
struct Wanted {
    null: bool,
    boolean: bool,
    integer: bool,
    number: bool,
    array: bool,
    items: Option<Value>,
    /// The texts an `enum` or `const` allows.
    variants: Vec<String>,
}

/// `schema`, with a `$ref` into `root` (`#/$defs/...`) followed.
fn resolve<'a>(schema: &'a Value, root: &'a Value) -> &'a Value {
    let mut schema = schema;
    for _ in 0..32 {
        let Some(target) = schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
        else {
            break;
        };
        match root.pointer(target) {
            Some(found) => schema = found,
            None => break,
        }
    }
    schema
}

fn wanted(schema: &Value, root: &Value) -> Wanted {
    let mut found = Wanted::default();
    collect(resolve(schema, root), root, &mut found, 0);
    found
}

fn collect(schema: &Value, root: &Value, found: &mut Wanted, depth: usize) {
    if depth > 16 {
        return;
    }
    let mut note = |ty: &str| match ty {
        "null" => found.null = true,
        "boolean" => found.boolean = true,
        "integer" => found.integer = true,
        "number" => found.number = true,
        "array" => found.array = true,
        _ => {}
    };
    match schema.get("type") {
        Some(Value::String(ty)) => note(ty),
        Some(Value::Array(types)) => types.iter().filter_map(Value::as_str).for_each(note),
        _ => {}
    }
    for value in schema
        .get("enum")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .chain(schema.get("const"))
    {
        match value {
            Value::String(text) => found.variants.push(text.clone()),
            Value::Null => found.null = true,
            Value::Bool(_) => found.boolean = true,
            Value::Number(n) if n.is_f64() => found.number = true,
            Value::Number(_) => found.integer = true,
            _ => {}
        }
    }
    if found.items.is_none()
        && let Some(items) = schema.get("items").filter(|i| i.is_object())
    {
        found.items = Some(items.clone());
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        for member in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            collect(resolve(member, root), root, found, depth + 1);
        }
    }
}

/// The schema of the property `name` of an object schema, if it says.
fn property<'a>(schema: &'a Value, root: &'a Value, name: &str) -> Option<&'a Value> {
    let schema = resolve(schema, root);
    if let Some(found) = schema.get("properties").and_then(|p| p.get(name)) {
        return Some(found);
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        for member in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(found) = property(member, root, name) {
                return Some(found);
            }
        }
    }
    schema.get("additionalProperties").filter(|a| a.is_object())
}

/// The typed document of a tree of keys, each value read as the schema asks at its place.
fn typed(node: &Node, schema: &Value, root: &Value) -> Value {
    let empty = Value::Object(Map::new());
    match node {
        Node::Map(map) => Value::Object(
            map.iter()
                .map(|(name, child)| {
                    let at = property(schema, root, name).unwrap_or(&empty);
                    (name.clone(), typed(child, at, root))
                })
                .collect(),
        ),
        Node::List(list) => {
            let items = wanted(schema, root).items.unwrap_or_else(|| empty.clone());
            Value::Array(
                list.values()
                    .map(|child| typed(child, &items, root))
                    .collect(),
            )
        }
        Node::Leaf(text) => leaf(text, &wanted(schema, root), root),
    }
}

/// A value's text read as the SDK reads it for what the schema asks, or left as text.
fn leaf(text: &str, wanted: &Wanted, root: &Value) -> Value {
    let trimmed = text.trim();
    if text.is_empty() && wanted.null {
        return Value::Null;
    }
    // An enum's variant is named without the spaces around it.
    if wanted.variants.iter().any(|v| v == trimmed) {
        return Value::String(trimmed.to_owned());
    }
    if wanted.boolean
        && let Some(b) = keys::boolean(trimmed)
    {
        return Value::Bool(b);
    }
    if wanted.integer {
        if let Ok(n) = trimmed.parse::<i64>() {
            return Value::from(n);
        }
        if let Ok(n) = trimmed.parse::<u64>() {
            return Value::from(n);
        }
    }
    if wanted.number
        && let Ok(n) = trimmed.parse::<f64>()
        && let Some(n) = serde_json::Number::from_f64(n)
    {
        return Value::Number(n);
    }
    if wanted.array {
        let empty = Value::Object(Map::new());
        let items = wanted.items.as_ref().unwrap_or(&empty);
        let item = self::wanted(items, root);
        return Value::Array(
            keys::comma_separated(text)
                .map(|part| self::leaf(part, &item, root))
                .collect(),
        );
    }
    Value::String(text.to_owned())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The schema of a small app's settings, as schemars writes it.
    fn app_schema() -> Value {
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "Settings",
            "type": "object",
            "properties": {
                "db": {"$ref": "#/$defs/Db"},
                "mode": {"$ref": "#/$defs/Mode"},
                "hosts": {"type": "array", "items": {"type": "string"}},
                "verbose": {"type": "boolean", "default": false},
                "timeout_secs": {"type": ["integer", "null"], "format": "uint32", "minimum": 0}
            },
            "required": ["db", "mode"],
            "$defs": {
                "Db": {
                    "type": "object",
                    "properties": {
                        "url": {"type": "string"},
                        "pool_size": {"type": "integer", "format": "uint16", "minimum": 1, "maximum": 100}
                    },
                    "required": ["url", "pool_size"]
                },
                "Mode": {"type": "string", "enum": ["fast", "safe"]}
            }
        })
    }

    fn check(pairs: &[(&str, &str)]) -> Vec<Problem> {
        Schema::new(app_schema())
            .unwrap()
            .check_properties(pairs.iter().copied())
    }

    #[test]
    fn properties_that_the_type_reads_pass() {
        let problems = check(&[
            ("db.url", "postgres://db/app"),
            ("db.pool-size", " 10 "),
            ("mode", "safe"),
            ("hosts", "a, b"),
            ("verbose", "yes"),
            ("timeout_secs", ""),
        ]);
        assert_eq!(problems, vec![]);
        let indexed = check(&[
            ("db.url", "x"),
            ("db.pool_size", "1"),
            ("mode", "fast"),
            ("hosts[0]", "a"),
            ("hosts[1]", "b"),
            ("timeout_secs", "30"),
        ]);
        assert_eq!(indexed, vec![]);
    }

    #[test]
    fn a_value_the_type_cannot_read_is_named_by_its_key() {
        let problems = check(&[("db.url", "x"), ("db.pool-size", "1O"), ("mode", "safe")]);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].at, "db.pool-size");
        assert!(problems[0].message.contains("\"1O\""), "{problems:?}");
        assert!(problems[0].message.contains("integer"), "{problems:?}");

        let problems = check(&[("db.url", "x"), ("db.pool-size", "500"), ("mode", "slow")]);
        let at: Vec<&str> = problems.iter().map(|p| p.at.as_str()).collect();
        assert_eq!(at, ["db.pool-size", "mode"], "{problems:?}");
        assert!(problems[0].message.contains("500"), "{problems:?}");
        assert!(problems[1].message.contains("slow"), "{problems:?}");
    }

    #[test]
    fn a_missing_required_key_is_named() {
        let problems = check(&[("db.url", "x"), ("mode", "safe")]);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].at, "db");
        assert!(problems[0].message.contains("pool_size"), "{problems:?}");
    }

    #[test]
    fn files_are_checked_as_documents() {
        let schema = Schema::new(app_schema()).unwrap();
        let yaml = "db:\n  url: x\n  pool_size: ten\nmode: safe\n";
        let problems = schema.check_content(Format::Yaml, yaml);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].at, "/db/pool_size");
        let json = r#"{"db": {"url": "x", "pool_size": 5}, "mode": "fast"}"#;
        assert_eq!(schema.check_content(Format::Json, json), vec![]);
        let broken = schema.check_content(Format::Json, "{");
        assert_eq!(broken.len(), 1);
        assert_eq!(broken[0].at, "");
    }

    #[test]
    fn integer_formats_bind_as_the_type_does() {
        let schema = Schema::new(json!({
            "type": "object",
            "properties": {"n": {"type": "integer", "format": "uint8", "minimum": 0}},
            "enum": [{"n": 1, "format": "uint8"}, {"n": 2}]
        }))
        .unwrap();
        let problems = schema.check_content(Format::Json, r#"{"n": 256}"#);
        assert!(
            problems
                .iter()
                .any(|p| p.at == "/n" && p.message.contains("256")),
            "{problems:?}"
        );
        // An enum's values are data: the format inside is not a schema's.
        assert_eq!(
            schema.check_content(Format::Json, r#"{"n": 1, "format": "uint8"}"#),
            vec![]
        );
    }

    #[test]
    fn a_schema_that_is_not_one_is_refused() {
        assert!(Schema::new(json!("a string")).is_err());
        let err = Schema::new(json!({"type": "no-such-type"})).unwrap_err();
        assert!(err.contains("not a valid JSON Schema"), "{err}");
    }
}

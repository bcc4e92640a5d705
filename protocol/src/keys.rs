//! Properties keys onto typed values: the one mapping the SDK deserializes with and the server
//! checks schemas with.
//!
//! Dotted keys become nested structs (`db.url` is `db: Db { url }`), `-` in a key segment reads
//! as `_` (`db.pool-size` fills `pool_size`), values parse into numbers, booleans, chars or
//! enum variants as the type asks, and lists come either indexed (`hosts[0]`, `hosts[1]`) or
//! comma separated (`hosts = a, b`).

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};

/// A key's place in the tree of dotted keys.
#[derive(Debug, PartialEq)]
pub(crate) enum Node {
    Leaf(String),
    Map(BTreeMap<String, Node>),
    List(BTreeMap<usize, Node>),
}

/// Why properties do not fit a type.
#[derive(Debug, PartialEq, Eq)]
pub struct KeysError(String);

impl fmt::Display for KeysError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for KeysError {}

impl de::Error for KeysError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self(msg.to_string())
    }
}

/// A key segment: a name and any `[n]` indexes after it.
fn split_segment(segment: &str) -> Result<(String, Vec<usize>), KeysError> {
    let (name, mut rest) = match segment.find('[') {
        Some(i) => (&segment[..i], &segment[i..]),
        None => (segment, ""),
    };
    let mut indexes = Vec::new();
    while let Some(after) = rest.strip_prefix('[') {
        let end = after
            .find(']')
            .ok_or_else(|| KeysError(format!("`{segment}` has an unclosed `[`")))?;
        let index = after[..end]
            .trim()
            .parse::<usize>()
            .map_err(|_| KeysError(format!("`{segment}` has an index that is not a number")))?;
        indexes.push(index);
        rest = &after[end + 1..];
    }
    if !rest.is_empty() {
        return Err(KeysError(format!("`{segment}` has text after its index")));
    }
    Ok((name.replace('-', "_"), indexes))
}

enum Step {
    Name(String),
    Index(usize),
}

fn insert(node: &mut Node, steps: &[Step], value: &str, key: &str) -> Result<(), KeysError> {
    let conflict = || KeysError(format!("`{key}` is both a value and a group of keys"));
    let Some((step, rest)) = steps.split_first() else {
        return match node {
            Node::Leaf(existing) if existing.is_empty() => {
                value.clone_into(existing);
                Ok(())
            }
            _ => Err(conflict()),
        };
    };
    // An empty leaf is a fresh slot: it becomes whatever the step needs.
    if matches!(node, Node::Leaf(v) if v.is_empty()) {
        *node = match step {
            Step::Name(_) => Node::Map(BTreeMap::new()),
            Step::Index(_) => Node::List(BTreeMap::new()),
        };
    }
    let child = match (node, step) {
        (Node::Map(map), Step::Name(name)) => map
            .entry(name.clone())
            .or_insert_with(|| Node::Leaf(String::new())),
        (Node::List(list), Step::Index(i)) => {
            list.entry(*i).or_insert_with(|| Node::Leaf(String::new()))
        }
        _ => return Err(conflict()),
    };
    insert(child, rest, value, key)
}

pub(crate) fn tree<'a>(
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<Node, KeysError> {
    let mut root = Node::Map(BTreeMap::new());
    for (key, value) in pairs {
        let mut steps = Vec::new();
        for segment in key.split('.') {
            let (name, indexes) = split_segment(segment.trim())?;
            if name.is_empty() && indexes.is_empty() {
                return Err(KeysError(format!("`{key}` has an empty segment")));
            }
            if !name.is_empty() {
                steps.push(Step::Name(name));
            }
            steps.extend(indexes.into_iter().map(Step::Index));
        }
        insert(&mut root, &steps, value, key)?;
    }
    Ok(root)
}

/// The JSON pointer a key fills in the typed document: `db.pool-size` fills `/db/pool_size`,
/// `hosts[1]` fills `/hosts/1`; `None` for a key that is not one.
#[cfg(feature = "schema")]
pub(crate) fn pointer(key: &str) -> Option<String> {
    let mut pointer = String::new();
    for segment in key.split('.') {
        let (name, indexes) = split_segment(segment.trim()).ok()?;
        if !name.is_empty() {
            pointer.push('/');
            pointer.push_str(&name.replace('~', "~0").replace('/', "~1"));
        }
        for index in indexes {
            pointer.push('/');
            pointer.push_str(&index.to_string());
        }
    }
    (!pointer.is_empty()).then_some(pointer)
}

/// A JSON pointer into the typed document read back as a key: `/hosts/1` is `hosts[1]`.
#[cfg(feature = "schema")]
pub(crate) fn dotted(pointer: &str) -> String {
    let mut key = String::new();
    for part in pointer.split('/').skip(1) {
        let part = part.replace("~1", "/").replace("~0", "~");
        if part.parse::<usize>().is_ok() && !key.is_empty() {
            key.push_str(&format!("[{part}]"));
        } else {
            if !key.is_empty() {
                key.push('.');
            }
            key.push_str(&part);
        }
    }
    key
}

/// A value's text as a boolean, as a typed field reads it.
pub(crate) fn boolean(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "1" => Some(true),
        "false" | "no" | "off" | "0" => Some(false),
        _ => None,
    }
}

/// The items of a comma-separated value, as a list field reads it (none for an empty value).
pub(crate) fn comma_separated(text: &str) -> impl Iterator<Item = &str> {
    let empty = text.trim().is_empty();
    text.split(',').filter(move |_| !empty).map(str::trim)
}

/// Deserializes `T` from properties key/value pairs (see the module documentation).
pub fn from_pairs<'a, T: de::DeserializeOwned>(
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<T, KeysError> {
    let root = tree(pairs)?;
    T::deserialize(&root)
}

macro_rules! parse_number {
    ($($method:ident => $visit:ident: $ty:ty),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
            match self {
                Node::Leaf(text) => {
                    let parsed: $ty = text.trim().parse().map_err(|_| {
                        KeysError(format!("`{text}` is not a valid {}", stringify!($ty)))
                    })?;
                    visitor.$visit(parsed)
                }
                _ => Err(KeysError(format!("expected a {}, found a group of keys", stringify!($ty)))),
            }
        }
    )*};
}

/// Values are handed to the visitor owned, so any `'de` works: callers want `DeserializeOwned`.
impl<'de> de::Deserializer<'de> for &Node {
    type Error = KeysError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self {
            Node::Leaf(text) => visitor.visit_str(text),
            Node::Map(map) => visitor.visit_map(Entries {
                iter: map.iter(),
                value: None,
            }),
            Node::List(list) => visitor.visit_seq(Items(list.values())),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self {
            Node::Leaf(text) => match boolean(text) {
                Some(b) => visitor.visit_bool(b),
                None => Err(KeysError(format!("`{text}` is not a boolean"))),
            },
            _ => Err(KeysError(
                "expected a boolean, found a group of keys".into(),
            )),
        }
    }

    parse_number! {
        deserialize_i8 => visit_i8: i8,
        deserialize_i16 => visit_i16: i16,
        deserialize_i32 => visit_i32: i32,
        deserialize_i64 => visit_i64: i64,
        deserialize_i128 => visit_i128: i128,
        deserialize_u8 => visit_u8: u8,
        deserialize_u16 => visit_u16: u16,
        deserialize_u32 => visit_u32: u32,
        deserialize_u64 => visit_u64: u64,
        deserialize_u128 => visit_u128: u128,
        deserialize_f32 => visit_f32: f32,
        deserialize_f64 => visit_f64: f64,
        deserialize_char => visit_char: char,
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self {
            Node::Leaf(text) => visitor.visit_str(text),
            _ => Err(KeysError("expected a value, found a group of keys".into())),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self {
            Node::Leaf(text) => visitor.visit_bytes(text.as_bytes()),
            _ => Err(KeysError("expected bytes, found a group of keys".into())),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self {
            Node::Leaf(text) if text.is_empty() => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self {
            Node::List(list) => visitor.visit_seq(Items(list.values())),
            Node::Leaf(text) => {
                // A comma-separated value: each part reads like a value of its own.
                let parts: BTreeMap<usize, Node> = comma_separated(text)
                    .map(|p| Node::Leaf(p.to_owned()))
                    .enumerate()
                    .collect();
                visitor.visit_seq(Items(parts.values()))
            }
            Node::Map(_) => Err(KeysError(
                "expected a list, found a group of named keys".into(),
            )),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self {
            Node::Map(map) => visitor.visit_map(Entries {
                iter: map.iter(),
                value: None,
            }),
            _ => Err(KeysError("expected a group of keys, found a value".into())),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        match self {
            Node::Leaf(text) => visitor.visit_enum(text.trim().to_owned().into_deserializer()),
            _ => Err(KeysError(
                "expected a variant name, found a group of keys".into(),
            )),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_unit()
    }
}

/// The named children of a group.
struct Entries<'a> {
    iter: std::collections::btree_map::Iter<'a, String, Node>,
    value: Option<&'a Node>,
}

impl<'de> MapAccess<'de> for Entries<'_> {
    type Error = KeysError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        match self.iter.next() {
            Some((key, value)) => {
                self.value = Some(value);
                let key: de::value::StrDeserializer<'_, KeysError> =
                    key.as_str().into_deserializer();
                seed.deserialize(key).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, Self::Error> {
        let value = self
            .value
            .take()
            .ok_or_else(|| KeysError("a value without a key".into()))?;
        seed.deserialize(value)
    }
}

/// The items of a list, in index order.
struct Items<'a>(std::collections::btree_map::Values<'a, usize, Node>);

impl<'de> SeqAccess<'de> for Items<'_> {
    type Error = KeysError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Self::Error> {
        self.0.next().map(|node| seed.deserialize(node)).transpose()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Db {
        url: String,
        pool_size: u32,
        #[serde(default)]
        read_only: bool,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum Level {
        Debug,
        Info,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct App {
        name: String,
        db: Db,
        hosts: Vec<String>,
        ports: Vec<u16>,
        ratio: f64,
        level: Level,
        timeout: Option<u64>,
        missing: Option<String>,
        labels: HashMap<String, String>,
    }

    #[test]
    fn fills_nested_structs_lists_numbers_and_enums() {
        let pairs = [
            ("name", "shop"),
            ("db.url", "jdbc:pg://db/shop"),
            ("db.pool-size", "10"),
            ("db.read-only", "true"),
            ("hosts[1]", "b.example"),
            ("hosts[0]", "a.example"),
            ("ports", "80, 443"),
            ("ratio", "0.25"),
            ("level", "info"),
            ("timeout", "30"),
            ("labels.team", "payments"),
            ("labels.tier", "1"),
            ("unused.key", "ignored"),
        ];
        let app: App = from_pairs(pairs).unwrap();
        assert_eq!(
            app,
            App {
                name: "shop".into(),
                db: Db {
                    url: "jdbc:pg://db/shop".into(),
                    pool_size: 10,
                    read_only: true
                },
                hosts: vec!["a.example".into(), "b.example".into()],
                ports: vec![80, 443],
                ratio: 0.25,
                level: Level::Info,
                timeout: Some(30),
                missing: None,
                labels: [
                    ("team".to_owned(), "payments".to_owned()),
                    ("tier".to_owned(), "1".to_owned())
                ]
                .into(),
            }
        );
    }

    #[test]
    fn names_what_does_not_fit() {
        #[derive(Debug, Deserialize)]
        #[expect(dead_code, reason = "only deserialized")]
        struct Small {
            port: u16,
        }
        let err = from_pairs::<Small>([("port", "99999")]).unwrap_err();
        assert!(
            err.to_string().contains("`99999` is not a valid u16"),
            "{err}"
        );
        let err = from_pairs::<Small>([("other", "1")]).unwrap_err();
        assert!(err.to_string().contains("missing field `port`"), "{err}");
        let err = from_pairs::<Small>([("port", "1"), ("port.x", "2")]).unwrap_err();
        assert!(
            err.to_string().contains("both a value and a group"),
            "{err}"
        );
        let err = from_pairs::<Small>([("hosts[x]", "1")]).unwrap_err();
        assert!(err.to_string().contains("not a number"), "{err}");
    }

    #[test]
    fn reads_into_plain_maps() {
        let map: HashMap<String, String> = from_pairs([("a", "1"), ("b", "two")]).unwrap();
        assert_eq!(map.len(), 2);
        assert_eq!(map["b"], "two");
    }
}

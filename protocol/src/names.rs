//! Validated names of apps, clusters and namespaces.
//!
//! A value of [`AppId`], [`ClusterName`] or [`NamespaceName`] always follows Apollo's naming
//! rules, so code that receives one never checks it again; the only ways in are `parse`,
//! `TryFrom<String>`, `FromStr` and deserialization, which all validate.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize, Serializer};

/// The longest name Apollo accepts, in characters.
pub const MAX_NAME_LEN: usize = 128;

/// The suffix Apollo clients strip from properties namespace names before asking for them.
const PROPERTIES_SUFFIX: &str = ".properties";

/// How many characters of an offending value an error message quotes.
const QUOTED_VALUE_LEN: usize = 64;

/// Which kind of name failed validation, so an error can say what was being named.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NameKind {
    /// An [`AppId`].
    AppId,
    /// A [`ClusterName`].
    Cluster,
    /// A [`NamespaceName`].
    Namespace,
}

impl NameKind {
    /// The words used for this kind in messages, e.g. `cluster name`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AppId => "app id",
            Self::Cluster => "cluster name",
            Self::Namespace => "namespace name",
        }
    }
}

impl fmt::Display for NameKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The naming rule a value broke, so callers can tell the cases apart without reading text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NameRule {
    /// The value is empty.
    Empty,
    /// The value is longer than [`MAX_NAME_LEN`] characters.
    TooLong,
    /// The value holds a character other than an ASCII letter, a digit, `_`, `-` or `.`.
    InvalidCharacter,
    /// A namespace name ends with `.properties`, which clients strip before asking for it.
    PropertiesSuffix,
    /// The value is only dots (`.`, `..`): as a path segment, clients and proxies resolve it
    /// to another path.
    DotsOnly,
}

impl NameRule {
    /// The sentence for people that states the rule.
    fn describe(self) -> &'static str {
        match self {
            Self::Empty => "must not be empty",
            Self::TooLong => "at most 128 characters",
            Self::InvalidCharacter => "use only letters, digits, `_`, `-` and `.`",
            Self::PropertiesSuffix => "must not end with `.properties`, which clients strip",
            Self::DotsOnly => "must not be only dots, which URLs resolve to another path",
        }
    }
}

/// A name that does not follow Apollo's naming rules.
///
/// The message names the kind of name, the offending value (cut to 64 characters) and the rule,
/// e.g. ``invalid app id `a b`: use only letters, digits, `_`, `-` and `.` ``.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind} `{value}`: {}", rule.describe())]
pub struct NameError {
    kind: NameKind,
    rule: NameRule,
    /// Already cut and escaped for display.
    value: String,
}

impl NameError {
    fn new(kind: NameKind, rule: NameRule, raw: &str) -> Self {
        Self {
            kind,
            rule,
            value: quote_value(raw),
        }
    }

    /// Which kind of name was rejected.
    pub fn kind(&self) -> NameKind {
        self.kind
    }

    /// Which rule the value broke.
    pub fn rule(&self) -> NameRule {
        self.rule
    }
}

/// Cuts `raw` to [`QUOTED_VALUE_LEN`] characters (marking the cut with `...`) and escapes control
/// characters, so quoting user input cannot make a message huge or break it across lines.
pub(crate) fn quote_value(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len().min(QUOTED_VALUE_LEN + 3));
    for (n, c) in raw.chars().enumerate() {
        if n == QUOTED_VALUE_LEN {
            out.push_str("...");
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Checks `s` against the rules shared by all kinds of names.
fn check(kind: NameKind, s: &str) -> Result<(), NameError> {
    let rule = if s.is_empty() {
        Some(NameRule::Empty)
    } else if !s
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
    {
        Some(NameRule::InvalidCharacter)
    } else if s.bytes().all(|b| b == b'.') {
        Some(NameRule::DotsOnly)
    } else if s.len() > MAX_NAME_LEN {
        // Only ASCII is left here, so bytes are characters.
        Some(NameRule::TooLong)
    } else if kind == NameKind::Namespace && properties_suffix_start(s).is_some() {
        Some(NameRule::PropertiesSuffix)
    } else {
        None
    };
    match rule {
        Some(rule) => Err(NameError::new(kind, rule, s)),
        None => Ok(()),
    }
}

/// Where a trailing `.properties` (in any letter case) starts in `s`, if it has one.
fn properties_suffix_start(s: &str) -> Option<usize> {
    let start = s.len().checked_sub(PROPERTIES_SUFFIX.len())?;
    let tail = s.get(start..)?;
    tail.eq_ignore_ascii_case(PROPERTIES_SUFFIX)
        .then_some(start)
}

/// Defines a validated string newtype; the three kinds of names differ only in their rules.
macro_rules! name_type {
    ($(#[$doc:meta])* $name:ident, $kind:expr, $example:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[cfg_attr(feature = "openapi", schema(value_type = String, example = $example))]
        #[serde(try_from = "String")]
        pub struct $name(String);

        impl $name {
            /// Validates `s` and wraps a copy of it.
            pub fn parse(s: &str) -> Result<Self, NameError> {
                check($kind, s)?;
                Ok(Self(s.to_owned()))
            }

            /// The name as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The name as an owned `String`, without copying.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = NameError;

            /// Validates `s` and wraps it without copying.
            fn try_from(s: String) -> Result<Self, NameError> {
                check($kind, &s)?;
                Ok(Self(s))
            }
        }

        impl FromStr for $name {
            type Err = NameError;

            fn from_str(s: &str) -> Result<Self, NameError> {
                Self::parse(s)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl From<$name> for String {
            fn from(name: $name) -> String {
                name.0
            }
        }

        /// Serializes as the plain string.
        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }
    };
}

name_type!(
    /// The id of an app, e.g. `sample-app`: 1 to 128 ASCII letters, digits, `_`, `-` or `.`.
    AppId,
    NameKind::AppId,
    "sample-app"
);

name_type!(
    /// The name of a cluster, e.g. `default`: 1 to 128 ASCII letters, digits, `_`, `-` or `.`.
    ClusterName,
    NameKind::Cluster,
    "default"
);

name_type!(
    /// The name of a namespace, e.g. `application` or `datasource.yaml`: 1 to 128 ASCII letters,
    /// digits, `_`, `-` or `.`, not ending with `.properties`.
    ///
    /// Apollo clients ask for a properties namespace both with and without that suffix and mean
    /// the same namespace, so a stored name never carries it; see
    /// [`NamespaceName::strip_properties_suffix`].
    NamespaceName,
    NameKind::Namespace,
    "application"
);

impl NamespaceName {
    /// Removes one trailing `.properties` (in any letter case) from a namespace name as a client
    /// sent it, since clients may name `application` as `application.properties`.
    ///
    /// ```
    /// use lyre_protocol::names::NamespaceName;
    ///
    /// assert_eq!(NamespaceName::strip_properties_suffix("application.Properties"), "application");
    /// assert_eq!(NamespaceName::strip_properties_suffix("datasource.yaml"), "datasource.yaml");
    /// ```
    pub fn strip_properties_suffix(raw: &str) -> &str {
        match properties_suffix_start(raw) {
            Some(start) => &raw[..start],
            None => raw,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_apollo_style_names() {
        for s in [
            "a",
            "sample-app",
            "SampleApp_1.0",
            "application",
            "FX.apollo",
            "0",
            "-._",
        ] {
            assert_eq!(AppId::parse(s).unwrap().as_str(), s);
            assert_eq!(ClusterName::parse(s).unwrap().as_str(), s);
            assert_eq!(NamespaceName::parse(s).unwrap().as_str(), s);
        }
        assert!(NamespaceName::parse("datasource.yaml").is_ok());
        assert!(NamespaceName::parse("a.properties.json").is_ok());
        // Only namespace names are barred from the suffix.
        assert!(AppId::parse("a.properties").is_ok());
    }

    #[test]
    fn length_limit_is_128() {
        let longest = "a".repeat(MAX_NAME_LEN);
        assert!(AppId::parse(&longest).is_ok());
        let err = AppId::parse(&format!("{longest}a")).unwrap_err();
        assert_eq!(err.rule(), NameRule::TooLong);
        assert_eq!(
            err.to_string(),
            format!(
                "invalid app id `{}...`: at most 128 characters",
                "a".repeat(64)
            )
        );
    }

    #[test]
    fn messages_name_kind_value_and_rule() {
        let err = AppId::parse("a b").unwrap_err();
        assert_eq!(err.kind(), NameKind::AppId);
        assert_eq!(err.rule(), NameRule::InvalidCharacter);
        assert_eq!(
            err.to_string(),
            "invalid app id `a b`: use only letters, digits, `_`, `-` and `.`"
        );

        let err = ClusterName::parse("").unwrap_err();
        assert_eq!(err.rule(), NameRule::Empty);
        assert_eq!(
            err.to_string(),
            "invalid cluster name ``: must not be empty"
        );

        for dots in [".", "..", "..."] {
            let err = AppId::parse(dots).unwrap_err();
            assert_eq!(err.rule(), NameRule::DotsOnly, "{dots}");
            assert!(ClusterName::parse(dots).is_err() && NamespaceName::parse(dots).is_err());
        }
        assert!(AppId::parse("a..b").is_ok() && NamespaceName::parse(".hidden").is_ok());

        let err = NamespaceName::parse("application.PROPERTIES").unwrap_err();
        assert_eq!(err.kind(), NameKind::Namespace);
        assert_eq!(err.rule(), NameRule::PropertiesSuffix);
        assert!(
            err.to_string().starts_with(
                "invalid namespace name `application.PROPERTIES`: must not end with `.properties`"
            ),
            "{err}"
        );
    }

    #[test]
    fn rejects_non_ascii_and_separators() {
        for s in ["中文", "a/b", "a:b", "a b", "a\tb", "é", "a+b", " a"] {
            let err = NamespaceName::parse(s).unwrap_err();
            assert_eq!(err.rule(), NameRule::InvalidCharacter, "{s:?}");
        }
    }

    #[test]
    fn quoted_values_are_cut_and_escaped() {
        let err = AppId::parse("a\nb").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid app id `a\\nb`: use only letters, digits, `_`, `-` and `.`"
        );
        let long = "é".repeat(100);
        let err = AppId::parse(&long).unwrap_err();
        assert!(
            err.to_string()
                .contains(&format!("`{}...`", "é".repeat(64)))
        );
    }

    #[test]
    fn strips_one_properties_suffix_in_any_case() {
        assert_eq!(
            NamespaceName::strip_properties_suffix("application.properties"),
            "application"
        );
        assert_eq!(NamespaceName::strip_properties_suffix("a.PrOpErTiEs"), "a");
        assert_eq!(
            NamespaceName::strip_properties_suffix("a.properties.properties"),
            "a.properties"
        );
        assert_eq!(NamespaceName::strip_properties_suffix(".properties"), "");
        assert_eq!(
            NamespaceName::strip_properties_suffix("properties"),
            "properties"
        );
        assert_eq!(NamespaceName::strip_properties_suffix("a.yaml"), "a.yaml");
        assert_eq!(NamespaceName::strip_properties_suffix(""), "");
        // A multi-byte character just before the suffix position must not panic.
        assert_eq!(
            NamespaceName::strip_properties_suffix("éproperties"),
            "éproperties"
        );
        assert_eq!(
            NamespaceName::strip_properties_suffix("中.properties"),
            "中"
        );
    }

    #[test]
    fn serde_is_a_plain_validated_string() {
        let app = AppId::parse("sample-app").unwrap();
        assert_eq!(serde_json::to_string(&app).unwrap(), r#""sample-app""#);
        let back: AppId = serde_json::from_str(r#""sample-app""#).unwrap();
        assert_eq!(back, app);

        let err = serde_json::from_str::<NamespaceName>(r#""bad name""#).unwrap_err();
        assert!(
            err.to_string()
                .contains("invalid namespace name `bad name`"),
            "{err}"
        );
        assert!(serde_json::from_str::<ClusterName>(r#""""#).is_err());
        assert!(serde_json::from_str::<ClusterName>("42").is_err());
    }

    #[test]
    fn conversions_and_ordering() {
        let a: ClusterName = "a".parse().unwrap();
        let b = ClusterName::try_from(String::from("b")).unwrap();
        assert!(a < b);
        assert_eq!(a.to_string(), "a");
        assert_eq!(b.as_ref(), "b");
        assert_eq!(String::from(b.clone()), "b");
        assert_eq!(b.into_string(), "b");
        assert!(ClusterName::try_from(String::from("a b")).is_err());
    }
}

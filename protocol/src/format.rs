//! Namespace formats and the syntax check of a namespace's text before it is saved.
//!
//! Apollo keeps a properties namespace as items and every other format as one text item
//! (`content`). Lyre refuses to save text that its own format cannot parse, so clients never
//! receive a file they fail to read.

use std::fmt;
use std::str::FromStr;

use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};

use crate::names::quote_value;

/// The format of a namespace, as Apollo names it in its APIs and namespace suffixes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase", try_from = "String")]
pub enum Format {
    /// `key = value` items; the namespace name carries no suffix.
    Properties,
    /// An XML document.
    Xml,
    /// A JSON document.
    Json,
    /// A YAML document, under the `.yml` suffix.
    Yml,
    /// A YAML document, under the `.yaml` suffix.
    Yaml,
    /// Free text, never parsed.
    Txt,
}

impl Format {
    /// Every format, in the order Apollo lists them.
    pub const ALL: [Format; 6] = [
        Format::Properties,
        Format::Xml,
        Format::Json,
        Format::Yml,
        Format::Yaml,
        Format::Txt,
    ];

    /// Reads a format name in any letter case, e.g. `YAML`.
    pub fn parse(s: &str) -> Result<Self, ParseFormatError> {
        Self::ALL
            .into_iter()
            .find(|format| format.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| ParseFormatError {
                value: quote_value(s),
            })
    }

    /// The lowercase name, as Apollo writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Properties => "properties",
            Self::Xml => "xml",
            Self::Json => "json",
            Self::Yml => "yml",
            Self::Yaml => "yaml",
            Self::Txt => "txt",
        }
    }

    /// Whether the namespace is kept as items rather than as one text.
    pub fn is_properties(self) -> bool {
        self == Self::Properties
    }

    /// The format a namespace name implies: its suffix after the last `.` when that is `xml`,
    /// `json`, `yml`, `yaml` or `txt` (in any letter case), and properties otherwise, which is
    /// how Apollo clients decide how to read a namespace.
    pub fn of_namespace(name: &str) -> Format {
        let Some((_, suffix)) = name.rsplit_once('.') else {
            return Self::Properties;
        };
        match Self::parse(suffix) {
            Ok(format) => format,
            Err(_) => Self::Properties,
        }
    }

    /// The `Content-Type` to serve a namespace's raw file with.
    pub fn content_type(&self) -> &'static str {
        match self {
            Self::Xml => "application/xml;charset=UTF-8",
            Self::Json => "application/json;charset=UTF-8",
            Self::Yml | Self::Yaml => "application/yaml;charset=UTF-8",
            Self::Properties | Self::Txt => "text/plain;charset=UTF-8",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = ParseFormatError;

    fn from_str(s: &str) -> Result<Self, ParseFormatError> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Format {
    type Error = ParseFormatError;

    fn try_from(s: String) -> Result<Self, ParseFormatError> {
        Self::parse(&s)
    }
}

/// A format name Lyre does not know; the message lists the ones it does.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown format `{value}`: use one of properties, xml, json, yml, yaml, txt")]
pub struct ParseFormatError {
    /// Already cut and escaped for display.
    value: String,
}

/// Text that its namespace's format cannot parse, with where the parser stopped.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid {format} at line {line}, column {column}: {message}")]
pub struct ContentError {
    /// The format the text was checked as.
    pub format: Format,
    /// 1-based line of the problem.
    pub line: usize,
    /// 1-based column of the problem, counted in characters.
    pub column: usize,
    /// The parser's description of the problem, without its position.
    pub message: String,
}

/// Checks that `content` is well-formed in `format`, so a broken file is refused when it is
/// saved rather than when clients read it.
///
/// JSON must be one JSON value, XML one well-formed document (a DTD is allowed, external
/// entities are not fetched) and YAML a stream of zero or more documents, so empty YAML is
/// fine; duplicate keys in a YAML mapping are refused, as Apollo's client refuses them.
/// Properties and txt are always accepted here: properties text is checked by
/// [`crate::properties::parse`].
pub fn validate_content(format: Format, content: &str) -> Result<(), ContentError> {
    let problem = match format {
        Format::Properties | Format::Txt => return Ok(()),
        Format::Json => check_json(content),
        Format::Yml | Format::Yaml => check_yaml(content),
        Format::Xml => check_xml(content),
    };
    match problem {
        None => Ok(()),
        Some(Problem {
            line,
            column,
            message,
        }) => Err(ContentError {
            format,
            line: line.max(1),
            column: column.max(1),
            message,
        }),
    }
}

/// Why `text` cannot be a namespace's whole text in `format`, in the words saving it is refused
/// with (`None`: it parses). Properties text must parse as properties; a file must be
/// well-formed in its format, or empty.
pub fn text_problem(format: Format, text: &str) -> Option<String> {
    if format.is_properties() {
        return crate::properties::parse(text)
            .err()
            .map(|e| unparsable_properties(&e));
    }
    if text.trim().is_empty() {
        return None;
    }
    validate_content(format, text).err().map(|e| e.to_string())
}

/// How a properties text that does not parse is refused.
pub fn unparsable_properties(e: &crate::properties::PropertiesError) -> String {
    format!("the text does not parse: {e}")
}

/// A parse failure before it is tagged with its format.
struct Problem {
    line: usize,
    column: usize,
    message: String,
}

fn check_json(content: &str) -> Option<Problem> {
    let err = serde_json::from_str::<IgnoredAny>(content).err()?;
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    let full = err.to_string();
    let message = full.strip_suffix(&suffix).unwrap_or(&full).to_owned();
    let (line, column) = if err.is_eof() {
        // serde_json points at the last character read; the problem is that input ended.
        end_position(content)
    } else if err.line() == 0 {
        (1, 1)
    } else {
        (err.line(), char_column(content, err.line(), err.column()))
    };
    Some(Problem {
        line,
        column,
        message,
    })
}

fn check_yaml(content: &str) -> Option<Problem> {
    let options = serde_saphyr::options! {
        with_snippet: false,
        // `.nan` and `.inf` are valid YAML floats; only syntax matters here.
        non_finite_float_policy: serde_saphyr::NonFiniteFloatPolicy::PassThrough,
    };
    // Ignoring every value checks the whole stream without building a tree, and accepts keys
    // (numbers, sequences) that a JSON-like value could not hold.
    let err = serde_saphyr::from_multiple_with_options::<IgnoredAny>(content, options).err()?;
    let render = serde_saphyr::render_options! {
        formatter: &serde_saphyr::UserMessageFormatter,
        snippets: serde_saphyr::SnippetMode::Off,
    };
    let full = err.render_with_options(render);
    let (line, column, message) = match err.location() {
        Some(location) => {
            let suffix = format!(" at line {}, column {}", location.line(), location.column());
            let message = full.strip_suffix(&suffix).unwrap_or(&full).to_owned();
            (
                to_usize(location.line()),
                to_usize(location.column()),
                message,
            )
        }
        None => (1, 1, full),
    };
    Some(Problem {
        line,
        column,
        message,
    })
}

fn check_xml(content: &str) -> Option<Problem> {
    let options = roxmltree::ParsingOptions {
        // Config files such as MyBatis or logback ones often declare a DTD; roxmltree still
        // guards against entity expansion attacks and never fetches external entities.
        allow_dtd: true,
        ..roxmltree::ParsingOptions::default()
    };
    let err = roxmltree::Document::parse_with_options(content, options).err()?;
    let pos = err.pos();
    let suffix = format!(" at {pos}");
    let full = err.to_string();
    let message = full.strip_suffix(&suffix).unwrap_or(&full).to_owned();
    let (line, column) = if matches!(err, roxmltree::Error::UnclosedRootNode) {
        // roxmltree reports 1:1; the closing tag is missing where the input ends.
        end_position(content)
    } else {
        (to_usize(u64::from(pos.row)), to_usize(u64::from(pos.col)))
    };
    Some(Problem {
        line,
        column,
        message,
    })
}

/// The 1-based line and character column just past the last character of `content`.
fn end_position(content: &str) -> (usize, usize) {
    let line = content.bytes().filter(|&b| b == b'\n').count() + 1;
    let last_line = content.rsplit('\n').next().unwrap_or("");
    (line, last_line.chars().count() + 1)
}

/// Converts serde_json's 1-based byte column on `line` into a 1-based character column.
fn char_column(content: &str, line: usize, byte_column: usize) -> usize {
    let Some(text) = content.split('\n').nth(line - 1) else {
        return byte_column;
    };
    let offset = byte_column.saturating_sub(1);
    text.char_indices().take_while(|&(i, _)| i < offset).count() + 1
}

/// Positions beyond `usize` cannot occur in text held in memory; saturate rather than panic.
fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(format: Format, content: &str) -> ContentError {
        validate_content(format, content).expect_err("content should be rejected")
    }

    fn position(err: &ContentError) -> (usize, usize) {
        (err.line, err.column)
    }

    #[test]
    fn parses_names_in_any_case() {
        for format in Format::ALL {
            assert_eq!(Format::parse(format.as_str()), Ok(format));
            assert_eq!(Format::parse(&format.as_str().to_uppercase()), Ok(format));
            assert_eq!(format.to_string(), format.as_str());
        }
        assert_eq!("Yaml".parse::<Format>(), Ok(Format::Yaml));
        assert_eq!(
            Format::parse("toml").unwrap_err().to_string(),
            "unknown format `toml`: use one of properties, xml, json, yml, yaml, txt"
        );
        assert!(Format::parse("").is_err());
        assert!(Format::parse(" json").is_err());
    }

    #[test]
    fn serde_uses_lowercase_names() {
        assert_eq!(serde_json::to_string(&Format::Yaml).unwrap(), r#""yaml""#);
        assert_eq!(
            serde_json::to_string(&Format::Properties).unwrap(),
            r#""properties""#
        );
        assert_eq!(
            serde_json::from_str::<Format>(r#""json""#).unwrap(),
            Format::Json
        );
        assert_eq!(
            serde_json::from_str::<Format>(r#""XML""#).unwrap(),
            Format::Xml
        );
        let err = serde_json::from_str::<Format>(r#""ini""#).unwrap_err();
        assert!(err.to_string().contains("unknown format `ini`"), "{err}");
    }

    #[test]
    fn namespace_suffix_decides_the_format() {
        assert_eq!(Format::of_namespace("application"), Format::Properties);
        assert_eq!(Format::of_namespace("db.yaml"), Format::Yaml);
        assert_eq!(Format::of_namespace("db.YML"), Format::Yml);
        assert_eq!(Format::of_namespace("a.b.Json"), Format::Json);
        assert_eq!(Format::of_namespace("logback.xml"), Format::Xml);
        assert_eq!(Format::of_namespace("notes.txt"), Format::Txt);
        assert_eq!(Format::of_namespace("a.properties"), Format::Properties);
        assert_eq!(Format::of_namespace("FX.apollo"), Format::Properties);
        assert_eq!(Format::of_namespace("json"), Format::Properties);
        assert_eq!(Format::of_namespace("a.json.bak"), Format::Properties);
        assert_eq!(Format::of_namespace("a."), Format::Properties);
        assert!(Format::of_namespace("application").is_properties());
        assert!(!Format::Yaml.is_properties());
    }

    #[test]
    fn content_types() {
        assert_eq!(Format::Xml.content_type(), "application/xml;charset=UTF-8");
        assert_eq!(
            Format::Json.content_type(),
            "application/json;charset=UTF-8"
        );
        assert_eq!(Format::Yml.content_type(), "application/yaml;charset=UTF-8");
        assert_eq!(
            Format::Yaml.content_type(),
            "application/yaml;charset=UTF-8"
        );
        assert_eq!(Format::Txt.content_type(), "text/plain;charset=UTF-8");
        assert_eq!(
            Format::Properties.content_type(),
            "text/plain;charset=UTF-8"
        );
    }

    #[test]
    fn properties_and_txt_are_not_checked() {
        for content in ["", "{", "<a>", "anything: [at all"] {
            assert_eq!(validate_content(Format::Properties, content), Ok(()));
            assert_eq!(validate_content(Format::Txt, content), Ok(()));
        }
    }

    #[test]
    fn valid_json() {
        for content in [
            "{}",
            "[]",
            "1",
            "\"s\"",
            "{\n  \"a\": [1, 2.5, null],\n  \"名\": \"值\"\n}\n",
        ] {
            assert_eq!(validate_content(Format::Json, content), Ok(()), "{content}");
        }
    }

    #[test]
    fn json_unclosed_object_points_at_the_end() {
        let err = error(Format::Json, "{\n  \"a\": 1,\n  \"b\": [1, 2]\n");
        assert_eq!(position(&err), (4, 1));
        assert_eq!(err.message, "EOF while parsing an object");
        assert_eq!(
            err.to_string(),
            "invalid json at line 4, column 1: EOF while parsing an object"
        );

        let err = error(Format::Json, "{\n  \"a\": 1");
        assert_eq!(position(&err), (2, 9));
    }

    #[test]
    fn json_errors_point_at_the_offending_character() {
        let err = error(Format::Json, "{\n  \"a\": 1,\n  \"b\" 2\n}");
        assert_eq!(position(&err), (3, 7));
        assert_eq!(err.message, "expected `:`");

        // Columns count characters, not bytes.
        let err = error(Format::Json, "{\n  \"名字\": 1 x\n}");
        assert_eq!(position(&err), (2, 11));
        assert_eq!(err.message, "expected `,` or `}`");

        let err = error(Format::Json, "{\"a\": 1}\n\nx");
        assert_eq!(position(&err), (3, 1));
        assert_eq!(err.message, "trailing characters");
    }

    #[test]
    fn empty_json_is_rejected() {
        let err = error(Format::Json, "");
        assert_eq!(position(&err), (1, 1));
        assert_eq!(err.message, "EOF while parsing a value");
        assert_eq!(position(&error(Format::Json, "\n\n")), (3, 1));
    }

    #[test]
    fn valid_yaml() {
        let cases = [
            "",
            "\n\n",
            "# only a comment\n",
            "a: 1\nb:\n  - x\n  - y\n",
            "a: 1\n---\nb: 2\n",
            "x: .nan\ny: -.inf\n",
            "1: one\ntrue: yes\n~: null\n",
            "? [a, b]\n: c\n",
            "base: &b {a: 1}\nderived:\n  <<: *b\n  c: 2\n",
            "名字: 值\n",
            "plain text\n",
        ];
        for content in cases {
            assert_eq!(validate_content(Format::Yaml, content), Ok(()), "{content}");
            assert_eq!(validate_content(Format::Yml, content), Ok(()), "{content}");
        }
    }

    #[test]
    fn yaml_bad_indentation() {
        let err = error(Format::Yaml, "a: 1\nb:\n  c: 2\n d: 3\n");
        assert_eq!(position(&err), (4, 2));
        assert_eq!(
            err.message,
            "while parsing a block mapping, did not find expected key"
        );
        assert_eq!(
            err.to_string(),
            "invalid yaml at line 4, column 2: while parsing a block mapping, did not find expected key"
        );

        let err = error(Format::Yml, "server:\n  port: 8080\n    host: x\n");
        assert_eq!(err.format, Format::Yml);
        assert_eq!(position(&err), (3, 9));
        assert_eq!(
            err.message,
            "mapping values are not allowed in this context"
        );
    }

    #[test]
    fn yaml_unterminated_quote_and_bracket() {
        // The parser notices the open quote where the next line fails to continue it.
        let err = error(Format::Yaml, "a: 1\nb: \"abc\nc: 2\n");
        assert_eq!(position(&err), (3, 1));
        assert!(err.message.contains("quoted scalar"), "{}", err.message);

        // Columns count characters, not bytes.
        let err = error(Format::Yaml, "名字: 值\n列表: [1, 2\n");
        assert_eq!(position(&err), (2, 5));
        assert_eq!(err.message, "unclosed bracket '['");
    }

    #[test]
    fn yaml_duplicate_keys_and_unknown_aliases() {
        let err = error(Format::Yaml, "a: 1\nb: 2\na: 3\n");
        assert_eq!(position(&err), (3, 1));
        assert!(
            err.message.contains("duplicate mapping key"),
            "{}",
            err.message
        );
        assert!(!err.message.contains("at line"), "{}", err.message);

        let err = error(Format::Yaml, "a: &x 1\nb: *y\n");
        assert_eq!(position(&err), (2, 4));
    }

    #[test]
    fn valid_xml() {
        let cases = [
            "<a/>",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<config>\n  <名>值</名>\n</config>\n",
            "<!DOCTYPE a [<!ENTITY e \"x\">]><a>&e;</a>",
            "<?xml version=\"1.0\"?>\n<!DOCTYPE configuration PUBLIC \"-//mybatis.org//DTD Config 3.0//EN\" \"http://mybatis.org/dtd/mybatis-3-config.dtd\">\n<configuration/>\n",
            "<!-- c -->\n<a x=\"1\"><![CDATA[<not markup>]]></a>",
        ];
        for content in cases {
            assert_eq!(validate_content(Format::Xml, content), Ok(()), "{content}");
        }
    }

    #[test]
    fn xml_mismatched_closing_tag() {
        let err = error(Format::Xml, "<a>\n  <b>x</c>\n</a>");
        assert_eq!(position(&err), (2, 7));
        assert_eq!(err.message, "expected 'b' tag, not 'c'");
        assert_eq!(
            err.to_string(),
            "invalid xml at line 2, column 7: expected 'b' tag, not 'c'"
        );

        // Columns count characters, not bytes.
        let err = error(Format::Xml, "<a>\n  <名字>x</名>\n</a>");
        assert_eq!(position(&err), (2, 8));
    }

    #[test]
    fn xml_other_errors() {
        let err = error(Format::Xml, "<a>\n  <b x=1/>\n</a>");
        assert_eq!(position(&err), (2, 8));
        assert_eq!(err.message, "expected a quote not '1'");

        let err = error(Format::Xml, "<a>\n  <b/>\n");
        assert_eq!(position(&err), (3, 1));
        assert_eq!(err.message, "the root node was opened but never closed");

        let err = error(Format::Xml, "<a/>\n<b/>");
        assert_eq!(position(&err), (2, 1));

        let err = error(Format::Xml, "");
        assert_eq!(position(&err), (1, 1));
        assert_eq!(err.message, "the document does not have a root node");
    }
}

//! A properties namespace as text ("text mode") and as ordered items ("table mode").
//!
//! The syntax is the simple one people type in the portal, not the whole of
//! `java.util.Properties`: one `key = value` per line, `#` or `!` comment lines, no escape
//! sequences and no line continuations. Values are kept exactly as written (after trimming), so
//! `a\tb` stays four characters and a line ending in `\` does not join the next one.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::names::quote_value;

/// One item of a properties namespace.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Entry {
    /// The key, without surrounding whitespace.
    pub key: String,
    /// The value, without surrounding whitespace.
    pub value: String,
    /// The comment lines written above the item, joined with `\n`; empty when there are none.
    pub comment: String,
}

/// A properties namespace as ordered items, with the comments that belong to them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Properties {
    /// The items, in the order they were written.
    pub entries: Vec<Entry>,
    /// Comment lines after the last item, joined with `\n`; empty when there are none.
    pub trailing_comment: String,
}

/// A line of properties text that is not a comment, a blank line or a valid new item.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct PropertiesError {
    /// 1-based number of the offending line.
    pub line: usize,
    /// What is wrong with it, for people.
    pub message: String,
}

/// Reads properties text into items, keeping their order and comments.
///
/// Lines are split on `\n` and lose a trailing `\r`. Blank lines are skipped. A line whose first
/// non-blank character is `#` or `!` is a comment; its text after the marker, less one space if
/// there is one, becomes part of the comment of the next item, or of
/// [`Properties::trailing_comment`] after the last item. Any other line is split at its first
/// `=` or `:` into a key and a value, both trimmed; the value is kept literally (no escapes, no
/// line continuations). A line without a separator, an empty key or a repeated key is an error.
///
/// ```
/// let props = lyre_protocol::properties::parse("# where the data is\ndb.url = jdbc:h2:mem:x\n")?;
/// assert_eq!(props.entries[0].key, "db.url");
/// assert_eq!(props.entries[0].value, "jdbc:h2:mem:x");
/// assert_eq!(props.entries[0].comment, "where the data is");
/// # Ok::<(), lyre_protocol::properties::PropertiesError>(())
/// ```
pub fn parse(text: &str) -> Result<Properties, PropertiesError> {
    let mut entries: Vec<Entry> = Vec::new();
    // Key -> 1-based line of its first appearance.
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut comment: Option<String> = None;

    for (index, raw) in text.split('\n').enumerate() {
        let number = index + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let content = line.trim_start();
        if content.is_empty() {
            continue;
        }
        if let Some(rest) = content.strip_prefix(['#', '!']) {
            let text = rest.strip_prefix(' ').unwrap_or(rest);
            match &mut comment {
                Some(joined) => {
                    joined.push('\n');
                    joined.push_str(text);
                }
                None => comment = Some(text.to_owned()),
            }
            continue;
        }

        let Some(at) = content.find(['=', ':']) else {
            return Err(PropertiesError {
                line: number,
                message: format!(
                    "expected `key = value`, found `{}`",
                    quote_value(content.trim_end())
                ),
            });
        };
        let key = content[..at].trim();
        let value = content[at + 1..].trim();
        if key.is_empty() {
            return Err(PropertiesError {
                line: number,
                message: "the key is empty".to_owned(),
            });
        }
        if let Some(first) = seen.insert(key, number) {
            return Err(PropertiesError {
                line: number,
                message: format!(
                    "the key `{}` appears again (first on line {first})",
                    quote_value(key)
                ),
            });
        }
        entries.push(Entry {
            key: key.to_owned(),
            value: value.to_owned(),
            comment: comment.take().unwrap_or_default(),
        });
    }

    Ok(Properties {
        entries,
        trailing_comment: comment.unwrap_or_default(),
    })
}

/// Writes items as properties text: each item's comment lines as `# line` (`#` alone for an
/// empty line), then `key = value` (`key =` when the value is empty), then the trailing
/// comment; every line ends with `\n`.
///
/// [`parse`] reads the result back to the same [`Properties`] when keys are non-empty, unique,
/// free of `=`, `:` and line breaks, do not start with `#` or `!` and have no surrounding
/// whitespace, values have no line breaks and no surrounding whitespace, and comments have no
/// `\r`. Nothing is escaped, so other items cannot be written faithfully; whitespace means
/// Unicode white space, as [`str::trim`] sees it.
pub fn render(props: &Properties) -> String {
    let mut out = String::new();
    for entry in &props.entries {
        push_comment(&mut out, &entry.comment);
        out.push_str(&entry.key);
        out.push_str(" =");
        if !entry.value.is_empty() {
            out.push(' ');
            out.push_str(&entry.value);
        }
        out.push('\n');
    }
    push_comment(&mut out, &props.trailing_comment);
    out
}

fn push_comment(out: &mut String, comment: &str) {
    if comment.is_empty() {
        return;
    }
    for line in comment.split('\n') {
        if line.is_empty() {
            out.push_str("#\n");
        } else {
            // Writing to a String cannot fail.
            let _ = writeln!(out, "# {line}");
        }
    }
}

/// Writes `key=value` lines in the given order, as Apollo serves a released properties
/// namespace as a file.
///
/// Nothing is escaped: a key holding `=` or `:`, or a key or value holding a line break, comes
/// out as text that does not read back to the same pairs.
pub fn render_map<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::new();
    for (key, value) in pairs {
        out.push_str(key);
        out.push('=');
        out.push_str(value);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(key: &str, value: &str, comment: &str) -> Entry {
        Entry {
            key: key.to_owned(),
            value: value.to_owned(),
            comment: comment.to_owned(),
        }
    }

    fn props(entries: Vec<Entry>, trailing_comment: &str) -> Properties {
        Properties {
            entries,
            trailing_comment: trailing_comment.to_owned(),
        }
    }

    #[test]
    fn parses_keys_values_and_comments() {
        let text = "\
# database
#  indented
db.url = jdbc:mysql://localhost:3306/x?a=b
db.user:root

! legacy marker
   #indented marker
timeout=   30   \r
empty =
# the end
";
        let parsed = parse(text).unwrap();
        assert_eq!(
            parsed,
            props(
                vec![
                    entry(
                        "db.url",
                        "jdbc:mysql://localhost:3306/x?a=b",
                        "database\n indented"
                    ),
                    entry("db.user", "root", ""),
                    entry("timeout", "30", "legacy marker\nindented marker"),
                    entry("empty", "", ""),
                ],
                "the end",
            )
        );
    }

    #[test]
    fn blank_lines_keep_a_comment_with_its_entry() {
        let parsed = parse("# about a\n\n   \n\na = 1\n").unwrap();
        assert_eq!(parsed.entries, vec![entry("a", "1", "about a")]);
        assert_eq!(parsed.trailing_comment, "");
    }

    #[test]
    fn separator_is_the_first_equals_or_colon() {
        let parsed = parse("a:b=c\nd=e:f\n g h = i j \nk==\n").unwrap();
        assert_eq!(
            parsed.entries,
            vec![
                entry("a", "b=c", ""),
                entry("d", "e:f", ""),
                entry("g h", "i j", ""),
                entry("k", "=", ""),
            ]
        );
    }

    #[test]
    fn values_are_literal() {
        let parsed = parse("a = x\\ny\\\nb = \\u0041 # not a comment\n").unwrap();
        assert_eq!(parsed.entries[0].value, "x\\ny\\");
        assert_eq!(parsed.entries[1].value, "\\u0041 # not a comment");
    }

    #[test]
    fn empty_text() {
        assert_eq!(parse("").unwrap(), Properties::default());
        assert_eq!(parse("\n \r\n\t\n").unwrap(), Properties::default());
        assert_eq!(render(&Properties::default()), "");
    }

    #[test]
    fn errors_name_the_line() {
        let err = parse("a = 1\n\n\njust words\n").unwrap_err();
        assert_eq!(err.line, 4);
        assert_eq!(
            err.to_string(),
            "line 4: expected `key = value`, found `just words`"
        );

        let err = parse("a = 1\r\n\r\n\r\n  = 2\r\n").unwrap_err();
        assert_eq!(err.to_string(), "line 4: the key is empty");

        let text = "a=1\ndb.url = x\n\n\n\n\n\n# again\ndb.url: y\n";
        let err = parse(text).unwrap_err();
        assert_eq!(err.line, 9);
        assert_eq!(
            err.to_string(),
            "line 9: the key `db.url` appears again (first on line 2)"
        );
    }

    #[test]
    fn long_bad_lines_are_cut_in_messages() {
        let line = "x".repeat(200);
        let err = parse(&line).unwrap_err();
        assert_eq!(
            err.message,
            format!("expected `key = value`, found `{}...`", "x".repeat(64))
        );
    }

    #[test]
    fn renders_comments_then_items() {
        let p = props(
            vec![entry("a", "1", "first\n\n  indented"), entry("b", "", "")],
            "end\n",
        );
        assert_eq!(
            render(&p),
            "# first\n#\n#   indented\na = 1\nb =\n# end\n#\n"
        );
    }

    #[test]
    fn round_trips() {
        let cases = vec![
            props(vec![], ""),
            props(vec![], "only a comment"),
            props(vec![], "two\nlines"),
            props(vec![entry("a", "1", "")], ""),
            props(vec![entry("a", "", "")], ""),
            props(vec![entry("a", "", "why a is empty")], ""),
            props(
                vec![
                    entry(
                        "db.url",
                        "jdbc:mysql://h:3306/db?useSSL=false&a=b",
                        "the database",
                    ),
                    entry("db.password", "p@ss#word!", ""),
                    entry("ratio", "a=b:c", "\n\n"),
                ],
                "",
            ),
            props(
                vec![
                    entry("名字", "值 with spaces inside", "中文注释"),
                    entry("emoji.🎵", "♪ ♫", "multi\nline\ncomment"),
                    entry("greeting", "héllo wörld", "ÄÖÜ"),
                ],
                "trailing\n  comment",
            ),
            props(
                vec![
                    entry("hash", "#not-a-comment", " one leading space"),
                    entry("bang", "!also not", "  two leading spaces"),
                    entry("colon", ":", "#looks like a marker"),
                    entry("eq", "=", "! another"),
                    entry("spaces", "a   b", "   "),
                ],
                "",
            ),
            props(
                vec![
                    entry("a", "1", "ends with an empty line\n"),
                    entry("b", "2", "\nstarts with an empty line"),
                    entry("c", "x\\ny", "tab\tinside"),
                    entry("d.e-f_g", "trailing backslash\\", "   \n \n"),
                ],
                "\n",
            ),
            props(
                (0..50)
                    .map(|i| entry(&format!("key.{i}"), &format!("value {i}"), ""))
                    .collect(),
                "",
            ),
        ];
        for p in cases {
            let text = render(&p);
            assert_eq!(parse(&text).as_ref(), Ok(&p), "text was:\n{text}");
        }
    }

    #[test]
    fn render_map_writes_pairs_in_order() {
        assert_eq!(render_map([]), "");
        assert_eq!(
            render_map([("b", "2"), ("a", "x=y"), ("c", "")]),
            "b=2\na=x=y\nc=\n"
        );
        let owned = [("k".to_owned(), "v".to_owned())];
        assert_eq!(
            render_map(owned.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
            "k=v\n"
        );
    }
}

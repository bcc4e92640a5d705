//! Plain aligned tables for people: a header, then rows, columns two spaces apart, no trailing
//! spaces. Cells are shown on one line: values that clients or people wrote (labels, titles)
//! cannot break the layout or reach the terminal as control characters.

use std::io::Write;

/// A table being filled.
pub(crate) struct Table {
    header: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub(crate) fn new(header: &[&'static str]) -> Self {
        Self {
            header: header.to_vec(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; an empty cell shows as `-`.
    pub(crate) fn row(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.header.len(), "a row of {:?}", self.header);
        self.rows
            .push(cells.into_iter().map(|c| cell(&c)).collect());
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Writes the header and the rows, each column as wide as its widest cell.
    pub(crate) fn write(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let header: Vec<String> = self.header.iter().map(|h| (*h).to_owned()).collect();
        for row in std::iter::once(&header).chain(&self.rows) {
            let mut line = String::new();
            for (i, (cell, width)) in row.iter().zip(&widths).enumerate() {
                if i > 0 {
                    line.push_str("  ");
                }
                line.push_str(cell);
                if i + 1 < row.len() {
                    line.extend(std::iter::repeat_n(' ', width - cell.chars().count()));
                }
            }
            writeln!(out, "{}", line.trim_end())?;
        }
        Ok(())
    }
}

/// `text` on one line, empty as `-`.
fn cell(text: &str) -> String {
    let out = one_line(text);
    if out.is_empty() { "-".to_owned() } else { out }
}

/// `text` on one line: whitespace runs become one space, other control characters are escaped.
pub(crate) fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        for c in word.chars() {
            if c.is_control() {
                out.extend(c.escape_default());
            } else {
                out.push(c);
            }
        }
    }
    out
}

/// `text` cut to `max` characters, marked with `...` when cut.
pub(crate) fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(3)).collect();
    out.push_str("...");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(table: &Table) -> String {
        let mut out = Vec::new();
        table.write(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn columns_are_aligned_without_trailing_spaces() {
        let mut table = Table::new(&["APP", "NAME", "OWNER"]);
        table.row(vec!["demo-shop".into(), "Démo shop".into(), "alice".into()]);
        table.row(vec!["a".into(), String::new(), String::new()]);
        assert_eq!(
            shown(&table),
            "APP        NAME       OWNER\n\
             demo-shop  Démo shop  alice\n\
             a          -          -\n"
        );
    }

    #[test]
    fn cells_stay_on_one_line_and_escape_control_characters() {
        let mut table = Table::new(&["LABEL", "X"]);
        table.row(vec!["two\nlines\t here".into(), "\u{1b}[31mred".into()]);
        assert_eq!(
            shown(&table),
            "LABEL           X\ntwo lines here  \\u{1b}[31mred\n"
        );
        assert_eq!(cut("abcdefghij", 6), "abc...");
        assert_eq!(cut("abc", 6), "abc");
    }
}

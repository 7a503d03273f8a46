//! The examples gallery: ready notebooks (in `examples/` at the repository
//! root) and the notebook text format they use.
//!
//! ```text
//! # title: Blog: associations and preloads
//! # description: One line shown under the title.
//! # %% Schemas
//! defmodule Blog.Post do
//!   ...
//! # %% Migration
//! ...
//! ```
//!
//! The first lines are the title and description, and optionally the
//! database the notebook runs on (`# database: postgres`; SQLite without
//! it); each line starting with `# %%` begins a cell, the rest of that line
//! being its title. The whole file stays valid Elixir.

use serde::Serialize;

/// One cell of a notebook.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Cell {
    pub title: Option<String>,
    pub source: String,
}

/// A notebook: title, description, database and cells.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Notebook {
    pub title: String,
    pub description: String,
    /// Runs on PostgreSQL (`# database: postgres`) rather than SQLite.
    pub postgres: bool,
    pub cells: Vec<Cell>,
}

/// A gallery entry: its id (the file name without extension) and text.
#[derive(Clone, Copy, Debug)]
pub struct Example {
    pub id: &'static str,
    pub source: &'static str,
}

impl Example {
    pub fn notebook(&self) -> Notebook {
        parse(self.source)
    }
}

macro_rules! examples {
    ($($id:literal),* $(,)?) => {
        &[$(Example { id: $id, source: include_str!(concat!("../../../examples/", $id, ".exs")) }),*]
    };
}

/// The gallery's SQLite examples, in the order the page lists them.
pub const EXAMPLES: &[Example] = examples![
    "blog",
    "changesets",
    "multi",
    "upserts",
    "soft_deletes",
    "audit_trail",
    "multi_tenancy",
    "optimistic_locking",
    "polymorphic",
    "recursive_cte",
    "window_functions",
    "dynamic_filters",
];

/// The gallery's PostgreSQL examples (`# database: postgres`), listed after
/// the SQLite ones; opening one moves the notebook to PostgreSQL.
pub const POSTGRES_EXAMPLES: &[Example] =
    examples!["pg_arrays_jsonb", "pg_full_text", "pg_distinct_on", "pg_upsert_returning", "pg_bookings",];

/// Every example, SQLite's then PostgreSQL's.
pub fn all() -> impl Iterator<Item = &'static Example> {
    EXAMPLES.iter().chain(POSTGRES_EXAMPLES)
}

/// The example with this id.
pub fn find(id: &str) -> Option<&'static Example> {
    all().find(|e| e.id == id)
}

/// Reads a notebook. Header lines are optional; text before the first
/// `# %%` marker (after the header) is a cell of its own when not blank.
pub fn parse(src: &str) -> Notebook {
    let mut title = String::new();
    let mut description = String::new();
    let mut postgres = false;
    let mut cells = Vec::new();
    let mut current: Option<(Option<String>, Vec<&str>)> = None;
    let mut preamble: Vec<&str> = Vec::new();
    let mut in_header = true;
    for line in src.lines() {
        if in_header {
            if let Some(t) = header(line, "title") {
                title = t;
                continue;
            }
            if let Some(d) = header(line, "description") {
                description = d;
                continue;
            }
            if let Some(db) = header(line, "database") {
                postgres = db == "postgres";
                continue;
            }
            in_header = false;
        }
        if let Some(rest) = line.strip_prefix("# %%") {
            flush(&mut cells, current.take(), &mut preamble);
            let t = rest.trim();
            current = Some(((!t.is_empty()).then(|| t.to_string()), Vec::new()));
        } else {
            match current.as_mut() {
                Some((_, lines)) => lines.push(line),
                None => preamble.push(line),
            }
        }
    }
    flush(&mut cells, current.take(), &mut preamble);
    Notebook { title, description, postgres, cells }
}

fn header(line: &str, key: &str) -> Option<String> {
    let rest = line.strip_prefix('#')?.trim_start();
    let rest = rest.strip_prefix(key)?.strip_prefix(':')?;
    Some(rest.trim().to_string())
}

fn flush(cells: &mut Vec<Cell>, current: Option<(Option<String>, Vec<&str>)>, preamble: &mut Vec<&str>) {
    if !preamble.is_empty() {
        let lines = std::mem::take(preamble);
        if let Some(source) = trimmed(&lines) {
            cells.push(Cell { title: None, source });
        }
    }
    if let Some((title, lines)) = current {
        let source = trimmed(&lines).unwrap_or_default();
        cells.push(Cell { title, source });
    }
}

/// The lines without leading and trailing blank lines, or `None` when blank.
fn trimmed(lines: &[&str]) -> Option<String> {
    let start = lines.iter().position(|l| !l.trim().is_empty())?;
    let end = lines.iter().rposition(|l| !l.trim().is_empty())?;
    Some(lines[start..=end].join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notebooks_split_into_titled_cells() {
        let nb = parse("# title: T\n# description: D here\n# %% One\na = 1\n\n# %%\nb = 2\n# %% Three\n");
        assert_eq!(nb.title, "T");
        assert_eq!(nb.description, "D here");
        assert_eq!(
            nb.cells,
            vec![
                Cell { title: Some("One".into()), source: "a = 1".into() },
                Cell { title: None, source: "b = 2".into() },
                Cell { title: Some("Three".into()), source: String::new() },
            ]
        );
    }

    #[test]
    fn text_before_the_first_marker_is_a_cell() {
        let nb = parse("x = 1\n# %% Next\ny = 2");
        assert_eq!(nb.title, "");
        assert_eq!(nb.cells.len(), 2);
        assert_eq!(nb.cells[0].source, "x = 1");
    }

    #[test]
    fn the_database_header_is_read() {
        let nb = parse("# title: T\n# description: D\n# database: postgres\n# %% One\na = 1");
        assert!(nb.postgres);
        assert_eq!(nb.cells.len(), 1);
        assert!(!parse("# title: T\n# %% One\na = 1").postgres);
        assert!(EXAMPLES.iter().all(|e| !e.notebook().postgres));
        assert!(POSTGRES_EXAMPLES.iter().all(|e| e.notebook().postgres));
    }

    #[test]
    fn every_example_has_a_title_description_and_cells() {
        for e in all() {
            let nb = e.notebook();
            assert!(!nb.title.is_empty(), "{}: title", e.id);
            assert!(!nb.description.is_empty(), "{}: description", e.id);
            assert!(nb.cells.len() >= 3, "{}: cells", e.id);
            for (i, c) in nb.cells.iter().enumerate() {
                let parsed = crate::syntax::parse(&c.source);
                assert!(parsed.errors.is_empty(), "{} cell {i}: {:?}", e.id, parsed.errors);
            }
        }
    }
}

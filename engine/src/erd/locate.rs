//! Where schemas and associations are written in the notebook's cells:
//! each `defmodule` (nested ones by their full name) and, inside it, each
//! `belongs_to`/`has_one`/`has_many`/`many_to_many` call, found by parsing
//! the cell sources (the schema registry keeps no spans).

use std::collections::HashMap;

use super::Location;
use crate::diag::{LineIndex, Span};
use crate::syntax::{self, Kind, Node};

const ASSOC_CALLS: &[&str] = &["belongs_to", "has_one", "has_many", "many_to_many"];

/// Modules and association calls by name, the last definition winning (as
/// a module redefined in a later cell replaces the earlier one).
#[derive(Default)]
pub struct Places {
    pub modules: HashMap<String, Location>,
    /// `(module, association)` → (where, the call's text).
    pub assocs: HashMap<(String, String), (Location, String)>,
}

pub fn find(cells: &[&str]) -> Places {
    let mut places = Places::default();
    for (cell, src) in cells.iter().enumerate() {
        let parsed = syntax::parse(src);
        let index = LineIndex::new(src);
        let mut ctx = Ctx { cell, src, index: &index, places: &mut places };
        ctx.walk(&parsed.root, "");
    }
    places
}

struct Ctx<'a> {
    cell: usize,
    src: &'a str,
    index: &'a LineIndex,
    places: &'a mut Places,
}

impl Ctx<'_> {
    fn location(&self, span: Span) -> Location {
        let (start, end) = (span.start as usize, span.end as usize);
        Location {
            cell: self.cell,
            start: span.start,
            end: span.end,
            from: self.index.utf16(self.src, start),
            to: self.index.utf16(self.src, end),
        }
    }

    fn walk(&mut self, node: &Node, prefix: &str) {
        match &node.kind {
            Kind::Block(items) => {
                for item in items {
                    self.walk(item, prefix);
                }
            }
            Kind::Call { name, args, .. } if name == "defmodule" && args.len() == 2 => {
                let Some(short) = args[0].alias_name() else { return };
                let full = if prefix.is_empty() { short } else { format!("{prefix}.{short}") };
                let loc = self.location(node.span);
                self.places.modules.insert(full.clone(), loc);
                if let Some(body) = args[1].keyword_get("do") {
                    self.walk(body, &full);
                    self.assocs(body, &full, 0);
                }
            }
            _ => {}
        }
    }

    /// Association calls in a module body (inside `schema ... do`).
    fn assocs(&mut self, node: &Node, module: &str, depth: usize) {
        if depth > 8 {
            return;
        }
        match &node.kind {
            Kind::Block(items) => {
                for item in items {
                    self.assocs(item, module, depth + 1);
                }
            }
            Kind::Call { name, args, .. } if ASSOC_CALLS.contains(&name.as_str()) => {
                if let Some(field) = args.first().and_then(|a| a.as_atom()) {
                    let text = self.src.get(node.span.start as usize..node.span.end as usize).unwrap_or("").to_string();
                    let loc = self.location(node.span);
                    self.places.assocs.insert((module.to_string(), field.to_string()), (loc, text));
                }
            }
            Kind::Call { name, args, .. } if name == "schema" || name == "embedded_schema" => {
                if let Some(body) = args.last().and_then(|a| a.keyword_get("do")) {
                    self.assocs(body, module, depth + 1);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_nested_modules_and_association_calls() {
        let src = "x = 1\ndefmodule Blog do\n  defmodule Post do\n    use Ecto.Schema\n    schema \"posts\" do\n      belongs_to :author, Blog.Author\n    end\n  end\nend";
        let places = find(&["", src]);
        let post = &places.modules["Blog.Post"];
        assert_eq!(post.cell, 1);
        assert_eq!(post.from, (2, 2));
        assert!(places.modules.contains_key("Blog"));
        let (loc, text) = &places.assocs[&("Blog.Post".to_string(), "author".to_string())];
        assert_eq!(text, "belongs_to :author, Blog.Author");
        assert_eq!(loc.from, (5, 6));
    }

    #[test]
    fn broken_sources_give_what_can_be_read() {
        let places = find(&["defmodule A do\n  schema \"a\" do\n    has_many :bs, B\n", "defmodule", "]]]"]);
        assert!(places.modules.len() <= 1);
    }
}

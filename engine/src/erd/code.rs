//! Writing Elixir: atoms, strings and module names as the formatter
//! would, and the migration cell the playground runs (a module that
//! `use Ecto.Migration` and the `Ecto.Migrator.up/3` call that runs it).

use crate::value::{inspect::inspect, Value};

/// `:name`, or `:"odd name"` when the name is not a plain atom.
pub fn atom(name: &str) -> String {
    inspect(&Value::atom(name))
}

/// A string literal.
pub fn string(s: &str) -> String {
    inspect(&Value::str(s))
}

/// `posts_tags` → `PostsTags`; anything not a letter or digit separates words.
pub fn camel(s: &str) -> String {
    let mut out = String::new();
    for word in s.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'T');
    }
    out
}

/// `Blog.Author` → `author` (Ecto's default association key stem).
pub fn underscore_last(module: &str) -> String {
    let last = module.rsplit('.').next().unwrap_or(module);
    let mut out = String::new();
    for (i, c) in last.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Indents every non-empty line of `body` by `n` spaces.
pub fn indent(body: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    body.lines().map(|l| if l.trim().is_empty() { String::new() } else { format!("{pad}{l}") }).collect::<Vec<_>>().join("\n")
}

/// A migration cell: `defmodule MODULE do use Ecto.Migration; def change do BODY end end`
/// followed by `Ecto.Migrator.up(Repo, VERSION, MODULE)`.
pub fn migration_cell(module: &str, version: i64, body: &str) -> String {
    format!(
        "defmodule {module} do\n  use Ecto.Migration\n\n  def change do\n{}\n  end\nend\n\nEcto.Migrator.up(Repo, {version}, {module})\n",
        indent(body.trim_end(), 4)
    )
}

/// `references(:table)` with the options that differ from Ecto's defaults.
pub fn references(table: &str, column: &str, ty: Option<&str>, on_delete: Option<&str>) -> String {
    let mut s = format!("references({}", atom(table));
    if column != "id" {
        s.push_str(&format!(", column: {}", atom(column)));
    }
    if let Some(t) = ty.filter(|t| *t != ":id" && *t != ":bigserial" && *t != ":serial") {
        s.push_str(&format!(", type: {t}"));
    }
    if let Some(d) = on_delete.filter(|d| *d != "nothing") {
        s.push_str(&format!(", on_delete: {}", atom(d)));
    }
    s.push(')');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(atom("posts"), ":posts");
        assert_eq!(atom("odd name"), ":\"odd name\"");
        assert_eq!(camel("posts_tags"), "PostsTags");
        assert_eq!(camel("2fa codes"), "T2faCodes");
        assert_eq!(underscore_last("Blog.TodoItem"), "todo_item");
        assert_eq!(references("authors", "id", None, Some("delete_all")), "references(:authors, on_delete: :delete_all)");
        assert_eq!(references("orgs", "org_id", Some(":binary_id"), None), "references(:orgs, column: :org_id, type: :binary_id)");
    }
}

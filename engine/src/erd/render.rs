//! The model as text for other tools: Mermaid `erDiagram`, DBML and
//! Graphviz DOT. Entities are named by table; embedded schemas appear
//! only inside their parent's column; virtual fields only in DOT (and the
//! SVG), marked, as they are no columns. Associations become relationships
//! (each side's association is its own, labelled by name); tables without
//! a schema (join tables, tables only the database has) get one for each
//! foreign key.

use super::{EdgeKind, ErEdge, ErField, ErModel, ErTable, TableKind};

/// The output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Mermaid,
    Dbml,
    Dot,
    Svg,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        Some(match s {
            "mermaid" => Format::Mermaid,
            "dbml" => Format::Dbml,
            "dot" => Format::Dot,
            "svg" => Format::Svg,
            _ => return None,
        })
    }
}

/// The model in `format`.
pub fn render(model: &ErModel, format: Format) -> String {
    match format {
        Format::Mermaid => mermaid(model),
        Format::Dbml => dbml(model),
        Format::Dot => dot(model),
        Format::Svg => super::svg::svg(model),
    }
}

/// The tables drawn as entities (embedded schemas are drawn inside their parents).
pub fn drawn(model: &ErModel) -> impl Iterator<Item = &ErTable> {
    model.tables.iter().filter(|t| t.kind != TableKind::Embedded && !t.abstract_)
}

/// A relationship between two drawn tables.
pub struct Rel<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub label: String,
    pub kind: Option<EdgeKind>,
    /// For a foreign key of a table without schema: its column.
    pub column: Option<&'a str>,
    /// The foreign key may be null (belongs_to and foreign keys).
    pub optional: bool,
}

/// Associations, then the foreign keys of tables no schema reads.
pub fn relationships(model: &ErModel) -> Vec<Rel<'_>> {
    let shown = |name: &str| drawn(model).any(|t| t.name == name);
    let mut out: Vec<Rel> = Vec::new();
    for e in &model.edges {
        if !shown(&e.from) || !shown(&e.to) {
            continue;
        }
        let optional = e.kind == EdgeKind::BelongsTo
            && model.table(&e.from).and_then(|t| e.owner_key.as_deref().and_then(|k| t.field(k))).is_none_or(|f| !f.not_null);
        out.push(Rel { from: &e.from, to: &e.to, label: e.name.clone(), kind: Some(e.kind), column: None, optional });
    }
    for t in drawn(model).filter(|t| t.modules.is_empty()) {
        for f in &t.fields {
            if let (Some(fk), Some(col)) = (&f.foreign_key, f.column.as_deref()) {
                if shown(&fk.table) {
                    out.push(Rel {
                        from: &t.name,
                        to: &fk.table,
                        label: col.to_string(),
                        kind: None,
                        column: Some(col),
                        optional: !f.not_null,
                    });
                }
            }
        }
    }
    out
}

/// The text shown as a field's type: its Ecto type, else the column's.
pub fn field_type(f: &ErField) -> String {
    if let Some(e) = &f.embed {
        return format!("embeds_{} {}", e.cardinality, e.module);
    }
    f.ecto_type.clone().or_else(|| f.column_type.clone()).filter(|t| !t.is_empty()).unwrap_or_else(|| "any".into())
}

/// A field's row name: its column, or the field for a virtual one.
pub fn field_label(f: &ErField) -> String {
    f.column.clone().or_else(|| f.name.clone()).unwrap_or_default()
}

fn notes(f: &ErField) -> Vec<String> {
    let mut n = Vec::new();
    if f.virtual_ {
        n.push("virtual".to_string());
    }
    if let (Some(name), Some(col)) = (&f.name, &f.column) {
        if name != col {
            n.push(format!("field {name}"));
        }
    }
    if f.not_null {
        n.push("not null".into());
    }
    if let Some(d) = &f.default {
        n.push(format!("default {d}"));
    }
    if f.timestamps {
        n.push("timestamps".into());
    }
    if let Some(e) = &f.embed {
        let inner: Vec<String> = e.fields.iter().map(field_label).collect();
        n.push(format!("embeds_{} {} ({})", e.cardinality, e.module, inner.join(", ")));
    }
    if let Some(v) = &f.enum_values {
        n.push(format!("values {}", v.join("|")));
    }
    n
}

// ------------------------------------------------------------------ Mermaid

fn mermaid_word(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_') && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// An entity name: bare when Mermaid reads it as one word, else quoted.
fn mermaid_entity(s: &str) -> String {
    if mermaid_word(s) {
        s.to_string()
    } else {
        format!("\"{}\"", s.replace('"', "#quot;"))
    }
}

/// An attribute's type or name: one word (runs of other characters become one `_`).
fn mermaid_token(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || c == '-' {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let trimmed = out.trim_matches('_');
    let mut out = if trimmed.is_empty() { out } else { trimmed.to_string() };
    if !out.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        out.insert(0, '_');
    }
    out
}

fn mermaid_string(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "'").replace(['\n', '\r'], " "))
}

pub fn mermaid(model: &ErModel) -> String {
    let mut out = String::from("erDiagram\n");
    for t in drawn(model) {
        out.push_str(&format!("    {} {{\n", mermaid_entity(&t.name)));
        // Entities are tables: virtual fields have no column.
        for f in t.fields.iter().filter(|f| !f.virtual_) {
            let ty = match &f.embed {
                Some(e) => format!("embeds_{}", e.cardinality),
                None => mermaid_token(&field_type(f)),
            };
            let mut keys = Vec::new();
            if f.primary_key {
                keys.push("PK");
            }
            if f.foreign_key.is_some() {
                keys.push("FK");
            }
            let mut line = format!("        {ty} {}", mermaid_token(&field_label(f)));
            if !keys.is_empty() {
                line.push(' ');
                line.push_str(&keys.join(", "));
            }
            let mut n = notes(f);
            let shown = field_type(f);
            if f.ecto_type.is_some() && mermaid_token(&shown) != shown.trim_start_matches(':') && f.embed.is_none() {
                n.insert(0, field_type(f));
            }
            if field_label(f) != mermaid_token(&field_label(f)) {
                n.insert(0, field_label(f));
            }
            if !n.is_empty() {
                line.push(' ');
                line.push_str(&mermaid_string(&n.join(", ")));
            }
            out.push_str(&line);
            out.push('\n');
        }
        out.push_str("    }\n");
    }
    for r in relationships(model) {
        let card = match (r.kind, r.optional) {
            (Some(EdgeKind::BelongsTo), false) | (None, false) => "}o--||",
            (Some(EdgeKind::BelongsTo), true) | (None, true) => "}o--o|",
            (Some(EdgeKind::HasMany), _) => "||--o{",
            (Some(EdgeKind::HasOne), _) => "||--o|",
            (Some(EdgeKind::ManyToMany), _) => "}o--o{",
            (Some(EdgeKind::Through), _) => "||..o{",
        };
        let card = match (r.kind, model.edges.iter().find(|e| e.from == r.from && e.name == r.label)) {
            (Some(EdgeKind::Through), Some(ErEdge { cardinality, .. })) if cardinality == "one" => "||..o|",
            _ => card,
        };
        out.push_str(&format!("    {} {card} {} : {}\n", mermaid_entity(r.from), mermaid_entity(r.to), mermaid_string(&r.label)));
    }
    out
}

// ------------------------------------------------------------------ DBML

fn dbml_name(s: &str) -> String {
    if mermaid_word(s) && !s.contains('-') {
        s.to_string()
    } else {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

fn dbml_string(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'").replace(['\n', '\r'], " "))
}

fn dbml_type(f: &ErField) -> String {
    let t = f.column_type.clone().filter(|t| !t.is_empty()).unwrap_or_else(|| field_type(f)).to_lowercase();
    let simple = t.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '(' || c == ')' || c == ',');
    if simple {
        t
    } else {
        format!("\"{}\"", t.replace('"', "'"))
    }
}

fn dbml_on_delete(d: &str) -> &str {
    match d {
        "delete_all" => "cascade",
        "nilify_all" => "set null",
        "restrict" => "restrict",
        _ => "no action",
    }
}

pub fn dbml(model: &ErModel) -> String {
    let mut out = String::new();
    for t in drawn(model) {
        out.push_str(&format!("Table {} {{\n", dbml_name(&t.name)));
        for f in t.fields.iter().filter(|f| !f.virtual_) {
            let mut settings = Vec::new();
            if f.primary_key {
                settings.push("pk".to_string());
            }
            if f.not_null {
                settings.push("not null".into());
            }
            if let Some(d) = &f.db_default {
                settings.push(format!("default: {}", dbml_string(d)));
            }
            let mut note = Vec::new();
            if let Some(e) = &f.ecto_type {
                note.push(format!("ecto {e}"));
            }
            note.extend(notes(f).into_iter().filter(|n| n != "not null"));
            if !note.is_empty() {
                settings.push(format!("note: {}", dbml_string(&note.join(", "))));
            }
            let s = if settings.is_empty() { String::new() } else { format!(" [{}]", settings.join(", ")) };
            out.push_str(&format!("  {} {}{s}\n", dbml_name(&field_label(f)), dbml_type(f)));
        }
        let idx: Vec<_> = t.indexes.iter().filter(|i| !i.columns.is_empty()).collect();
        if !idx.is_empty() {
            out.push_str("\n  indexes {\n");
            for i in idx {
                let cols: Vec<String> = i.columns.iter().map(|c| dbml_name(c)).collect();
                let cols = if cols.len() == 1 { cols[0].clone() } else { format!("({})", cols.join(", ")) };
                let mut s = vec![format!("name: {}", dbml_string(&i.name))];
                if i.unique {
                    s.insert(0, "unique".into());
                }
                out.push_str(&format!("    {cols} [{}]\n", s.join(", ")));
            }
            out.push_str("  }\n");
        }
        let mut note = vec![t.kind.as_str().to_string()];
        note.extend(t.modules.iter().cloned());
        if let Some(p) = &t.prefix {
            note.push(format!("prefix {p}"));
        }
        if !t.in_db {
            note.push("not in the database".into());
        }
        out.push_str(&format!("\n  Note: {}\n}}\n\n", dbml_string(&note.join(", "))));
    }
    let shown = |name: &str| drawn(model).any(|t| t.name == name);
    for t in drawn(model) {
        for f in &t.fields {
            let (Some(fk), Some(col)) = (&f.foreign_key, &f.column) else { continue };
            if !shown(&fk.table) {
                continue;
            }
            let mut s = format!("Ref: {}.{} > {}.{}", dbml_name(&t.name), dbml_name(col), dbml_name(&fk.table), dbml_name(&fk.column));
            if let Some(d) = &fk.on_delete {
                s.push_str(&format!(" [delete: {}]", dbml_on_delete(d)));
            }
            out.push_str(&s);
            out.push('\n');
        }
    }
    for e in model.edges.iter().filter(|e| e.kind == EdgeKind::ManyToMany && e.join_through.as_deref().is_none_or(|j| !shown(j))) {
        if shown(&e.from) && shown(&e.to) {
            out.push_str(&format!("// many_to_many :{} ({}.{} <> {})\n", e.name, dbml_name(&e.from), "id", dbml_name(&e.to)));
        }
    }
    out
}

// ------------------------------------------------------------------ DOT

fn dot_id(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"").replace(['\n', '\r'], " "))
}

/// Text inside an HTML-like label.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if (c as u32) < 0x20 && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

pub fn dot(model: &ErModel) -> String {
    let mut out = String::from("digraph erd {\n  graph [rankdir=LR, fontname=\"Helvetica\"];\n  node [shape=plain, fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n\n");
    let tables: Vec<&ErTable> = drawn(model).collect();
    for t in &tables {
        let header = match t.modules.first() {
            Some(m) => format!("<b>{}</b><br/><font point-size=\"9\">{}</font>", xml_escape(&t.name), xml_escape(m)),
            None => format!("<b>{}</b><br/><font point-size=\"9\">{}</font>", xml_escape(&t.name), t.kind.as_str()),
        };
        let mut rows = format!("<tr><td colspan=\"2\" bgcolor=\"#dde6f0\">{header}</td></tr>");
        for (i, f) in t.fields.iter().enumerate() {
            let mut name = xml_escape(&field_label(f));
            if f.primary_key {
                name = format!("<u>{name}</u>");
            }
            if f.virtual_ {
                name = format!("<i>{name}</i>");
            }
            let mut ty = xml_escape(&field_type(f));
            if f.foreign_key.is_some() {
                ty.push_str(" FK");
            }
            if f.not_null {
                ty.push_str(" !");
            }
            rows.push_str(&format!("<tr><td port=\"f{i}\" align=\"left\">{name}</td><td align=\"left\">{ty}</td></tr>"));
        }
        let style = if t.in_db { "" } else { " style=\"dashed\"" };
        out.push_str(&format!(
            "  {} [label=<<table border=\"1\" cellborder=\"0\" cellspacing=\"0\" cellpadding=\"3\"{style}>{rows}</table>>];\n",
            dot_id(&t.name)
        ));
    }
    out.push('\n');
    for r in relationships(model) {
        let (head, tail, style) = match r.kind {
            Some(EdgeKind::BelongsTo) | None => ("tee", "crow", "solid"),
            Some(EdgeKind::HasMany) => ("crow", "tee", "solid"),
            Some(EdgeKind::HasOne) => ("teeodot", "tee", "solid"),
            Some(EdgeKind::ManyToMany) => ("crow", "crow", "bold"),
            Some(EdgeKind::Through) => ("crow", "tee", "dashed"),
        };
        let from =
            match r.column.and_then(|c| model.table(r.from).and_then(|t| t.fields.iter().position(|f| f.column.as_deref() == Some(c)))) {
                Some(i) => format!("{}:f{i}", dot_id(r.from)),
                None => dot_id(r.from),
            };
        let kind = r.kind.map_or("foreign_key", EdgeKind::as_str);
        out.push_str(&format!(
            "  {from} -> {} [label={}, dir=both, arrowhead={head}, arrowtail={tail}, style={style}, tooltip={}];\n",
            dot_id(r.to),
            dot_id(&r.label),
            dot_id(kind)
        ));
    }
    out.push_str("}\n");
    out
}

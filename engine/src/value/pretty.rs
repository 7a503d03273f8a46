//! `inspect(term, pretty: true)` and `IO.inspect/2`: Elixir's
//! `Inspect.Algebra` documents (Lindig's "Strictly Pretty" with strict and
//! flex breaks) built the way the `Inspect` implementations build them, and
//! laid out at a width (80 by default).
//!
//! Containers (lists, keyword lists, tuples, maps, structs, `MapSet`s,
//! changesets) become `container_doc/6` documents; every other term is a
//! text, as [`super::inspect`] writes it.

use super::inspect::{self, child, Charlists, Opts};
use super::Value;

/// An algebra document (the subset `container_doc/6` and the `Inspect`
/// implementations use).
enum Doc {
    Nil,
    Text(String),
    Cons(Box<Doc>, Box<Doc>),
    Nest(Box<Doc>, usize),
    /// A break: its text when flat; `flex` breaks are decided one by one.
    Break(&'static str, bool),
    Group(Box<Doc>),
}

fn text(s: impl Into<String>) -> Doc {
    Doc::Text(s.into())
}

fn concat(a: Doc, b: Doc) -> Doc {
    Doc::Cons(Box::new(a), Box::new(b))
}

fn nest(d: Doc, n: usize) -> Doc {
    Doc::Nest(Box::new(d), n)
}

fn group(d: Doc) -> Doc {
    Doc::Group(Box::new(d))
}

fn glue(a: Doc, brk: &'static str, b: Doc) -> Doc {
    concat(a, concat(Doc::Break(brk, false), b))
}

fn flex_glue(a: Doc, b: Doc) -> Doc {
    concat(a, concat(Doc::Break(" ", true), b))
}

/// Texts only: such entries let a container fill its lines.
fn simple(d: &Doc) -> bool {
    match d {
        Doc::Text(_) | Doc::Nil => true,
        Doc::Cons(a, b) => simple(a) && simple(b),
        _ => false,
    }
}

/// How a container breaks when it does not fit.
#[derive(PartialEq)]
enum Breaks {
    /// Flex when every entry is a text, otherwise strict.
    Maybe,
    /// One entry per line.
    Strict,
    /// As many entries per line as fit (tuples).
    Flex,
}

/// `container_doc/6`: `entries` are the documents, `tail` the improper tail.
fn container(left: &str, entries: Vec<Doc>, tail: Option<Doc>, right: &str, breaks: Breaks) -> Doc {
    if entries.is_empty() && tail.is_none() {
        return text(format!("{left}{right}"));
    }
    let mut simple_all = breaks == Breaks::Maybe && entries.iter().all(simple);
    let mut docs = entries;
    if let Some(t) = tail {
        let last = docs.pop().unwrap_or(Doc::Nil);
        simple_all = simple_all && simple(&last) && simple(&t);
        docs.push(join(last, t, simple_all, " |"));
    }
    let flex = simple_all || breaks == Breaks::Flex;
    let mut iter = docs.into_iter().rev();
    let mut folded = iter.next().unwrap_or(Doc::Nil);
    for d in iter {
        folded = join(d, folded, flex, ",");
    }
    if flex {
        group(concat(concat(text(left), nest(folded, 1)), text(right)))
    } else {
        group(glue(nest(glue(text(left), "", folded), 2), "", text(right)))
    }
}

fn join(left: Doc, right: Doc, flex: bool, sep: &str) -> Doc {
    let left = concat(left, text(sep));
    if flex {
        flex_glue(left, right)
    } else {
        glue(left, " ", right)
    }
}

/// Each entry's document (with the limit left after it), and `...` in
/// place of those past the limit.
fn entries<T>(items: impl Iterator<Item = T>, o: &Opts, f: impl Fn(T, &Opts) -> Doc) -> Vec<Doc> {
    let mut out = Vec::new();
    for (i, v) in items.enumerate() {
        if o.limit.is_some_and(|l| i >= l) {
            out.push(text("..."));
            break;
        }
        out.push(f(v, &child(o, i)));
    }
    out
}

/// The one-line `inspect` of `v`.
fn flat(v: &Value, o: &Opts) -> String {
    inspect::inspect_opts(v, &Opts { pretty: false, ..o.clone() })
}

fn keyword_entry(key: &str, v: &Value, o: &Opts) -> Doc {
    concat(text(format!("{} ", inspect::key(key))), to_doc(v, o))
}

fn to_doc(v: &Value, o: &Opts) -> Doc {
    match v {
        Value::List(items) if !items.is_empty() => {
            if o.charlists != Charlists::AsLists && inspect::is_printable_charlist(items) {
                return text(flat(v, o));
            }
            if inspect::is_keyword(items) {
                let docs = entries(items.iter(), o, |pair, c| match pair.as_tuple() {
                    Some([k, v]) => keyword_entry(k.as_atom().unwrap_or_default(), v, c),
                    _ => to_doc(pair, c),
                });
                return container("[", docs, None, "]", Breaks::Strict);
            }
            container("[", entries(items.iter(), o, to_doc), None, "]", Breaks::Maybe)
        }
        Value::Improper(imp) => {
            let docs = entries(imp.0.iter(), o, to_doc);
            let limited = o.limit.is_some_and(|l| imp.0.len() > l);
            let tail = (!limited).then(|| to_doc(&imp.1, &child(o, imp.0.len().saturating_sub(1))));
            container("[", docs, tail, "]", Breaks::Maybe)
        }
        Value::Tuple(items) if !items.is_empty() => container("{", entries(items.iter(), o, to_doc), None, "}", Breaks::Flex),
        // `Inspect.Map`: `key: value` when every key is an atom, `key => value` otherwise.
        Value::Map(m) if !m.is_empty() => {
            let atoms = m.iter().all(|(k, _)| inspect::is_atom_key(k));
            let docs = entries(m.iter(), o, |(k, v), c| {
                if atoms {
                    keyword_entry(&inspect::atom_text(k), v, c)
                } else {
                    concat(concat(to_doc(k, c), text(" => ")), to_doc(v, c))
                }
            });
            container("%{", docs, None, "}", Breaks::Strict)
        }
        Value::MapSet(set) if !set.is_empty() => {
            let items: Vec<Value> = set.iter().cloned().collect();
            concat(text("MapSet.new("), concat(to_doc(&Value::list(items), o), text(")")))
        }
        Value::Struct(s) if s.name() == "Ecto.Changeset" => {
            // Ecto's Inspect: `#Ecto.Changeset<action: ..., valid?: ..., ...>`.
            let g = |k: &str| s.get(k).cloned().unwrap_or(Value::Nil);
            let data = match g("data") {
                Value::Struct(d) => text(format!("#{}<>", d.name())),
                other => to_doc(&other, o),
            };
            let docs = vec![
                concat(text("action: "), to_doc(&g("action"), o)),
                concat(text("changes: "), to_doc(&inspect::redact_changes(&g("data"), g("changes")), o)),
                concat(text("errors: "), to_doc(&g("errors"), o)),
                concat(text("data: "), data),
                concat(text("valid?: "), to_doc(&g("valid?"), o)),
                text("..."),
            ];
            container("#Ecto.Changeset<", docs, None, ">", Breaks::Maybe)
        }
        // `Inspect.Any`: `%Name{field: value, ...}` without `__exception__`.
        Value::Struct(s) if inspect::generic_struct(s) => {
            let fields = s.fields.iter().filter(|(k, _)| &**k != "__exception__");
            let docs = entries(fields, o, |(k, v), c| keyword_entry(k, v, c));
            container(&format!("%{}{{", s.name()), docs, None, "}", Breaks::Strict)
        }
        other => text(flat(other, o)),
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Flat,
    Break,
}

enum Entry<'a> {
    Doc(usize, Mode, &'a Doc),
    /// The rest of a group's parent, with its own break flag.
    Tail(bool),
}

/// `fits?/4`: whether what follows fits in `w` from column `k`, up to the
/// next break that is taken.
fn fits(w: usize, mut k: usize, mut b: bool, mut stack: Vec<Entry>) -> bool {
    loop {
        if k > w && b {
            return false;
        }
        let Some(e) = stack.pop() else { return true };
        match e {
            Entry::Tail(tb) => b = tb,
            Entry::Doc(i, m, d) => match (m, d) {
                (Mode::Break, Doc::Break(..)) => return true,
                (Mode::Break, Doc::Group(x)) => {
                    stack.push(Entry::Tail(b));
                    stack.push(Entry::Doc(i, Mode::Flat, x));
                }
                (_, Doc::Nil) => {}
                (_, Doc::Text(s)) => k += s.len(),
                (_, Doc::Break(s, _)) => {
                    k += s.len();
                    b = true;
                }
                (m, Doc::Nest(x, j)) => stack.push(Entry::Doc(i + j, m, x)),
                (m, Doc::Cons(x, y)) => {
                    stack.push(Entry::Doc(i, m, y));
                    stack.push(Entry::Doc(i, m, x));
                }
                (m, Doc::Group(x)) => {
                    stack.push(Entry::Tail(b));
                    stack.push(Entry::Doc(i, m, x));
                }
            },
        }
    }
}

fn layout(doc: &Doc, w: usize) -> String {
    let mut out = String::new();
    let mut k = 0usize;
    let mut stack: Vec<(usize, Mode, &Doc)> = vec![(0, Mode::Flat, doc)];
    let newline = |out: &mut String, i: usize| {
        out.push('\n');
        out.extend(std::iter::repeat_n(' ', i));
    };
    while let Some((i, m, d)) = stack.pop() {
        match d {
            Doc::Nil => {}
            Doc::Text(s) => {
                out.push_str(s);
                k += s.len();
            }
            Doc::Cons(x, y) => {
                stack.push((i, m, y));
                stack.push((i, m, x));
            }
            Doc::Nest(x, j) => stack.push((i + j, m, x)),
            Doc::Break(s, true) => {
                k += s.len();
                let rest: Vec<Entry> = stack.iter().map(|(i, m, d)| Entry::Doc(*i, *m, d)).collect();
                if m == Mode::Flat || fits(w, k, true, rest) {
                    out.push_str(s);
                } else {
                    newline(&mut out, i);
                    k = i;
                }
            }
            Doc::Break(s, false) => {
                if m == Mode::Break {
                    newline(&mut out, i);
                    k = i;
                } else {
                    out.push_str(s);
                    k += s.len();
                }
            }
            Doc::Group(x) => {
                let mode = if fits(w, k, false, vec![Entry::Doc(i, Mode::Flat, x)]) { Mode::Flat } else { Mode::Break };
                stack.push((i, mode, x));
            }
        }
    }
    out
}

/// `inspect(v, pretty: true, width: width)`.
pub fn pretty(v: &Value, o: &Opts, width: usize) -> String {
    layout(&group(to_doc(v, o)), width)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(v: &Value) -> String {
        pretty(v, &Opts::default(), 80)
    }

    #[test]
    fn long_lists_fill_their_lines_and_maps_break_one_entry_per_line() {
        let list = Value::list((1..=30).map(Value::Int).collect());
        assert_eq!(
            p(&list),
            "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,\n 23, 24, 25, 26, 27, 28, 29, 30]"
        );
        let mut m = super::super::MapT::new();
        m.insert(Value::atom("name"), Value::str("a long string here"));
        m.insert(Value::atom("email"), Value::str("someone@example.com"));
        m.insert(Value::atom("roles"), Value::list(vec![Value::atom("admin"), Value::atom("editor")]));
        m.insert(Value::atom("age"), Value::Int(42));
        assert_eq!(
            p(&Value::map(m)),
            "%{\n  age: 42,\n  email: \"someone@example.com\",\n  name: \"a long string here\",\n  roles: [:admin, :editor]\n}"
        );
        assert_eq!(p(&Value::list(vec![Value::Int(1), Value::Int(2)])), "[1, 2]");
    }
}

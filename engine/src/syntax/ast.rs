//! The syntax tree of the Elixir subset.
//!
//! The tree keeps Elixir's own shapes where they matter to Ecto's macros:
//! keyword lists are lists of two-element tuples whose first element is an
//! atom, a trailing keyword argument is one list argument, and `do`/`else`
//! blocks become a trailing keyword list (`[do: body, else: body]`).
//! Every node carries the byte span of the source it came from.

use crate::diag::Span;

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub kind: Kind,
    pub span: Span,
}

/// One `->` clause: `args when guard -> body`.
#[derive(Clone, Debug, PartialEq)]
pub struct Clause {
    pub args: Vec<Node>,
    pub guard: Option<Node>,
    pub body: Node,
    pub span: Span,
}

/// A piece of an interpolated string, charlist or sigil.
#[derive(Clone, Debug, PartialEq)]
pub enum StrPart {
    Lit(String),
    Interp(Node),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    Nil,
    Bool(bool),
    Int(i64),
    /// An integer literal that does not fit in i64, kept as written (decimal digits).
    BigInt(String),
    Float(f64),
    /// `:name`, `:"quoted"`, or the atom key of `name: value`.
    Atom(String),
    /// An alias such as `Blog.User`, stored as its parts `["Blog", "User"]`.
    /// `__MODULE__` is parsed as `Var("__MODULE__")`.
    Alias(Vec<String>),
    /// A string; `parts` holds literal text and `#{...}` interpolations.
    Str(Vec<StrPart>),
    /// A charlist `'abc'` or `~c"abc"`.
    Charlist(Vec<StrPart>),
    /// `~x"..."mods` for sigils other than `~s`/`~c`/`~S`/`~C`, whose
    /// content is kept raw for uppercase sigils and with interpolation for
    /// lowercase ones.
    Sigil {
        name: String,
        parts: Vec<StrPart>,
        modifiers: String,
    },
    /// `<<1, 2, x::binary>>`: segments, each an expression with an optional
    /// `::` type spec (kept as a node).
    Bitstring(Vec<(Node, Option<Node>)>),
    Var(String),
    List(Vec<Node>),
    /// `[a, b | tail]`
    ConsList(Vec<Node>, Box<Node>),
    Tuple(Vec<Node>),
    /// `%{k => v}`, `%{key: v}` or `%{base | k => v}`.
    Map {
        update: Option<Box<Node>>,
        entries: Vec<(Node, Node)>,
    },
    /// `%Name{...}` / `%Name{base | ...}`; `name` is usually an `Alias`,
    /// `Var("__MODULE__")`, or a variable in patterns.
    Struct {
        name: Box<Node>,
        update: Option<Box<Node>>,
        entries: Vec<(Node, Node)>,
    },
    /// A local call `name(args)` or `name args`; `parens` tells which.
    /// Do-blocks arrive as a trailing keyword list argument.
    Call {
        name: String,
        args: Vec<Node>,
        parens: bool,
    },
    /// `target.name(args)`: target is an alias (remote call), an atom
    /// (`:erlang.foo`) or any expression (`u.name` field access has
    /// `parens: false` and no args).
    Dot {
        target: Box<Node>,
        name: String,
        args: Vec<Node>,
        parens: bool,
    },
    /// `fun.(args)`
    AnonCall {
        fun: Box<Node>,
        args: Vec<Node>,
    },
    /// `expr[key]`
    Access {
        target: Box<Node>,
        key: Box<Node>,
    },
    /// Binary operators: `+ - * / ++ -- <> == != === !== < > <= >= && || and
    /// or in |> = ..  // :: when <- \\ **`, plus `not in` as "not in".
    BinOp {
        op: String,
        lhs: Box<Node>,
        rhs: Box<Node>,
    },
    /// Unary operators: `- + ! not ^`.
    UnOp {
        op: String,
        operand: Box<Node>,
    },
    /// `&expr` capture, `&1` placeholders appear as `CaptureArg`.
    Capture(Box<Node>),
    CaptureArg(u32),
    /// `fn clauses end`
    Fn(Vec<Clause>),
    /// The body of `do ... end` or `( ... )` with several expressions.
    Block(Vec<Node>),
    /// A list of `->` clauses (the `do:` value of `case`, `cond`, `receive`,
    /// `fn`-like blocks).
    Clauses(Vec<Clause>),
    /// `@name` (read) or `@name value` (set, `value` present).
    Attr {
        name: String,
        value: Option<Box<Node>>,
    },
    /// Produced by error recovery where an expression was expected.
    Error,
}

impl Node {
    pub fn new(kind: Kind, span: Span) -> Node {
        Node { kind, span }
    }

    /// The atom of a keyword key or an `:atom` literal.
    pub fn as_atom(&self) -> Option<&str> {
        match &self.kind {
            Kind::Atom(a) => Some(a),
            _ => None,
        }
    }

    /// `[key: value, ...]` as (key, value) pairs when this node is a keyword list.
    pub fn as_keyword(&self) -> Option<Vec<(&str, &Node)>> {
        match &self.kind {
            Kind::List(items) => items
                .iter()
                .map(|item| match &item.kind {
                    Kind::Tuple(pair) if pair.len() == 2 => pair[0].as_atom().map(|k| (k, &pair[1])),
                    _ => None,
                })
                .collect(),
            _ => None,
        }
    }

    /// The value of `key` when this node is a keyword list.
    pub fn keyword_get(&self, key: &str) -> Option<&Node> {
        self.as_keyword()?.into_iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// A plain string literal without interpolation.
    pub fn as_plain_str(&self) -> Option<String> {
        match &self.kind {
            Kind::Str(parts) => {
                let mut s = String::new();
                for p in parts {
                    match p {
                        StrPart::Lit(t) => s.push_str(t),
                        StrPart::Interp(_) => return None,
                    }
                }
                Some(s)
            }
            _ => None,
        }
    }

    /// The dotted name of an alias node: `Blog.User`.
    pub fn alias_name(&self) -> Option<String> {
        match &self.kind {
            Kind::Alias(parts) => Some(parts.join(".")),
            _ => None,
        }
    }
}

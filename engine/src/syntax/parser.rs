//! The error-tolerant parser: a Pratt parser over the token stream with
//! Elixir's operator table. It always returns a tree; syntax errors become
//! `Kind::Error` nodes plus diagnostics, and every loop makes progress.

use super::lexer::{lex, lex_range, LexPart, Tok, Token};
use super::Parsed;
use crate::diag::{Diagnostic, Span};
use crate::syntax::ast::{Clause, Kind, Node, StrPart};

const MAX_DEPTH: u32 = 400;
/// How many operators one left-associative chain (`a + b + ...`,
/// `x |> f() |> ...`) may hold: the tree it builds is that deep.
const MAX_CHAIN: u32 = 10_000;

pub fn parse(source: &str) -> Parsed {
    let (tokens, mut errors) = lex(source);
    let mut p = Parser { src: source, toks: tokens, pos: 0, errors: Vec::new(), depth: 0, no_do: false, seq_kw: false };
    let root = p.top_block();
    errors.append(&mut p.errors);
    Parsed { root, errors }
}

struct Parser<'a> {
    src: &'a str,
    toks: Vec<Token>,
    pos: usize,
    errors: Vec<Diagnostic>,
    depth: u32,
    /// Set while parsing the arguments of a no-parentheses call: a `do`
    /// block then belongs to the outer call.
    no_do: bool,
    /// Whether the last `seq` ended with collected keyword pairs.
    seq_kw: bool,
}

/// (left binding power, right-associative)
fn infix_bp(op: &str) -> Option<(u8, bool)> {
    Some(match op {
        "\\\\" | "<-" => (20, false),
        "when" => (30, true),
        "::" => (40, true),
        "|" => (50, true),
        "=>" => (60, true),
        "=" => (80, true),
        "||" | "|||" | "or" => (90, false),
        "&&" | "&&&" | "and" => (100, false),
        "==" | "!=" | "=~" | "===" | "!==" => (110, false),
        "<" | ">" | "<=" | ">=" => (120, false),
        "|>" | "<<<" | ">>>" | "<<~" | "~>>" | "<~" | "~>" | "<~>" => (130, false),
        "in" | "not in" => (140, false),
        "^^^" => (150, false),
        "++" | "--" | ".." | "<>" | "//" => (160, true),
        "+" | "-" => (170, false),
        "*" | "/" => (180, false),
        "**" => (190, true),
        _ => return None,
    })
}

const UNARY_BP: u8 = 200;
const CAPTURE_BP: u8 = 70;

fn is_reserved(name: &str) -> bool {
    matches!(name, "do" | "end" | "else" | "catch" | "rescue" | "after")
}

impl<'a> Parser<'a> {
    // ---- token helpers -------------------------------------------------

    fn tok(&self) -> &Tok {
        &self.toks[self.pos.min(self.toks.len() - 1)].tok
    }

    fn token(&self) -> &Token {
        &self.toks[self.pos.min(self.toks.len() - 1)]
    }

    fn peek_tok(&self, n: usize) -> &Tok {
        &self.toks[(self.pos + n).min(self.toks.len() - 1)].tok
    }

    fn span(&self) -> Span {
        self.token().span
    }

    fn prev_end(&self) -> u32 {
        if self.pos == 0 {
            0
        } else {
            self.toks[(self.pos - 1).min(self.toks.len() - 1)].span.end
        }
    }

    fn bump(&mut self) -> Token {
        let t = self.token().clone();
        if self.pos < self.toks.len() - 1 {
            self.pos += 1;
        }
        t
    }

    fn at_eof(&self) -> bool {
        matches!(self.tok(), Tok::Eof)
    }

    fn is_ident(&self, name: &str) -> bool {
        matches!(self.tok(), Tok::Ident(n) if n == name)
    }

    fn skip_newlines(&mut self) {
        while matches!(self.tok(), Tok::Newline | Tok::Semi) {
            self.bump();
        }
    }

    fn skip_nl_only(&mut self) {
        while matches!(self.tok(), Tok::Newline) {
            self.bump();
        }
    }

    fn describe(tok: &Tok) -> String {
        match tok {
            Tok::Eof => "end of file".into(),
            Tok::Newline => "end of line".into(),
            Tok::Ident(n) | Tok::Alias(n) => format!("'{n}'"),
            Tok::Op(o) => format!("'{o}'"),
            Tok::KwKey(k) => format!("'{k}:'"),
            Tok::RParen => "')'".into(),
            Tok::RBracket => "']'".into(),
            Tok::RBrace => "'}'".into(),
            Tok::LParen => "'('".into(),
            Tok::LBracket => "'['".into(),
            Tok::LBrace => "'{'".into(),
            Tok::Comma => "','".into(),
            Tok::Arrow => "'->'".into(),
            Tok::RBin => "'>>'".into(),
            Tok::Int(i) => format!("'{i}'"),
            Tok::Str(_) => "a string".into(),
            _ => "this token".into(),
        }
    }

    fn error_here(&mut self, msg: String) {
        let span = self.span();
        self.errors.push(Diagnostic::error("SyntaxError", msg, span));
    }

    fn expect(&mut self, want: Tok, what: &str, open: Span) -> bool {
        if *self.tok() == want {
            self.bump();
            true
        } else {
            let found = Self::describe(self.tok());
            let span = self.span();
            let line = line_of(self.src, open.start as usize);
            self.errors.push(
                Diagnostic::error(
                    "TokenMissingError",
                    format!("missing terminator: {what} (for the opening at line {line}), found {found}"),
                    span,
                )
                .with_hint(format!("the opening is at byte {}", open.start)),
            );
            false
        }
    }

    // ---- blocks ----------------------------------------------------------

    fn top_block(&mut self) -> Node {
        let start = self.span();
        let mut items = Vec::new();
        loop {
            self.skip_newlines();
            if self.at_eof() {
                break;
            }
            let before = self.pos;
            let e = self.expr(0);
            items.push(e);
            self.end_of_statement();
            if self.pos == before {
                self.error_here(format!("syntax error before: {}", Self::describe(self.tok())));
                self.bump();
            }
        }
        let end = self.prev_end();
        Node::new(Kind::Block(items), Span { start: start.start.min(end), end })
    }

    /// After an expression in a block: expect a separator or a closer.
    fn end_of_statement(&mut self) {
        match self.tok() {
            Tok::Newline | Tok::Semi | Tok::Eof | Tok::RParen => {}
            Tok::Ident(n) if is_reserved(n) => {}
            _ => {
                self.error_here(format!("syntax error before: {}", Self::describe(self.tok())));
                // skip to the end of the line
                while !matches!(self.tok(), Tok::Newline | Tok::Semi | Tok::Eof) {
                    if matches!(self.tok(), Tok::Ident(n) if n == "end") {
                        break;
                    }
                    self.bump();
                }
            }
        }
    }

    /// Statements until one of the block keywords (`end`, `else`, ...).
    /// Returns either a block of expressions or clauses when `->` appears.
    fn block_body(&mut self) -> Node {
        let start = self.span();
        self.skip_newlines();
        let mut items: Vec<Node> = Vec::new();
        let mut clauses: Vec<Clause> = Vec::new();
        let mut head: Option<(Vec<Node>, Span)> = None;
        loop {
            self.skip_newlines();
            if self.at_eof() || matches!(self.tok(), Tok::Ident(n) if is_reserved(n)) || matches!(self.tok(), Tok::RParen) {
                break;
            }
            let before = self.pos;
            let e = if matches!(self.tok(), Tok::Arrow) { Node::new(Kind::Block(vec![]), self.span()) } else { self.expr(0) };
            // `a, b -> body` heads
            let mut exprs = vec![e];
            if matches!(self.tok(), Tok::Arrow) && matches!(exprs[0].kind, Kind::Block(ref v) if v.is_empty()) {
                exprs.clear();
            }
            while matches!(self.tok(), Tok::Comma) {
                self.bump();
                self.skip_nl_only();
                exprs.push(self.expr(0));
            }
            if matches!(self.tok(), Tok::Arrow) {
                let arrow = self.bump().span;
                if let Some((args, hspan)) = head.take() {
                    let body = block_of(std::mem::take(&mut items), hspan);
                    clauses.push(make_clause(args, body, hspan));
                } else if !items.is_empty() {
                    self.errors.push(Diagnostic::error("SyntaxError", "unexpected expressions before the first clause", items[0].span));
                    items.clear();
                }
                let hspan = exprs.first().map_or(arrow, |e| e.span).to(arrow);
                head = Some((exprs, hspan));
                continue;
            }
            if exprs.len() > 1 {
                self.error_here("unexpected ',' in block".into());
            }
            items.extend(exprs);
            self.end_of_statement();
            if self.pos == before {
                self.bump();
            }
        }
        let end = self.prev_end();
        let span = Span { start: start.start, end: end.max(start.start) };
        if let Some((args, hspan)) = head {
            let body = block_of(items, hspan);
            clauses.push(make_clause(args, body, hspan));
            Node::new(Kind::Clauses(clauses), span)
        } else {
            block_of(items, span)
        }
    }

    /// `do ... [else ...] end` → keyword list node.
    fn do_block(&mut self) -> Node {
        let start = self.bump().span; // `do`
        let mut pairs = Vec::new();
        let mut key = "do".to_string();
        let mut key_span = start;
        loop {
            let body = self.block_body();
            pairs.push(kw_pair(&key, key_span, body));
            match self.tok().clone() {
                Tok::Ident(n) if n == "end" => {
                    self.bump();
                    break;
                }
                Tok::Ident(n) if matches!(n.as_str(), "else" | "catch" | "rescue" | "after") => {
                    key_span = self.bump().span;
                    key = n;
                }
                _ => {
                    self.expect(Tok::Ident("end".into()), "end", start);
                    break;
                }
            }
        }
        let end = self.prev_end();
        Node::new(Kind::List(pairs), Span { start: start.start, end })
    }

    // ---- expressions -----------------------------------------------------

    fn expr(&mut self, min_bp: u8) -> Node {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.depth -= 1;
            self.error_here("expression nested too deeply".into());
            let t = self.bump();
            return Node::new(Kind::Error, t.span);
        }
        let n = self.expr_inner(min_bp);
        self.depth -= 1;
        n
    }

    fn expr_inner(&mut self, min_bp: u8) -> Node {
        let mut lhs = self.unary();
        let mut chain = 0;
        loop {
            // A binary operator at the start of the next line continues the expression.
            let mut look = self.pos;
            while matches!(self.toks[look.min(self.toks.len() - 1)].tok, Tok::Newline) {
                look += 1;
            }
            let (op, op_span) = match &self.toks[look.min(self.toks.len() - 1)].tok {
                Tok::Op(op) => (*op, self.toks[look.min(self.toks.len() - 1)].span),
                _ => break,
            };
            if look != self.pos && matches!(op, "-" | "+" | "!" | "^" | "&" | "@" | "not" | "..") {
                break;
            }
            if look != self.pos && !matches!(op, "|>" | "." | "and" | "or" | "&&" | "||" | "<>" | "++" | "when" | "=>" | "|") {
                break;
            }
            if op == "." {
                break;
            }
            let Some((bp, right)) = infix_bp(op) else { break };
            if bp < min_bp {
                break;
            }
            chain += 1;
            if chain > MAX_CHAIN {
                self.pos = look;
                self.error_here("expression nested too deeply".into());
                break;
            }
            // `=>` and `|` are only infix inside containers; callers raise min_bp.
            self.pos = look;
            self.bump();
            self.skip_nl_only();
            let rhs = self.expr(if right { bp } else { bp + 1 });
            let span = lhs.span.to(rhs.span).to(op_span);
            lhs = match (op, rhs.kind) {
                // first..last//step
                ("..", Kind::BinOp { op: ref o, lhs: ref a, rhs: ref b }) if o == "//" => {
                    Node::new(Kind::Call { name: "..//".into(), args: vec![lhs, (**a).clone(), (**b).clone()], parens: true }, span)
                }
                (_, kind) => {
                    Node::new(Kind::BinOp { op: op.to_string(), lhs: Box::new(lhs), rhs: Box::new(Node::new(kind, rhs.span)) }, span)
                }
            };
        }
        lhs
    }

    fn unary(&mut self) -> Node {
        let t = self.token().clone();
        match &t.tok {
            Tok::Op(op @ ("-" | "+" | "!" | "^" | "not" | "~~~")) => {
                self.bump();
                let operand = self.expr(UNARY_BP);
                let span = t.span.to(operand.span);
                match (*op, &operand.kind) {
                    ("-", Kind::Int(i)) if operand.span.start == t.span.end => Node::new(Kind::Int(-i), span),
                    ("-", Kind::Float(f)) if operand.span.start == t.span.end => Node::new(Kind::Float(-f), span),
                    _ => Node::new(Kind::UnOp { op: op.to_string(), operand: Box::new(operand) }, span),
                }
            }
            // `..` alone is the full range `0..-1//1`.
            Tok::Op("..")
                if matches!(self.peek_tok(1), Tok::RParen | Tok::RBracket | Tok::RBrace | Tok::Comma | Tok::Newline | Tok::Eof) =>
            {
                self.bump();
                let n = |k: i64| Node::new(Kind::Int(k), t.span);
                Node::new(Kind::Call { name: "..//".into(), args: vec![n(0), n(-1), n(1)], parens: true }, t.span)
            }
            // `...` alone (`[p, ..., c]` in query bindings) is the variable `...`.
            Tok::Op("...") if matches!(self.peek_tok(1), Tok::RParen | Tok::RBracket | Tok::Comma | Tok::Newline | Tok::Eof) => {
                self.bump();
                Node::new(Kind::Var("...".into()), t.span)
            }
            Tok::Op("&") => {
                self.bump();
                // `&+/2`: capture of an operator
                if let (Tok::Op(op), Tok::Op("/"), Tok::Int(n)) = (self.tok().clone(), self.peek_tok(1).clone(), self.peek_tok(2).clone()) {
                    if op != "/" || matches!(self.peek_tok(1), Tok::Op("/")) {
                        let op_span = self.bump().span;
                        self.bump();
                        let n_span = self.bump().span;
                        let fun = Node::new(Kind::Var(op.to_string()), op_span);
                        let arity = Node::new(Kind::Int(n), n_span);
                        let span = t.span.to(n_span);
                        return Node::new(
                            Kind::Capture(Box::new(Node::new(
                                Kind::BinOp { op: "/".into(), lhs: Box::new(fun), rhs: Box::new(arity) },
                                span,
                            ))),
                            span,
                        );
                    }
                }
                let operand = self.expr(CAPTURE_BP + 1);
                let span = t.span.to(operand.span);
                Node::new(Kind::Capture(Box::new(operand)), span)
            }
            Tok::Op("@") => {
                self.bump();
                let name_tok = self.bump();
                let name = match &name_tok.tok {
                    Tok::Ident(n) => n.clone(),
                    _ => {
                        self.errors.push(Diagnostic::error("SyntaxError", "expected an attribute name after @", name_tok.span));
                        return Node::new(Kind::Error, t.span.to(name_tok.span));
                    }
                };
                let value = if self.is_arg_start() {
                    let saved = self.no_do;
                    self.no_do = true;
                    let v = self.expr(0);
                    self.no_do = saved;
                    Some(Box::new(v))
                } else {
                    None
                };
                let end = self.prev_end();
                Node::new(Kind::Attr { name, value }, Span { start: t.span.start, end })
            }
            _ => self.postfix(),
        }
    }

    /// Can the current token start the first argument of a no-parens call?
    fn is_arg_start(&self) -> bool {
        let t = self.token();
        if !t.space_before {
            return false;
        }
        match &t.tok {
            Tok::Int(_)
            | Tok::BigInt(_)
            | Tok::Float(_)
            | Tok::Atom(_)
            | Tok::AtomInterp(_)
            | Tok::KwKey(_)
            | Tok::Alias(_)
            | Tok::Str(_)
            | Tok::Charlist(_)
            | Tok::Sigil { .. }
            | Tok::Char(_)
            | Tok::CaptureArg(_)
            | Tok::LBracket
            | Tok::LBrace
            | Tok::PercentBrace
            | Tok::Percent
            | Tok::LBin
            | Tok::LParen => true,
            Tok::Ident(n) => !is_reserved(n),
            Tok::Op("^" | "&" | "@" | "!" | "not") => true,
            Tok::Op("-" | "+") => {
                let next = &self.toks[(self.pos + 1).min(self.toks.len() - 1)];
                !next.space_before && !matches!(next.tok, Tok::Newline | Tok::Eof | Tok::Semi)
            }
            _ => false,
        }
    }

    fn postfix(&mut self) -> Node {
        let mut node = self.primary();
        loop {
            let t = self.token().clone();
            match &t.tok {
                Tok::Op(".") => {
                    self.bump();
                    self.skip_nl_only();
                    let nt = self.token().clone();
                    match &nt.tok {
                        Tok::Ident(name) | Tok::Atom(name) => {
                            let name = name.clone();
                            self.bump();
                            node = self.dot_call(node, name, nt.span);
                        }
                        Tok::Str(parts) => {
                            let name = parts.iter().map(|p| if let LexPart::Lit(s) = p { s.clone() } else { String::new() }).collect();
                            self.bump();
                            node = self.dot_call(node, name, nt.span);
                        }
                        Tok::Op(op) if infix_bp(op).is_some() || matches!(*op, "!" | "^") => {
                            let name = op.to_string();
                            self.bump();
                            node = self.dot_call(node, name, nt.span);
                        }
                        Tok::KwKey(name) => {
                            // `x.y:` cannot happen in valid code; treat as field then error.
                            let name = name.clone();
                            self.bump();
                            node = Node::new(
                                Kind::Dot { target: Box::new(node.clone()), name, args: vec![], parens: false },
                                node.span.to(nt.span),
                            );
                        }
                        Tok::Alias(name) => {
                            let name = name.clone();
                            self.bump();
                            let span = node.span.to(nt.span);
                            node = match node.kind {
                                Kind::Alias(mut parts) => {
                                    parts.push(name);
                                    Node::new(Kind::Alias(parts), span)
                                }
                                _ => Node::new(Kind::Dot { target: Box::new(node), name, args: vec![], parens: false }, span),
                            };
                        }
                        Tok::LParen => {
                            let open = self.bump().span;
                            let args = self.call_args(open);
                            let span = node.span.to(Span { start: open.start, end: self.prev_end() });
                            node = Node::new(Kind::AnonCall { fun: Box::new(node), args }, span);
                        }
                        Tok::LBrace => {
                            // alias Foo.{A, B}
                            let open = self.bump().span;
                            let items = self.seq(Tok::RBrace, "}", open);
                            let span = node.span.to(Span { start: open.start, end: self.prev_end() });
                            node = Node::new(Kind::Dot { target: Box::new(node), name: "{}".into(), args: items, parens: true }, span);
                        }
                        _ => {
                            self.error_here(format!("syntax error after '.', found {}", Self::describe(&nt.tok)));
                            return node;
                        }
                    }
                }
                Tok::LBracket if !t.space_before => {
                    let open = self.bump().span;
                    self.skip_nl_only();
                    let key = self.expr(0);
                    self.skip_nl_only();
                    self.expect(Tok::RBracket, "]", open);
                    let span = node.span.to(Span { start: open.start, end: self.prev_end() });
                    node = Node::new(Kind::Access { target: Box::new(node), key: Box::new(key) }, span);
                }
                _ => return node,
            }
        }
    }

    /// After `target.name`: parens call, no-parens call (remote), or field.
    fn dot_call(&mut self, target: Node, name: String, name_span: Span) -> Node {
        let remote = matches!(target.kind, Kind::Alias(_) | Kind::Atom(_)) || matches!(&target.kind, Kind::Var(v) if v == "__MODULE__");
        let t = self.token().clone();
        let (args, parens) = if matches!(t.tok, Tok::LParen) && !t.space_before {
            let open = self.bump().span;
            (self.call_args(open), true)
        } else if remote && self.is_arg_start() && !matches!(t.tok, Tok::LBracket) {
            (self.no_paren_args(), false)
        } else {
            (vec![], false)
        };
        let mut node = Node::new(
            Kind::Dot { target: Box::new(target.clone()), name, args, parens },
            target.span.to(name_span).to(Span { start: name_span.start, end: self.prev_end() }),
        );
        if (parens || remote) && self.is_ident("do") && !self.no_do {
            let blk = self.do_block();
            if let Kind::Dot { args, .. } = &mut node.kind {
                push_do_block(args, blk);
            }
            node.span.end = self.prev_end();
        }
        node
    }

    /// Arguments after `(` up to `)`, with a trailing keyword list collected.
    fn call_args(&mut self, open: Span) -> Vec<Node> {
        let saved = self.no_do;
        self.no_do = false;
        let items = self.seq(Tok::RParen, ")", open);
        self.no_do = saved;
        items
    }

    /// Comma-separated items up to `close` (consumed). Keyword pairs at the
    /// end are collected into one keyword list node.
    fn seq(&mut self, close: Tok, what: &str, open: Span) -> Vec<Node> {
        let mut items = Vec::new();
        let mut kw: Vec<Node> = Vec::new();
        loop {
            self.skip_newlines();
            if *self.tok() == close || self.at_eof() {
                break;
            }
            let before = self.pos;
            if let Some(pair) = self.kw_pair() {
                kw.push(pair);
            } else {
                if !kw.is_empty() {
                    self.error_here("keyword arguments must come last".into());
                }
                items.push(self.expr(0));
            }
            self.skip_newlines();
            if matches!(self.tok(), Tok::Comma) {
                self.bump();
                continue;
            }
            if *self.tok() != close {
                if self.at_eof() {
                    break;
                }
                // Recover: report once, skip to the next `,` or the closer at this depth.
                self.error_here(format!("syntax error before: {}", Self::describe(self.tok())));
                if !self.skip_to_separator(&close) {
                    break;
                }
                if matches!(self.tok(), Tok::Comma) {
                    self.bump();
                    continue;
                }
                if self.pos == before {
                    self.bump();
                }
                break;
            }
        }
        self.skip_newlines();
        self.expect(close, what, open);
        self.seq_kw = !kw.is_empty();
        if !kw.is_empty() {
            let span = kw[0].span.to(kw[kw.len() - 1].span);
            items.push(Node::new(Kind::List(kw), span));
        }
        items
    }

    /// Skips balanced tokens until a `,` or `close` at the current depth.
    /// Returns false at end of input.
    fn skip_to_separator(&mut self, close: &Tok) -> bool {
        let mut depth = 0usize;
        loop {
            match self.tok() {
                Tok::Eof => return false,
                Tok::Comma if depth == 0 => return true,
                t if depth == 0 && t == close => return true,
                Tok::LParen | Tok::LBracket | Tok::LBrace | Tok::PercentBrace | Tok::LBin => depth += 1,
                Tok::RParen | Tok::RBracket | Tok::RBrace | Tok::RBin => {
                    if depth == 0 {
                        return true;
                    }
                    depth -= 1;
                }
                _ => {}
            }
            self.bump();
        }
    }

    /// `key: value` at the current position, if it is one.
    fn kw_pair(&mut self) -> Option<Node> {
        if let Tok::KwKey(k) = self.tok().clone() {
            let kspan = self.bump().span;
            self.skip_nl_only();
            let v = self.expr(0);
            Some(kw_pair(&k, kspan, v))
        } else {
            None
        }
    }

    /// Arguments of a no-parentheses call, up to the end of the line.
    fn no_paren_args(&mut self) -> Vec<Node> {
        let saved = self.no_do;
        self.no_do = true;
        let mut items = Vec::new();
        let mut kw = Vec::new();
        loop {
            let before = self.pos;
            if let Some(pair) = self.kw_pair() {
                kw.push(pair);
            } else {
                items.push(self.expr(0));
            }
            if matches!(self.tok(), Tok::Comma) {
                self.bump();
                self.skip_nl_only();
                if self.pos == before {
                    break;
                }
                continue;
            }
            break;
        }
        self.no_do = saved;
        if !kw.is_empty() {
            let span = kw[0].span.to(kw[kw.len() - 1].span);
            items.push(Node::new(Kind::List(kw), span));
        }
        items
    }

    fn primary(&mut self) -> Node {
        let t = self.token().clone();
        let sp = t.span;
        match t.tok {
            Tok::Int(i) => {
                self.bump();
                Node::new(Kind::Int(i), sp)
            }
            Tok::BigInt(s) => {
                self.bump();
                Node::new(Kind::BigInt(s), sp)
            }
            Tok::Float(f) => {
                self.bump();
                Node::new(Kind::Float(f), sp)
            }
            Tok::Char(c) => {
                self.bump();
                Node::new(Kind::Int(c as i64), sp)
            }
            Tok::Atom(a) => {
                self.bump();
                match a.as_str() {
                    "nil" | "true" | "false" => Node::new(Kind::Atom(a), sp),
                    _ => Node::new(Kind::Atom(a), sp),
                }
            }
            Tok::AtomInterp(parts) => {
                self.bump();
                let parts = self.str_parts(&parts);
                Node::new(Kind::Call { name: "binary_to_atom".into(), args: vec![Node::new(Kind::Str(parts), sp)], parens: true }, sp)
            }
            Tok::Str(parts) => {
                self.bump();
                let parts = self.str_parts(&parts);
                Node::new(Kind::Str(parts), sp)
            }
            Tok::Charlist(parts) => {
                self.bump();
                let parts = self.str_parts(&parts);
                Node::new(Kind::Charlist(parts), sp)
            }
            Tok::Sigil { name, parts, modifiers } => {
                self.bump();
                let parts = self.str_parts(&parts);
                match name.as_str() {
                    "s" | "S" => Node::new(Kind::Str(parts), sp),
                    "c" | "C" => Node::new(Kind::Charlist(parts), sp),
                    _ => Node::new(Kind::Sigil { name, parts, modifiers }, sp),
                }
            }
            Tok::CaptureArg(n) => {
                self.bump();
                Node::new(Kind::CaptureArg(n), sp)
            }
            Tok::Alias(name) => {
                self.bump();
                Node::new(Kind::Alias(vec![name]), sp)
            }
            Tok::KwKey(_) => {
                // A bare keyword list as an expression (e.g. `[a: 1]` handled by seq;
                // here it's `foo a: 1` after an operator): parse the pairs.
                let mut pairs = Vec::new();
                while let Some(p) = self.kw_pair() {
                    pairs.push(p);
                    if matches!(self.tok(), Tok::Comma) && matches!(self.peek_tok(1), Tok::KwKey(_)) {
                        self.bump();
                        continue;
                    }
                    break;
                }
                let span = sp.to(Span { start: sp.start, end: self.prev_end() });
                Node::new(Kind::List(pairs), span)
            }
            Tok::LParen => {
                let open = self.bump().span;
                let saved = self.no_do;
                self.no_do = false;
                let body = self.block_body();
                self.no_do = saved;
                self.expect(Tok::RParen, ")", open);
                let span = Span { start: open.start, end: self.prev_end() };
                match body.kind {
                    Kind::Block(mut items) if items.len() == 1 => {
                        let mut n = items.pop().unwrap_or(Node::new(Kind::Nil, span));
                        n.span = n.span.to(span);
                        n
                    }
                    Kind::Block(items) if items.is_empty() => Node::new(Kind::Nil, span),
                    other => Node::new(other, span),
                }
            }
            Tok::LBracket => {
                let open = self.bump().span;
                let saved = self.no_do;
                self.no_do = false;
                let mut items = self.seq(Tok::RBracket, "]", open);
                let had_kw = self.seq_kw;
                self.no_do = saved;
                let span = Span { start: open.start, end: self.prev_end() };
                // [h | t]
                if let Some(last) = items.last() {
                    if let Kind::BinOp { op, .. } = &last.kind {
                        if op == "|" {
                            let last = items.pop();
                            if let Some(Node { kind: Kind::BinOp { lhs, rhs, .. }, .. }) = last {
                                items.push(*lhs);
                                return Node::new(Kind::ConsList(items, rhs), span);
                            }
                        }
                    }
                }
                // Keyword pairs inside a list literal are its elements.
                if had_kw {
                    if let Some(Node { kind: Kind::List(pairs), .. }) = items.pop() {
                        items.extend(pairs);
                    }
                }
                Node::new(Kind::List(items), span)
            }
            Tok::LBrace => {
                let open = self.bump().span;
                let saved = self.no_do;
                self.no_do = false;
                let items = self.seq(Tok::RBrace, "}", open);
                self.no_do = saved;
                let span = Span { start: open.start, end: self.prev_end() };
                Node::new(Kind::Tuple(items), span)
            }
            Tok::PercentBrace => {
                let open = self.bump().span;
                let (update, entries) = self.map_body(open);
                let span = Span { start: open.start, end: self.prev_end() };
                Node::new(Kind::Map { update, entries }, span)
            }
            Tok::Percent => {
                self.bump();
                let name = self.struct_name();
                let open = self.span();
                if !matches!(self.tok(), Tok::LBrace) {
                    self.error_here("expected { after struct name".into());
                    return Node::new(Kind::Error, sp.to(name.span));
                }
                self.bump();
                let (update, entries) = self.map_body(open);
                let span = Span { start: sp.start, end: self.prev_end() };
                Node::new(Kind::Struct { name: Box::new(name), update, entries }, span)
            }
            Tok::LBin => {
                let open = self.bump().span;
                let items = self.seq(Tok::RBin, ">>", open);
                self.seq_kw = false;
                let span = Span { start: open.start, end: self.prev_end() };
                let segs = items
                    .into_iter()
                    .map(|n| match n.kind {
                        Kind::BinOp { op, lhs, rhs } if op == "::" => (*lhs, Some(*rhs)),
                        kind => (Node::new(kind, n.span), None),
                    })
                    .collect();
                Node::new(Kind::Bitstring(segs), span)
            }
            Tok::Ident(name) => self.ident(name, sp),
            _ => {
                self.error_here(format!("syntax error before: {}", Self::describe(&t.tok)));
                if !matches!(t.tok, Tok::Eof | Tok::Newline | Tok::RParen | Tok::RBracket | Tok::RBrace) {
                    self.bump();
                }
                Node::new(Kind::Error, sp)
            }
        }
    }

    fn struct_name(&mut self) -> Node {
        let t = self.token().clone();
        match &t.tok {
            Tok::Alias(_) => {
                // Alias with dots, without treating `{` as alias-multi.
                let mut parts = Vec::new();
                let mut span = t.span;
                if let Tok::Alias(a) = &t.tok {
                    parts.push(a.clone());
                }
                self.bump();
                while matches!(self.tok(), Tok::Op(".")) && matches!(self.peek_tok(1), Tok::Alias(_)) {
                    self.bump();
                    let a = self.bump();
                    if let Tok::Alias(n) = a.tok {
                        parts.push(n);
                    }
                    span = span.to(a.span);
                }
                Node::new(Kind::Alias(parts), span)
            }
            Tok::Ident(n) => {
                let n = n.clone();
                self.bump();
                Node::new(Kind::Var(n), t.span)
            }
            Tok::Op("@") => self.unary(),
            _ => {
                self.error_here("expected a struct name after %".into());
                Node::new(Kind::Error, t.span)
            }
        }
    }

    /// Map entries after `%{` (or `%Struct{`) up to `}`.
    #[allow(clippy::type_complexity)]
    fn map_body(&mut self, open: Span) -> (Option<Box<Node>>, Vec<(Node, Node)>) {
        let saved = self.no_do;
        self.no_do = false;
        let mut entries = Vec::new();
        let mut update = None;
        self.skip_newlines();
        // update syntax: %{base | ...}
        if !matches!(self.tok(), Tok::RBrace | Tok::KwKey(_)) {
            let save = self.pos;
            let save_errs = self.errors.len();
            let first = self.expr(51);
            self.skip_newlines();
            if matches!(self.tok(), Tok::Op("|")) {
                self.bump();
                update = Some(Box::new(first));
            } else {
                self.pos = save;
                self.errors.truncate(save_errs);
            }
        }
        loop {
            self.skip_newlines();
            if matches!(self.tok(), Tok::RBrace) || self.at_eof() {
                break;
            }
            let before = self.pos;
            if let Tok::KwKey(k) = self.tok().clone() {
                let ks = self.bump().span;
                self.skip_nl_only();
                let v = self.expr(0);
                entries.push((Node::new(Kind::Atom(k), ks), v));
            } else {
                let k = self.expr(61);
                self.skip_nl_only();
                if matches!(self.tok(), Tok::Op("=>")) {
                    self.bump();
                    self.skip_nl_only();
                    let v = self.expr(0);
                    entries.push((k, v));
                } else {
                    self.error_here(format!("expected => in map, found {}", Self::describe(self.tok())));
                    entries.push((k, Node::new(Kind::Error, self.span())));
                }
            }
            self.skip_newlines();
            if matches!(self.tok(), Tok::Comma) {
                self.bump();
                continue;
            }
            if !matches!(self.tok(), Tok::RBrace) {
                if self.pos == before {
                    self.bump();
                }
                break;
            }
        }
        self.skip_newlines();
        self.expect(Tok::RBrace, "}", open);
        self.no_do = saved;
        (update, entries)
    }

    fn ident(&mut self, name: String, sp: Span) -> Node {
        match name.as_str() {
            "true" => {
                self.bump();
                return Node::new(Kind::Bool(true), sp);
            }
            "false" => {
                self.bump();
                return Node::new(Kind::Bool(false), sp);
            }
            "nil" => {
                self.bump();
                return Node::new(Kind::Nil, sp);
            }
            "fn" => return self.fn_expr(),
            n if is_reserved(n) => {
                self.error_here(format!("syntax error before: '{n}'"));
                self.bump();
                return Node::new(Kind::Error, sp);
            }
            _ => {}
        }
        self.bump();
        let t = self.token().clone();
        // paren call
        if matches!(t.tok, Tok::LParen) && !t.space_before {
            let open = self.bump().span;
            let mut args = self.call_args(open);
            if self.is_ident("do") && !self.no_do {
                let blk = self.do_block();
                push_do_block(&mut args, blk);
            }
            let span = Span { start: sp.start, end: self.prev_end() };
            return Node::new(Kind::Call { name, args, parens: true }, span);
        }
        if self.is_ident("do") && !self.no_do {
            let blk = self.do_block();
            let span = Span { start: sp.start, end: self.prev_end() };
            return Node::new(Kind::Call { name, args: vec![blk], parens: false }, span);
        }
        if self.is_arg_start() && (t.space_before || !matches!(t.tok, Tok::LBracket)) {
            let mut args = self.no_paren_args();
            if self.is_ident("do") && !self.no_do {
                let blk = self.do_block();
                push_do_block(&mut args, blk);
            }
            let span = Span { start: sp.start, end: self.prev_end() };
            return Node::new(Kind::Call { name, args, parens: false }, span);
        }
        Node::new(Kind::Var(name), sp)
    }

    fn fn_expr(&mut self) -> Node {
        let start = self.bump().span; // fn
        let body = self.block_body();
        self.expect(Tok::Ident("end".into()), "end", start);
        let span = Span { start: start.start, end: self.prev_end() };
        match body.kind {
            Kind::Clauses(clauses) => Node::new(Kind::Fn(clauses), span),
            _ => {
                self.errors.push(Diagnostic::error("SyntaxError", "expected -> in fn", span));
                Node::new(Kind::Fn(vec![Clause { args: vec![], guard: None, body, span }]), span)
            }
        }
    }

    /// Parses interpolations inside string parts.
    fn str_parts(&mut self, parts: &[LexPart]) -> Vec<StrPart> {
        parts
            .iter()
            .map(|p| match p {
                LexPart::Lit(s) => StrPart::Lit(s.clone()),
                LexPart::Interp(s, e) => {
                    let (tokens, errs) = lex_range(self.src, *s, *e);
                    self.errors.extend(errs);
                    let mut sub = Parser {
                        src: self.src,
                        toks: tokens,
                        pos: 0,
                        errors: Vec::new(),
                        depth: self.depth + 1,
                        no_do: false,
                        seq_kw: false,
                    };
                    let mut block = sub.top_block();
                    self.errors.extend(sub.errors);
                    block.span = Span::new(*s, *e);
                    let node = match block.kind {
                        Kind::Block(mut items) if items.len() == 1 => items.pop().unwrap_or(Node::new(Kind::Nil, block.span)),
                        Kind::Block(items) if items.is_empty() => Node::new(Kind::Nil, block.span),
                        k => Node::new(k, block.span),
                    };
                    StrPart::Interp(node)
                }
            })
            .collect()
    }
}

fn line_of(src: &str, offset: usize) -> usize {
    src[..offset.min(src.len())].matches('\n').count() + 1
}

fn kw_pair(key: &str, kspan: Span, value: Node) -> Node {
    let span = kspan.to(value.span);
    Node::new(Kind::Tuple(vec![Node::new(Kind::Atom(key.to_string()), kspan), value]), span)
}

fn block_of(mut items: Vec<Node>, span: Span) -> Node {
    if items.len() == 1 {
        return items.pop().unwrap_or(Node::new(Kind::Nil, span));
    }
    let span = match (items.first(), items.last()) {
        (Some(a), Some(b)) => a.span.to(b.span),
        _ => span,
    };
    Node::new(Kind::Block(items), span)
}

/// A do-block joins a trailing keyword argument written without brackets
/// (`for x <- xs, reduce: 0 do ... end`), as in Elixir.
fn push_do_block(args: &mut Vec<Node>, blk: Node) {
    if let Some(Node { kind: Kind::List(pairs), span }) = args.last_mut() {
        let bare = pairs.first().is_some_and(|p| p.span.start == span.start);
        if bare {
            if let Kind::List(more) = blk.kind {
                pairs.extend(more);
                span.end = blk.span.end;
                return;
            }
        }
    }
    args.push(blk);
}

fn make_clause(mut args: Vec<Node>, body: Node, span: Span) -> Clause {
    let mut guard = None;
    if let Some(last) = args.pop() {
        match last.kind {
            Kind::BinOp { op, lhs, rhs } if op == "when" => {
                args.push(*lhs);
                guard = Some(*rhs);
            }
            kind => args.push(Node::new(kind, last.span)),
        }
    }
    Clause { args, guard, body, span }
}

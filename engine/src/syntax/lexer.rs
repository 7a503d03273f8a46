//! Tokens of the Elixir subset. The lexer never fails: malformed input
//! becomes `Tok::Error` tokens plus diagnostics, and lexing always reaches
//! the end of the text.

use crate::diag::{Diagnostic, Span};

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    Int(i64),
    BigInt(String),
    Float(f64),
    /// `:name` or `:"quoted"` (plain quoted atoms only).
    Atom(String),
    /// `:"quoted #{x}"` atom with interpolation.
    AtomInterp(Vec<LexPart>),
    /// `name:` keyword key (also `"quoted":`).
    KwKey(String),
    Ident(String),
    Alias(String),
    Str(Vec<LexPart>),
    Charlist(Vec<LexPart>),
    Sigil {
        name: String,
        parts: Vec<LexPart>,
        modifiers: String,
    },
    Char(u32),
    /// `&1`
    CaptureArg(u32),
    Op(&'static str),
    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    /// `%{`
    PercentBrace,
    /// `%` before a struct name
    Percent,
    /// `<<`
    LBin,
    /// `>>`
    RBin,
    Comma,
    Semi,
    Newline,
    Arrow,
    Eof,
    Error,
}

/// A piece of a string-like token: literal text, or the byte range of an
/// interpolated expression (`#{...}` contents) to be parsed separately.
#[derive(Clone, Debug, PartialEq)]
pub enum LexPart {
    Lit(String),
    Interp(usize, usize),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub tok: Tok,
    pub span: Span,
    /// Whitespace (not newlines) directly before the token.
    pub space_before: bool,
}

const KEYWORD_OPS: &[&str] = &["and", "or", "not", "in", "when"];

/// Operators, longest first.
const OPS: &[&str] = &[
    "===", "!==", "<<<", ">>>", "<<~", "~>>", "<~>", "|||", "&&&", "^^^", "~~~", "...", "\\\\", "..", "//", "<>", "++", "--", "==", "!=",
    "<=", ">=", "=~", "&&", "||", "|>", "<-", "->", "=>", "::", "**", "<~", "~>", "+", "-", "*", "/", "=", "<", ">", "!", "^", "&", "|",
    ".", "@",
];

pub struct Lexer<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    pub tokens: Vec<Token>,
    pub errors: Vec<Diagnostic>,
    /// Interpolations open around the current position (`"#{"#{...}"}"`).
    nest: u32,
}

/// How deep interpolations may nest before lexing stops with an error.
const MAX_NEST: u32 = 100;

pub fn lex(src: &str) -> (Vec<Token>, Vec<Diagnostic>) {
    lex_range(src, 0, src.len())
}

/// Lexes `src[start..end]` (used for interpolations); spans stay absolute.
pub fn lex_range(src: &str, start: usize, end: usize) -> (Vec<Token>, Vec<Diagnostic>) {
    let mut lx = Lexer { src: &src[..end], bytes: &src.as_bytes()[..end], pos: start, tokens: Vec::new(), errors: Vec::new(), nest: 0 };
    lx.run();
    (lx.tokens, lx.errors)
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_lowercase() || (c.is_alphabetic() && !c.is_uppercase())
}

fn is_ident_continue(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

impl<'a> Lexer<'a> {
    fn rest(&self) -> &'a str {
        self.src.get(self.pos..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn peek_at(&self, off: usize) -> Option<char> {
        self.src.get(self.pos + off..)?.chars().next()
    }

    fn byte(&self, off: usize) -> u8 {
        *self.bytes.get(self.pos + off).unwrap_or(&0)
    }

    fn push(&mut self, tok: Tok, start: usize, space_before: bool) {
        self.tokens.push(Token { tok, span: Span::new(start, self.pos), space_before });
    }

    fn error(&mut self, msg: impl Into<String>, start: usize, end: usize) {
        self.errors.push(Diagnostic::error("SyntaxError", msg, Span::new(start, end)));
    }

    fn run(&mut self) {
        let mut space = false;
        while self.pos < self.src.len() {
            let c = match self.peek() {
                Some(c) => c,
                None => break,
            };
            let start = self.pos;
            match c {
                ' ' | '\t' | '\r' => {
                    self.pos += 1;
                    space = true;
                    continue;
                }
                '\\' if self.byte(1) == b'\n' => {
                    self.pos += 2;
                    space = true;
                    continue;
                }
                '#' => {
                    while self.pos < self.src.len() && self.byte(0) != b'\n' {
                        self.pos += 1;
                    }
                    continue;
                }
                '\n' => {
                    self.pos += 1;
                    if !matches!(self.tokens.last().map(|t| &t.tok), Some(Tok::Newline)) {
                        self.push(Tok::Newline, start, space);
                    }
                    space = false;
                    continue;
                }
                _ => {}
            }
            self.token(c, start, space);
            space = false;
        }
        let end = self.src.len();
        self.tokens.push(Token { tok: Tok::Eof, span: Span::new(end, end), space_before: space });
    }

    fn token(&mut self, c: char, start: usize, space: bool) {
        match c {
            '0'..='9' => self.number(start, space),
            '"' => {
                if self.rest().starts_with("\"\"\"") {
                    let parts = self.heredoc('"', true);
                    self.push(Tok::Str(parts), start, space);
                } else {
                    self.pos += 1;
                    let parts = self.quoted('"', true, true);
                    if self.byte(0) == b':' && !self.rest().starts_with("::") && self.is_kw_follow(1) {
                        self.pos += 1;
                        let key = parts_text(&parts);
                        self.push(Tok::KwKey(key), start, space);
                    } else {
                        self.push(Tok::Str(parts), start, space);
                    }
                }
            }
            '\'' => {
                if self.rest().starts_with("'''") {
                    let parts = self.heredoc('\'', true);
                    self.push(Tok::Charlist(parts), start, space);
                } else {
                    self.pos += 1;
                    let parts = self.quoted('\'', true, true);
                    self.push(Tok::Charlist(parts), start, space);
                }
            }
            ':' if self.byte(1) == b'"' => {
                self.pos += 2;
                let parts = self.quoted('"', true, true);
                if parts.iter().any(|p| matches!(p, LexPart::Interp(..))) {
                    self.push(Tok::AtomInterp(parts), start, space);
                } else {
                    self.push(Tok::Atom(parts_text(&parts)), start, space);
                }
            }
            ':' if self.byte(1) != b':' && self.atom_after_colon().is_some() => {
                let (name, len) = self.atom_after_colon().unwrap_or_default();
                self.pos += 1 + len;
                self.push(Tok::Atom(name), start, space);
            }
            '?' if self.pos + 1 < self.src.len() => {
                self.pos += 1;
                let ch = self.peek().unwrap_or('\0');
                if ch == '\\' {
                    self.pos += 1;
                    let e = self.peek().unwrap_or('\0');
                    self.pos += e.len_utf8();
                    let v = match e {
                        'n' => '\n',
                        't' => '\t',
                        'r' => '\r',
                        's' => ' ',
                        '0' => '\0',
                        'e' => '\u{1b}',
                        other => other,
                    };
                    self.push(Tok::Char(v as u32), start, space);
                } else {
                    self.pos += ch.len_utf8();
                    self.push(Tok::Char(ch as u32), start, space);
                }
            }
            '~' if self.peek_at(1).is_some_and(|c| c.is_ascii_alphabetic()) => self.sigil(start, space),
            '&' if self.byte(1).is_ascii_digit() => {
                self.pos += 1;
                let s = self.pos;
                while self.byte(0).is_ascii_digit() {
                    self.pos += 1;
                }
                let n = self.src[s..self.pos].parse().unwrap_or(0);
                self.push(Tok::CaptureArg(n), start, space);
            }
            '(' => self.single(Tok::LParen, start, space),
            ')' => self.single(Tok::RParen, start, space),
            '[' => self.single(Tok::LBracket, start, space),
            ']' => self.single(Tok::RBracket, start, space),
            '{' => self.single(Tok::LBrace, start, space),
            '}' => self.single(Tok::RBrace, start, space),
            ',' => self.single(Tok::Comma, start, space),
            ';' => self.single(Tok::Semi, start, space),
            '%' if self.byte(1) == b'{' => {
                self.pos += 2;
                self.push(Tok::PercentBrace, start, space);
            }
            '%' => self.single(Tok::Percent, start, space),
            '<' if self.byte(1) == b'<' && self.byte(2) != b'<' && self.byte(2) != b'~' => {
                self.pos += 2;
                self.push(Tok::LBin, start, space);
            }
            '>' if self.byte(1) == b'>' && self.byte(2) != b'>' => {
                self.pos += 2;
                self.push(Tok::RBin, start, space);
            }
            c if is_ident_start(c) => self.ident(start, space),
            c if c.is_uppercase() => {
                while self.peek().is_some_and(is_ident_continue) {
                    self.pos += self.peek().map_or(1, char::len_utf8);
                }
                let name = self.src[start..self.pos].to_string();
                if self.byte(0) == b':' && self.byte(1) != b':' && self.is_kw_follow(1) {
                    self.pos += 1;
                    self.push(Tok::KwKey(name), start, space);
                } else {
                    self.push(Tok::Alias(name), start, space);
                }
            }
            _ => {
                let rest = self.rest();
                if let Some(op) = OPS.iter().find(|op| rest.starts_with(**op)) {
                    self.pos += op.len();
                    let tok = if *op == "->" { Tok::Arrow } else { Tok::Op(op) };
                    self.push(tok, start, space);
                } else {
                    self.pos += c.len_utf8();
                    self.error(format!("unexpected character {c:?}"), start, self.pos);
                    self.push(Tok::Error, start, space);
                }
            }
        }
    }

    fn single(&mut self, tok: Tok, start: usize, space: bool) {
        self.pos += 1;
        self.push(tok, start, space);
    }

    /// After `name:` — a keyword key needs whitespace (or end) after the colon.
    fn is_kw_follow(&self, off: usize) -> bool {
        matches!(self.bytes.get(self.pos + off), None | Some(b' ' | b'\n' | b'\t' | b'\r'))
    }

    /// The atom after `:` at the current position, with its length in bytes.
    fn atom_after_colon(&self) -> Option<(String, usize)> {
        let rest = &self.src[self.pos + 1..];
        let first = rest.chars().next()?;
        if is_ident_start(first) || first.is_uppercase() {
            let mut len = 0;
            // atoms may hold `@` (`:node@host`), identifiers may not
            for ch in rest.chars() {
                if is_ident_continue(ch) || ch == '@' {
                    len += ch.len_utf8();
                } else {
                    break;
                }
            }
            // dotted aliases `:Elixir.Foo`
            while first.is_uppercase() && rest[len..].starts_with('.') && rest[len + 1..].starts_with(|c: char| c.is_uppercase()) {
                len += 1;
                for ch in rest[len..].chars() {
                    if is_ident_continue(ch) {
                        len += ch.len_utf8();
                    } else {
                        break;
                    }
                }
            }
            if rest[len..].starts_with(['?', '!']) {
                len += 1;
            }
            return Some((rest[..len].to_string(), len));
        }
        // operator atoms
        for op in [
            "..//", "...", "===", "!==", "<<>>", "%{}", "<<<", ">>>", "|||", "&&&", "^^^", "~~~", "<~>", "<<~", "~>>", "<|>", "+++", "---",
            "\\\\", "::", "->", "<-", "=~", "~>", "<~", "..", "<>", "++", "--", "==", "!=", "<=", ">=", "&&", "||", "|>", "**", "{}", "%",
            "+", "-", "*", "/", "<", ">", "!", "=", "&", "|", "^", "@", ".",
        ] {
            if rest.starts_with(op) {
                return Some((op.to_string(), op.len()));
            }
        }
        None
    }

    fn ident(&mut self, start: usize, space: bool) {
        while self.peek().is_some_and(is_ident_continue) {
            self.pos += self.peek().map_or(1, char::len_utf8);
        }
        if matches!(self.byte(0), b'?' | b'!') && self.byte(1) != b'=' {
            self.pos += 1;
        }
        let name = &self.src[start..self.pos];
        if self.byte(0) == b':' && self.byte(1) != b':' && self.is_kw_follow(1) {
            let name = name.to_string();
            self.pos += 1;
            self.push(Tok::KwKey(name), start, space);
            return;
        }
        if name == "not" {
            // `not in`
            let rest = self.rest();
            let trimmed = rest.trim_start_matches([' ', '\t']);
            if trimmed.starts_with("in") && !trimmed[2..].starts_with(is_ident_continue) && trimmed.len() < rest.len() {
                self.pos += rest.len() - trimmed.len() + 2;
                self.push(Tok::Op("not in"), start, space);
                return;
            }
        }
        if let Some(op) = KEYWORD_OPS.iter().find(|k| **k == name) {
            // `x.in` style field names are not operators
            let after_dot = matches!(self.tokens.last(), Some(Token { tok: Tok::Op("."), .. }));
            if !after_dot {
                self.push(Tok::Op(op), start, space);
                return;
            }
        }
        let name = name.to_string();
        self.push(Tok::Ident(name), start, space);
    }

    fn number(&mut self, start: usize, space: bool) {
        let radix = match (self.byte(0), self.byte(1)) {
            (b'0', b'x') => 16,
            (b'0', b'o') => 8,
            (b'0', b'b') => 2,
            _ => 10,
        };
        if radix != 10 {
            self.pos += 2;
            let s = self.pos;
            while (self.byte(0) as char).is_digit(radix) || self.byte(0) == b'_' {
                self.pos += 1;
            }
            let digits: String = self.src[s..self.pos].chars().filter(|c| *c != '_').collect();
            match i64::from_str_radix(&digits, radix) {
                Ok(v) => self.push(Tok::Int(v), start, space),
                Err(_) if !digits.is_empty() => self.push(Tok::BigInt(radix_to_decimal(&digits, radix)), start, space),
                Err(_) => {
                    self.error("invalid number literal", start, self.pos);
                    self.push(Tok::Error, start, space);
                }
            }
            return;
        }
        while self.byte(0).is_ascii_digit() || (self.byte(0) == b'_' && self.byte(1).is_ascii_digit()) {
            self.pos += 1;
        }
        let mut float = false;
        if self.byte(0) == b'.' && self.byte(1).is_ascii_digit() {
            float = true;
            self.pos += 1;
            while self.byte(0).is_ascii_digit() || (self.byte(0) == b'_' && self.byte(1).is_ascii_digit()) {
                self.pos += 1;
            }
            if matches!(self.byte(0), b'e' | b'E')
                && (self.byte(1).is_ascii_digit() || (matches!(self.byte(1), b'+' | b'-') && self.byte(2).is_ascii_digit()))
            {
                self.pos += 2;
                while self.byte(0).is_ascii_digit() {
                    self.pos += 1;
                }
            }
        }
        let text: String = self.src[start..self.pos].chars().filter(|c| *c != '_').collect();
        if float {
            match text.parse::<f64>() {
                Ok(f) if f.is_finite() => self.push(Tok::Float(f), start, space),
                _ => {
                    self.error("invalid float literal", start, self.pos);
                    self.push(Tok::Error, start, space);
                }
            }
        } else {
            match text.parse::<i64>() {
                Ok(v) => self.push(Tok::Int(v), start, space),
                Err(_) => self.push(Tok::BigInt(text), start, space),
            }
        }
    }

    /// Reads a quoted body after the opening delimiter up to `close`.
    /// `interp`: `#{}` allowed; `escapes`: process backslash escapes
    /// (otherwise only `\close` is unescaped... kept raw for regexes).
    fn quoted(&mut self, close: char, interp: bool, escapes: bool) -> Vec<LexPart> {
        self.quoted_pair(None, close, interp, escapes)
    }

    fn quoted_pair(&mut self, open: Option<char>, close: char, interp: bool, escapes: bool) -> Vec<LexPart> {
        let start = self.pos;
        let mut parts = Vec::new();
        let mut buf = String::new();
        let mut depth = 0;
        loop {
            let Some(c) = self.peek() else {
                self.error(format!("missing terminator: {close}"), start.saturating_sub(1), self.pos);
                break;
            };
            if Some(c) == open && open != Some(close) {
                depth += 1;
                buf.push(c);
                self.pos += c.len_utf8();
                continue;
            }
            if c == close {
                if depth == 0 {
                    self.pos += c.len_utf8();
                    break;
                }
                depth -= 1;
                buf.push(c);
                self.pos += c.len_utf8();
                continue;
            }
            if c == '\\' {
                let Some(next) = self.peek_at(1) else {
                    buf.push('\\');
                    self.pos += 1;
                    continue;
                };
                if escapes {
                    self.pos += 1;
                    self.escape(&mut buf, start);
                } else {
                    if next == close || (interp && next == '#') {
                        buf.push(next);
                    } else {
                        buf.push('\\');
                        buf.push(next);
                    }
                    self.pos += 1 + next.len_utf8();
                }
                continue;
            }
            if interp && c == '#' && self.byte(1) == b'{' {
                if !buf.is_empty() {
                    parts.push(LexPart::Lit(std::mem::take(&mut buf)));
                }
                self.pos += 2;
                let s = self.pos;
                let e = self.skip_balanced();
                parts.push(LexPart::Interp(s, e));
                continue;
            }
            buf.push(c);
            self.pos += c.len_utf8();
        }
        if !buf.is_empty() || parts.is_empty() {
            parts.push(LexPart::Lit(buf));
        }
        parts
    }

    /// Processes one escape after a backslash. `body` is where the
    /// string's contents start: Elixir reports a bad escape there.
    fn escape(&mut self, buf: &mut String, body: usize) {
        let Some(c) = self.peek() else { return };
        self.pos += c.len_utf8();
        match c {
            'n' => buf.push('\n'),
            't' => buf.push('\t'),
            'r' => buf.push('\r'),
            's' => buf.push(' '),
            '0' => buf.push('\0'),
            'e' => buf.push('\u{1b}'),
            'a' => buf.push('\u{7}'),
            'b' => buf.push('\u{8}'),
            'f' => buf.push('\u{c}'),
            'v' => buf.push('\u{b}'),
            '\n' => {}
            'x' | 'u' => {
                // `\xHH`, `\uHHHH`, `\u{H*}` (1 to 6 digits); `\xH` and
                // `\x{H*}` are deprecated but still read.
                let hex = |s: &str, n: usize| s.chars().take(n).take_while(char::is_ascii_hexdigit).count();
                let rest = self.rest();
                let (digits, skip) = if let Some(inner) = rest.strip_prefix('{') {
                    let n = hex(inner, 7);
                    if (1..=6).contains(&n) && inner[n..].starts_with('}') {
                        (&inner[..n], n + 2)
                    } else {
                        ("", 0)
                    }
                } else if c == 'x' {
                    let n = hex(rest, 2);
                    (&rest[..n], n)
                } else {
                    let n = hex(rest, 4);
                    if n == 4 {
                        (&rest[..4], 4)
                    } else {
                        ("", 0)
                    }
                };
                let (message, shown) = if c == 'x' {
                    ("invalid hex escape character, expected \\xHH where H is a hexadecimal digit", "\\x")
                } else {
                    ("invalid Unicode escape character, expected \\uHHHH or \\u{H*} where H is a hexadecimal digit", "\\u")
                };
                if digits.is_empty() {
                    self.error(format!("{message}. Syntax error after: {shown}"), body, body);
                    return;
                }
                let digits = digits.to_string();
                self.pos += skip;
                match u32::from_str_radix(&digits, 16).ok().and_then(char::from_u32) {
                    Some(ch) => buf.push(ch),
                    None => {
                        self.error(format!("invalid or reserved Unicode code point \\u{{{digits}}}. Syntax error after: \\u"), body, body)
                    }
                }
            }
            other => buf.push(other),
        }
    }

    /// Skips an interpolation body up to its closing `}`; returns the end offset
    /// of the contents (before the brace).
    fn skip_balanced(&mut self) -> usize {
        if self.nest >= MAX_NEST {
            // Give up on the rest of the file rather than recurse further.
            self.error("expression nested too deeply", self.pos, self.pos);
            self.pos = self.src.len();
            return self.pos;
        }
        self.nest += 1;
        let end = self.skip_balanced_body();
        self.nest -= 1;
        end
    }

    fn skip_balanced_body(&mut self) -> usize {
        let mut depth = 0usize;
        while let Some(c) = self.peek() {
            match c {
                '{' => depth += 1,
                '}' => {
                    if depth == 0 {
                        let end = self.pos;
                        self.pos += 1;
                        return end;
                    }
                    depth -= 1;
                }
                '"' | '\'' => {
                    self.pos += 1;
                    self.quoted(c, true, true);
                    continue;
                }
                _ => {}
            }
            self.pos += c.len_utf8();
        }
        self.error("missing terminator: } (for interpolation)", self.pos, self.pos);
        self.pos
    }

    fn heredoc(&mut self, q: char, escapes: bool) -> Vec<LexPart> {
        let start = self.pos;
        self.pos += 3;
        // skip to end of line
        while self.pos < self.src.len() && self.byte(0) != b'\n' {
            self.pos += 1;
        }
        self.pos = (self.pos + 1).min(self.src.len());
        let body_start = self.pos;
        let close = format!("{q}{q}{q}");
        // find the closing delimiter on its own line
        let mut line_start = self.pos;
        let mut close_at = None;
        while line_start <= self.src.len() {
            let line_end = self.src[line_start..].find('\n').map_or(self.src.len(), |i| line_start + i);
            let line = &self.src[line_start..line_end];
            if line.trim_start().starts_with(&close) {
                close_at = Some((line_start, line.len() - line.trim_start().len()));
                break;
            }
            if line_end >= self.src.len() {
                break;
            }
            line_start = line_end + 1;
        }
        let Some((close_line, indent)) = close_at else {
            self.error("missing terminator: heredoc", start, self.src.len());
            self.pos = self.src.len();
            return vec![LexPart::Lit(String::new())];
        };
        // Lex the body line by line, stripping `indent` spaces.
        let mut parts: Vec<LexPart> = Vec::new();
        let mut pos = body_start;
        while pos < close_line {
            let line_end = self.src[pos..].find('\n').map_or(self.src.len(), |i| pos + i);
            let strip = self.src[pos..line_end].chars().take(indent).take_while(|c| *c == ' ' || *c == '\t').count();
            let seg_start = pos + strip;
            let seg_end = (line_end + 1).min(close_line);
            self.pos = seg_start;
            let mut sub = Lexer {
                src: &self.src[..seg_end],
                bytes: &self.bytes[..seg_end],
                pos: seg_start,
                tokens: vec![],
                errors: vec![],
                nest: self.nest,
            };
            let p = sub.quoted('\u{0}', true, escapes);
            self.errors.extend(sub.errors.into_iter().filter(|e| !e.message.starts_with("missing terminator")));
            for part in p {
                match (parts.last_mut(), part) {
                    (Some(LexPart::Lit(a)), LexPart::Lit(b)) => a.push_str(&b),
                    (_, part) => parts.push(part),
                }
            }
            pos = seg_end;
        }
        self.pos = (close_line + indent + 3).min(self.src.len());
        if parts.is_empty() {
            parts.push(LexPart::Lit(String::new()));
        }
        parts
    }

    fn sigil(&mut self, start: usize, space: bool) {
        self.pos += 1;
        let name_start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_alphanumeric()) {
            self.pos += 1;
        }
        let name = self.src[name_start..self.pos].to_string();
        let lower = name.chars().next().is_some_and(|c| c.is_ascii_lowercase());
        let escapes = matches!(name.as_str(), "s" | "c" | "w");
        let parts = if self.rest().starts_with("\"\"\"") || self.rest().starts_with("'''") {
            let q = self.peek().unwrap_or('"');
            self.heredoc(q, lower && escapes)
        } else {
            let open = self.peek().unwrap_or('\0');
            let close = match open {
                '(' => ')',
                '[' => ']',
                '{' => '}',
                '<' => '>',
                '/' | '|' | '"' | '\'' => open,
                _ => {
                    self.error("invalid sigil delimiter", start, self.pos + 1);
                    self.push(Tok::Error, start, space);
                    return;
                }
            };
            self.pos += open.len_utf8();
            self.quoted_pair(Some(open), close, lower, lower && escapes)
        };
        let mod_start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
            self.pos += 1;
        }
        let modifiers = self.src.get(mod_start..self.pos).unwrap_or("").to_string();
        self.push(Tok::Sigil { name, parts, modifiers }, start, space);
    }
}

fn parts_text(parts: &[LexPart]) -> String {
    parts
        .iter()
        .map(|p| match p {
            LexPart::Lit(s) => s.as_str(),
            LexPart::Interp(..) => "",
        })
        .collect()
}

/// The decimal digits of an integer literal written in another base (for
/// literals beyond i64, which become big integers).
fn radix_to_decimal(digits: &str, radix: u32) -> String {
    // little-endian base-10^9 limbs
    let mut limbs: Vec<u64> = vec![0];
    for c in digits.chars() {
        let mut carry = u64::from(c.to_digit(radix).unwrap_or(0));
        for limb in limbs.iter_mut() {
            let v = *limb * u64::from(radix) + carry;
            *limb = v % 1_000_000_000;
            carry = v / 1_000_000_000;
        }
        while carry > 0 {
            limbs.push(carry % 1_000_000_000);
            carry /= 1_000_000_000;
        }
    }
    let mut out = String::new();
    for (i, limb) in limbs.iter().rev().enumerate() {
        if i == 0 {
            out.push_str(&limb.to_string());
        } else {
            out.push_str(&format!("{limb:09}"));
        }
    }
    out
}

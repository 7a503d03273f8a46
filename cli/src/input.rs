//! The input file and what is wrong with it: reading it, positions (1-based
//! lines, columns counted in characters) and errors printed the way Elixir
//! 1.18 prints them (`** (SyntaxError) invalid syntax found on FILE:L:C:`
//! followed by the line and a caret under the spot).

use engine::diag::{Diagnostic, Span};
use engine::eval::Error;
use engine::syntax::{self, Kind, Node};

/// Why a command stops with exit code 1. The text (which may be empty when
/// the errors were printed already) goes to stderr.
#[derive(Debug)]
pub struct Failure(pub String);

impl Failure {
    /// The errors were printed as they happened.
    pub fn reported() -> Failure {
        Failure(String::new())
    }
}

/// A source file, as named on the command line.
pub struct Input {
    pub path: String,
    pub text: String,
    line_starts: Vec<usize>,
}

/// Lines longer than this are shown as a window around the spot.
const MAX_SHOWN: usize = 160;

impl Input {
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Input {
        let text = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Input { path: path.into(), text, line_starts }
    }

    /// Reads `path`; a file that is not UTF-8 is refused as Elixir refuses
    /// it (`UnicodeConversionError`), with the place of the first bad byte.
    pub fn read(path: &str, command: &str) -> Result<Input, Failure> {
        let bytes = std::fs::read(path).map_err(|e| Failure(format!("ectoplasm {command}: cannot read {path}: {}", io_reason(&e))))?;
        match String::from_utf8(bytes) {
            Ok(text) => Ok(Input::new(path, text)),
            Err(e) => {
                let bytes = e.into_bytes();
                let err = std::str::from_utf8(&bytes).err();
                let at = err.map_or(0, |e| e.valid_up_to());
                let kind = if err.is_some_and(|e| e.error_len().is_none()) { "incomplete" } else { "invalid" };
                let input = Input::new(path, String::from_utf8_lossy(&bytes[..at]).into_owned());
                let (line, col) = input.line_col(at);
                let message = format!("{kind} encoding starting at {}", inspect_bytes(&bytes[at..]));
                Err(Failure(format!("** (UnicodeConversionError) {message}\n    └─ {}:{line}:{col}", input.path)))
            }
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let col = match self.text.get(start..offset) {
            Some(s) => s.chars().count(),
            None => self.text[start..].char_indices().take_while(|(i, _)| start + i < offset).count(),
        };
        (line + 1, col + 1)
    }

    /// The position of an error: its own span, or the entry's when it has none.
    pub fn position(&self, span: Span, fallback: Span) -> (usize, usize) {
        let span = if span.is_none() { fallback } else { span };
        self.line_col(span.start as usize)
    }

    /// The text of a 1-based line, without its newline.
    fn line_text(&self, line: usize) -> &str {
        let start = self.line_starts.get(line - 1).copied().unwrap_or(self.text.len());
        let end = self.line_starts.get(line).map_or(self.text.len(), |e| e - 1);
        self.text.get(start..end.max(start)).unwrap_or("").trim_end_matches('\r')
    }

    /// Parses the file; the first syntax error refuses it, as Elixir does.
    pub fn parse(&self) -> Result<Node, Failure> {
        let parsed = syntax::parse(&self.text);
        match parsed.errors.first() {
            Some(d) => Err(Failure(self.syntax_error(d))),
            None => Ok(parsed.root),
        }
    }

    /// The top-level expressions of a parsed file.
    pub fn items(root: Node) -> Vec<Node> {
        match root.kind {
            Kind::Block(items) => items,
            other => vec![Node::new(other, root.span)],
        }
    }

    /// A syntax error as `elixir FILE` prints it.
    pub fn syntax_error(&self, d: &Diagnostic) -> String {
        let (line, col) = self.line_col(d.span.start as usize);
        let missing = d.kind == "TokenMissingError" || d.message.starts_with("missing terminator");
        let (kind, header) = if missing { ("TokenMissingError", "token missing on") } else { ("SyntaxError", "invalid syntax found on") };
        format!("** ({kind}) {header} {}:{line}:{col}:\n{}", self.path, self.snippet(line, col, &d.message, 1))
    }

    /// An error raised while evaluating the file outside any entry.
    pub fn runtime_error(&self, e: &Error) -> String {
        let span = e.span();
        let (line, col) = self.line_col(span.start as usize);
        let width =
            self.text.get(span.start as usize..span.end as usize).map_or(1, |s| s.lines().next().unwrap_or("").chars().count().max(1));
        match e.kind() {
            "CompileError" => format!(
                "{}\n\n** (CompileError) {}: cannot compile file (errors have been logged)",
                self.snippet(line, col, &e.message(), width),
                self.path
            ),
            "throw" | "rollback" => format!("{}\n{}", e.message(), self.location_block(line, col, width)),
            kind => format!("** ({kind}) {}\n{}", e.message(), self.location_block(line, col, width)),
        }
    }

    /// Elixir's diagnostic: `error: message`, the numbered line, a caret
    /// line, and `└─ FILE:L:C`.
    fn snippet(&self, line: usize, col: usize, message: &str, width: usize) -> String {
        let digits = line.to_string().len();
        let spacing = " ".repeat(digits.max(2) + 1);
        let number_spacing = if digits == 1 { " " } else { "" };
        let message = message.replace('\n', &format!("\n{}", " ".repeat(digits + 2 + number_spacing.len())));
        let (shown, caret_col) = self.shown_line(line, col);
        format!(
            " {spacing}error: {message}\n {spacing}│\n {number_spacing}{line} │ {shown}\n {spacing}│ {}{}\n {spacing}│\n {spacing}└─ {}:{line}:{col}",
            " ".repeat(caret_col.saturating_sub(1)),
            "^".repeat(width),
            self.path
        )
    }

    /// The snippet without the `error:` line, for errors whose message is
    /// in the banner above.
    fn location_block(&self, line: usize, col: usize, width: usize) -> String {
        let full = self.snippet(line, col, "", width);
        full.split_once('\n').map_or(full.clone(), |(_, rest)| rest.to_string())
    }

    /// The line as shown, and the caret's column in it: leading indentation
    /// of 27 columns or more is cut to `...` as Elixir does; very long lines
    /// are shown as a window around the column.
    fn shown_line(&self, line: usize, col: usize) -> (String, usize) {
        let text = self.line_text(line);
        let indent: usize = text.chars().take_while(|c| *c == ' ' || *c == '\t').map(|c| if c == '\t' { 8 } else { 1 }).sum();
        let (mut text, mut col): (String, usize) = if indent >= 27 {
            let rest = text.trim_start_matches([' ', '\t']);
            (format!("...{}{rest}", " ".repeat(19)), col.saturating_sub(indent - 22))
        } else {
            (text.to_string(), col)
        };
        if text.chars().count() > MAX_SHOWN {
            let from = col.saturating_sub(MAX_SHOWN / 2);
            let window: String = text.chars().skip(from).take(MAX_SHOWN).collect();
            let prefix = if from > 0 { "..." } else { "" };
            col = col - from + prefix.len();
            text = format!("{prefix}{window}...");
        }
        (text, col)
    }
}

/// `io::Error` in words, without the OS error number.
fn io_reason(e: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::NotFound => "no such file".into(),
        ErrorKind::PermissionDenied => "permission denied".into(),
        ErrorKind::IsADirectory => "it is a directory".into(),
        _ => {
            let s = e.to_string();
            s.split(" (os error").next().unwrap_or(&s).to_string()
        }
    }
}

/// A binary as `inspect/1` shows it in an exception message (at most 50 bytes).
fn inspect_bytes(bytes: &[u8]) -> String {
    let mut parts: Vec<String> = bytes.iter().take(50).map(|b| b.to_string()).collect();
    if bytes.len() > 50 {
        parts.push("...".into());
    }
    format!("<<{}>>", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters() {
        let input = Input::new("t.exs", "é = 1\n  \"ü\" <> x");
        assert_eq!(input.line_col(0), (1, 1));
        assert_eq!(input.line_col(3), (1, 3));
        assert_eq!(input.line_col(9), (2, 3));
        assert_eq!(input.line_col(14), (2, 7));
    }

    #[test]
    fn a_syntax_error_reads_as_elixir_prints_it() {
        let input = Input::new("input.exs", "x = (1 + )\n");
        let Err(Failure(msg)) = input.parse() else { panic!("parsed") };
        assert_eq!(
            msg,
            "** (SyntaxError) invalid syntax found on input.exs:1:10:\n    error: syntax error before: ')'\n    │\n  1 │ x = (1 + )\n    │          ^\n    │\n    └─ input.exs:1:10"
        );
    }
}

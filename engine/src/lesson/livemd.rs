//! Livebook files (`.livemd`) in and out, byte for byte.
//!
//! [`parse`] splits the text into notebook cells in file order: the title
//! (`# Title`) and section headings (`## Section`) as heading cells,
//! Markdown between them, `elixir` code fences as code cells, Livebook's
//! smart cells and other languages' cells (Erlang, Python) as read-only
//! code cells with a note. Each cell keeps the exact text around its
//! editable part: the annotations before it (`<!-- livebook:{...} -->`,
//! `<!-- ectoplasm:{...} -->`), the fence lines, the blank lines after it,
//! and the outputs Livebook saved after a code cell. [`write`] puts the
//! text back: an unchanged notebook is byte-equal to its file, and an edit
//! changes only the edited cell's source.
//!
//! What belongs to which cell:
//! - annotation and markup comment lines (each alone on its line) belong to
//!   the element after them (a heading, a fence, a Markdown paragraph);
//!   `{"force_markdown":true}` makes the fence after it Markdown, and
//!   `{"output":true}` makes it a saved output of the code cell before it;
//! - blank lines belong to the cell before them;
//! - Markdown runs until the next heading of level 1 or 2, code fence,
//!   annotation or markup comment.

use serde::{Deserialize, Serialize};

/// What a cell is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CellKind {
    /// Markdown text; `heading` is 1 for the title line, 2 for a section heading.
    Markdown,
    /// An `elixir` code cell the notebook runs.
    Code,
    /// A cell that is kept but cannot run here (a smart cell, another
    /// language); `note` says why.
    ReadOnly,
}

/// `<!-- ectoplasm:{...} -->`: the lesson markup of the element after it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Markup {
    /// `{"lesson":true}`: the notebook is a lesson.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lesson: Option<bool>,
    /// `"hidden"` (default) or `"locked"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub solutions: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exercise: Option<String>,
    /// `starter`, `solution`, `test` or `hint`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locked: Option<bool>,
}

/// The file text around a cell's source, as read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Original {
    /// Annotation lines, blank lines before the first cell, the opening fence.
    pub head: String,
    /// The source as read (to tell whether it was edited).
    pub source: String,
    /// The newline ending the source and the closing fence, if any.
    pub close: String,
    /// Saved outputs and blank lines up to the next cell.
    pub after: String,
}

/// One notebook cell.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cell {
    pub kind: CellKind,
    /// Markdown text or code, without the fences and the final newline.
    pub source: String,
    /// The fence's language (`elixir`, `erlang`, ...); empty for Markdown.
    pub language: String,
    /// 1: the notebook title; 2: a section heading (the cell is that line).
    pub heading: Option<u8>,
    /// The JSON of each `<!-- livebook:{...} -->` annotation before the cell.
    pub annotations: Vec<serde_json::Value>,
    /// Lesson markup before the cell (the last one, when there are several).
    pub markup: Option<Markup>,
    /// Why a read-only cell cannot run.
    pub note: Option<String>,
    /// The text read from the file (`None`: a cell created since).
    pub original: Option<Original>,
}

impl Cell {
    /// A new cell, written the way Livebook writes one.
    pub fn new(kind: CellKind, source: impl Into<String>) -> Cell {
        let language = if kind == CellKind::Markdown { String::new() } else { "elixir".to_string() };
        Cell { kind, source: source.into(), language, heading: None, annotations: vec![], markup: None, note: None, original: None }
    }

    /// The name of a section heading or the title (`## Name` → `Name`).
    pub fn heading_text(&self) -> Option<&str> {
        self.heading.map(|_| self.source.trim_start_matches('#').trim())
    }

    fn markup_of(&self, key: impl Fn(&Markup) -> bool) -> bool {
        self.markup.as_ref().is_some_and(key)
    }

    /// `<!-- ectoplasm:{"locked":true} -->`.
    pub fn locked(&self) -> bool {
        self.markup_of(|m| m.locked == Some(true))
    }
}

/// A parsed `.livemd` file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notebook {
    pub cells: Vec<Cell>,
    /// Text after the last cell that belongs to none (trailing comments).
    pub trailer: String,
}

impl Notebook {
    /// The title (`# Title`), if the notebook has one.
    pub fn title(&self) -> Option<&str> {
        self.cells.iter().find(|c| c.heading == Some(1)).and_then(Cell::heading_text)
    }

    /// The cells whose code calls `Mix.install/2`.
    pub fn mix_install_cells(&self) -> Vec<usize> {
        self.cells.iter().enumerate().filter(|(_, c)| c.kind == CellKind::Code && calls_mix_install(&c.source)).map(|(k, _)| k).collect()
    }
}

/// Whether code calls `Mix.install` (outside comments and strings, as far
/// as a line scan can tell).
pub fn calls_mix_install(code: &str) -> bool {
    code.lines().any(|l| {
        let l = l.split('#').next().unwrap_or("");
        l.contains("Mix.install(") || l.contains("Mix.install ")
    })
}

/// A comment line `<!-- prefix:{json} -->` → the JSON text.
fn comment_json<'a>(line: &'a str, prefix: &str) -> Option<&'a str> {
    let t = line.trim();
    let rest = t.strip_prefix("<!--")?.trim_start().strip_prefix(prefix)?;
    let body = rest.strip_suffix("-->")?.trim_end();
    body.starts_with('{').then_some(body)
}

/// An opening code fence: its character, length and info string.
fn fence_open(line: &str) -> Option<(char, usize, &str)> {
    let body = line.trim_end_matches(['\n', '\r']);
    let indent = body.len() - body.trim_start_matches(' ').len();
    if indent > 3 {
        return None;
    }
    let t = &body[indent..];
    let c = t.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let n = t.chars().take_while(|x| *x == c).count();
    if n < 3 {
        return None;
    }
    let info = t[n..].trim();
    if c == '`' && info.contains('`') {
        return None;
    }
    Some((c, n, info))
}

fn fence_closes(line: &str, c: char, n: usize) -> bool {
    let body = line.trim_end_matches(['\n', '\r']);
    let indent = body.len() - body.trim_start_matches(' ').len();
    if indent > 3 {
        return false;
    }
    let t = &body[indent..];
    let m = t.chars().take_while(|x| *x == c).count();
    m >= n && t[m..].trim().is_empty()
}

fn is_blank(line: &str) -> bool {
    line.trim().is_empty()
}

/// `# Title` → 1, `## Section` → 2 (other levels are Markdown).
fn heading_level(line: &str) -> Option<u8> {
    let t = line.trim_end_matches(['\n', '\r']);
    let n = t.chars().take_while(|c| *c == '#').count();
    let ok = (n == 1 || n == 2) && (t.len() == n || t[n..].starts_with(' ') || t[n..].starts_with('\t'));
    ok.then_some(n as u8)
}

/// Splits `text` into lines that keep their `\n`.
fn lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

/// Joins lines and splits off the final newline: (source, close).
fn split_last_newline(body: &str) -> (String, String) {
    if let Some(s) = body.strip_suffix("\r\n") {
        (s.to_string(), "\r\n".to_string())
    } else if let Some(s) = body.strip_suffix('\n') {
        (s.to_string(), "\n".to_string())
    } else {
        (body.to_string(), String::new())
    }
}

struct Builder {
    cells: Vec<Cell>,
    /// Lines waiting for the next element (annotations, comments; blank lines before any cell).
    head: String,
    annotations: Vec<serde_json::Value>,
    markup: Option<Markup>,
    /// The Markdown being read: its head, annotations, markup and lines.
    markdown: Option<(String, Vec<serde_json::Value>, Option<Markup>, String)>,
    seen_title: bool,
}

impl Builder {
    fn take_head(&mut self) -> (String, Vec<serde_json::Value>, Option<Markup>) {
        (std::mem::take(&mut self.head), std::mem::take(&mut self.annotations), self.markup.take())
    }

    fn push(&mut self, mut cell: Cell, head: String, source_text: String, close: String) {
        cell.original = Some(Original { head, source: source_text.clone(), close, after: String::new() });
        cell.source = source_text;
        self.cells.push(cell);
    }

    /// Ends the Markdown being read: its trailing blank lines go after it.
    fn finish_markdown(&mut self) {
        let Some((head, annotations, markup, text)) = self.markdown.take() else { return };
        let all = lines(&text);
        let keep = all.iter().rposition(|l| !is_blank(l)).map_or(0, |k| k + 1);
        let body: String = all[..keep].concat();
        let after: String = all[keep..].concat();
        let (source, close) = split_last_newline(&body);
        let mut cell = Cell::new(CellKind::Markdown, String::new());
        cell.annotations = annotations;
        cell.markup = markup;
        self.push(cell, head, source, close);
        if let Some(o) = self.cells.last_mut().and_then(|c| c.original.as_mut()) {
            o.after = after;
        }
    }

    /// Text that follows the last cell (blank lines, outputs).
    fn append_after(&mut self, text: &str) {
        match self.cells.last_mut().and_then(|c| c.original.as_mut()) {
            Some(o) => o.after.push_str(text),
            None => self.head.push_str(text),
        }
    }

    fn markdown_line(&mut self, line: &str) {
        if self.markdown.is_none() {
            let (head, annotations, markup) = self.take_head();
            self.markdown = Some((head, annotations, markup, String::new()));
        }
        if let Some(md) = self.markdown.as_mut() {
            md.3.push_str(line);
        }
    }
}

/// Reads a `.livemd` file. Never fails: whatever is not a cell is kept as Markdown.
pub fn parse(text: &str) -> Notebook {
    let all = lines(text);
    let mut b = Builder { cells: vec![], head: String::new(), annotations: vec![], markup: None, markdown: None, seen_title: false };
    let mut k = 0;
    let mut force_markdown = false;
    let mut output_next = false;
    while k < all.len() {
        let line = all[k];
        if let Some(json) = comment_json(line, "livebook:") {
            let value: serde_json::Value = serde_json::from_str(json).unwrap_or(serde_json::Value::Null);
            if value.get("force_markdown") == Some(&serde_json::Value::Bool(true)) {
                force_markdown = true;
                b.markdown_line(line);
                k += 1;
                continue;
            }
            if value.get("output") == Some(&serde_json::Value::Bool(true)) && b.markdown.is_none() && b.head.is_empty() {
                output_next = true;
                b.append_after(line);
                k += 1;
                continue;
            }
            b.finish_markdown();
            b.head.push_str(line);
            b.annotations.push(value);
            k += 1;
            continue;
        }
        if let Some(json) = comment_json(line, "ectoplasm:") {
            b.finish_markdown();
            b.head.push_str(line);
            b.markup = serde_json::from_str::<Markup>(json).ok().or(b.markup.take());
            k += 1;
            continue;
        }
        if let Some((c, n, info)) = fence_open(line) {
            let end = (k + 1..all.len()).find(|&j| fence_closes(all[j], c, n));
            let inner_end = end.unwrap_or(all.len());
            let block_end = end.map_or(all.len(), |e| e + 1);
            let language = info.split_whitespace().next().unwrap_or("").to_string();
            if output_next {
                output_next = false;
                b.append_after(&all[k..block_end].concat());
                k = block_end;
                continue;
            }
            let code_language = matches!(language.as_str(), "elixir" | "erlang" | "python" | "pyproject.toml");
            if force_markdown || !code_language {
                force_markdown = false;
                for l in &all[k..block_end] {
                    b.markdown_line(l);
                }
                k = block_end;
                continue;
            }
            b.finish_markdown();
            let (mut head, annotations, markup) = b.take_head();
            head.push_str(line);
            let inner: String = all[k + 1..inner_end].concat();
            let closing: String = all[inner_end..block_end].concat();
            let (source, newline) = split_last_newline(&inner);
            let smart = annotations.iter().find(|a| a.get("livebook_object").and_then(|o| o.as_str()) == Some("smart_cell"));
            let mut cell = Cell::new(CellKind::Code, String::new());
            cell.language = language.clone();
            if let Some(smart) = smart {
                cell.kind = CellKind::ReadOnly;
                let kind = smart.get("kind").and_then(|k| k.as_str()).unwrap_or("a smart cell");
                cell.note = Some(format!(
                    "Livebook smart cell ({}): kept as written; its code is shown but smart cells do not run here.",
                    kind.trim_start_matches("Elixir.")
                ));
            } else if language != "elixir" {
                cell.kind = CellKind::ReadOnly;
                cell.note = Some(format!("{language} cell: kept as written; only Elixir cells run here."));
            }
            cell.annotations = annotations;
            cell.markup = markup;
            b.push(cell, head, source, format!("{newline}{closing}"));
            k = block_end;
            continue;
        }
        if let Some(level) = heading_level(line).filter(|l| *l == 2 || !b.seen_title) {
            b.finish_markdown();
            let (head, annotations, markup) = b.take_head();
            let (source, close) = split_last_newline(line);
            let mut cell = Cell::new(CellKind::Markdown, String::new());
            cell.heading = Some(level);
            cell.annotations = annotations;
            cell.markup = markup;
            b.seen_title |= level == 1;
            b.push(cell, head, source, close);
            k += 1;
            continue;
        }
        if is_blank(line) && b.markdown.is_none() {
            // Between elements: after the last cell, or before the first one.
            if b.head.is_empty() && !b.cells.is_empty() {
                b.append_after(line);
            } else {
                b.head.push_str(line);
            }
            k += 1;
            continue;
        }
        b.markdown_line(line);
        k += 1;
    }
    b.finish_markdown();
    let trailer = std::mem::take(&mut b.head);
    Notebook { cells: b.cells, trailer }
}

/// The longest run of `c` at the start of a line of `text`.
fn longest_fence_run(text: &str, c: char) -> usize {
    text.lines().map(|l| l.trim_start().chars().take_while(|x| *x == c).count()).max().unwrap_or(0)
}

/// Writes the notebook as a `.livemd` file.
pub fn write(nb: &Notebook) -> String {
    let mut out = String::new();
    for (k, cell) in nb.cells.iter().enumerate() {
        let last = k + 1 == nb.cells.len();
        match &cell.original {
            Some(o) if o.source == cell.source => {
                out.push_str(&o.head);
                out.push_str(&o.source);
                out.push_str(&o.close);
                out.push_str(&o.after);
            }
            Some(o) => {
                // Edited: the same head and separators around the new source.
                let fenced = cell.kind != CellKind::Markdown;
                if fenced {
                    let (head, close) = refence(&o.head, &o.close, &cell.source);
                    out.push_str(&head);
                    out.push_str(&cell.source);
                    if !cell.source.is_empty() && !close.starts_with('\n') && !close.starts_with("\r\n") {
                        out.push('\n');
                    }
                    if cell.source.is_empty() {
                        out.push_str(close.trim_start_matches(['\r', '\n']));
                    } else {
                        out.push_str(&close);
                    }
                } else {
                    out.push_str(&o.head);
                    out.push_str(&cell.source);
                    out.push_str(if o.close.is_empty() && !o.after.is_empty() { "\n" } else { &o.close });
                }
                out.push_str(&o.after);
            }
            None => write_new(&mut out, cell, last && nb.trailer.is_empty()),
        }
    }
    out.push_str(&nb.trailer);
    out
}

/// The opening and closing fence for `source`: longer than any backtick run in it.
fn refence(head: &str, close: &str, source: &str) -> (String, String) {
    let Some(open_line) = lines(head).last().copied() else { return (head.to_string(), close.to_string()) };
    let Some((c, n, _)) = fence_open(open_line) else { return (head.to_string(), close.to_string()) };
    let need = longest_fence_run(source, c) + 1;
    if need <= n {
        return (head.to_string(), close.to_string());
    }
    let longer = c.to_string().repeat(need);
    let old = c.to_string().repeat(n);
    let head = format!("{}{}", &head[..head.len() - open_line.len()], open_line.replacen(&old, &longer, 1));
    (head, close.replacen(&old, &longer, 1))
}

/// A cell made in the page, in Livebook's layout.
fn write_new(out: &mut String, cell: &Cell, last: bool) {
    if !out.is_empty() && !out.ends_with("\n\n") {
        out.push_str(if out.ends_with('\n') { "\n" } else { "\n\n" });
    }
    for a in &cell.annotations {
        out.push_str(&format!("<!-- livebook:{a} -->\n\n"));
    }
    if let Some(m) = &cell.markup {
        out.push_str(&format!("<!-- ectoplasm:{} -->\n", serde_json::to_string(m).unwrap_or_default()));
    }
    match cell.kind {
        CellKind::Markdown => {
            out.push_str(&cell.source);
            out.push('\n');
        }
        CellKind::Code | CellKind::ReadOnly => {
            let fence = "`".repeat((longest_fence_run(&cell.source, '`') + 1).max(3));
            let lang = if cell.language.is_empty() { "elixir" } else { &cell.language };
            out.push_str(&format!("{fence}{lang}\n"));
            out.push_str(&cell.source);
            if !cell.source.is_empty() {
                out.push('\n');
            }
            out.push_str(&fence);
            out.push('\n');
        }
    }
    if !last {
        out.push('\n');
    }
}

#[cfg(test)]
mod tests;

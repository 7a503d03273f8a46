//! Markdown cells rendered to HTML (CommonMark with GitHub's tables,
//! strikethrough, task lists and alerts, parsed by `pulldown-cmark`).
//!
//! The HTML is safe to insert into the page as it is, whatever the text:
//! - raw HTML in the Markdown is never passed through: it is shown as
//!   text (escaped), except HTML comments, which are dropped (they are
//!   invisible in every Markdown renderer, and Livebook's and lessons'
//!   annotations are comments);
//! - every text and attribute value is escaped;
//! - links and images keep only `http:`, `https:`, `mailto:` (links) and
//!   relative addresses; any other scheme (`javascript:`, `data:`,
//!   `vbscript:`, ...) drops the link (its text stays) or the image (its
//!   alt text stays);
//! - links to other pages open in a new tab (`target="_blank"`, so a
//!   notebook's unsaved run is never navigated away from) with
//!   `rel="noopener noreferrer"`; links within the page (`#...`) do not;
//! - images load lazily and send no referrer.
//!
//! GitHub's alerts (`> [!NOTE]`, `[!TIP]`, `[!IMPORTANT]`, `[!WARNING]`,
//! `[!CAUTION]`) become `<blockquote class="admonition KIND">` with a title.

use pulldown_cmark::{Alignment, BlockQuoteKind, CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// The Markdown of `src` as HTML (see the module's rules).
pub fn to_html(src: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS | Options::ENABLE_GFM;
    let mut w = Writer::default();
    for event in Parser::new_ext(src, options) {
        w.event(event);
    }
    w.out
}

#[derive(Default)]
struct Writer {
    out: String,
    /// For each open link: whether an `<a>` was written for it.
    links: Vec<bool>,
    /// Open images: their alt text is collected instead of written.
    image: Option<Image>,
    /// The open table's column alignments, whether in its head, and the cell index.
    table: Vec<Alignment>,
    in_head: bool,
    cell: usize,
    /// Raw HTML of the block being read (comments can span lines).
    html_block: Option<String>,
}

struct Image {
    /// The address when it is allowed.
    src: Option<String>,
    title: String,
    alt: String,
    /// Images nested in the alt text (only their text counts).
    depth: usize,
}

impl Writer {
    fn event(&mut self, event: Event<'_>) {
        if let Some(image) = &mut self.image {
            match event {
                Event::Start(Tag::Image { .. }) => image.depth += 1,
                Event::End(TagEnd::Image) if image.depth > 0 => image.depth -= 1,
                Event::End(TagEnd::Image) => self.end_image(),
                Event::Text(t) | Event::Code(t) | Event::InlineMath(t) | Event::DisplayMath(t) => image.alt.push_str(&t),
                Event::SoftBreak | Event::HardBreak => image.alt.push(' '),
                _ => {}
            }
            return;
        }
        if let Some(block) = &mut self.html_block {
            match event {
                Event::Html(t) | Event::Text(t) => {
                    block.push_str(&t);
                    return;
                }
                Event::End(TagEnd::HtmlBlock) => {
                    let block = self.html_block.take().unwrap_or_default();
                    let shown = without_comments(&block);
                    if !shown.trim().is_empty() {
                        self.out.push_str("<p class=\"raw-html\">");
                        escape_into(&mut self.out, shown.trim_end_matches('\n'));
                        self.out.push_str("</p>\n");
                    }
                    return;
                }
                _ => {
                    self.html_block = None;
                }
            }
        }
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(t) => escape_into(&mut self.out, &t),
            Event::Code(t) => {
                self.out.push_str("<code>");
                escape_into(&mut self.out, &t);
                self.out.push_str("</code>");
            }
            Event::InlineMath(t) => {
                self.out.push_str("<code class=\"math\">");
                escape_into(&mut self.out, &t);
                self.out.push_str("</code>");
            }
            Event::DisplayMath(t) => {
                self.out.push_str("<pre class=\"math\"><code>");
                escape_into(&mut self.out, &t);
                self.out.push_str("</code></pre>");
            }
            Event::Html(t) | Event::InlineHtml(t) => escape_into(&mut self.out, &without_comments(&t)),
            Event::FootnoteReference(t) => {
                self.out.push_str("<sup>");
                escape_into(&mut self.out, &t);
                self.out.push_str("</sup>");
            }
            Event::SoftBreak => self.out.push('\n'),
            Event::HardBreak => self.out.push_str("<br>\n"),
            Event::Rule => self.out.push_str("<hr>\n"),
            Event::TaskListMarker(done) => {
                self.out.push_str(if done { "<input type=\"checkbox\" disabled checked> " } else { "<input type=\"checkbox\" disabled> " })
            }
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        let out = &mut self.out;
        match tag {
            Tag::Paragraph => out.push_str("<p>"),
            Tag::Heading { level, .. } => {
                out.push('<');
                out.push_str(heading(level));
                out.push('>');
            }
            Tag::BlockQuote(None) => out.push_str("<blockquote>\n"),
            Tag::BlockQuote(Some(kind)) => {
                let (class, title) = admonition(kind);
                out.push_str("<blockquote class=\"admonition ");
                out.push_str(class);
                out.push_str("\">\n<p class=\"admonition-title\">");
                out.push_str(title);
                out.push_str("</p>\n");
            }
            Tag::CodeBlock(kind) => {
                let lang = match &kind {
                    CodeBlockKind::Fenced(info) => info.split(|c: char| c.is_whitespace() || c == ',').next().unwrap_or(""),
                    CodeBlockKind::Indented => "",
                };
                if lang.is_empty() {
                    out.push_str("<pre><code>");
                } else {
                    out.push_str("<pre><code class=\"language-");
                    escape_into(out, lang);
                    out.push_str("\">");
                }
            }
            Tag::HtmlBlock => self.html_block = Some(String::new()),
            Tag::List(Some(1)) => out.push_str("<ol>\n"),
            Tag::List(Some(start)) => {
                out.push_str("<ol start=\"");
                out.push_str(&start.to_string());
                out.push_str("\">\n");
            }
            Tag::List(None) => out.push_str("<ul>\n"),
            Tag::Item => out.push_str("<li>"),
            Tag::FootnoteDefinition(name) => {
                out.push_str("<div class=\"footnote\"><sup>");
                escape_into(out, &name);
                out.push_str("</sup>");
            }
            Tag::DefinitionList => out.push_str("<dl>\n"),
            Tag::DefinitionListTitle => out.push_str("<dt>"),
            Tag::DefinitionListDefinition => out.push_str("<dd>"),
            Tag::Table(alignments) => {
                self.table = alignments;
                out.push_str("<table>\n");
            }
            Tag::TableHead => {
                self.in_head = true;
                self.cell = 0;
                out.push_str("<thead>\n<tr>");
            }
            Tag::TableRow => {
                self.cell = 0;
                out.push_str("<tr>");
            }
            Tag::TableCell => {
                out.push_str(if self.in_head { "<th" } else { "<td" });
                match self.table.get(self.cell) {
                    Some(Alignment::Left) => out.push_str(" style=\"text-align: left\""),
                    Some(Alignment::Center) => out.push_str(" style=\"text-align: center\""),
                    Some(Alignment::Right) => out.push_str(" style=\"text-align: right\""),
                    Some(Alignment::None) | None => {}
                }
                out.push('>');
            }
            Tag::Emphasis => out.push_str("<em>"),
            Tag::Strong => out.push_str("<strong>"),
            Tag::Strikethrough => out.push_str("<del>"),
            Tag::Superscript => out.push_str("<sup>"),
            Tag::Subscript => out.push_str("<sub>"),
            Tag::Link { dest_url, title, .. } => {
                let allowed = safe_url(&dest_url, true);
                self.links.push(allowed.is_some());
                if let Some(href) = allowed {
                    out.push_str("<a href=\"");
                    escape_into(out, href);
                    out.push('"');
                    if !title.is_empty() {
                        out.push_str(" title=\"");
                        escape_into(out, &title);
                        out.push('"');
                    }
                    if !href.starts_with('#') {
                        out.push_str(" target=\"_blank\"");
                    }
                    out.push_str(" rel=\"noopener noreferrer\">");
                }
            }
            Tag::Image { dest_url, title, .. } => {
                self.image = Some(Image {
                    src: safe_url(&dest_url, false).map(str::to_string),
                    title: title.to_string(),
                    alt: String::new(),
                    depth: 0,
                });
            }
            Tag::MetadataBlock(_) => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        let out = &mut self.out;
        match tag {
            TagEnd::Paragraph => out.push_str("</p>\n"),
            TagEnd::Heading(level) => {
                out.push_str("</");
                out.push_str(heading(level));
                out.push_str(">\n");
            }
            TagEnd::BlockQuote(_) => out.push_str("</blockquote>\n"),
            TagEnd::CodeBlock => out.push_str("</code></pre>\n"),
            TagEnd::HtmlBlock => {}
            TagEnd::List(true) => out.push_str("</ol>\n"),
            TagEnd::List(false) => out.push_str("</ul>\n"),
            TagEnd::Item => out.push_str("</li>\n"),
            TagEnd::FootnoteDefinition => out.push_str("</div>\n"),
            TagEnd::DefinitionList => out.push_str("</dl>\n"),
            TagEnd::DefinitionListTitle => out.push_str("</dt>\n"),
            TagEnd::DefinitionListDefinition => out.push_str("</dd>\n"),
            TagEnd::Table => {
                out.push_str("</tbody>\n</table>\n");
                self.table.clear();
            }
            TagEnd::TableHead => {
                self.in_head = false;
                out.push_str("</tr>\n</thead>\n<tbody>\n");
            }
            TagEnd::TableRow => out.push_str("</tr>\n"),
            TagEnd::TableCell => {
                out.push_str(if self.in_head { "</th>" } else { "</td>" });
                self.cell += 1;
            }
            TagEnd::Emphasis => out.push_str("</em>"),
            TagEnd::Strong => out.push_str("</strong>"),
            TagEnd::Strikethrough => out.push_str("</del>"),
            TagEnd::Superscript => out.push_str("</sup>"),
            TagEnd::Subscript => out.push_str("</sub>"),
            TagEnd::Link => {
                if self.links.pop() == Some(true) {
                    out.push_str("</a>");
                }
            }
            TagEnd::Image => self.end_image(),
            TagEnd::MetadataBlock(_) => {}
        }
    }

    fn end_image(&mut self) {
        let Some(image) = self.image.take() else { return };
        let out = &mut self.out;
        match image.src {
            Some(src) => {
                out.push_str("<img src=\"");
                escape_into(out, &src);
                out.push_str("\" alt=\"");
                escape_into(out, &image.alt);
                out.push('"');
                if !image.title.is_empty() {
                    out.push_str(" title=\"");
                    escape_into(out, &image.title);
                    out.push('"');
                }
                out.push_str(" loading=\"lazy\" referrerpolicy=\"no-referrer\">");
            }
            None => escape_into(out, &image.alt),
        }
    }
}

fn heading(level: HeadingLevel) -> &'static str {
    match level {
        HeadingLevel::H1 => "h1",
        HeadingLevel::H2 => "h2",
        HeadingLevel::H3 => "h3",
        HeadingLevel::H4 => "h4",
        HeadingLevel::H5 => "h5",
        HeadingLevel::H6 => "h6",
    }
}

fn admonition(kind: BlockQuoteKind) -> (&'static str, &'static str) {
    match kind {
        BlockQuoteKind::Note => ("note", "Note"),
        BlockQuoteKind::Tip => ("tip", "Tip"),
        BlockQuoteKind::Important => ("important", "Important"),
        BlockQuoteKind::Warning => ("warning", "Warning"),
        BlockQuoteKind::Caution => ("caution", "Caution"),
    }
}

/// `url` when a link (`link`) or an image may point there: `http:`,
/// `https:` (and `mailto:` for links), or an address without a scheme.
/// Browsers ignore tabs and line breaks inside a scheme and spaces before
/// it, so those are looked through when reading the scheme.
fn safe_url(url: &str, link: bool) -> Option<&str> {
    let scheme: String = url
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .take_while(|c| !matches!(c, ':' | '/' | '?' | '#'))
        .collect();
    let has_scheme =
        url.trim_start_matches(|c: char| c <= ' ').chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).nth(scheme.chars().count())
            == Some(':');
    if !has_scheme {
        return Some(url);
    }
    match scheme.to_ascii_lowercase().as_str() {
        "http" | "https" => Some(url),
        "mailto" if link => Some(url),
        _ => None,
    }
}

/// `html` without its `<!-- ... -->` comments (an unclosed one runs to the end).
fn without_comments(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find("<!--") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 4..];
        match after.find("-->") {
            Some(end) => rest = &after[end + 3..],
            None => return out,
        }
    }
    out.push_str(rest);
    out
}

/// Appends `text` with `& < > " '` escaped.
fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::to_html;

    #[test]
    fn headings_lists_and_emphasis() {
        let html = to_html("# Title\n\n## Part *one*\n\n- a\n- **b**\n\n3. x\n4. y\n");
        assert_eq!(
            html,
            "<h1>Title</h1>\n<h2>Part <em>one</em></h2>\n<ul>\n<li>a</li>\n<li><strong>b</strong></li>\n</ul>\n<ol start=\"3\">\n<li>x</li>\n<li>y</li>\n</ol>\n"
        );
    }

    #[test]
    fn links_open_safely() {
        let html = to_html("[Ecto](https://hexdocs.pm/ecto \"docs\") and [top](#top)");
        assert_eq!(
            html,
            "<p><a href=\"https://hexdocs.pm/ecto\" title=\"docs\" target=\"_blank\" rel=\"noopener noreferrer\">Ecto</a> and <a href=\"#top\" rel=\"noopener noreferrer\">top</a></p>\n"
        );
    }

    #[test]
    fn dangerous_schemes_are_dropped() {
        for url in ["javascript:alert(1)", "JavaScript:alert(1)", " java\tscript:alert(1)", "vbscript:x", "data:text/html,<b>x</b>"] {
            let html = to_html(&format!("[click](<{url}>) ![pic](<{url}>)"));
            assert!(!html.contains("<a"), "{url}: {html}");
            assert!(!html.contains("<img"), "{url}: {html}");
            assert!(html.contains("click") && html.contains("pic"), "{url}: {html}");
        }
        let html = to_html("<javascript:alert(1)>");
        assert!(!html.contains("href"), "{html}");
        // mailto is a link, not an image.
        assert!(to_html("[me](mailto:a@b.c)").contains("href=\"mailto:a@b.c\""));
        assert!(!to_html("![me](mailto:a@b.c)").contains("<img"));
    }

    #[test]
    fn raw_html_is_escaped_and_comments_dropped() {
        let html = to_html("<script>alert(1)</script>\n\nHi <b onclick=\"x\">there</b> <!-- hidden -->\n");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<b "), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{html}");
        assert!(html.contains("&lt;b onclick=&quot;x&quot;&gt;there&lt;/b&gt;"), "{html}");
        assert!(!html.contains("hidden"), "{html}");
        let html = to_html("<!-- ectoplasm:{\"exercise\":\"a\",\"role\":\"hint\"} -->\nUse a join.\n");
        assert_eq!(html, "<p>Use a join.</p>\n");
        let html = to_html("<!--\nline one\nline two\n-->\n\nText");
        assert_eq!(html, "<p>Text</p>\n");
        let html = to_html("<div>\n<img src=x onerror=alert(1)>\n</div>\n");
        assert!(!html.contains("<img") && !html.contains("<div"), "{html}");
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"), "{html}");
    }

    #[test]
    fn code_inline_and_fenced() {
        let html = to_html("Use `Repo.all/1`.\n\n```elixir\nfrom p in \"posts\" <> \"x\"\n```\n");
        assert_eq!(
            html,
            "<p>Use <code>Repo.all/1</code>.</p>\n<pre><code class=\"language-elixir\">from p in &quot;posts&quot; &lt;&gt; &quot;x&quot;\n</code></pre>\n"
        );
        let html = to_html("```\"><script>\nx\n```\n");
        assert!(!html.contains("<script"), "{html}");
    }

    #[test]
    fn tables_with_alignment() {
        let html = to_html("| a | b |\n|:--|--:|\n| 1 | <i>2</i> |\n");
        assert_eq!(
            html,
            "<table>\n<thead>\n<tr><th style=\"text-align: left\">a</th><th style=\"text-align: right\">b</th></tr>\n</thead>\n<tbody>\n<tr><td style=\"text-align: left\">1</td><td style=\"text-align: right\">&lt;i&gt;2&lt;/i&gt;</td></tr>\n</tbody>\n</table>\n"
        );
    }

    #[test]
    fn images_by_url() {
        let html = to_html("![An *ER* diagram](https://example.com/er.png \"ER\")");
        assert_eq!(
            html,
            "<p><img src=\"https://example.com/er.png\" alt=\"An ER diagram\" title=\"ER\" loading=\"lazy\" referrerpolicy=\"no-referrer\"></p>\n"
        );
        let html = to_html("![x\" onerror=\"alert(1)](pic.png)");
        assert!(html.contains("alt=\"x&quot; onerror=&quot;alert(1)\""), "{html}");
    }

    #[test]
    fn blockquotes_and_admonitions() {
        assert_eq!(to_html("> quoted\n"), "<blockquote>\n<p>quoted</p>\n</blockquote>\n");
        assert_eq!(
            to_html("> [!WARNING]\n> Back up first.\n"),
            "<blockquote class=\"admonition warning\">\n<p class=\"admonition-title\">Warning</p>\n<p>Back up first.</p>\n</blockquote>\n"
        );
    }

    #[test]
    fn task_lists_and_breaks() {
        let html = to_html("- [x] done\n- [ ] todo\n\nline  \nnext\n\n---\n");
        assert!(html.contains("<input type=\"checkbox\" disabled checked> done"), "{html}");
        assert!(html.contains("<input type=\"checkbox\" disabled> todo"), "{html}");
        assert!(html.contains("line<br>\nnext"), "{html}");
        assert!(html.ends_with("<hr>\n"), "{html}");
    }

    #[test]
    fn hostile_input_never_panics() {
        let mut inputs: Vec<String> =
            ["", "[", "![", "![a](", "<!--", "| a |\n|", "> [!NOTE]", "```", "\u{0}\u{feff}é😀"].iter().map(|s| s.to_string()).collect();
        for piece in ["*", "[", ">", "- ", "![", "<!--"] {
            inputs.push(piece.repeat(5_000));
        }
        for input in inputs {
            let html = to_html(&input);
            assert!(!html.contains("<script"));
        }
    }
}

use super::*;

const HANDWRITTEN: &str = include_str!("../testdata/handwritten.livemd");

fn kinds(nb: &Notebook) -> Vec<String> {
    nb.cells
        .iter()
        .map(|c| match (c.kind, c.heading) {
            (_, Some(l)) => format!("h{l}:{}", c.heading_text().unwrap_or("")),
            (CellKind::Markdown, None) => format!("md:{}", c.source.lines().next().unwrap_or("")),
            (CellKind::Code, None) => format!("code:{}", c.source.lines().next().unwrap_or("")),
            (CellKind::ReadOnly, None) => format!("ro:{}", c.language),
        })
        .collect()
}

#[test]
fn handwritten_file_cells() {
    let nb = parse(HANDWRITTEN);
    assert_eq!(
        kinds(&nb),
        [
            "h1:Orders workshop",
            "code:Mix.install([",
            "h2:Schemas",
            "md:Some *prose* with a list:",
            "md:A second Markdown cell.",
            "code:defmodule Shop.Order do",
            "h2:Exercise",
            "ro:elixir",
            "code:defmodule Shop do",
            "md:Use `Enum.sum/1`.",
            "code:defmodule Shop do",
            "code:ExUnit.start(autorun: false)",
            "ro:erlang",
        ]
    );
    assert_eq!(nb.title(), Some("Orders workshop"));
    assert_eq!(nb.mix_install_cells(), vec![1]);
    // The notebook-level annotation stays with the title, the lesson flag with the section after it.
    assert_eq!(nb.cells[0].annotations[0]["autosave_interval_s"], 30);
    assert_eq!(nb.cells[2].markup.as_ref().and_then(|m| m.lesson), Some(true));
    assert_eq!(nb.cells[2].markup.as_ref().and_then(|m| m.solutions.as_deref()), Some("locked"));
    // force_markdown keeps the fence in the Markdown; sql fences are Markdown.
    assert!(nb.cells[3].source.contains("```sql") && nb.cells[3].source.contains("# shown, never run"));
    assert_eq!(nb.cells[4].annotations[0]["break_markdown"], true);
    assert_eq!(nb.cells[5].annotations[0]["reevaluate_automatically"], true);
    // The saved output stays after its cell.
    assert!(nb.cells[5].original.as_ref().is_some_and(|o| o.after.contains("{:module, Shop.Order")));
    assert!(nb.cells[7].note.as_deref().is_some_and(|n| n.contains("KinoDB.SQLCell")));
    assert_eq!(nb.cells[8].markup.as_ref().and_then(|m| m.role.as_deref()), Some("starter"));
    assert_eq!(nb.cells[9].markup.as_ref().and_then(|m| m.role.as_deref()), Some("hint"));
    assert_eq!(nb.cells[12].note.as_deref(), Some("erlang cell: kept as written; only Elixir cells run here."));
}

#[test]
fn unchanged_round_trip_is_byte_equal() {
    assert_eq!(write(&parse(HANDWRITTEN)), HANDWRITTEN);
}

#[test]
fn an_edit_changes_only_that_cell() {
    let mut nb = parse(HANDWRITTEN);
    nb.cells[8].source = "defmodule Shop do\n  def total(items), do: Enum.sum(items)\nend".to_string();
    let out = write(&nb);
    let want = HANDWRITTEN.replacen("  def total(items), do: 0\n", "  def total(items), do: Enum.sum(items)\n", 1);
    assert_eq!(out, want);
    // A Markdown edit, an emptied code cell, a new cell at the end.
    nb.cells[4].source = "Changed.".to_string();
    nb.cells[12].source = String::new();
    nb.cells.push(Cell::new(CellKind::Code, "1 + 1"));
    let out = write(&nb);
    assert!(out.contains("\n\nChanged.\n\n<!-- livebook:{\"reevaluate_automatically\":true} -->"), "{out}");
    assert!(out.ends_with("```erlang\n```\n\n```elixir\n1 + 1\n```\n"), "{out}");
    let again = parse(&out);
    assert_eq!(again.cells.len(), nb.cells.len());
    assert_eq!(again.cells.last().map(|c| c.source.as_str()), Some("1 + 1"));
}

#[test]
fn a_fence_inside_edited_code_gets_a_longer_fence() {
    let mut nb = parse("```elixir\n1\n```\n");
    nb.cells[0].source = "s = \"\"\"\n```\n\"\"\"".to_string();
    let out = write(&nb);
    assert_eq!(out, "````elixir\ns = \"\"\"\n```\n\"\"\"\n````\n");
    assert_eq!(parse(&out).cells[0].source, nb.cells[0].source);
}

#[test]
fn odd_inputs_round_trip() {
    let samples = [
        "",
        "\n\n",
        "no heading, just text",
        "# T\n```elixir\nunclosed",
        "```elixir\n```",
        "<!-- livebook:{broken json -->\n# T\n",
        "<!-- ectoplasm:{\"exercise\":\"a\",\"role\":\"starter\"} -->",
        "# A\r\n\r\n```elixir\r\n:crlf\r\n```\r\n",
        "## S\n### three\n# second h1 is markdown\n",
        "   ```elixir\nindented\n   ```\n\ttab\n",
        "~~~elixir\n:tilde\n~~~\n````\n```elixir\nnot code\n```\n````\n",
        "<!-- livebook:{\"output\":true} -->\n```\nout\n```\n",
        "text\n<!-- ectoplasm:{\"exercise\":\"x\",\"role\":\"hint\"} -->\nhint\n```elixir\n:a\n```\n",
    ];
    for s in samples {
        assert_eq!(write(&parse(s)), s, "round trip of {s:?}");
    }
}

#[test]
fn generated_inputs_round_trip() {
    // Every sequence of these pieces, up to length 4, reads and writes back unchanged.
    let pieces = [
        "# Title\n",
        "## Section\n",
        "\n",
        "text\n",
        "```elixir\n:a\n```\n",
        "<!-- livebook:{\"x\":1} -->\n",
        "<!-- ectoplasm:{\"locked\":true} -->\n",
        "```\nplain\n```\n",
        "```elixir\n",
        "no newline",
    ];
    let mut stack: Vec<(String, usize)> = vec![(String::new(), 0)];
    let mut count = 0;
    while let Some((s, depth)) = stack.pop() {
        assert_eq!(write(&parse(&s)), s, "round trip of {s:?}");
        count += 1;
        if depth < 4 {
            for p in pieces {
                stack.push((format!("{s}{p}"), depth + 1));
            }
        }
    }
    assert!(count > 1000);
}

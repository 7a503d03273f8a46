//! A cell's results: printed output, the error, a table for lists of
//! structs or maps, and the value as IEx's `inspect` shows it. All text.

use leptos::prelude::*;

use super::state::CellModel;
use crate::backend::{CellRun, ResultTable};

/// Rows rendered per table; the rest are counted.
const MAX_ROWS: usize = 500;

#[component]
pub fn ResultView(cell: CellModel) -> impl IntoView {
    view! {
        <div class="cell-result" data-testid="cell-result" aria-live="polite">
            {move || cell.result.get().map(|run| view! { <RunView run=run/> })}
        </div>
    }
}

#[component]
fn RunView(run: CellRun) -> impl IntoView {
    let CellRun { output, diagnostics, inspect, table, stopped, .. } = run;
    let stopped = stopped.map(|m| view! { <p class="error" data-testid="cell-stopped" role="alert">{m}</p> });
    let output = (!output.is_empty()).then(|| {
        view! {
            <div class="output">
                <span class="label">"Output"</span>
                <pre data-testid="cell-output">{output}</pre>
            </div>
        }
    });
    // Notes (`Mix.install/2`'s, for one) are information, not errors.
    let (notes, diagnostics): (Vec<_>, Vec<_>) = diagnostics.into_iter().partition(|d| d.severity == "info");
    let notes = (!notes.is_empty()).then(|| {
        let items = notes.into_iter().map(|d| view! { <p class="message">{d.message}</p> }).collect_view();
        view! { <div class="note" data-testid="cell-note">{items}</div> }
    });
    let errors = (!diagnostics.is_empty()).then(|| {
        let items = diagnostics
            .into_iter()
            .map(|d| {
                let at = format!(" (line {}, column {})", d.from.0 + 1, d.from.1 + 1);
                view! {
                    <p>
                        <strong>{format!("** ({}) ", d.kind)}</strong>
                        <span class="message">{d.message}</span>
                        <span class="muted">{at}</span>
                    </p>
                    {d.hint.map(|h| view! { <p class="hint">{h}</p> })}
                }
            })
            .collect_view();
        view! { <div class="error" data-testid="cell-error" role="alert">{items}</div> }
    });
    let has_table = table.is_some();
    let table = table.map(|t| view! { <Table table=t/> });
    let inspect = inspect.map(|text| {
        if has_table {
            view! {
                <details class="inspect">
                    <summary data-testid="cell-inspect-toggle">"inspect"</summary>
                    <pre data-testid="cell-inspect">{text}</pre>
                </details>
            }
            .into_any()
        } else {
            view! { <pre class="inspect" data-testid="cell-inspect">{text}</pre> }.into_any()
        }
    });
    view! { {stopped} {notes} {output} {errors} {table} {inspect} }
}

#[component]
fn Table(table: ResultTable) -> impl IntoView {
    let total = table.rows.len();
    let caption = if total == 1 { "1 row".to_string() } else { format!("{total} rows") };
    let hidden = total.saturating_sub(MAX_ROWS);
    let head = table.columns.into_iter().map(|c| view! { <th scope="col">{c}</th> }).collect_view();
    let body = table
        .rows
        .into_iter()
        .take(MAX_ROWS)
        .map(|row| {
            let cells = row
                .into_iter()
                .map(|v| {
                    let class = if v == "nil" {
                        "null"
                    } else if v.parse::<f64>().is_ok() {
                        "num"
                    } else {
                        ""
                    };
                    view! { <td class=class>{v}</td> }
                })
                .collect_view();
            view! { <tr>{cells}</tr> }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table data-testid="result-table">
                <caption>{caption}</caption>
                <thead><tr>{head}</tr></thead>
                <tbody>{body}</tbody>
            </table>
        </div>
        {(hidden > 0).then(|| view! { <p class="muted">{format!("… {hidden} more rows not shown")}</p> })}
    }
}

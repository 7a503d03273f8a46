//! One cell: a header (number, title, query count, run button), the code
//! editor and the cell's results.

use std::rc::Rc;

use leptos::html::Div;
use leptos::prelude::*;

use super::result::ResultView;
use super::state::{CellModel, CellState, Nb};
use crate::editor::{Callbacks, CompleteFn, Editor};

#[component]
pub fn CellView(cell: CellModel) -> impl IntoView {
    let nb = expect_context::<Nb>();
    let id = cell.id;
    let number = move || nb.cells.with(|cs| cs.iter().position(|c| c.id == id)).map_or(0, |p| p + 1);
    let title = move || cell.title.get().unwrap_or_else(|| format!("Cell {}", number()));
    let host = NodeRef::<Div>::new();
    let editor_error = RwSignal::new(None::<String>);

    Effect::new(move |created: Option<bool>| {
        if created == Some(true) {
            return true;
        }
        let Some(el) = host.get() else { return false };
        let complete: CompleteFn = Rc::new(move |src, pos| {
            let backend = nb.backend_handle();
            Box::pin(async move {
                match backend {
                    Some(b) => b.complete(src, pos).await,
                    None => None,
                }
            })
        });
        let callbacks = Callbacks {
            on_change: Box::new(move |text| nb.changed(id, text)),
            on_cursor: Box::new(move |pos| nb.cursor(id, pos)),
            on_run: Box::new(move || nb.run_cell(id, false)),
            on_run_next: Box::new(move || nb.run_cell(id, true)),
            on_focus: Box::new(move || nb.active.set(Some(id))),
            on_hover: Box::new(move |pos| nb.hover_at(id, pos)),
            complete,
        };
        let label = format!("Code of cell {}", number());
        match Editor::with_read_only(&el, &cell.source.get_untracked(), &label, nb.readonly.get_untracked(), callbacks) {
            Ok(editor) => nb.register_editor(id, Rc::new(editor)),
            Err(e) => editor_error.set(Some(e)),
        }
        true
    });
    on_cleanup(move || nb.unregister_editor(id));

    let queries = move || cell.result.with(|r| r.as_ref().map(|r| (r.query_count, r.repeated.clone(), r.elapsed_ms)));
    view! {
        <section
            class="cell"
            class:active=move || nb.active.get() == Some(id)
            data-testid="cell"
            data-index=move || number().saturating_sub(1)
            data-state=move || cell.state.get().name()
            data-edited=move || cell.edited.get().to_string()
            aria-label=move || format!("Cell {}: {}", number(), title())
        >
            <header class="cell-head">
                <span class="cell-number" aria-hidden="true">{move || format!("[{}]", number())}</span>
                <h3 class="cell-title" data-testid="cell-title">{title}</h3>
                <span class="cell-meta">
                    {move || queries().map(|(n, repeated, ms)| {
                        let label = if n == 1 { "1 query".to_string() } else { format!("{n} queries") };
                        let warn = repeated.is_some();
                        let hint = repeated
                            .map(|r| format!("{}\n{}", r.message, r.sql))
                            .unwrap_or_else(|| "SQL queries this cell sent (begin/commit not counted)".to_string());
                        view! {
                            <span class="badge" class:warn=warn data-testid="cell-query-count" title=hint>{label}</span>
                            <span class="muted time" data-testid="cell-time">{format!("{ms:.1} ms")}</span>
                        }
                    })}
                    {move || (cell.edited.get()).then(|| view! { <span class="badge muted" title="Edited since it last ran">"edited"</span> })}
                </span>
                <button
                    type="button"
                    class="btn run"
                    data-testid="cell-run"
                    aria-keyshortcuts="Control+Enter Meta+Enter"
                    aria-label=move || format!("Run cell {}", number())
                    title="Run this cell (and any earlier cells not run yet)"
                    disabled=move || !nb.status.get().is_ready()
                    on:click=move |_| nb.run_cell(id, false)
                >
                    {move || if cell.state.get() == CellState::Queued { "Running…" } else { "▶ Run" }}
                </button>
                <button
                    type="button"
                    class="btn icon"
                    hidden=move || nb.readonly.get()
                    data-testid="cell-delete"
                    aria-label=move || format!("Delete cell {}", number())
                    title="Delete this cell"
                    on:click=move |_| nb.delete_cell(id)
                >
                    "✕"
                </button>
            </header>
            <div class="cell-editor" data-testid="cell-editor" node_ref=host></div>
            {move || editor_error.get().map(|e| view! { <p class="error" role="alert">{format!("The editor failed to start: {e}")}</p> })}
            {move || cell.result.with(|r| r.as_ref().and_then(|r| r.repeated.clone())).map(|r| {
                // Hovering the warning marks the Repo call that sent the query.
                let span: Vec<(u32, u32)> = r.span.into_iter().collect();
                view! {
                    <p class="warn-text n-plus-one" data-testid="n-plus-one" data-line=r.span.is_some().to_string()
                        on:mouseenter=move |_| nb.mark_clauses(id, &span)
                        on:mouseleave=move |_| nb.mark_clauses(id, &[])>{r.message}</p>
                }
            })}
            <ResultView cell=cell/>
        </section>
    }
}

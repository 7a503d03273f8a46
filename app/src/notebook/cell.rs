//! One cell: a header (number, title, query count, run button), the code
//! editor and the cell's results; or a Markdown cell, shown rendered and
//! edited as text.

use std::rc::Rc;

use leptos::html::{Div, Textarea};
use leptos::prelude::*;

use super::lesson::ExerciseBar;
use super::result::ResultView;
use super::state::{CellModel, CellState, Nb};
use crate::editor::{Callbacks, CompleteFn, Editor};

/// A cell of either kind.
#[component]
pub fn AnyCellView(cell: CellModel) -> impl IntoView {
    if cell.kind.is_code() {
        view! { <CellView cell=cell/> }.into_any()
    } else {
        view! { <MarkdownCellView cell=cell/> }.into_any()
    }
}

/// A Markdown cell: the engine's HTML (raw HTML in the text escaped,
/// unsafe links dropped: `engine::markdown`), the text in a textarea while
/// edited. Double-click (or Edit) edits; leaving the textarea, Escape or
/// Ctrl+Enter shows it rendered again.
#[component]
pub fn MarkdownCellView(cell: CellModel) -> impl IntoView {
    let nb = expect_context::<Nb>();
    let id = cell.id;
    let area = NodeRef::<Textarea>::new();
    let can_edit = move || !nb.readonly.get();
    let edit = move || {
        if can_edit() {
            cell.editing.set(true);
        }
    };
    // Focus the textarea when editing starts.
    Effect::new(move |_| {
        if cell.editing.get() {
            if let Some(el) = area.get() {
                let _ = el.focus();
            }
        }
    });
    let rendered = move || {
        let source = cell.source.get();
        let html = cell.html.with(|h| h.as_ref().filter(|(for_source, _)| *for_source == source).map(|(_, html)| html.clone()));
        match html {
            _ if source.trim().is_empty() => {
                view! { <p class="muted markdown-empty">"Empty Markdown cell: double-click to write."</p> }.into_any()
            }
            Some(html) => view! { <div class="markdown-body" inner_html=html></div> }.into_any(),
            // Until the engine has rendered it: the text as it is.
            None => view! { <pre class="markdown-source">{source}</pre> }.into_any(),
        }
    };
    view! {
        <section class="cell markdown-cell" data-testid="markdown-cell" data-editing=move || cell.editing.get().to_string()
            data-role=cell.role.with_value(|r| r.as_ref().and_then(|r| r.role.clone())).unwrap_or_default()
            class:active=move || nb.active.get() == Some(id)>
            <div class="markdown-tools" hidden=move || !can_edit()>
                <button type="button" class="btn icon small" data-testid="markdown-edit" title="Edit this Markdown cell"
                    aria-label="Edit this Markdown cell"
                    hidden=move || cell.editing.get()
                    on:click=move |_| edit()>"✎"</button>
                <button type="button" class="btn icon small" data-testid="cell-delete" title="Delete this cell"
                    aria-label="Delete this Markdown cell"
                    on:click=move |_| nb.delete_cell(id)>"✕"</button>
            </div>
            {move || if cell.editing.get() {
                view! {
                    <textarea class="markdown-editor" data-testid="markdown-editor" node_ref=area
                        aria-label="Markdown text (Escape or Ctrl+Enter shows it rendered)"
                        rows=move || cell.source.with(|s| s.lines().count().clamp(3, 30)).to_string()
                        prop:value=move || cell.source.get_untracked()
                        on:input:target=move |ev| nb.markdown_changed(id, ev.target().value())
                        on:blur=move |_| nb.finish_markdown(id)
                        on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                            if ev.key() == "Escape" || (ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key())) {
                                ev.prevent_default();
                                nb.finish_markdown(id);
                            }
                        }></textarea>
                }.into_any()
            } else {
                view! {
                    <div class="markdown-view" on:dblclick=move |_| edit()
                        title=move || if can_edit() { "Double-click to edit" } else { "" }>{rendered}</div>
                }.into_any()
            }}
        </section>
    }
}

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
        let read_only = nb.readonly.get_untracked() || cell.read_only();
        // Built in a task of its own: a CodeMirror view costs the browser a
        // layout of the page, and a notebook opening with many cells would
        // otherwise hold the page (and the engine's "ready") until all are
        // built. The text is read when the editor is built; a cell gone by
        // then gets none.
        let create = move || {
            let Some(source) = cell.source.try_get_untracked() else { return };
            if !el.is_connected() {
                return;
            }
            match Editor::with_read_only(&el, &source, &label, read_only, callbacks) {
                Ok(editor) => nb.register_editor(id, Rc::new(editor)),
                Err(e) => {
                    editor_error.try_set(Some(e));
                }
            }
        };
        set_timeout(create, std::time::Duration::ZERO);
        true
    });
    on_cleanup(move || nb.unregister_editor(id));

    let queries = move || cell.result.with(|r| r.as_ref().map(|r| (r.query_count, r.repeated.clone(), r.elapsed_ms)));
    let role = cell.role.get_value();
    // What the cell is in a lesson, in a word.
    let badge = role.as_ref().and_then(|r| {
        if r.inert {
            Some("read-only")
        } else if r.is("test") {
            Some("tests")
        } else if r.is("solution") {
            Some("solution")
        } else if r.is("starter") {
            Some("exercise")
        } else if r.locked {
            Some("locked")
        } else {
            None
        }
    });
    let note = role.as_ref().and_then(|r| r.note.clone());
    let exercise = role.as_ref().filter(|r| r.is("starter")).and_then(|r| r.exercise.clone());
    let runnable = !role.as_ref().is_some_and(|r| r.inert);
    let fixed = role.as_ref().is_some_and(|r| r.exercise.is_some() || r.locked);
    view! {
        <section
            class="cell"
            class:active=move || nb.active.get() == Some(id)
            data-testid="cell"
            data-index=move || number().saturating_sub(1)
            data-state=move || cell.state.get().name()
            data-edited=move || cell.edited.get().to_string()
            data-role=badge.unwrap_or("")
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
                    {badge.map(|b| view! { <span class="badge role" data-testid="cell-role">{b}</span> })}
                </span>
                <button
                    type="button"
                    class="btn run"
                    data-testid="cell-run"
                    aria-keyshortcuts="Control+Enter Meta+Enter"
                    aria-label=move || format!("Run cell {}", number())
                    title="Run this cell (and any earlier cells not run yet)"
                    hidden=!runnable
                    disabled=move || !nb.status.get().is_ready()
                    on:click=move |_| nb.run_cell(id, false)
                >
                    {move || if cell.state.get() == CellState::Queued { "Running…" } else { "▶ Run" }}
                </button>
                <button
                    type="button"
                    class="btn icon"
                    hidden=move || nb.readonly.get() || fixed
                    data-testid="cell-delete"
                    aria-label=move || format!("Delete cell {}", number())
                    title="Delete this cell"
                    on:click=move |_| nb.delete_cell(id)
                >
                    "✕"
                </button>
            </header>
            {note.map(|n| view! { <p class="cell-note muted" data-testid="cell-note">{n}</p> })}
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
            {move || exercise.clone().filter(|_| nb.lesson.meta.with(Option::is_some)).map(|ex| view! { <ExerciseBar exercise=ex/> })}
        </section>
    }
}

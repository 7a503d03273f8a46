//! The page in embed mode (`?embed=1`): the cells with their run buttons
//! and results, a thin bar (run all, status, "Open in ectoplasm" carrying
//! the notebook), nothing else. With `readonly=1` the code can be run but
//! not edited. Nothing is saved; the height is reported to the host page
//! (see [`crate::embed`]).

use leptos::html::Div;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::cell::AnyCellView;
use super::diagram_view::DiagramView;
use super::lesson::LessonProgress;
use super::share::Notices;
use super::state::{Nb, Status, View};
use super::{RunAllButton, StatusBadge};
use crate::embed::{self, Mode};
use crate::share;

#[component]
pub fn EmbedApp() -> impl IntoView {
    let mode = Mode::current();
    embed::mark_document(&mode);
    let nb = Nb::new();
    nb.readonly.set(mode.readonly);
    if mode.diagram {
        nb.view.set(View::Diagram);
    }
    if let Some(db) = mode.database {
        nb.force_database(db);
    }
    provide_context(nb);
    nb.open_embedded();
    nb.start_backend();

    // "Open in ectoplasm": the playground with the notebook as it is now.
    let open_link = RwSignal::new(share::playground_base());
    Effect::new(move |_| {
        if nb.opening.get() {
            return;
        }
        let snapshot = nb.snapshot_tracked();
        spawn_local(async move {
            if let Ok(link) = share::link(&snapshot).await {
                open_link.set(link);
            }
        });
    });

    // The diagram is drawn from cells that ran: run them once the engine is up.
    if mode.diagram {
        Effect::new(move |done: Option<bool>| {
            if done == Some(true) || nb.opening.get() || !nb.status.get().is_ready() {
                return done.unwrap_or(false);
            }
            nb.run_all();
            true
        });
    }

    // In lesson mode hints and solutions appear once revealed.
    let visible_cells = move || nb.cells.get().into_iter().filter(|c| nb.cell_visible(c)).collect::<Vec<_>>();

    let root = NodeRef::<Div>::new();
    Effect::new(move |done: Option<bool>| {
        if done == Some(true) {
            return true;
        }
        let Some(el) = root.get() else { return false };
        embed::report_height(&el);
        true
    });

    view! {
        <div class="embed-root" node_ref=root data-testid="embed" data-readonly=mode.readonly.to_string()>
            {mode.diagram.then(|| view! { <DiagramView/> })}
            <main class="notebook" data-testid="notebook" data-run=move || nb.run_seq.get()
                style:display=if mode.diagram { "none" } else { "" }>
                <Notices/>
                {move || nb.opening.get().then(|| view! { <p class="muted" data-testid="opening" role="status">"Opening the notebook…"</p> })}
                <LessonProgress/>
                <For each=visible_cells key=|c| c.id let:c>
                    <AnyCellView cell=c/>
                </For>
            </main>
            <footer class="embed-bar">
                <RunAllButton class="btn primary small"/>
                <super::DatabaseLoading/>
                <button type="button" class="btn small" data-testid="stop"
                    title="Stop the running cell; the database goes back to before it"
                    style:visibility=move || if nb.status.get() == Status::Running { "visible" } else { "hidden" }
                    disabled=move || nb.status.get() != Status::Running
                    on:click=move |_| nb.stop()>"■ Stop"</button>
                <StatusBadge/>
                <a class="open-link" data-testid="open-in-ectoplasm" href=move || open_link.get() target="_blank" rel="noopener"
                    title="Open this notebook in the ectoplasm playground (a new tab)">"Open in ectoplasm ↗"</a>
            </footer>
        </div>
    }
}

//! The playground: a notebook of Elixir cells run in order against one
//! workspace and one SQLite database, with the live SQL of the query under
//! the cursor, a statement log, the examples gallery and the database's
//! tables. Components hold signals and render text; the work is done by
//! the engine behind [`crate::backend::Backend`].
//!
//! - [`state`]: the notebook's signals and the actions components call.
//! - [`cell`]: one cell (editor, run button, results).
//! - [`result`]: a cell's output, errors, table and inspect.
//! - [`sql_pane`]: the SQL preview and the statement log.
//! - [`insight`]: the query plan, index advice, timings, preload
//!   strategies and data generation.
//! - [`sidebar`]: the examples gallery and the tables.
//! - [`run_control`]: the Stop button and the time limit.
//! - [`share`]: the Share control and the notices above the notebook.
//! - [`embed`]: the page in embed mode (`?embed=1`).
//! - [`diagram_view`]: the Diagram view; [`import_view`] its SQL import.
//! - [`from_sql_view`]: From SQL, above the cells.
//! - [`lesson`]: lesson mode (exercises, hints, solutions, progress).

pub mod cell;
pub mod diagram_view;
pub mod embed;
pub mod from_sql_view;
pub mod import_view;
pub mod insight;
pub mod lesson;
pub mod result;
pub mod run_control;
pub mod share;
pub mod sidebar;
pub mod sql_pane;
pub mod state;

use leptos::prelude::*;

use crate::persist::Database;
use state::{Nb, View};

/// The page.
#[component]
pub fn App() -> impl IntoView {
    let nb = Nb::new();
    provide_context(nb);
    nb.open_workspace();
    nb.start_backend();
    // The diagram's code loads the first time its view opens, and stays.
    // In lesson mode hints and solutions appear once revealed.
    let visible_cells = move || nb.cells.get().into_iter().filter(|c| nb.cell_visible(c)).collect::<Vec<_>>();
    let diagram_opened = Memo::new(move |was: Option<&bool>| was.copied().unwrap_or(false) || nb.view.get() == View::Diagram);
    view! {
        <a class="skip" href="#notebook">"Skip to the notebook"</a>
        <header class="bar">
            <h1 class="brand">"ectoplasm"</h1>
            <p class="tagline">{move || format!("Ecto in your browser, on {}", nb.database.get().label())}</p>
            <div class="bar-actions">
                <DatabaseSwitch/>
                <DatabaseLoading/>
                <RunAllButton class="btn primary"/>
                <button type="button" class="btn" data-testid="reset"
                    title="Empty the database and forget every binding"
                    disabled=move || !nb.status.get().is_ready()
                    on:click=move |_| nb.reset()>"Reset"</button>
                <button type="button" class="btn" data-testid="export-db"
                    title=move || if nb.database.get() == Database::Postgres {
                        "Download PostgreSQL's data directory (a .tar that Import DB opens)"
                    } else {
                        "Download the database as an SQLite file"
                    }
                    disabled=move || !nb.status.get().is_ready()
                    on:click=move |_| nb.export_db()>"Export DB"</button>
                <label class="btn file" data-testid="import-livemd-label" title="Open a Livebook notebook or lesson (.livemd); you can also drop one on the page">
                    "Open .livemd"
                    <input type="file" class="visually-hidden" data-testid="import-livemd" accept=".livemd,.md,text/markdown"
                        on:change:target=move |ev| nb.import_livemd_file(ev.target())/>
                </label>
                <button type="button" class="btn" data-testid="export-livemd"
                    title="Download the notebook as a Livebook file (.livemd)"
                    disabled=move || nb.status.get() == state::Status::Loading
                    on:click=move |_| nb.export_livemd()>"Save .livemd"</button>
                <label class="btn file" data-testid="import-db"
                    title=move || if nb.database.get() == Database::Postgres {
                        "Open a PostgreSQL data directory (the .tar Export DB makes on PostgreSQL) as the database"
                    } else {
                        "Open an SQLite file as the database"
                    }>
                    "Import DB"
                    <input type="file" class="visually-hidden" data-testid="import-db-input"
                        accept=move || if nb.database.get() == Database::Postgres {
                            ".tar,application/x-tar"
                        } else {
                            ".sqlite,.sqlite3,.db,application/vnd.sqlite3,application/x-sqlite3"
                        }
                        disabled=move || !nb.status.get().is_ready()
                        on:change:target=move |ev| nb.import_db(ev.target())/>
                </label>
                <run_control::RunControls/>
                <share::ShareControl/>
                <ThemeToggle/>
                <StatusBadge/>
            </div>
        </header>
        <share::Notices/>
        <div class="layout" class:diagram-mode=move || nb.view.get() == View::Diagram
            on:dragover=move |ev: leptos::ev::DragEvent| {
                if dragging_files(&ev) {
                    ev.prevent_default();
                }
            }
            on:drop=move |ev: leptos::ev::DragEvent| {
                if dragging_files(&ev) {
                    ev.prevent_default();
                    match dropped_livemd(&ev) {
                        Some(file) => nb.import_livemd_blob(file),
                        None => nb.notify(state::NoticeKind::Error, "livemd", "Only Livebook files (.livemd) open when dropped here.".to_string(), None, None),
                    }
                }
            }>
            <sidebar::Sidebar/>
            <div class="main-area">
            <ViewSwitch/>
            {move || diagram_opened.get().then(|| view! {
                <div class="diagram-host" style:display=move || if nb.view.get() == View::Diagram { "" } else { "none" }>
                    <diagram_view::DiagramView/>
                </div>
            })}
            <main id="notebook" class="notebook" data-testid="notebook" data-run=move || nb.run_seq.get()
                style:display=move || if nb.view.get() == View::Notebook { "" } else { "none" }>
                <div class="notebook-head">
                    <h2 data-testid="notebook-title">{move || nb.title.get()}</h2>
                    <p class="muted" data-testid="notebook-description">{move || nb.description.get()}</p>
                    <p class="muted hint">"Ctrl+Enter (⌘+Enter) runs a cell, Shift+Enter runs it and moves to the next; Ctrl+Space completes."</p>
                </div>
                {move || nb.opening.get().then(|| view! { <p class="muted" data-testid="opening" role="status">"Opening the shared notebook…"</p> })}
                <from_sql_view::FromSql/>
                <lesson::LessonProgress/>
                <For each=visible_cells key=|c| c.id let:c>
                    <cell::AnyCellView cell=c/>
                </For>
                <div class="add-cells">
                    <button type="button" class="btn add-cell" data-testid="add-cell" on:click=move |_| { nb.add_cell(String::new()); }>
                        "+ Add cell"
                    </button>
                    <button type="button" class="btn add-cell" data-testid="add-markdown-cell" on:click=move |_| { nb.add_markdown_cell(); }>
                        "+ Markdown"
                    </button>
                </div>
            </main>
            </div>
            <sql_pane::SidePane/>
        </div>
    }
}

/// Whether files are dragged over the page (their names are hidden until dropped).
fn dragging_files(ev: &leptos::ev::DragEvent) -> bool {
    ev.data_transfer().is_some_and(|t| t.types().includes(&"Files".into(), 0))
}

/// The file dropped on the page, when it is a `.livemd`.
fn dropped_livemd(ev: &leptos::ev::DragEvent) -> Option<web_sys::File> {
    let file = ev.data_transfer()?.files()?.get(0)?;
    file.name().to_lowercase().ends_with(".livemd").then_some(file)
}

/// Notebook | Diagram.
#[component]
pub fn ViewSwitch() -> impl IntoView {
    let nb = expect_context::<Nb>();
    let tab = move |v: View, label: &'static str, id: &'static str| {
        view! {
            <button type="button" role="tab" class="tab" data-testid=id
                aria-selected=move || (nb.view.get() == v).to_string()
                on:click=move |_| nb.view.set(v)>{label}</button>
        }
    };
    view! {
        <div class="view-switch" role="tablist" aria-label="View">
            {tab(View::Notebook, "Notebook", "view-notebook")}
            {tab(View::Diagram, "Diagram", "view-diagram")}
        </div>
    }
}

/// Runs every cell from an empty database (the header's and the embed bar's).
#[component]
fn RunAllButton(class: &'static str) -> impl IntoView {
    let nb = expect_context::<Nb>();
    view! {
        <button type="button" class=class data-testid="run-all"
            title="Start from an empty database and run every cell in order"
            disabled=move || !nb.status.get().is_ready()
            on:click=move |_| nb.run_all()>"Run all"</button>
    }
}

/// SQLite | PostgreSQL for this notebook (saved with it and in its links).
#[component]
fn DatabaseSwitch() -> impl IntoView {
    let nb = expect_context::<Nb>();
    view! {
        <label class="db-switch" title="The database this notebook runs on; switching empties it and keeps the cells">
            <span class="visually-hidden">"Database"</span>
            <select data-testid="db-switch" class="btn"
                disabled=move || !nb.status.get().is_ready()
                prop:value=move || nb.database.get().name()
                on:change:target=move |ev| {
                    if let Some(db) = Database::from_name(&ev.target().value()) {
                        nb.set_database(db);
                    }
                }>
                <option value="sqlite">"SQLite"</option>
                <option value="postgres">"PostgreSQL"</option>
            </select>
        </label>
    }
}

/// Shown while PostgreSQL (PGlite) downloads and starts in the engine's
/// worker: the bytes fetched of the total as a bar and a percentage (from
/// the worker's fetches), then that it is starting.
#[component]
fn DatabaseLoading() -> impl IntoView {
    let nb = expect_context::<Nb>();
    view! {
        {move || nb.db_loading.get().then(|| {
            let progress = nb.db_progress.get();
            let percent = progress.and_then(|p| p.percent());
            let label = match (progress, percent) {
                (Some(p), Some(100)) => format!("PostgreSQL downloaded (100% of {}); starting it…", megabytes(p.total)),
                (Some(p), Some(n)) => format!("Loading PostgreSQL (PGlite): {n}% of {}…", megabytes(p.total)),
                (Some(p), None) => format!("Loading PostgreSQL (PGlite): {}…", megabytes(p.loaded)),
                (None, _) => "Loading PostgreSQL (PGlite)…".to_string(),
            };
            let bar = match (progress, percent) {
                (Some(p), Some(_)) => view! {
                    <progress aria-label="Loading PostgreSQL" max=p.total value=p.loaded.min(p.total)></progress>
                }
                .into_any(),
                _ => view! { <progress aria-label="Loading PostgreSQL"></progress> }.into_any(),
            };
            view! {
                <span class="db-loading" data-testid="db-loading" role="status"
                    data-percent=percent.map(|n| n.to_string())>
                    {bar}" "{label}
                </span>
            }
        })}
    }
}

/// Bytes in megabytes, one decimal ("5.4 MB").
fn megabytes(bytes: f64) -> String {
    format!("{:.1} MB", bytes / 1_000_000.0)
}

/// The backend's state (loading, ready, running, failed), announced politely.
#[component]
fn StatusBadge() -> impl IntoView {
    let nb = expect_context::<Nb>();
    view! {
        <span class="status" data-testid="status" role="status" data-state=move || nb.status.get().name()>
            {move || nb.status.get().label()}
        </span>
    }
}

/// Light / dark, remembered in localStorage; the system's choice until set.
#[component]
fn ThemeToggle() -> impl IntoView {
    let dark = RwSignal::new(state::current_theme_is_dark());
    view! {
        <button type="button" class="btn theme" data-testid="theme-toggle"
            aria-pressed=move || dark.get().to_string()
            title="Switch between light and dark"
            on:click=move |_| {
                let next = !dark.get_untracked();
                state::set_theme(next);
                dark.set(next);
            }>
            {move || if dark.get() { "☀ Light" } else { "☾ Dark" }}
        </button>
    }
}

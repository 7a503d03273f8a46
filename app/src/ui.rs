//! The components. They hold signals and render; the work happens in
//! [`crate::console`] and [`crate::sqljs`].

use crate::console::{display_value, run_script, ScriptOutcome, StatementOutcome};
use crate::sqljs::{is_dml, Database, SqlJs};
use engine::executor::{DbError, DbValue};
use leptos::ev::KeyboardEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Where the page finds sql.js's wasm (copied next to index.html by Trunk).
const SQL_WASM_URL: &str = "sql-wasm.wasm";

const EXAMPLE: &str = "CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  email TEXT UNIQUE
);
INSERT INTO users (name, email) VALUES
  ('Ada Lovelace', 'ada@example.com'),
  ('Grace Hopper', 'grace@example.com');
SELECT id, name, email FROM users ORDER BY id;
";

/// Rows shown per result table; the rest are counted, not rendered.
const MAX_ROWS_SHOWN: usize = 1000;

#[derive(Clone, Debug, PartialEq)]
enum DbState {
    Loading,
    Ready,
    Failed(String),
}

/// One run of the editor's script, as shown under it.
#[derive(Clone, Debug, PartialEq)]
struct Run {
    /// Counts runs from 1, so tests can tell a new result from the last one.
    seq: u32,
    outcome: ScriptOutcome,
    elapsed_ms: f64,
}

async fn open_database() -> Result<Database, DbError> {
    SqlJs::load(SQL_WASM_URL).await?.open()
}

#[component]
pub fn App() -> impl IntoView {
    let (sql, set_sql) = signal(EXAMPLE.to_string());
    let (state, set_state) = signal(DbState::Loading);
    // Local: results may hold engine terms (`DbValue::Term`), which stay on this thread.
    let (last_run, set_last_run) = signal_local(None::<Run>);
    let db = StoredValue::new_local(None::<Database>);

    spawn_local(async move {
        match open_database().await {
            Ok(opened) => {
                db.set_value(Some(opened));
                set_state.set(DbState::Ready);
            }
            Err(e) => {
                gloo::console::error!(format!("could not load SQLite: {e}"));
                set_state.set(DbState::Failed(e.message));
            }
        }
    });

    let run = move || {
        let script = sql.get_untracked();
        let start = js_sys::Date::now();
        let outcome = db.try_update_value(|d| d.as_mut().map(|d| run_script(d, &script))).flatten();
        if let Some(outcome) = outcome {
            let elapsed_ms = js_sys::Date::now() - start;
            let seq = last_run.with_untracked(|r| r.as_ref().map_or(0, |r| r.seq)) + 1;
            set_last_run.set(Some(Run { seq, outcome, elapsed_ms }));
        }
    };
    let on_keydown = move |ev: KeyboardEvent| {
        if ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) {
            ev.prevent_default();
            run();
        }
    };

    view! {
        <header class="top">
            <h1>"ectoplasm"</h1>
            <p class="tagline">"SQLite in your browser, for Ecto in your browser."</p>
        </header>
        <main class="console">
            <label for="sql-input" class="editor-label">"SQL"</label>
            <textarea
                id="sql-input"
                data-testid="sql-input"
                class="editor"
                rows="10"
                spellcheck="false"
                autocapitalize="off"
                aria-describedby="sql-hint"
                prop:value=sql
                on:input:target=move |ev| set_sql.set(ev.target().value())
                on:keydown=on_keydown
            ></textarea>
            <div class="toolbar">
                <button
                    type="button"
                    data-testid="run-button"
                    class="run"
                    aria-keyshortcuts="Control+Enter Meta+Enter"
                    disabled=move || state.get() != DbState::Ready
                    on:click=move |_| run()
                >
                    "Run"
                </button>
                <span id="sql-hint" class="hint">"Ctrl+Enter (⌘+Enter) runs the script"</span>
                <span data-testid="status" class="status" role="status">
                    {move || match state.get() {
                        DbState::Loading => "Loading SQLite…".to_string(),
                        DbState::Ready => "SQLite ready".to_string(),
                        DbState::Failed(msg) => format!("SQLite failed to load: {msg}"),
                    }}
                </span>
            </div>
            <section
                data-testid="results"
                data-run=move || last_run.with(|r| r.as_ref().map_or(0, |r| r.seq))
                class="results"
                aria-label="Results"
                aria-live="polite"
            >
                {move || last_run.get().map(|run| view! { <RunView run=run /> })}
            </section>
        </main>
    }
}

#[component]
fn RunView(run: Run) -> impl IntoView {
    let count = run.outcome.statements.len();
    let summary = format!("{count} statement{} in {:.0} ms", if count == 1 { "" } else { "s" }, run.elapsed_ms);
    let error = run.outcome.error.map(|e| {
        view! {
            <div data-testid="error" class="error" role="alert">
                <p class="error-message">
                    <strong>"Error: "</strong>
                    {e.error.message}
                    <span class="error-code">{format!(" (SQLite code {})", e.error.code)}</span>
                </p>
                <pre class="error-sql">{e.sql}</pre>
            </div>
        }
    });
    view! {
        <p data-testid="summary" class="summary">{summary}</p>
        {run.outcome.statements.into_iter().map(|s| view! { <StatementView statement=s /> }).collect_view()}
        {error}
    }
}

#[component]
fn StatementView(statement: StatementOutcome) -> impl IntoView {
    let StatementOutcome { sql, result } = statement;
    let body = if result.columns.is_empty() {
        let done = match (is_dml(&sql), result.changes) {
            (false, _) => "OK".to_string(),
            (true, 1) => "OK, 1 row changed".to_string(),
            (true, n) => format!("OK, {n} rows changed"),
        };
        view! { <p class="done">{done}</p> }.into_any()
    } else {
        view! { <ResultTable columns=result.columns rows=result.rows /> }.into_any()
    };
    view! {
        <article data-testid="statement" class="statement">
            <pre class="statement-sql">{sql}</pre>
            {body}
        </article>
    }
}

#[component]
fn ResultTable(columns: Vec<String>, rows: Vec<Vec<DbValue>>) -> impl IntoView {
    let total = rows.len();
    let hidden = total.saturating_sub(MAX_ROWS_SHOWN);
    let caption = if total == 1 { "1 row".to_string() } else { format!("{total} rows") };
    let head = columns.into_iter().map(|c| view! { <th scope="col">{c}</th> }).collect_view();
    let body = rows
        .into_iter()
        .take(MAX_ROWS_SHOWN)
        .map(|row| {
            let cells = row
                .iter()
                .map(|v| {
                    let class = match v {
                        DbValue::Null => "null",
                        DbValue::Integer(_) | DbValue::Real(_) => "num",
                        DbValue::Text(_) | DbValue::Blob(_) | DbValue::Term(_) => "",
                    };
                    view! { <td class=class>{display_value(v)}</td> }
                })
                .collect_view();
            view! { <tr>{cells}</tr> }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table data-testid="result-table">
                <caption>{caption}</caption>
                <thead>
                    <tr>{head}</tr>
                </thead>
                <tbody>{body}</tbody>
            </table>
        </div>
        {(hidden > 0).then(|| view! { <p class="more">{format!("… {hidden} more rows not shown")}</p> })}
    }
}

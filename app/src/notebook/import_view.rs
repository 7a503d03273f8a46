//! The Diagram view's SQL import: DDL, pasted or read from a `.sql` file,
//! goes to the tools worker ([`crate::tools`], started when this control is
//! first opened), which answers with the schema cells, the migration cell
//! and what it did not import, by line. All of it is shown before anything
//! changes; then the cells are added at the end of the notebook and run.

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen_futures::JsFuture;

use super::diagram_view::{add_and_run, version_now, NewCell};
use super::state::Nb;
use crate::tools::{ImportedCode, Tools};

/// The modules' namespace until the user names another.
const NAMESPACE: &str = "MyApp";

#[component]
pub fn ImportSql() -> impl IntoView {
    let nb = expect_context::<Nb>();
    let tools = StoredValue::new_local(Tools::new());
    let sql = RwSignal::new(String::new());
    let namespace = RwSignal::new(NAMESPACE.to_string());
    let imported = RwSignal::new(None::<ImportedCode>);
    let problem = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    // Opening the control starts the worker, so it loads while the DDL is pasted.
    let on_toggle = move |ev: web_sys::Event| {
        if event_target::<web_sys::Element>(&ev).has_attribute("open") {
            if let Err(e) = tools.with_value(Tools::start) {
                problem.set(Some(e));
            }
        }
    };
    let on_file = move |input: web_sys::HtmlInputElement| {
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        spawn_local(async move {
            match JsFuture::from(file.text()).await.map(|t| t.as_string()) {
                Ok(Some(text)) => {
                    sql.set(text);
                    imported.set(None);
                    problem.set(None);
                }
                _ => problem.set(Some(format!("{} could not be read.", file.name()))),
            }
            input.set_value("");
        });
    };
    let convert = move |_| {
        let text = sql.get_untracked();
        if text.trim().is_empty() {
            problem.set(Some("Paste SQL DDL (CREATE TABLE …) or open a .sql file first.".to_string()));
            return;
        }
        problem.set(None);
        imported.set(None);
        busy.set(true);
        let client = tools.get_value();
        let ns = namespace.get_untracked();
        spawn_local(async move {
            match client.import_sql(text, ns, version_now()).await {
                Ok(code) => imported.set(Some(code)),
                Err(e) => problem.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let apply = move |_| {
        let Some(code) = imported.get_untracked() else { return };
        imported.set(None);
        add_and_run(nb, code.cells().into_iter().map(|(title, source)| NewCell { title, source }).collect());
    };

    let result = move || {
        imported.get().map(|code| {
            let warnings = code
                .warnings
                .iter()
                .map(|w| {
                    let at = if w.line > 0 { format!("Line {}: ", w.line) } else { String::new() };
                    view! {
                        <li class="import-warning" data-testid="import-sql-warning" data-line=w.line.to_string()>
                            <span class="warn-text">"⚠ "</span>{at}{w.message.clone()}
                        </li>
                    }
                })
                .collect_view();
            let n = code.tables.len();
            let summary = match n {
                0 => "No CREATE TABLE to import.".to_string(),
                1 => "1 table: this schema cell and the migration cell will be added at the end of the notebook and run:".to_string(),
                n => format!("{n} tables: these {n} schema cells and the migration cell will be added at the end of the notebook and run:"),
            };
            let cells = (n > 0).then(|| {
                let schemas = code
                    .schemas
                    .into_iter()
                    .map(|s| view! { <h4>{s.title}</h4><pre class="code" data-testid="import-sql-schema">{s.code}</pre> })
                    .collect_view();
                view! {
                    <div class="import-sql-code">
                        {schemas}
                        <h4>{code.migration.title}</h4>
                        <pre class="code" data-testid="import-sql-migration">{code.migration.code}</pre>
                    </div>
                    <button type="button" class="btn primary small" data-testid="import-sql-apply"
                        disabled=move || !nb.status.get().is_ready() on:click=apply>"Add the cells and run them"</button>
                }
            });
            view! {
                <div class="design-change" data-testid="import-sql-result" data-tables=n.to_string()>
                    <p class="muted" data-testid="import-sql-summary">{summary}</p>
                    {(!code.warnings.is_empty()).then(|| view! { <ul class="import-warnings">{warnings}</ul> })}
                    {cells}
                    <button type="button" class="btn small" data-testid="import-sql-discard" on:click=move |_| imported.set(None)>"Discard"</button>
                </div>
            }
        })
    };

    view! {
        <details class="import-sql" data-testid="er-import-sql" on:toggle=on_toggle>
            <summary data-testid="import-sql-open"><h3>"Import SQL"</h3></summary>
            <p class="muted">
                "CREATE TABLE, CREATE INDEX and ALTER TABLE … ADD statements (PostgreSQL or SQLite, such as pg_dump --schema-only \
                or .schema output) become Ecto schemas, with associations from the foreign keys, and a migration creating the tables."
            </p>
            <textarea class="import-sql-input" data-testid="import-sql-input" rows="10" spellcheck="false" aria-label="SQL DDL"
                placeholder="CREATE TABLE users (id bigserial PRIMARY KEY, email varchar(255) NOT NULL);"
                prop:value=move || sql.get() on:input:target=move |ev| sql.set(ev.target().value())></textarea>
            <div class="designer-form">
                <label class="btn small file" title="Read a .sql file into the box above">
                    "Open a .sql file"
                    <input type="file" class="visually-hidden" data-testid="import-sql-file" accept=".sql,text/plain,application/sql"
                        on:change:target=move |ev| on_file(ev.target())/>
                </label>
                <label>"Module namespace "
                    <input type="text" data-testid="import-sql-namespace" spellcheck="false" prop:value=move || namespace.get()
                        on:input:target=move |ev| namespace.set(ev.target().value())/>
                </label>
                <button type="button" class="btn primary small" data-testid="import-sql-convert" disabled=move || busy.get() on:click=convert>
                    "Convert"
                </button>
            </div>
            {move || problem.get().map(|p| view! { <p class="error" data-testid="import-sql-error" role="alert">{p}</p> })}
            {result}
        </details>
    }
}

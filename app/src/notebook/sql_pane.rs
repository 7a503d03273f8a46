//! The right-hand pane: the SQL of the query under the cursor for SQLite
//! and PostgreSQL side by side (updated as you type, before anything
//! runs), and the statement log of what the database received.

use leptos::prelude::*;

use super::state::{LogGroup, Nb};
use crate::backend::{DialectPreview, Stmt};

#[component]
pub fn SidePane() -> impl IntoView {
    view! {
        <aside class="side-pane" aria-label="SQL and statement log">
            <SqlPane/>
            <super::insight::InsightPanel/>
            <StatementLog/>
        </aside>
    }
}

#[component]
fn SqlPane() -> impl IntoView {
    let nb = expect_context::<Nb>();
    let preview = move || nb.preview.with(|p| p.preview.clone());
    view! {
        <section class="panel sql-pane" data-testid="sql-pane" data-seq=move || nb.preview.with(|p| p.seq)
            aria-labelledby="sql-pane-title">
            <header class="panel-head">
                <h2 id="sql-pane-title">"SQL"</h2>
                <span class="muted" data-testid="sql-op">
                    {move || preview().map(|p| format!("Repo.{}", p.op)).unwrap_or_default()}
                </span>
                <label class="toggle">
                    <input type="checkbox" data-testid="sql-raw-toggle"
                        prop:checked=move || nb.raw_sql.get()
                        on:change:target=move |ev| nb.raw_sql.set(ev.target().checked())/>
                    " Raw text"
                </label>
            </header>
            <div class="dialects">
                <Dialect name="SQLite" testid="sql-preview-sqlite"
                    sql=Signal::derive(move || preview().map(|p| p.sqlite))/>
                <Dialect name="PostgreSQL" testid="sql-preview-postgres"
                    sql=Signal::derive(move || preview().map(|p| p.postgres))/>
            </div>
        </section>
    }
}

#[component]
fn Dialect(name: &'static str, testid: &'static str, sql: Signal<Option<DialectPreview>>) -> impl IntoView {
    let nb = expect_context::<Nb>();
    view! {
        <div class="dialect" data-testid=testid>
            <h3>{name}</h3>
            {move || match sql.get() {
                None => view! {
                    <pre class="sql placeholder" data-testid="sql-empty">
                        "Put the cursor on a query (from …, a pipeline, Repo.all(…)) to see the SQL Ecto sends."
                    </pre>
                }.into_any(),
                Some(d) => {
                    let text = if nb.raw_sql.get() { d.sql.clone() } else { d.pretty.clone().or(d.sql.clone()) };
                    let error = d.error.map(|e| {
                        let kind = d.error_kind.unwrap_or_else(|| "error".to_string());
                        view! { <p class="error" data-testid="sql-error"><strong>{format!("** ({kind}) ")}</strong>{e}</p> }
                    });
                    let params = (!d.params.is_empty()).then(|| {
                        let items = d.params.into_iter().enumerate()
                            .map(|(i, p)| view! { <li><span class="muted">{format!("${}", i + 1)}</span>" "<code>{p}</code></li> })
                            .collect_view();
                        view! { <ol class="params" data-testid="sql-params" aria-label="Parameters">{items}</ol> }
                    });
                    view! {
                        {text.map(|t| view! { <pre class="sql" data-testid="sql-text">{t}</pre> })}
                        {params}
                        {error}
                    }.into_any()
                }
            }}
        </div>
    }
}

#[component]
fn StatementLog() -> impl IntoView {
    let nb = expect_context::<Nb>();
    let total = move || nb.log.with(|l| l.iter().map(|g| g.run.query_count).sum::<usize>());
    view! {
        <section class="panel log" data-testid="statement-log" aria-labelledby="log-title">
            <header class="panel-head">
                <h2 id="log-title">"Statement log"</h2>
                <span class="muted" data-testid="log-total">
                    {move || match total() { 1 => "1 query".to_string(), n => format!("{n} queries") }}
                </span>
                <button type="button" class="btn small" data-testid="log-clear" on:click=move |_| nb.log.set(Vec::new())>
                    "Clear"
                </button>
            </header>
            <p class="muted" hidden=move || nb.log.with(|l| !l.is_empty())>
                "Run a cell to see every statement the database receives: queries, begin, commit and rollback, with params, rows and timing."
            </p>
            <ol class="log-groups">
                <For each=move || { let mut l = nb.log.get(); l.reverse(); l } key=|g| g.seq let:g>
                    <Group group=g/>
                </For>
            </ol>
        </section>
    }
}

#[component]
fn Group(group: LogGroup) -> impl IntoView {
    let LogGroup { cell_number, cell_title, run, .. } = group;
    let title = match cell_title {
        Some(t) => format!("[{cell_number}] {t}"),
        None => format!("[{cell_number}]"),
    };
    let count = match run.query_count {
        1 => "1 query".to_string(),
        n => format!("{n} queries"),
    };
    let repeated = run.repeated.map(|r| view! { <p class="warn-text" data-testid="log-repeated">{r.message}</p> });
    let statements = run.statements.into_iter().map(|s| view! { <StatementView s=s/> }).collect_view();
    view! {
        <li class="log-group" data-testid="log-group">
            <div class="log-head">
                <span class="log-title">{title}</span>
                <span class="badge" data-testid="log-count">{count}</span>
                <span class="muted">{format!("{:.1} ms", run.elapsed_ms)}</span>
            </div>
            {repeated}
            <ol class="statements">{statements}</ol>
        </li>
    }
}

#[component]
fn StatementView(s: Stmt) -> impl IntoView {
    let nb = expect_context::<Nb>();
    let Stmt { kind, sql, pretty, params, params_total, micros, rows, changes, error } = s;
    let tx = kind != "query";
    let outcome = if error.is_some() {
        "failed".to_string()
    } else if tx {
        String::new()
    } else if changes > 0 {
        if changes == 1 {
            "1 row changed".to_string()
        } else {
            format!("{changes} rows changed")
        }
    } else if rows == 1 {
        "1 row".to_string()
    } else {
        format!("{rows} rows")
    };
    let time = format!("{:.2} ms", micros as f64 / 1000.0);
    let params = (!params.is_empty()).then(|| {
        let more = params_total.saturating_sub(params.len());
        let items = params.into_iter().map(|p| view! { <li><code>{p}</code></li> }).collect_view();
        let more = (more > 0).then(|| view! { <li class="muted" data-testid="log-params-more">{format!("… and {more} more")}</li> });
        view! { <ol class="params inline" data-testid="log-params" aria-label="Parameters">{items}{more}</ol> }
    });
    let error = error.map(|e| view! { <p class="error" data-testid="log-error">{e}</p> });
    view! {
        <li class=format!("statement {kind}") data-testid="log-statement" data-kind=kind.clone()>
            <div class="statement-head">
                <span class=format!("kind {kind}")>{kind.to_uppercase()}</span>
                <span class="muted">{outcome}</span>
                <span class="muted time">{time}</span>
            </div>
            {(!tx).then(|| {
                let sql = sql.clone();
                let pretty = pretty.clone();
                view! { <pre class="sql" data-testid="log-sql">{move || if nb.raw_sql.get() { sql.clone() } else { pretty.clone() }}</pre> }
            })}
            {params}
            {error}
        </li>
    }
}

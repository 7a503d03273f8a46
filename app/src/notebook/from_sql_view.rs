//! "From SQL" above the notebook: a host for [`crate::from_sql`]'s control
//! (`app/js/from-sql.js`, loaded when the box is first opened, as is the
//! tools worker). The work crosses three places, each doing what it can:
//! the engine's worker describes the notebook's schemas (a `Catalog`, with
//! cells not run yet defined on top), the tools worker (sqlparser) proposes
//! the Ecto, and the engine's worker proves it on the notebook's database
//! (both adapters' SQL, both queries run and their rows compared). A
//! proposal the person chooses is added as a cell and run.

use std::rc::Rc;

use leptos::html::Div;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use super::diagram_view::{add_and_run, NewCell};
use super::state::{CellState, Nb, Status};
use crate::from_sql::{self, Callbacks, FromSqlView};
use crate::tools::{ToolRequest, Tools};

/// The sources of the cells not run yet (or edited since), in order:
/// their definitions count for the translation and the proof.
fn pending(nb: Nb) -> Vec<String> {
    nb.cells.with_untracked(|cs| {
        cs.iter()
            .filter(|c| c.edited.get_untracked() || c.state.get_untracked() != CellState::Done)
            .map(|c| c.source.get_untracked())
            .collect()
    })
}

/// SQL in; out, `[proposals, proofs]` (JSON: the tools worker's
/// proposals, each with its cell, and the engine's proof of each). The engine is
/// marked busy meanwhile: the proof runs the SQL on the notebook's database.
async fn translate(nb: Nb, tools: Tools, sql: String, options: String) -> Result<String, String> {
    let backend = nb.backend_handle().ok_or("the engine is still loading")?;
    if !nb.status.get_untracked().is_ready() {
        return Err("the notebook is running: translate once it has finished".to_string());
    }
    nb.status.set(Status::Running);
    let result = async {
        let pending = pending(nb);
        let catalog = backend.sql_catalog(pending.clone()).await?;
        let proposals = tools.text(ToolRequest::FromSql { sql, catalog, options }).await?;
        let proofs = backend.prove_from_sql(proposals.clone(), pending).await?;
        // Both lists, for the control to read side by side.
        Ok(format!("[{proposals},{proofs}]"))
    }
    .await;
    nb.status.set(Status::Ready);
    result
}

#[component]
pub fn FromSql() -> impl IntoView {
    let nb = expect_context::<Nb>();
    let host = NodeRef::<Div>::new();
    let started = StoredValue::new(false);
    let control = StoredValue::new_local(None::<FromSqlView>);
    let failed = RwSignal::new(None::<String>);

    let start = move || {
        if started.get_value() {
            return;
        }
        started.set_value(true);
        let tools = Tools::shared();
        if let Err(e) = tools.start() {
            gloo::console::error!(e);
        }
        spawn_local(async move {
            if let Err(e) = from_sql::load().await {
                started.set_value(false);
                failed.set(Some(e));
                return;
            }
            failed.set(None);
            let Some(el) = host.get_untracked() else { return };
            let callbacks = Callbacks {
                translate: Rc::new(move |sql, options| Box::pin(translate(nb, tools.clone(), sql, options))),
                add_cell: Box::new(move |source| add_and_run(nb, vec![NewCell { title: "From SQL".to_string(), source }])),
            };
            match FromSqlView::new(&el, callbacks) {
                Ok(v) => {
                    v.set_ready(nb.status.get_untracked().is_ready());
                    control.set_value(Some(v));
                }
                Err(e) => failed.set(Some(e)),
            }
        });
    };

    // Translating and adding cells follow the engine's state.
    Effect::new(move |_| {
        let ready = nb.status.get().is_ready();
        control.with_value(|c| {
            if let Some(c) = c {
                c.set_ready(ready);
            }
        });
    });

    view! {
        <details class="from-sql" data-testid="from-sql"
            on:toggle=move |ev| {
                let open = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).is_some_and(|d| d.has_attribute("open"));
                if open {
                    start();
                }
            }>
            <summary data-testid="from-sql-open">
                <strong>"From SQL"</strong>
                <span class="muted">" paste a SQL query, get its Ecto, proved on this notebook's data"</span>
            </summary>
            <div class="from-sql-host" node_ref=host></div>
            {move || failed.get().map(|e| view! { <p class="error" data-testid="from-sql-failed" role="alert">{e}</p> })}
        </details>
    }
}

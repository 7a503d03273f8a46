//! The Diagram view's SQL import: a host for the control of
//! [`crate::diagram::ImportView`] (`app/js/import-sql.js`, in the lazily
//! loaded bundle, so the page's own code carries none of its UI). This side
//! only carries things: the DDL to the tools worker ([`crate::tools`],
//! started when the control is first opened, never at load), its answer
//! back to the control, which shows the code and the warnings by line, and
//! the cells the person confirmed into the notebook.

use std::rc::Rc;

use leptos::html::Div;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::diagram_view::{add_and_run, version_now, NewCell};
use super::state::Nb;
use crate::diagram::{self, ImportCallbacks, ImportView};
use crate::tools::Tools;

#[component]
pub fn ImportSql() -> impl IntoView {
    let nb = expect_context::<Nb>();
    let host = NodeRef::<Div>::new();
    let control = StoredValue::new_local(None::<ImportView>);
    let failed = RwSignal::new(None::<String>);
    let tools = Tools::shared();

    spawn_local(async move {
        if let Err(e) = diagram::load().await {
            failed.set(Some(e));
            return;
        }
        let Some(el) = host.get_untracked() else { return };
        let starter = tools.clone();
        let callbacks = ImportCallbacks {
            open: Box::new(move || {
                if let Err(e) = starter.start() {
                    gloo::console::error!(e);
                }
            }),
            import_sql: Rc::new(move |sql, namespace| {
                let tools = tools.clone();
                Box::pin(async move { tools.import_sql_js(sql, namespace, version_now()).await })
            }),
            add_cells: Box::new(move |json| match serde_json::from_str::<Vec<NewCell>>(&json) {
                Ok(cells) => add_and_run(nb, cells),
                Err(e) => gloo::console::error!(format!("cells from the import could not be read: {e}")),
            }),
        };
        match ImportView::new(&el, callbacks) {
            Ok(v) => {
                v.set_ready(nb.status.get_untracked().is_ready());
                control.set_value(Some(v));
            }
            Err(e) => failed.set(Some(e)),
        }
    });

    // The add button follows the engine's state.
    Effect::new(move |_| {
        let ready = nb.status.get().is_ready();
        control.with_value(|c| {
            if let Some(c) = c {
                c.set_ready(ready);
            }
        });
    });

    view! {
        <div class="import-sql-host" node_ref=host>
            {move || failed.get().map(|e| view! { <p class="error" data-testid="import-sql-error" role="alert">{e}</p> })}
        </div>
    }
}

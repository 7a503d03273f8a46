//! The Diagram view: a host for the lazily loaded panel of
//! [`crate::diagram`] (drawing, drift with its migrations, export, the
//! designer). This side only carries things between the panel and the
//! notebook: the model from the engine (`Request::ErModel`, fetched again
//! after every run, when the view opens and, once typing pauses, as cells
//! are edited), designer operations to the engine, the code the person
//! confirmed into new cells, and dragged positions into the saved notebook.

use std::rc::Rc;

use leptos::html::Div;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::state::{CellState, Nb, View};
use crate::diagram::{self, Callbacks, DiagramView as Panel};
use crate::tools::{ToolRequest, Tools};

/// Waits `ms` milliseconds.
async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// A migration version from the clock: `YYYYMMDDhhmmss`, as `mix ecto.gen.migration` names them.
pub(crate) fn version_now() -> i64 {
    let d = js_sys::Date::new_0();
    let two = |n: u32| format!("{n:02}");
    format!(
        "{}{}{}{}{}{}",
        d.get_utc_full_year(),
        two(d.get_utc_month() + 1),
        two(d.get_utc_date()),
        two(d.get_utc_hours()),
        two(d.get_utc_minutes()),
        two(d.get_utc_seconds())
    )
    .parse()
    .unwrap_or(20_260_101_000_000)
}

/// One cell the panel asks for.
#[derive(serde::Deserialize)]
pub(crate) struct NewCell {
    pub(crate) title: String,
    pub(crate) source: String,
}

/// Adds `cells` at the end of the notebook and runs them.
pub(crate) fn add_and_run(nb: Nb, cells: Vec<NewCell>) {
    let mut last = None;
    for cell in cells {
        let id = nb.add_cell(cell.source);
        nb.cells.with_untracked(|cs| {
            if let Some(c) = cs.iter().find(|c| c.id == id) {
                c.title.set(Some(cell.title));
            }
        });
        last = Some(id);
    }
    if let Some(id) = last {
        nb.run_cell(id, false);
    }
}

/// Jumps to cell `index` (the one that defines a clicked box).
fn select_cell(nb: Nb, index: usize) {
    let Some(id) = nb.cells.with_untracked(|cs| cs.get(index).map(|c| c.id)) else { return };
    nb.view.set(View::Notebook);
    nb.active.set(Some(id));
    nb.focus_cell(id);
}

#[component]
pub fn DiagramView() -> impl IntoView {
    let nb = expect_context::<Nb>();
    let host = NodeRef::<Div>::new();
    let panel = StoredValue::new_local(None::<Rc<Panel>>);
    let model = StoredValue::new(String::new());
    let failed = RwSignal::new(None::<String>);

    // The panel, once its code is loaded.
    let start = move || {
        spawn_local(async move {
            if let Err(e) = diagram::load().await {
                failed.set(Some(e));
                return;
            }
            let Some(el) = host.get_untracked() else { return };
            // Designer operations and exports are answered by the tools
            // worker (started on first use), from the model drawn now.
            let design = Rc::new(move |op: String| {
                let model = model.get_value();
                Box::pin(async move { Tools::shared().text(ToolRequest::Design { model, op, version: version_now() }).await })
                    as std::pin::Pin<Box<dyn std::future::Future<Output = Result<String, String>>>>
            });
            let export_text = Rc::new(move |format: String| {
                let model = model.get_value();
                Box::pin(async move { Tools::shared().text(ToolRequest::Export { model, format }).await })
                    as std::pin::Pin<Box<dyn std::future::Future<Output = Result<String, String>>>>
            });
            let callbacks = Callbacks {
                on_select: Box::new(move |cell| select_cell(nb, cell)),
                on_move: Box::new(move |table, x, y| {
                    nb.positions.update(|p| {
                        p.insert(table, [x, y]);
                    })
                }),
                on_reset_layout: Box::new(move || nb.positions.set(Default::default())),
                design,
                export_text,
                add_cells: Box::new(move |json| match serde_json::from_str::<Vec<NewCell>>(&json) {
                    Ok(cells) => add_and_run(nb, cells),
                    Err(e) => gloo::console::error!(format!("cells from the diagram could not be read: {e}")),
                }),
            };
            match Panel::new(&el, callbacks) {
                Ok(p) => {
                    p.set_ready(nb.status.get_untracked().is_ready());
                    let current = model.get_value();
                    if !current.is_empty() {
                        let positions = serde_json::to_string(&nb.positions.get_untracked()).unwrap_or_default();
                        let _ = p.set_model(&current, &positions);
                    }
                    panel.set_value(Some(Rc::new(p)));
                }
                Err(e) => failed.set(Some(e)),
            }
        });
    };
    start();

    // Buttons that run cells follow the engine's state.
    Effect::new(move |_| {
        let ready = nb.status.get().is_ready();
        if let Some(p) = panel.get_value() {
            p.set_ready(ready);
        }
    });

    // The model again after every run, when the view opens, and while a
    // cell is typed (its definitions evaluated without running it), at most
    // once per pause in the typing.
    let generation = StoredValue::new(0u64);
    Effect::new(move |_| {
        let _ = nb.run_seq.get();
        let open = nb.view.get() == View::Diagram;
        let ready = nb.status.get().is_ready();
        // Closed, the view follows no typing (opening it runs this again).
        if !open || !ready {
            return;
        }
        let typed: Vec<(String, bool)> =
            nb.cells.with(|cs| cs.iter().map(|c| (c.source.get(), c.edited.get() || c.state.get() != CellState::Done)).collect());
        let Some(backend) = nb.backend_handle() else { return };
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        let cells: Vec<String> = typed.iter().map(|(s, _)| s.clone()).collect();
        let pending: Vec<String> = typed.into_iter().filter(|(_, p)| *p).map(|(s, _)| s).collect();
        spawn_local(async move {
            if !pending.is_empty() {
                sleep_ms(120).await;
                if generation.get_value() != mine {
                    return; // typed again meanwhile
                }
            }
            let answer = backend.er_model(cells, pending).await;
            if generation.get_value() != mine {
                return;
            }
            match answer {
                Ok(json) => {
                    model.set_value(json.clone());
                    if let Some(p) = panel.get_value() {
                        let positions = serde_json::to_string(&nb.positions.get_untracked()).unwrap_or_default();
                        if let Err(e) = p.set_model(&json, &positions) {
                            p.set_error(Some(e));
                        }
                    }
                }
                Err(e) => match panel.get_value() {
                    Some(p) => p.set_error(Some(e)),
                    None => failed.set(Some(e)),
                },
            }
        });
    });

    view! {
        <div class="diagram-host-inner" node_ref=host>
            {move || failed.get().map(|e| view! { <p class="error" data-testid="er-error" role="alert">{e}</p> })}
        </div>
        <super::import_view::ImportSql/>
    }
}

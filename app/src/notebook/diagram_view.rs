//! The Diagram view: the workspace's ER model drawn (see
//! [`crate::diagram`]), the drift between schemas and tables with the
//! migrations that fix it, export, and the designer, whose operations the
//! engine turns into schema and migration cells. The model comes from the
//! engine's evaluation of the cells that ran (`Request::ErModel`); it is
//! fetched again whenever a cell has run while the view is open.

use std::rc::Rc;

use engine::erd::design::{AssocKind, Change, DesignField, DesignOp, NewAssoc, PrimaryKey};
use engine::erd::ErModel;
use leptos::html::Div;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::state::{download_blob, download_text, CellState, Nb, View};
use crate::diagram::{self, Diagram};

/// The notebook's sources, in order (for the model's cell locations).
fn sources(nb: Nb) -> Vec<String> {
    nb.cells.with_untracked(|cs| cs.iter().map(|c| c.source.get_untracked()).collect())
}

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
fn version_now() -> i64 {
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

/// Adds `cells` (title, source) at the end of the notebook and runs them.
fn add_and_run(nb: Nb, cells: Vec<(String, String)>) {
    let mut last = None;
    for (title, source) in cells {
        let id = nb.add_cell(source);
        nb.cells.with_untracked(|cs| {
            if let Some(c) = cs.iter().find(|c| c.id == id) {
                c.title.set(Some(title));
            }
        });
        last = Some(id);
    }
    if let Some(id) = last {
        nb.run_cell(id, false);
    }
}

#[component]
pub fn DiagramView() -> impl IntoView {
    let nb = expect_context::<Nb>();
    let model = RwSignal::new(None::<ErModel>);
    let error = RwSignal::new(None::<String>);
    let layout_ms = RwSignal::new(0.0);
    let drawing = StoredValue::new_local(None::<Rc<Diagram>>);
    let host = NodeRef::<Div>::new();

    // Draws `m` (creating the drawing on first use).
    let draw = move |m: ErModel| {
        spawn_local(async move {
            if drawing.with_value(Option::is_none) {
                if let Err(e) = diagram::load().await {
                    error.set(Some(e));
                    return;
                }
                let Some(el) = host.get_untracked() else { return };
                let on_select: Rc<dyn Fn(String)> = Rc::new(move |table: String| select_table(nb, model, &table));
                let on_move: Rc<dyn Fn(String, f64, f64)> = Rc::new(move |table: String, x: f64, y: f64| {
                    nb.positions.update(|p| {
                        p.insert(table, [x, y]);
                    });
                });
                match Diagram::new(&el, on_select, on_move) {
                    Ok(d) => drawing.set_value(Some(Rc::new(d))),
                    Err(e) => {
                        error.set(Some(e));
                        return;
                    }
                }
            }
            let Some(d) = drawing.get_value() else { return };
            let positions = nb.positions.get_untracked();
            match d.update(&m, &positions) {
                Ok(()) => {
                    error.set(None);
                    layout_ms.set(d.layout_ms());
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };

    // The model again after every run, when the view opens, and while a
    // cell is typed (its definitions evaluated without running it), at most
    // once per pause in the typing.
    let generation = StoredValue::new(0u64);
    Effect::new(move |_| {
        let _ = nb.run_seq.get();
        let open = nb.view.get() == View::Diagram;
        let ready = nb.status.get().is_ready();
        let typed: Vec<(String, bool)> =
            nb.cells.with(|cs| cs.iter().map(|c| (c.source.get(), c.edited.get() || c.state.get() != CellState::Done)).collect());
        if !open || !ready {
            return;
        }
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
            match backend.er_model(cells, pending).await {
                Ok(m) if generation.get_value() == mine => {
                    model.set(Some(m.clone()));
                    draw(m);
                }
                Ok(_) => {}
                Err(e) => error.set(Some(e)),
            }
        });
    });

    let with_drawing = move |f: &dyn Fn(&Diagram)| {
        if let Some(d) = drawing.get_value() {
            f(&d);
        }
    };
    let export_text = move |format: &'static str, ext: &'static str, mime: &'static str| {
        let Some(backend) = nb.backend_handle() else { return };
        let cells = sources(nb);
        spawn_local(async move {
            match backend.er_export(cells, format).await {
                Ok(text) => {
                    if let Err(e) = download_text(&text, &format!("schema.{ext}"), mime) {
                        error.set(Some(e));
                    }
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let export_svg = move |_| {
        if let Some(d) = drawing.get_value() {
            if let Err(e) = download_text(&d.svg(), "schema.svg", "image/svg+xml") {
                error.set(Some(e));
            }
        }
    };
    let export_png = move |_| {
        let Some(d) = drawing.get_value() else { return };
        spawn_local(async move {
            match d.png().await {
                Ok(blob) => {
                    if let Err(e) = download_blob(&blob, "schema.png") {
                        error.set(Some(e));
                    }
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };

    let summary = move || {
        model.with(|m| match m {
            None => "Reading the schemas…".to_string(),
            Some(m) => {
                let tables = m.tables.len();
                let edges = m.edges.len();
                format!(
                    "{tables} table{} · {edges} association{} · laid out in {:.0} ms",
                    if tables == 1 { "" } else { "s" },
                    if edges == 1 { "" } else { "s" },
                    layout_ms.get()
                )
            }
        })
    };

    view! {
        <section class="diagram-view" data-testid="diagram-view" aria-label="Entity-relationship diagram">
            <div class="diagram-toolbar">
                <span class="muted" data-testid="er-summary">{summary}</span>
                <span class="spacer"></span>
                <button type="button" class="btn small" data-testid="er-zoom-in" title="Zoom in" on:click=move |_| with_drawing(&|d| d.zoom(1.25))>"+"</button>
                <button type="button" class="btn small" data-testid="er-zoom-out" title="Zoom out" on:click=move |_| with_drawing(&|d| d.zoom(0.8))>"−"</button>
                <button type="button" class="btn small" data-testid="er-fit" title="Show the whole diagram" on:click=move |_| with_drawing(&|d| d.fit())>"Fit"</button>
                <button type="button" class="btn small" data-testid="er-reset-layout" title="Forget the dragged positions and lay the boxes out again"
                    on:click=move |_| {
                        nb.positions.set(Default::default());
                        if let Some(m) = model.get_untracked() { draw(m); }
                    }>"Re-layout"</button>
                <details class="menu">
                    <summary class="btn small" data-testid="er-export">"Export"</summary>
                    <div class="menu-items">
                        <button type="button" class="btn small" data-testid="er-export-svg" on:click=export_svg>"SVG"</button>
                        <button type="button" class="btn small" data-testid="er-export-png" on:click=export_png>"PNG"</button>
                        <button type="button" class="btn small" data-testid="er-export-mermaid" on:click=move |_| export_text("mermaid", "mmd", "text/plain")>"Mermaid"</button>
                        <button type="button" class="btn small" data-testid="er-export-dbml" on:click=move |_| export_text("dbml", "dbml", "text/plain")>"DBML"</button>
                        <button type="button" class="btn small" data-testid="er-export-dot" on:click=move |_| export_text("dot", "dot", "text/vnd.graphviz")>"DOT"</button>
                    </div>
                </details>
            </div>
            {move || error.get().map(|e| view! { <p class="error" data-testid="er-error" role="alert">{e}</p> })}
            {move || model.with(|m| m.as_ref().is_some_and(|m| m.tables.is_empty())).then(|| view! {
                <p class="muted er-empty" data-testid="er-empty">
                    "No schemas or tables yet: run a cell that defines an Ecto schema (or creates a table), or design one below."
                </p>
            })}
            <div class="er-canvas" node_ref=host></div>
            <Drift model=model/>
            <Designer model=model/>
        </section>
    }
}

/// Jumps to the cell that defines `table`'s schema.
fn select_table(nb: Nb, model: RwSignal<Option<ErModel>>, table: &str) {
    let cell = model.with_untracked(|m| m.as_ref().and_then(|m| m.table(table)).and_then(|t| t.location.as_ref()).map(|l| l.cell));
    let Some(index) = cell else { return };
    let Some(id) = nb.cells.with_untracked(|cs| cs.get(index).map(|c| c.id)) else { return };
    nb.view.set(View::Notebook);
    nb.active.set(Some(id));
    nb.focus_cell(id);
}

/// Where the schemas and the tables disagree, each with its fix.
#[component]
fn Drift(model: RwSignal<Option<ErModel>>) -> impl IntoView {
    let nb = expect_context::<Nb>();
    let items = move || model.with(|m| m.as_ref().map(|m| m.drift.clone()).unwrap_or_default());
    view! {
        <section class="drift" data-testid="drift" aria-labelledby="drift-title">
            <h3 id="drift-title">"Schemas and tables"</h3>
            {move || {
                let list = items();
                if list.is_empty() {
                    let read = model.with(|m| m.as_ref().is_some_and(|m| m.database));
                    let text = if read { "The schemas and the database agree." } else { "Run the notebook to compare the schemas with the database." };
                    view! { <p class="muted" data-testid="drift-none">{text}</p> }.into_any()
                } else {
                    let rows = list
                        .into_iter()
                        .map(|d| {
                            let migration = d.migration.clone();
                            let title = format!("Fix: {}", d.message);
                            let kind = format!("{:?}", d.kind).to_lowercase();
                            view! {
                                <li class="drift-item" data-testid="drift-item" data-table=d.table.clone() data-kind=kind>
                                    <span class="warn-text">"⚠ "</span>
                                    <span data-testid="drift-message">{d.message.clone()}</span>
                                    <details>
                                        <summary>"Migration"</summary>
                                        <pre class="code" data-testid="drift-migration">{d.migration.clone()}</pre>
                                    </details>
                                    <button type="button" class="btn small" data-testid="drift-fix"
                                        title="Add this migration as a new cell and run it"
                                        disabled=move || !nb.status.get().is_ready()
                                        on:click=move |_| add_and_run(nb, vec![(title.clone(), migration.clone())])>
                                        "Add migration cell"
                                    </button>
                                </li>
                            }
                        })
                        .collect_view();
                    view! { <ul class="drift-list">{rows}</ul> }.into_any()
                }
            }}
        </section>
    }
}

/// The Ecto types the designer offers.
const TYPES: &[&str] = &[
    ":string",
    ":integer",
    ":boolean",
    ":float",
    ":decimal",
    ":date",
    ":time",
    ":naive_datetime",
    ":utc_datetime",
    ":map",
    ":binary",
    ":binary_id",
    "{:array, :string}",
    "{:array, :integer}",
];

/// What the designer is about to do.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Action {
    AddField,
    CreateTable,
    RenameField,
    RemoveField,
    AddAssoc,
}

/// The designer: forms whose operations the engine writes as code, shown
/// before anything is added to the notebook.
#[component]
fn Designer(model: RwSignal<Option<ErModel>>) -> impl IntoView {
    let nb = expect_context::<Nb>();
    let action = RwSignal::new(Action::AddField);
    let table = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let module = RwSignal::new(String::new());
    let ty = RwSignal::new(":string".to_string());
    let null = RwSignal::new(true);
    let default = RwSignal::new(String::new());
    let size = RwSignal::new(String::new());
    let field = RwSignal::new(String::new());
    let assoc_kind = RwSignal::new("belongs_to".to_string());
    let target = RwSignal::new(String::new());
    let join_table = RwSignal::new(String::new());
    let change = RwSignal::new(None::<Change>);
    let problem = RwSignal::new(None::<String>);

    let tables = move || {
        model.with(|m| {
            m.as_ref()
                .map(|m| {
                    m.tables
                        .iter()
                        .filter(|t| !t.modules.is_empty() && t.kind.as_str() == "schema")
                        .map(|t| t.name.clone())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };
    let fields_of = move |t: String| {
        model.with(|m| {
            m.as_ref()
                .and_then(|m| m.table(&t))
                .map(|t| t.fields.iter().filter_map(|f| f.name.clone()).collect::<Vec<_>>())
                .unwrap_or_default()
        })
    };
    // Selections follow the model: the first table (and field) when none is chosen.
    Effect::new(move |_| {
        let ts = tables();
        if !ts.contains(&table.get_untracked()) {
            table.set(ts.first().cloned().unwrap_or_default());
        }
        if !ts.contains(&target.get_untracked()) {
            target.set(ts.first().cloned().unwrap_or_default());
        }
    });
    Effect::new(move |_| {
        let fs = fields_of(table.get());
        if !fs.contains(&field.get_untracked()) {
            field.set(fs.first().cloned().unwrap_or_default());
        }
    });

    let op = move || -> Result<DesignOp, String> {
        let text = |s: RwSignal<String>| s.get_untracked().trim().to_string();
        let design_field = || -> Result<DesignField, String> {
            let n = text(name);
            if n.is_empty() {
                return Err("Name the field.".to_string());
            }
            let size = match text(size) {
                s if s.is_empty() => None,
                s => Some(s.parse::<u32>().map_err(|_| format!("The size {s:?} is not a whole number."))?),
            };
            let d = text(default);
            Ok(DesignField {
                name: n,
                ecto_type: ty.get_untracked(),
                null: null.get_untracked(),
                default: (!d.is_empty()).then_some(d),
                size,
                ..Default::default()
            })
        };
        Ok(match action.get_untracked() {
            Action::AddField => DesignOp::AddField { table: text(table), field: design_field()? },
            Action::CreateTable => {
                let t = text(name);
                let m = text(module);
                if t.is_empty() || m.is_empty() {
                    return Err("Name the table and its schema module.".to_string());
                }
                DesignOp::CreateTable { table: t, module: m, fields: Vec::new(), primary_key: PrimaryKey::Id, timestamps: true }
            }
            Action::RenameField => {
                let to = text(name);
                if to.is_empty() {
                    return Err("Give the field its new name.".to_string());
                }
                DesignOp::RenameField { table: text(table), from: text(field), to }
            }
            Action::RemoveField => DesignOp::RemoveField { table: text(table), name: text(field) },
            Action::AddAssoc => {
                let kind = match assoc_kind.get_untracked().as_str() {
                    "has_one" => AssocKind::HasOne,
                    "has_many" => AssocKind::HasMany,
                    "many_to_many" => AssocKind::ManyToMany,
                    _ => AssocKind::BelongsTo,
                };
                let n = text(name);
                if n.is_empty() {
                    return Err("Name the association.".to_string());
                }
                let jt = text(join_table);
                DesignOp::AddAssoc {
                    table: text(table),
                    assoc: NewAssoc {
                        kind,
                        name: n,
                        target: text(target),
                        foreign_key: None,
                        join_table: (!jt.is_empty()).then_some(jt),
                        on_delete: None,
                        null: null.get_untracked(),
                    },
                }
            }
        })
    };

    let preview = move |_| {
        problem.set(None);
        change.set(None);
        let op = match op() {
            Ok(op) => op,
            Err(e) => {
                problem.set(Some(e));
                return;
            }
        };
        let Some(backend) = nb.backend_handle() else { return };
        let cells = sources(nb);
        spawn_local(async move {
            match backend.design(cells, op, version_now()).await {
                Ok(c) => change.set(Some(c)),
                Err(e) => problem.set(Some(e)),
            }
        });
    };
    let apply = move |_| {
        let Some(c) = change.get_untracked() else { return };
        let mut cells: Vec<(String, String)> = c.schemas.iter().map(|s| (format!("Schema {}", s.module), s.code.clone())).collect();
        cells.push((format!("Migration {}", c.migration_module), c.migration.clone()));
        add_and_run(nb, cells);
        name.set(String::new());
        default.set(String::new());
        size.set(String::new());
        change.set(None);
    };

    let table_select = move || {
        view! {
            <label>"Table "
                <select data-testid="design-table" prop:value=move || table.get() on:change:target=move |ev| table.set(ev.target().value())>
                    {move || tables().into_iter().map(|t| view! { <option value=t.clone()>{t.clone()}</option> }).collect_view()}
                </select>
            </label>
        }
    };
    let field_select = move || {
        view! {
            <label>"Field "
                <select data-testid="design-field" prop:value=move || field.get() on:change:target=move |ev| field.set(ev.target().value())>
                    {move || fields_of(table.get()).into_iter().map(|f| view! { <option value=f.clone()>{f.clone()}</option> }).collect_view()}
                </select>
            </label>
        }
    };
    let name_input = move |label: &'static str| {
        view! {
            <label>{label}" "
                <input type="text" data-testid="design-name" spellcheck="false" prop:value=move || name.get()
                    on:input:target=move |ev| name.set(ev.target().value())/>
            </label>
        }
    };
    let type_fields = move || {
        view! {
            <label>"Type "
                <select data-testid="design-type" prop:value=move || ty.get() on:change:target=move |ev| ty.set(ev.target().value())>
                    {TYPES.iter().map(|t| view! { <option value=*t>{*t}</option> }).collect_view()}
                </select>
            </label>
            <label class="check"><input type="checkbox" data-testid="design-null" prop:checked=move || null.get()
                on:change:target=move |ev| null.set(ev.target().checked())/>" null allowed"</label>
            <label>"Default "
                <input type="text" data-testid="design-default" placeholder="an Elixir literal" spellcheck="false" prop:value=move || default.get()
                    on:input:target=move |ev| default.set(ev.target().value())/>
            </label>
            <label>"Size "
                <input type="text" inputmode="numeric" data-testid="design-size" size="5" prop:value=move || size.get()
                    on:input:target=move |ev| size.set(ev.target().value())/>
            </label>
        }
    };

    view! {
        <section class="designer" data-testid="designer" aria-labelledby="designer-title">
            <h3 id="designer-title">"Design"</h3>
            <div class="designer-actions" role="tablist">
                {[
                    (Action::AddField, "Add field", "design-add-field"),
                    (Action::CreateTable, "New table", "design-new-table"),
                    (Action::RenameField, "Rename field", "design-rename-field"),
                    (Action::RemoveField, "Remove field", "design-remove-field"),
                    (Action::AddAssoc, "Add association", "design-add-assoc"),
                ]
                    .into_iter()
                    .map(|(a, label, id)| view! {
                        <button type="button" role="tab" class="btn small" data-testid=id
                            aria-selected=move || (action.get() == a).to_string()
                            on:click=move |_| { action.set(a); change.set(None); problem.set(None); }>{label}</button>
                    })
                    .collect_view()}
            </div>
            <div class="designer-form">
                {move || match action.get() {
                    Action::AddField => view! { {table_select()} {name_input("Name")} {type_fields()} }.into_any(),
                    Action::CreateTable => view! {
                        {name_input("Table")}
                        <label>"Module "
                            <input type="text" data-testid="design-module" placeholder="MyApp.Thing" spellcheck="false" prop:value=move || module.get()
                                on:input:target=move |ev| module.set(ev.target().value())/>
                        </label>
                    }.into_any(),
                    Action::RenameField => view! { {table_select()} {field_select()} {name_input("New name")} }.into_any(),
                    Action::RemoveField => view! { {table_select()} {field_select()} }.into_any(),
                    Action::AddAssoc => view! {
                        {table_select()}
                        <label>"Kind "
                            <select data-testid="design-assoc-kind" prop:value=move || assoc_kind.get() on:change:target=move |ev| assoc_kind.set(ev.target().value())>
                                <option value="belongs_to">"belongs_to"</option>
                                <option value="has_one">"has_one"</option>
                                <option value="has_many">"has_many"</option>
                                <option value="many_to_many">"many_to_many"</option>
                            </select>
                        </label>
                        {name_input("Name")}
                        <label>"Target "
                            <select data-testid="design-target" prop:value=move || target.get() on:change:target=move |ev| target.set(ev.target().value())>
                                {move || tables().into_iter().map(|t| view! { <option value=t.clone()>{t.clone()}</option> }).collect_view()}
                            </select>
                        </label>
                        <label>"Join table "
                            <input type="text" data-testid="design-join-table" placeholder="for many_to_many" spellcheck="false" prop:value=move || join_table.get()
                                on:input:target=move |ev| join_table.set(ev.target().value())/>
                        </label>
                    }.into_any(),
                }}
                <button type="button" class="btn primary small" data-testid="design-preview"
                    disabled=move || !nb.status.get().is_ready() on:click=preview>"Show the code"</button>
            </div>
            {move || problem.get().map(|p| view! { <p class="error" data-testid="design-error" role="alert">{p}</p> })}
            {move || change.get().map(|c| {
                let schemas = c.schemas.into_iter().map(|s| view! {
                    <h4>{format!("Schema {}", s.module)}</h4>
                    <pre class="code" data-testid="design-schema">{s.code}</pre>
                }).collect_view();
                view! {
                    <div class="design-change" data-testid="design-change">
                        <p class="muted">"These cells will be added at the end of the notebook and run:"</p>
                        {schemas}
                        <h4>{format!("Migration {}", c.migration_module)}</h4>
                        <pre class="code" data-testid="design-migration">{c.migration}</pre>
                        <button type="button" class="btn primary small" data-testid="design-apply"
                            disabled=move || !nb.status.get().is_ready() on:click=apply>"Add the cells and run them"</button>
                        <button type="button" class="btn small" data-testid="design-discard" on:click=move |_| change.set(None)>"Discard"</button>
                    </div>
                }
            })}
        </section>
    }
}

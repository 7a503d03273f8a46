//! "Why is this query slow?": the plan of the query under the cursor (a
//! tree of nodes in words, tied to the clauses of the Ecto code: hovering
//! a node marks its clause in the editor, hovering a clause marks its
//! nodes), its timing, the index advice as migration cells with a before →
//! after view, the preload strategies compared, and data generated for a
//! table in steps. Everything is computed by the engine in the worker
//! (`engine::playground::insight`); the panel is drawn by its lazily loaded
//! bundle ([`crate::insight`]) from the engine's JSON, and this holds the
//! state and runs the actions.

use std::rc::Rc;

use leptos::html::Div;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::state::{Nb, Status};
use crate::backend::GenProgress;
use crate::insight::{Callbacks, InsightView};

/// How many times a timing runs the query, unless changed.
pub const DEFAULT_RUNS: u32 = 5;
/// Rows a generation inserts, unless changed.
pub const DEFAULT_GEN_ROWS: u32 = 1_000;
/// The most rows one generation inserts (the engine's limit too).
pub const MAX_GEN_ROWS: u32 = 200_000;

/// What an analysis was made of: the query (its cell, place, SQL and
/// params) and the data (runs and generations since), so that the same
/// query on the same data is not analyzed twice.
#[derive(Clone, Debug, PartialEq, Default)]
struct Key {
    cell: u32,
    from: u32,
    to: u32,
    sql: String,
    params: Vec<String>,
    run_seq: u32,
}

/// An index added from the advice: the plan and timing before and after
/// (the analyses as JSON).
#[derive(Clone, Debug, PartialEq)]
pub struct BeforeAfter {
    pub migration: String,
    pub before: String,
    pub after: String,
    /// From the click to the view, in ms.
    pub elapsed_ms: f64,
}

/// The plan panel's state.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct InsightState {
    /// The cell and UTF-16 offset of the query analyzed.
    pub at: Option<(u32, u32)>,
    key: Option<Key>,
    /// The analysis (JSON, as the engine's worker writes it).
    pub insight: Option<String>,
    /// What is under way: `timing`, `index` or `strategies`.
    pub busy: Option<&'static str>,
    /// Why the last action failed.
    pub error: Option<String>,
    /// The preload strategies compared (JSON).
    pub strategies: Option<String>,
    pub compare: Option<BeforeAfter>,
    /// Requests made; an answer to an older one is dropped.
    seq: u32,
    /// Data generation: the options and the generation under way.
    pub gen: GenState,
}

impl InsightState {
    /// The database was replaced (reset, import): what was measured on the
    /// old one goes, and the query is planned again.
    pub fn forget(&mut self) {
        self.key = None;
        self.compare = None;
        self.strategies = None;
    }
}

/// Data generation: the generation under way and the last one's outcome
/// (the options are read from their fields when a generation starts).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct GenState {
    /// The table being filled.
    pub table: Option<String>,
    pub progress: Option<GenProgress>,
    /// Stop asked: no further batch is inserted.
    pub stop: bool,
    /// The outcome of the last generation: (whether it went well, in words).
    pub message: Option<(bool, String)>,
}

/// The value of the form field `id` (an input or a select).
fn field(id: &str) -> Option<String> {
    let el = web_sys::window()?.document()?.get_element_by_id(id)?;
    js_sys::Reflect::get(&el, &"value".into()).ok()?.as_string()
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// A string as a JSON string.
fn json(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "null".to_string())
}

/// `12,345`.
fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl Nb {
    /// The key of the query under the cursor now (untracked unless `tracked`).
    fn insight_key(&self, tracked: bool) -> Option<Key> {
        let (cell, preview) = if tracked {
            self.preview.with(|p| (p.cell, p.preview.clone()))
        } else {
            self.preview.with_untracked(|p| (p.cell, p.preview.clone()))
        };
        let run_seq = if tracked { self.run_seq.get() } else { self.run_seq.get_untracked() };
        let p = preview?;
        let sql = p.sqlite.sql?;
        Some(Key { cell: cell?, from: p.from, to: p.to, sql, params: p.sqlite.params, run_seq })
    }

    /// Plans the query under the cursor when it (or the data) changed
    /// since the last analysis; called by an effect in the panel.
    fn auto_insight(&self) {
        let ready = self.status.get() == Status::Ready;
        let key = self.insight_key(true);
        if !ready {
            return;
        }
        let Some(key) = key else {
            self.insight.update(|s| {
                if s.key.is_some() || s.insight.is_some() {
                    *s = InsightState { seq: s.seq + 1, gen: std::mem::take(&mut s.gen), ..InsightState::default() };
                }
            });
            return;
        };
        if self.insight.with_untracked(|s| s.key.as_ref() == Some(&key)) {
            return;
        }
        let Some(backend) = self.backend_handle() else { return };
        let same_query =
            self.insight.with_untracked(|s| s.key.as_ref().is_some_and(|k| k.cell == key.cell && k.from == key.from && k.to == key.to));
        let (cell, at) = (key.cell, key.from);
        let mut seq = 0;
        self.insight.update(|s| {
            s.seq += 1;
            seq = s.seq;
            s.key = Some(key);
            s.at = Some((cell, at));
            if !same_query {
                s.compare = None;
                s.strategies = None;
                s.error = None;
            }
        });
        let nb = *self;
        spawn_local(async move {
            let r = backend.insight(nb.unrun_before(cell), nb.sources(), nb.source_of(cell), at, 0).await;
            nb.insight.update(|s| {
                if s.seq != seq {
                    return;
                }
                match r {
                    Ok(i) => s.insight = i,
                    Err(e) => {
                        s.insight = None;
                        s.error = Some(e);
                    }
                }
            });
        });
    }

    /// Starts an action on the query analyzed: the status is `Running`
    /// (Stop and the time limit apply) and older answers are dropped.
    fn begin_action(&self, busy: &'static str) -> Option<(crate::backend::Backend, u32, u32)> {
        if !self.status.get_untracked().is_ready() {
            return None;
        }
        let backend = self.backend_handle()?;
        let (cell, at) = self.insight.with_untracked(|s| s.at)?;
        self.status.set(Status::Running);
        self.insight.update(|s| {
            s.seq += 1;
            s.busy = Some(busy);
            s.error = None;
        });
        Some((backend, cell, at))
    }

    fn end_action(&self, error: Option<String>) {
        let key = self.insight_key(false);
        self.insight.update(|s| {
            s.busy = None;
            s.error = error;
            // what is shown is the answer for the query and data of now
            if key.as_ref().is_some_and(|k| s.key.as_ref().is_some_and(|o| o.cell == k.cell && o.from == k.from && o.to == k.to)) {
                s.key = key;
            }
        });
        self.status.set(Status::Ready);
    }

    /// Runs the query analyzed K times and shows its median.
    pub fn time_query(&self) {
        let Some((backend, cell, at)) = self.begin_action("timing") else { return };
        let nb = *self;
        let runs = nb.runs.get_untracked();
        spawn_local(async move {
            let r = backend.insight(nb.unrun_before(cell), nb.sources(), nb.source_of(cell), at, runs).await;
            let error = match r {
                Ok(Some(i)) => {
                    nb.insight.update(|s| s.insight = Some(i));
                    None
                }
                Ok(None) => Some("There is no query under the cursor any more.".to_string()),
                Err(e) => Some(e),
            };
            nb.end_action(error);
        });
    }

    /// Adds an index from the advice: the plan and timing before (the plan
    /// shown when it was `timed`), the migration `cell` inserted before the
    /// query's cell and run, then the plan and timing after, side by side.
    pub fn apply_advice(&self, cell_source: String, migration: String, timed: bool) {
        let current = self.insight.with_untracked(|s| s.insight.clone());
        let Some((backend, cell, at)) = self.begin_action("index") else { return };
        let nb = *self;
        let runs = nb.runs.get_untracked();
        spawn_local(async move {
            let started = now_ms();
            let analyze = || async {
                match backend.insight(nb.unrun_before(cell), nb.sources(), nb.source_of(cell), at, runs).await {
                    Ok(Some(i)) => Ok(i),
                    Ok(None) => Err("There is no query under the cursor any more.".to_string()),
                    Err(e) => Err(e),
                }
            };
            let before = match current.filter(|_| timed) {
                Some(i) => i,
                None => match analyze().await {
                    Ok(i) => i,
                    Err(e) => return nb.end_action(Some(e)),
                },
            };
            let id = nb.insert_cell_before(cell, cell_source);
            if !nb.run_now(&backend, nb.cell_models(&[id]), false).await {
                return nb.end_action(Some("The migration cell did not run to its end: its error is shown under it.".to_string()));
            }
            let after = match analyze().await {
                Ok(i) => i,
                Err(e) => return nb.end_action(Some(e)),
            };
            let elapsed_ms = now_ms() - started;
            nb.insight.update(|s| {
                s.insight = Some(after.clone());
                s.compare = Some(BeforeAfter { migration, before, after, elapsed_ms });
            });
            nb.end_action(None);
        });
    }

    /// Loads the query's preloads three ways and shows what each cost.
    pub fn compare_strategies(&self) {
        let Some((backend, cell, at)) = self.begin_action("strategies") else { return };
        let nb = *self;
        let runs = nb.runs.get_untracked();
        spawn_local(async move {
            let r = backend.strategies(nb.unrun_before(cell), nb.source_of(cell), at, runs).await;
            let error = match r {
                Ok(json) => {
                    nb.insight.update(|s| s.strategies = Some(json));
                    None
                }
                Err(e) => Some(e),
            };
            nb.end_action(error);
        });
    }

    /// The mouse is over text position `pos` of cell `id`'s editor (-1: none).
    pub fn hover_at(&self, id: u32, pos: i32) {
        let analyzed = self.insight.with_untracked(|s| s.at.map(|a| a.0));
        let at = u32::try_from(pos).ok().filter(|_| analyzed == Some(id));
        if self.hover.get_untracked() != at {
            self.hover.set(at);
        }
    }

    /// Marks `spans` of cell `cell` in its editor (none: clears the marks).
    pub fn mark_clauses(&self, cell: u32, spans: &[(u32, u32)]) {
        if let Some(editor) = self.editor(cell) {
            editor.mark(spans);
        }
    }

    /// Fills `table` with generated rows, batch by batch, as the options say.
    pub fn generate(&self, table: String) {
        if !self.status.get_untracked().is_ready() {
            return;
        }
        let Some(backend) = self.backend_handle() else { return };
        let nb = *self;
        let rows = field("gen-rows").and_then(|v| v.trim().parse::<u32>().ok()).unwrap_or(DEFAULT_GEN_ROWS).clamp(1, MAX_GEN_ROWS);
        let seed = field("gen-seed").and_then(|v| v.trim().parse::<u64>().ok()).unwrap_or(0);
        let skew = field("gen-skew").unwrap_or_default();
        nb.status.set(Status::Running);
        nb.insight.update(|s| {
            let g = &mut s.gen;
            g.table = Some(table.clone());
            g.progress = Some(GenProgress { inserted: 0, total: rows as usize, done: false, attempted: 0 });
            g.stop = false;
            g.message = None;
        });
        spawn_local(async move {
            let started = now_ms();
            let mut outcome = backend.generate(table.clone(), nb.sources(), rows, seed, skew).await;
            while let Ok(p) = &outcome {
                nb.insight.update(|s| s.gen.progress = Some(*p));
                if p.done || nb.insight.with_untracked(|s| s.gen.stop) {
                    break;
                }
                outcome = backend.generate_step().await;
            }
            let end = backend.generate_end().await;
            let secs = (now_ms() - started) / 1000.0;
            let message = match (outcome, end) {
                (Ok(p), Ok(())) => {
                    let rate =
                        if secs > 0.0 { format!(", {} rows/s", thousands((p.inserted as f64 / secs) as usize)) } else { String::new() };
                    let stopped = if p.done { "" } else { " (stopped)" };
                    let skipped = if p.inserted < p.attempted {
                        format!(" {} rows that would have repeated a unique combination were skipped.", thousands(p.attempted - p.inserted))
                    } else {
                        String::new()
                    };
                    (true, format!("Inserted {} rows into {table} in {secs:.2} s{rate}{stopped}.{skipped}", thousands(p.inserted)))
                }
                (Err(e), _) | (_, Err(e)) => (false, format!("Generating rows for {table} failed: {e}")),
            };
            nb.insight.update(|s| {
                let g = &mut s.gen;
                g.table = None;
                g.progress = None;
                g.stop = false;
                g.message = Some(message);
            });
            // The data changed: the plan is made again.
            nb.run_seq.update(|n| *n += 1);
            nb.status.set(Status::Ready);
            nb.refresh_tables();
        });
    }
}

/// The panel's state for the bundle: whether actions can start, the
/// runs, what is under way, the last error, the strategies and the
/// before → after view (JSON).
fn extras(s: &InsightState, ready: bool, runs: u32) -> String {
    let opt = |x: &Option<String>| x.as_deref().map(json).unwrap_or_else(|| "null".to_string());
    let compare = s.compare.as_ref().map_or_else(
        || "null".to_string(),
        |c| format!(r#"{{"migration":{},"elapsed_ms":{},"before":{},"after":{}}}"#, json(&c.migration), c.elapsed_ms, c.before, c.after),
    );
    format!(
        r#"{{"ready":{ready},"runs":{runs},"busy":{},"error":{},"strategies":{},"compare":{compare}}}"#,
        opt(&s.busy.map(str::to_string)),
        opt(&s.error),
        s.strategies.as_deref().unwrap_or("null"),
    )
}

/// The plan panel, between the SQL preview and the statement log: a host
/// for the bundle's panel, created when there is first something to show.
#[component]
pub fn InsightPanel() -> impl IntoView {
    let nb = expect_context::<Nb>();
    Effect::new(move |_| nb.auto_insight());
    let host = NodeRef::<Div>::new();
    let panel = StoredValue::new_local(None::<Rc<InsightView>>);
    let loading = StoredValue::new(false);
    let failed = RwSignal::new(None::<String>);
    let render = move |panel: &InsightView| {
        let s = nb.insight.get_untracked();
        let text = extras(&s, nb.status.get_untracked().is_ready(), nb.runs.get_untracked());
        if let Err(e) = panel.render(s.insight, &text) {
            failed.set(Some(e));
        }
    };
    Effect::new(move |_| {
        let shown = nb.insight.with(|s| s.insight.is_some() || s.error.is_some() || s.busy.is_some());
        nb.status.track();
        nb.runs.track();
        if let Some(p) = panel.get_value() {
            return render(&p);
        }
        if !shown || loading.get_value() {
            return;
        }
        loading.set_value(true);
        spawn_local(async move {
            let created = match crate::insight::load().await {
                Ok(()) => match host.get_untracked() {
                    Some(el) => InsightView::new(
                        &el,
                        Callbacks {
                            on_mark: Box::new(move |ranges| {
                                if let Some((cell, _)) = nb.insight.with_untracked(|s| s.at) {
                                    nb.mark_clauses(cell, &ranges);
                                }
                            }),
                            on_apply: Box::new(move |cell, migration, timed| nb.apply_advice(cell, migration, timed)),
                            on_time: Box::new(move || nb.time_query()),
                            on_compare: Box::new(move || nb.compare_strategies()),
                            on_runs: Box::new(move |k| nb.runs.set(k)),
                        },
                    ),
                    None => Err("the panel is gone".to_string()),
                },
                Err(e) => Err(e),
            };
            loading.set_value(false);
            match created {
                Ok(p) => {
                    let p = Rc::new(p);
                    render(&p);
                    panel.set_value(Some(p));
                    failed.set(None);
                }
                Err(e) => failed.set(Some(e)),
            }
        });
    });
    // The clause under the mouse in the editor marks its plan nodes.
    Effect::new(move |_| {
        let hover = nb.hover.get();
        if let Some(p) = panel.get_value() {
            p.hover(hover.map_or(-1, |p| p as i32));
        }
    });
    view! {
        <section class="panel insight" data-testid="insight" aria-labelledby="insight-title">
            <header class="panel-head"><h2 id="insight-title">"Query plan"</h2></header>
            {move || failed.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <div class="insight-host" node_ref=host>
                <p class="muted" data-testid="plan-empty">
                    "Put the cursor on a query to see how the database runs it: the plan, the indexes it lacks and what the query costs on your data (generate rows from the tables on the left)."
                </p>
            </div>
        </section>
    }
}

/// The generation options above the tables, and the progress of a
/// generation under way (or how the last one went).
#[component]
pub fn GenerateOptions() -> impl IntoView {
    let nb = expect_context::<Nb>();
    view! {
        <div class="gen" data-testid="generate-options" hidden=move || nb.tables.with(|t| t.is_empty())>
            <div class="gen-fields">
                <label>"Rows "
                    <input type="number" id="gen-rows" min="1" max="200000" step="1000" value="1000" data-testid="generate-rows"/>
                </label>
                <label>"Seed "<input type="number" id="gen-seed" min="0" value="1" data-testid="generate-seed"/></label>
                <label title="How child rows spread over their parent rows">"Parents "
                    <select id="gen-skew" data-testid="generate-skew">
                        <option value="uniform">"uniform"</option>
                        <option value="heavy">"a few heavy"</option>
                    </select>
                </label>
            </div>
            {move || nb.insight.with(|s| match (&s.gen.progress, &s.gen.message) {
                (Some(p), _) => {
                    let text = format!("{}: {} / {}", s.gen.table.as_deref().unwrap_or_default(), thousands(p.attempted), thousands(p.total));
                    view! {
                        <div class="gen-progress" data-testid="generate-progress">
                            <progress max=p.total.max(1) value=p.attempted></progress>
                            <span class="muted">{text}</span>
                            <button type="button" class="btn small" data-testid="generate-stop"
                                title="Stop after the batch being inserted: the rows so far stay"
                                on:click=move |_| nb.insight.update(|s| s.gen.stop = true)>"Stop"</button>
                        </div>
                    }
                    .into_any()
                }
                (None, Some((ok, m))) => view! {
                    <p class="gen-status" class:error=!ok data-testid="generate-status" role="status">{m.clone()}</p>
                }
                .into_any(),
                (None, None) => ().into_any(),
            })}
        </div>
    }
}

/// The "Generate data" button of one table.
#[component]
pub fn GenerateButton(table: String) -> impl IntoView {
    let nb = expect_context::<Nb>();
    let name = table.clone();
    view! {
        <button type="button" class="btn small gen-button" data-testid="generate-data" data-table=table.clone()
            title=format!("Insert generated rows into {table} (rows, seed and parents as set above)")
            aria-label=format!("Generate data for {table}")
            disabled=move || !nb.status.get().is_ready()
            on:click=move |ev| {
                ev.prevent_default();
                nb.generate(name.clone());
            }>"Generate"</button>
    }
}

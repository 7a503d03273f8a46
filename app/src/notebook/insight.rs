//! "Why is this query slow?": the plan of the query under the cursor (a
//! tree of nodes in words, tied to the clauses of the Ecto code: hovering
//! a node marks its clause in the editor, hovering a clause marks its
//! nodes), its timing, the index advice as migration cells with a before →
//! after view, the preload strategies compared, and data generated for a
//! table in steps. Everything is computed by the engine in the worker
//! (`engine::playground::insight`); this holds the signals and draws text.

use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::state::{Nb, Status};
use crate::backend::{GenProgress, Insight, PlanNodeView, StrategyRow};

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
    gen_seq: u32,
}

/// An index added from the advice: the plan and timing before and after.
#[derive(Clone, Debug, PartialEq)]
pub struct BeforeAfter {
    pub migration: String,
    pub before: Insight,
    pub after: Insight,
    /// From the click to the view, in ms.
    pub elapsed_ms: f64,
}

/// The plan panel's state.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct InsightState {
    /// The cell and UTF-16 offset of the query analyzed.
    pub at: Option<(u32, u32)>,
    key: Option<Key>,
    pub insight: Option<Insight>,
    /// What is under way: `timing`, `index` or `strategies`.
    pub busy: Option<&'static str>,
    /// Why the last action failed.
    pub error: Option<String>,
    pub strategies: Option<Vec<StrategyRow>>,
    pub compare: Option<BeforeAfter>,
    /// Requests made; an answer to an older one is dropped.
    seq: u32,
}

/// Data generation: the options and the generation under way.
#[derive(Clone, Debug, PartialEq)]
pub struct GenState {
    pub rows: u32,
    pub seed: u64,
    /// `uniform` or `heavy`.
    pub skew: String,
    /// The table being filled.
    pub table: Option<String>,
    pub progress: Option<GenProgress>,
    /// Stop asked: no further batch is inserted.
    pub stop: bool,
    /// The outcome of the last generation: (whether it went well, in words).
    pub message: Option<(bool, String)>,
    /// Generations finished (the data changed).
    pub seq: u32,
}

impl Default for GenState {
    fn default() -> GenState {
        GenState {
            rows: DEFAULT_GEN_ROWS,
            seed: 1,
            skew: "uniform".to_string(),
            table: None,
            progress: None,
            stop: false,
            message: None,
            seq: 0,
        }
    }
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Microseconds as `12.3 ms`.
pub fn ms(us: u64) -> String {
    let ms = us as f64 / 1000.0;
    if ms >= 100.0 {
        format!("{ms:.0} ms")
    } else if ms >= 1.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.3} ms")
    }
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
        let (run_seq, gen_seq) = if tracked {
            (self.run_seq.get(), self.generation.with(|g| g.seq))
        } else {
            (self.run_seq.get_untracked(), self.generation.with_untracked(|g| g.seq))
        };
        let p = preview?;
        let sql = p.sqlite.sql?;
        Some(Key { cell: cell?, from: p.from, to: p.to, sql, params: p.sqlite.params, run_seq, gen_seq })
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
                    *s = InsightState { seq: s.seq + 1, ..InsightState::default() };
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

    /// Adds the index of advice `ix`: the plan and timing before, the
    /// migration inserted as a cell before the query's and run, then the
    /// plan and timing after, side by side.
    pub fn apply_advice(&self, ix: usize) {
        let Some(current) = self.insight.with_untracked(|s| s.insight.clone()) else { return };
        let Some(advice) = current.advice.get(ix).cloned() else { return };
        let Some((backend, cell, at)) = self.begin_action("index") else { return };
        let nb = *self;
        let runs = nb.runs.get_untracked();
        spawn_local(async move {
            let started = now_ms();
            let analyze = || async {
                match backend.insight(nb.unrun_before(cell), nb.sources(), nb.source_of(cell), at, runs).await {
                    Ok(Some(i)) if i.error.is_none() => Ok(i),
                    Ok(Some(i)) => Err(i.error.unwrap_or_default()),
                    Ok(None) => Err("There is no query under the cursor any more.".to_string()),
                    Err(e) => Err(e),
                }
            };
            let before = match current.timing {
                Some(_) => current,
                None => match analyze().await {
                    Ok(i) => i,
                    Err(e) => return nb.end_action(Some(e)),
                },
            };
            let id = nb.insert_cell_before(cell, advice.cell.clone());
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
                s.compare = Some(BeforeAfter { migration: advice.migration.clone(), before, after, elapsed_ms });
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
                Ok(rows) => {
                    nb.insight.update(|s| s.strategies = Some(rows));
                    None
                }
                Err(e) => Some(e),
            };
            nb.end_action(error);
        });
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
        let (rows, seed, skew) = nb.generation.with_untracked(|g| (g.rows.clamp(1, MAX_GEN_ROWS), g.seed, g.skew.clone()));
        nb.status.set(Status::Running);
        nb.generation.update(|g| {
            g.table = Some(table.clone());
            g.progress = Some(GenProgress { inserted: 0, total: rows as usize, done: false });
            g.stop = false;
            g.message = None;
        });
        spawn_local(async move {
            let started = now_ms();
            let mut outcome = backend.generate(table.clone(), nb.sources(), rows, seed, skew).await;
            while let Ok(p) = &outcome {
                nb.generation.update(|g| g.progress = Some(*p));
                if p.done || nb.generation.with_untracked(|g| g.stop) {
                    break;
                }
                outcome = backend.generate_step().await;
            }
            let end = backend.generate_end().await;
            let secs = (now_ms() - started) / 1000.0;
            let message = match (outcome, end) {
                (Ok(p), Ok(())) => {
                    let rate = if secs > 0.0 { format!(", {} rows/s", thousands((p.inserted as f64 / secs) as usize)) } else { String::new() };
                    let stopped = if p.done { "" } else { " (stopped)" };
                    (true, format!("Inserted {} rows into {table} in {secs:.2} s{rate}{stopped}.", thousands(p.inserted)))
                }
                (Err(e), _) | (_, Err(e)) => (false, format!("Generating rows for {table} failed: {e}")),
            };
            nb.generation.update(|g| {
                g.table = None;
                g.progress = None;
                g.stop = false;
                g.message = Some(message);
                g.seq += 1;
            });
            nb.status.set(Status::Ready);
            nb.refresh_tables();
        });
    }
}

/// The plan panel, between the SQL preview and the statement log.
#[component]
pub fn InsightPanel() -> impl IntoView {
    let nb = expect_context::<Nb>();
    Effect::new(move |_| nb.auto_insight());
    let ready = move || nb.status.get().is_ready();
    let state = move || nb.insight.get();
    view! {
        <section class="panel insight" data-testid="insight" aria-labelledby="insight-title">
            <header class="panel-head">
                <h2 id="insight-title">"Query plan"</h2>
                <label class="muted runs" title="How many times the query runs; the median is shown">
                    "Runs "
                    <input type="number" min="1" max="50" data-testid="timing-runs"
                        prop:value=move || nb.runs.get().to_string()
                        on:change:target=move |ev| {
                            if let Ok(k) = ev.target().value().parse::<u32>() {
                                nb.runs.set(k.clamp(1, 50));
                            }
                        }/>
                </label>
                <button type="button" class="btn small" data-testid="time-query"
                    title="Run the query under the cursor several times and show the median time"
                    disabled=move || !ready() || nb.insight.with(|s| s.insight.as_ref().is_none_or(|i| i.error.is_some() || i.op != "all"))
                    on:click=move |_| nb.time_query()>
                    {move || if nb.insight.with(|s| s.busy == Some("timing")) { "Timing…" } else { "⏱ Time it" }}
                </button>
            </header>
            {move || {
                let s = state();
                let body = match s.insight.clone() {
                    None => view! {
                        <p class="muted" data-testid="plan-empty">
                            "Put the cursor on a query to see how SQLite runs it: the plan, the indexes it lacks and what the query costs on your data (generate rows from the tables on the left)."
                        </p>
                    }.into_any(),
                    Some(i) => analysis_view(nb, s.at.map_or(0, |a| a.0), i),
                };
                let error = s.error.map(|e| view! { <p class="error" data-testid="insight-error" role="alert">{e}</p> });
                let busy = s.busy.map(|b| {
                    let text = match b {
                        "index" => "Adding the index: timing before, running the migration, timing after…",
                        "strategies" => "Loading the preloads three ways…",
                        _ => "Running the query…",
                    };
                    view! { <p class="muted" data-testid="insight-busy" role="status">{text}</p> }
                });
                let strategies = s.strategies.map(strategy_table);
                let compare = s.compare.map(before_after);
                view! { {busy}{error}{body}{compare}{strategies} }
            }}
        </section>
    }
}

fn analysis_view(nb: Nb, cell: u32, i: Insight) -> AnyView {
    if let Some(e) = i.error {
        return view! { <p class="error" data-testid="plan-error">{e}</p> }.into_any();
    }
    let nodes = Rc::new(i.nodes);
    let tree = plan_tree(nb, cell, nodes.clone(), i.roots.clone(), true);
    let timing = match (i.timing, i.timing_error) {
        (Some(t), _) => view! {
            <p class="timing" data-testid="query-timing" data-median-us=t.median_us.to_string() data-rows=t.rows.to_string()>
                "Median " <strong>{ms(t.median_us)}</strong>
                {format!(" over {} run{} · {} row{}", t.runs, if t.runs == 1 { "" } else { "s" }, thousands(t.rows), if t.rows == 1 { "" } else { "s" })}
            </p>
        }
        .into_any(),
        (None, Some(e)) => view! { <p class="muted" data-testid="query-timing">{e}</p> }.into_any(),
        (None, None) => ().into_any(),
    };
    let advice = i
        .advice
        .into_iter()
        .enumerate()
        .map(|(ix, a)| {
            let spans = a.spans.clone();
            let migration = a.migration.clone();
            view! {
                <li class="advice" data-testid="index-advice" data-migration=migration
                    on:mouseenter=move |_| nb.mark_clauses(cell, &spans)
                    on:mouseleave=move |_| nb.mark_clauses(cell, &[])>
                    <code class="migration" data-testid="advice-migration">{a.migration}</code>
                    <p class="reason">{a.reason}</p>
                    <p class="ddl"><span class="muted">"PostgreSQL: "</span><code data-testid="advice-postgres">{a.postgres.join("; ")}</code></p>
                    <p class="ddl"><span class="muted">"SQLite: "</span><code>{a.sqlite.join("; ")}</code></p>
                    <button type="button" class="btn small" data-testid="apply-advice"
                        title="Insert this migration as a cell before the query's, run it, and compare the plan and time before and after"
                        disabled=move || !nb.status.get().is_ready()
                        on:click=move |_| nb.apply_advice(ix)>"Add this index"</button>
                </li>
            }
        })
        .collect_view();
    let notes = (!i.notes.is_empty()).then(|| {
        let items = i.notes.into_iter().map(|n| view! { <li>{n}</li> }).collect_view();
        view! { <ul class="notes muted" data-testid="plan-notes">{items}</ul> }
    });
    let flagged = nodes.iter().any(|n| n.flag.is_some());
    let verdict = match (flagged, advice.is_empty()) {
        (_, false) => "Index advice",
        (true, true) => "No index would help here (see the notes, or generate more rows).",
        (false, true) => "No full scan of a large table and no temporary sort: nothing to add.",
    };
    let preloads = i.preloads.then(|| {
        view! {
            <button type="button" class="btn small" data-testid="compare-strategies"
                title="Load the same data with separate preload queries, a join, and preload queries, and compare"
                disabled=move || !nb.status.get().is_ready()
                on:click=move |_| nb.compare_strategies()>"Compare preload strategies"</button>
        }
    });
    view! {
        <div class="query-plan" data-testid="query-plan" data-op=i.op>{tree}</div>
        {timing}
        <h3 class="advice-head">{verdict}</h3>
        <ul class="advice-list">{advice}</ul>
        {notes}
        {preloads}
    }
    .into_any()
}

/// The nodes at `list` and their children, as nested lists.
fn plan_tree(nb: Nb, cell: u32, nodes: Rc<Vec<PlanNodeView>>, list: Vec<usize>, top: bool) -> AnyView {
    let items = list
        .into_iter()
        .filter_map(|ix| nodes.get(ix).cloned())
        .map(|n| {
            let spans = n.spans.clone();
            let (enter, focus) = (spans.clone(), spans.clone());
            let linked = move || nb.hover.with(|h| matches!(*h, Some((c, p)) if c == cell && spans.iter().any(|&(a, b)| a <= p && p < b)));
            let flagged = n.flag.is_some();
            let detail = n.detail.clone();
            let sub = (!n.children.is_empty()).then(|| plan_tree(nb, cell, nodes.clone(), n.children.clone(), false));
            view! {
                <li class="plan-node" class:flagged=flagged class:linked=linked data-testid="plan-node"
                    data-detail=detail data-kind=n.kind.clone() data-flagged=flagged.to_string()>
                    <div class="plan-line" tabindex="0"
                        on:mouseenter=move |_| nb.mark_clauses(cell, &enter)
                        on:mouseleave=move |_| nb.mark_clauses(cell, &[])
                        on:focus=move |_| nb.mark_clauses(cell, &focus)
                        on:blur=move |_| nb.mark_clauses(cell, &[])>
                        <span class="plan-words">{n.words}</span>
                        {n.flag.map(|f| view! { <span class="badge warn" data-testid="plan-flag">{f}</span> })}
                        <code class="plan-detail">{n.detail}</code>
                    </div>
                    {sub}
                </li>
            }
        })
        .collect_view();
    view! { <ul class="plan-tree" class:top=top>{items}</ul> }.into_any()
}

/// Before → after an index: medians and plans side by side.
fn before_after(c: BeforeAfter) -> AnyView {
    let side = |label: &'static str, testid: &'static str, i: Insight| {
        let median = i.timing.as_ref().map(|t| t.median_us);
        let nodes = i.nodes.iter().map(|n| {
            view! {
                <li data-testid="compare-node" data-detail=n.detail.clone() class:flagged=n.flag.is_some()>
                    <span>{n.words.clone()}</span>
                </li>
            }
        }).collect_view();
        view! {
            <div class="ba-side" data-testid=testid>
                <h4>{label}</h4>
                <p class="ba-median" data-testid=format!("{testid}-median") data-us=median.map(|m| m.to_string()).unwrap_or_default()>
                    {median.map(ms).unwrap_or_else(|| "not timed".to_string())}
                </p>
                <ul class="ba-plan">{nodes}</ul>
            </div>
        }
    };
    let speedup = match (c.before.timing.as_ref(), c.after.timing.as_ref()) {
        (Some(b), Some(a)) if a.median_us > 0 && b.median_us >= a.median_us => {
            format!("{:.1}× faster", b.median_us as f64 / a.median_us as f64)
        }
        (Some(b), Some(a)) if b.median_us > 0 => format!("{:.1}× slower", a.median_us as f64 / b.median_us as f64),
        _ => String::new(),
    };
    view! {
        <div class="before-after" data-testid="before-after" data-elapsed-ms=format!("{:.0}", c.elapsed_ms)>
            <h3>"Before → after " <code>{c.migration}</code></h3>
            <div class="ba-grid">
                {side("Before", "before", c.before)}
                {side("After", "after", c.after)}
            </div>
            <p class="muted">{format!("{speedup} · from the click to this view: {:.2} s", c.elapsed_ms / 1000.0)}</p>
        </div>
    }
    .into_any()
}

fn strategy_label(s: &str) -> &'static str {
    match s {
        "separate" => "Separate preload queries",
        "join" => "Join preload",
        "preload_query" => "Preload queries",
        _ => "Other",
    }
}

/// The preload strategies compared: one row each.
fn strategy_table(rows: Vec<StrategyRow>) -> AnyView {
    let best = rows.iter().filter(|r| r.error.is_none()).map(|r| r.median_us).min();
    let body = rows
        .into_iter()
        .map(|r| {
            let fastest = r.error.is_none() && Some(r.median_us) == best;
            let cells = match r.error {
                Some(e) => view! { <td colspan="3" class="error">{e}</td> }.into_any(),
                None => view! {
                    <td data-testid="strategy-queries">{r.queries.to_string()}</td>
                    <td data-testid="strategy-rows">{thousands(r.rows)}</td>
                    <td data-testid="strategy-median">{ms(r.median_us)}</td>
                }
                .into_any(),
            };
            view! {
                <tr data-testid="strategy-row" data-strategy=r.strategy.clone() data-queries=r.queries.to_string() class:fastest=fastest>
                    <th scope="row">
                        {strategy_label(&r.strategy)}
                        <details><summary class="muted">"code"</summary><pre class="code">{r.code}</pre></details>
                    </th>
                    {cells}
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="strategies" data-testid="strategy-compare">
            <caption>"The same data, three ways"</caption>
            <thead><tr><th scope="col">"Strategy"</th><th scope="col">"Queries"</th><th scope="col">"Rows"</th><th scope="col">"Median"</th></tr></thead>
            <tbody>{body}</tbody>
        </table>
    }
    .into_any()
}

/// The generation options above the tables, and the progress of a
/// generation under way.
#[component]
pub fn GenerateOptions() -> impl IntoView {
    let nb = expect_context::<Nb>();
    let g = nb.generation;
    view! {
        <div class="gen" data-testid="generate-options" hidden=move || nb.tables.with(|t| t.is_empty())>
            <div class="gen-fields">
                <label>"Rows "
                    <input type="number" min="1" max=MAX_GEN_ROWS.to_string() step="1000" data-testid="generate-rows"
                        prop:value=move || g.with(|g| g.rows.to_string())
                        on:change:target=move |ev| {
                            if let Ok(n) = ev.target().value().trim().parse::<u32>() {
                                g.update(|g| g.rows = n.clamp(1, MAX_GEN_ROWS));
                            }
                        }/>
                </label>
                <label>"Seed "
                    <input type="number" min="0" data-testid="generate-seed"
                        prop:value=move || g.with(|g| g.seed.to_string())
                        on:change:target=move |ev| {
                            if let Ok(n) = ev.target().value().trim().parse::<u64>() {
                                g.update(|g| g.seed = n);
                            }
                        }/>
                </label>
                <label title="How child rows spread over their parent rows">"Parents "
                    <select data-testid="generate-skew"
                        prop:value=move || g.with(|g| g.skew.clone())
                        on:change:target=move |ev| g.update(|g| g.skew = ev.target().value())>
                        <option value="uniform">"uniform"</option>
                        <option value="heavy">"a few heavy"</option>
                    </select>
                </label>
            </div>
            {move || g.with(|g| g.progress.map(|p| (p, g.table.clone().unwrap_or_default()))).map(|(p, table)| view! {
                <div class="gen-progress" data-testid="generate-progress">
                    <progress max=p.total.max(1).to_string() value=p.inserted.to_string()
                        aria-label=format!("Rows generated for {table}")></progress>
                    <span class="muted">{format!("{table}: {} / {}", thousands(p.inserted), thousands(p.total))}</span>
                    <button type="button" class="btn small" data-testid="generate-stop"
                        title="Stop after the batch being inserted: the rows so far stay"
                        disabled=move || nb.generation.with(|g| g.stop)
                        on:click=move |_| nb.generation.update(|g| g.stop = true)>"Stop"</button>
                </div>
            })}
            {move || g.with(|g| g.message.clone()).map(|(ok, m)| view! {
                <p class:muted=ok class:error=!ok data-testid="generate-status" role="status">{m}</p>
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
            disabled=move || !nb.status.get().is_ready()
            on:click=move |ev| {
                ev.prevent_default();
                nb.generate(name.clone());
            }>"Generate data"</button>
    }
}

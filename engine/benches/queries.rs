//! Query benchmarks over the conformance corpus (`data/queries.exs`), per
//! dialect:
//!
//! - (a) `plan_print/{sqlite,postgres}`: plan + print of every entry's
//!   already-built query (`to_query` + `plan` + `to_sql`);
//! - (b) `parse_eval_plan_print/{sqlite,postgres}`: the same from the
//!   entry's source text (parse + evaluate + plan + print).
//!
//! Criterion times one pass over the whole corpus per iteration and reports
//! it with `Throughput::Elements(entries)`. After criterion, a summary gives
//! the per-query figure: each entry's median time (over rounds), then the
//! median (and mean, p90, max) of those over the corpus.
//!
//! ```text
//! cargo bench -p ectoplasm-engine --bench queries
//! QUERY_BENCH_PER_ENTRY=1 cargo bench -p ectoplasm-engine --bench queries -- plan_print_entry   # one benchmark per entry
//! QUERY_BENCH_SUMMARY=0 ...                                                                     # criterion only
//! ```
//!
//! Profiling (instruction counts): build with `cargo bench --no-run` and run
//! the binary with `QUERY_PROFILE=plan_sqlite|plan_postgres|full_sqlite|full_postgres`
//! (and `QUERY_PROFILE_REPS=N`, default 20) under
//! `valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*profile_entry*' --dump-after='*profile_entry*'`:
//! one dump per corpus entry, each holding `REPS` runs of that entry.

use std::time::{Duration, Instant};

use criterion::{criterion_group, Criterion, Throughput};
use engine::eval::{Env, Interp};
use engine::query::{self, Dialect, Op};
use engine::syntax::{self, Kind, Node};
use engine::{Span, Value};

const SOURCE: &str = include_str!("data/queries.exs");

struct Entry {
    name: String,
    text: String,
    op: Op,
    query: Value,
}

/// The file evaluated up to `queries = [...]`, and the entries that evaluate.
fn setup() -> (Interp, Env, Vec<Entry>) {
    let parsed = syntax::parse(SOURCE);
    let mut interp = engine::interp();
    let mut env = Interp::env_with_imports(&["Ecto.Query"]);
    let items: Vec<Node> = match parsed.root.kind {
        Kind::Block(items) => items,
        other => vec![Node::new(other, parsed.root.span)],
    };
    let mut texts = vec![];
    for item in &items {
        if let Kind::BinOp { op, lhs, rhs } = &item.kind {
            if op == "=" && matches!(&lhs.kind, Kind::Var(v) if v == "queries") {
                for (name, expr) in rhs.as_keyword().unwrap_or_default() {
                    let text = &SOURCE[expr.span.start as usize..expr.span.end as usize];
                    texts.push((name.to_string(), text.to_string()));
                }
                continue;
            }
        }
        let _ = interp.eval(item, &mut env);
    }
    let mut entries = vec![];
    for (name, text) in texts {
        if let Some((op, query)) = eval_entry(&mut interp, &env, &text) {
            entries.push(Entry { name, text, op, query });
        }
    }
    (interp, env, entries)
}

/// Evaluates an entry's text to its (op, queryable); None for entries that raise.
fn eval_entry(interp: &mut Interp, env: &Env, text: &str) -> Option<(Op, Value)> {
    interp.steps = 0;
    let parsed = syntax::parse(text);
    let mut local = env.clone();
    let span = parsed.root.span;
    let node = match parsed.root.kind {
        Kind::Block(mut items) if items.len() == 1 => items.pop()?,
        kind => Node::new(kind, span),
    };
    let v = match &node.kind {
        Kind::Call { name, args, .. } if name == "quote" => interp.eval(args.first()?.keyword_get("do")?, &mut local).ok()?,
        _ => {
            let v = interp.eval(&node, &mut local).ok()?;
            match &v {
                Value::Fun(f) if f.arity() == 0 => interp.apply(&v, vec![], Span::NONE).ok()?,
                _ => v,
            }
        }
    };
    if let Some([tag, q]) = v.as_tuple() {
        if let Some(op) = tag.as_atom().and_then(Op::from_name) {
            return Some((op, q.clone()));
        }
    }
    Some((Op::All, v))
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// (a) plan + print
    Plan,
    /// (b) parse + evaluate + plan + print
    Full,
}

const DIALECTS: [(Dialect, &str); 2] = [(Dialect::Sqlite, "sqlite"), (Dialect::Postgres, "postgres")];

/// One run of one entry in one mode and dialect.
#[inline(always)]
fn run(interp: &mut Interp, env: &Env, e: &Entry, mode: Mode, d: Dialect) {
    match mode {
        Mode::Plan => {
            let _ = std::hint::black_box(query::sql_and_params(interp, &e.query, e.op, d, Span::NONE));
        }
        Mode::Full => {
            if let Some((op, q)) = eval_entry(interp, env, &e.text) {
                let _ = std::hint::black_box(query::sql_and_params(interp, &q, op, d, Span::NONE));
            }
        }
    }
}

fn bench(c: &mut Criterion) {
    let (mut interp, env, entries) = setup();
    for (mode, group_name) in [(Mode::Plan, "plan_print"), (Mode::Full, "parse_eval_plan_print")] {
        let mut g = c.benchmark_group(group_name);
        g.throughput(Throughput::Elements(entries.len() as u64));
        for (d, dname) in DIALECTS {
            g.bench_function(dname, |b| {
                b.iter(|| {
                    for e in &entries {
                        run(&mut interp, &env, e, mode, d);
                    }
                })
            });
        }
        g.finish();
    }
    if std::env::var("QUERY_BENCH_PER_ENTRY").is_ok_and(|v| v == "1") {
        for (mode, group_name) in [(Mode::Plan, "plan_print_entry"), (Mode::Full, "parse_eval_plan_print_entry")] {
            for (d, dname) in DIALECTS {
                let mut g = c.benchmark_group(format!("{group_name}/{dname}"));
                for e in &entries {
                    g.bench_function(e.name.as_str(), |b| b.iter(|| run(&mut interp, &env, e, mode, d)));
                }
                g.finish();
            }
        }
    }
}

/// Per-query medians: for each entry, ROUNDS rounds of enough runs to take
/// at least `min_round`; the entry's figure is its median round (time per
/// run). Prints the median over entries (plus mean, p90, max, slowest).
fn summary(filter: Option<&str>) {
    const ROUNDS: usize = 21;
    let min_round = Duration::from_micros(300);
    let (mut interp, env, entries) = setup();
    println!();
    println!("Per-query summary over {} corpus entries (each entry: median of {ROUNDS} rounds):", entries.len());
    for (mode, mname) in [(Mode::Plan, "plan_print"), (Mode::Full, "parse_eval_plan_print")] {
        for (d, dname) in DIALECTS {
            let label = format!("{mname}/{dname}");
            if filter.is_some_and(|f| !label.contains(f)) {
                continue;
            }
            let mut per_entry: Vec<(f64, &str)> = vec![];
            for e in &entries {
                // warm up and size the round
                let mut reps = 1usize;
                loop {
                    let t = Instant::now();
                    for _ in 0..reps {
                        run(&mut interp, &env, e, mode, d);
                    }
                    if t.elapsed() >= min_round || reps >= 1 << 20 {
                        break;
                    }
                    reps *= 2;
                }
                let mut rounds: Vec<f64> = (0..ROUNDS)
                    .map(|_| {
                        let t = Instant::now();
                        for _ in 0..reps {
                            run(&mut interp, &env, e, mode, d);
                        }
                        t.elapsed().as_nanos() as f64 / reps as f64
                    })
                    .collect();
                rounds.sort_by(f64::total_cmp);
                per_entry.push((rounds[ROUNDS / 2], &e.name));
            }
            per_entry.sort_by(|a, b| a.0.total_cmp(&b.0));
            let n = per_entry.len();
            let median = if n % 2 == 1 { per_entry[n / 2].0 } else { (per_entry[n / 2 - 1].0 + per_entry[n / 2].0) / 2.0 };
            let mean = per_entry.iter().map(|x| x.0).sum::<f64>() / n as f64;
            let p90 = per_entry[(n * 9 / 10).min(n - 1)].0;
            let (max, max_name) = per_entry[n - 1];
            println!(
                "  {label:<38} median {:>8.2} µs/query   mean {:>8.2} µs   p90 {:>8.2} µs   max {:>8.2} µs ({max_name})",
                median / 1e3,
                mean / 1e3,
                p90 / 1e3,
                max / 1e3
            );
        }
    }
}

/// One callgrind dump per call (see the module docs).
#[inline(never)]
fn profile_entry(interp: &mut Interp, env: &Env, e: &Entry, mode: Mode, d: Dialect, reps: usize) {
    for _ in 0..reps {
        run(interp, env, e, mode, d);
    }
}

fn profile(which: &str) {
    let (mode, d) = match which {
        "plan_sqlite" => (Mode::Plan, Dialect::Sqlite),
        "plan_postgres" => (Mode::Plan, Dialect::Postgres),
        "full_sqlite" => (Mode::Full, Dialect::Sqlite),
        "full_postgres" => (Mode::Full, Dialect::Postgres),
        other => panic!("QUERY_PROFILE: unknown mode {other}"),
    };
    let reps: usize = std::env::var("QUERY_PROFILE_REPS").ok().and_then(|s| s.parse().ok()).unwrap_or(20);
    let warm: usize = std::env::var("QUERY_PROFILE_WARM").ok().and_then(|s| s.parse().ok()).unwrap_or(1);
    let (mut interp, env, entries) = setup();
    for _ in 0..warm {
        for e in &entries {
            run(&mut interp, &env, e, mode, d);
        }
    }
    for e in &entries {
        profile_entry(&mut interp, &env, e, mode, d, reps);
    }
    // Entry names in dump order, for the per-entry report.
    if let Ok(path) = std::env::var("QUERY_PROFILE_NAMES") {
        let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
        let _ = std::fs::write(path, names.join("\n") + "\n");
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    targets = bench
}

fn main() {
    if let Ok(which) = std::env::var("QUERY_PROFILE") {
        profile(&which);
        return;
    }
    // `cargo bench -- FILTER`: the first free argument filters both parts.
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    benches();
    Criterion::default().configure_from_args().final_summary();
    if std::env::var("QUERY_BENCH_SUMMARY").map_or(true, |v| v != "0") && !std::env::args().any(|a| a == "--list" || a == "--test") {
        summary(filter.as_deref());
    }
}

//! Query benchmarks over the conformance corpus (`data/queries.exs`): for
//! each entry, planning + printing for both dialects, and the whole path
//! from source text (parse + evaluate + plan + print).
//!
//! `cargo bench -p ectoplasm-engine --bench queries [-- FILTER]`

use criterion::{criterion_group, criterion_main, Criterion};
use engine::eval::{Env, Interp};
use engine::query::{self, Dialect, Op};
use engine::syntax::{self, Kind, Node};
use engine::{Span, Value};

const SOURCE: &str = include_str!("data/queries.exs");

/// The file evaluated up to `queries = [...]`, and the entries as source text.
fn setup() -> (Interp, Env, Vec<(String, String)>) {
    let parsed = syntax::parse(SOURCE);
    let mut interp = Interp::new();
    let mut env = Interp::env_with_imports(&["Ecto.Query"]);
    let items: Vec<Node> = match parsed.root.kind {
        Kind::Block(items) => items,
        other => vec![Node::new(other, parsed.root.span)],
    };
    let mut entries = vec![];
    for item in &items {
        if let Kind::BinOp { op, lhs, rhs } = &item.kind {
            if op == "=" && matches!(&lhs.kind, Kind::Var(v) if v == "queries") {
                for (name, expr) in rhs.as_keyword().unwrap_or_default() {
                    let text = &SOURCE[expr.span.start as usize..expr.span.end as usize];
                    entries.push((name.to_string(), text.to_string()));
                }
                continue;
            }
        }
        let _ = interp.eval(item, &mut env);
    }
    (interp, env, entries)
}

/// Evaluates an entry's text to its (op, queryable); None for entries that raise.
fn eval_entry(interp: &mut Interp, env: &Env, text: &str) -> Option<(Op, Value)> {
    interp.steps = 0;
    let parsed = syntax::parse(text);
    let mut local = env.clone();
    let node = match &parsed.root.kind {
        Kind::Block(items) if items.len() == 1 => items[0].clone(),
        _ => parsed.root.clone(),
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

fn print_both(interp: &mut Interp, op: Op, q: &Value) {
    for d in [Dialect::Sqlite, Dialect::Postgres] {
        let _ = std::hint::black_box(query::to_sql(interp, q, op, d, Span::NONE));
    }
}

fn bench(c: &mut Criterion) {
    let (mut interp, env, entries) = setup();
    let mut plan = c.benchmark_group("plan_print");
    for (name, text) in &entries {
        let Some((op, q)) = eval_entry(&mut interp, &env, text) else { continue };
        plan.bench_function(name.as_str(), |b| b.iter(|| print_both(&mut interp, op, &q)));
    }
    plan.finish();
    let mut full = c.benchmark_group("parse_eval_plan_print");
    for (name, text) in &entries {
        if eval_entry(&mut interp, &env, text).is_none() {
            continue;
        }
        full.bench_function(name.as_str(), |b| {
            b.iter(|| {
                if let Some((op, q)) = eval_entry(&mut interp, &env, text) {
                    print_both(&mut interp, op, &q);
                }
            })
        });
    }
    full.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).warm_up_time(std::time::Duration::from_millis(200)).measurement_time(std::time::Duration::from_millis(500));
    targets = bench
}
criterion_main!(benches);

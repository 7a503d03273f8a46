//! `ectoplasm repo` and `ectoplasm run`.

use engine::eval::Interp;
use engine::syntax::{self, Kind, Node};
use engine::value::inspect;

pub fn run(_source: &str) -> Result<(), String> {
    Err("ectoplasm repo: not available yet".to_string())
}

/// Runs a script and prints each top-level result the way IEx would.
pub fn run_script(source: &str, _args: &[String]) -> Result<(), String> {
    let parsed = syntax::parse(source);
    for e in &parsed.errors {
        eprintln!("** (SyntaxError) {} at bytes {}..{}", e.message, e.span.start, e.span.end);
    }
    let mut interp = Interp::new();
    let mut env = Interp::env_with_imports(&["Ecto.Query", "Ecto.Changeset"]);
    let items: Vec<Node> = match parsed.root.kind {
        Kind::Block(items) => items,
        other => vec![Node::new(other, parsed.root.span)],
    };
    for item in &items {
        let result = interp.eval(item, &mut env);
        print!("{}", std::mem::take(&mut interp.output));
        match result {
            Ok(v) => println!("{}", inspect::inspect(&v)),
            Err(e) => println!("** ({}) {}", e.kind(), e.message()),
        }
    }
    Ok(())
}

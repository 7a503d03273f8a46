//! Two things at build time:
//! - The playground's binary (the page and the engine's worker) gets a
//!   larger wasm stack (the default is 1 MiB), so that the evaluator's own
//!   depth limit ends deep recursion in user code with an error before the
//!   stack runs out.
//! - The gallery's index (`$OUT_DIR/examples_index.rs`: id, title,
//!   description and database of each example, in the engine's gallery
//!   order: the `examples![...]` lists one after the other), so the
//!   page lists the examples without carrying their text: it fetches an
//!   example's file (`examples/ID.exs`, beside the page) when it is opened.
//! - The course's index (`$OUT_DIR/lessons_index.rs`: file name and title of
//!   each `lessons/*.livemd`, by name); a lesson is fetched when opened.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo:rustc-link-arg-bin=ectoplasm=-zstack-size={}", 16 << 20);
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let gallery = root.join("engine/src/playground/examples.rs");
    println!("cargo:rerun-if-changed={}", gallery.display());
    let text = std::fs::read_to_string(&gallery).unwrap_or_default();
    // The ids listed in each `examples![ ... ]`, in order, however the
    // list is laid out (one per line, or on one line).
    let ids: Vec<&str> = text
        .split("examples![")
        .skip(1)
        .flat_map(|rest| rest.split_once(']').map_or("", |(l, _)| l).split(','))
        .map(|id| id.trim().trim_matches('"'))
        .filter(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .collect();
    let mut out = String::from(
        "/// (id, title, description, runs on PostgreSQL) of each gallery example, in order.\npub const INDEX: &[(&str, &str, &str, bool)] = &[\n",
    );
    for id in ids {
        let file = root.join("examples").join(format!("{id}.exs"));
        println!("cargo:rerun-if-changed={}", file.display());
        let source = std::fs::read_to_string(&file).unwrap_or_default();
        let header =
            |key: &str| source.lines().find_map(|l| l.strip_prefix(&format!("# {key}:")).map(|v| v.trim().to_string())).unwrap_or_default();
        let _ = writeln!(out, "    ({id:?}, {:?}, {:?}, {}),", header("title"), header("description"), header("database") == "postgres");
    }
    out.push_str("];\n");
    let out_dir = std::env::var("OUT_DIR").unwrap_or_else(|_| ".".to_string());
    let dest = Path::new(&out_dir).join("examples_index.rs");
    if let Err(e) = std::fs::write(&dest, out) {
        println!("cargo:warning=the gallery index could not be written: {e}");
    }
    lessons_index(&root, Path::new(&out_dir));
}

/// `LESSONS`: (file name, title) of each `lessons/*.livemd`, by name.
fn lessons_index(root: &Path, out_dir: &Path) {
    let dir = root.join("lessons");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map(|entries| entries.filter_map(|e| e.ok()?.file_name().into_string().ok()).filter(|n| n.ends_with(".livemd")).collect())
        .unwrap_or_default();
    names.sort();
    let mut out =
        String::from("/// (file name, title) of each lesson under `lessons/`, by name.\npub const LESSONS: &[(&str, &str)] = &[\n");
    for name in names {
        let file = dir.join(&name);
        println!("cargo:rerun-if-changed={}", file.display());
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let title = text
            .lines()
            .find_map(|l| l.strip_prefix("# "))
            .map_or_else(|| name.trim_end_matches(".livemd").to_string(), |t| t.trim().to_string());
        let _ = writeln!(out, "    ({name:?}, {title:?}),");
    }
    out.push_str("];\n");
    if let Err(e) = std::fs::write(out_dir.join("lessons_index.rs"), out) {
        println!("cargo:warning=the lessons index could not be written: {e}");
    }
}

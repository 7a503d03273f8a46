//! `ectoplasm changeset`: one JSON line per entry of `changesets = [...]`
//! (a changeset, an `{:ok, _}`/`{:error, _}` result, or any value), in the
//! corpus README's **changeset** conventions.

use engine::changeset::report;
use serde_json::{Map, Value as Json};

use crate::common;

pub fn run(source: &str) -> Result<(), String> {
    let mut corpus = common::load(source, &["Ecto.Changeset", "Ecto.Query"], "changesets");
    let entries = std::mem::take(&mut corpus.entries);
    let mut out = String::new();
    for (name, result) in entries {
        let mut obj = Map::new();
        obj.insert("name".into(), Json::String(name));
        match result {
            Ok(v) => match report::entry_fields(&mut corpus.interp, &v) {
                Ok(fields) => {
                    for (k, j) in fields {
                        obj.insert(k.into(), j);
                    }
                }
                // reading the entry's errors raised (`to_string/1` of an option)
                Err(text) => {
                    obj.insert("harness_error".into(), Json::String(text));
                }
            },
            Err(e) => {
                obj.insert("error".into(), Json::String(e.message()));
                obj.insert("error_type".into(), Json::String(e.kind().to_string()));
            }
        }
        out.push_str(&Json::Object(obj).to_string());
        out.push('\n');
    }
    print!("{}", engine::value::json::finish(out));
    Ok(())
}

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
            Ok(v) => {
                for (k, j) in report::entry_fields(&mut corpus.interp, &v) {
                    obj.insert(k.into(), j);
                }
            }
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

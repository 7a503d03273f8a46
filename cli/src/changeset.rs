//! `ectoplasm changeset`: one JSON line per entry of `changesets = [...]`
//! (a changeset, an `{:ok, _}`/`{:error, _}` result, or any value), in the
//! corpus README's **changeset** conventions.

use engine::changeset::report;
use serde_json::{Map, Value as Json};

use crate::common;
use crate::input::{Failure, Input};

pub fn run(input: &Input) -> Result<(), Failure> {
    let mut corpus = common::load(input, &["Ecto.Changeset", "Ecto.Query"], "changesets")?;
    let entries = std::mem::take(&mut corpus.entries);
    let mut out = String::new();
    for entry in entries {
        let mut obj = Map::new();
        obj.insert("name".into(), Json::String(entry.name));
        match entry.result {
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
                common::put_position(&mut obj, input, e.span(), entry.span);
            }
        }
        out.push_str(&Json::Object(obj).to_string());
        out.push('\n');
    }
    print!("{}", engine::value::json::finish(out));
    if corpus.failed {
        return Err(Failure::reported());
    }
    Ok(())
}

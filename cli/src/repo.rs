//! `ectoplasm repo` and `ectoplasm run`.

pub fn run(_source: &str) -> Result<(), String> {
    Err("ectoplasm repo: not available yet".to_string())
}

pub fn run_script(_source: &str, _args: &[String]) -> Result<(), String> {
    Err("ectoplasm run: not available yet".to_string())
}

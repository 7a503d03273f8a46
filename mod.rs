
/// Calls `module.name(args)` through the interpreter (module without `Elixir.`).
pub(crate) fn call(interp: &mut crate::eval::Interp, module: &str, name: &str, args: Vec<Value>, span: crate::diag::Span) -> crate::eval::EResult<Value> {
    let _ = (interp, args);
    Err(crate::eval::Error::raise("UndefinedFunctionError", format!("function {module}.{name} is undefined"), span))
}

/// Calls a function value through the interpreter.
pub(crate) fn apply(interp: &mut crate::eval::Interp, fun: &Value, args: Vec<Value>, span: crate::diag::Span) -> crate::eval::EResult<Value> {
    let _ = (interp, fun, args);
    Err(crate::eval::Error::raise("BadFunctionError", "function calls are not available", span))
}

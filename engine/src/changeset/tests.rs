//! Table-driven tests of the changeset functions, called as built-ins on
//! schemaless changesets built from Rust values.

use std::rc::Rc;

use super::*;
use crate::diag::Span;
use crate::eval::Interp;
use crate::value::{Decimal, MapT, Value};

const S: Span = Span::NONE;

fn a(s: &str) -> Value {
    Value::atom(s)
}

fn s(x: &str) -> Value {
    Value::str(x)
}

fn i(n: i64) -> Value {
    Value::Int(n)
}

fn dec(x: &str) -> Value {
    Value::Decimal(Rc::new(Decimal::parse(x).expect("decimal")))
}

fn list(items: Vec<Value>) -> Value {
    Value::list(items)
}

fn kw(pairs: Vec<(&str, Value)>) -> Value {
    Value::keyword(pairs)
}

fn amap(pairs: Vec<(&str, Value)>) -> Value {
    let mut m = MapT::new();
    for (k, v) in pairs {
        m.insert(a(k), v);
    }
    Value::map(m)
}

fn smap(pairs: Vec<(&str, Value)>) -> Value {
    let mut m = MapT::new();
    for (k, v) in pairs {
        m.insert(s(k), v);
    }
    Value::map(m)
}

fn call(interp: &mut Interp, f: &str, args: Vec<Value>) -> EResult<Value> {
    interp.call("Ecto.Changeset", f, args, S)
}

/// `change({%{}, %{f: type}}, %{f: value})` (no change when value is None).
fn changed(interp: &mut Interp, ty: Value, value: Option<Value>) -> Value {
    let data = Value::tuple(vec![amap(vec![]), amap(vec![("f", ty)])]);
    let changes = match value {
        Some(v) => amap(vec![("f", v)]),
        None => amap(vec![]),
    };
    call(interp, "change", vec![data, changes]).expect("change")
}

/// The first error of a changeset as `(message, opts)`.
fn first_error(cs: &Value) -> Option<(String, Value)> {
    let cs = Changeset::from_value(cs).expect("a changeset");
    cs.errors.first().map(|(_, e)| match e.as_tuple() {
        Some([m, o]) => (m.as_str().unwrap_or("").to_string(), o.clone()),
        _ => (String::new(), Value::Nil),
    })
}

fn errors_count(cs: &Value) -> usize {
    Changeset::from_value(cs).expect("a changeset").errors.len()
}

#[test]
fn validate_length_table() {
    // (type, value, opts, expected message, expected count option)
    let string = a("string");
    let strings = Value::tuple(vec![a("array"), a("string")]);
    let family = "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}";
    let table: Vec<(Value, Option<Value>, Value, Option<&str>)> = vec![
        (string.clone(), Some(s("Zoë")), kw(vec![("min", i(4))]), Some("should be at least %{count} character(s)")),
        (string.clone(), Some(s("Zoë")), kw(vec![("max", i(3))]), None),
        (string.clone(), Some(s("Zoë")), kw(vec![("max", i(3)), ("count", a("bytes"))]), Some("should be at most %{count} byte(s)")),
        (string.clone(), Some(s("Zoë")), kw(vec![("is", i(4)), ("count", a("bytes"))]), None),
        (string.clone(), Some(s("Zoë")), kw(vec![("is", i(3)), ("count", a("codepoints"))]), None),
        (string.clone(), Some(s("e\u{301}")), kw(vec![("is", i(1))]), None),
        (string.clone(), Some(s("e\u{301}")), kw(vec![("is", i(1)), ("count", a("codepoints"))]), Some("should be %{count} character(s)")),
        (string.clone(), Some(s(family)), kw(vec![("max", i(1))]), None),
        (
            string.clone(),
            Some(s(family)),
            kw(vec![("max", i(4)), ("count", a("codepoints"))]),
            Some("should be at most %{count} character(s)"),
        ),
        (string.clone(), Some(s(family)), kw(vec![("is", i(18)), ("count", a("bytes"))]), None),
        (string.clone(), Some(s("")), kw(vec![("min", i(1))]), Some("should be at least %{count} character(s)")),
        (string.clone(), Some(Value::Nil), kw(vec![("min", i(1))]), None),
        (string.clone(), None, kw(vec![("min", i(1))]), None),
        (string.clone(), Some(s("abc")), kw(vec![("min", i(3)), ("max", i(3))]), None),
        (string.clone(), Some(s("abc")), kw(vec![("is", i(3))]), None),
        (string.clone(), Some(s("abc")), kw(vec![("min", i(4))]), Some("should be at least %{count} character(s)")),
        (string.clone(), Some(s("abc")), kw(vec![("max", i(2))]), Some("should be at most %{count} character(s)")),
        (string.clone(), Some(s("abc")), kw(vec![("is", i(2)), ("min", i(9))]), Some("should be %{count} character(s)")),
        (string.clone(), Some(s("abc")), kw(vec![("min", i(4)), ("message", s("too short: %{count}"))]), Some("too short: %{count}")),
        (
            strings.clone(),
            Some(list(vec![s("a"), s("b"), s("c"), s("d")])),
            kw(vec![("max", i(3))]),
            Some("should have at most %{count} item(s)"),
        ),
        (strings.clone(), Some(list(vec![])), kw(vec![("min", i(1))]), Some("should have at least %{count} item(s)")),
        (strings.clone(), Some(list(vec![s("a")])), kw(vec![("is", i(2))]), Some("should have %{count} item(s)")),
        (a("map"), Some(amap(vec![("x", i(1))])), kw(vec![("is", i(2))]), Some("should have %{count} item(s)")),
        (a("map"), Some(amap(vec![("x", i(1))])), kw(vec![("max", i(1))]), None),
    ];
    for (ty, value, opts, want) in table {
        let mut interp = crate::interp();
        let cs = changed(&mut interp, ty.clone(), value.clone());
        let out = call(&mut interp, "validate_length", vec![cs, a("f"), opts.clone()]).expect("validates");
        let got = first_error(&out);
        assert_eq!(got.as_ref().map(|(m, _)| m.as_str()), want, "validate_length({value:?}, {opts:?})");
        if let Some((_, o)) = got {
            assert_eq!(o.keyword_get("validation"), Some(&a("length")));
            assert!(o.keyword_get("count").is_some());
        }
        let v = Changeset::from_value(&out).expect("cs");
        assert_eq!(v.validations.len(), 1, "validation recorded");
    }
}

#[test]
fn validate_length_metadata_order() {
    let mut interp = crate::interp();
    let cs = changed(&mut interp, a("string"), Some(s("abc")));
    let out = call(&mut interp, "validate_length", vec![cs, a("f"), kw(vec![("min", i(5))])]).expect("ok");
    let (_, opts) = first_error(&out).expect("error");
    assert_eq!(opts, kw(vec![("count", i(5)), ("validation", a("length")), ("kind", a("min")), ("type", a("string"))]));
}

#[test]
fn validate_number_table() {
    let table: Vec<(Value, Value, Value, Option<&str>)> = vec![
        (a("integer"), i(15), kw(vec![("greater_than_or_equal_to", i(18))]), Some("must be greater than or equal to %{number}")),
        (a("integer"), i(18), kw(vec![("greater_than_or_equal_to", i(18))]), None),
        (a("integer"), i(18), kw(vec![("greater_than", i(18))]), Some("must be greater than %{number}")),
        (a("float"), Value::Float(2.5), kw(vec![("less_than", Value::Float(2.5))]), Some("must be less than %{number}")),
        (a("float"), Value::Float(2.5), kw(vec![("less_than_or_equal_to", Value::Float(2.5))]), None),
        (
            a("float"),
            Value::Float(2.5),
            kw(vec![("greater_than", i(0)), ("less_than", Value::Float(2.5))]),
            Some("must be less than %{number}"),
        ),
        (a("integer"), i(5), kw(vec![("equal_to", Value::Float(5.0))]), None),
        (a("integer"), i(42), kw(vec![("not_equal_to", i(42))]), Some("must be not equal to %{number}")),
        (a("integer"), i(42), kw(vec![("equal_to", i(40))]), Some("must be equal to %{number}")),
        (a("decimal"), dec("-3.00"), kw(vec![("greater_than_or_equal_to", dec("0"))]), Some("must be greater than or equal to %{number}")),
        (a("decimal"), dec("1.0"), kw(vec![("equal_to", i(1))]), None),
        (a("decimal"), dec("1.5"), kw(vec![("less_than", Value::Float(1.5))]), Some("must be less than %{number}")),
        (a("integer"), i(2), kw(vec![("less_than", dec("2.5"))]), None),
        (a("integer"), i(3), kw(vec![("less_than", i(2)), ("message", s("too big"))]), Some("too big")),
        (a("integer"), Value::Nil, kw(vec![("greater_than", i(0))]), None),
    ];
    for (ty, value, opts, want) in table {
        let mut interp = crate::interp();
        let cs = changed(&mut interp, ty, Some(value.clone()));
        let out = call(&mut interp, "validate_number", vec![cs, a("f"), opts.clone()]).expect("validates");
        let got = first_error(&out);
        assert_eq!(got.as_ref().map(|(m, _)| m.as_str()), want, "validate_number({value:?}, {opts:?})");
        assert!(errors_count(&out) <= 1, "one error at most");
    }
}

#[test]
fn validate_number_raises() {
    let mut interp = crate::interp();
    let cs = changed(&mut interp, a("integer"), Some(i(1)));
    let err = call(&mut interp, "validate_number", vec![cs.clone(), a("f"), kw(vec![("greater", i(0))])]).expect_err("raises");
    assert_eq!(err.kind(), "ArgumentError");
    let err = call(&mut interp, "validate_number", vec![cs, a("f"), kw(vec![("less_than", s("5"))])]).expect_err("raises");
    assert_eq!(err.kind(), "ArgumentError");
    let cs = changed(&mut interp, a("string"), Some(s("x")));
    let err = call(&mut interp, "validate_number", vec![cs, a("f"), kw(vec![("less_than", i(5))])]).expect_err("raises");
    assert_eq!(err.kind(), "ArgumentError");
}

#[test]
fn validate_required_table() {
    // (data value, change, expected error)
    let table: Vec<(Value, Option<Value>, bool)> = vec![
        (Value::Nil, None, true),
        (s("x"), None, false),
        (Value::Nil, Some(s("")), true),
        (Value::Nil, Some(s("  ")), false),
        (s("x"), Some(Value::Nil), true),
        (Value::Nil, Some(list(vec![])), false),
        (Value::Nil, Some(i(0)), false),
        (Value::Nil, Some(Value::Bool(false)), false),
    ];
    for (data, change, want_error) in table {
        let mut interp = crate::interp();
        let base = Value::tuple(vec![amap(vec![("f", data.clone())]), amap(vec![("f", a("any"))])]);
        let changes = match &change {
            Some(v) => amap(vec![("f", v.clone())]),
            None => amap(vec![]),
        };
        let cs = call(&mut interp, "change", vec![base, changes]).expect("change");
        let out = call(&mut interp, "validate_required", vec![cs, a("f")]).expect("validates");
        let got = first_error(&out);
        assert_eq!(got.is_some(), want_error, "required with data {data:?} and change {change:?}");
        let v = Changeset::from_value(&out).expect("cs");
        assert_eq!(v.required, vec![a("f")]);
        if want_error {
            assert_eq!(got.map(|(m, _)| m), Some("can't be blank".to_string()));
            assert!(!v.valid);
            assert!(v.changes.is_empty(), "the change is dropped");
        }
    }
}

#[test]
fn validate_required_skips_fields_with_errors_and_unknown_fields_raise() {
    let mut interp = crate::interp();
    let cs = changed(&mut interp, a("integer"), None);
    let cs = call(&mut interp, "add_error", vec![cs, a("f"), s("is bad")]).expect("ok");
    let out = call(&mut interp, "validate_required", vec![cs, list(vec![a("f")]), kw(vec![("message", s("needed"))])]).expect("ok");
    assert_eq!(errors_count(&out), 1);
    let cs = changed(&mut interp, a("integer"), None);
    let err = call(&mut interp, "validate_required", vec![cs, a("nope")]).expect_err("raises");
    assert_eq!(err.kind(), "ArgumentError");
}

#[test]
fn inclusion_exclusion_subset_format_table() {
    let range = Value::Range(18, 120, 1);
    let words = list(vec![s("root"), s("admin")]);
    let strings = Value::tuple(vec![a("array"), a("string")]);
    // (validator, type, value, data, expected message)
    let table: Vec<(&str, Value, Value, Value, Option<&str>)> = vec![
        ("validate_inclusion", a("integer"), i(5), range.clone(), Some("is invalid")),
        ("validate_inclusion", a("integer"), i(18), range.clone(), None),
        ("validate_inclusion", a("integer"), i(120), range.clone(), None),
        ("validate_inclusion", a("integer"), i(121), range.clone(), Some("is invalid")),
        ("validate_inclusion", a("decimal"), dec("1.0"), list(vec![dec("1"), dec("2")]), None),
        ("validate_inclusion", a("string"), s("x"), list(vec![s("a")]), Some("is invalid")),
        ("validate_exclusion", a("string"), s("root"), words.clone(), Some("is reserved")),
        ("validate_exclusion", a("string"), s("ada"), words.clone(), None),
        ("validate_subset", strings.clone(), list(vec![s("ace"), s("zed")]), list(vec![s("ace"), s("bee")]), Some("has an invalid entry")),
        ("validate_subset", strings.clone(), list(vec![s("ace")]), list(vec![s("ace"), s("bee")]), None),
        ("validate_subset", strings.clone(), list(vec![]), list(vec![s("ace")]), None),
    ];
    for (f, ty, value, data, want) in table {
        let mut interp = crate::interp();
        let cs = changed(&mut interp, ty, Some(value.clone()));
        let out = call(&mut interp, f, vec![cs, a("f"), data.clone()]).expect("validates");
        let got = first_error(&out);
        assert_eq!(got.as_ref().map(|(m, _)| m.as_str()), want, "{f}({value:?}, {data:?})");
        if let Some((_, opts)) = got {
            assert_eq!(opts.keyword_get("enum"), Some(&data));
        }
    }
}

#[test]
fn validate_format_cases() {
    let mut interp = crate::interp();
    let re = {
        let compiled = regex::Regex::new("@").expect("regex");
        Value::Regex(Rc::new(crate::value::Regex { source: "@".into(), opts: String::new(), compiled: Some(compiled) }))
    };
    let cases = [(Some(s("a@b")), false), (Some(s("ab")), true), (Some(Value::Nil), false), (None, false)];
    for (value, want) in cases {
        let cs = changed(&mut interp, a("string"), value.clone());
        let out = call(&mut interp, "validate_format", vec![cs, a("f"), re.clone()]).expect("ok");
        assert_eq!(first_error(&out).is_some(), want, "format {value:?}");
    }
    let cs = changed(&mut interp, a("integer"), Some(i(1)));
    assert!(call(&mut interp, "validate_format", vec![cs, a("f"), re]).is_err());
}

fn cast(interp: &mut Interp, types: Value, params: Value, permitted: Vec<&str>, opts: Value) -> EResult<Value> {
    let data = Value::tuple(vec![amap(vec![]), types]);
    call(interp, "cast", vec![data, params, list(permitted.into_iter().map(a).collect()), opts])
}

#[test]
fn acceptance_and_confirmation() {
    let types = amap(vec![("terms", a("boolean")), ("password", a("string"))]);
    let table: Vec<(Value, bool)> = vec![
        (smap(vec![("terms", s("true"))]), false),
        (smap(vec![("terms", s("1"))]), false),
        (smap(vec![("terms", Value::Bool(true))]), false),
        (smap(vec![("terms", s("false"))]), true),
        (smap(vec![]), true),
    ];
    for (params, want) in table {
        let mut interp = crate::interp();
        let cs = cast(&mut interp, types.clone(), params.clone(), vec!["terms"], list(vec![])).expect("cast");
        let out = call(&mut interp, "validate_acceptance", vec![cs, a("terms")]).expect("ok");
        assert_eq!(first_error(&out).map(|(m, _)| m).is_some(), want, "acceptance {params:?}");
    }
    let table: Vec<(Value, Value, Option<&str>)> = vec![
        (smap(vec![("password", s("a")), ("password_confirmation", s("a"))]), list(vec![]), None),
        (smap(vec![("password", s("a")), ("password_confirmation", s("b"))]), list(vec![]), Some("does not match confirmation")),
        (smap(vec![("password", s("a"))]), list(vec![]), None),
        (smap(vec![("password", s("a"))]), kw(vec![("required", Value::Bool(true))]), Some("can't be blank")),
    ];
    for (params, opts, want) in table {
        let mut interp = crate::interp();
        let cs = cast(&mut interp, types.clone(), params.clone(), vec!["password"], list(vec![])).expect("cast");
        let out = call(&mut interp, "validate_confirmation", vec![cs, a("password"), opts]).expect("ok");
        let cs = Changeset::from_value(&out).expect("cs");
        let got = cs.errors.first().map(|(k, e)| (k.clone(), e.as_tuple().map(|t| t[0].clone())));
        match want {
            None => assert!(got.is_none(), "confirmation {params:?}"),
            Some(m) => assert_eq!(got, Some((a("password_confirmation"), Some(s(m))))),
        }
    }
}

#[test]
fn cast_empty_values_trimming_and_keys() {
    let types = amap(vec![("name", a("string")), ("age", a("integer")), ("tags", Value::tuple(vec![a("array"), a("string")]))]);
    let mut interp = crate::interp();
    // "" and whitespace-only are empty (trimmed on the left); the value itself is not trimmed.
    let cs =
        cast(&mut interp, types.clone(), smap(vec![("name", s("   ")), ("age", s(""))]), vec!["name", "age"], list(vec![])).expect("cast");
    let c = Changeset::from_value(&cs).expect("cs");
    assert!(c.changes.is_empty());
    let cs = cast(&mut interp, types.clone(), smap(vec![("name", s(" Ada "))]), vec!["name"], list(vec![])).expect("cast");
    assert_eq!(Changeset::from_value(&cs).expect("cs").change("name"), Some(&s(" Ada ")));
    // empty elements of arrays are dropped
    let cs = cast(&mut interp, types.clone(), smap(vec![("tags", list(vec![s("a"), s(""), s("b")]))]), vec!["tags"], list(vec![]))
        .expect("cast");
    assert_eq!(Changeset::from_value(&cs).expect("cs").change("tags"), Some(&list(vec![s("a"), s("b")])));
    // custom empty values
    let cs = cast(
        &mut interp,
        types.clone(),
        smap(vec![("name", s("-")), ("age", s(""))]),
        vec!["name", "age"],
        kw(vec![("empty_values", list(vec![s("-")]))]),
    )
    .expect("cast");
    let c = Changeset::from_value(&cs).expect("cs");
    assert_eq!(c.change("name"), None);
    assert!(!c.valid, "\"\" is not empty any more and fails to cast as an integer");
    // atom keys are accepted, mixed keys raise
    let cs = cast(&mut interp, types.clone(), amap(vec![("age", i(3))]), vec!["age"], list(vec![])).expect("cast");
    assert_eq!(Changeset::from_value(&cs).expect("cs").change("age"), Some(&i(3)));
    let mut mixed = MapT::new();
    mixed.insert(a("age"), i(3));
    mixed.insert(s("name"), s("x"));
    let err = cast(&mut interp, types.clone(), Value::map(mixed), vec!["age"], list(vec![])).expect_err("raises");
    assert_eq!(err.kind(), "Ecto.CastError");
    let err = cast(&mut interp, types.clone(), kw(vec![("age", i(3))]), vec!["age"], list(vec![])).expect_err("raises");
    assert_eq!(err.kind(), "Ecto.CastError");
    let err = cast(&mut interp, types.clone(), smap(vec![]), vec!["nope"], list(vec![])).expect_err("raises");
    assert_eq!(err.kind(), "ArgumentError");
    // :invalid params
    let cs = cast(&mut interp, types, a("invalid"), vec!["age"], list(vec![])).expect("cast");
    let c = Changeset::from_value(&cs).expect("cs");
    assert!(!c.valid && c.errors.is_empty() && c.params == Value::Nil);
}

#[test]
fn cast_errors_carry_type_and_validation() {
    let mut interp = crate::interp();
    let level = crate::types::EnumType::init(&kw(vec![("values", list(vec![a("a"), a("b")]))])).expect("enum");
    let level_t = crate::types::Type::Enum(Rc::new(level)).to_value();
    let types = amap(vec![("age", a("integer")), ("level", level_t.clone())]);
    let cs = cast(&mut interp, types, smap(vec![("age", s("x")), ("level", s("c"))]), vec!["age", "level"], list(vec![])).expect("cast");
    let c = Changeset::from_value(&cs).expect("cs");
    assert_eq!(c.errors.len(), 2);
    assert_eq!(c.errors[0].0, a("age"), "errors in permitted order");
    assert_eq!(c.errors[0].1, Value::tuple(vec![s("is invalid"), kw(vec![("type", a("integer")), ("validation", a("cast"))])]));
    assert_eq!(
        c.errors[1].1,
        Value::tuple(vec![
            s("is invalid"),
            kw(vec![("type", level_t), ("validation", a("inclusion")), ("enum", list(vec![s("a"), s("b")]))])
        ])
    );
}

#[test]
fn put_change_and_equality() {
    let mut interp = crate::interp();
    let data =
        Value::tuple(vec![amap(vec![("n", dec("1.0")), ("f", Value::Float(2.0))]), amap(vec![("n", a("decimal")), ("f", a("float"))])]);
    let cs = call(&mut interp, "change", vec![data.clone()]).expect("change");
    let out = call(&mut interp, "put_change", vec![cs.clone(), a("n"), dec("1.00")]).expect("ok");
    assert!(Changeset::from_value(&out).expect("cs").changes.is_empty(), "decimals compare by value");
    let out = call(&mut interp, "put_change", vec![cs.clone(), a("f"), i(2)]).expect("ok");
    assert!(Changeset::from_value(&out).expect("cs").changes.is_empty(), "2 == 2.0");
    let out = call(&mut interp, "force_change", vec![cs.clone(), a("f"), Value::Float(2.0)]).expect("ok");
    assert_eq!(Changeset::from_value(&out).expect("cs").changes.len(), 1);
    let err = call(&mut interp, "put_change", vec![cs, a("nope"), i(1)]).expect_err("raises");
    assert_eq!(err.kind(), "ArgumentError");
}

#[test]
fn constraints_and_errors_mapping() {
    let mut interp = crate::interp();
    let data = Value::tuple(vec![amap(vec![]), amap(vec![("email", a("string"))])]);
    let cs = call(&mut interp, "change", vec![data]).expect("change");
    let err = call(&mut interp, "unique_constraint", vec![cs.clone(), a("email")]).expect_err("no source");
    assert_eq!(err.kind(), "ArgumentError");
    let cs = call(&mut interp, "unique_constraint", vec![cs, a("email"), kw(vec![("name", a("users_email_index"))])]).expect("ok");
    let cs =
        call(&mut interp, "check_constraint", vec![cs, a("email"), kw(vec![("name", s("email_")), ("match", a("prefix"))])]).expect("ok");
    let c = Changeset::from_value(&cs).expect("cs");
    let v = constraints::Violation { kind: "unique".into(), name: "users_email_index".into() };
    let out = constraints::constraints_to_errors(&c, "insert", &[v], S).expect("maps");
    assert_eq!(
        out.errors[0],
        (
            a("email"),
            Value::tuple(vec![
                s("has already been taken"),
                kw(vec![("constraint", a("unique")), ("constraint_name", s("users_email_index"))])
            ])
        )
    );
    let v = constraints::Violation { kind: "check".into(), name: "email_format".into() };
    assert!(constraints::constraints_to_errors(&c, "insert", &[v], S).is_ok());
    let v = constraints::Violation { kind: "foreign_key".into(), name: "x".into() };
    let err = constraints::constraints_to_errors(&c, "insert", &[v], S).expect_err("unmatched");
    assert_eq!(err.kind(), "Ecto.ConstraintError");
}

#[test]
fn interpolation_of_messages() {
    let opts = kw(vec![("count", i(3)), ("number", Value::Float(2.5)), ("d", dec("0.10"))]);
    let table = [
        ("should be at most %{count} byte(s)", "should be at most 3 byte(s)"),
        ("must be less than %{number}", "must be less than 2.5"),
        ("%{d} and %{missing}", "0.10 and missing"),
        ("100%{ not a key", "100%{ not a key"),
    ];
    for (msg, want) in table {
        assert_eq!(traverse::interpolate(msg, &opts).ok().as_deref(), Some(want));
    }
}

/// Evaluates Elixir source with `Ecto.Changeset` imported; returns the last value.
fn eval_src(src: &str) -> EResult<Value> {
    let parsed = crate::syntax::parse(src);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let mut interp = crate::interp();
    let mut env = Interp::env_with_imports(&["Ecto.Changeset"]);
    interp.eval_file(&parsed.root, &mut env)
}

const RELATION_SCHEMAS: &str = r#"
defmodule R.Item do
  use Ecto.Schema
  embedded_schema do
    field :name, :string
  end
  def changeset(i, attrs), do: cast(i, attrs, [:name])
end

defmodule R.Box do
  use Ecto.Schema
  schema "boxes" do
    embeds_many :items, R.Item
    embeds_many :marked, R.Item, on_replace: :mark_as_invalid
    embeds_one :main, R.Item
    embeds_many :dels, R.Item, on_replace: :delete
  end
end
"#;

#[test]
fn relation_cases() {
    // (expression, expected: Ok(changes keys) or Err(exception kind))
    let table: Vec<(&str, Result<Vec<&str>, &str>, bool)> = vec![
        (
            r#"%R.Box{items: [%R.Item{id: "a1", name: "one"}]} |> cast(%{"items" => []}, []) |> cast_embed(:items)"#,
            Err("RuntimeError"),
            true,
        ),
        (r#"%R.Box{marked: [%R.Item{id: "a1"}]} |> cast(%{"marked" => []}, []) |> cast_embed(:marked)"#, Ok(vec![]), false),
        (
            r#"%R.Box{items: [%R.Item{id: "a1", name: "one"}]} |> cast(%{"items" => [%{"id" => "a1", "name" => "uno"}]}, []) |> cast_embed(:items)"#,
            Ok(vec!["items"]),
            true,
        ),
        (
            r#"%R.Box{items: [%R.Item{id: "a1", name: "one"}]} |> cast(%{"items" => [%{"id" => "a1", "name" => "one"}]}, []) |> cast_embed(:items)"#,
            Ok(vec![]),
            true,
        ),
        (r#"%R.Box{dels: [%R.Item{id: "a1", name: "one"}]} |> cast(%{"dels" => []}, []) |> cast_embed(:dels)"#, Ok(vec!["dels"]), true),
        (r#"%R.Box{main: %R.Item{id: "a1"}} |> cast(%{"main" => nil}, []) |> cast_embed(:main)"#, Err("RuntimeError"), true),
        (
            r#"%R.Box{main: %R.Item{id: "a1"}} |> cast(%{"main" => %{"id" => "a1", "name" => "z"}}, []) |> cast_embed(:main)"#,
            Ok(vec!["main"]),
            true,
        ),
        (r#"%R.Box{} |> change() |> put_embed(:main, nil)"#, Ok(vec![]), true),
        (r#"%R.Box{} |> change() |> put_embed(:main, %R.Box{})"#, Err("ArgumentError"), true),
        (r#"%R.Box{} |> change() |> put_embed(:dels, [[name: "k"]])"#, Ok(vec!["dels"]), true),
        (r#"%R.Box{} |> cast(%{"main" => "str"}, []) |> cast_embed(:main)"#, Ok(vec![]), false),
        (r#"%R.Box{} |> cast(%{"main" => %{"name" => "x"}}, []) |> cast_embed(:nope)"#, Err("ArgumentError"), true),
        (r#"%R.Box{} |> cast(%{"main" => %{"name" => "x"}}, [:main])"#, Err("RuntimeError"), true),
        (
            r#"%R.Box{} |> cast(%{"items" => %{"1" => %{"name" => "b"}, "0" => %{"name" => "a"}}}, []) |> cast_embed(:items)"#,
            Ok(vec!["items"]),
            true,
        ),
    ];
    for (expr, want, want_valid) in table {
        let src = format!("{RELATION_SCHEMAS}\n{expr}");
        match (eval_src(&src), want) {
            (Ok(v), Ok(keys)) => {
                let cs = Changeset::from_value(&v).expect("a changeset");
                let got: Vec<String> = cs.changes.keys().map(|k| k.as_atom().unwrap_or("").to_string()).collect();
                assert_eq!(got, keys, "{expr}");
                assert_eq!(cs.valid, want_valid, "{expr}");
            }
            (Err(e), Err(kind)) => assert_eq!(e.kind(), kind, "{expr}"),
            (got, want) => panic!("{expr}: got {:?}, want {want:?}", got.map_err(|e| e.message())),
        }
    }
}

#[test]
fn relation_order_and_actions() {
    let src = format!(
        "{RELATION_SCHEMAS}\n{}",
        r#"%R.Box{dels: [%R.Item{id: "a", name: "1"}, %R.Item{id: "b", name: "2"}]}
           |> cast(%{"dels" => %{"1" => %{"name" => "new"}, "0" => %{"id" => "b", "name" => "two"}}}, [])
           |> cast_embed(:dels)"#
    );
    let cs = Changeset::from_value(&eval_src(&src).expect("evaluates")).expect("cs");
    let items = cs.change("dels").and_then(|v| v.as_list()).expect("list").to_vec();
    let actions: Vec<String> = items
        .iter()
        .map(|c| Changeset::from_value(c).and_then(|c| c.action.as_atom().map(|a| a.to_string())).unwrap_or_default())
        .collect();
    assert_eq!(actions, vec!["replace", "update", "insert"]);
    let applied = relation::apply_changes(&cs);
    let names: Vec<Value> = applied
        .get_field("dels")
        .and_then(|v| v.as_list())
        .expect("applied")
        .iter()
        .map(|i| i.get_field("name").cloned().unwrap_or(Value::Nil))
        .collect();
    assert_eq!(names, vec![s("two"), s("new")]);
}

#[test]
fn inspect_redacts_and_unique_queries_the_repo() {
    let src = r#"
defmodule U.User do
  use Ecto.Schema
  schema "users" do
    field :email, :string
    field :password, :string, redact: true
  end
end

defmodule YesRepo do
  def exists?(_query, _opts), do: true
end

cs = %U.User{} |> change(email: "a@b", password: "pw") |> unsafe_validate_unique(:email, YesRepo)
{inspect(cs), cs.errors}
"#;
    let v = eval_src(src).expect("evaluates");
    let [shown, errors] = v.as_tuple().expect("tuple") else { panic!("pair") };
    let shown = shown.as_str().expect("string");
    assert!(shown.contains("password: \"**redacted**\""), "{shown}");
    assert!(shown.ends_with(", ...>"), "{shown}");
    assert_eq!(
        errors,
        &list(vec![Value::tuple(vec![
            a("email"),
            Value::tuple(vec![
                s("has already been taken"),
                kw(vec![("validation", a("unsafe_unique")), ("fields", list(vec![a("email")]))])
            ])
        ])])
    );
}

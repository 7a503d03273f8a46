//! Table-driven tests of casting, equality, dumping and loading.

use super::*;
use crate::diag::Span;
use crate::eval::Interp;

fn s(x: &str) -> Value {
    Value::str(x)
}

fn cast_v(t: &Type, v: Value) -> Cast {
    let mut i = crate::interp();
    cast(&mut i, t, &v, Span::NONE).expect("cast does not raise")
}

#[test]
fn casts_scalars() {
    use Type::*;
    let table: Vec<(Type, Value, Option<Value>)> = vec![
        (Integer, s("36"), Some(Value::Int(36))),
        (Integer, s("-7"), Some(Value::Int(-7))),
        (Integer, s("+7"), Some(Value::Int(7))),
        (Integer, s("1.0"), None),
        (Integer, s(" 1"), None),
        (Integer, s("thirty"), None),
        (Integer, s(""), None),
        (Integer, Value::Float(1.0), None),
        (Integer, Value::Int(3), Some(Value::Int(3))),
        (Id, s("5"), Some(Value::Int(5))),
        (Float, s("1.68"), Some(Value::Float(1.68))),
        (Float, s("1"), Some(Value::Float(1.0))),
        (Float, s("1e3"), Some(Value::Float(1000.0))),
        (Float, s("1-foo"), None),
        (Float, s(".5"), None),
        (Float, s("1."), None),
        (Float, Value::Int(2), Some(Value::Float(2.0))),
        (Boolean, s("true"), Some(Value::Bool(true))),
        (Boolean, s("1"), Some(Value::Bool(true))),
        (Boolean, s("0"), Some(Value::Bool(false))),
        (Boolean, s("false"), Some(Value::Bool(false))),
        (Boolean, s("TRUE"), None),
        (Boolean, s("maybe"), None),
        (String, s("x"), Some(s("x"))),
        (String, Value::Int(1), None),
        (BinaryId, s("not-a-uuid"), Some(s("not-a-uuid"))),
        (Map, s("x"), None),
        (Any, Value::Int(1), Some(Value::Int(1))),
        (Integer, Value::Nil, Some(Value::Nil)),
    ];
    for (t, v, want) in table {
        let got = cast_v(&t, v.clone()).ok();
        assert_eq!(got, want, "cast({t:?}, {v:?})");
    }
}

#[test]
fn casts_decimals() {
    let table = [
        ("1250.50", Some("1250.50")),
        ("lots", None),
        ("1.0bad", None),
        ("-3.00", Some("-3.00")),
        (".5", Some("0.5")),
        ("1e3", Some("1E+3")),
    ];
    for (input, want) in table {
        let got = cast_v(&Type::Decimal, s(input)).ok();
        let got = got.map(|v| match v {
            Value::Decimal(d) => d.to_scientific(),
            other => format!("{other:?}"),
        });
        assert_eq!(got.as_deref(), want, "decimal {input}");
    }
    match cast_v(&Type::Decimal, Value::Float(1.68)).ok() {
        Some(Value::Decimal(d)) => assert_eq!(d.to_scientific(), "1.68"),
        other => panic!("{other:?}"),
    }
    match cast_v(&Type::Decimal, Value::Float(2.0)).ok() {
        Some(Value::Decimal(d)) => assert_eq!(d.to_scientific(), "2.0"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn fwrite_g_forms() {
    let table = [
        (2.0, "2.0"),
        (1.68, "1.68"),
        (1.0e16, "1.0e16"),
        (0.0002, "2.0e-4"),
        (1.0e15, "1.0e15"),
        (-0.5, "-0.5"),
        (0.1 + 0.2, "0.30000000000000004"),
        (123456.0, "123456.0"),
        (1.0e-10, "1.0e-10"),
    ];
    for (f, want) in table {
        assert_eq!(cast::fwrite_g(f), want);
    }
}

fn iso(v: &Value) -> std::string::String {
    match v {
        Value::Date(d) => d.iso(),
        Value::Time(t) => t.iso(),
        Value::NaiveDateTime(n) => n.iso('T'),
        Value::DateTime(d) => d.iso(),
        Value::Nil => "nil".into(),
        other => format!("{other:?}"),
    }
}

#[test]
fn casts_dates_and_times() {
    use Type::*;
    let table: Vec<(Type, &str, Option<&str>)> = vec![
        (Date, "1815-12-10", Some("1815-12-10")),
        (Date, "2024-02-30", None),
        (Date, "2024-02-29", Some("2024-02-29")),
        (Date, "2024-05-01T09:15:30", Some("2024-05-01")),
        (Date, "20240501", None),
        (Time, "06:45:00", Some("06:45:00")),
        (Time, "06:45", Some("06:45:00")),
        (Time, "25:00:00", None),
        (Time, "06:45:00.123", Some("06:45:00")),
        (TimeUsec, "06:45:00.123", Some("06:45:00.123000")),
        (Time, "T06:45:00Z", Some("06:45:00")),
        (NaiveDatetime, "2024-05-01T09:15:30", Some("2024-05-01T09:15:30")),
        (NaiveDatetime, "2024-05-01 08:00:00.5", Some("2024-05-01T08:00:00")),
        (NaiveDatetimeUsec, "2024-05-01 08:00:00.5", Some("2024-05-01T08:00:00.500000")),
        (NaiveDatetime, "2024-05-01 08:00", Some("2024-05-01T08:00:00")),
        (NaiveDatetime, "2024-05-01T09:15:30+02:00", Some("2024-05-01T09:15:30")),
        (NaiveDatetime, "yesterday", None),
        (UtcDatetime, "2024-05-01T09:15:30Z", Some("2024-05-01T09:15:30Z")),
        (UtcDatetime, "2024-05-01T12:00:00.999+02:00", Some("2024-05-01T10:00:00Z")),
        (UtcDatetimeUsec, "2024-05-01T12:00:00+02:00", Some("2024-05-01T10:00:00.000000Z")),
        (UtcDatetimeUsec, "2024-05-01T09:15:30.123456Z", Some("2024-05-01T09:15:30.123456Z")),
        (UtcDatetime, "2024-05-01T09:15:30", Some("2024-05-01T09:15:30Z")),
        (UtcDatetime, "2024-13-01T00:00:00Z", None),
        (UtcDatetime, "2024-05-01T00:30:00+01:00", Some("2024-04-30T23:30:00Z")),
        (UtcDatetime, "2024-05-01T00:30:00-00:00", None),
    ];
    for (t, input, want) in table {
        let got = cast_v(&t, s(input)).ok().map(|v| iso(&v));
        assert_eq!(got.as_deref(), want, "cast({t:?}, {input:?})");
    }
}

fn smap(pairs: &[(&str, &str)]) -> Value {
    let mut m = MapT::new();
    for (k, v) in pairs {
        m.insert(s(k), s(v));
    }
    Value::map(m)
}

#[test]
fn casts_dates_from_maps() {
    let d = cast_v(&Type::Date, smap(&[("year", "2024"), ("month", "2"), ("day", "29")])).ok();
    assert_eq!(d.map(|v| iso(&v)).as_deref(), Some("2024-02-29"));
    let t = cast_v(&Type::Time, smap(&[("hour", "7"), ("minute", "5")])).ok();
    assert_eq!(t.map(|v| iso(&v)).as_deref(), Some("07:05:00"));
    let empty = cast_v(&Type::Date, smap(&[("year", ""), ("month", ""), ("day", "")])).ok();
    assert_eq!(empty, Some(Value::Nil));
    let bad = cast_v(&Type::Date, smap(&[("year", "2024"), ("month", "x"), ("day", "1")])).ok();
    assert_eq!(bad, None);
    let n = cast_v(
        &Type::NaiveDatetime,
        smap(&[("year", "2024"), ("month", "2"), ("day", "29"), ("hour", "7"), ("minute", "5"), ("second", "x")]),
    )
    .ok();
    assert_eq!(n.map(|v| iso(&v)).as_deref(), Some("2024-02-29T07:05:00"));
}

fn enum_type(values: Value) -> Type {
    let e = EnumType::init(&Value::keyword(vec![("values", values)])).expect("valid enum");
    Type::Enum(std::rc::Rc::new(e))
}

#[test]
fn casts_enums_and_arrays() {
    let level = enum_type(Value::keyword(vec![("bronze", Value::Int(1)), ("silver", Value::Int(2)), ("gold", Value::Int(3))]));
    assert_eq!(cast_v(&level, s("gold")).ok(), Some(Value::atom("gold")));
    assert_eq!(cast_v(&level, Value::Int(2)).ok(), Some(Value::atom("silver")));
    assert_eq!(cast_v(&level, Value::atom("bronze")).ok(), Some(Value::atom("bronze")));
    match cast_v(&level, s("platinum")) {
        Cast::Error(kw) => {
            assert_eq!(&*kw[0].0, "validation");
            assert_eq!(kw[1].1, Value::list(vec![s("bronze"), s("gold"), s("silver")]));
        }
        other => panic!("{other:?}"),
    }
    let roles = enum_type(Value::list(vec![Value::atom("guest"), Value::atom("admin")]));
    assert_eq!(cast_v(&roles, s("admin")).ok(), Some(Value::atom("admin")));
    assert_eq!(Type::from_value(&roles.to_value()), Some(roles.clone()));

    let ints = Type::Array(Box::new(Type::Integer));
    assert_eq!(cast_v(&ints, Value::list(vec![s("7"), s("13")])).ok(), Some(Value::list(vec![Value::Int(7), Value::Int(13)])));
    assert_eq!(cast_v(&ints, Value::list(vec![s("7"), s("x")])).ok(), None);
    assert_eq!(cast_v(&ints, Value::list(vec![Value::Nil])).ok(), Some(Value::list(vec![Value::Nil])));
    assert_eq!(cast_v(&Type::Array(Box::new(Type::String)), s("solo")).ok(), None);
    let roles_list = Type::Array(Box::new(roles));
    match cast_v(&roles_list, Value::list(vec![s("admin"), s("nope")])) {
        Cast::Error(kw) => {
            assert_eq!(kw.last().map(|(k, v)| (k.to_string(), v.clone())), Some(("source".into(), Value::list(vec![Value::Int(1)]))))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn casts_uuids() {
    let t = Type::Uuid;
    assert_eq!(cast_v(&t, s("6BA7B810-9DAD-11D1-80B4-00C04FD430C8")).ok(), Some(s("6ba7b810-9dad-11d1-80b4-00c04fd430c8")));
    assert_eq!(cast_v(&t, s("not-a-uuid")).ok(), None);
    assert_eq!(cast_v(&t, s("warehouse worker")).ok(), Some(s("77617265-686f-7573-6520-776f726b6572")));
    let raw = uuid::dump(&s("601d74e4-a8d3-4b6e-8365-eddb4c893327")).expect("dumps");
    assert_eq!(raw.as_bytes().map(|b| b.len()), Some(16));
}

#[test]
fn equality_rules() {
    let mut i = crate::interp();
    let sp = Span::NONE;
    let d = |x: &str| Value::Decimal(std::rc::Rc::new(crate::value::Decimal::parse(x).expect("decimal")));
    assert!(equal(&mut i, &Type::Decimal, &d("1"), &d("1.00"), sp).expect("ok"));
    assert!(equal(&mut i, &Type::Float, &Value::Int(2), &Value::Float(2.0), sp).expect("ok"));
    assert!(!equal(&mut i, &Type::String, &s("a"), &Value::Nil, sp).expect("ok"));
    assert!(equal(&mut i, &Type::String, &Value::Nil, &Value::Nil, sp).expect("ok"));
    let arr = Type::Array(Box::new(Type::Decimal));
    assert!(equal(&mut i, &arr, &Value::list(vec![d("1.0")]), &Value::list(vec![d("1")]), sp).expect("ok"));
    assert!(include(&mut i, &Type::Integer, &Value::Int(18), &Value::Range(18, 120, 1), sp).expect("ok"));
    assert!(!include(&mut i, &Type::Integer, &Value::Int(5), &Value::Range(18, 120, 1), sp).expect("ok"));
    assert!(include(&mut i, &Type::Decimal, &d("1"), &Value::list(vec![d("1.00")]), sp).expect("ok"));
}

#[test]
fn sqlite_and_postgres_dump_load() {
    let mut i = crate::interp();
    let sp = Span::NONE;
    let dump_s = |i: &mut Interp, t: &Type, v: Value| adapter_dump(i, Adapter::Sqlite, t, &v, sp).expect("no raise");
    let dump_p = |i: &mut Interp, t: &Type, v: Value| adapter_dump(i, Adapter::Postgres, t, &v, sp).expect("no raise");
    assert_eq!(dump_s(&mut i, &Type::Boolean, Value::Bool(true)), Some(Value::Int(1)));
    assert_eq!(dump_p(&mut i, &Type::Boolean, Value::Bool(true)), Some(Value::Bool(true)));
    let dec = cast_v(&Type::Decimal, s("49.99")).ok().expect("decimal");
    assert_eq!(dump_s(&mut i, &Type::Decimal, dec.clone()), Some(s("49.99")));
    assert_eq!(dump_p(&mut i, &Type::Decimal, dec.clone()), Some(dec));
    let ndt = cast_v(&Type::NaiveDatetime, s("2024-06-30T23:59:59")).ok().expect("ndt");
    assert_eq!(dump_s(&mut i, &Type::NaiveDatetime, ndt.clone()), Some(s("2024-06-30T23:59:59")));
    let utc = cast_v(&Type::UtcDatetimeUsec, s("2024-01-15T08:30:00Z")).ok().expect("utc");
    assert_eq!(dump_s(&mut i, &Type::UtcDatetimeUsec, utc), Some(s("2024-01-15T08:30:00.000000Z")));
    let date = cast_v(&Type::Date, s("2024-03-01")).ok().expect("date");
    assert_eq!(dump_s(&mut i, &Type::Date, date.clone()), Some(date));
    let arr = Type::Array(Box::new(Type::String));
    assert_eq!(dump_s(&mut i, &arr, Value::list(vec![s("elixir"), s("ecto")])), Some(s("[\"elixir\",\"ecto\"]")));
    let bools = Type::Array(Box::new(Type::Boolean));
    assert_eq!(dump_s(&mut i, &bools, Value::list(vec![Value::Bool(true)])), Some(s("[1]")));
    assert_eq!(
        dump_s(&mut i, &Type::Binary, Value::binary(&[255, 216])),
        Some(Value::tuple(vec![Value::atom("blob"), Value::binary(&[255, 216])]))
    );
    let uuid_s = s("601d74e4-a8d3-4b6e-8365-eddb4c893327");
    assert_eq!(dump_s(&mut i, &Type::BinaryId, uuid_s.clone()), Some(uuid_s.clone()));
    assert_eq!(dump_p(&mut i, &Type::BinaryId, uuid_s.clone()).and_then(|v| v.as_bytes().map(|b| b.len())), Some(16));
    assert_eq!(dump_s(&mut i, &Type::Uuid, uuid_s.clone()), Some(uuid_s.clone()));
    let mut m = MapT::new();
    m.insert(s("theme"), s("dark"));
    m.insert(s("digest"), Value::Bool(true));
    assert_eq!(dump_s(&mut i, &Type::Map, Value::map(m)), Some(s("{\"digest\":true,\"theme\":\"dark\"}")));
    let role = enum_type(Value::list(vec![Value::atom("guest"), Value::atom("admin")]));
    assert_eq!(dump_s(&mut i, &role, Value::atom("admin")), Some(s("admin")));
    assert_eq!(dump_s(&mut i, &role, Value::atom("other")), None);

    let load_s = |i: &mut Interp, t: &Type, v: Value| adapter_load(i, Adapter::Sqlite, t, &v, sp).expect("no raise");
    assert_eq!(load_s(&mut i, &Type::Boolean, Value::Int(0)), Some(Value::Bool(false)));
    assert_eq!(load_s(&mut i, &Type::Float, Value::Int(3)), Some(Value::Float(3.0)));
    assert_eq!(load_s(&mut i, &arr, s("[\"a\"]")), Some(Value::list(vec![s("a")])));
    let loaded = load_s(&mut i, &Type::UtcDatetime, s("2024-01-15T08:30:00Z")).map(|v| iso(&v));
    assert_eq!(loaded.as_deref(), Some("2024-01-15T08:30:00Z"));
    let loaded = load_s(&mut i, &Type::NaiveDatetimeUsec, s("2024-01-15T08:30:00")).map(|v| iso(&v));
    assert_eq!(loaded.as_deref(), Some("2024-01-15T08:30:00.000000"));
    let loaded = load_s(&mut i, &Type::Decimal, s("49.99")).map(|v| match v {
        Value::Decimal(d) => d.to_scientific(),
        _ => std::string::String::new(),
    });
    assert_eq!(loaded.as_deref(), Some("49.99"));
    let level = enum_type(Value::keyword(vec![("bronze", Value::Int(1)), ("gold", Value::Int(3))]));
    assert_eq!(load_s(&mut i, &level, Value::Int(3)), Some(Value::atom("gold")));
    assert_eq!(load_s(&mut i, &Type::Date, s("2024-03-01")).map(|v| iso(&v)).as_deref(), Some("2024-03-01"));
}

#[test]
fn dump_rejects_microseconds_where_ecto_raises() {
    let mut i = crate::interp();
    let v = cast_v(&Type::NaiveDatetimeUsec, s("2024-01-01T00:00:00.5")).ok().expect("cast");
    assert!(adapter_dump(&mut i, Adapter::Sqlite, &Type::NaiveDatetime, &v, Span::NONE).is_err());
}

#[test]
fn type_terms_round_trip() {
    for t in [Type::String, Type::Array(Box::new(Type::Integer)), Type::MapOf(Box::new(Type::Decimal)), Type::Uuid, Type::UtcDatetimeUsec] {
        assert_eq!(Type::from_value(&t.to_value()), Some(t.clone()));
    }
}

/// Evaluates Elixir source (schemas) in a fresh interpreter.
fn eval_src(src: &str) -> (Interp, Value) {
    let parsed = crate::syntax::parse(src);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let mut interp = crate::interp();
    let mut env = Interp::env_with_imports(&["Ecto.Changeset"]);
    let v = interp.eval_file(&parsed.root, &mut env).expect("evaluates");
    (interp, v)
}

#[test]
fn embeds_dump_to_json_and_load_back() {
    let src = r#"
defmodule T.Address do
  use Ecto.Schema
  @primary_key false
  embedded_schema do
    field :street, :string
    field :since, :date
    field :kind, Ecto.Enum, values: [home: 1, work: 2]
    field :zip, :string, source: :postcode
  end
end

defmodule T.Person do
  use Ecto.Schema
  schema "people" do
    embeds_one :address, T.Address
    embeds_many :others, T.Address
  end
end

%T.Address{street: "Dam 1", since: ~D[2020-01-02], kind: :work, zip: "1012"}
"#;
    let (mut interp, address) = eval_src(src);
    let schema = crate::schema::lookup(&mut interp, "T.Person").expect("schema");
    let one = Type::from(schema.type_of("address").expect("address"));
    let many = Type::from(schema.type_of("others").expect("others"));
    let sp = Span::NONE;
    let json_one = adapter_dump(&mut interp, Adapter::Sqlite, &one, &address, sp).expect("dumps");
    assert_eq!(json_one, Some(s(r#"{"kind":"work","postcode":"1012","since":"2020-01-02","street":"Dam 1"}"#)));
    let json_many = adapter_dump(&mut interp, Adapter::Sqlite, &many, &Value::list(vec![address.clone()]), sp).expect("dumps");
    assert_eq!(json_many, Some(s(r#"[{"kind":"work","postcode":"1012","since":"2020-01-02","street":"Dam 1"}]"#)));
    let loaded = adapter_load(&mut interp, Adapter::Sqlite, &one, &json_one.expect("json"), sp).expect("loads");
    assert_eq!(loaded, Some(address.clone()));
    // Postgres receives the dumped map (atom keys), Postgrex encodes it.
    let pg = adapter_dump(&mut interp, Adapter::Postgres, &one, &address, sp).expect("dumps").expect("ok");
    assert_eq!(pg.get_field("postcode"), Some(&s("1012")));
    // ecto_sqlite3's json_encode gives Jason's "null" for a nil embed (no special case for nil).
    assert_eq!(adapter_dump(&mut interp, Adapter::Sqlite, &one, &Value::Nil, sp).expect("dumps"), Some(s("null")));
    assert_eq!(adapter_load(&mut interp, Adapter::Sqlite, &many, &Value::Nil, sp).expect("loads"), Some(Value::list(vec![])));
}

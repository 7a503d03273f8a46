use super::dsl::{end_schema, with_builder, Builder};
use super::*;
use crate::diag::Span;
use crate::eval::Interp;
use crate::value::Value;

const S: Span = Span::NONE;

fn kw(pairs: Vec<(&str, Value)>) -> Value {
    Value::keyword(pairs)
}

fn a(s: &str) -> Value {
    Value::atom(s)
}

fn m(s: &str) -> Value {
    Value::module(s)
}

fn empty() -> Value {
    Value::list(vec![])
}

/// Builds the blog User and Post schemas of the conformance corpus.
pub(crate) fn blog(interp: &mut Interp) {
    Builder::begin(interp, "Elixir.Blog.Profile", None, false, S).ok();
    // @primary_key false
    interp.ext::<SchemaRegistry>().building.pop();
    let mut md = crate::eval::Module::default();
    md.attributes.insert("primary_key".into(), Value::Bool(false));
    interp.modules.insert("Elixir.Blog.Profile".into(), md);
    Builder::begin(interp, "Elixir.Blog.Profile", None, false, S).unwrap();
    with_builder(interp, S, |i, b| {
        b.field(i, "bio", &a("string"), &empty(), S)?;
        b.field(i, "website", &a("string"), &empty(), S)?;
        b.field(i, "twitter", &a("string"), &empty(), S)
    })
    .unwrap();
    end_schema(interp, S).unwrap();

    Builder::begin(interp, "Elixir.Blog.User", Some(Value::str("users")), true, S).unwrap();
    with_builder(interp, S, |i, b| {
        b.field(i, "name", &a("string"), &empty(), S)?;
        b.field(i, "active", &a("boolean"), &kw(vec![("default", Value::Bool(true))]), S)?;
        b.field(
            i,
            "role",
            &m("Ecto.Enum"),
            &kw(vec![("values", Value::list(vec![a("reader"), a("writer"), a("admin")])), ("default", a("reader"))]),
            S,
        )?;
        b.embed(i, "profile", Cardinality::One, &m("Blog.Profile"), &kw(vec![("on_replace", a("update"))]), S)?;
        b.has("posts", Cardinality::Many, &m("Blog.Post"), &kw(vec![("foreign_key", a("author_id"))]), S)?;
        b.has("comments", Cardinality::Many, &m("Blog.Comment"), &empty(), S)?;
        b.timestamps(i, &empty(), S)
    })
    .unwrap();
    end_schema(interp, S).unwrap();

    Builder::begin(interp, "Elixir.Blog.Post", Some(Value::str("posts")), true, S).unwrap();
    with_builder(interp, S, |i, b| {
        b.field(i, "title", &a("string"), &empty(), S)?;
        b.field(i, "keywords", &Value::tuple(vec![a("array"), a("string")]), &kw(vec![("default", empty())]), S)?;
        b.belongs_to(i, "author", &m("Blog.User"), &empty(), S)?;
        b.many_to_many("tags", &m("Blog.Tag"), &kw(vec![("join_through", Value::str("posts_tags"))]), S)?;
        b.has("comments", Cardinality::Many, &m("Blog.Comment"), &empty(), S)?;
        b.has("commenters", Cardinality::Many, &kw(vec![("through", Value::list(vec![a("comments"), a("user")]))]), &empty(), S)?;
        b.timestamps(i, &empty(), S)
    })
    .unwrap();
    end_schema(interp, S).unwrap();
}

#[test]
fn struct_field_order_follows_definitions() {
    let mut interp = crate::interp();
    blog(&mut interp);
    let fields = interp.struct_def("Elixir.Blog.Post").unwrap();
    let names: Vec<&str> = fields.iter().map(|(k, _)| &**k).collect();
    assert_eq!(
        names,
        ["__meta__", "id", "title", "keywords", "author_id", "author", "tags", "comments", "commenters", "inserted_at", "updated_at"]
    );
    let post = lookup(&mut interp, "Blog.Post").unwrap();
    let f: Vec<&str> = post.field_names().collect();
    assert_eq!(f, ["id", "title", "keywords", "author_id", "inserted_at", "updated_at"]);
    assert_eq!(post.primary_key, ["id"]);
    assert_eq!(post.autogenerate_id, Some(("id".into(), "id".into(), EctoType::Id)));
    assert_eq!(post.source.as_deref(), Some("posts"));
}

#[test]
fn association_defaults() {
    let mut interp = crate::interp();
    blog(&mut interp);
    let user = lookup(&mut interp, "Blog.User").unwrap();
    let posts = user.assoc("posts").unwrap();
    assert_eq!((posts.owner_key.as_str(), posts.related_key.as_str()), ("id", "author_id"));
    let comments = user.assoc("comments").unwrap();
    assert_eq!(comments.related_key, "user_id");
    let post = lookup(&mut interp, "Blog.Post").unwrap();
    let author = post.assoc("author").unwrap();
    assert_eq!((author.owner_key.as_str(), author.related_key.as_str()), ("author_id", "id"));
    let tags = post.assoc("tags").unwrap();
    match &tags.kind {
        AssocKind::ManyToMany { join_keys, join_through, .. } => {
            assert_eq!(join_keys[0], ("post_id".to_string(), "id".to_string()));
            assert_eq!(join_keys[1], ("tag_id".to_string(), "id".to_string()));
            assert_eq!(join_through, &JoinThrough::Table("posts_tags".into()));
        }
        other => panic!("{other:?}"),
    }
    assert!(post.assoc("commenters").unwrap().is_through());
}

#[test]
fn embedded_schema_and_enum() {
    let mut interp = crate::interp();
    blog(&mut interp);
    let profile = lookup(&mut interp, "Blog.Profile").unwrap();
    assert!(profile.primary_key.is_empty());
    assert!(profile.source.is_none());
    let fields = interp.struct_def("Elixir.Blog.Profile").unwrap();
    assert_eq!(fields.len(), 3);
    let user = lookup(&mut interp, "Blog.User").unwrap();
    let role = user.type_of("role").unwrap().as_enum().unwrap();
    assert_eq!(role.dump_atom("admin"), Some(&Value::str("admin")));
    assert_eq!(user.embed("profile").unwrap().on_replace, "update");
}

#[test]
fn errors() {
    let mut interp = crate::interp();
    Builder::begin(&mut interp, "Elixir.X", Some(Value::str("xs")), true, S).unwrap();
    let r = with_builder(&mut interp, S, |i, b| b.field(i, "x", &a("strin"), &empty(), S));
    assert_eq!(r.unwrap_err().kind(), "ArgumentError");
    let r = with_builder(&mut interp, S, |i, b| b.field(i, "x", &a("string"), &kw(vec![("bogus", Value::Bool(true))]), S));
    assert!(r.unwrap_err().message().ends_with("for field/3"));
    let r = with_builder(&mut interp, S, |i, b| b.field(i, "id", &a("string"), &empty(), S));
    assert!(r.unwrap_err().message().contains("already exists"));
    let r = with_builder(&mut interp, S, |i, b| b.field(i, "n", &a("integer"), &kw(vec![("default", Value::str("x"))]), S));
    assert!(r.unwrap_err().message().contains("can't set default"));
}

#[test]
fn underscore_names() {
    assert_eq!(dsl::underscore("LineItem"), "line_item");
    assert_eq!(dsl::underscore("HTTPRequest"), "http_request");
    assert_eq!(dsl::association_key("Elixir.Shop.LineItem", "id"), "line_item_id");
}

//! The model read from real workspaces: every gallery example run on
//! SQLite, schemas drawn from every Ecto feature the model shows, drift
//! found and fixed by its own migration, and the designer's code read back.

use super::design::{Design, DesignField, DesignOp, NewAssoc, PrimaryKey};
use super::*;
use crate::executor::native::SqliteExecutor;
use crate::playground::examples::{self, EXAMPLES};

pub(super) fn workspace() -> Workspace {
    let exec = SqliteExecutor::in_memory().expect("sqlite");
    let mut ws = Workspace::with_executor(Box::new(exec));
    ws.set_now(Box::new(|| 1_735_689_600_000_000));
    ws
}

/// Runs a cell, failing the test on any diagnostic.
pub(super) fn run(ws: &mut Workspace, src: &str) {
    let r = ws.run_cell(src);
    assert!(r.diagnostics.is_empty(), "{src}\n{:?}", r.diagnostics);
}

/// Runs every cell of an example; returns the model.
fn run_example(id: &str) -> ErModel {
    let nb = examples::find(id).expect("example").notebook();
    let mut ws = workspace();
    let cells: Vec<String> = nb.cells.iter().map(|c| c.source.clone()).collect();
    for c in &cells {
        ws.run_cell(c);
    }
    let refs: Vec<&str> = cells.iter().map(String::as_str).collect();
    ws.er_model(&refs)
}

fn table<'a>(m: &'a ErModel, name: &str) -> &'a ErTable {
    m.table(name).unwrap_or_else(|| panic!("no table {name} in {:?}", m.tables.iter().map(|t| &t.name).collect::<Vec<_>>()))
}

fn columns(m: &ErModel, name: &str) -> Vec<String> {
    table(m, name).fields.iter().filter_map(|f| f.column.clone()).collect()
}

fn table_names(m: &ErModel) -> Vec<&str> {
    m.tables.iter().map(|t| t.name.as_str()).collect()
}

fn edge<'a>(m: &'a ErModel, from: &str, name: &str) -> &'a ErEdge {
    m.edges.iter().find(|e| e.from == from && e.name == name).unwrap_or_else(|| panic!("no edge {from}.{name}"))
}

fn edge_shape(m: &ErModel) -> Vec<(String, String, &'static str, String)> {
    m.edges.iter().map(|e| (e.from.clone(), e.to.clone(), e.kind.as_str(), e.name.clone())).collect()
}

fn drift_kinds(m: &ErModel) -> Vec<(&'static str, String, Option<String>)> {
    m.drift.iter().map(|d| (d.kind.as_str(), d.table.clone(), d.column.clone())).collect()
}

fn s(a: &str, b: &str, k: &'static str, n: &str) -> (String, String, &'static str, String) {
    (a.into(), b.into(), k, n.into())
}

#[test]
fn every_gallery_example_yields_a_model_with_its_schemas() {
    for e in EXAMPLES {
        let m = run_example(e.id);
        assert!(m.database, "{}", e.id);
        for t in &m.tables {
            assert!(!t.fields.is_empty(), "{}: {} has no fields", e.id, t.name);
            if t.kind == TableKind::Schema && !t.abstract_ {
                assert!(t.in_db, "{}: {} is not in the database", e.id, t.name);
                assert!(t.location.is_some(), "{}: {} has no location", e.id, t.name);
            }
        }
        for edge in &m.edges {
            assert!(m.table(&edge.from).is_some() && m.table(&edge.to).is_some(), "{}: dangling edge {edge:?}", e.id);
            assert!(!edge.code.is_empty());
        }
        assert!(!m.tables.iter().any(|t| t.name == "schema_migrations"));
        // The model travels as JSON and comes back the same.
        let json = serde_json::to_string(&m).expect("json");
        assert_eq!(serde_json::from_str::<ErModel>(&json).expect("back"), m, "{}", e.id);
    }
}

#[test]
fn blog_tables_fields_and_edges() {
    let m = run_example("blog");
    assert_eq!(table_names(&m), ["authors", "comments", "posts", "posts_tags", "tags"]);
    assert_eq!(columns(&m, "posts"), ["id", "title", "body", "author_id", "inserted_at", "updated_at"]);
    assert_eq!(columns(&m, "posts_tags"), ["post_id", "tag_id"]);
    assert_eq!(table(&m, "posts_tags").kind, TableKind::JoinTable);
    assert_eq!(table(&m, "posts").modules, ["Blog.Post"]);
    let author_id = table(&m, "posts").column("author_id").expect("author_id");
    assert_eq!(author_id.ecto_type.as_deref(), Some(":id"));
    assert_eq!(author_id.column_type.as_deref(), Some("INTEGER"));
    assert_eq!(author_id.association.as_deref(), Some("author"));
    assert!(author_id.not_null);
    assert_eq!(
        author_id.foreign_key,
        Some(ErForeignKey { table: "authors".into(), column: "id".into(), on_delete: Some("delete_all".into()), constraint: true })
    );
    let title = table(&m, "posts").field("title").expect("title");
    assert!(title.not_null && !title.primary_key && title.ecto_type.as_deref() == Some(":string"));
    let id = table(&m, "posts").field("id").expect("id");
    assert!(id.primary_key);
    assert!(table(&m, "posts").field("inserted_at").expect("ts").timestamps);
    assert_eq!(
        edge_shape(&m),
        [
            s("authors", "posts", "has_many", "posts"),
            s("comments", "posts", "belongs_to", "post"),
            s("posts", "authors", "belongs_to", "author"),
            s("posts", "comments", "has_many", "comments"),
            s("posts", "tags", "many_to_many", "tags"),
            s("tags", "posts", "many_to_many", "posts"),
        ]
    );
    let tags = edge(&m, "posts", "tags");
    assert_eq!(tags.join_through.as_deref(), Some("posts_tags"));
    assert_eq!(tags.join_keys, Some(("post_id".into(), "tag_id".into())));
    assert_eq!(tags.code, "many_to_many :tags, Blog.Tag, join_through: \"posts_tags\"");
    assert_eq!(edge(&m, "authors", "posts").related_key.as_deref(), Some("author_id"));
    // Click a box: the cell and line of its defmodule.
    let loc = table(&m, "posts").location.clone().expect("location");
    assert_eq!((loc.cell, loc.from.0), (0, 10));
    // Every foreign key has its index: the schemas and tables agree.
    assert_eq!(drift_kinds(&m), []);
}

#[test]
fn polymorphic_tables_and_sources() {
    let m = run_example("polymorphic");
    assert_eq!(
        table_names(&m),
        [
            "abstract table: notes",
            "project_items",
            "project_notes",
            "projects",
            "todo_items",
            "todo_list_items",
            "todo_list_notes",
            "todo_lists"
        ]
    );
    let abstract_ = table(&m, "abstract table: notes");
    assert!(abstract_.abstract_ && !abstract_.in_db);
    assert_eq!(table(&m, "todo_list_notes").modules, ["Todo.Note"]);
    assert_eq!(table(&m, "todo_list_notes").kind, TableKind::Schema);
    assert_eq!(table(&m, "project_items").kind, TableKind::JoinTable);
    let notes = edge(&m, "todo_lists", "notes");
    assert_eq!((notes.to.as_str(), notes.kind), ("todo_list_notes", EdgeKind::HasMany));
    assert_eq!(notes.source_override.as_deref(), Some("todo_list_notes"));
    assert_eq!(notes.related_key.as_deref(), Some("assoc_id"));
    assert_eq!(edge(&m, "projects", "notes").to, "project_notes");
    assert_eq!(edge(&m, "projects", "todo_items").join_through.as_deref(), Some("project_items"));
    // The abstract table is not drift; the notes tables' columns all have fields.
    assert!(!m.drift.iter().any(|d| d.table.starts_with("abstract") || d.kind != DriftKind::MissingFkIndex), "{:?}", drift_kinds(&m));
}

#[test]
fn custom_primary_keys() {
    let m = run_example("multi_tenancy");
    assert_eq!(table(&m, "orgs").primary_key, ["org_id"]);
    assert!(table(&m, "orgs").field("org_id").expect("org_id").primary_key);
    assert!(table(&m, "orgs").field("id").is_none());
    assert_eq!(edge_shape(&m), [s("comments", "posts", "belongs_to", "post"), s("posts", "comments", "has_many", "comments")]);
    let m = run_example("upserts");
    assert_eq!(table(&m, "page_views").primary_key, ["path"]);
    assert_eq!(columns(&m, "page_views"), ["path", "count"]);
    assert_eq!(table(&m, "page_views").field("count").expect("count").default.as_deref(), Some("1"));
}

#[test]
fn self_reference_enum_virtual_and_two_belongs_to_the_same_table() {
    let m = run_example("recursive_cte");
    assert_eq!(
        edge_shape(&m),
        [s("categories", "categories", "belongs_to", "parent"), s("categories", "categories", "has_many", "children")]
    );
    assert_eq!(edge(&m, "categories", "children").related_key.as_deref(), Some("parent_id"));
    let m = run_example("changesets");
    let users = table(&m, "users");
    let password = users.field("password").expect("password");
    assert!(password.virtual_ && password.column.is_none() && !password.in_db);
    let role = users.field("role").expect("role");
    assert_eq!(role.ecto_type.as_deref(), Some("Ecto.Enum"));
    assert_eq!(role.enum_values.as_deref(), Some(&["reader".to_string(), "editor".into(), "admin".into()][..]));
    assert_eq!(role.default.as_deref(), Some(":reader"));
    let m = run_example("multi");
    assert_eq!(
        edge_shape(&m),
        [s("transfers", "accounts", "belongs_to", "from_account"), s("transfers", "accounts", "belongs_to", "to_account")]
    );
    let m = run_example("audit_trail");
    assert_eq!(table(&m, "audit_entries").field("changes").expect("changes").ecto_type.as_deref(), Some(":map"));
    for id in ["soft_deletes", "optimistic_locking", "window_functions", "dynamic_filters"] {
        let m = run_example(id);
        assert!(m.tables.iter().all(|t| t.kind == TableKind::Schema && t.in_db), "{id}");
        assert!(m.drift.iter().all(|d| d.kind == DriftKind::MissingFkIndex), "{id}: {:?}", drift_kinds(&m));
    }
    let m = run_example("dynamic_filters");
    assert_eq!(edge_shape(&m), [s("products", "brands", "belongs_to", "brand")]);
}

const FEATURES: &str = r#"
defmodule Shop.Address do
  use Ecto.Schema

  embedded_schema do
    field :city, :string
    field :zip, :string
  end
end

defmodule Shop.Customer do
  use Ecto.Schema

  @schema_prefix "crm"
  schema "customers" do
    field :name, :string, source: :full_name
    field :tags, {:array, :string}
    field :nickname, :string, virtual: true
    embeds_one :address, Shop.Address
    embeds_many :previous, Shop.Address
    has_many :orders, Shop.Order
    has_many :open_orders, Shop.Order, where: [state: "open"]
    has_many :items, through: [:orders, :items]
    timestamps(type: :utc_datetime)
  end
end

defmodule Shop.Order do
  use Ecto.Schema

  schema "orders" do
    field :state, :string
    field :commentable_type, :string
    field :commentable_id, :integer
    belongs_to :customer, Shop.Customer
    has_many :items, Shop.Item
  end
end

defmodule Shop.Item do
  use Ecto.Schema

  @primary_key {:code, :string, autogenerate: false}
  schema "items" do
    field :qty, :integer
    belongs_to :order, Shop.Order
  end
end
"#;

#[test]
fn embeds_prefixes_sources_through_where_and_polymorphic_pairs() {
    let mut ws = Workspace::new();
    run(&mut ws, FEATURES);
    let m = ws.er_model(&[FEATURES]);
    assert!(!m.database && m.drift.is_empty());
    assert_eq!(table_names(&m), ["Shop.Address", "customers", "items", "orders"]);
    assert_eq!(table(&m, "Shop.Address").kind, TableKind::Embedded);
    let c = table(&m, "customers");
    assert_eq!(c.prefix.as_deref(), Some("crm"));
    assert!(!c.in_db);
    let name = c.field("name").expect("name");
    assert_eq!(name.column.as_deref(), Some("full_name"));
    assert_eq!(name.column_type.as_deref(), Some("TEXT"));
    assert_eq!(c.field("tags").expect("tags").ecto_type.as_deref(), Some("{:array, :string}"));
    let address = c.field("address").expect("address");
    let embed = address.embed.as_ref().expect("embed");
    assert_eq!((embed.cardinality.as_str(), embed.module.as_str()), ("one", "Shop.Address"));
    assert_eq!(embed.fields.iter().filter_map(|f| f.name.clone()).collect::<Vec<_>>(), ["id", "city", "zip"]);
    assert_eq!(c.field("previous").and_then(|f| f.embed.as_ref()).map(|e| e.cardinality.as_str()), Some("many"));
    assert_eq!(c.field("inserted_at").and_then(|f| f.ecto_type.clone()).as_deref(), Some(":utc_datetime"));
    assert_eq!(
        edge_shape(&m),
        [
            s("customers", "orders", "has_many", "orders"),
            s("customers", "orders", "has_many", "open_orders"),
            s("customers", "items", "through", "items"),
            s("items", "orders", "belongs_to", "order"),
            s("orders", "customers", "belongs_to", "customer"),
            s("orders", "items", "has_many", "items"),
        ]
    );
    assert!(edge(&m, "customers", "open_orders").has_where);
    assert!(!edge(&m, "customers", "orders").has_where);
    assert_eq!(edge(&m, "customers", "items").through, ["orders", "items"]);
    assert_eq!(edge(&m, "customers", "open_orders").code, "has_many :open_orders, Shop.Order, where: [state: \"open\"]");
    assert_eq!(table(&m, "orders").polymorphic, [PolyPair { type_column: "commentable_type".into(), id_column: "commentable_id".into() }]);
    let items = table(&m, "items");
    assert_eq!(items.primary_key, ["code"]);
    assert_eq!(items.field("code").and_then(|f| f.ecto_type.clone()).as_deref(), Some(":string"));
    // Without a database, a belongs_to still points at its table.
    let order_id = items.field("order_id").expect("order_id");
    assert_eq!(order_id.foreign_key.as_ref().map(|f| (f.table.as_str(), f.constraint)), Some(("orders", false)));
    // Every renderer names every drawn table.
    for format in [render::Format::Mermaid, render::Format::Dbml, render::Format::Dot, render::Format::Svg] {
        let out = render::render(&m, format);
        for t in ["customers", "items", "orders"] {
            assert!(out.contains(t), "{format:?} lacks {t}");
        }
        assert!(!out.contains("Shop.Address {"), "{format:?} draws the embedded schema as a table");
    }
}

/// Runs a drift's migration and checks the drift is gone.
fn fix(ws: &mut Workspace, kind: DriftKind, table: &str, column: Option<&str>) -> ErModel {
    let m = ws.er_model(&[]);
    let d = m
        .drift
        .iter()
        .find(|d| d.kind == kind && d.table == table && d.column.as_deref() == column)
        .unwrap_or_else(|| panic!("no {kind:?} on {table}.{column:?} in {:?}", drift_kinds(&m)))
        .clone();
    let r = ws.run_cell(&d.migration);
    assert!(r.diagnostics.is_empty(), "{}\n{:?}", d.migration, r.diagnostics);
    assert_eq!(r.inspect.as_deref(), Some(":ok"), "{}", d.migration);
    let after = ws.er_model(&[]);
    assert!(
        !after.drift.iter().any(|x| x.kind == kind && x.table == table && x.column.as_deref() == column),
        "{}\nstill {:?}",
        d.migration,
        drift_kinds(&after)
    );
    after
}

#[test]
fn every_kind_of_drift_is_found_and_its_migration_fixes_it() {
    let mut ws = workspace();
    run(
        &mut ws,
        r#"
defmodule Lib.Author do
  use Ecto.Schema
  schema "authors" do
    field :name, :string
    field :bio, :string
    field :settings, :map
  end
end

defmodule Lib.Book do
  use Ecto.Schema
  schema "books" do
    field :title, :string
    belongs_to :author, Lib.Author
    many_to_many :genres, Lib.Genre, join_through: "books_genres"
  end
end

defmodule Lib.Genre do
  use Ecto.Schema
  schema "genres" do
    field :name, :string
  end
end

defmodule Lib.Review do
  use Ecto.Schema
  schema "reviews" do
    field :stars, :integer
    belongs_to :book, Lib.Book
  end
end

defmodule Lib.Migrations.Start do
  use Ecto.Migration
  def change do
    create table(:authors) do
      add :name, :string
      add :settings, :integer
      add :legacy, :string
    end
    create index(:authors, [:legacy])
    create table(:books) do
      add :title, :string
      add :author_id, :integer
    end
    create table(:reviews) do
      add :stars, :integer
      add :book_id, references(:books)
    end
  end
end

Ecto.Migrator.up(Repo, 7, Lib.Migrations.Start)
"#,
    );
    let m = ws.er_model(&[]);
    assert_eq!(
        drift_kinds(&m),
        [
            ("missing_column", "authors".into(), Some("bio".into())),
            ("type_mismatch", "authors".into(), Some("settings".into())),
            ("extra_column", "authors".into(), Some("legacy".into())),
            ("missing_fk_constraint", "books".into(), Some("author_id".into())),
            ("missing_join_table", "books_genres".into(), None),
            ("missing_table", "genres".into(), None),
            ("missing_fk_index", "reviews".into(), Some("book_id".into())),
        ]
    );
    // Versions follow the database's last one, one per finding.
    assert!(m.drift[0].migration.contains("Ecto.Migrator.up(Repo, 8, Lib.Migrations.AddBioToAuthors)"), "{}", m.drift[0].migration);
    assert!(m.drift[1].message.contains(":map") && m.drift[1].message.contains("INTEGER"));
    fix(&mut ws, DriftKind::MissingColumn, "authors", Some("bio"));
    fix(&mut ws, DriftKind::TypeMismatch, "authors", Some("settings"));
    fix(&mut ws, DriftKind::ExtraColumn, "authors", Some("legacy"));
    fix(&mut ws, DriftKind::MissingFkConstraint, "books", Some("author_id"));
    fix(&mut ws, DriftKind::MissingTable, "genres", None);
    fix(&mut ws, DriftKind::MissingJoinTable, "books_genres", None);
    let m = fix(&mut ws, DriftKind::MissingFkIndex, "reviews", Some("book_id"));
    assert_eq!(drift_kinds(&m), []);
    assert_eq!(table(&m, "books_genres").kind, TableKind::JoinTable);
    assert_eq!(table(&m, "authors").field("settings").and_then(|f| f.column_type.clone()).as_deref(), Some("TEXT"));
    assert!(table(&m, "books").field("author_id").and_then(|f| f.foreign_key.clone()).is_some_and(|f| f.constraint));
}

#[test]
fn a_table_only_the_database_has() {
    let mut ws = workspace();
    run(&mut ws, "Repo.query!(\"CREATE TABLE logs (id INTEGER PRIMARY KEY, msg TEXT NOT NULL DEFAULT 'x', at DATETIME)\")");
    let m = ws.er_model(&[]);
    let logs = table(&m, "logs");
    assert_eq!(logs.kind, TableKind::DbOnly);
    assert!(logs.modules.is_empty());
    let msg = logs.column("msg").expect("msg");
    assert!(msg.name.is_none() && msg.not_null && msg.in_db);
    assert_eq!(msg.db_default.as_deref(), Some("'x'"));
    assert!(m.drift.is_empty());
}

fn strip(mut m: ErModel) -> ErModel {
    for t in &mut m.tables {
        t.location = None;
        for f in &mut t.fields {
            f.db_default = None;
        }
    }
    for e in &mut m.edges {
        e.location = None;
    }
    m
}

/// Runs the code of each change in a fresh workspace and compares the
/// model read back with the one the design predicts.
#[test]
fn designer_code_reads_back_as_the_design() {
    let f = |name: &str, ty: &str| DesignField { name: name.into(), ecto_type: ty.into(), null: true, ..DesignField::default() };
    let ops = vec![
        DesignOp::CreateTable {
            table: "authors".into(),
            module: "Pub.Author".into(),
            fields: vec![DesignField { null: false, size: Some(60), ..f("name", ":string") }],
            primary_key: PrimaryKey::Id,
            timestamps: true,
        },
        DesignOp::CreateTable {
            table: "posts".into(),
            module: "Pub.Post".into(),
            fields: vec![
                DesignField { null: false, ..f("title", ":string") },
                DesignField { default: Some("0".into()), ..f("views", ":integer") },
                DesignField {
                    values: Some(vec!["draft".into(), "live".into()]),
                    default: Some(":draft".into()),
                    ..f("state", "Ecto.Enum")
                },
                f("tags", "{:array, :string}"),
            ],
            primary_key: PrimaryKey::Id,
            timestamps: true,
        },
        DesignOp::CreateTable {
            table: "labels".into(),
            module: "Pub.Label".into(),
            fields: vec![f("name", ":string")],
            primary_key: PrimaryKey::Custom { name: "code".into(), ecto_type: ":string".into(), autogenerate: false },
            timestamps: false,
        },
        DesignOp::AddField { table: "posts".into(), field: f("summary", ":string") },
        DesignOp::RenameField { table: "posts".into(), from: "summary".into(), to: "teaser".into() },
        DesignOp::AddField { table: "posts".into(), field: f("scratch", ":boolean") },
        DesignOp::RemoveField { table: "posts".into(), name: "scratch".into() },
        DesignOp::AddAssoc {
            table: "authors".into(),
            assoc: NewAssoc {
                kind: design::AssocKind::HasMany,
                name: "posts".into(),
                target: "posts".into(),
                foreign_key: None,
                join_table: None,
                on_delete: Some("delete_all".into()),
                null: true,
            },
        },
        DesignOp::AddAssoc {
            table: "posts".into(),
            assoc: NewAssoc {
                kind: design::AssocKind::ManyToMany,
                name: "labels".into(),
                target: "labels".into(),
                foreign_key: None,
                join_table: None,
                on_delete: None,
                null: true,
            },
        },
        // A reference to a table whose key is a string.
        DesignOp::AddAssoc {
            table: "posts".into(),
            assoc: NewAssoc {
                kind: design::AssocKind::BelongsTo,
                name: "label".into(),
                target: "labels".into(),
                foreign_key: None,
                join_table: None,
                on_delete: Some("nilify_all".into()),
                null: true,
            },
        },
    ];
    let mut design = Design::default();
    let mut ws = workspace();
    let mut cells: Vec<String> = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        let change = design.apply(op, i as i64 + 1).unwrap_or_else(|e| panic!("{op:?}: {e}"));
        for s in &change.schemas {
            run(&mut ws, &s.code);
            cells.push(s.code.clone());
        }
        run(&mut ws, &change.migration);
        cells.push(change.migration.clone());
        design = change.design;
        // After every step the workspace draws what the design says.
        let refs: Vec<&str> = cells.iter().map(String::as_str).collect();
        let got = strip(ws.er_model(&refs));
        let want = design.er_model();
        assert_eq!(got.tables, want.tables, "after {op:?}");
        assert_eq!(got.edges, want.edges, "after {op:?}");
        assert_eq!(got.drift, vec![], "after {op:?}");
    }
    let posts = design.table("posts").expect("posts");
    assert_eq!(
        posts.fields.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(),
        ["title", "views", "state", "tags", "teaser", "author_id", "label_id"]
    );
    assert!(design.table("posts_labels").is_some());
    let label_id = design.table("posts").and_then(|t| t.fields.iter().find(|f| f.name == "label_id")).and_then(|f| f.belongs_to.clone());
    assert_eq!(label_id.and_then(|b| b.ecto_type).as_deref(), Some(":string"));
    // The design read back from the model writes the same schemas.
    let refs: Vec<&str> = cells.iter().map(String::as_str).collect();
    let again = Design::from_model(&ws.er_model(&refs));
    assert_eq!(again.er_model().tables, design.er_model().tables);
}

/// Imports a DDL file, runs the code it writes, and reads the workspace back.
#[cfg(feature = "sql-import")]
fn import_round_trip(sql: &str, namespace: &str) -> (import::Imported, ErModel) {
    let imp = import::import_sql(sql, namespace);
    let mut ws = workspace();
    run(&mut ws, &imp.code);
    let got = strip(ws.er_model(&[&imp.code]));
    let want = imp.design.er_model();
    assert_eq!(table_names(&got), table_names(&want));
    for (g, w) in got.tables.iter().zip(&want.tables) {
        assert_eq!(g, w, "table {}", g.name);
    }
    assert_eq!(got.edges, want.edges);
    (imp, got)
}

#[cfg(feature = "sql-import")]
#[test]
fn a_pg_dump_imports_into_schemas_that_read_back_the_same() {
    let (imp, m) = import_round_trip(include_str!("testdata/shop_pg_dump.sql"), "Shop");
    assert_eq!(
        table_names(&m),
        [
            "addresses",
            "categories",
            "comments",
            "countries",
            "org_members",
            "organizations",
            "posts",
            "posts_tags",
            "products",
            "profiles",
            "tags",
            "transfers",
            "users"
        ]
    );
    assert!(!imp.code.contains("schema_migrations"));
    let users = table(&m, "users");
    assert_eq!(columns(&m, "users"), ["id", "email", "name", "admin", "settings", "inserted_at", "updated_at"]);
    assert!(users.field("inserted_at").expect("inserted_at").timestamps);
    assert_eq!(users.field("settings").and_then(|f| f.ecto_type.clone()).as_deref(), Some(":map"));
    assert_eq!(users.field("admin").and_then(|f| f.default.clone()).as_deref(), Some("false"));
    assert_eq!(table(&m, "posts").field("tags").and_then(|f| f.ecto_type.clone()).as_deref(), Some("{:array, :string}"));
    assert_eq!(table(&m, "posts").field("published_at").and_then(|f| f.ecto_type.clone()).as_deref(), Some(":utc_datetime"));
    assert_eq!(table(&m, "organizations").field("id").and_then(|f| f.ecto_type.clone()).as_deref(), Some(":binary_id"));
    assert_eq!(table(&m, "org_members").field("organization_id").and_then(|f| f.ecto_type.clone()).as_deref(), Some(":binary_id"));
    assert_eq!(table(&m, "org_members").field("role").and_then(|f| f.default.clone()).as_deref(), Some("\"member\""));
    assert_eq!(table(&m, "countries").primary_key, ["code"]);
    assert!(imp.code.contains("@primary_key {:code, :string, autogenerate: false}"), "{}", imp.code);
    assert_eq!(table(&m, "posts_tags").kind, TableKind::JoinTable);
    assert_eq!(table(&m, "products").field("price").and_then(|f| f.ecto_type.clone()).as_deref(), Some(":decimal"));
    assert_eq!(table(&m, "products").field("data").and_then(|f| f.ecto_type.clone()).as_deref(), Some(":binary"));
    assert!(table(&m, "products").indexes.iter().any(|i| i.name == "products_sku" && i.unique));
    let has = |from: &str, to: &str, kind: &str, name: &str| {
        m.edges.iter().any(|e| e.from == from && e.to == to && e.kind.as_str() == kind && e.name == name)
    };
    assert!(has("posts", "users", "belongs_to", "author"));
    assert!(has("users", "posts", "has_many", "posts"));
    assert!(has("users", "profiles", "has_one", "profile"));
    // posts has a `tags` column: the association takes another name.
    assert!(has("posts", "tags", "many_to_many", "linked_tags"));
    assert!(has("tags", "posts", "many_to_many", "posts"));
    assert!(has("categories", "categories", "belongs_to", "parent"));
    assert!(has("categories", "categories", "has_many", "categories"));
    assert!(has("addresses", "countries", "belongs_to", "country"));
    assert!(has("users", "transfers", "has_many", "from_user_transfers"));
    assert!(has("users", "transfers", "has_many", "to_user_transfers"));
    let fk = table(&m, "addresses").field("country_code").and_then(|f| f.foreign_key.clone()).expect("fk");
    assert_eq!((fk.table.as_str(), fk.column.as_str()), ("countries", "code"));
    let on_delete = table(&m, "comments").field("author_id").and_then(|f| f.foreign_key.clone()).and_then(|f| f.on_delete);
    assert_eq!(on_delete.as_deref(), Some("nilify_all"));
    // What was left out is said, by line.
    let lines: Vec<usize> = imp.warnings.iter().map(|w| w.line).collect();
    for line in [5, 6, 7, 19, 21, 28] {
        assert!(lines.contains(&line), "line {line} not reported: {:?}", imp.warnings);
    }
    assert!(imp.warnings.iter().any(|w| w.message.contains("expressions")), "{:?}", imp.warnings);
}

#[cfg(feature = "sql-import")]
#[test]
fn a_sqlite_schema_imports_too() {
    let (imp, m) = import_round_trip(include_str!("testdata/notes_sqlite.sql"), "Notes");
    assert_eq!(table_names(&m), ["labels", "note_labels", "notebooks", "notes"]);
    assert_eq!(columns(&m, "notes"), ["id", "notebook_id", "body", "pinned", "score", "archived_at"]);
    assert_eq!(table(&m, "notes").field("pinned").and_then(|f| f.default.clone()).as_deref(), Some("false"));
    assert_eq!(table(&m, "notes").field("archived_at").and_then(|f| f.ecto_type.clone()).as_deref(), Some(":naive_datetime"));
    assert_eq!(table(&m, "note_labels").kind, TableKind::JoinTable);
    assert!(m.edges.iter().any(|e| e.from == "notes" && e.kind == EdgeKind::ManyToMany && e.to == "labels"));
    // The trigger and the view are reported; the rest imported.
    assert_eq!(imp.warnings.iter().map(|w| w.line).collect::<Vec<_>>(), [8, 9], "{:?}", imp.warnings);
}

#[test]
fn missing_tables_of_every_shape_are_created_by_their_drift_migration() {
    let mut ws = workspace();
    let src = r#"
defmodule Geo.Point do
  use Ecto.Schema
  embedded_schema do
    field :lat, :float
    field :lng, :float
  end
end

defmodule Geo.Region do
  use Ecto.Schema
  @primary_key {:id, :binary_id, autogenerate: true}
  schema "regions" do
    field :name, :string
    field :kind, Ecto.Enum, values: [:city, :state], default: :city
    field :aliases, {:array, :string}
    field :meta, :map
    field :area, :decimal
    embeds_one :center, Geo.Point
    embeds_many :outline, Geo.Point
    timestamps(type: :utc_datetime)
  end
end

defmodule Geo.Country do
  use Ecto.Schema
  @primary_key {:code, :string, autogenerate: false}
  schema "countries" do
    field :name, :string
  end
end

defmodule Geo.Place do
  use Ecto.Schema
  schema "places" do
    field :title, :string
    field :opened_on, :date
    belongs_to :region, Geo.Region, type: :binary_id
    belongs_to :country, Geo.Country, references: :code, type: :string
  end
end
"#;
    run(&mut ws, src);
    let m = ws.er_model(&[]);
    assert_eq!(
        drift_kinds(&m),
        [("missing_table", "countries".into(), None), ("missing_table", "places".into(), None), ("missing_table", "regions".into(), None)]
    );
    for t in ["countries", "regions", "places"] {
        fix(&mut ws, DriftKind::MissingTable, t, None);
    }
    let m = ws.er_model(&[]);
    assert_eq!(drift_kinds(&m), []);
    let regions = table(&m, "regions");
    assert_eq!(regions.field("id").and_then(|f| f.column_type.clone()).as_deref(), Some("TEXT"));
    assert_eq!(regions.field("center").and_then(|f| f.column_type.clone()).as_deref(), Some("TEXT"));
    let place = table(&m, "places");
    let country = place.field("country_id").and_then(|f| f.foreign_key.clone()).expect("fk");
    assert_eq!((country.table.as_str(), country.column.as_str(), country.constraint), ("countries", "code", true));
    // The tables work: a place with its region and country is stored and read back.
    run(
        &mut ws,
        r#"r = Repo.insert!(%Geo.Region{name: "North", center: %Geo.Point{lat: 1.0, lng: 2.0}})
c = Repo.insert!(%Geo.Country{code: "NO", name: "Norway"})
Repo.insert!(%Geo.Place{title: "Fjord", region_id: r.id, country_id: c.code})
[p] = Repo.all(Geo.Place) |> Repo.preload([:region, :country])
{p.region.center.lat, p.country.name}"#,
    );
}

/// A model of 40 tables with a foreign key each, for the layout and the timing.
#[test]
fn forty_tables_are_read_and_laid_out_without_overlaps() {
    let mut design = Design::default();
    let f = |name: &str| DesignField { name: name.into(), ecto_type: ":string".into(), null: true, ..DesignField::default() };
    let mut ws = workspace();
    for i in 0..40 {
        let op = DesignOp::CreateTable {
            table: format!("t{i:02}"),
            module: format!("Big.T{i:02}"),
            fields: vec![f("name"), f("note")],
            primary_key: PrimaryKey::Id,
            timestamps: true,
        };
        let change = design.apply(&op, i + 1).expect("create");
        design = change.design;
        for s in &change.schemas {
            run(&mut ws, &s.code);
        }
        run(&mut ws, &change.migration);
    }
    for i in 1..40 {
        let assoc = NewAssoc {
            kind: design::AssocKind::BelongsTo,
            name: "parent".into(),
            target: format!("t{:02}", (i - 1) / 3),
            foreign_key: None,
            join_table: None,
            on_delete: None,
            null: true,
        };
        let change = design.apply(&DesignOp::AddAssoc { table: format!("t{i:02}"), assoc }, 100 + i as i64).expect("assoc");
        design = change.design;
        for s in &change.schemas {
            run(&mut ws, &s.code);
        }
        run(&mut ws, &change.migration);
    }
    let start = std::time::Instant::now();
    let m = ws.er_model(&[]);
    let elapsed = start.elapsed();
    assert_eq!(m.tables.len(), 40);
    assert_eq!(m.edges.len(), 39);
    assert_eq!(strip(m.clone()).tables, design.er_model().tables);
    eprintln!("40 tables: model in {elapsed:?}");
    let boxes = svg::layout(&m);
    assert_eq!(boxes.len(), 40);
    for (i, a) in boxes.iter().enumerate() {
        for b in &boxes[i + 1..] {
            let apart = a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y;
            assert!(apart, "{} and {} overlap", a.table, b.table);
        }
        // Parents sit above their children.
        if let Some(parent) = m.table(&a.table).and_then(|t| t.field("parent_id")).and_then(|f| f.foreign_key.clone()) {
            let p = boxes.iter().find(|b| b.table == parent.table).expect("parent box");
            assert!(p.y < a.y || parent.table == a.table, "{} is not above {}", p.table, a.table);
        }
    }
}

//! The saved/shared notebook format and share-link encoding, under Node
//! (`make test-wasm`; Node has Blob, CompressionStream and Response).
#![cfg(target_arch = "wasm32")]

use ectoplasm_app::persist::{CellKind, Database, SavedCell, SavedNotebook, FORMAT_VERSION};
use ectoplasm_app::share::{base64url_decode, base64url_encode, decode, deflate, encode, fragment_payload, inflate};
use wasm_bindgen_test::wasm_bindgen_test;

fn notebook() -> SavedNotebook {
    SavedNotebook {
        v: FORMAT_VERSION,
        title: "T".into(),
        description: String::new(),
        example: None,
        cells: vec![
            SavedCell::code(None, "x = 1".into()),
            SavedCell::code(Some("Two".into()), "<script>alert(1)</script> ünïcode ✓".into()),
        ],
        positions: Default::default(),
        lesson: None,
        livemd: None,
        db: Database::Sqlite,
    }
}

#[wasm_bindgen_test]
fn the_database_travels_with_the_notebook_and_sqlite_is_the_default() {
    let mut nb = notebook();
    assert!(!nb.to_json().contains("\"db\""), "SQLite notebooks are saved as before");
    nb.db = Database::Postgres;
    let text = nb.to_json();
    assert!(text.ends_with(r#""db":"postgres"}"#), "{text}");
    assert_eq!(SavedNotebook::from_json(&text).expect("reads back"), nb);
    let err = SavedNotebook::from_json(r#"{"v":1,"cells":[],"db":"oracle"}"#).expect_err("unknown database");
    assert!(err.contains("oracle"), "{err}");
}

#[wasm_bindgen_test]
fn diagram_positions_travel_with_the_notebook() {
    let mut nb = notebook();
    nb.positions.insert("posts".into(), [120.0, -40.5]);
    let text = nb.to_json();
    assert!(text.ends_with(r#""positions":{"posts":[120.0,-40.5]}}"#), "{text}");
    assert_eq!(SavedNotebook::from_json(&text).expect("reads back"), nb);
}

#[wasm_bindgen_test]
fn the_format_round_trips_and_omits_empty_fields() {
    let text = notebook().to_json();
    assert!(text.starts_with(r#"{"v":1,"title":"T","cells":[{"source":"x = 1"},{"title":"Two","source":"#), "{text}");
    assert_eq!(SavedNotebook::from_json(&text), Ok(notebook()));
}

#[wasm_bindgen_test]
fn markdown_cells_are_marked_and_old_cells_read_as_code() {
    let mut nb = notebook();
    nb.cells.insert(0, SavedCell { title: None, source: "# Intro".into(), kind: CellKind::Markdown, role: None, livemd: None });
    let text = nb.to_json();
    assert!(text.contains(r##"{"source":"# Intro","kind":"markdown"},{"source":"x = 1"}"##), "{text}");
    assert_eq!(SavedNotebook::from_json(&text), Ok(nb));
    let old = SavedNotebook::from_json(r#"{"v":1,"cells":[{"source":"x = 1"}]}"#).expect("an old save reads");
    assert_eq!(old.cells[0].kind, CellKind::Code);
}

#[wasm_bindgen_test]
fn unreadable_texts_say_why() {
    let err = |t: &str| SavedNotebook::from_json(t).expect_err(t);
    assert!(err("{not json").contains("not valid JSON"));
    assert!(err("[1]").contains("JSON object"));
    assert!(err(r#"{"cells":[]}"#).contains("no format version"));
    assert!(err(r#"{"v":"1","cells":[]}"#).contains("not a number"));
    let newer = err(r#"{"v":2,"cells":[]}"#);
    assert!(newer.contains("format version 2") && newer.contains("reads version 1"), "{newer}");
    assert!(err(r#"{"v":1,"cells":[{"title":"no source"}]}"#).contains("does not match"));
    assert!(SavedNotebook::from_json(r#"{"v":1,"cells":[],"unknown":true}"#).is_ok());
}

#[wasm_bindgen_test]
fn base64url_round_trips_every_length() {
    let bytes: Vec<u8> = (0..=255).collect();
    for n in 0..40 {
        let enc = base64url_encode(&bytes[..n]);
        assert!(!enc.contains(['+', '/', '=']), "{enc}");
        assert_eq!(base64url_decode(&enc).as_deref(), Ok(&bytes[..n]));
    }
    assert_eq!(base64url_encode(b"\xfb\xff"), "-_8");
    assert_eq!(base64url_decode("-_8=").as_deref(), Ok(&b"\xfb\xff"[..]));
    assert_eq!(base64url_decode("+/8").as_deref(), Ok(&b"\xfb\xff"[..]));
    assert!(base64url_decode("a").expect_err("fails").contains("cut short"));
    assert!(base64url_decode("ab%").expect_err("fails").contains("not base64url"));
}

#[wasm_bindgen_test]
fn fragments() {
    assert_eq!(fragment_payload("#nb=abc"), Some("abc"));
    assert_eq!(fragment_payload("nb="), Some(""));
    assert_eq!(fragment_payload("#console"), None);
    assert_eq!(fragment_payload(""), None);
}

#[wasm_bindgen_test]
async fn links_round_trip_through_deflate_raw() {
    let nb = notebook();
    let payload = encode(&nb).await.expect("encodes");
    assert!(payload.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{payload}");
    assert_eq!(decode(&payload).await, Ok(nb));

    let big = "SELECT 1;\n".repeat(20_000);
    let packed = deflate(big.as_bytes()).await.expect("deflates");
    assert!(packed.len() < big.len() / 50, "compressed to {}", packed.len());
    assert_eq!(inflate(&packed, usize::MAX).await.as_deref(), Ok(big.as_bytes()));
}

#[wasm_bindgen_test]
async fn broken_links_are_errors_not_panics() {
    assert!(decode("").await.expect_err("fails").contains("no notebook"));
    assert!(decode("%%%").await.expect_err("fails").contains("not base64url"));
    assert!(decode("AAAAAAAAAAAA").await.expect_err("fails").contains("damaged"));
    let good = encode(&notebook()).await.expect("encodes");
    assert!(decode(&good[..good.len() - 4]).await.expect_err("fails").contains("damaged"));
    let not_utf8 = base64url_encode(&deflate(&[0xff, 0xfe]).await.expect("deflates"));
    assert!(decode(&not_utf8).await.expect_err("fails").contains("UTF-8"));
    // A link that expands past the limit stops there.
    let bomb = base64url_encode(&deflate(&vec![b' '; 5 * 1024 * 1024]).await.expect("deflates"));
    assert!(decode(&bomb).await.expect_err("fails").contains("more than 4 MB"));
}

#[wasm_bindgen_test]
fn embed_mode_from_the_query() {
    use ectoplasm_app::embed::Mode;
    assert_eq!(Mode::from_query(""), Mode::default());
    assert_eq!(Mode::from_query("?embed=1"), Mode { embed: true, readonly: false, theme: None, diagram: false, database: None });
    assert_eq!(
        Mode::from_query("?embed=1&readonly=1&theme=dark"),
        Mode { embed: true, readonly: true, theme: Some("dark"), diagram: false, database: None }
    );
    assert_eq!(
        Mode::from_query("?embed&readonly=true&theme=light"),
        Mode { embed: true, readonly: true, theme: Some("light"), diagram: false, database: None }
    );
    // Read-only and theme only apply to embeds; unknown values are ignored.
    assert_eq!(Mode::from_query("?readonly=1&theme=dark"), Mode::default());
    assert_eq!(Mode::from_query("?embed=0"), Mode::default());
    assert!(Mode::from_query("?embed=1&view=diagram").diagram);
    assert!(!Mode::from_query("?view=diagram").diagram, "only in embed mode");
    assert_eq!(Mode::from_query("?embed=1&theme=<b>"), Mode { embed: true, readonly: false, theme: None, diagram: false, database: None });
    assert_eq!(Mode::from_query("?embed=1&db=postgres").database, Some(Database::Postgres));
    assert_eq!(Mode::from_query("?embed=1&db=sqlite").database, Some(Database::Sqlite));
    assert_eq!(Mode::from_query("?embed=1&db=oracle").database, None);
    assert_eq!(Mode::from_query("?db=postgres").database, None, "only in embed mode");
}

//! A small SQL pretty-printer for the playground's SQL pane: it only
//! changes whitespace, breaking the line before each clause (`FROM`,
//! `WHERE`, joins, `GROUP BY`, `ORDER BY`, `LIMIT`, set operations,
//! `RETURNING`, ...) of the statement and of its subqueries, indented by
//! nesting. Everything else keeps Ecto's exact text: joining the lines
//! back with single spaces gives the original statement.

/// Clause keywords a line break goes before (longer phrases first).
const CLAUSES: &[&str] = &[
    "SELECT",
    "FROM",
    "WHERE",
    "INNER LATERAL JOIN",
    "LEFT LATERAL JOIN",
    "CROSS LATERAL JOIN",
    "INNER JOIN",
    "LEFT OUTER JOIN",
    "RIGHT OUTER JOIN",
    "FULL OUTER JOIN",
    "LEFT JOIN",
    "RIGHT JOIN",
    "FULL JOIN",
    "CROSS JOIN",
    "GROUP BY",
    "HAVING",
    "WINDOW",
    "ORDER BY",
    "LIMIT",
    "OFFSET",
    "UNION ALL",
    "UNION",
    "EXCEPT ALL",
    "EXCEPT",
    "INTERSECT ALL",
    "INTERSECT",
    "ON CONFLICT",
    "RETURNING",
    "SET",
    "VALUES",
    "FOR UPDATE",
];

fn word_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The clause keyword starting at byte `i`, if any (whole words only).
fn clause_at(bytes: &[u8], i: usize) -> Option<&'static str> {
    if i > 0 && word_char(bytes[i - 1]) {
        return None;
    }
    CLAUSES.iter().copied().find(|k| {
        let end = i + k.len();
        bytes.get(i..end) == Some(k.as_bytes()) && bytes.get(end).is_none_or(|b| !word_char(*b))
    })
}

/// Whether the parenthesis group opening at byte `open` holds a query.
fn query_group(bytes: &[u8], open: usize) -> bool {
    let rest = &bytes[open + 1..];
    let start = rest.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(rest.len());
    let rest = &rest[start..];
    rest.starts_with(b"SELECT") || rest.starts_with(b"WITH") || rest.starts_with(b"(SELECT")
}

/// `sql` with a line break (and two spaces of indent per nested subquery)
/// before each clause. Text inside quotes and inside non-query parentheses
/// (function calls, `OVER (...)`, `IN (...)`) is left alone.
pub fn pretty(sql: &str) -> String {
    let bytes = sql.as_bytes();
    let mut out = String::with_capacity(sql.len() + 16);
    // One entry per open parenthesis: does it hold a query?
    let mut stack: Vec<bool> = Vec::new();
    let mut i = 0;
    let mut copied = 0;
    while i < bytes.len() {
        match bytes[i] {
            q @ (b'\'' | b'"' | b'`') => {
                // Skip the quoted text; a doubled quote is an escaped one.
                i += 1;
                while i < bytes.len() {
                    if bytes[i] == q {
                        if bytes.get(i + 1) == Some(&q) {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                i += 1;
            }
            b'(' => {
                stack.push(query_group(bytes, i));
                i += 1;
            }
            b')' => {
                stack.pop();
                i += 1;
            }
            b' ' if stack.iter().all(|q| *q) && i > 0 && bytes[i - 1] != b'(' => {
                if clause_at(bytes, i + 1).is_some() {
                    out.push_str(&sql[copied..i]);
                    out.push('\n');
                    out.push_str(&"  ".repeat(stack.len()));
                    copied = i + 1;
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    out.push_str(sql.get(copied..).unwrap_or(""));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(s: &str) -> String {
        s.lines().map(str::trim_start).collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn breaks_before_clauses_and_keeps_the_text() {
        let sql = "SELECT p0.\"id\", p0.\"title\" FROM \"posts\" AS p0 INNER JOIN \"authors\" AS a1 ON a1.\"id\" = p0.\"author_id\" WHERE (a1.\"name\" = ?) ORDER BY p0.\"id\" LIMIT 10";
        let p = pretty(sql);
        assert_eq!(
            p,
            "SELECT p0.\"id\", p0.\"title\"\nFROM \"posts\" AS p0\nINNER JOIN \"authors\" AS a1 ON a1.\"id\" = p0.\"author_id\"\nWHERE (a1.\"name\" = ?)\nORDER BY p0.\"id\"\nLIMIT 10"
        );
        assert_eq!(flat(&p), sql);
    }

    #[test]
    fn leaves_strings_calls_and_windows_alone_and_indents_subqueries() {
        let sql = "SELECT s0.\"a\", row_number() OVER (PARTITION BY s0.\"b\" ORDER BY s0.\"c\") FROM (SELECT x.\"a\" AS \"a\" FROM \"t\" AS x WHERE x.\"s\" = 'a FROM b') AS s0 WHERE s0.\"a\" IN (1,2) AND extract(year FROM s0.\"d\") > 1";
        let p = pretty(sql);
        assert_eq!(
            p,
            "SELECT s0.\"a\", row_number() OVER (PARTITION BY s0.\"b\" ORDER BY s0.\"c\")\nFROM (SELECT x.\"a\" AS \"a\"\n  FROM \"t\" AS x\n  WHERE x.\"s\" = 'a FROM b') AS s0\nWHERE s0.\"a\" IN (1,2) AND extract(year FROM s0.\"d\") > 1"
        );
        assert_eq!(flat(&p), sql);
    }

    #[test]
    fn quoted_identifiers_with_keywords_and_dml() {
        let sql = "UPDATE \"posts\" AS p0 SET \"views\" = p0.\"views\" + ? WHERE (p0.\"x FROM\" = ?) RETURNING \"id\"";
        assert_eq!(pretty(sql), "UPDATE \"posts\" AS p0\nSET \"views\" = p0.\"views\" + ?\nWHERE (p0.\"x FROM\" = ?)\nRETURNING \"id\"");
        assert_eq!(pretty("begin"), "begin");
        assert_eq!(pretty("SELECT 'it''s FROM' FROM t"), "SELECT 'it''s FROM'\nFROM t");
        assert_eq!(pretty(""), "");
    }
}

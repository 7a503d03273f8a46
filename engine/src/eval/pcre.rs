//! PCRE patterns (`~r`, `Regex.compile/2`, Erlang's `re`) rewritten for the
//! evaluator's regex engine (`regex-lite`, under the name `regex`).
//!
//! The engine knows no Unicode classes and matches `\w`, `\d`, `\s`, `\b` and
//! `(?i)` by ASCII rules, which is what PCRE does without the `u` modifier.
//! With `u` (Erlang's `[:unicode, :ucp]`) PCRE's classes follow Unicode's
//! general categories: they are spelled out here as ranges from
//! [`super::unicode_gc`], and so are `\p{..}`/`\P{..}` in either mode.
//! Under `u` with `i`, a literal letter outside ASCII also matches its other
//! cases.
//!
//! Without `u`, PCRE reads pattern and subject as bytes, with the Latin-1
//! character tables the BEAM's PCRE is built with (`\w` takes `À`..`ÿ` but
//! `×` and `÷`, and `ª`, `µ`, `º`; caseless matching folds Latin-1 letters).
//! The pattern is rewritten here with one character per byte, and the
//! subject is decoded the same way (`stdlib::regex::Subject`).

use super::unicode_gc::{CATEGORIES, CATS, STARTS};

/// The pattern `source` (with the modifiers `mods`, e.g. `"iu"`) in the
/// regex engine's syntax, or PCRE's complaint about it.
pub(crate) fn to_rust(source: &str, mods: &str) -> Result<String, String> {
    let unicode = mods.contains('u');
    let caseless = unicode && mods.contains('i');
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let mut in_class = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                let Some(next) = chars.get(i + 1).copied() else {
                    return Err("\\ at end of pattern at position ".to_string() + &source.len().to_string());
                };
                if matches!(next, 'p' | 'P') {
                    let (name, end) = property_name(&chars, i + 2).ok_or_else(|| malformed_property(&chars, i))?;
                    let (negated, name) = match name.strip_prefix('^') {
                        Some(rest) => (next == 'p', rest.to_string()),
                        None => (next == 'P', name),
                    };
                    let ranges = property(&name).ok_or_else(|| unknown_property(&chars, end))?;
                    push_class(&mut out, &ranges, negated, in_class);
                    i = end;
                    continue;
                }
                // `\x{41}`, `\k{name}`, `\g{1}`, `\N{..}`: the braces belong to the escape.
                if matches!(next, 'x' | 'k' | 'g' | 'N') && chars.get(i + 2) == Some(&'{') {
                    if let Some(end) = chars[i + 2..].iter().position(|&c| c == '}').map(|j| i + 2 + j) {
                        out.extend(&chars[i..=end]);
                        i = end + 1;
                        continue;
                    }
                }
                match perl_class(next, unicode) {
                    Some((ranges, negated)) => push_class(&mut out, &ranges, negated, in_class),
                    None => {
                        out.push(c);
                        out.push(next);
                    }
                }
                i += 2;
                continue;
            }
            '[' if !in_class => {
                in_class = true;
                out.push(c);
                i += 1;
                // `[]...]` and `[^]...]`: a leading `]` is a literal.
                if chars.get(i) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                if chars.get(i) == Some(&']') {
                    out.push_str("\\]");
                    i += 1;
                }
                continue;
            }
            ']' if in_class => in_class = false,
            // PCRE reads a `{` that does not start a quantifier (`{n}`,
            // `{n,}`, `{n,m}`) as a literal brace, as in `~r"%{(\w+)}"`, and a
            // `}` outside one as a literal too; the engine rejects both.
            '{' if !in_class => {
                let close = chars[i + 1..].iter().position(|&c| c == '}').map(|j| i + 1 + j);
                let quantifier = close.is_some_and(|end| {
                    let body: String = chars[i + 1..end].iter().collect();
                    let (lo, hi) = body.split_once(',').unwrap_or((&body, ""));
                    !lo.is_empty() && lo.chars().all(|d| d.is_ascii_digit()) && hi.chars().all(|d| d.is_ascii_digit())
                });
                match close {
                    Some(end) if quantifier => {
                        out.extend(&chars[i..=end]);
                        i = end + 1;
                    }
                    _ => {
                        out.push_str("\\{");
                        i += 1;
                    }
                }
                continue;
            }
            '}' if !in_class => {
                out.push_str("\\}");
                i += 1;
                continue;
            }
            _ if !unicode && !c.is_ascii() => {
                let mut buf = [0; 4];
                for &b in c.encode_utf8(&mut buf).as_bytes() {
                    let c = char::from(b);
                    match latin1_other_case(b).filter(|_| mods.contains('i')) {
                        Some(other) if in_class => out.extend([c, other]),
                        Some(other) => out.extend(['[', c, other, ']']),
                        None => out.push(c),
                    }
                }
                i += 1;
                continue;
            }
            _ if caseless && !c.is_ascii() => {
                let cases = other_cases(c);
                if cases.is_empty() {
                    out.push(c);
                } else {
                    if !in_class {
                        out.push('[');
                    }
                    out.push(c);
                    out.extend(cases);
                    if !in_class {
                        out.push(']');
                    }
                }
                i += 1;
                continue;
            }
            _ => {}
        }
        out.push(c);
        i += 1;
    }
    Ok(out)
}

/// `\w`, `\d`, `\s` and their negations: (ranges, negated). Without `u`
/// they are ASCII, as in PCRE; with it, Unicode's (PCRE's `ucp`).
fn perl_class(escape: char, unicode: bool) -> Option<(Vec<(u32, u32)>, bool)> {
    let negated = escape.is_ascii_uppercase();
    let ranges = match (escape.to_ascii_lowercase(), unicode) {
        ('w', false) => vec![
            (0x30, 0x39),
            (0x41, 0x5A),
            (0x5F, 0x5F),
            (0x61, 0x7A),
            (0xAA, 0xAA),
            (0xB5, 0xB5),
            (0xBA, 0xBA),
            (0xC0, 0xD6),
            (0xD8, 0xF6),
            (0xF8, 0xFF),
        ],
        ('d', false) => vec![(0x30, 0x39)],
        ('s', false) => vec![(0x09, 0x0D), (0x20, 0x20)],
        ('w', true) => union(categories(|c| c.starts_with(['L', 'N'])), &[(0x5F, 0x5F)]),
        ('d', true) => categories(|c| c == "Nd"),
        // \p{Z} with the horizontal and vertical spaces \h and \v.
        ('s', true) => union(categories(|c| c.starts_with('Z')), &[(0x09, 0x0D), (0x85, 0x85), (0x180E, 0x180E)]),
        _ => return None,
    };
    Some((ranges, negated))
}

/// The other case of a Latin-1 letter byte (`À` and `à`), if it has one in Latin-1.
fn latin1_other_case(b: u8) -> Option<char> {
    match b {
        0xC0..=0xDE if b != 0xD7 => Some(char::from(b + 0x20)),
        0xE0..=0xFE if b != 0xF7 => Some(char::from(b - 0x20)),
        _ => None,
    }
}

/// The characters of a PCRE property name (`L`, `Lu`, `L&`, `Any`, `Xan`, …).
fn property(name: &str) -> Option<Vec<(u32, u32)>> {
    Some(match name {
        "Any" => vec![(0, 0xD7FF), (0xE000, 0x10FFFF)],
        "L&" => categories(|c| matches!(c, "Lu" | "Ll" | "Lt")),
        "Xan" => categories(|c| c.starts_with(['L', 'N'])),
        "Xwd" => union(categories(|c| c.starts_with(['L', 'N'])), &[(0x5F, 0x5F)]),
        "Xsp" | "Xps" => union(categories(|c| c.starts_with('Z')), &[(0x09, 0x0D)]),
        _ if name.len() == 1 && CATEGORIES.iter().any(|c| c.starts_with(name)) => categories(|c| c.starts_with(name)),
        _ if CATEGORIES.contains(&name) => categories(|c| c == name),
        _ => return None,
    })
}

/// The name after `\p`/`\P` at `at`: `{Name}` or one letter; and the index after it.
fn property_name(chars: &[char], at: usize) -> Option<(String, usize)> {
    match chars.get(at)? {
        '{' => {
            let end = chars[at + 1..].iter().position(|&c| c == '}')? + at + 1;
            Some((chars[at + 1..end].iter().collect(), end + 1))
        }
        c if c.is_ascii_alphabetic() => Some((c.to_string(), at + 1)),
        _ => None,
    }
}

fn byte_position(chars: &[char], at: usize) -> usize {
    chars[..at.min(chars.len())].iter().map(|c| c.len_utf8()).sum()
}

fn malformed_property(chars: &[char], at: usize) -> String {
    format!("malformed \\P or \\p sequence at position {}", byte_position(chars, at + 2))
}

fn unknown_property(chars: &[char], end: usize) -> String {
    format!("unknown property name after \\P or \\p at position {}", byte_position(chars, end))
}

/// The code points (surrogates left out) whose general category satisfies `keep`, as merged ranges.
fn categories(keep: impl Fn(&str) -> bool) -> Vec<(u32, u32)> {
    let mut ranges: Vec<(u32, u32)> = Vec::new();
    for (i, (&start, &cat)) in STARTS.iter().zip(CATS.iter()).enumerate() {
        let name = CATEGORIES[cat as usize];
        if name == "Cs" || !keep(name) {
            continue;
        }
        let end = STARTS.get(i + 1).map_or(0x10FFFF, |next| next - 1);
        match ranges.last_mut() {
            Some(last) if last.1 + 1 == start => last.1 = end,
            _ => ranges.push((start, end)),
        }
    }
    ranges
}

/// `ranges` with `more` added, sorted and merged.
fn union(mut ranges: Vec<(u32, u32)>, more: &[(u32, u32)]) -> Vec<(u32, u32)> {
    ranges.extend_from_slice(more);
    crate::sort::sort(&mut ranges);
    let mut merged: Vec<(u32, u32)> = Vec::with_capacity(ranges.len());
    for (lo, hi) in ranges {
        match merged.last_mut() {
            Some(last) if lo <= last.1 + 1 => last.1 = last.1.max(hi),
            _ => merged.push((lo, hi)),
        }
    }
    merged
}

/// Writes a class of `ranges`: a bracket class outside one; inside one the
/// ranges themselves (the engine nests no classes, so a negated class is
/// spliced in as its complement).
fn push_class(out: &mut String, ranges: &[(u32, u32)], negated: bool, in_class: bool) {
    let complement;
    let ranges = if in_class && negated {
        complement = complement_of(ranges);
        &complement[..]
    } else {
        ranges
    };
    if !in_class {
        out.push_str(if negated { "[^" } else { "[" });
    }
    for &(lo, hi) in ranges {
        push_code(out, lo);
        if hi != lo {
            out.push('-');
            push_code(out, hi);
        }
    }
    if !in_class {
        out.push(']');
    }
}

/// Every code point (surrogates left out) not in the sorted, merged `ranges`.
fn complement_of(ranges: &[(u32, u32)]) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    let mut next = 0u32;
    for (lo, hi) in union(ranges.to_vec(), &[(0xD800, 0xDFFF)]) {
        if lo > next {
            out.push((next, lo - 1));
        }
        next = next.max(hi + 1);
    }
    if next <= 0x10FFFF {
        out.push((next, 0x10FFFF));
    }
    out
}

fn push_code(out: &mut String, code: u32) {
    match char::from_u32(code) {
        Some(c) if c.is_ascii_alphanumeric() => out.push(c),
        _ => out.push_str(&format!("\\x{{{code:X}}}")),
    }
}

/// The other cases of `c` (simple case mappings only), for caseless Unicode matching.
fn other_cases(c: char) -> Vec<char> {
    let mut cases = Vec::new();
    for other in [single(c.to_lowercase()), single(c.to_uppercase())].into_iter().flatten() {
        if other != c && !cases.contains(&other) {
            cases.push(other);
        }
    }
    cases
}

fn single(mut it: impl Iterator<Item = char>) -> Option<char> {
    let c = it.next()?;
    it.next().is_none().then_some(c)
}

#[cfg(test)]
mod tests {
    use super::to_rust;

    fn compiles(p: &str, mods: &str) -> regex::Regex {
        let source = to_rust(p, mods).expect("translates");
        regex::RegexBuilder::new(&source).case_insensitive(mods.contains('i')).build().expect("compiles")
    }

    #[test]
    fn literal_braces_are_escaped_and_quantifiers_kept() {
        assert_eq!(to_rust(r"%{(x+)}", "").as_deref(), Ok(r"%\{(x+)\}"));
        assert_eq!(to_rust(r"a{2,3}b{2}c{1,}", "").as_deref(), Ok(r"a{2,3}b{2}c{1,}"));
        assert_eq!(to_rust(r"x{,2}", "").as_deref(), Ok(r"x\{,2\}"));
        assert_eq!(to_rust(r"[{}]\{é", "u").as_deref(), Ok(r"[{}]\{é"));
        assert_eq!(to_rust(r"[]a]", "").as_deref(), Ok(r"[\]a]"));
    }

    #[test]
    fn without_u_the_pattern_is_bytes_and_the_classes_latin1() {
        let word = r"0-9A-Z\x{5F}a-z\x{AA}\x{B5}\x{BA}\x{C0}-\x{D6}\x{D8}-\x{F6}\x{F8}-\x{FF}";
        assert_eq!(to_rust(r"^\w+\b", "").as_deref(), Ok(format!("^[{word}]+\\b").as_str()));
        assert_eq!(to_rust(r"[\w.]\D\\w", "").as_deref(), Ok(format!("[{word}.][^0-9]\\\\w").as_str()));
        // `é` is the bytes C3 A9; caseless, `Ã` (C3) also matches `ã` (E3).
        assert_eq!(to_rust("é", "").as_deref(), Ok("\u{c3}\u{a9}"));
        assert_eq!(to_rust("é", "i").as_deref(), Ok("[\u{c3}\u{e3}]\u{a9}"));
        // A subject reaches the engine decoded the same way: `é` is `Ã©`.
        assert!(!compiles(r"^\w+$", "").is_match("jos\u{c3}\u{a9}"));
        assert!(compiles(r"^\w", "").is_match("\u{c3}"));
        assert!(compiles(r"^\s$", "").is_match("\u{0B}"));
    }

    #[test]
    fn with_u_the_classes_are_unicode() {
        assert!(compiles(r"^\w+$", "u").is_match("josé_1"));
        assert_eq!(compiles(r"\d+", "u").find("x ٣٣ 42").map(|m| m.as_str()), Some("٣٣"));
        assert!(!compiles(r"^\d$", "u").is_match("½"));
        assert!(compiles(r"^\s+$", "u").is_match("\u{A0}\u{3000}\t"));
        assert!(compiles(r"^[\w-]+$", "u").is_match("été-x"));
        assert!(compiles(r"^[^\W\d]+$", "u").is_match("été"));
        assert!(!compiles(r"^[^\W\d]+$", "u").is_match("été1"));
        assert!(compiles(r"^[\W]+$", "u").is_match("\u{E000}!\u{10FFFF}"));
    }

    #[test]
    fn properties_follow_the_general_categories() {
        assert!(compiles(r"^\p{Lu}", "u").is_match("Élan"));
        assert!(!compiles(r"^\p{Lu}", "u").is_match("élan"));
        assert!(compiles(r"^\pL+$", "").is_match("Ωmega"));
        assert!(compiles(r"^\P{L}+$", "u").is_match("123 !"));
        assert!(compiles(r"^\p{^N}$", "u").is_match("a"));
        assert!(compiles(r"^[\p{Sc}\d]+$", "u").is_match("€5"));
        assert!(to_rust(r"\p{Nope}", "u").unwrap_err().starts_with("unknown property name"));
        assert!(to_rust(r"\p", "u").unwrap_err().starts_with("malformed"));
    }

    #[test]
    fn caseless_unicode_matches_other_cases() {
        assert!(compiles("^élan$", "iu").is_match("ÉLAN"));
        assert!(compiles("^[é]$", "iu").is_match("É"));
        assert!(!compiles("^é$", "i").is_match("É"));
    }
}

//! A self-contained SVG of the model with a small deterministic layered
//! layout: tables referenced by others sit in upper layers (the longest
//! chain of foreign keys above a table decides its layer), each layer
//! ordered by the mean position of the tables it points at and wrapped
//! when wide, boxes sized from their text.

use std::collections::HashMap;

use super::render::{drawn, field_label, field_type, relationships, xml_escape};
use super::{EdgeKind, ErModel, ErTable};

const CHAR_W: f64 = 7.2;
const ROW_H: f64 = 18.0;
const HEADER_H: f64 = 36.0;
const GAP_X: f64 = 48.0;
const GAP_Y: f64 = 72.0;
const MARGIN: f64 = 24.0;
const MAX_ROW_W: f64 = 1600.0;

/// A placed box.
#[derive(Clone, Debug, PartialEq)]
pub struct Placed {
    pub table: String,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

fn size(t: &ErTable) -> (f64, f64) {
    let mut chars = t.name.chars().count().max(t.modules.first().map_or(0, |m| m.chars().count()));
    for f in &t.fields {
        chars = chars.max(field_label(f).chars().count() + field_type(f).chars().count() + 6);
    }
    let w = (chars as f64 * CHAR_W + 24.0).clamp(120.0, 560.0);
    let h = HEADER_H + ROW_H * t.fields.len() as f64 + 8.0;
    (w, h)
}

/// The layout: every drawn table's box.
pub fn layout(model: &ErModel) -> Vec<Placed> {
    let tables: Vec<&ErTable> = drawn(model).collect();
    let index: HashMap<&str, usize> = tables.iter().enumerate().map(|(i, t)| (t.name.as_str(), i)).collect();
    // parents[i]: the tables table i points at (foreign keys, belongs_to).
    let mut parents: Vec<Vec<usize>> = vec![Vec::new(); tables.len()];
    for r in relationships(model) {
        let (child, parent) = match r.kind {
            Some(EdgeKind::BelongsTo) | None => (r.from, r.to),
            Some(EdgeKind::HasMany | EdgeKind::HasOne) => (r.to, r.from),
            _ => continue,
        };
        if let (Some(&c), Some(&p)) = (index.get(child), index.get(parent)) {
            if c != p && !parents[c].contains(&p) {
                parents[c].push(p);
            }
        }
    }
    // Layer = longest chain of parents above (cycles cut where they close).
    let mut layer: Vec<Option<usize>> = vec![None; tables.len()];
    fn depth(i: usize, parents: &[Vec<usize>], layer: &mut [Option<usize>], stack: &mut Vec<usize>) -> usize {
        if let Some(l) = layer[i] {
            return l;
        }
        if stack.contains(&i) || stack.len() > 64 {
            return 0;
        }
        stack.push(i);
        let mut l = 0;
        for &p in &parents[i] {
            l = l.max(depth(p, parents, layer, stack) + 1);
        }
        stack.pop();
        layer[i] = Some(l);
        l
    }
    for i in 0..tables.len() {
        depth(i, &parents, &mut layer, &mut Vec::new());
    }
    let layers = layer.iter().map(|l| l.unwrap_or(0)).max().map_or(0, |m| m + 1);
    let mut rows: Vec<Vec<usize>> = vec![Vec::new(); layers];
    for (i, l) in layer.iter().enumerate() {
        rows[l.unwrap_or(0)].push(i);
    }
    let sizes: Vec<(f64, f64)> = tables.iter().map(|t| size(t)).collect();
    let mut placed: Vec<Option<Placed>> = vec![None; tables.len()];
    let mut y = MARGIN;
    for row in &mut rows {
        // Order by the mean x of the parents already placed, then by name.
        let key = |i: usize| -> f64 {
            let xs: Vec<f64> = parents[i].iter().filter_map(|&p| placed[p].as_ref().map(|b| b.x + b.w / 2.0)).collect();
            if xs.is_empty() {
                f64::MAX
            } else {
                xs.iter().sum::<f64>() / xs.len() as f64
            }
        };
        let keys: HashMap<usize, f64> = row.iter().map(|&i| (i, key(i))).collect();
        crate::sort::sort_by(row, |a, b| keys[a].total_cmp(&keys[b]).then_with(|| tables[*a].name.cmp(&tables[*b].name)));
        // A layer wider than MAX_ROW_W wraps onto further rows.
        let mut x = MARGIN;
        let mut tallest: f64 = 0.0;
        for &i in row.iter() {
            let (w, h) = sizes[i];
            if x > MARGIN && x + w > MAX_ROW_W {
                y += tallest + GAP_Y / 2.0;
                x = MARGIN;
                tallest = 0.0;
            }
            placed[i] = Some(Placed { table: tables[i].name.clone(), x, y, w, h });
            x += w + GAP_X;
            tallest = tallest.max(h);
        }
        y += tallest + GAP_Y;
    }
    placed.into_iter().flatten().collect()
}

fn f(v: f64) -> String {
    format!("{:.1}", v)
}

/// The model drawn as an SVG document.
pub fn svg(model: &ErModel) -> String {
    let boxes = layout(model);
    let width = boxes.iter().map(|b| b.x + b.w).fold(0.0, f64::max) + MARGIN;
    let height = boxes.iter().map(|b| b.y + b.h).fold(0.0, f64::max) + MARGIN;
    let by_name: HashMap<&str, &Placed> = boxes.iter().map(|b| (b.table.as_str(), b)).collect();
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n",
        w = f(width.max(2.0 * MARGIN)),
        h = f(height.max(2.0 * MARGIN))
    );
    out.push_str("<style>.edge{fill:none;stroke:#556;stroke-width:1.2}.through{stroke-dasharray:5 4}.m2m{stroke-width:2}.label{font-size:10px;fill:#334}.box{fill:#fff;stroke:#335}.missing{stroke-dasharray:4 3}.head{fill:#dde6f0}.pk{font-weight:bold}.virtual{font-style:italic;fill:#777}.type{fill:#555}</style>\n");
    out.push_str("<defs><marker id=\"many\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"10\" markerHeight=\"10\" orient=\"auto\"><path d=\"M0,5 L10,0 M0,5 L10,5 M0,5 L10,10\" stroke=\"#556\" fill=\"none\"/></marker><marker id=\"one\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"10\" markerHeight=\"10\" orient=\"auto\"><path d=\"M6,0 L6,10\" stroke=\"#556\"/></marker></defs>\n");
    let rels = relationships(model);
    // Several relationships between the same two tables are drawn side by side.
    let pair = |a: &str, b: &str| if a <= b { (a.to_string(), b.to_string()) } else { (b.to_string(), a.to_string()) };
    let mut counts: HashMap<(String, String), usize> = HashMap::new();
    for r in &rels {
        *counts.entry(pair(r.from, r.to)).or_default() += 1;
    }
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    for r in &rels {
        let (Some(a), Some(b)) = (by_name.get(r.from), by_name.get(r.to)) else { continue };
        let key = pair(r.from, r.to);
        let k = {
            let e = seen.entry(key.clone()).or_default();
            *e += 1;
            *e - 1
        };
        let shift = (k as f64 - (counts.get(&key).copied().unwrap_or(1) as f64 - 1.0) / 2.0) * 14.0;
        let (x1, y1, x2, y2) = if a.table == b.table {
            (a.x + a.w, a.y + HEADER_H / 2.0, a.x + a.w, a.y + HEADER_H)
        } else {
            let (ax, ay) = (a.x + a.w / 2.0, a.y + a.h / 2.0);
            let (bx, by) = (b.x + b.w / 2.0, b.y + b.h / 2.0);
            let (sx, sy) = border(a, bx, by);
            let (tx, ty) = border(b, ax, ay);
            // Shift perpendicular to the line, the same way whichever end the edge starts from.
            let (dx, dy) = if r.from <= r.to { (tx - sx, ty - sy) } else { (sx - tx, sy - ty) };
            let len = (dx * dx + dy * dy).sqrt().max(1.0);
            let (nx, ny) = (-dy / len * shift, dx / len * shift);
            (sx + nx, sy + ny, tx + nx, ty + ny)
        };
        let (class, marker) = match r.kind {
            Some(EdgeKind::BelongsTo) | None => ("edge", "one"),
            Some(EdgeKind::HasOne) => ("edge", "one"),
            Some(EdgeKind::HasMany) => ("edge", "many"),
            Some(EdgeKind::ManyToMany) => ("edge m2m", "many"),
            Some(EdgeKind::Through) => ("edge through", "many"),
        };
        let kind = r.kind.map_or("foreign_key", EdgeKind::as_str);
        let path = if a.table == b.table {
            let bulge = 40.0 + shift.abs() * 2.0;
            format!("M{} {} C{} {} {} {} {} {}", f(x1), f(y1), f(x1 + bulge), f(y1 - 10.0), f(x2 + bulge), f(y2 + 20.0), f(x2), f(y2))
        } else {
            format!("M{} {} L{} {}", f(x1), f(y1), f(x2), f(y2))
        };
        out.push_str(&format!(
            "<g data-kind=\"{kind}\" data-from=\"{}\" data-to=\"{}\"><path class=\"{class}\" d=\"{path}\" marker-end=\"url(#{marker})\"/><text class=\"label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text></g>\n",
            xml_escape(r.from),
            xml_escape(r.to),
            f((x1 + x2) / 2.0 + if a.table == b.table { 44.0 } else { 0.0 }),
            f((y1 + y2) / 2.0 - 3.0),
            xml_escape(&r.label)
        ));
    }
    for b in &boxes {
        let Some(t) = model.table(&b.table) else { continue };
        let missing = if t.in_db { "" } else { " missing" };
        out.push_str(&format!("<g data-table=\"{}\">", xml_escape(&t.name)));
        out.push_str(&format!(
            "<rect class=\"box{missing}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"4\"/>",
            f(b.x),
            f(b.y),
            f(b.w),
            f(b.h)
        ));
        out.push_str(&format!(
            "<rect class=\"head\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>",
            f(b.x + 0.5),
            f(b.y + 0.5),
            f(b.w - 1.0),
            f(HEADER_H - 4.0)
        ));
        out.push_str(&format!("<text class=\"pk\" x=\"{}\" y=\"{}\">{}</text>", f(b.x + 8.0), f(b.y + 15.0), xml_escape(&t.name)));
        let sub = t.modules.first().cloned().unwrap_or_else(|| t.kind.as_str().to_string());
        out.push_str(&format!(
            "<text class=\"type\" font-size=\"10\" x=\"{}\" y=\"{}\">{}</text>",
            f(b.x + 8.0),
            f(b.y + 28.0),
            xml_escape(&sub)
        ));
        for (i, fl) in t.fields.iter().enumerate() {
            let y = b.y + HEADER_H + ROW_H * (i as f64 + 1.0) - 4.0;
            let class = if fl.virtual_ {
                " class=\"virtual\""
            } else if fl.primary_key {
                " class=\"pk\""
            } else {
                ""
            };
            let mut ty = field_type(fl);
            if fl.foreign_key.is_some() {
                ty.push_str(" FK");
            }
            if fl.not_null {
                ty.push_str(" NOT NULL");
            }
            out.push_str(&format!(
                "<text{class} x=\"{}\" y=\"{}\">{}<tspan class=\"type\" dx=\"8\">{}</tspan></text>",
                f(b.x + 8.0),
                f(y),
                xml_escape(&field_label(fl)),
                xml_escape(&ty)
            ));
        }
        out.push_str("</g>\n");
    }
    out.push_str("</svg>\n");
    out
}

/// Where the line from a box's centre towards (x, y) leaves the box.
fn border(b: &Placed, x: f64, y: f64) -> (f64, f64) {
    let (cx, cy) = (b.x + b.w / 2.0, b.y + b.h / 2.0);
    let (dx, dy) = (x - cx, y - cy);
    if dx == 0.0 && dy == 0.0 {
        return (cx, cy);
    }
    let sx = if dx != 0.0 { (b.w / 2.0) / dx.abs() } else { f64::INFINITY };
    let sy = if dy != 0.0 { (b.h / 2.0) / dy.abs() } else { f64::INFINITY };
    let s = sx.min(sy);
    (cx + dx * s, cy + dy * s)
}

// The ER diagram: one global, EctoplasmDiagram, with create(parent, options)
// -> diagram. Bundled by esbuild (make js, or Trunk's pre_build hook) into
// app/js/build/diagram.js, which the page loads only when the Diagram view
// first opens; only app/src/diagram.rs calls it.
//
// options: {
//   onSelect(table),              a box was clicked (not dragged)
//   onMove(table, x, y),          a box was dragged to (x, y), diagram units
// }
// diagram: {
//   update(model, positions),     model: the engine's ErModel (engine/src/erd/mod.rs);
//                                 positions: {table: [x, y]} kept from earlier drags
//   fit(), zoom(factor),          the view
//   svg() -> string,              the drawing as a standalone SVG document
//   png() -> Promise<Blob>,       the drawing as a PNG image
//   layoutMs                      how long the last update's layout took
//   destroy()
// }
// Everything shown comes from the model as text (textContent), never as HTML.
import dagre from '@dagrejs/dagre';

export { createView } from './diagram-view.js';
export { createImportSql } from './import-sql.js';

const NS = 'http://www.w3.org/2000/svg';
const FONT = 12;
const CHAR = 7.3; // monospace advance at 12px
const ROW = 18;
const HEAD = 38;
const PAD = 10;

function el(name, attrs = {}, parent = null) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) node.setAttribute(k, String(v));
  if (parent) parent.appendChild(node);
  return node;
}

function text(parent, x, y, content, cls) {
  const t = el('text', { x, y, class: cls }, parent);
  t.textContent = content;
  return t;
}

// The rows of a box: each field, and an embed's fields nested under it.
function rows(table) {
  const out = [];
  const push = (f, depth) => {
    out.push({ field: f, depth });
    if (f.embed) for (const inner of f.embed.fields) push(inner, depth + 1);
  };
  for (const f of table.fields) push(f, 0);
  return out;
}

function marks(f) {
  const m = [];
  if (f.primary_key) m.push('PK');
  if (f.foreign_key) m.push('FK');
  if (f.not_null && !f.primary_key) m.push('NN');
  if (f.virtual) m.push('virtual');
  if (f.embed) m.push(f.embed.cardinality === 'many' ? 'embeds_many' : 'embeds_one');
  return m.join(' ');
}

function fieldType(f) {
  const ecto = f.ecto_type || '';
  const column = f.column_type || '';
  if (ecto && column) return `${ecto} · ${column}`;
  return ecto || column;
}

function fieldLabel(f, depth) {
  const indent = '  '.repeat(depth);
  const name = f.name || f.column || '?';
  const source = f.name && f.column && f.name !== f.column ? ` (${f.column})` : '';
  return `${indent}${name}${source}`;
}

// `points` shifted sideways by `d` (across the line from the first point to the last).
function offset(points, d) {
  if (!d) return points;
  const a = points[0];
  const b = points[points.length - 1];
  const len = Math.hypot(b.x - a.x, b.y - a.y) || 1;
  const nx = -(b.y - a.y) / len;
  const ny = (b.x - a.x) / len;
  return points.map((p) => ({ x: p.x + nx * d, y: p.y + ny * d }));
}

function boxSize(table) {
  const title = Math.max(table.name.length, (table.modules[0] || '').length + 2);
  let width = title * CHAR + 2 * PAD;
  for (const { field, depth } of rows(table)) {
    const line = fieldLabel(field, depth).length + fieldType(field).length + marks(field).length + 6;
    width = Math.max(width, line * CHAR + 2 * PAD);
  }
  return { width: Math.min(Math.max(width, 160), 520), height: HEAD + rows(table).length * ROW + 8 };
}

export function create(parent, options = {}) {
  const svg = el('svg', { 'data-testid': 'er-diagram', class: 'er-diagram', role: 'img', 'aria-label': 'Entity-relationship diagram' });
  const defs = el('defs', {}, svg);
  // Crow's foot (many) and bar (one) ends.
  const many = el('marker', { id: 'er-many', viewBox: '0 0 12 12', refX: 11, refY: 6, markerWidth: 12, markerHeight: 12, orient: 'auto-start-reverse' }, defs);
  el('path', { d: 'M0,6 L11,6 M11,0 L1,6 L11,12', class: 'er-marker' }, many);
  const one = el('marker', { id: 'er-one', viewBox: '0 0 12 12', refX: 11, refY: 6, markerWidth: 12, markerHeight: 12, orient: 'auto-start-reverse' }, defs);
  el('path', { d: 'M0,6 L11,6 M7,1 L7,11', class: 'er-marker' }, one);
  const viewport = el('g', { class: 'er-viewport' }, svg);
  const edgeLayer = el('g', { class: 'er-edges' }, viewport);
  const boxLayer = el('g', { class: 'er-boxes' }, viewport);
  parent.appendChild(svg);
  const tip = document.createElement('div');
  tip.className = 'er-tip';
  tip.setAttribute('data-testid', 'er-edge-code');
  tip.hidden = true;
  parent.appendChild(tip);

  let view = { x: 20, y: 20, k: 1 };
  let boxes = new Map(); // table -> {x, y, width, height, g}
  let model = { tables: [], edges: [], drift: [] };
  let routes = new Map(); // edge index -> dagre points (when neither end moved)
  let fitted = false;
  const api = { layoutMs: 0 };

  const apply = () => viewport.setAttribute('transform', `translate(${view.x},${view.y}) scale(${view.k})`);

  function border(box, toward) {
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    const dx = toward.x - cx;
    const dy = toward.y - cy;
    if (dx === 0 && dy === 0) return { x: cx, y: cy };
    const sx = Math.abs(dx) / (box.width / 2);
    const sy = Math.abs(dy) / (box.height / 2);
    const s = Math.max(sx, sy);
    return { x: cx + dx / s, y: cy + dy / s };
  }

  function center(box) {
    return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  }

  function edgePath(edge, i) {
    const a = boxes.get(edge.from);
    const b = boxes.get(edge.to);
    if (!a || !b) return null;
    if (edge.from === edge.to) {
      const x = a.x + a.width;
      const y = a.y + 14;
      return `M${x},${y} C${x + 60},${y - 30} ${x + 60},${y + 50} ${x},${y + 24}`;
    }
    const route = routes.get(i);
    if (route && !a.moved && !b.moved) return 'M' + route.map((p) => `${p.x},${p.y}`).join(' L');
    const p = border(a, center(b));
    const q = border(b, center(a));
    return `M${p.x},${p.y} L${q.x},${q.y}`;
  }

  function drawEdges() {
    edgeLayer.replaceChildren();
    model.edges.forEach((edge, i) => {
      const d = edgePath(edge, i);
      if (!d) return;
      const g = el('g', {
        'data-testid': 'er-edge', 'data-from': edge.from, 'data-to': edge.to, 'data-kind': edge.kind, 'data-name': edge.name,
        class: `er-edge kind-${edge.kind}${edge.has_where ? ' where' : ''}`,
      }, edgeLayer);
      // The owner's end: one for belongs_to, many for has_many seen from the other side.
      const ownerEnd = edge.kind === 'belongs_to' ? 'er-many' : edge.kind === 'many_to_many' ? 'er-many' : 'er-one';
      const relatedEnd = edge.cardinality === 'many' ? 'er-many' : 'er-one';
      el('path', { d, class: 'er-hit' }, g);
      el('path', { d, class: 'er-line', 'marker-start': `url(#${ownerEnd})`, 'marker-end': `url(#${relatedEnd})` }, g);
      const title = el('title', {}, g);
      title.textContent = edge.code;
      g.addEventListener('pointerenter', (e) => {
        tip.textContent = edge.code + (edge.join_through ? `\n(join table ${edge.join_through})` : '');
        tip.hidden = false;
        const r = parent.getBoundingClientRect();
        tip.style.left = `${e.clientX - r.left + 12}px`;
        tip.style.top = `${e.clientY - r.top + 12}px`;
      });
      g.addEventListener('pointerleave', () => { tip.hidden = true; });
    });
    // Foreign keys of tables no schema describes (join tables, database-only
    // tables): thin lines, not associations.
    for (const t of model.tables) {
      if (t.modules.length) continue;
      for (const f of t.fields) {
        if (!f.foreign_key || !boxes.has(f.foreign_key.table) || !boxes.has(t.name)) continue;
        const a = boxes.get(t.name);
        const b = boxes.get(f.foreign_key.table);
        const p = border(a, center(b));
        const q = border(b, center(a));
        el('path', { d: `M${p.x},${p.y} L${q.x},${q.y}`, class: 'er-fk', 'data-from': t.name, 'data-to': f.foreign_key.table }, edgeLayer);
      }
    }
  }

  function drawBox(table, box, drifted) {
    const g = el('g', {
      'data-testid': 'er-table', 'data-table': table.name, 'data-kind': table.kind,
      class: `er-table kind-${table.kind}${drifted.tables.has(table.name) ? ' drift' : ''}`,
      transform: `translate(${box.x},${box.y})`, tabindex: 0,
    }, boxLayer);
    el('rect', { width: box.width, height: box.height, rx: 6, class: 'er-box' }, g);
    el('rect', { width: box.width, height: HEAD - 4, rx: 6, class: 'er-head' }, g);
    text(g, PAD, 16, table.name + (table.prefix ? ` (${table.prefix})` : ''), 'er-title');
    const sub = table.modules.length ? table.modules.join(', ') : table.kind === 'join_table' ? 'join table' : 'no schema';
    text(g, PAD, 29, sub + (table.in_db || table.kind === 'embedded' ? '' : ' · no table'), 'er-module');
    rows(table).forEach(({ field, depth }, i) => {
      const y = HEAD + i * ROW;
      const key = field.column || field.name || '';
      const drift = drifted.fields.has(`${table.name}\u0000${key}`);
      const r = el('g', {
        'data-testid': depth ? 'er-embed-field' : 'er-field', 'data-field': key,
        class: `er-row${field.virtual ? ' virtual' : ''}${field.timestamps ? ' timestamps' : ''}${drift ? ' drift' : ''}${field.in_db || field.virtual || table.kind === 'embedded' || depth ? '' : ' missing'}`,
        transform: `translate(0,${y})`,
      }, g);
      el('rect', { width: box.width, height: ROW, class: 'er-row-bg' }, r);
      text(r, PAD, 13, (drift ? '⚠ ' : '') + fieldLabel(field, depth), 'er-name');
      const m = marks(field);
      text(r, box.width - PAD, 13, fieldType(field) + (m ? `  ${m}` : ''), 'er-type');
      const detail = [
        field.default ? `default: ${field.default}` : null,
        field.db_default ? `DEFAULT ${field.db_default}` : null,
        field.foreign_key ? `references ${field.foreign_key.table}(${field.foreign_key.column})${field.foreign_key.constraint ? '' : ' (no constraint)'}` : null,
        field.enum_values ? `values: ${field.enum_values.join(', ')}` : null,
        field.association ? `belongs_to :${field.association}` : null,
      ].filter(Boolean);
      if (detail.length) el('title', {}, r).textContent = detail.join('\n');
    });
    let start = null;
    g.addEventListener('pointerdown', (e) => {
      e.stopPropagation();
      start = { px: e.clientX, py: e.clientY, x: box.x, y: box.y, moved: false };
      g.setPointerCapture(e.pointerId);
    });
    g.addEventListener('pointermove', (e) => {
      if (!start) return;
      const dx = (e.clientX - start.px) / view.k;
      const dy = (e.clientY - start.py) / view.k;
      if (!start.moved && Math.hypot(dx, dy) < 3) return;
      start.moved = true;
      box.x = start.x + dx;
      box.y = start.y + dy;
      box.moved = true;
      g.setAttribute('transform', `translate(${box.x},${box.y})`);
      drawEdges();
    });
    g.addEventListener('pointerup', () => {
      if (!start) return;
      const moved = start.moved;
      start = null;
      if (moved) {
        box.x = Math.round(box.x);
        box.y = Math.round(box.y);
        g.setAttribute('transform', `translate(${box.x},${box.y})`);
        drawEdges();
        options.onMove?.(table.name, box.x, box.y);
      }
      else options.onSelect?.(table.name);
    });
    g.addEventListener('keydown', (e) => { if (e.key === 'Enter') options.onSelect?.(table.name); });
    box.g = g;
  }

  // The last layout, reused while the tables and their links stay the same
  // (a field typed or added redraws without laying out again).
  let cache = { key: null, centers: new Map(), routes: new Map(), sizes: new Map() };

  // The pairs of tables an edge links (one layout edge per pair, parent first).
  function pairsOf(m, sizes) {
    const pairs = new Map();
    const add = (a, b) => {
      if (a === b || !sizes.has(a) || !sizes.has(b)) return;
      const k = a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
      if (!pairs.has(k)) pairs.set(k, [a, b]);
    };
    for (const e of m.edges) {
      if (e.kind === 'belongs_to') add(e.to, e.from);
      else add(e.from, e.to);
    }
    for (const t of m.tables) {
      if (t.modules.length) continue;
      for (const f of t.fields) if (f.foreign_key) add(f.foreign_key.table, t.name);
    }
    return pairs;
  }

  api.update = (next, positions = {}) => {
    const t0 = performance.now();
    model = next;
    const sizes = new Map();
    for (const t of model.tables) sizes.set(t.name, boxSize(t));
    const pairs = pairsOf(model, sizes);
    const key = JSON.stringify([[...sizes.keys()].sort(), [...pairs.keys()].sort()]);
    if (key !== cache.key) {
      const graph = new dagre.graphlib.Graph();
      graph.setGraph({ rankdir: 'LR', nodesep: 30, ranksep: 70, edgesep: 14, marginx: 10, marginy: 10 });
      graph.setDefaultEdgeLabel(() => ({}));
      for (const [name, size] of sizes) graph.setNode(name, { width: size.width, height: size.height });
      for (const [a, b] of pairs.values()) graph.setEdge(a, b);
      dagre.layout(graph);
      cache = { key, centers: new Map(), routes: new Map(), sizes };
      for (const name of sizes.keys()) {
        const n = graph.node(name);
        cache.centers.set(name, { x: n.x, y: n.y });
      }
      for (const [k, [a, b]] of pairs) cache.routes.set(k, { from: a, points: graph.edge(a, b)?.points || [] });
    }
    boxes = new Map();
    for (const t of model.tables) {
      const c = cache.centers.get(t.name);
      const size = sizes.get(t.name);
      const saved = positions[t.name];
      const old = cache.sizes.get(t.name);
      const resized = !old || old.width !== size.width || old.height !== size.height;
      // A box that grew keeps its top left corner.
      const base = old || size;
      boxes.set(t.name, {
        x: saved ? saved[0] : c.x - base.width / 2,
        y: saved ? saved[1] : c.y - base.height / 2,
        width: size.width, height: size.height, moved: Boolean(saved) || resized,
      });
    }
    // Each association follows its pair's route; several in one pair side by side.
    routes = new Map();
    const seen = new Map();
    model.edges.forEach((e, i) => {
      if (e.from === e.to) return;
      const k = e.from < e.to ? `${e.from}\u0000${e.to}` : `${e.to}\u0000${e.from}`;
      const route = cache.routes.get(k);
      if (!route || route.points.length < 2) return;
      const nth = seen.get(k) || 0;
      seen.set(k, nth + 1);
      const pts = route.from === e.from ? route.points : [...route.points].reverse();
      routes.set(i, offset(pts, nth === 0 ? 0 : (nth % 2 ? 5 : -5) * Math.ceil(nth / 2)));
    });
    const drifted = { tables: new Set(), fields: new Set() };
    for (const d of model.drift || []) {
      drifted.tables.add(d.table);
      drifted.fields.add(`${d.table}\u0000${d.column || d.field || ''}`);
    }
    boxLayer.replaceChildren();
    for (const t of model.tables) drawBox(t, boxes.get(t.name), drifted);
    drawEdges();
    api.layoutMs = performance.now() - t0;
    if (!fitted && model.tables.length) {
      fitted = true;
      api.fit();
    }
  };

  function bounds() {
    let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const b of boxes.values()) {
      x0 = Math.min(x0, b.x); y0 = Math.min(y0, b.y);
      x1 = Math.max(x1, b.x + b.width); y1 = Math.max(y1, b.y + b.height);
    }
    return x0 === Infinity ? { x: 0, y: 0, width: 100, height: 100 } : { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
  }

  api.fit = () => {
    const b = bounds();
    const w = svg.clientWidth || parent.clientWidth || 800;
    const h = svg.clientHeight || parent.clientHeight || 600;
    const k = Math.min(1.5, Math.max(0.1, Math.min((w - 40) / (b.width + 80), (h - 40) / (b.height + 40))));
    view = { k, x: (w - b.width * k) / 2 - b.x * k, y: (h - b.height * k) / 2 - b.y * k };
    apply();
  };

  api.zoom = (factor, cx, cy) => {
    const w = svg.clientWidth || 800;
    const h = svg.clientHeight || 600;
    const px = cx ?? w / 2;
    const py = cy ?? h / 2;
    const k = Math.min(4, Math.max(0.05, view.k * factor));
    view = { k, x: px - ((px - view.x) * k) / view.k, y: py - ((py - view.y) * k) / view.k };
    apply();
  };

  // Pan by dragging the background; zoom with the wheel around the pointer.
  let pan = null;
  svg.addEventListener('pointerdown', (e) => {
    pan = { px: e.clientX, py: e.clientY, x: view.x, y: view.y };
    svg.setPointerCapture(e.pointerId);
  });
  svg.addEventListener('pointermove', (e) => {
    if (!pan) return;
    view.x = pan.x + e.clientX - pan.px;
    view.y = pan.y + e.clientY - pan.py;
    apply();
  });
  svg.addEventListener('pointerup', () => { pan = null; });
  svg.addEventListener('wheel', (e) => {
    e.preventDefault();
    const r = svg.getBoundingClientRect();
    api.zoom(e.deltaY < 0 ? 1.1 : 1 / 1.1, e.clientX - r.left, e.clientY - r.top);
  }, { passive: false });

  api.svg = () => {
    const b = bounds();
    const copy = svg.cloneNode(true);
    copy.setAttribute('xmlns', NS);
    copy.setAttribute('viewBox', `${b.x - 20} ${b.y - 20} ${b.width + 100} ${b.height + 40}`);
    copy.setAttribute('width', String(Math.ceil(b.width + 100)));
    copy.setAttribute('height', String(Math.ceil(b.height + 40)));
    copy.querySelector('.er-viewport').removeAttribute('transform');
    const style = document.createElementNS(NS, 'style');
    style.textContent = STANDALONE_STYLE;
    copy.insertBefore(style, copy.firstChild);
    return new XMLSerializer().serializeToString(copy);
  };

  api.png = () => new Promise((resolve, reject) => {
    const source = api.svg();
    const img = new Image();
    img.onload = () => {
      const canvas = document.createElement('canvas');
      canvas.width = img.width * 2;
      canvas.height = img.height * 2;
      const ctx = canvas.getContext('2d');
      ctx.fillStyle = '#ffffff';
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.scale(2, 2);
      ctx.drawImage(img, 0, 0);
      canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('the image could not be drawn'))), 'image/png');
    };
    img.onerror = () => reject(new Error('the drawing could not be read as an image'));
    img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(source)}`;
  });

  api.destroy = () => { svg.remove(); tip.remove(); };
  apply();
  return api;
}

// The look of an exported SVG (the page styles the live one with its theme).
const STANDALONE_STYLE = `
text { font: ${FONT}px ui-monospace, SFMono-Regular, Menlo, monospace; fill: #1f2328; }
.er-box { fill: #ffffff; stroke: #8c959f; }
.er-head { fill: #ddf4ff; }
.er-title { font-weight: bold; }
.er-module, .er-type { fill: #57606a; }
.er-type { text-anchor: end; }
.er-row-bg { fill: transparent; }
.virtual .er-name { font-style: italic; fill: #8250df; }
.drift .er-name { fill: #cf222e; }
.er-line { fill: none; stroke: #57606a; stroke-width: 1.3; }
.er-hit { fill: none; stroke: transparent; }
.kind-through .er-line { stroke-dasharray: 5 4; }
.er-fk { fill: none; stroke: #8c959f; stroke-dasharray: 2 3; }
.er-marker { fill: none; stroke: #57606a; stroke-width: 1.2; }
`;

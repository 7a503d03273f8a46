// The Diagram view's panel, built in the lazily loaded bundle so the
// playground's first load does not carry it: toolbar (zoom, fit, re-layout,
// export), the drawing (diagram.js's create), drift with its migrations, and
// the designer. Everything it shows comes from the engine through the
// callbacks; it writes nothing itself: code is added to the notebook only
// through addCells, after the person saw it.
//
// createView(host, callbacks) -> view
// callbacks: {
//   onSelect(cell), onMove(table, x, y), onResetLayout(),   cell: the index of the cell defining the clicked box
//   design(opJson) -> Promise<changeJson>   (rejects with a message)
//   exportText(format) -> Promise<text>     (mermaid, dbml, dot)
//   addCells(cellsJson)                     [{title, source}], added and run
//   download(name, mime, text | Blob)
// }
// view: { setModel(modelJson, positionsJson), setReady(bool), setError(text | null), layoutMs, destroy() }
import { create } from './diagram.js';
import { h } from './dom.js';

const TYPES = [':string', ':integer', ':boolean', ':float', ':decimal', ':date', ':time', ':naive_datetime',
  ':utc_datetime', ':map', ':binary', ':binary_id', '{:array, :string}', '{:array, :integer}'];

export { h };

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function createView(host, cb) {
  let model = null;
  let ready = false;
  const readyButtons = new Set();
  const readyOnly = (button) => { readyButtons.add(button); button.disabled = !ready; return button; };

  const summary = h('span', { class: 'muted', 'data-testid': 'er-summary', text: 'Reading the schemas…' });
  const error = h('p', { class: 'error', 'data-testid': 'er-error', role: 'alert', hidden: true });
  const empty = h('p', {
    class: 'muted er-empty', 'data-testid': 'er-empty', hidden: true,
    text: 'No schemas or tables yet: run a cell that defines an Ecto schema (or creates a table), or design one below.',
  });
  const canvas = h('div', { class: 'er-canvas' });
  const fail = (e) => { error.textContent = String(e && e.message ? e.message : e); error.hidden = false; };

  let drawing = null;
  const exportText = (format, ext, mime) => cb.exportText(format).then((text) => cb.download(`schema.${ext}`, mime, text)).catch(fail);
  const menu = h('details', { class: 'menu' },
    h('summary', { class: 'btn small', 'data-testid': 'er-export', text: 'Export' }),
    h('div', { class: 'menu-items' },
      h('button', { type: 'button', class: 'btn small', 'data-testid': 'er-export-svg', text: 'SVG', onclick: () => cb.download('schema.svg', 'image/svg+xml', drawing.svg()) }),
      h('button', { type: 'button', class: 'btn small', 'data-testid': 'er-export-png', text: 'PNG', onclick: () => drawing.png().then((b) => cb.download('schema.png', 'image/png', b)).catch(fail) }),
      h('button', { type: 'button', class: 'btn small', 'data-testid': 'er-export-mermaid', text: 'Mermaid', onclick: () => exportText('mermaid', 'mmd', 'text/plain') }),
      h('button', { type: 'button', class: 'btn small', 'data-testid': 'er-export-dbml', text: 'DBML', onclick: () => exportText('dbml', 'dbml', 'text/plain') }),
      h('button', { type: 'button', class: 'btn small', 'data-testid': 'er-export-dot', text: 'DOT', onclick: () => exportText('dot', 'dot', 'text/vnd.graphviz') })));
  const toolbar = h('div', { class: 'diagram-toolbar' },
    summary, h('span', { class: 'spacer' }),
    h('button', { type: 'button', class: 'btn small', 'data-testid': 'er-zoom-in', title: 'Zoom in', text: '+', onclick: () => drawing.zoom(1.25) }),
    h('button', { type: 'button', class: 'btn small', 'data-testid': 'er-zoom-out', title: 'Zoom out', text: '−', onclick: () => drawing.zoom(0.8) }),
    h('button', { type: 'button', class: 'btn small', 'data-testid': 'er-fit', title: 'Show the whole diagram', text: 'Fit', onclick: () => drawing.fit() }),
    h('button', {
      type: 'button', class: 'btn small', 'data-testid': 'er-reset-layout', title: 'Forget the dragged positions and lay the boxes out again', text: 'Re-layout',
      onclick: () => { positions = {}; cb.onResetLayout(); if (model) draw(); },
    }),
    menu);

  // Drift: where the schemas and the tables disagree, each with its fix.
  const driftBody = h('div');
  const drift = h('section', { class: 'drift', 'data-testid': 'drift', 'aria-labelledby': 'drift-title' },
    h('h3', { id: 'drift-title', text: 'Schemas and tables' }), driftBody);
  function renderDrift() {
    driftBody.replaceChildren();
    const items = model ? model.drift : [];
    if (!items.length) {
      const text = model && model.database ? 'The schemas and the database agree.' : 'Run the notebook to compare the schemas with the database.';
      driftBody.append(h('p', { class: 'muted', 'data-testid': 'drift-none', text }));
      return;
    }
    driftBody.append(h('ul', { class: 'drift-list' }, items.map((d) => h('li', { class: 'drift-item', 'data-testid': 'drift-item', 'data-table': d.table, 'data-kind': d.kind },
      h('span', { class: 'warn-text', text: '⚠ ' }),
      h('span', { 'data-testid': 'drift-message', text: d.message }),
      h('details', {}, h('summary', { text: 'Migration' }), h('pre', { class: 'code', 'data-testid': 'drift-migration', text: d.migration })),
      readyOnly(h('button', {
        type: 'button', class: 'btn small', 'data-testid': 'drift-fix', title: 'Add this migration as a new cell and run it', text: 'Add migration cell',
        onclick: () => cb.addCells(JSON.stringify([{ title: `Fix: ${d.message}`, source: d.migration }])),
      }))))));
  }

  // The designer: forms whose operations the engine writes as code.
  const state = { action: 'add_field', table: '', field: '', name: '', module: '', type: ':string', nullable: true, def: '', size: '', kind: 'belongs_to', target: '', join: '' };
  const designBody = h('div', { class: 'designer-form' });
  const problem = h('p', { class: 'error', 'data-testid': 'design-error', role: 'alert', hidden: true });
  const changeBox = h('div');
  const actions = [
    ['add_field', 'Add field', 'design-add-field'], ['create_table', 'New table', 'design-new-table'],
    ['rename_field', 'Rename field', 'design-rename-field'], ['remove_field', 'Remove field', 'design-remove-field'],
    ['add_assoc', 'Add association', 'design-add-assoc'],
  ];
  const tabs = h('div', { class: 'designer-actions', role: 'tablist' }, actions.map(([a, label, id]) => h('button', {
    type: 'button', role: 'tab', class: 'btn small', 'data-testid': id, 'data-action': a, text: label,
    onclick: () => { state.action = a; changeBox.replaceChildren(); problem.hidden = true; renderDesigner(); },
  })));
  const schemaTables = () => (model ? model.tables.filter((t) => t.kind === 'schema' && t.modules.length).map((t) => t.name) : []);
  const fieldsOf = (name) => {
    const t = model && model.tables.find((x) => x.name === name);
    return t ? t.fields.filter((f) => f.name).map((f) => f.name) : [];
  };
  const select = (testid, label, key, options) => {
    if (!options.includes(state[key])) state[key] = options[0] || '';
    const s = h('select', { 'data-testid': testid, onchange: (e) => { state[key] = e.target.value; if (key === 'table') renderDesigner(); } },
      options.map((o) => h('option', { value: o, text: o })));
    s.value = state[key];
    return h('label', {}, `${label} `, s);
  };
  const input = (testid, label, key, extra = {}) => {
    const i = h('input', { type: 'text', 'data-testid': testid, spellcheck: 'false', ...extra, oninput: (e) => { state[key] = e.target.value; } });
    i.value = state[key];
    return h('label', {}, `${label} `, i);
  };
  const typeFields = () => {
    const nullable = h('input', { type: 'checkbox', 'data-testid': 'design-null', onchange: (e) => { state.nullable = e.target.checked; } });
    nullable.checked = state.nullable;
    return [
      select('design-type', 'Type', 'type', TYPES),
      h('label', { class: 'check' }, nullable, ' null allowed'),
      input('design-default', 'Default', 'def', { placeholder: 'an Elixir literal' }),
      input('design-size', 'Size', 'size', { inputmode: 'numeric', size: 5 }),
    ];
  };
  function renderDesigner() {
    for (const b of tabs.children) b.setAttribute('aria-selected', String(b.dataset.action === state.action));
    const tables = schemaTables();
    const parts = {
      add_field: () => [select('design-table', 'Table', 'table', tables), input('design-name', 'Name', 'name'), typeFields()],
      create_table: () => [input('design-name', 'Table', 'name'), input('design-module', 'Module', 'module', { placeholder: 'MyApp.Thing' })],
      rename_field: () => [select('design-table', 'Table', 'table', tables), select('design-field', 'Field', 'field', fieldsOf(state.table)), input('design-name', 'New name', 'name')],
      remove_field: () => [select('design-table', 'Table', 'table', tables), select('design-field', 'Field', 'field', fieldsOf(state.table))],
      add_assoc: () => [
        select('design-table', 'Table', 'table', tables),
        select('design-assoc-kind', 'Kind', 'kind', ['belongs_to', 'has_one', 'has_many', 'many_to_many']),
        input('design-name', 'Name', 'name'),
        select('design-target', 'Target', 'target', tables),
        input('design-join-table', 'Join table', 'join', { placeholder: 'for many_to_many' }),
      ],
    }[state.action]();
    designBody.replaceChildren(...parts.flat(), readyOnly(h('button', {
      type: 'button', class: 'btn primary small', 'data-testid': 'design-preview', text: 'Show the code', onclick: preview,
    })));
  }
  function op() {
    const t = (s) => String(s || '').trim();
    const field = () => {
      if (!t(state.name)) throw new Error('Name the field.');
      let size = null;
      if (t(state.size)) {
        if (!/^\d+$/.test(t(state.size))) throw new Error(`The size "${t(state.size)}" is not a whole number.`);
        size = Number(t(state.size));
      }
      return { name: t(state.name), ecto_type: state.type, null: state.nullable, default: t(state.def) || null, size };
    };
    switch (state.action) {
      case 'add_field': return { op: 'add_field', table: state.table, field: field() };
      case 'create_table':
        if (!t(state.name) || !t(state.module)) throw new Error('Name the table and its schema module.');
        return { op: 'create_table', table: t(state.name), module: t(state.module), fields: [], primary_key: { kind: 'id' }, timestamps: true };
      case 'rename_field':
        if (!t(state.name)) throw new Error('Give the field its new name.');
        return { op: 'rename_field', table: state.table, from: state.field, to: t(state.name) };
      case 'remove_field': return { op: 'remove_field', table: state.table, name: state.field };
      default:
        if (!t(state.name)) throw new Error('Name the association.');
        return {
          op: 'add_assoc', table: state.table,
          assoc: { kind: state.kind, name: t(state.name), target: state.target, foreign_key: null, join_table: t(state.join) || null, on_delete: null, null: state.nullable },
        };
    }
  }
  function preview() {
    problem.hidden = true;
    changeBox.replaceChildren();
    let json;
    try {
      json = JSON.stringify(op());
    } catch (e) {
      problem.textContent = e.message;
      problem.hidden = false;
      return;
    }
    cb.design(json).then((text) => {
      const change = JSON.parse(text);
      const cells = change.schemas.map((s) => ({ title: `Schema ${s.module}`, source: s.code }));
      cells.push({ title: `Migration ${change.migration_module}`, source: change.migration });
      changeBox.replaceChildren(h('div', { class: 'design-change', 'data-testid': 'design-change' },
        h('p', { class: 'muted', text: 'These cells will be added at the end of the notebook and run:' }),
        change.schemas.map((s) => [h('h4', { text: `Schema ${s.module}` }), h('pre', { class: 'code', 'data-testid': 'design-schema', text: s.code })]),
        h('h4', { text: `Migration ${change.migration_module}` }),
        h('pre', { class: 'code', 'data-testid': 'design-migration', text: change.migration }),
        readyOnly(h('button', {
          type: 'button', class: 'btn primary small', 'data-testid': 'design-apply', text: 'Add the cells and run them',
          onclick: () => {
            cb.addCells(JSON.stringify(cells));
            state.name = ''; state.def = ''; state.size = '';
            changeBox.replaceChildren();
            renderDesigner();
          },
        })),
        h('button', { type: 'button', class: 'btn small', 'data-testid': 'design-discard', text: 'Discard', onclick: () => changeBox.replaceChildren() })));
    }).catch((e) => {
      problem.textContent = String(e && e.message ? e.message : e);
      problem.hidden = false;
    });
  }
  const designer = h('section', { class: 'designer', 'data-testid': 'designer', 'aria-labelledby': 'designer-title' },
    h('h3', { id: 'designer-title', text: 'Design' }), tabs, designBody, problem, changeBox);

  const root = h('section', { class: 'diagram-view', 'data-testid': 'diagram-view', 'aria-label': 'Entity-relationship diagram' },
    toolbar, error, empty, canvas, drift, designer);
  host.append(root);
  drawing = create(canvas, {
    onSelect: (t) => {
      const table = model && model.tables.find((x) => x.name === t);
      if (table && table.location) cb.onSelect(table.location.cell);
    }, onMove: (t, x, y) => { positions[t] = [x, y]; cb.onMove(t, x, y); } });
  let positions = {};

  function draw() {
    drawing.update(model, positions);
    view.layoutMs = drawing.layoutMs;
    summary.textContent = `${plural(model.tables.length, 'table')} · ${plural(model.edges.length, 'association')} · laid out in ${Math.round(drawing.layoutMs)} ms`;
  }

  const view = {
    layoutMs: 0,
    setModel(modelJson, positionsJson) {
      model = JSON.parse(modelJson);
      positions = JSON.parse(positionsJson || '{}');
      error.hidden = true;
      empty.hidden = model.tables.length > 0;
      draw();
      renderDrift();
      renderDesigner();
    },
    setReady(on) {
      ready = on;
      for (const b of readyButtons) if (b.isConnected) b.disabled = !on; else readyButtons.delete(b);
    },
    setError(text) {
      if (text) fail(text); else error.hidden = true;
    },
    destroy() { drawing.destroy(); root.remove(); },
  };
  renderDrift();
  renderDesigner();
  return view;
}

// The Diagram view's SQL import, built in the lazily loaded bundle so the
// playground's first load does not carry it: a box for DDL (pasted or read
// from a .sql file), Convert, then the schema cells, the migration cell and
// what was not imported, by line, all shown before anything changes; the
// cells are added to the notebook only through addCells.
//
// createImportSql(host, callbacks) -> view
// callbacks: {
//   open()                                   the control was opened (the page starts the tools worker)
//   importSql(sql, namespace) -> Promise<{tables, schemas: [[title, code]…], migration: [title, code],
//                                        warnings: [[line, message]…]}>   (rejects with a message)
//   addCells(cellsJson)                      [{title, source}], added and run
// }
// view: { setReady(bool), destroy() }

import { h } from './diagram-view.js';

const message = (e) => String(e && e.message ? e.message : e);

export function createImportSql(host, cb) {
  let ready = false;
  let apply = null;

  const input = h('textarea', {
    class: 'import-sql-input', 'data-testid': 'import-sql-input', rows: 10, spellcheck: 'false', 'aria-label': 'SQL DDL',
    placeholder: 'CREATE TABLE users (id bigserial PRIMARY KEY, email varchar(255) NOT NULL);',
  });
  const namespace = h('input', { type: 'text', 'data-testid': 'import-sql-namespace', spellcheck: 'false', value: 'MyApp' });
  const problem = h('p', { class: 'error', 'data-testid': 'import-sql-error', role: 'alert', hidden: true });
  const result = h('div');
  const fail = (e) => { problem.textContent = message(e); problem.hidden = false; };

  const file = h('input', {
    type: 'file', class: 'visually-hidden', 'data-testid': 'import-sql-file', accept: '.sql,text/plain,application/sql',
    onchange: () => {
      const f = file.files && file.files[0];
      if (!f) return;
      f.text().then((text) => {
        input.value = text;
        result.replaceChildren();
        problem.hidden = true;
      }).catch(() => fail(`${f.name} could not be read.`)).finally(() => { file.value = ''; });
    },
  });

  function show(code) {
    const n = code.tables.length;
    const cells = code.schemas.concat([code.migration]).map(([title, source]) => ({ title, source }));
    const summary = n === 0 ? 'No CREATE TABLE to import.'
      : n === 1 ? '1 table: this schema cell and the migration cell will be added at the end of the notebook and run:'
        : `${n} tables: these ${code.schemas.length} schema cells and the migration cell will be added at the end of the notebook and run:`;
    apply = n === 0 ? null : h('button', {
      type: 'button', class: 'btn primary small', 'data-testid': 'import-sql-apply', text: 'Add the cells and run them',
      onclick: () => {
        result.replaceChildren();
        apply = null;
        cb.addCells(JSON.stringify(cells));
      },
    });
    if (apply) apply.disabled = !ready;
    result.replaceChildren(h('div', { class: 'design-change', 'data-testid': 'import-sql-result', 'data-tables': n },
      h('p', { class: 'muted', 'data-testid': 'import-sql-summary', text: summary }),
      code.warnings.length ? h('ul', { class: 'import-warnings' }, code.warnings.map(([line, text]) => h('li', {
        class: 'import-warning', 'data-testid': 'import-sql-warning', 'data-line': line,
      }, h('span', { class: 'warn-text', text: '⚠ ' }), `${line > 0 ? `Line ${line}: ` : ''}${text}`))) : null,
      n === 0 ? null : h('div', { class: 'import-sql-code' },
        code.schemas.map(([title, source]) => [h('h4', { text: title }), h('pre', { class: 'code', 'data-testid': 'import-sql-schema', text: source })]),
        h('h4', { text: code.migration[0] }),
        h('pre', { class: 'code', 'data-testid': 'import-sql-migration', text: code.migration[1] })),
      apply,
      h('button', { type: 'button', class: 'btn small', 'data-testid': 'import-sql-discard', text: 'Discard', onclick: () => { result.replaceChildren(); apply = null; } })));
  }

  const convert = h('button', {
    type: 'button', class: 'btn primary small', 'data-testid': 'import-sql-convert', text: 'Convert',
    onclick: () => {
      const sql = input.value;
      if (!sql.trim()) { fail('Paste SQL DDL (CREATE TABLE …) or open a .sql file first.'); return; }
      problem.hidden = true;
      result.replaceChildren();
      convert.disabled = true;
      convert.textContent = 'Converting…';
      cb.importSql(sql, namespace.value).then(show).catch(fail).finally(() => {
        convert.disabled = false;
        convert.textContent = 'Convert';
      });
    },
  });

  const root = h('details', {
    class: 'import-sql', 'data-testid': 'er-import-sql',
    ontoggle: () => { if (root.open) cb.open(); },
  },
  h('summary', { 'data-testid': 'import-sql-open' }, h('h3', { text: 'Import SQL' })),
  h('p', {
    class: 'muted',
    text: 'CREATE TABLE, CREATE INDEX and ALTER TABLE … ADD statements (PostgreSQL or SQLite, such as pg_dump --schema-only '
      + 'or .schema output) become Ecto schemas, with associations from the foreign keys, and a migration creating the tables.',
  }),
  input,
  h('div', { class: 'designer-form' },
    h('label', { class: 'btn small file', title: 'Read a .sql file into the box above' }, 'Open a .sql file', file),
    h('label', {}, 'Module namespace ', namespace),
    convert),
  problem,
  result);
  host.append(root);

  return {
    setReady(on) {
      ready = on;
      if (apply) apply.disabled = !on;
    },
    destroy() { root.remove(); },
  };
}

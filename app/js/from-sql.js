// From SQL ("How do I write this SQL in Ecto?"), built as its own lazily
// loaded bundle (app/js/build/from-sql.js, the global EctoplasmFromSql), so
// the playground's first load does not carry it; only app/src/from_sql.rs
// calls it. A box for SQL with the options (pipe form, pinned literals,
// dialect), Translate, then for each statement: the Ecto, its notes, the
// input SQL beside the SQL Ecto prints for SQLite and PostgreSQL, and the
// comparison of both result sets on the notebook's database; a proposal is
// added to the notebook only through addCell.
//
// createFromSql(host, callbacks) -> view
// callbacks: {
//   translate(sql, optionsJson) -> Promise<json>   [proposals, proofs]: each statement's Proposal with its cell
//                                                  (engine/src/from_sql) and its proof (app/src/worker.rs,
//                                                  ProofView), in the same order; rejects with a message
//   addCell(source)                                a cell added at the end of the notebook and run
// }
// view: { setReady(bool), destroy() }
// Everything shown is text (textContent), never HTML.

import { h } from './dom.js';

const message = (e) => String(e && e.message ? e.message : e);

function sqlBlock(title, testid, sql, params, error) {
  return h('div', { class: 'from-sql-sql' },
    h('h5', { text: title }),
    error ? h('p', { class: 'error', 'data-testid': `${testid}-error`, text: error }) : null,
    sql ? h('pre', { class: 'code', 'data-testid': testid, text: sql }) : null,
    params && params !== '[]' ? h('p', { class: 'muted from-sql-params', text: `params: ${params}` }) : null);
}

const OUTCOME_MARK = { equal: '✓ ', different: '✗ ', input_failed: '✗ ', proposal_failed: '✗ ', not_compared: '' };

export function createFromSql(host, cb) {
  let ready = false;
  let busy = false;
  const readyButtons = new Set();
  const sync = () => {
    run.disabled = !ready || busy;
    for (const b of readyButtons) b.disabled = !ready;
  };

  const input = h('textarea', {
    class: 'from-sql-input', 'data-testid': 'from-sql-input', rows: 8, spellcheck: 'false', 'aria-label': 'SQL to translate',
    placeholder: 'SELECT a.name, count(p.id) AS posts\nFROM authors a\nJOIN posts p ON p.author_id = a.id\nGROUP BY a.name',
  });
  const pipe = h('input', { type: 'checkbox', 'data-testid': 'from-sql-pipe' });
  const pin = h('input', { type: 'checkbox', 'data-testid': 'from-sql-pin' });
  const dialect = h('select', { 'data-testid': 'from-sql-dialect', 'aria-label': 'SQL dialect' },
    h('option', { value: 'auto', text: 'PostgreSQL or SQLite' }),
    h('option', { value: 'postgres', text: 'PostgreSQL' }),
    h('option', { value: 'sqlite', text: 'SQLite' }));
  const problem = h('p', { class: 'error', 'data-testid': 'from-sql-failed', role: 'alert', hidden: true });
  const results = h('div', { class: 'from-sql-results', 'aria-live': 'polite' });

  function statement(r, p, i, count) {
    const { cell } = r;
    const where = count > 1 ? `Statement ${i + 1} (line ${r.line})` : null;
    const kind = r.kind || 'all';
    const parts = [];
    if (where) parts.push(h('h4', { text: where }));
    if (r.error) {
      const e = r.error;
      const at = e.line ? `Line ${e.line}${e.column ? `, column ${e.column}` : ''}: ` : '';
      const lead = e.kind === 'parse' ? 'The SQL does not parse. ' : 'Ecto cannot write this: ';
      parts.push(h('p', {
        class: 'error', 'data-testid': 'from-sql-error', 'data-kind': e.kind, 'data-line': e.line ?? '', 'data-column': e.column ?? '',
        text: `${lead}${at}${e.message}`,
      }));
      if (e.nearest) {
        parts.push(h('h5', { text: 'The nearest Ecto' }), h('pre', { class: 'code', 'data-testid': 'from-sql-nearest', text: e.nearest }));
      }
    }
    if (r.code) {
      parts.push(h('pre', { class: 'code from-sql-code', 'data-testid': 'from-sql-code', text: r.code }));
      if (r.params && r.params.length) {
        parts.push(h('p', {
          class: 'muted', 'data-testid': 'from-sql-params',
          text: `The SQL's placeholders are pinned: bind ${r.params.join(', ')} before running it.`,
        }));
      }
    }
    if (r.notes && r.notes.length) {
      parts.push(h('ul', { class: 'from-sql-notes' }, r.notes.map((n) => h('li', { 'data-testid': 'from-sql-note', text: n }))));
    }
    if (p) {
      if (p.eval_error) {
        parts.push(h('p', { class: 'error', 'data-testid': 'from-sql-eval-error', text: `The proposal does not evaluate: ${p.eval_error}` }));
      }
      parts.push(h('div', { class: 'from-sql-sqls' },
        sqlBlock('Your SQL', 'from-sql-sql-input', r.sql, null, null),
        sqlBlock('Ecto’s SQL for SQLite', 'from-sql-sql-sqlite', p.sqlite.pretty || p.sqlite.sql, p.sqlite.params, p.sqlite.error),
        sqlBlock('Ecto’s SQL for PostgreSQL', 'from-sql-sql-postgres', p.postgres.pretty || p.postgres.sql, p.postgres.params, p.postgres.error)));
      const { outcome } = p;
      const order = outcome === 'equal' ? (p.ordered ? ', in the same order' : ', in any order') : '';
      parts.push(h('p', {
        class: `from-sql-proof ${outcome}`, 'data-testid': 'from-sql-proof', 'data-outcome': outcome, role: 'status',
        text: outcome === 'not_compared'
          ? `${p.summary.charAt(0).toUpperCase()}${p.summary.slice(1)}.`
          : `${OUTCOME_MARK[outcome] ?? ''}Both queries on this notebook’s database: ${p.summary}${order}.`,
      }));
    }
    if (cell) {
      const done = h('span', { class: 'muted', role: 'status' });
      const insert = h('button', {
        type: 'button', class: 'btn primary small', 'data-testid': 'from-sql-insert',
        text: kind === 'all' ? 'Add as a cell with Repo.all and run it' : 'Add as a cell and run it',
        title: cell,
        onclick: () => {
          cb.addCell(cell);
          done.textContent = ' Added at the end of the notebook.';
        },
      });
      insert.disabled = !ready;
      readyButtons.add(insert);
      parts.push(h('div', { class: 'designer-form' }, insert, done));
    }
    return h('section', {
      class: 'from-sql-result design-change', 'data-testid': 'from-sql-result', 'data-kind': kind,
      'data-outcome': p ? p.outcome : r.error ? 'error' : '',
    }, parts);
  }

  function show(json) {
    let list;
    let proofs;
    try {
      [list, proofs] = JSON.parse(json);
    } catch (e) {
      fail(`the answer could not be read: ${message(e)}`);
      return;
    }
    readyButtons.clear();
    if (!list.length) {
      results.replaceChildren(h('p', { class: 'muted', 'data-testid': 'from-sql-empty', text: 'There is no SQL statement to translate.' }));
      return;
    }
    // A statement without code has nothing proved.
    results.replaceChildren(...list.map((r, i) => statement(r, r.code ? proofs[i] : null, i, list.length)));
  }

  function fail(e) {
    problem.textContent = message(e);
    problem.hidden = false;
  }

  function translate() {
    const sql = input.value;
    if (!sql.trim()) { fail('Paste a SQL query (SELECT, INSERT … SELECT, UPDATE or DELETE) first.'); return; }
    if (busy) return;
    problem.hidden = true;
    busy = true;
    sync();
    run.textContent = 'Translating…';
    const options = JSON.stringify({ pipe: pipe.checked, pin_literals: pin.checked, dialect: dialect.value });
    cb.translate(sql, options).then(show).catch(fail).finally(() => {
      busy = false;
      run.textContent = 'Translate';
      sync();
    });
  }

  const run = h('button', { type: 'button', class: 'btn primary small', 'data-testid': 'from-sql-run', text: 'Translate', onclick: translate });
  run.disabled = true;
  // A changed option translates again what was translated.
  const again = () => { if (results.childElementCount && input.value.trim() && ready && !busy) translate(); };
  for (const el of [pipe, pin, dialect]) el.addEventListener('change', again);
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); if (!run.disabled) translate(); }
  });

  const root = h('div', { class: 'from-sql-control' },
    h('p', {
      class: 'muted',
      text: 'SELECT (with joins, subqueries, GROUP BY, CTEs, windows, UNION …), INSERT … SELECT, UPDATE or DELETE, in PostgreSQL '
        + 'or SQLite syntax. Tables this notebook’s schemas map are written with the schemas and their associations; both queries '
        + 'then run on the notebook’s database to prove they return the same rows.',
    }),
    input,
    h('div', { class: 'designer-form' },
      h('label', {}, pipe, ' Pipe form'),
      h('label', {}, pin, ' Pin literals (^10)'),
      h('label', {}, 'Dialect ', dialect),
      run),
    problem,
    results);
  host.append(root);

  return {
    setReady(on) {
      ready = on;
      sync();
    },
    destroy() { root.remove(); },
  };
}

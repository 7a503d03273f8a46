// The query plan panel ("why is this query slow?"), built in a lazily
// loaded bundle (app/js/build/insight.js, the global EctoplasmInsight) so the
// playground's first load does not carry it. It draws what the engine
// computed (app/src/worker.rs writes the JSON below) and writes nothing
// itself: every action goes back to the page through the callbacks. Only
// app/src/insight.rs calls it. Text is set as text, never as HTML.
//
// createView(host, callbacks) -> view
// callbacks: {
//   onMark(ranges)                 [from, to, ...] UTF-16 ranges of the cell to mark in the editor ([] clears)
//   onApply(cell, migration, timed) insert the migration cell, run it, plan and time before and after
//   onTime(), onCompare(), onRuns(k)
// }
// view: { render(insightJson | null, extrasJson), hover(pos), destroy() }
//
// insight: { op, from, to, sql, postgres, error, engine: 'sqlite' | 'postgres', analyzed, planning_ms, execution_ms,
//            nodes: [{ detail, words, kind, flag, spans: [[from, to]], children: [index],
//                      PostgreSQL only: node_type, relation, index, estimated_rows, actual_rows, loops, actual_ms, cost }],
//            roots: [index],
//            advice: [{ migration, reason, sqlite: [ddl], postgres: [ddl], cell, spans }], notes: [text],
//            timing: { runs, median_us, rows } | null, timing_error, preloads }
// extras:  { ready, runs, busy: 'timing' | 'index' | 'strategies' | null, error,
//            strategies: [{ strategy, code, queries, rows, median_us, error }] | null,
//            compare: { migration, elapsed_ms, before: insight, after: insight } | null }

import { h } from './dom.js';

/** Microseconds as `12.3 ms`. */
export function ms(us) {
  const m = us / 1000;
  if (m >= 100) return `${m.toFixed(0)} ms`;
  if (m >= 1) return `${m.toFixed(1)} ms`;
  return `${m.toFixed(3)} ms`;
}

/** A row count as PostgreSQL reports it (a float per loop). */
const rows = (n) => Number(Math.round(n)).toLocaleString('en-US');

/** PostgreSQL's numbers of one node: estimated vs actual rows, loops, time, cost. */
function pgStats(n) {
  if (!n.node_type) return null;
  const parts = [];
  if (n.estimated_rows !== undefined) parts.push(`estimated ${rows(n.estimated_rows)} rows`);
  if (n.actual_rows !== undefined) parts.push(`actual ${rows(n.actual_rows)}${n.loops > 1 ? ` × ${rows(n.loops)} loops` : ''}`);
  if (n.actual_ms !== undefined) parts.push(`${n.actual_ms.toFixed(3)} ms`);
  if (n.cost !== undefined) parts.push(`cost ${n.cost.toFixed(2)}`);
  return h('span', {
    class: 'plan-stats muted', 'data-testid': 'plan-stats',
    'data-estimated': n.estimated_rows ?? '', 'data-actual': n.actual_rows ?? '',
    text: parts.join(' · '),
  });
}

const count = (n, word) => `${Number(n).toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

const STRATEGIES = { separate: 'Separate preload queries', join: 'Join preload', preload_query: 'Preload queries' };

const BUSY = {
  timing: 'Running the query…',
  index: 'Adding the index: timing before, running the migration, timing after…',
  strategies: 'Loading the preloads three ways…',
};

export function createView(host, cb) {
  let insight = null;
  let extras = {};
  // Each plan node's element and the ranges of the clauses it comes from.
  let linked = [];
  const root = h('div', { class: 'insight-body' });
  host.replaceChildren(root);

  const flat = (spans) => (spans || []).flat();
  const markOn = (spans) => () => cb.onMark(flat(spans));
  const markOff = () => cb.onMark([]);

  function tree(nodes, list, top) {
    return h('ul', { class: top ? 'plan-tree top' : 'plan-tree' }, list.map((ix) => {
      const n = nodes[ix];
      if (!n) return null;
      const li = h('li', {
        class: n.flag ? 'plan-node flagged' : 'plan-node',
        'data-testid': 'plan-node', 'data-detail': n.detail, 'data-kind': n.kind, 'data-flagged': n.flag ? 'true' : 'false',
        'data-node-type': n.node_type || null, 'data-relation': n.relation || null, 'data-index': n.index || null,
      },
      h('div', {
        class: 'plan-line', tabindex: '0',
        onmouseenter: markOn(n.spans), onmouseleave: markOff, onfocus: markOn(n.spans), onblur: markOff,
      },
      h('span', { class: 'plan-words', text: n.words }),
      n.flag ? h('span', { class: 'badge warn', 'data-testid': 'plan-flag', text: n.flag }) : null,
      h('code', { class: 'plan-detail', text: n.detail }),
      pgStats(n)),
      (n.children || []).length ? tree(nodes, n.children, false) : null);
      linked.push([li, n.spans || []]);
      return li;
    }));
  }

  function timing(i) {
    if (i.timing) {
      const t = i.timing;
      return h('p', { class: 'timing', 'data-testid': 'query-timing', 'data-median-us': t.median_us, 'data-rows': t.rows },
        'Median ', h('strong', { text: ms(t.median_us) }), ` over ${count(t.runs, 'run')} · ${count(t.rows, 'row')}`);
    }
    if (i.timing_error) return h('p', { class: 'muted', 'data-testid': 'query-timing', text: i.timing_error });
    return null;
  }

  function advice(i) {
    const flagged = i.nodes.some((n) => n.flag);
    const head = i.advice.length ? 'Index advice'
      : flagged ? 'No index would help here (see the notes, or generate more rows).'
        : 'No full scan of a large table and no temporary sort: nothing to add.';
    return [
      h('h3', { class: 'advice-head', text: head }),
      h('ul', { class: 'advice-list' }, i.advice.map((a) => h('li', {
        class: 'advice', 'data-testid': 'index-advice', 'data-migration': a.migration,
        onmouseenter: markOn(a.spans), onmouseleave: markOff,
      },
      h('code', { class: 'migration', 'data-testid': 'advice-migration', text: a.migration }),
      h('p', { class: 'reason', text: a.reason }),
      h('p', { class: 'ddl' }, h('span', { class: 'muted', text: 'PostgreSQL: ' }),
        h('code', { 'data-testid': 'advice-postgres', text: a.postgres.join('; ') })),
      h('p', { class: 'ddl' }, h('span', { class: 'muted', text: 'SQLite: ' }), h('code', { text: a.sqlite.join('; ') })),
      h('button', {
        type: 'button', class: 'btn small', 'data-testid': 'apply-advice', disabled: !extras.ready,
        title: 'Insert this migration as a cell before the query’s, run it, and compare the plan and time before and after',
        text: 'Add this index', onclick: () => cb.onApply(a.cell, a.migration, !!i.timing),
      })))),
      i.notes.length ? h('ul', { class: 'notes muted', 'data-testid': 'plan-notes' }, i.notes.map((n) => h('li', { text: n }))) : null,
    ];
  }

  function analysis(i) {
    if (i.error) return h('p', { class: 'error', 'data-testid': 'plan-error', text: i.error });
    const pg = i.engine === 'postgres';
    const summary = pg ? h('p', { class: 'muted plan-summary', 'data-testid': 'plan-summary', 'data-engine': 'postgres' },
      i.analyzed
        ? `PostgreSQL's plan (EXPLAIN ANALYZE, run in a transaction rolled back): planning ${(i.planning_ms ?? 0).toFixed(3)} ms, execution ${(i.execution_ms ?? 0).toFixed(3)} ms.`
        : 'PostgreSQL’s plan (EXPLAIN, estimates only: this statement changes rows, so it is not run).') : null;
    return [
      summary,
      h('div', { class: 'query-plan', 'data-testid': 'query-plan', 'data-op': i.op, 'data-engine': i.engine || 'sqlite' }, tree(i.nodes, i.roots, true)),
      timing(i),
      advice(i),
      i.preloads ? h('button', {
        type: 'button', class: 'btn small', 'data-testid': 'compare-strategies', disabled: !extras.ready,
        title: 'Load the same data with separate preload queries, a join, and preload queries, and compare',
        text: 'Compare preload strategies', onclick: () => cb.onCompare(),
      }) : null,
    ];
  }

  function side(label, testid, i) {
    const median = i.timing ? i.timing.median_us : null;
    return h('div', { class: 'ba-side', 'data-testid': testid },
      h('h4', { text: label }),
      h('p', { class: 'ba-median', 'data-testid': `${testid}-median`, 'data-us': median === null ? '' : median,
        text: median === null ? 'not timed' : ms(median) }),
      h('ul', { class: 'ba-plan' }, i.nodes.map((n) => h('li', {
        'data-testid': 'compare-node', 'data-detail': n.detail, class: n.flag ? 'flagged' : null, text: n.words,
      }))));
  }

  function compare(c) {
    const b = c.before.timing && c.before.timing.median_us;
    const a = c.after.timing && c.after.timing.median_us;
    let speed = '';
    if (b && a) speed = b >= a ? `${(b / a).toFixed(1)}× faster · ` : `${(a / b).toFixed(1)}× slower · `;
    return h('div', { class: 'before-after', 'data-testid': 'before-after', 'data-elapsed-ms': Math.round(c.elapsed_ms) },
      h('h3', {}, 'Before → after ', h('code', { text: c.migration })),
      h('div', { class: 'ba-grid' }, side('Before', 'before', c.before), side('After', 'after', c.after)),
      h('p', { class: 'muted', text: `${speed}from the click to this view: ${(c.elapsed_ms / 1000).toFixed(2)} s` }));
  }

  function strategies(rows) {
    const ok = rows.filter((r) => !r.error).map((r) => r.median_us);
    const best = ok.length ? Math.min(...ok) : null;
    return h('table', { class: 'strategies', 'data-testid': 'strategy-compare' },
      h('caption', { text: 'The same data, three ways' }),
      h('thead', {}, h('tr', {}, ['Strategy', 'Queries', 'Rows', 'Median'].map((t) => h('th', { scope: 'col', text: t })))),
      h('tbody', {}, rows.map((r) => h('tr', {
        'data-testid': 'strategy-row', 'data-strategy': r.strategy, 'data-queries': r.queries,
        class: !r.error && r.median_us === best ? 'fastest' : null,
      },
      h('th', { scope: 'row' }, STRATEGIES[r.strategy] || r.strategy,
        h('details', {}, h('summary', { class: 'muted', text: 'code' }), h('pre', { class: 'code', text: r.code }))),
      r.error ? h('td', { colspan: '3', class: 'error', text: r.error }) : [
        h('td', { 'data-testid': 'strategy-queries', text: String(r.queries) }),
        h('td', { 'data-testid': 'strategy-rows', text: Number(r.rows).toLocaleString('en-US') }),
        h('td', { 'data-testid': 'strategy-median', text: ms(r.median_us) }),
      ]))));
  }

  function draw() {
    linked = [];
    const runs = h('input', {
      type: 'number', min: '1', max: '50', 'data-testid': 'timing-runs', value: extras.runs || 5,
      onchange: (e) => { const k = parseInt(e.target.value, 10); if (k > 0) cb.onRuns(k); },
    });
    const timeable = insight && !insight.error && insight.op === 'all';
    const tools = h('div', { class: 'insight-tools' },
      h('label', { class: 'muted runs', title: 'How many times the query runs; the median is shown' }, 'Runs ', runs),
      h('button', {
        type: 'button', class: 'btn small', 'data-testid': 'time-query', disabled: !extras.ready || !timeable,
        title: 'Run the query under the cursor several times and show the median time',
        text: extras.busy === 'timing' ? 'Timing…' : 'Time it', onclick: () => cb.onTime(),
      }));
    const parts = [
      tools,
      extras.busy ? h('p', { class: 'muted', 'data-testid': 'insight-busy', role: 'status', text: BUSY[extras.busy] || 'Working…' }) : null,
      extras.error ? h('p', { class: 'error', 'data-testid': 'insight-error', role: 'alert', text: extras.error }) : null,
      insight ? analysis(insight) : h('p', {
        class: 'muted', 'data-testid': 'plan-empty',
        text: 'Put the cursor on a query to see how the database runs it: the plan, the indexes it lacks and what the query costs on your data (generate rows from the tables on the left).',
      }),
      extras.compare ? compare(extras.compare) : null,
      extras.strategies ? strategies(extras.strategies) : null,
    ];
    root.replaceChildren(...parts.flat(Infinity).filter((p) => p !== null && p !== undefined));
  }

  return {
    render(insightJson, extrasJson) {
      insight = insightJson ? JSON.parse(insightJson) : null;
      extras = extrasJson ? JSON.parse(extrasJson) : {};
      draw();
    },
    /** Marks the plan nodes whose clauses contain `pos` (-1: none). */
    hover(pos) {
      for (const [li, spans] of linked) li.classList.toggle('linked', pos >= 0 && spans.some(([a, b]) => a <= pos && pos < b));
    },
    destroy() { root.remove(); },
  };
}

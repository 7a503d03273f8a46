// The ER diagram's speed, as a user meets it: for the blog example and for
// a generated 40-table model, the time from clicking the Diagram tab to every
// box being drawn (first paint; includes fetching diagram.js on the first
// open), the layout time the page reports, and a redraw with the same tables.
// Runs against dist/ (`make build`) in headless Chromium. Not a test.
//   node scripts/diagram-bench.mjs [ROUNDS]
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { serve, launch, DIST } from '../tests/e2e/harness.mjs';
import { NotebookPage } from '../tests/e2e/pages/notebook.mjs';

const rounds = Number(process.argv[2] || 3);

/** A notebook cell with `n` schemas, each belonging to up to two earlier ones, and their tables. */
function generated(n) {
  const schemas = [];
  const tables = [];
  for (let i = 0; i < n; i += 1) {
    const parents = [i - 1, Math.floor(i / 3) - 1].filter((p, k, all) => p >= 0 && all.indexOf(p) === k);
    const belongs = parents.map((p) => `    belongs_to :t${p}, Gen.T${p}`).join('\n');
    schemas.push(`defmodule Gen.T${i} do
  use Ecto.Schema
  schema "t${i}" do
    field :name, :string
    field :amount, :decimal
    field :active, :boolean, default: true
${belongs}
    timestamps()
  end
end`);
    const fks = parents.map((p) => `t${p}_id INTEGER REFERENCES t${p}(id)`).join(', ');
    tables.push(`Repo.query!("CREATE TABLE t${i} (id INTEGER PRIMARY KEY, name TEXT, amount DECIMAL, active BOOLEAN${fks ? `, ${fks}` : ''}, inserted_at TEXT, updated_at TEXT)")`);
  }
  return `${schemas.join('\n\n')}\n\n${tables.join('\n')}`;
}

async function measure(page, nb, expected) {
  const t0 = await page.evaluate(() => performance.now());
  await page.getByTestId('view-diagram').click();
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="er-table"]').length === n, expected, { timeout: 30_000 });
  const paint = (await page.evaluate(() => performance.now())) - t0;
  const layoutMs = async () => Number((/laid out in (\d+) ms/.exec(await page.getByTestId('er-summary').innerText()) || [])[1]);
  const layout = await layoutMs();
  // Drawn again with the same tables (as after typing a field): the layout is reused.
  await page.getByTestId('er-reset-layout').click();
  await page.waitForTimeout(200);
  const redraw = await layoutMs();
  return { paint, layout, redraw };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const server = await serve();
const browser = await launch({ viewport: { width: 1500, height: 950 } });
try {
  const bytes = await readFile(join(DIST, 'diagram.js'));
  console.log(`diagram.js: ${(bytes.length / 1024).toFixed(1)} KiB raw, ${(gzipSync(bytes, { level: 9 }).length / 1024).toFixed(1)} KiB gzip (fetched when the Diagram view first opens)`);
  for (const [label, setup, count] of [['blog example', null, 5], ['40 generated tables', generated(40), 40]]) {
    const paints = [];
    const layouts = [];
    const redraws = [];
    for (let r = 0; r < rounds; r += 1) {
      const page = await browser.context.newPage();
      const nb = await new NotebookPage(page, server.url).open();
      if (setup) {
        await nb.blank();
        await nb.setCell(0, setup);
      } else {
        await nb.loadExample('blog');
      }
      await nb.runAllCells();
      const m = await measure(page, nb, count);
      paints.push(m.paint);
      layouts.push(m.layout);
      redraws.push(m.redraw);
      await page.close();
    }
    console.log(`${label}: first paint ${median(paints).toFixed(0)} ms (click to every box drawn, median of ${rounds}), layout and drawing ${median(layouts)} ms, drawn again with the same tables ${median(redraws)} ms`);
  }
} finally {
  await browser.close();
  await server.stop();
}

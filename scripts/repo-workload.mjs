// The page's Repo workload, timed as a user sees it (each cell's own time,
// from the engine's worker): 10,000 authors and 10,000 posts inserted with
// insert_all in one transaction, then Repo.all of the authors with their
// posts preloaded. Runs against dist/ (`make build`) in headless Chromium,
// a fresh page per round; prints each round and the median. Not a test.
//   node scripts/repo-workload.mjs [ROUNDS]
import { serve, launch } from '../tests/e2e/harness.mjs';
import { setup, INSERTS, PRELOAD } from './workload-cells.mjs';
import { NotebookPage } from '../tests/e2e/pages/notebook.mjs';

const rounds = Number(process.argv[2] || 5);

const SETUP = setup([
  'CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT)',
  'CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT, author_id INTEGER REFERENCES authors(id))',
  'CREATE INDEX posts_author_id_index ON posts (author_id)',
]);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = async (nb, n) => Number.parseFloat(await nb.cell(n).getByTestId('cell-time').innerText());

const server = await serve(process.env.DIST || undefined);
const browser = await launch();
try {
  const inserts = [];
  const preloads = [];
  for (let round = 0; round < rounds; round += 1) {
    const page = await browser.context.newPage();
    const nb = await new NotebookPage(page, server.url).open('?time-limit=120');
    await nb.blank();
    await nb.setCell(0, SETUP);
    for (const [i, src] of [[1, INSERTS], [2, PRELOAD]]) {
      await nb.addCell();
      await nb.setCell(i, src);
    }
    await nb.runCell(0);
    await nb.runCell(1);
    await nb.runCell(2);
    const states = await nb.states();
    if (states.some((s) => s !== 'done')) throw new Error(`a cell failed: ${states}`);
    const result = await nb.inspect(2);
    if (result !== '10000') throw new Error(`preload returned ${result}`);
    inserts.push(await ms(nb, 1));
    preloads.push(await ms(nb, 2));
    console.log(`round ${round + 1}: insert_all ${inserts.at(-1).toFixed(1)} ms, all + preload ${preloads.at(-1).toFixed(1)} ms`);
    await page.close();
  }
  console.log(`median of ${rounds}: insert_all ${median(inserts).toFixed(1)} ms, all + preload ${median(preloads).toFixed(1)} ms`);
} finally {
  await browser.close();
  await server.stop();
}

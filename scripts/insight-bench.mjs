// Measures "why is this query slow?" in the built page (dist/, from `make
// build`), in headless Chromium: rows generated per second (100,000 posts,
// then 100,000 comments, click to done), and the worked example: a join and
// filter on the blog with 50,000 posts and comments, its plan and median
// before and after the advised index, and the time from the click on "Add
// this index" to the before → after view. Not a test: it prints figures.
//   node scripts/insight-bench.mjs [RUNS]
import { serve, launch } from '../tests/e2e/harness.mjs';
import { NotebookPage } from '../tests/e2e/pages/notebook.mjs';
import { InsightPage } from '../tests/e2e/pages/insight.mjs';

const runs = Number(process.argv[2] || 3);
const QUERY = 'from p in Post,\n  join: c in assoc(p, :comments),\n  where: p.title == "birch cedar",\n  select: {p.id, c.body}';
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

const server = await serve();
const samples = { posts: [], comments: [], click: [], before: [], after: [] };
let example;
try {
  for (let i = 0; i < runs; i += 1) {
    const browser = await launch();
    try {
      const page = await browser.context.newPage();
      const nb = new NotebookPage(page, server.url);
      const ins = new InsightPage(nb);
      await nb.open();
      await nb.runAllCells();
      await ins.options({ rows: 100_000 });
      samples.posts.push((await ins.generate('posts')).ms);
      samples.comments.push((await ins.generate('comments')).ms);
      // The worked example on 50,000 posts and comments.
      await nb.runAllCells();
      await ins.options({ rows: 50_000 });
      await ins.generate('posts');
      await ins.generate('comments');
      const n = await nb.addCell();
      await nb.setCell(n, QUERY);
      const before = await ins.planNodes();
      const advice = await ins.advice.first().getByTestId('advice-migration').innerText();
      await ins.time();
      const applied = await ins.applyAdvice(0);
      samples.click.push(applied.ms);
      samples.before.push(applied.beforeUs);
      samples.after.push(applied.afterUs);
      await ins.waitForNode(/posts_title_index/);
      example = { before, advice, after: await ins.planNodes() };
    } finally {
      await browser.close();
    }
  }
} finally {
  await server.stop();
}

const rate = (ms) => Math.round(100_000 / (ms / 1000)).toLocaleString('en-US');
console.log(`Headless Chromium, ${runs} runs (median, min, max):`);
for (const t of ['posts', 'comments']) {
  const xs = samples[t];
  console.log(`  100,000 ${t} generated, click to done: ${median(xs)} ms (${Math.min(...xs)}–${Math.max(...xs)}), ${rate(median(xs))} rows/s`);
}
console.log(`  "Add this index", click to before → after view: ${median(samples.click)} ms (${Math.min(...samples.click)}–${Math.max(...samples.click)})`);
console.log(`  median of 5 runs before: ${median(samples.before) / 1000} ms, after: ${median(samples.after) / 1000} ms`);
console.log('Worked example (blog, 50,000 posts and 50,000 comments):');
console.log(`  query: ${QUERY.replace(/\n\s*/g, ' ')}`);
console.log(`  plan before: ${example.before.map((n) => n.detail).join(' | ')}`);
console.log(`  advice: ${example.advice}`);
console.log(`  plan after:  ${example.after.map((n) => n.detail).join(' | ')}`);

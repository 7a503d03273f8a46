// "Why is this query slow?" in the page: rows generated at scale, the plan
// of the query under the cursor tied to its code, index advice added as a
// migration cell with the plan and time before and after, preload
// strategies compared, and the N+1 warning pointing at its line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pagePerTest } from './harness.mjs';
import { NotebookPage } from './pages/notebook.mjs';
import { InsightPage } from './pages/insight.mjs';

let nb;
let ins;
pagePerTest(async (page, site) => {
  nb = new NotebookPage(page, site.url);
  ins = new InsightPage(nb);
  await nb.open();
});

const JOIN_AND_FILTER = 'from p in Post,\n  join: c in assoc(p, :comments),\n  where: p.title == "birch cedar",\n  select: {p.id, c.body}';

/** The blog example run, with `rows` generated posts and comments. */
async function blogWith(rows) {
  await nb.runAllCells();
  await ins.options({ rows });
  const posts = await ins.generate('posts');
  assert.match(posts.status, new RegExp(`Inserted ${rows.toLocaleString('en-US')} rows into posts`));
  const comments = await ins.generate('comments');
  assert.match(comments.status, new RegExp(`Inserted ${rows.toLocaleString('en-US')} rows into comments`));
  return { posts, comments };
}

test('50,000 posts and comments: the plan shows a full scan, the advice adds an index, and the plan then searches it, faster', async () => {
  const gen = await blogWith(50_000);
  const counts = await nb.tableCounts();
  assert.equal(counts.posts, '50003 rows');
  assert.equal(counts.comments, '50003 rows');
  console.log(`# generated 100,000 rows (50,000 posts, 50,000 comments) in ${gen.posts.ms + gen.comments.ms} ms, click to done`);
  assert.ok(gen.posts.ms + gen.comments.ms < 6_000, 'generation keeps its pace');

  const n = await nb.addCell();
  await nb.setCell(n, JOIN_AND_FILTER);
  const nodes = await ins.planNodes();
  const scan = nodes.find((x) => x.detail === 'SCAN p0');
  assert.ok(scan, JSON.stringify(nodes));
  assert.equal(scan.words, 'full scan of `posts`');
  assert.ok(scan.flagged, 'a full scan of a large table is flagged');
  assert.ok(nodes.some((x) => x.detail === 'SEARCH c1 USING INDEX comments_post_id_index (post_id=?)'), JSON.stringify(nodes));

  // Hovering the node marks the clause it comes from, and hovering the clause marks the node.
  await nb.page.locator('[data-testid="plan-node"][data-detail="SCAN p0"] > .plan-line').hover();
  assert.deepEqual(await ins.marked(), ['p in Post']);
  await ins.hoverCode(n, 'Post');
  await nb.page.locator('[data-testid="plan-node"][data-detail="SCAN p0"].linked').waitFor({ timeout: 5_000 });

  // The advice: the migration, why, and PostgreSQL's DDL.
  assert.equal(await ins.advice.count(), 1);
  const advice = await ins.advice.first().innerText();
  assert.match(advice, /create index\(:posts, \[:title\]\)/);
  assert.match(advice, /`posts` \(50003 rows\) is filtered by `title` with no index to search by/);
  assert.match(advice, /CREATE INDEX "posts_title_index" ON "posts" \("title"\)/);

  const timed = await ins.time();
  assert.ok(Number.isInteger(timed.rows), timed.text);
  assert.ok(timed.medianUs > 0, timed.text);

  const cells = await nb.cells.count();
  const applied = await ins.applyAdvice(0);
  console.log(`# index added: click to before/after view ${applied.ms} ms; median ${applied.beforeUs} µs -> ${applied.afterUs} µs`);
  // The migration cell went in before the query's cell and ran.
  assert.equal(await nb.cells.count(), cells + 1);
  const migration = await nb.cellText(n);
  assert.match(migration, /create index\(:posts, \[:title\]\)/);
  assert.match(migration, /Ecto\.Migrator\.up\(Repo, 2, Blog\.Migrations\.CreatePostsTitleIndex\)/);
  assert.equal((await nb.states())[n], 'done');
  // After: an index search, and less time.
  await ins.waitForNode(/^SEARCH p0 USING (COVERING )?INDEX posts_title_index \(title=\?\)$/);
  assert.ok(!(await ins.planNodes()).some((x) => x.detail === 'SCAN p0'));
  assert.ok(applied.afterUs < applied.beforeUs, applied.text);
  assert.match(applied.text, /Before[\s\S]*full scan of `posts`[\s\S]*After[\s\S]*search of `posts` using (covering )?index `posts_title_index`/i);
  assert.equal(await ins.advice.count(), 0, 'nothing more to add');
});

test('preload strategies compared: separate queries, a join and preload queries, with their query counts', async () => {
  await blogWith(2_000);
  const n = await nb.addCell();
  await nb.setCell(n, 'from p in Post, where: p.id < 300, preload: [:comments]');
  await ins.planNodes();
  const rows = await ins.compareStrategies();
  assert.deepEqual(rows.map((r) => [r.strategy, r.queries]), [['separate', 2], ['join', 1], ['preload_query', 2]]);
  assert.ok(rows.every((r) => /ms$/.test(r.median)), JSON.stringify(rows));
  assert.match(await ins.strategies.innerText(), /Separate preload queries[\s\S]*Join preload[\s\S]*Preload queries/);

  // Reset empties the database: the plan follows, and what was measured goes.
  await nb.testid('reset').click();
  await ins.testid('plan-error').waitFor({ timeout: 10_000 });
  assert.match(await ins.testid('plan-error').innerText(), /no such table: posts/);
  assert.equal(await ins.strategies.count(), 0);
});

test('an N+1 names the line that sent the repeated query and the preload that removes it', async () => {
  await nb.runAllCells();
  await ins.options({ rows: 20 });
  await ins.generate('posts');
  const n = await nb.addCell();
  await nb.setCell(n, 'posts = Repo.all(Post)\nEnum.map(posts, fn p ->\n  Repo.all(Ecto.assoc(p, :comments))\nend)');
  await nb.runCell(n);
  const warning = nb.cell(n).getByTestId('n-plus-one');
  const text = await warning.innerText();
  assert.match(text, /The same query ran 23 times, sent from line 3/);
  assert.match(text, /Repo\.preload\(posts, :comments\)/);
  assert.match(text, /preload: \[:comments\]/);
  await warning.hover();
  assert.deepEqual(await ins.marked(), ['Repo.all(Ecto.assoc(p, :comments))']);
  assert.match(await nb.logGroups.first().getByTestId('log-repeated').innerText(), /ran 23 times/);

  // A join table: pairs already there are not repeated (23 posts × 3 tags at most).
  await ins.options({ rows: 1000 });
  const { status } = await ins.generate('posts_tags');
  const inserted = Number(/Inserted ([\d,]+) rows into posts_tags/.exec(status)[1]);
  assert.ok(inserted > 0 && inserted <= 23 * 3 - 4, status);
  assert.match(status, /rows that would have repeated a unique combination were skipped/);
  assert.equal((await nb.tableCounts()).posts_tags, `${inserted + 4} rows`);
});

test('generation: Stop keeps the batches inserted, a missing parent is explained, and the rows survive a stopped cell', async () => {
  await nb.runAllCells();
  await ins.options({ rows: 200_000, seed: 7, skew: 'heavy' });
  const started = ins.generate('comments', { timeout: 60_000 });
  await ins.testid('generate-progress').waitFor({ timeout: 10_000 });
  await nb.page.waitForFunction(() => {
    const p = document.querySelector('[data-testid="generate-progress"] progress');
    return p && Number(p.value) > 0;
  }, null, { timeout: 20_000 });
  // The page stays responsive while the worker inserts.
  let slowest = 0;
  for (let i = 0; i < 5; i += 1) {
    const t0 = Date.now();
    await nb.page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => ok())));
    slowest = Math.max(slowest, Date.now() - t0);
  }
  assert.ok(slowest < 250, `a frame took ${slowest} ms during the generation`);
  await ins.testid('generate-stop').click();
  const { status } = await started;
  assert.match(status, /\(stopped\)/);
  const inserted = Number(/Inserted ([\d,]+) rows/.exec(status)[1].replaceAll(',', ''));
  assert.ok(inserted > 0 && inserted < 200_000 && inserted % 10_000 === 0, status);
  assert.equal((await nb.tableCounts()).comments, `${inserted + 3} rows`);

  // A cell stopped afterwards puts the database back as it was before it: with the rows.
  const n = await nb.addCell();
  await nb.setCell(n, 'defmodule Spin do\n  def go(n), do: go(n + 1)\nend\nSpin.go(0)');
  const { done } = await nb.startCell(n);
  await nb.page.waitForTimeout(300);
  await nb.stopButton.click();
  await done;
  await nb.setCell(n, 'Repo.aggregate(Comment, :count)');
  await nb.runCell(n);
  assert.equal(await nb.inspect(n), String(inserted + 3));

  // A table whose parent has no rows: said in words, nothing inserted.
  const m = await nb.addCell();
  await nb.setCell(m, 'Repo.delete_all(Comment)\nRepo.delete_all(Post)');
  await nb.runCell(m);
  await ins.options({ rows: 10 });
  const failed = await ins.generate('comments');
  assert.match(failed.status, /`post_id` must point at a row of `posts`, which has none: generate `posts` first/);
  assert.equal((await nb.tableCounts()).comments, '0 rows');
});

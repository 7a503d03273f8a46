// Takes docs/screenshot.png for the README: the built page (dist/) with the
// blog example run, the cursor on a query (its SQL in the SQL pane), in
// headless Chromium; and beside it docs/diagram.png, the blog example's ER
// diagram, and docs/lesson.png, a lesson (tests/e2e/fixtures/posts.livemd)
// with an exercise checked and failed and a hint shown.
//   node scripts/screenshot.mjs [--dark] [OUT.png]
import { serve, launch, ROOT } from '../tests/e2e/harness.mjs';
import { NotebookPage } from '../tests/e2e/pages/notebook.mjs';
import { LessonPage } from '../tests/e2e/pages/lesson.mjs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

const dark = process.argv.includes('--dark');
const out = process.argv.slice(2).find((a) => !a.startsWith('--')) || join(ROOT, 'docs', 'screenshot.png');

const server = await serve();
const browser = await launch({ viewport: { width: 1440, height: 900 }, colorScheme: dark ? 'dark' : 'light' });
try {
  const page = await browser.context.newPage();
  const nb = await new NotebookPage(page, server.url).open();
  await nb.loadExample('blog');
  await nb.runAllCells();
  // Put the cursor inside the query of the "Join and preload in one query" cell.
  const cell = nb.cellByTitle('Join and preload in one query');
  await cell.scrollIntoViewIfNeeded();
  await cell.getByTestId('cell-input').getByText('where: a.name == "Ada",').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="sql-preview-sqlite"] [data-testid="sql-params"]')
    || document.querySelector('[data-testid="sql-preview-sqlite"] [data-testid="sql-text"]')?.textContent.includes('JOIN'));
  await page.evaluate(() => {
    const el = [...document.querySelectorAll('[data-testid="cell"]')].find((c) => c.textContent.includes('Join and preload in one query'));
    window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 70);
  });
  await page.waitForTimeout(200);
  await page.screenshot({ path: out });
  // The Diagram view of the same notebook.
  await page.getByTestId('view-diagram').click();
  await page.locator('[data-testid="er-table"]').first().waitFor();
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(300);
  await page.screenshot({ path: out.replace(/screenshot(-dark)?\.png$/, 'diagram$1.png').replace(/^(?!.*diagram)(.*)\.png$/, '$1-diagram.png') });
  // A lesson: the exercise checked (and failed), one hint open.
  const lesson = new LessonPage(page, server.url);
  await page.getByTestId('view-notebook').click();
  await lesson.importLivemd('posts.livemd', await readFile(join(ROOT, 'tests', 'e2e', 'fixtures', 'posts.livemd'), 'utf8'));
  await lesson.exercise('published').waitFor();
  await lesson.runAllCells();
  await lesson.check('published');
  await lesson.exercise('published').getByTestId('show-hint').click();
  await page.evaluate(() => {
    const el = document.querySelector('[data-testid="lesson-progress"]');
    window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 70);
  });
  await page.evaluate(() => {
    const el = document.querySelector('[data-testid="exercise"]').closest('[data-testid="cell"]');
    el.scrollIntoView({ block: 'center' });
  });
  await page.waitForTimeout(300);
  await page.screenshot({ path: out.replace(/screenshot(-dark)?\.png$/, 'lesson$1.png').replace(/^(?!.*lesson)(.*)\.png$/, '$1-lesson.png') });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await server.stop();
}

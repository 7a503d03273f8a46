// Takes docs/screenshot.png for the README: the built page (dist/) with the
// blog example run, the cursor on a query (its SQL in the SQL pane), in
// headless Chromium; and beside it docs/diagram.png, the blog example's ER
// diagram.
//   node scripts/screenshot.mjs [--dark] [OUT.png]
import { serve, launch, ROOT } from '../tests/e2e/harness.mjs';
import { NotebookPage } from '../tests/e2e/pages/notebook.mjs';
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
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await server.stop();
}

// Takes docs/screenshot.png for the README: the built page (dist/) after
// running its example script, in headless Chromium.
//   node scripts/screenshot.mjs [--dark] [OUT.png]
import { serve, launch, ROOT } from '../tests/e2e/harness.mjs';
import { ConsolePage } from '../tests/e2e/pages/console.mjs';
import { join } from 'node:path';

const dark = process.argv.includes('--dark');
const out = process.argv.slice(2).find((a) => !a.startsWith('--')) || join(ROOT, 'docs', 'screenshot.png');

const server = await serve();
const browser = await launch({ viewport: { width: 1000, height: 720 }, colorScheme: dark ? 'dark' : 'light' });
try {
  const page = await browser.context.newPage();
  const console_ = await new ConsolePage(page, server.url).open();
  await console_.run();
  await page.screenshot({ path: out, fullPage: true });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await server.stop();
}

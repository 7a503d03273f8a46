// Page object for the playground in embed mode (?embed=1) and for a host
// page that embeds notebooks with embed.js. Elements are found by data-testid
// (the iframes embed.js makes carry data-ectoplasm-frame).
import { WorkspacePage, payloadFor } from './workspace.mjs';

export class EmbedPage extends WorkspacePage {
  get root() { return this.testid('embed'); }
  get openLink() { return this.testid('open-in-ectoplasm'); }

  /** Opens `notebook` (an object) in embed mode; `readonly` adds &readonly=1. */
  async openNotebook(notebook, { readonly = false } = {}) {
    // Encoded on a blank page: the playground itself never opens here.
    await this.page.goto('about:blank');
    const payload = await payloadFor(this.page, notebook);
    await this.page.goto(`${this.url}?embed=1${readonly ? '&readonly=1' : ''}#nb=${payload}`);
    await this.waitReady();
    return this;
  }
}

/** A host page (a docs page) holding embed.js iframes. */
export class HostPage {
  constructor(page, url) {
    this.page = page;
    this.url = url;
  }

  get frames() { return this.page.locator('iframe[data-ectoplasm-frame]'); }

  async open() {
    await this.page.goto(this.url);
    await this.frames.first().waitFor({ timeout: 10_000 });
    return this;
  }

  /** The embedded playground of iframe `n`, once it is ready. */
  async frame(n = 0) {
    const handle = await this.frames.nth(n).elementHandle();
    const frame = await handle.contentFrame();
    await frame.locator('[data-testid="run-all"]:enabled').waitFor({ timeout: 30_000 });
    await frame.getByTestId('cell-input').first().waitFor();
    return frame;
  }

  /** iframe `n`'s height in CSS pixels (its content box). */
  async frameHeight(n = 0) {
    return this.frames.nth(n).evaluate((f) => parseFloat(getComputedStyle(f).height));
  }

  /** Waits until iframe `n` is as tall as the embedded content (±1 px), and returns that height. */
  async waitFitted(n = 0, timeout = 10_000) {
    const frame = await this.frame(n);
    const until = Date.now() + timeout;
    for (;;) {
      const content = await frame.getByTestId('embed').evaluate((r) => Math.ceil(r.getBoundingClientRect().height));
      const height = await this.frameHeight(n);
      if (Math.abs(content - height) <= 1) return height;
      if (Date.now() > until) throw new Error(`iframe ${n} is ${height}px tall, its content ${content}px`);
      await this.page.waitForTimeout(100);
    }
  }
}

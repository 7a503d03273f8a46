// Page object for the playground's workspace features: the saved
// workspace (localStorage), notices, and the Share control. Extends the
// notebook's page object; elements are found by data-testid.
import { NotebookPage } from './notebook.mjs';

export const WORKSPACE_KEY = 'ectoplasm-workspace';

/** A #nb= payload for `notebook` (an object), made in `page` the way the
 * app and embed.js make it: deflate-raw, then base64url. `json` overrides
 * the text (to test broken notebooks). */
export async function payloadFor(page, notebook, json = JSON.stringify(notebook)) {
  return page.evaluate(async (text) => {
    const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('deflate-raw'));
    const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
    let bin = '';
    for (const b of bytes) bin += String.fromCharCode(b);
    return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }, json);
}

export class WorkspacePage extends NotebookPage {
  get notices() { return this.testid('notice'); }
  get shareButton() { return this.testid('share'); }
  get sharePanel() { return this.testid('share-panel'); }

  /** Reloads the page and waits until it is ready again. */
  async reload() {
    await this.page.reload();
    await this.waitReady();
  }

  async waitReady() {
    await this.page.locator('[data-testid="run-all"]:enabled').waitFor({ timeout: 30_000 });
    await this.editor(0).waitFor();
  }

  /** The raw saved workspace (null when nothing is saved). */
  async saved() {
    return this.page.evaluate((k) => localStorage.getItem(k), WORKSPACE_KEY);
  }

  /** Writes `text` as the saved workspace (as a damaged or older save would be). */
  async setSaved(text) {
    await this.page.evaluate(([k, t]) => localStorage.setItem(k, t), [WORKSPACE_KEY, text]);
  }

  /** Every localStorage entry whose key starts with `prefix`: { key: value }. */
  async storage(prefix = '') {
    return this.page.evaluate((p) => Object.fromEntries(
      Object.keys(localStorage).filter((k) => k.startsWith(p)).map((k) => [k, localStorage.getItem(k)]),
    ), prefix);
  }

  /** Waits until the saved workspace contains `text`. */
  async waitSavedContaining(text) {
    await this.page.waitForFunction(
      ([k, t]) => (localStorage.getItem(k) || '').includes(t),
      [WORKSPACE_KEY, text],
      { timeout: 5_000 },
    );
  }

  /** The notices shown: [{ topic, text, key }]. */
  async noticeList() {
    return this.notices.evaluateAll((ns) => ns.map((n) => ({
      topic: n.dataset.topic,
      text: n.querySelector('[data-testid="notice-text"]').textContent,
      key: n.querySelector('[data-testid="notice-key"]')?.textContent ?? null,
    })));
  }

  async waitForNotice(topic) {
    await this.page.locator(`[data-testid="notice"][data-topic="${topic}"]`).first().waitFor({ timeout: 10_000 });
  }

  async restorePrevious() {
    await this.page.locator('[data-testid="notice"] [data-testid="notice-restore"]').first().click();
  }

  /** Clicks Share and returns { link, status, embed } once the link is made. */
  async share() {
    await this.shareButton.click();
    const field = this.sharePanel.getByTestId('share-link');
    await field.waitFor({ timeout: 10_000 });
    return {
      link: await field.inputValue(),
      status: await this.sharePanel.getByTestId('share-status').innerText(),
      embed: await this.sharePanel.getByTestId('share-embed-code').inputValue(),
    };
  }

  async closeShare() {
    await this.sharePanel.getByTestId('share-close').click();
    await this.sharePanel.waitFor({ state: 'detached' });
  }

  /** The cells' texts, in order. */
  async cellTexts() {
    const n = await this.cells.count();
    const out = [];
    for (let i = 0; i < n; i += 1) out.push(await this.cellText(i));
    return out;
  }
}

// Page object for Markdown cells, Livebook files and lesson mode. Extends
// the workspace's page object; elements are found by data-testid.
import { WorkspacePage } from './workspace.mjs';

export class LessonPage extends WorkspacePage {
  get markdownCells() { return this.testid('markdown-cell'); }
  markdownCell(n) { return this.markdownCells.nth(n); }
  get progress() { return this.testid('lesson-progress'); }
  exercise(id) { return this.page.locator(`[data-testid="exercise"][data-exercise="${id}"]`); }

  /** Adds a Markdown cell, types `text` into it and leaves it; returns its index. */
  async addMarkdown(text) {
    const n = await this.markdownCells.count();
    await this.testid('add-markdown-cell').click();
    const editor = this.markdownCell(n).getByTestId('markdown-editor');
    await editor.waitFor();
    await editor.fill(text);
    await editor.press('Escape');
    await this.markdownCell(n).locator('.markdown-body').waitFor();
    return n;
  }

  /** The rendered HTML of Markdown cell `n` (once rendered). */
  async markdownHtml(n) {
    const body = this.markdownCell(n).locator('.markdown-body');
    await body.waitFor();
    return body.innerHTML();
  }

  /** Opens a Livebook file through the file input (`name`, `text`). */
  async importLivemd(name, text) {
    await this.testid('import-livemd').setInputFiles({ name, mimeType: 'text/markdown', buffer: Buffer.from(text) });
    await this.page.locator('[data-testid="opening"]').waitFor({ state: 'detached', timeout: 30_000 });
  }

  /** Drops a Livebook file (`name`, `text`) on the notebook, as a file dragged from the desktop. */
  async dropLivemd(name, text) {
    const transfer = await this.page.evaluateHandle(([n, t]) => {
      const dt = new DataTransfer();
      dt.items.add(new File([t], n, { type: 'text/markdown' }));
      return dt;
    }, [name, text]);
    await this.notebook.dispatchEvent('dragover', { dataTransfer: transfer });
    await this.notebook.dispatchEvent('drop', { dataTransfer: transfer });
    await this.page.locator('[data-testid="opening"]').waitFor({ state: 'detached', timeout: 30_000 });
  }

  /** Downloads the notebook as `.livemd`; returns { name, text }. */
  async exportLivemd() {
    const [download] = await Promise.all([this.page.waitForEvent('download'), this.testid('export-livemd').click()]);
    const stream = await download.createReadStream();
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    return { name: download.suggestedFilename(), text: Buffer.concat(chunks).toString('utf8') };
  }

  /** Clicks Check for exercise `id`; returns the result's { status, text }. */
  async check(id) {
    const ex = this.exercise(id);
    const before = Number(await ex.getAttribute('data-checks'));
    await ex.getByTestId('check-exercise').click();
    await this.page.waitForFunction(
      ([sel, n]) => Number(document.querySelector(sel)?.dataset.checks) > n,
      [`[data-testid="exercise"][data-exercise="${id}"]`, before],
      { timeout: 30_000 },
    );
    const result = ex.getByTestId('exercise-result');
    return { status: await result.getAttribute('data-status'), text: await result.innerText() };
  }

  /** { passed, total, text } of the progress bar. */
  async progressState() {
    return {
      passed: Number(await this.progress.getAttribute('data-passed')),
      total: Number(await this.progress.getAttribute('data-total')),
      text: await this.progress.innerText(),
    };
  }
}

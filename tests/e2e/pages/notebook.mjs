// Page object for the playground (the notebook): tests act and read only
// through here. Elements are found by data-testid; the only exceptions are
// CodeMirror's own parts (underlines, tooltips, the completion list),
// which have no test ids and are reached through their documented classes
// below, in one place.
const CM = {
  lintError: '.cm-lintRange-error',
  lintTooltip: '.cm-tooltip-lint',
  completions: '.cm-tooltip-autocomplete li',
};

export class NotebookPage {
  constructor(page, url) {
    this.page = page;
    this.url = url;
  }

  testid(id) { return this.page.getByTestId(id); }
  get notebook() { return this.testid('notebook'); }
  get cells() { return this.testid('cell'); }
  get runAll() { return this.testid('run-all'); }
  get status() { return this.testid('status'); }
  get sqlPane() { return this.testid('sql-pane'); }
  get log() { return this.testid('statement-log'); }
  get logGroups() { return this.testid('log-group'); }
  get logStatements() { return this.testid('log-statement'); }
  get tables() { return this.testid('table-entry'); }
  get stopButton() { return this.testid('stop'); }
  get timeLimit() { return this.testid('time-limit'); }
  cell(n) { return this.cells.nth(n); }
  editor(n) { return this.cell(n).getByTestId('cell-input'); }
  cellByTitle(title) { return this.cells.filter({ has: this.page.getByTestId('cell-title').getByText(title, { exact: true }) }); }

  /** Opens the page and waits until SQLite is loaded and the editors are up. */
  async open(hash = '') {
    await this.page.goto(this.url + hash);
    await this.page.locator('[data-testid="run-all"]:enabled').waitFor({ timeout: 30_000 });
    await this.editor(0).waitFor();
    return this;
  }

  /** Loads a gallery example by id (`blog`, ...). */
  async loadExample(id) {
    await this.page.locator(`[data-testid="example"][data-id="${id}"]`).click();
    await this.page.locator('[data-testid="run-all"]:enabled').waitFor();
    await this.editor(0).waitFor();
  }

  /** An empty notebook with one cell. */
  async blank() {
    await this.testid('example-blank').click();
    await this.page.locator('[data-testid="run-all"]:enabled').waitFor();
    await this.editor(0).waitFor();
  }

  async addCell() {
    const n = await this.cells.count();
    await this.testid('add-cell').click();
    await this.editor(n).waitFor();
    return n;
  }

  /** Replaces the text of cell `n`, as a paste would. */
  async setCell(n, text) {
    await this.editor(n).click();
    await this.page.keyboard.press('Control+A');
    await this.page.keyboard.press('Delete');
    if (text) await this.page.keyboard.insertText(text);
  }

  /** Types into cell `n` at its cursor, one key at a time. */
  async typeInCell(n, text, delay = 0) {
    await this.editor(n).click();
    await this.page.keyboard.press('Control+End');
    await this.page.keyboard.type(text, { delay });
  }

  async cellText(n) { return this.editor(n).innerText(); }

  /** Waits for the notebook's run counter to move on after `action`. */
  async afterRun(action) {
    const before = Number(await this.notebook.getAttribute('data-run'));
    await action();
    await this.page.waitForFunction(
      (n) => Number(document.querySelector('[data-testid="notebook"]').dataset.run) > n,
      before,
      { timeout: 30_000 },
    );
  }

  async runCell(n) { await this.afterRun(() => this.cell(n).getByTestId('cell-run').click()); }
  async runAllCells() { await this.afterRun(() => this.runAll.click()); }

  /** Starts cell `n` and returns once the page says it is running;
   * `await done` waits for the run to end (however it ends). */
  async startCell(n) {
    const before = Number(await this.notebook.getAttribute('data-run'));
    await this.cell(n).getByTestId('cell-run').click();
    await this.page.locator('[data-testid="status"][data-state="running"]').waitFor({ timeout: 5_000 });
    const done = this.page.waitForFunction(
      (k) => Number(document.querySelector('[data-testid="notebook"]').dataset.run) > k,
      before,
      { timeout: 30_000 },
    );
    return { done };
  }

  /** The message under cell `n` when its run was stopped (null if none). */
  async stoppedMessage(n) {
    const m = this.cell(n).getByTestId('cell-stopped');
    // Drawn with the run's result; allow a busy machine a moment to paint it.
    await m.waitFor({ timeout: 3_000 }).catch(() => {});
    return (await m.count()) ? m.innerText() : null;
  }

  /** The inspect text of cell `n`. */
  async inspect(n) { return this.cell(n).getByTestId('cell-inspect').innerText(); }

  /** The cells' states (fresh, queued, done, failed), in order. */
  async states() {
    return this.cells.evaluateAll((cs) => cs.map((c) => c.dataset.state));
  }

  /** The SQL preview for `dialect` (sqlite | postgres): { sql, params, error }, sql as shown. */
  async preview(dialect) {
    const pane = this.testid(`sql-preview-${dialect}`);
    const text = async (id) => ((await pane.getByTestId(id).count()) ? pane.getByTestId(id).innerText() : null);
    const params = (await pane.getByTestId('sql-params').count())
      ? await pane.getByTestId('sql-params').locator('code').allInnerTexts()
      : [];
    return { sql: await text('sql-text'), params, error: await text('sql-error') };
  }

  /** Waits until the SQL preview for `dialect`, with whitespace runs folded to one space, equals `sql`. */
  async waitForPreviewSql(dialect, sql, timeout = 5_000) {
    await this.page.waitForFunction(
      ([d, want]) => {
        const pre = document.querySelector(`[data-testid="sql-preview-${d}"] [data-testid="sql-text"]`);
        return pre && pre.textContent.replace(/\s+/g, ' ').trim() === want;
      },
      [dialect, sql],
      { timeout },
    );
  }

  /** The nth table inside `scope` (a locator) as { columns, rows }. */
  async table(scope, n = 0) {
    return scope.getByTestId('result-table').nth(n).evaluate((t) => ({
      columns: [...t.querySelectorAll('thead th')].map((th) => th.textContent),
      rows: [...t.querySelectorAll('tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
    }));
  }

  /** The texts of the editor's error underlines in cell `n` (waits for at least one). */
  async underlines(n) {
    const marks = this.cell(n).locator(CM.lintError);
    await marks.first().waitFor({ timeout: 5_000 });
    return marks.allTextContents();
  }

  async underlineCount(n) { return this.cell(n).locator(CM.lintError).count(); }

  /** Hovers the first underline of cell `n` and returns the tooltip's text. */
  async hoverUnderline(n) {
    await this.cell(n).locator(CM.lintError).first().hover();
    const tip = this.page.locator(CM.lintTooltip);
    await tip.first().waitFor({ timeout: 5_000 });
    return tip.first().innerText();
  }

  /** The labels in the open completion list, once it offers `expected`
   * (and, with `only`, nothing else): the list follows typing and is
   * filtered asynchronously, so an earlier one may show first. */
  async completions(expected, { only = false } = {}) {
    await this.page.waitForFunction(
      ([sel, want, alone]) => {
        const labels = [...document.querySelectorAll(sel)].map((li) => li.querySelector('.cm-completionLabel')?.textContent);
        if (alone) return labels.length === 1 && labels[0] === want;
        return labels.length > 0 && (want === undefined || labels.includes(want));
      },
      [CM.completions, expected, only],
      { timeout: 5_000 },
    );
    return this.page.locator(CM.completions).evaluateAll(
      (lis) => lis.map((li) => li.querySelector('.cm-completionLabel')?.textContent ?? li.textContent),
    );
  }

  /** Accepts the selected completion with Enter. CodeMirror ignores Enter for
   * its interactionDelay (75 ms) after the list opens, so wait that out first. */
  async acceptCompletion() {
    await this.page.locator(CM.completions).first().waitFor({ timeout: 5_000 });
    await this.page.waitForTimeout(150);
    await this.page.keyboard.press('Enter');
  }

  /** The sidebar's tables: { name: rowCountText }. */
  async tableCounts() {
    return this.tables.evaluateAll((ts) => Object.fromEntries(
      ts.map((t) => [t.dataset.name, t.querySelector('[data-testid="table-row-count"]').textContent]),
    ));
  }
}

// Page object for the SQL console: tests act and read only through here,
// by data-testid.
export class ConsolePage {
  constructor(page, url) {
    this.page = page;
    this.url = url;
  }

  testid(id) { return this.page.getByTestId(id); }
  get input() { return this.testid('sql-input'); }
  get runButton() { return this.testid('run-button'); }
  get status() { return this.testid('status'); }
  get results() { return this.testid('results'); }
  get summary() { return this.testid('summary'); }
  get error() { return this.testid('error'); }
  get tables() { return this.testid('result-table'); }
  get statements() { return this.testid('statement'); }

  /** Opens the console (at #console; the playground is the page) and waits until SQLite is loaded. */
  async open() {
    await this.page.goto(`${this.url}#console`);
    await this.page.locator('[data-testid="run-button"]:enabled').waitFor({ timeout: 20_000 });
    return this;
  }

  async setSql(sql) {
    await this.input.fill(sql);
  }

  /** Runs `sql` (or what the editor holds) with the Run button; waits for its results. */
  async run(sql) {
    if (sql !== undefined) await this.setSql(sql);
    await this.afterRun(() => this.runButton.click());
  }

  /** Runs `sql` with Ctrl+Enter in the editor; waits for its results. */
  async runWithKeyboard(sql) {
    if (sql !== undefined) await this.setSql(sql);
    await this.afterRun(() => this.input.press('Control+Enter'));
  }

  /** The results section counts runs in data-run; wait for the count to move on. */
  async afterRun(action) {
    const before = Number(await this.results.getAttribute('data-run'));
    await action();
    await this.page.waitForFunction(
      (n) => Number(document.querySelector('[data-testid="results"]').dataset.run) > n,
      before,
      { timeout: 10_000 },
    );
  }

  /** The nth result table as { columns, rows }, each cell its text. */
  async table(n = 0) {
    return this.tables.nth(n).evaluate((t) => ({
      columns: [...t.querySelectorAll('thead th')].map((th) => th.textContent),
      rows: [...t.querySelectorAll('tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
    }));
  }

  /** The error's text, or null when none is shown. */
  async errorText() {
    return (await this.error.count()) ? this.error.textContent() : null;
  }
}

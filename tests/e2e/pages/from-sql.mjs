// Page object for From SQL (the box above the cells: SQL in, Ecto out,
// proved on the notebook's database). Extends the notebook's page object;
// elements are found by data-testid.
import { NotebookPage } from './notebook.mjs';

export class FromSqlPage extends NotebookPage {
  get box() { return this.testid('from-sql'); }
  get input() { return this.testid('from-sql-input'); }
  get results() { return this.testid('from-sql-result'); }

  /** Opens the box (its control loads on first opening). */
  async openFromSql() {
    await this.testid('from-sql-open').click();
    await this.input.waitFor({ timeout: 30_000 });
  }

  /** Sets the options: { pipe, pin, dialect } (each optional). */
  async options({ pipe, pin, dialect } = {}) {
    if (pipe !== undefined) await this.testid('from-sql-pipe').setChecked(pipe);
    if (pin !== undefined) await this.testid('from-sql-pin').setChecked(pin);
    if (dialect !== undefined) await this.testid('from-sql-dialect').selectOption(dialect);
  }

  /** Pastes `sql`, translates, and reads each statement's result:
   * [{ kind, outcome, code, notes, error: {kind, line, column, text}, nearest, sql: {input, sqlite, postgres}, proof }]. */
  async translate(sql) {
    await this.input.fill(sql);
    const before = await this.resultStamp();
    await this.page.locator('[data-testid="from-sql-run"]:enabled').click();
    await this.page.waitForFunction(
      (was) => {
        const failed = document.querySelector('[data-testid="from-sql-failed"]:not([hidden])');
        const run = document.querySelector('[data-testid="from-sql-run"]');
        const now = [...document.querySelectorAll('[data-testid="from-sql-result"]')];
        return failed || (run && run.textContent === 'Translate' && now.length && now[0] !== was);
      },
      before,
      { timeout: 60_000 },
    );
    return this.read();
  }

  async resultStamp() {
    return this.results.count().then((n) => (n ? this.results.first().elementHandle() : null));
  }

  async read() {
    return this.results.evaluateAll((rs) => rs.map((r) => {
      const text = (id) => r.querySelector(`[data-testid="${id}"]`)?.textContent ?? null;
      const err = r.querySelector('[data-testid="from-sql-error"]');
      return {
        kind: r.dataset.kind,
        outcome: r.dataset.outcome,
        code: text('from-sql-code'),
        notes: [...r.querySelectorAll('[data-testid="from-sql-note"]')].map((n) => n.textContent),
        error: err ? { kind: err.dataset.kind, line: err.dataset.line, column: err.dataset.column, text: err.textContent } : null,
        nearest: text('from-sql-nearest'),
        sql: { input: text('from-sql-sql-input'), sqlite: text('from-sql-sql-sqlite'), postgres: text('from-sql-sql-postgres') },
        proof: text('from-sql-proof'),
      };
    }));
  }

  /** The failure of the whole request, if shown. */
  async failure() {
    const f = this.page.locator('[data-testid="from-sql-failed"]:not([hidden])');
    return (await f.count()) ? f.innerText() : null;
  }

  /** Adds the proposal of statement `n` as a cell and waits until the
   * notebook holds `count` cells, all run. */
  async insert(n, count) {
    await this.results.nth(n).getByTestId('from-sql-insert').click();
    await this.page.waitForFunction(
      (k) => {
        const cells = [...document.querySelectorAll('[data-testid="cell"]')];
        return cells.length === k && cells.every((c) => c.dataset.state === 'done' || c.dataset.state === 'failed');
      },
      count,
      { timeout: 60_000 },
    );
  }
}

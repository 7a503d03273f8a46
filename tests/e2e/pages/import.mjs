// Page object for the Diagram view's SQL import (and for reading the
// diagram it leads to). Extends the notebook's page object; elements are
// found by data-testid.
import { NotebookPage } from './notebook.mjs';

export class ImportPage extends NotebookPage {
  get control() { return this.testid('er-import-sql'); }
  get input() { return this.testid('import-sql-input'); }
  get result() { return this.testid('import-sql-result'); }
  get warnings() { return this.testid('import-sql-warning'); }

  /** Switches to the Diagram view. */
  async openDiagram() {
    await this.testid('view-diagram').click();
    await this.testid('diagram-view').waitFor();
  }

  /** Switches to the Diagram view and opens the import control. */
  async openImport() {
    await this.openDiagram();
    await this.testid('import-sql-open').click();
    await this.input.waitFor();
  }

  /** Reads a file into the import box through its file picker. */
  async chooseFile(path) {
    await this.testid('import-sql-file').setInputFiles(path);
    await this.page.waitForFunction(
      () => document.querySelector('[data-testid="import-sql-input"]').value.length > 0,
      null,
      { timeout: 5_000 },
    );
  }

  /** Pastes `sql` into the import box. */
  async paste(sql) {
    await this.input.fill(sql);
  }

  /** Converts and waits for the generated code: { tables, schemas, migration, warnings: [{line, text}] }. */
  async convert() {
    await this.testid('import-sql-convert').click();
    await this.result.waitFor({ timeout: 30_000 });
    return {
      tables: Number(await this.result.getAttribute('data-tables')),
      schemas: await this.testid('import-sql-schema').allInnerTexts(),
      migration: (await this.testid('import-sql-migration').count()) ? await this.testid('import-sql-migration').innerText() : null,
      warnings: await this.warnings.evaluateAll((ws) => ws.map((w) => ({ line: Number(w.dataset.line), text: w.textContent }))),
    };
  }

  /** Adds the generated cells and waits until the notebook holds `count` cells, all run. */
  async apply(count) {
    await this.testid('import-sql-apply').click();
    await this.page.waitForFunction(
      (n) => {
        const cells = [...document.querySelectorAll('[data-testid="cell"]')];
        return cells.length === n && cells.every((c) => c.dataset.state === 'done' || c.dataset.state === 'failed');
      },
      count,
      { timeout: 60_000 },
    );
  }

  /** The cells' titles, in order. */
  async cellTitles() {
    return this.cells.evaluateAll((cs) => cs.map((c) => c.querySelector('[data-testid="cell-title"]')?.textContent ?? ''));
  }

  /** The diagram once it shows `count` tables: { tables: {name: [columns]}, edges: ['from kind to', ...] sorted }. */
  async diagram(count) {
    await this.page.waitForFunction(
      (n) => document.querySelectorAll('[data-testid="er-diagram"] [data-testid="er-table"]').length === n,
      count,
      { timeout: 30_000 },
    );
    return this.testid('er-diagram').evaluate((svg) => ({
      tables: Object.fromEntries([...svg.querySelectorAll('[data-testid="er-table"]')].map((t) => [
        t.dataset.table,
        [...t.querySelectorAll('[data-testid="er-field"]')].map((f) => f.dataset.field),
      ])),
      edges: [...svg.querySelectorAll('[data-testid="er-edge"]')].map((e) => `${e.dataset.from} ${e.dataset.kind} ${e.dataset.to}`).sort(),
    }));
  }
}

// Page object for the notebook's database switch (SQLite | PostgreSQL):
// extends the workspace's; elements are found by data-testid.
import { WorkspacePage } from './workspace.mjs';

export class DatabasePage extends WorkspacePage {
  get dbSwitch() { return this.testid('db-switch'); }
  get dbLoading() { return this.testid('db-loading'); }

  /** `sqlite` or `postgres`, as the switch shows it. */
  async database() { return this.dbSwitch.inputValue(); }

  /** Switches the notebook to `name` and waits until it can run there;
   * returns the milliseconds from the switch to ready. */
  async switchTo(name) {
    const started = Date.now();
    await this.dbSwitch.selectOption(name);
    await this.waitDatabaseReady();
    return Date.now() - started;
  }

  /** Waits until no database is loading and the notebook can run. */
  async waitDatabaseReady() {
    await this.page.locator('[data-testid="db-loading"]').waitFor({ state: 'detached', timeout: 90_000 });
    await this.page.locator('[data-testid="status"][data-state="ready"]').waitFor({ timeout: 90_000 });
    await this.page.locator('[data-testid="run-all"]:enabled').waitFor({ timeout: 90_000 });
  }

  /** The ids of the gallery's PostgreSQL examples, in order. */
  async postgresExamples() {
    return this.page.locator('[data-testid="example"][data-db="postgres"]').evaluateAll((es) => es.map((e) => e.dataset.id));
  }

  /** Opens a gallery example and waits until its database is up. */
  async openExample(id) {
    await this.page.locator(`[data-testid="example"][data-id="${id}"]`).click();
    await this.waitDatabaseReady();
    await this.editor(0).waitFor();
  }

  /** Records the text of every `db-loading` indicator shown from now on;
   * `loadingTexts()` returns them. */
  async recordLoading() {
    await this.page.evaluate(() => {
      window.ectoplasmLoadingTexts = [];
      const seen = () => {
        const el = document.querySelector('[data-testid="db-loading"]');
        if (el && el.textContent !== window.ectoplasmLoadingTexts.at(-1)) window.ectoplasmLoadingTexts.push(el.textContent);
      };
      new MutationObserver(seen).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    });
  }

  async loadingTexts() { return this.page.evaluate(() => window.ectoplasmLoadingTexts); }

  /** The cell's visible result (inspect, output or error), whatever it is. */
  async result(n) { return this.cell(n).getByTestId('cell-result').innerText(); }
}

// Page object for "why is this query slow?": data generation in the
// sidebar, the query plan panel (plan, timing, index advice, before →
// after, preload strategies) and the N+1 warning. Elements are found by
// data-testid; the editor's marks (CodeMirror's, no test id) by their
// class, here only.
const CM = { linked: '.cm-linked-clause' };

export class InsightPage {
  constructor(nb) {
    this.nb = nb;
    this.page = nb.page;
  }

  testid(id) { return this.page.getByTestId(id); }
  get panel() { return this.testid('insight'); }
  get plan() { return this.testid('query-plan'); }
  get nodes() { return this.testid('plan-node'); }
  get advice() { return this.testid('index-advice'); }
  get beforeAfter() { return this.testid('before-after'); }
  get strategies() { return this.testid('strategy-compare'); }

  /** Sets the generation options (rows, seed, skew) as a person would. */
  async options({ rows, seed, skew } = {}) {
    if (rows !== undefined) {
      await this.testid('generate-rows').fill(String(rows));
      await this.testid('generate-rows').dispatchEvent('change');
    }
    if (seed !== undefined) {
      await this.testid('generate-seed').fill(String(seed));
      await this.testid('generate-seed').dispatchEvent('change');
    }
    if (skew !== undefined) await this.testid('generate-skew').selectOption(skew);
  }

  /** Clicks the table's "Generate data" and waits for the generation to end
   * (the notebook's run counter moves on when the data changed); returns
   * { ms (click to the end), status (the message) }. */
  async generate(table, { timeout = 60_000 } = {}) {
    const before = Number(await this.nb.notebook.getAttribute('data-run'));
    const started = Date.now();
    await this.page.locator(`[data-testid="generate-data"][data-table="${table}"]`).click();
    await this.page.waitForFunction(
      (n) => Number(document.querySelector('[data-testid="notebook"]').dataset.run) > n
        && document.querySelector('[data-testid="status"]')?.dataset.state !== 'running',
      before,
      { timeout },
    );
    return { ms: Date.now() - started, status: await this.statusText() };
  }

  async statusText() {
    const s = this.testid('generate-status');
    return (await s.count()) ? s.textContent() : '';
  }

  /** Waits for the plan of the query under the cursor; returns its nodes
   * as { detail, words, flagged }. */
  async planNodes({ timeout = 10_000 } = {}) {
    await this.plan.waitFor({ timeout });
    return this.nodes.evaluateAll((ns) => ns.map((n) => ({
      detail: n.dataset.detail,
      words: n.querySelector('.plan-words').textContent,
      flagged: n.dataset.flagged === 'true',
    })));
  }

  /** Waits until some plan node's detail matches `re`. */
  async waitForNode(re, timeout = 15_000) {
    await this.page.waitForFunction(
      ([src, flags]) => [...document.querySelectorAll('[data-testid="plan-node"]')].some((n) => new RegExp(src, flags).test(n.dataset.detail)),
      [re.source, re.flags],
      { timeout },
    );
  }

  /** Runs the timing; returns { medianUs, rows, text }. */
  async time() {
    await this.testid('time-query').click();
    const t = this.testid('query-timing');
    await t.waitFor({ timeout: 30_000 });
    return { medianUs: Number(await t.getAttribute('data-median-us')), rows: Number(await t.getAttribute('data-rows')), text: await t.innerText() };
  }

  /** Adds the index of advice `n` and waits for the before → after view;
   * returns { ms (click to view), beforeUs, afterUs, text }. */
  async applyAdvice(n = 0) {
    const started = Date.now();
    await this.advice.nth(n).getByTestId('apply-advice').click();
    await this.beforeAfter.waitFor({ timeout: 60_000 });
    const ms = Date.now() - started;
    const us = async (id) => Number(await this.testid(id).getAttribute('data-us'));
    return { ms, beforeUs: await us('before-median'), afterUs: await us('after-median'), text: await this.beforeAfter.innerText() };
  }

  /** Compares the preload strategies; returns rows as { strategy, queries, rows, median }. */
  async compareStrategies() {
    await this.testid('compare-strategies').click();
    await this.strategies.waitFor({ timeout: 60_000 });
    return this.testid('strategy-row').evaluateAll((rs) => rs.map((r) => ({
      strategy: r.dataset.strategy,
      queries: Number(r.dataset.queries),
      rows: r.querySelector('[data-testid="strategy-rows"]')?.textContent,
      median: r.querySelector('[data-testid="strategy-median"]')?.textContent,
    })));
  }

  /** The texts marked in the editors (the clause a plan node comes from). */
  async marked() { return this.page.locator(CM.linked).allTextContents(); }

  /** Moves the mouse over the first `text` (within one token) in cell `n`'s editor. */
  async hoverCode(n, text) {
    await this.nb.editor(n).scrollIntoViewIfNeeded();
    const at = await this.nb.editor(n).evaluate((el, t) => {
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const i = node.textContent.indexOf(t);
        if (i < 0) continue;
        const r = document.createRange();
        r.setStart(node, i);
        r.setEnd(node, i + t.length);
        const b = r.getBoundingClientRect();
        return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
      }
      return null;
    }, text);
    if (!at) throw new Error(`${text} is not in cell ${n}`);
    await this.page.mouse.move(at.x, at.y);
  }
}

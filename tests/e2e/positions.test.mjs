// An error in a cell names the same line and column as the command line
// (`ectoplasm run FILE`) names for the same source.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pagePerTest } from './harness.mjs';
import { NotebookPage } from './pages/notebook.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'target', 'debug', 'ectoplasm');

let nb;
pagePerTest(async (p, { url }) => {
  nb = await new NotebookPage(p, url).open();
});

before(() => {
  execFileSync('cargo', ['build', '--quiet', '-p', 'ectoplasm-cli'], { cwd: ROOT, stdio: 'inherit' });
});

/** The error kind and the `FILE:LINE:COLUMN` the command line prints for `source`. */
function cliPosition(source) {
  const dir = mkdtempSync(join(tmpdir(), 'ectoplasm-pos-'));
  const file = join(dir, 'cell.exs');
  writeFileSync(file, source);
  const out = spawnSync(BIN, ['run', file], { encoding: 'utf8' });
  assert.equal(out.status, 1, `the command line reports an error for:\n${source}`);
  const text = out.stdout + out.stderr;
  const m = /cell\.exs:(\d+):(\d+)/.exec(text);
  assert.ok(m, `a position in:\n${text}`);
  return { kind: /\*\* \((\w+)\)/.exec(text)?.[1], line: Number(m[1]), column: Number(m[2]) };
}

const CASES = {
  'a syntax error': 'x = 1 +\ny = )',
  'a runtime error': 'x = 1\n# then\ny = x + :oops',
  'an undefined function': 'x = 1\n  y = x + nope(2)',
  'a raise in a pipe': 'm = %{a: "é"}\n  m |> Map.fetch!(:b)',
  'a missing terminator': 'defmodule M do\n  def f(x) do\n    x\n  end',
};

for (const [name, source] of Object.entries(CASES)) {
  test(`${name}: the cell's error names the command line's line and column`, async () => {
    const expected = cliPosition(source);
    await nb.blank();
    await nb.setCell(0, source);
    await nb.runCell(0);
    assert.deepEqual(await nb.states(), ['failed']);
    const text = await nb.cell(0).getByTestId('cell-error').innerText();
    const m = /line (\d+), column (\d+)/.exec(text);
    assert.ok(m, `a position in: ${text}`);
    assert.equal(await nb.cellText(0), source, 'the editor kept the text as pasted');
    const kind = /\*\* \((\w+)\)/.exec(text)?.[1];
    assert.deepEqual({ kind, line: Number(m[1]), column: Number(m[2]) }, expected, text);
  });
}

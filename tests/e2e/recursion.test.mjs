// Elixir's recursion in the page, as on the BEAM: a tail-recursive loop runs
// in constant space however long, body recursion goes deep on the heap and
// ends beyond its bound in the evaluator's error with the page usable, and
// the clocks tick.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pagePerTest } from './harness.mjs';
import { NotebookPage } from './pages/notebook.mjs';

let page;
const s = pagePerTest(async (p) => {
  page = p;
});

const MODULE = `defmodule Rec do
  def loop(0, acc), do: acc
  def loop(n, acc), do: loop(n - 1, acc + 1)

  def sum([]), do: 0
  def sum([h | t]), do: h + sum(t)

  def deep(0), do: 0
  def deep(n), do: 1 + deep(n - 1)
end`;

/** A blank notebook with the module in cell 0, run, and `source` in cell 1. */
async function withModule(source, hash = '?time-limit=60') {
  const nb = await new NotebookPage(page, s.url).open(hash);
  await nb.blank();
  await nb.setCell(0, MODULE);
  await nb.addCell();
  await nb.setCell(1, source);
  await nb.runCell(0);
  return nb;
}

test('a tail-recursive loop of ten million iterations returns its value', async () => {
  const nb = await withModule('Rec.loop(10_000_000, 0)');
  await nb.runCell(1);
  assert.equal(await nb.cell(1).getAttribute('data-state'), 'done');
  assert.equal(await nb.inspect(1), '10000000');
});

test('body recursion over a list of 100,000 elements returns its value', async () => {
  const nb = await withModule('Rec.sum(Enum.to_list(1..100_000))');
  await nb.runCell(1);
  assert.equal(await nb.cell(1).getAttribute('data-state'), 'done');
  assert.equal(await nb.inspect(1), '5000050000');
});

test('body recursion ten million deep ends in the clear error; the page stays usable', async () => {
  const nb = await withModule('Rec.deep(10_000_000)');
  await nb.runCell(1);
  assert.equal(await nb.cell(1).getAttribute('data-state'), 'failed');
  assert.match(await nb.cell(1).getByTestId('cell-error').innerText(), /call depth exceeded \d+ \(infinite recursion\?\)/);
  await nb.setCell(1, 'Rec.deep(1_000)');
  await nb.runCell(1);
  assert.equal(await nb.inspect(1), '1000');
});

test(':timer.tc in a cell measures a positive time', async () => {
  const nb = await withModule('{t, v} = :timer.tc(fn -> Rec.loop(200_000, 0) end)\n{t > 0, v}');
  await nb.runCell(1);
  assert.equal(await nb.inspect(1), '{true, 200000}');
});

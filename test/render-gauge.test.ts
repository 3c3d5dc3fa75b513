// The B/F gauge: a fixed log scale 1e-4 … 10 shared by both lanes, the ridge mark, the sparkline.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gaugeCells, gaugeColumn, scaleFraction, sparkline } from '../src/render/gauge.js';
import { SPARK } from '../src/render/glyphs.js';
import { boundBy } from '../src/render/projection.js';

test('scale ends and decades', () => {
  assert.equal(scaleFraction(1e-4), 0);
  assert.equal(scaleFraction(10), 1);
  assert.ok(Math.abs(scaleFraction(1e-2) - 0.4) < 1e-12); // 2 of 5 decades
  assert.equal(scaleFraction(1e-9), 0);
  assert.equal(scaleFraction(1e9), 1);
  assert.equal(scaleFraction(0), 0);
});

test('H200 fp8 ridge (4.8e12 / 1979e12 ≈ 0.0024 B/F) sits at 27.6 % of the track', () => {
  const ridge = 4.8e12 / 1979e12;
  assert.ok(Math.abs(scaleFraction(ridge) - (Math.log10(ridge) + 4) / 5) < 1e-12);
  assert.equal(gaugeColumn(ridge, 51), Math.round(0.2765 * 50));
});

test('an AR token (0.5 B/F) is right of the ridge, a 1024-token pass (0.0005) left of it', () => {
  const ridge = 0.0024;
  const ar = gaugeCells(0.5, null, ridge, 41);
  const diff = gaugeCells(0.0005, null, ridge, 41);
  const at = (cells: ReturnType<typeof gaugeCells>, kind: string) => cells.findIndex((c) => c.kind === kind);
  assert.ok(at(ar, 'needle') > at(ar, 'ridge'));
  assert.ok(at(diff, 'needle') < at(diff, 'ridge'));
  assert.equal(boundBy(0.5, ridge), 'memory-bound');
  assert.equal(boundBy(0.0005, ridge), 'compute-bound');
  assert.equal(ar.length, 41);
  assert.equal(ar[0]!.ch, '├');
  assert.equal(ar[40]!.ch, '┤');
});

test('the needle wins a cell shared with the local mark and the ridge', () => {
  const cells = gaugeCells(0.0024, 0.0024, 0.0024, 21);
  assert.equal(cells.filter((c) => c.kind !== 'track').length, 1);
  assert.equal(cells.find((c) => c.kind !== 'track')!.kind, 'needle');
});

test('sparkline: last `width` values, ▁ at the bottom decade, █ at the top', () => {
  assert.equal(sparkline([1e-4, 10], 2), `${SPARK[0]}${SPARK[7]}`);
  assert.equal(sparkline([1, 1, 1, 1e-4], 2), `${SPARK[6]}${SPARK[0]}`);
  assert.equal(sparkline([1, 2], 0), '');
});

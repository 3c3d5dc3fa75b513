// The B/F gauge: a fixed log scale 1e-4 … 10 shared by both lanes, the ridge mark, the sparkline.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gaugeCells, gaugeColumn, scaleFraction, sparkline } from '../src/render/gauge.js';
import { SPARK } from '../src/render/glyphs.js';
import { attainedRidge, boundOf, passTime, type Roofline } from '../src/engine/price/roofline.js';

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
  const roof = { bandwidth: ridge * 1e15, peakFlops: 1e15 } as Roofline;
  assert.equal(boundOf(0.5, roof, { compute: 1, memory: 1 }), 'memory');
  assert.equal(boundOf(0.0005, roof, { compute: 1, memory: 1 }), 'compute');
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

test('boundOf: one definition, at the efficiencies; the same verdict as the roofline time of the pass', () => {
  const roof = { bandwidth: 4.8e12, peakFlops: 1979e12 } as Roofline;
  const eff = { compute: 0.7, memory: 0.75 };
  const r = attainedRidge(roof, eff);
  assert.ok(Math.abs(r - (0.75 * 4.8e12) / (0.7 * 1979e12)) < 1e-18);
  // between the raw ridge (0.00243) and the attained one (0.00260): compute-bound once efficiencies count
  const bpf = 0.0025;
  assert.ok(bpf > 4.8e12 / 1979e12 && bpf < r);
  assert.equal(boundOf(bpf, roof, eff), 'compute');
  const cost = {
    bytes: { weights: bpf * 1e12, kvRead: 0, kvWrite: 0, total: bpf * 1e12 },
    flops: { linears: 1e12, attention: 0, lmHead: 0, total: 1e12 },
    bytesPerFlop: bpf,
  };
  const t = passTime(cost, roof, eff);
  assert.equal(t.bound, 'compute');
  assert.ok(t.computeSeconds > t.memorySeconds);
  assert.equal(boundOf(r * 1.01, roof, eff), 'memory');
});

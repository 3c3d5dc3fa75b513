// --explain's caption (render/explain.ts): a pass's bound said against the ridge that bound was judged by (at the
// efficiencies), with enough digits that a pass beside the ridge does not read as equal to it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { projectShape, selectTarget } from '../src/engine/price/project.js';
import { computeBoundFrom } from '../src/engine/price/ridge-rows.js';
import { explainPass } from '../src/render/explain.js';
import { formatBytesPerFlop } from '../src/render/format.js';
import { targetAttainedRidge, targetRidge } from '../src/render/projection.js';
import { fakeRun } from './helpers/fake-run.js';

async function firstPass(lane: 'ar' | 'diffusion') {
  const run = fakeRun({ length: 16, steps: 4 });
  for await (const e of run.stream(lane)) return e;
  throw new Error('no pass');
}

const CAPTION = /(memory|compute)-bound on H200 SXM \((\S+) B\/F, (above|below) the (\S+) ridge at η\)$/;

test('a pass just past the ridge: its B/F and the attained ridge, to digits at which they differ', async () => {
  const t = await selectTarget({});
  const rows = computeBoundFrom(t)!;
  const ridge = targetAttainedRidge(t);
  for (const [q, bound, side] of [
    [rows, 'compute', 'below'],
    [rows - 1, 'memory', 'above'],
  ] as const) {
    const shape = { q, k: 0, logits: q, kvWrite: 0, attention: 'bidirectional' as const };
    const p = projectShape(shape, t);
    const e = { ...(await firstPass('diffusion')), shape };
    const m = CAPTION.exec(explainPass('diffusion', e, p, t));
    assert.ok(m, explainPass('diffusion', e, p, t));
    assert.equal(m[1], bound);
    assert.equal(m[3], side);
    // within a hair of the ridge, yet the two figures differ and compare the way the words say
    assert.ok(Math.abs(p.cost.bytesPerFlop / ridge - 1) < 0.01);
    assert.notEqual(m[2], m[4]);
    assert.equal(Number(m[2]) < Number(m[4]), side === 'below', `${m[2]} ${side} ${m[4]}`);
    assert.ok(Math.abs(Number(m[4]) / ridge - 1) < 0.01, 'the ridge at η, not the datasheet one');
    assert.ok(Math.abs(Number(m[4]) / targetRidge(t) - 1) > 0.05);
  }
});

test('an AR pass: memory-bound, above the attained ridge (0.00260 for H200 fp8 at 70 % / 75 %)', async () => {
  const t = await selectTarget({});
  const e = await firstPass('ar');
  const p = projectShape(e.shape, t);
  const m = CAPTION.exec(explainPass('AR', e, p, t))!;
  assert.deepEqual([m[1], m[3], m[4]], ['memory', 'above', formatBytesPerFlop(targetAttainedRidge(t), 3)]);
  assert.equal(m[4], '0.00260');
  // no target: this machine's B/F, no ridge
  assert.match(explainPass('AR', e, null, null), /: \S+ bytes per FLOP here$/);
});

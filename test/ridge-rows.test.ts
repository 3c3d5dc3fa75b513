// Where a pass turns compute-bound (src/engine/price/ridge-rows.ts), and the line that says so near it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { selectTarget } from '../src/engine/price/project.js';
import { projectShape } from '../src/engine/price/projection.js';
import { computeBoundFrom, nearRidge } from '../src/engine/price/ridge-rows.js';
import { ridgeNote } from '../src/render/projection.js';

const canvas = (n: number) => ({ q: n, k: 0, logits: n, kvWrite: 0, attention: 'bidirectional' as const });

test('the fewest compute-bound positions: near the closed form η_c·peak·b_w / (2·η_m·bandwidth) for a dense model', async () => {
  for (const hardware of ['h200', 'h100', 'b200']) {
    const t = await selectTarget({ hardware });
    const from = computeBoundFrom(t)!;
    const closed =
      (t.eff.compute * t.roofline.peakFlops * t.precision.weightBytes) / (2 * t.eff.memory * t.roofline.bandwidth);
    // attention and the LM head add FLOPs, so the priced pass crosses a little before the weights-only estimate
    assert.ok(from <= Math.ceil(closed) && from >= closed * 0.95, `${hardware}: ${from} vs ${closed}`);
    // the line itself: compute-bound at it, memory-bound one position before
    assert.equal(projectShape(canvas(from), t).bound, 'compute');
    assert.equal(projectShape(canvas(from - 1), t).bound, 'memory');
  }
});

test('near the line (×1.5) one line says why; far from it nothing', async () => {
  const h100 = await selectTarget({ hardware: 'h100' });
  const from = computeBoundFrom(h100)!;
  assert.equal(ridgeNote(260, h100), `260 positions per pass; H100 SXM fp8 is compute-bound from ${from}`);
  assert.equal(ridgeNote(20, h100), '');
  assert.equal(ridgeNote(5000, h100), '');
  assert.ok(nearRidge(100, 150) && nearRidge(225, 150) && !nearRidge(99, 150) && !nearRidge(226, 150));
  assert.equal(nearRidge(100, null), false);
});

// The headline: the winner on the target and its factor over each other lane, from the verdict's finish times.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { headline, speedup } from '../src/engine/price/headline.js';
import { verdict } from '../src/engine/price/verdict.js';
import { formatFactor, headlineText, loopNote } from '../src/render/headline-text.js';

const pass = (s: number) => ({ seconds: s, computeSeconds: s, memorySeconds: s / 2 });

test('the winner is the lane that finishes first; factors are the other lanes’ times over its own', () => {
  // AR 256 passes of 19.3 ms = 4.94 s; speculative 1.98 s; diffusion 32 passes of 26.6 ms = 0.85 s
  const v = verdict(
    [
      { id: 'ar', label: 'AR', passes: Array(256).fill(pass(0.0193)), tokens: 256, done: true, passesVary: false },
      {
        id: 'diffusion',
        label: 'diffusion',
        passes: Array(32).fill(pass(0.85 / 32)),
        tokens: 256,
        done: true,
        passesVary: true,
      },
      {
        id: 'speculative',
        label: 'speculative AR',
        passes: Array(99).fill(pass(0.02)),
        tokens: 256,
        done: true,
        passesVary: false,
      },
    ],
    256,
  );
  const h = headline(v)!;
  assert.equal(h.winner, 'diffusion');
  assert.deepEqual(
    h.factors.map((f) => f.against),
    ['speculative', 'ar'],
  );
  assert.ok(Math.abs(h.factors[1]!.factor - (256 * 0.0193) / 0.85) < 1e-9);
  const label = (id: string) => ({ ar: 'AR', diffusion: 'diffusion', speculative: 'speculative AR' })[id]!;
  assert.equal(
    headlineText(h, label),
    `diffusion 2.3× faster than speculative AR, 5.8× faster than AR · diffusion breaks even at ${v.breakEven[0]!.passes} passes vs AR, ${v.breakEven[1]!.passes} vs speculative AR`,
  );
});

test('AR wins when diffusion takes too many passes; extrapolated factors say ≈', () => {
  const v = verdict(
    [
      { id: 'ar', label: 'AR', passes: Array(10).fill(pass(0.02)), tokens: 10, done: false, passesVary: false },
      {
        id: 'diffusion',
        label: 'diffusion',
        passes: Array(10).fill(pass(0.028)),
        tokens: 10,
        done: false,
        passesVary: true,
      },
    ],
    100,
  );
  const h = headline(v)!;
  assert.equal(h.winner, 'ar');
  assert.equal(
    headlineText(h, (id) => id),
    'ar ≈1.4× faster than diffusion · diffusion breaks even at 71 passes vs ar',
  );
  assert.equal(headline(verdict([], 10)), null);
  assert.equal(speedup(2, 0), Infinity);
  assert.deepEqual([1.44, 12.3, Infinity].map(formatFactor), ['1.4×', '12×', '∞×']);
});

test('loopNote: said only when the winner’s judged text loops; “every text” only when every judged lane loops', () => {
  assert.equal(loopNote('block', { ar: 'plausible', block: 'plausible' }), '');
  assert.equal(loopNote('block', { ar: 'loops', block: undefined }), '', 'the winner not judged yet');
  assert.match(loopNote('block', { ar: 'plausible', block: 'loops' }), /^⚠ the winner’s text loops/);
  assert.match(loopNote('block', { ar: 'loops', speculative: 'loops', block: 'loops' }), /^⚠ every text loops/);
  assert.match(loopNote('block', { ar: 'loops', speculative: undefined, block: 'loops' }), /^⚠ every text loops/);
});

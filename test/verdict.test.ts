// The verdict (src/engine/price/verdict.ts): each number against a figure worked out independently.
import { passesWord } from '../src/render/verdict-text.js';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  arSchedule,
  diffusionPass,
  priceGeneration,
  projectSchedule,
  projectShape,
  selectTarget,
} from '../src/engine/price/project.js';
import { bindingBound, finishSeconds, meanPassSeconds, totalSeconds, verdict } from '../src/engine/price/verdict.js';
import { breakEvenPasses, wholeBreakEvenPasses } from '../src/engine/price/break-even.js';

const pass = (memorySeconds: number, computeSeconds: number) => ({
  memorySeconds,
  computeSeconds,
  seconds: Math.max(memorySeconds, computeSeconds),
});

test('one function per number, each against hand arithmetic', () => {
  const ar = [pass(0.02, 0.001), pass(0.02, 0.001), pass(0.02, 0.001), pass(0.02, 0.001)];
  assert.equal(totalSeconds(ar), 0.08);
  assert.equal(bindingBound(ar), 'memory');
  assert.equal(bindingBound([pass(0.01, 0.03)]), 'compute');
  // 4 of 16 tokens in 0.08 s: 0.32 s for all 16
  assert.equal(finishSeconds(0.08, 4, 16, false), 0.32);
  assert.equal(finishSeconds(0.08, 4, 16, true), 0.08);
  assert.equal(meanPassSeconds(0.09, 3), 0.03);
  // 0.32 s / 0.03 s = 10.67: ten passes fit, the eleventh does not
  assert.equal(wholeBreakEvenPasses(0.32, 0.03), 10);
  assert.equal(wholeBreakEvenPasses(0.3, 0.03), 10, 'exactly ten passes still finish in time');
  assert.equal(wholeBreakEvenPasses(0.3, 0), 0, 'no pass yet: no break-even');
});

test("one break-even: calc's (fractional, against faster decoders) and the verdict's (whole passes) are one quotient", async () => {
  // 20 s of AR over 0.1 s passes: 200 passes; against 3× speculative AR 66.7; with a further 3× margin 22.2
  assert.equal(breakEvenPasses(20, 0.1), 200);
  assert.ok(Math.abs(breakEvenPasses(20, 0.1, 3) - 200 / 3) < 1e-12);
  assert.ok(Math.abs(breakEvenPasses(20, 0.1, 3, 3) - 200 / 9) < 1e-12);
  assert.equal(wholeBreakEvenPasses(20, 0.1), Math.floor(breakEvenPasses(20, 0.1)));
  // calc's figures are this function's: the worked example's break-even from its own AR time and pass time
  const t = await selectTarget();
  const p = priceGeneration(t, { tokens: 1024, prompt: 0, arTokensPerSecond: 51, speculative: 3, margin: 3 });
  assert.equal(p.breakEven.ar, breakEvenPasses(p.ar.seconds, p.diffusion.pass.seconds));
  assert.equal(p.breakEven.margin.passes, breakEvenPasses(p.ar.seconds, p.diffusion.pass.seconds, 3, 3));
});

test('the verdict of a run in progress: extrapolated finish, bound, break-even of the lane whose passes vary', () => {
  const v = verdict(
    [
      {
        id: 'ar',
        label: 'AR',
        passes: [pass(0.02, 0.001), pass(0.02, 0.001)],
        tokens: 2,
        done: false,
        passesVary: false,
      },
      { id: 'diffusion', label: 'diffusion', passes: [pass(0.01, 0.03)], tokens: 4, done: false, passesVary: true },
      { id: 'idle', label: 'idle', passes: [], tokens: 0, done: false, passesVary: false },
    ],
    16,
  );
  assert.deepEqual(
    v.lanes.map((l) => [l.id, l.bound, +l.finish.toFixed(6)]),
    [
      ['ar', 'memory', 0.32],
      ['diffusion', 'compute', 0.12],
    ],
  );
  assert.deepEqual(v.breakEven, [{ lane: 'diffusion', against: 'ar', passes: 10 }]);
  assert.equal(v.fastest, 'diffusion');
});

test('break-even on the worked example at the roofline is the README figure: 189 passes rounded, 188 whole ones (Llama 3.3 70B, H200, 1024 tokens)', async () => {
  const t = await selectTarget();
  const ar = projectSchedule(arSchedule(0, 1024), t).passes;
  const diff = [projectShape(diffusionPass(0, 1024), t)];
  const v = verdict(
    [
      { id: 'ar', label: 'AR', passes: ar, tokens: 1024, done: true, passesVary: false },
      { id: 'diffusion', label: 'diffusion', passes: diff, tokens: 8, done: false, passesVary: true },
    ],
    1024,
  );
  // 19.79 s of AR / 0.1047 s per 1024-token pass = 188.99: 188 whole passes finish in time
  assert.equal(v.breakEven[0]!.passes, 188);
  assert.equal(v.lanes[0]!.bound, 'memory');
  assert.equal(v.lanes[1]!.bound, 'compute');
  // and calc, which prices the same generation by its own route, agrees
  const calc = priceGeneration(t, { tokens: 1024, prompt: 0, speculative: 1, margin: 1, arRoofline: true });
  assert.equal(Math.round(calc.breakEven.ar), 189);
  assert.equal(Math.floor(calc.breakEven.ar), v.breakEven[0]!.passes);
});

test('one pass is "1 pass", never "1 passes"', () => {
  assert.equal(passesWord(1), '1 pass');
  assert.equal(passesWord(186), '186 passes');
});

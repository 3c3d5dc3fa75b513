// The local overhead terms (src/engine/price/overhead.ts): the kernel count against tf.profile's own count of a real forward
// pass, each term's formula against the numbers worked by hand, which passes pay which term, and calibrate's fit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/engine/model/backend.js';
import { measurePassOverhead } from '../src/commands/calibrate.js';
import type { PassShape } from '../src/engine/decode/events.js';
import { findHardware, hardwareFromProfile, type LocalProfile } from '../src/engine/price/hardware.js';
import { projectLanePass } from '../src/engine/lanes.js';
import { GPT, modelShape, type GPTConfig } from '../src/engine/model/model.js';
import {
  choiceSeconds,
  fitLine,
  forwardKernels,
  kernelSeconds,
  overheadSeconds,
  rowSeconds,
  type LocalOverhead,
} from '../src/engine/price/overhead.js';
import type { ProjectionTarget } from '../src/engine/price/project.js';
import { passTime, rooflineFor } from '../src/engine/price/roofline.js';
import { LOCAL_PRECISION } from '../src/engine/run.js';

await initBackend('wasm');

const cfg = (layers: number, heads: number): GPTConfig => ({
  vocab: 320,
  context: 128,
  d: 32,
  layers,
  heads,
  mlp: 128,
  maskId: 319,
  positions: 'rope',
  ropeBase: 10000,
});

test('forwardKernels: the kernels tf.profile counts in a real forward pass, for every pass the decoders run', async () => {
  for (const [L, H] of [
    [2, 4],
    [4, 4],
    [3, 2],
    [1, 1],
  ]) {
    const m = GPT.init(cfg(L, H), 1);
    const shape = modelShape(m.config);
    const T = 10,
      B = 1;
    const ids = (b = B, t = T) =>
      tf.tensor2d(
        Array.from({ length: b }, () => Array.from({ length: t }, (_, i) => i + 3)),
        [b, t],
        'int32',
      );
    const first = m.forward(ids(), { attention: 'bidirectional', keepKV: true });
    first.logits.dispose();
    const past = first.kv!;
    const later = Array.from({ length: T }, (_, i) => i + T);
    const cases: [string, Parameters<GPT['forward']>[1], PassShape, number?][] = [
      [
        'diffusion pass',
        { attention: 'bidirectional', logitRows: [2, 3, 4] },
        { q: T, k: 0, logits: 3, kvWrite: 0, attention: 'bidirectional' },
      ],
      [
        'cache refresh',
        { attention: 'bidirectional', keepKV: true, logitRows: [1] },
        { q: T, k: 0, logits: 1, kvWrite: T, attention: 'bidirectional' },
      ],
      [
        'cached denoise',
        { attention: 'bidirectional', past, positions: later, logitRows: [0, 1] },
        { q: T, k: T, logits: 2, kvWrite: 0, attention: 'bidirectional' },
      ],
      [
        'AR prefill',
        { attention: 'causal', keepKV: true, logitRows: [T - 1] },
        { q: T, k: 0, logits: 1, kvWrite: T, attention: 'causal' },
      ],
      [
        'verify (causal, cached)',
        { attention: 'causal', past, positions: later, keepKV: true, logitRows: [0, 1, 2] },
        { q: T, k: T, logits: 3, kvWrite: T, attention: 'causal' },
      ],
      [
        'one-token tfjs step',
        { attention: 'causal', past, positions: [T], keepKV: true, logitRows: [0] },
        { q: 1, k: T, logits: 1, kvWrite: 1, attention: 'causal' },
      ],
      [
        'two sequences',
        { attention: 'bidirectional', logitRows: [0] },
        { q: T, k: 0, logits: 1, kvWrite: 0, attention: 'bidirectional' },
        2,
      ],
    ];
    for (const [name, o, pass, batch] of cases) {
      const q = pass.q,
        b = batch ?? 1;
      const run = () =>
        tf.tidy(() => {
          m.forward(ids(b, q), o).logits.dataSync();
        });
      run(); // the head's transpose is cached on the first pass, as in a run
      const prof = await tf.profile(run);
      assert.equal(forwardKernels(shape, { ...pass, batch: b }), prof.kernels.length, `L${L} H${H} ${name}`);
    }
    tf.dispose([...past.k, ...past.v]);
    m.dispose();
  }
});

const o: LocalOverhead = {
  secondsPerKernel: 10e-6,
  secondsPerRow: 20e-6,
  choiceSecondsPerPass: 0.3e-3,
  choiceSecondsPerLogit: 2e-9,
};
const shipped = modelShape({
  vocab: 2048,
  context: 512,
  d: 256,
  layers: 4,
  heads: 4,
  mlp: 1024,
  maskId: 2047,
  positions: 'rope',
  ropeBase: 10000,
});
const pass72: PassShape = { q: 72, k: 0, logits: 64, kvWrite: 0, attention: 'bidirectional' };

test('the terms, worked by hand on the shipped shape (L 4, H 4) and a 72-row pass with 64 logit rows', () => {
  // 16 + 4·(47 + 41) + 1 = 369 kernels (the count tf.profile gave for this pass when the term was written)
  assert.equal(forwardKernels(shipped, pass72), 369);
  assert.ok(Math.abs(kernelSeconds(shipped, pass72, o) - 3.69e-3) < 1e-12);
  assert.ok(Math.abs(rowSeconds(pass72, o) - 1.44e-3) < 1e-12);
  // 0.3 ms + 64 · 2048 · 2 ns = 0.562144 ms
  assert.ok(Math.abs(choiceSeconds(shipped, pass72, o) - 0.562144e-3) < 1e-12);
  assert.ok(
    Math.abs(overheadSeconds(shipped, pass72, o, { forward: true, choice: true }) - (3.69e-3 + 1.44e-3 + 0.562144e-3)) <
      1e-12,
  );
  assert.equal(overheadSeconds(shipped, pass72, o, {}), 0);
  assert.equal(overheadSeconds(shipped, pass72, undefined, { forward: true, choice: true }), 0);
});

test('fitLine recovers the line it was given, and the least-squares line through noisy points', () => {
  const f = fitLine(
    [16, 40, 72],
    [16, 40, 72].map((x) => 2e-3 + 5e-5 * x),
  );
  assert.ok(Math.abs(f.a - 2e-3) < 1e-12 && Math.abs(f.b - 5e-5) < 1e-12);
  const g = fitLine([0, 1, 2, 3], [1, 3, 2, 4]); // by hand: b = 0.8, a = 1.3
  assert.ok(Math.abs(g.b - 0.8) < 1e-12 && Math.abs(g.a - 1.3) < 1e-12);
});

const profile: LocalProfile = {
  version: 1,
  backend: 'wasm',
  host: 'x',
  measuredAt: '',
  matmul: { n: 1, reps: 1, seconds: 1, flopsPerSecond: 20e9 },
  memory: { elements: 1, reps: 1, seconds: 1, bytesPerSecond: 20e9 },
  overhead: { ...o, rows: [16, 40, 72], reps: 3 },
};

function localTarget(p: LocalProfile): ProjectionTarget {
  const model = { key: 'run', shape: shipped, decoder: 'diffusion' as const, tiedEmbeddings: true, source: 'test' };
  return {
    model,
    dtype: 'fp32',
    kvDtype: 'fp32',
    precision: LOCAL_PRECISION,
    roofline: rooflineFor(hardwareFromProfile(p, 'x'), 'fp32'),
    eff: { compute: 1, memory: 1 },
    overridden: false,
    batch: 1,
    draft: model,
  };
}

test('which passes pay which term on local: passes on the fast paths no forward term (every pass of the AR copy, the draft and the main model), diffusion the choice; a model the kernels cannot run pays the forward', () => {
  const t = localTarget(profile);
  const step: PassShape = { q: 1, k: 40, logits: 1, kvWrite: 1, attention: 'causal' };
  const prefill: PassShape = { q: 8, k: 0, logits: 1, kvWrite: 8, attention: 'causal' };
  const oneRow: PassShape = { q: 1, k: 0, logits: 1, kvWrite: 1, attention: 'causal' };
  const roof = (s: PassShape) =>
    passTime(projectLanePass('ar', { shape: s, kind: 'x' }, t).cost, t.roofline, t.eff).seconds;
  assert.equal(projectLanePass('ar', { shape: step, kind: 'decode' }, t).overheadSeconds, 0);
  assert.equal(projectLanePass('ar', { shape: prefill, kind: 'prefill' }, t).overheadSeconds, 0);
  assert.equal(projectLanePass('speculative', { shape: prefill, kind: 'prefill' }, t).overheadSeconds, 0);
  const block: PassShape = { q: 32, k: 40, logits: 32, kvWrite: 32, attention: 'causal' };
  // a block pass pays the token choice only (the fast pass's dispatch is inside its rate)
  const choiceOnly = (s: PassShape) => overheadSeconds(shipped, s, o, { forward: false, choice: true });
  assert.equal(projectLanePass('block', { shape: block, kind: 'denoise' }, t).overheadSeconds, choiceOnly(block));
  assert.equal(projectLanePass('diffusion', { shape: oneRow, kind: 'denoise' }, t).overheadSeconds, choiceOnly(oneRow));
  const d = projectLanePass('diffusion', { shape: pass72, kind: 'denoise' }, t);
  assert.ok(d.overheadSeconds > 0);
  assert.equal(d.overheadSeconds, choiceOnly(pass72));
  assert.equal(d.seconds, roof(pass72) + d.overheadSeconds);
  // head width 12: the one-token kernels run it (multiples of 4), the multi-row pass does not (of 8)
  const odd = { ...shipped, d: 36, heads: 3, kvHeads: 3, headDim: 12 };
  const on = (m: typeof shipped): ProjectionTarget => {
    const model = { ...t.model, shape: m };
    return { ...t, model, draft: model };
  };
  assert.equal(projectLanePass('ar', { shape: prefill, kind: 'prefill' }, on(odd)).overheadSeconds, 0);
  assert.equal(
    projectLanePass('diffusion', { shape: pass72, kind: 'denoise' }, on(odd)).overheadSeconds,
    overheadSeconds(odd, pass72, o, { forward: true, choice: true }),
  );
  // MLP width 6: neither runs it, every pass goes through tfjs
  const none = { ...shipped, mlp: 6 };
  assert.equal(
    projectLanePass('ar', { shape: step, kind: 'decode' }, on(none)).overheadSeconds,
    kernelSeconds(none, step, o) + rowSeconds(step, o),
  );
  assert.ok(projectLanePass('speculative', { shape: step, kind: 'draft' }, on(none)).overheadSeconds > 0);
  // a profile written before the terms, and every datasheet preset: the roofline alone
  const { overhead: _, ...old } = profile;
  assert.equal(projectLanePass('diffusion', { shape: pass72, kind: 'denoise' }, localTarget(old)).overheadSeconds, 0);
  assert.equal(rooflineFor(findHardware('h200'), 'fp8').overhead, undefined);
});

test('calibrate measures the terms on a pass shape: finite and not negative (no speed asserted)', () => {
  const r = measurePassOverhead({ d: 32, mlp: 128, vocab: 320, layers: 2, heads: 4, context: 128 }, [8, 16], 0.02);
  for (const k of ['secondsPerKernel', 'secondsPerRow', 'choiceSecondsPerPass', 'choiceSecondsPerLogit'] as const)
    assert.ok(Number.isFinite(r[k]) && r[k] >= 0, `${k} ${r[k]}`);
  assert.deepEqual(r.rows, [8, 16]);
  assert.ok(r.reps >= 3);
});

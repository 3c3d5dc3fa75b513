// The one-token fast path (src/engine/model/fast/) against the tfjs model: the SIMD kernels against plain loops, one step's
// logits against the forward pass, and whole autoregressive runs token for token against the tfjs step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/engine/model/backend.js';
import { DEFAULT_DECODE, type DecodeConfig } from '../src/engine/config.js';
import { autoregressive } from '../src/engine/decode/autoregressive.js';
import type { StepEvent } from '../src/engine/decode/events.js';
import { fastSession, packPanels, panelOffset } from '../src/engine/model/fast/decoder.js';
import { instantiateKernels, kernelBytes } from '../src/engine/model/fast/kernels.js';
import { GPT, type GPTConfig } from '../src/engine/model/model.js';
import { assembleKernels, WAT_PATH } from '../scripts/build-kernels.mjs';
import { DEFAULT_MODEL_DIR, FIXTURE_MODEL_DIR, openModel } from '../src/engine/run.js';
import { autoregressiveOnTfjs } from './helpers/comparison.js';

await initBackend('wasm');

test('kernels: vecmat and matvec equal plain loops, tails included', () => {
  const k = instantiateKernels();
  k.memory.grow(4);
  const f = new Float32Array(k.memory.buffer);
  for (let i = 0; i < f.length; i++) f[i] = Math.sin(i * 0.37) + 0.1;
  for (const [nIn, nOut, stride] of [
    [1, 4, 4],
    [37, 100, 104],
    [5, 36, 36],
    [64, 256, 300],
  ]) {
    const X = 0,
      W = 512,
      B = W + nIn * stride,
      Y = B + nOut + 8;
    f.fill(-7, Y, Y + nOut + 4); // the float after the result must stay untouched
    k.vecmat(X * 4, W * 4, B * 4, Y * 4, nIn, nOut, stride * 4);
    for (let j = 0; j < nOut; j++) {
      let s = f[B + j];
      for (let i = 0; i < nIn; i++) s += f[X + i] * f[W + i * stride + j];
      assert.ok(
        Math.abs(s - f[Y + j]) < 1e-4 * (1 + Math.abs(s)),
        `vecmat ${nIn}×${nOut} col ${j}: ${f[Y + j]} vs ${s}`,
      );
    }
    assert.equal(f[Y + nOut], -7);
  }
  for (const [rows, n, stride] of [
    [1, 4, 4],
    [13, 36, 40],
    [7, 64, 256],
  ]) {
    const A = 1000,
      Xv = 20000,
      O = 30000;
    f.fill(-7, O, O + rows + 1);
    k.matvec(A * 4, Xv * 4, O * 4, rows, n, stride * 4);
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += f[A + r * stride + i] * f[Xv + i];
      assert.ok(Math.abs(s - f[O + r]) < 1e-4 * (1 + Math.abs(s)), `matvec ${rows}×${n} row ${r}`);
    }
    assert.equal(f[O + rows], -7);
  }
});

test('panels: a few rows of x·W with W packed in panels equal plain loops over W unpacked, tails included', () => {
  const k = instantiateKernels();
  k.memory.grow(8);
  const f = new Float32Array(k.memory.buffer);
  for (const [nIn, nOut, rows] of [
    [2, 4, 1],
    [4, 36, 3], // one 32-wide panel and one 4-wide
    [38, 100, 2], // three 32-wide panels and one 4-wide
    [64, 256, 5],
    [96, 28, 1], // tail only
  ]) {
    const W = Float32Array.from({ length: nIn * nOut }, (_, i) => Math.sin(i * 0.37) + 0.1);
    const packed = packPanels(W, nIn, nOut);
    for (let i = 0; i < nIn; i++)
      for (let j = 0; j < nOut; j++) assert.equal(packed[panelOffset(i, j, nIn, nOut)], W[i * nOut + j]);
    const X = 0,
      Wp = 1024,
      B = Wp + nIn * nOut,
      Y = B + nOut;
    for (let i = 0; i < rows * nIn; i++) f[X + i] = Math.cos(i * 0.11);
    f.set(packed, Wp);
    for (let j = 0; j < nOut; j++) f[B + j] = j / 7;
    f.fill(-7, Y, Y + rows * nOut + 4); // the float after the result must stay untouched
    k.panels(X * 4, Wp * 4, B * 4, Y * 4, nIn, nOut, rows);
    for (let r = 0; r < rows; r++)
      for (let j = 0; j < nOut; j++) {
        let s = f[B + j];
        for (let i = 0; i < nIn; i++) s += f[X + r * nIn + i] * W[i * nOut + j];
        const got = f[Y + r * nOut + j];
        assert.ok(Math.abs(s - got) < 1e-4 * (1 + Math.abs(s)), `${nIn}×${nOut} row ${r} col ${j}: ${got} vs ${s}`);
      }
    assert.equal(f[Y + rows * nOut], -7);
  }
  // a transposed source packs as its transpose: wte [V, d] read as [d, V]
  const wte = Float32Array.from({ length: 40 * 8 }, (_, i) => i);
  const t = packPanels(wte, 8, 40, 1, 8);
  for (let i = 0; i < 8; i++) for (let j = 0; j < 40; j++) assert.equal(t[panelOffset(i, j, 8, 40)], wte[j * 8 + i]);
});

/** |got − e^x| in units in the last place of e^x (a float32's ulp at that magnitude). */
const ulps = (got: number, x: number) => Math.abs(got - Math.exp(x)) / 2 ** (Math.floor(Math.log2(Math.exp(x))) - 23);

test('exp: within 1.5 ulp of e^x over [−87.3, 88.3], the range it is not clamped in; clamped beyond', () => {
  const k = instantiateKernels();
  const N = 1 << 16;
  k.memory.grow(Math.ceil((N * 4) / 65536));
  const f = new Float32Array(k.memory.buffer);
  for (const [lo, hi] of [
    [-87.3, 88.3],
    [-1, 1],
    [-0.01, 0.01],
  ]) {
    for (let i = 0; i < N; i++) f[i] = lo + ((hi - lo) * i) / (N - 1);
    const x = f.slice(0, N);
    k.exp(0, N);
    let worst = 0;
    for (let i = 0; i < N; i++) worst = Math.max(worst, ulps(f[i], x[i]));
    assert.ok(worst <= 1.5, `[${lo}, ${hi}]: ${worst.toFixed(2)} ulp`);
  }
  f.set([-1000, -88, 89, 1000]);
  k.exp(0, 4);
  assert.ok(f[0] > 0 && f[0] < 2e-38 && f[1] === f[0], `below the range: ${f[0]}, ${f[1]}`);
  assert.ok(Number.isFinite(f[3]) && f[3] > 1e38 && f[2] === f[3], `above the range: ${f[2]}, ${f[3]}`);
  f.set([0, 1, -1, Math.log(2)]);
  k.exp(0, 4);
  assert.equal(f[0], 1);
});

test('softmax and GELU kernels equal plain loops in double precision (softmax: every length 1..41, tails included)', () => {
  const k = instantiateKernels();
  const f = new Float32Array(k.memory.buffer);
  for (let n = 1; n <= 41; n++) {
    const x = Float32Array.from({ length: n }, (_, i) => 6 * Math.sin(i * 1.7 + n) - (i === 3 ? 90 : 0));
    f.set(x, 16);
    f[16 + n] = -7;
    k.softmax(64, n);
    const m = Math.max(...x);
    const sum = x.reduce((s, v) => s + Math.exp(v - m), 0);
    for (let i = 0; i < n; i++) {
      const want = Math.exp(x[i] - m) / sum;
      assert.ok(Math.abs(f[16 + i] - want) < 1e-6 * (want + 1e-30) + 1e-37, `n ${n} i ${i}: ${f[16 + i]} vs ${want}`);
    }
    assert.equal(f[16 + n], -7, 'nothing written past n');
  }
  const c = Math.sqrt(2 / Math.PI);
  const x = Float32Array.from({ length: 400 }, (_, i) => (i - 200) / 20); // [−10, 10)
  x.set([-200, 200, 0, -0.5], 0);
  f.set(x, 100);
  k.gelu(400, 400);
  x.forEach((v, i) => {
    const want = 0.5 * v * (1 + Math.tanh(c * (v + 0.044715 * v ** 3)));
    assert.ok(Math.abs(f[100 + i] - want) < 2e-6 * (1 + Math.abs(want)), `GELU(${v}): ${f[100 + i]} vs ${want}`);
  });
});

test('the committed kernel bytes are kernels.wat as wabt assembles it, byte for byte (npm run build:kernels)', async () => {
  const want = await assembleKernels();
  assert.ok(want.length > 500, 'the .wat assembles to a module');
  assert.deepEqual(Buffer.from(kernelBytes()), Buffer.from(want));
  // and the check can fail: one changed constant is one changed byte
  const edited = await assembleKernels(readFileSync(WAT_PATH, 'utf8').replace('(i32.const -128)', '(i32.const -64)'));
  assert.notDeepEqual(Buffer.from(edited), Buffer.from(want));
});

const shipped: GPTConfig = {
  vocab: 2048,
  context: 512,
  d: 256,
  layers: 4,
  heads: 4,
  mlp: 1024,
  maskId: 2047,
  positions: 'rope',
  ropeBase: 10000,
};

test('a fast prompt pass, then fast steps: the same logits as the forward pass over the whole sequence', () => {
  const m = GPT.init(shipped, 3);
  const ids = [5, 17, 300, 2000, 9, 9, 1024, 77];
  const ref = tf.tidy(
    () => m.forward(tf.tensor2d([ids], [1, ids.length], 'int32'), { attention: 'causal' }).logits.arraySync()[0],
  );
  const P = 3;
  const s = fastSession(m, ids.length, P);
  const check = (got: Float32Array, i: number) => {
    let err = 0;
    for (let v = 0; v < shipped.vocab; v++) if (v !== shipped.maskId) err = Math.max(err, Math.abs(got[v] - ref[i][v]));
    assert.ok(err < 1e-4, `position ${i}: max |Δlogit| ${err}`);
    assert.ok(got[shipped.maskId] < -1e8, '[MASK] never predicted');
  };
  const pre = s.run(ids.slice(0, P));
  for (let i = 0; i < P; i++) check(pre.subarray(i * shipped.vocab, (i + 1) * shipped.vocab), i);
  for (let i = P; i < ids.length; i++) check(s.step(ids[i]), i);
  assert.throws(() => s.step(1), /cache full/);
  s.dispose();
  m.dispose();
});

test('a pass of a few tokens gives the logits of as many one-token steps, bit for bit; truncate rolls the cache back', () => {
  const m = GPT.init({ ...shipped, d: 64, layers: 2, mlp: 256, vocab: 322, maskId: 321 }, 4); // vocab not a multiple of 4
  const V = 322;
  const ids = [5, 17, 300, 2, 9, 9, 100, 77, 1, 3];
  const one = fastSession(m, ids.length);
  const steps = ids.map((t) => one.step(t).slice());
  const many = fastSession(m, ids.length, 4);
  many.run(ids.slice(0, 3), 1);
  const rows = many.run(ids.slice(3, 7)); // 4 rows of logits
  assert.equal(rows.length, 4 * V);
  for (let i = 0; i < 4; i++) assert.deepEqual(rows.slice(i * V, (i + 1) * V), steps[3 + i], `row ${i}`);
  // keep 5 of the 7 positions and run different tokens after them: as if the last two had never been run
  many.truncate(5);
  assert.equal(many.length, 5);
  const other = fastSession(m, ids.length);
  ids.slice(0, 5).forEach((t) => other.step(t));
  assert.deepEqual(many.run([40, 41], 1), other.run([40]) && other.step(41));
  assert.throws(() => many.truncate(8), /cannot cut 7/);
  assert.throws(() => many.run([1, 2, 3, 4, 5]), /1 to 4/);
  [one, many, other].forEach((s) => s.dispose());
  m.dispose();
});

const tokens = (ev: StepEvent[]) => ev.map((e) => e.positions[e.committed[0]].token);
async function collect(g: AsyncGenerator<StepEvent>): Promise<StepEvent[]> {
  const out: StepEvent[] = [];
  for await (const e of g) out.push(e);
  return out;
}

for (const [name, dir] of [
  ['fixture', FIXTURE_MODEL_DIR],
  ['shipped', DEFAULT_MODEL_DIR],
] as const) {
  test(
    `autoregressive on the ${name} model: the same tokens and step shapes with the fast step as with tfjs`,
    { skip: !existsSync(join(dir, 'model.json')) },
    async () => {
      const { ctx } = await openModel(dir, 'wasm');
      for (const over of [
        { temperature: 0, length: 64 },
        { temperature: 1, topK: 0, seed: 7, length: 48 },
        { temperature: 0.8, topK: 20, seed: 3, length: 32 },
      ]) {
        const cfg: DecodeConfig = { ...DEFAULT_DECODE, prompt: 'It is a truth universally acknowledged', ...over };
        const slow = await collect(autoregressiveOnTfjs(ctx, cfg)); // also caches the head's transpose
        const before = tf.memory().numTensors;
        const fast = await collect(autoregressive(ctx, cfg));
        assert.equal(tf.memory().numTensors, before, 'no tensors left behind');
        assert.deepEqual(tokens(fast), tokens(slow), JSON.stringify(over));
        assert.deepEqual(
          fast.map((e) => e.shape),
          slow.map((e) => e.shape),
        );
        assert.deepEqual(
          fast.map((e) => e.cost),
          slow.map((e) => e.cost),
        );
        fast.forEach((e, i) =>
          assert.ok(
            Math.abs(e.positions[e.committed[0]].confidence! - slow[i].positions[slow[i].committed[0]].confidence!) <
              1e-4,
          ),
        );
      }
      ctx.model.dispose();
    },
  );
}

test('stream kernel: the sum of the floats it read', () => {
  const k = instantiateKernels();
  const f = new Float32Array(k.memory.buffer);
  for (let i = 0; i < 1000; i++) f[i] = i % 7;
  let s = 0;
  for (let i = 0; i < 992; i++) s += i % 7; // 992 floats = 3968 bytes, the multiple of 64 below 4000
  assert.equal(k.stream(0, 4000), s);
});

test('calibrate one-token rates: the bytes of the shape, and local prices memory at the products rate', async () => {
  const { measureDecodeRates } = await import('../src/engine/model/fast/measure.js');
  const { hardwareFromProfile } = await import('../src/engine/price/hardware.js');
  const r = measureDecodeRates({ d: 32, mlp: 128, vocab: 320, layers: 2 }, 0.01);
  assert.equal(r.weightBytes, 4 * (2 * (32 * 96 + 32 * 32 + 32 * 128 + 128 * 32) + 32 * 320));
  assert.ok(r.matvecBytesPerSecond > 0 && r.streamBytesPerSecond > 0 && r.reps >= 5);
  const p = {
    version: 1 as const,
    backend: 'wasm',
    host: 'x',
    measuredAt: '',
    matmul: { n: 1, reps: 1, seconds: 1, flopsPerSecond: 1e9 },
    memory: { elements: 1, reps: 1, seconds: 1, bytesPerSecond: 1e9 },
  };
  assert.equal(hardwareFromProfile(p, 'x').bandwidth, 1e9);
  assert.equal(hardwareFromProfile({ ...p, decode: r }, 'x').bandwidth, r.matvecBytesPerSecond);
});

test('createRun warms each lane up: the first AR, diffusion and speculative runs make no new cached tensors', async () => {
  const { createRun } = await import('../src/engine/run.js');
  const r = await createRun(
    { ...DEFAULT_DECODE, prompt: 'It is a truth', length: 16, lanes: { diffusion: { steps: 8, block: 16 } } },
    { modelDir: FIXTURE_MODEL_DIR },
  );
  await r.ready; // the warm-up runs after createRun returns, so that a first frame need not wait for it
  const before = tf.memory().numTensors;
  await collect(r.stream('ar'));
  await collect(r.stream('diffusion'));
  await collect(r.stream('speculative'));
  assert.equal(tf.memory().numTensors, before);
  r.dispose();
});

test('a stream waits for the warm-up: its first pass comes after run.ready has settled', async () => {
  const { createRun } = await import('../src/engine/run.js');
  const r = await createRun(
    { ...DEFAULT_DECODE, prompt: 'It is a truth', length: 8, lanes: { diffusion: { steps: 4, block: 8 } } },
    { modelDir: FIXTURE_MODEL_DIR },
  );
  let warmed = false;
  void r.ready.then(() => (warmed = true));
  const first = await r.stream('diffusion').next();
  assert.equal(warmed, true);
  assert.equal(first.done, false);
  r.dispose();
});

test('a model whose MLP width is not a multiple of 4 (mlp 6) runs every lane to the end: its AR steps on tfjs', async () => {
  const { createRun } = await import('../src/engine/run.js');
  const { arStepFor } = await import('../src/engine/decode/cached-passes.js');
  const { saveModel } = await import('./helpers/save-model.js');
  const dir = mkdtempSync(join(tmpdir(), 'dlmw-mlp6-'));
  try {
    // the fixture's config and tokenizer, its draft as the draft; only the MLP width changes
    const json = JSON.parse(readFileSync(join(FIXTURE_MODEL_DIR, 'model.json'), 'utf8')) as {
      config: GPTConfig;
      tokenizer: string;
    };
    const config = { ...json.config, mlp: 6 };
    const m = GPT.init(config, 5);
    await saveModel(m, dir, json.tokenizer);
    m.dispose();
    cpSync(join(FIXTURE_MODEL_DIR, json.tokenizer), join(dir, json.tokenizer));
    cpSync(join(FIXTURE_MODEL_DIR, 'draft'), join(dir, 'draft'), { recursive: true });
    assert.equal(arStepFor(config), 'tfjs');
    assert.equal(arStepFor(json.config), 'fast');
    const r = await createRun(
      { ...DEFAULT_DECODE, prompt: 'It is a truth', length: 8, lanes: { diffusion: { steps: 4, block: 8 } } },
      { modelDir: dir },
    );
    assert.equal(r.info.model.shape.mlp, 6);
    for (const lane of r.info.lanes) {
      const ev = await collect(r.stream(lane.id));
      assert.ok(ev.length > 0 && ev.at(-1)!.done, `${lane.id} ran to the end`);
    }
    r.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a lane whose warm-up fails fails in its own stream only: the other lanes run', async () => {
  const { createRun } = await import('../src/engine/run.js');
  const { registerLane } = await import('../src/engine/lanes.js');
  const { THIRD_LANE } = await import('./helpers/third-lane.js');
  const unregister = registerLane({
    ...THIRD_LANE,
    id: 'broken',
    decode: () => {
      throw new Error('this lane cannot run');
    },
  });
  try {
    const r = await createRun(
      { ...DEFAULT_DECODE, prompt: 'It is a truth', length: 8, lanes: { diffusion: { steps: 4, block: 8 } } },
      { modelDir: FIXTURE_MODEL_DIR, lanes: ['broken', 'ar', 'diffusion'] },
    );
    await r.ready; // resolves: one lane's failure is not the run's
    await assert.rejects(collect(r.stream('broken')), /this lane cannot run/);
    for (const lane of ['ar', 'diffusion']) assert.ok((await collect(r.stream(lane))).at(-1)!.done, lane);
    r.dispose();
  } finally {
    unregister();
  }
});

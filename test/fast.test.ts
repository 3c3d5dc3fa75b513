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
import { fastSession } from '../src/engine/model/fast/decoder.js';
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

test('one fast step: the same logits as the forward pass over the whole sequence', () => {
  const m = GPT.init(shipped, 3);
  const ids = [5, 17, 300, 2000, 9, 9, 1024, 77];
  const ref = tf.tidy(
    () => m.forward(tf.tensor2d([ids], [1, ids.length], 'int32'), { attention: 'causal' }).logits.arraySync()[0],
  );
  const s = fastSession(m, ids.length);
  const P = 3;
  const pre = m.forward(tf.tensor2d([ids.slice(0, P)], [1, P], 'int32'), { attention: 'causal', keepKV: true });
  s.load(pre.kv!);
  pre.logits.dispose();
  pre.kv!.k.forEach((t) => t.dispose());
  pre.kv!.v.forEach((t) => t.dispose());
  for (let i = P; i < ids.length; i++) {
    const got = s.step(ids[i]);
    let err = 0;
    for (let v = 0; v < shipped.vocab; v++) if (v !== shipped.maskId) err = Math.max(err, Math.abs(got[v] - ref[i][v]));
    assert.ok(err < 1e-4, `position ${i}: max |Δlogit| ${err}`);
    assert.ok(got[shipped.maskId] < -1e8, '[MASK] never predicted');
  }
  assert.throws(() => s.step(1), /cache full/);
  s.dispose();
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
  const { arStepFor } = await import('../src/engine/decode/autoregressive.js');
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

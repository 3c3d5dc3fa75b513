// The tfjs model against PyTorch's: fixtures/tiny was trained and exported by src/train/train.py, which also wrote
// the logits of a fixed input (with [MASK] tokens in it) in both attention modes from the same fp16 weights
// (fixtures/tiny/reference.json). The reference model (src/engine/model/reference.ts) and the tfjs forward pass must
// reproduce them, the latter without and with the KV cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/engine/model/backend.js';
import type { KVCache } from '../src/engine/model/model.js';
import { FIXTURE_MODEL_DIR } from '../src/engine/run.js';
import { loadModel } from '../src/engine/model/weights.js';
import * as reference from '../src/engine/model/reference.js';

await initBackend();
const ref = JSON.parse(readFileSync(join(FIXTURE_MODEL_DIR, 'reference.json'), 'utf8')) as {
  ids: number[];
  causal: number[][];
  bidirectional: number[][];
};
const { model } = loadModel(FIXTURE_MODEL_DIR);
const T = ref.ids.length;
const TOL = 2e-4; // fp32 in both; only the order of additions differs

function maxDiff(got: number[][], want: number[][]): number {
  let d = 0;
  got.forEach((row, i) => row.forEach((x, j) => (d = Math.max(d, Math.abs(x - want[i][j])))));
  return d;
}
const rows = (t: tf.Tensor3D): number[][] => (t.arraySync() as number[][][])[0];

test('the fixture was exported by the PyTorch trainer with rotary positions', () => {
  assert.equal(model.config.positions, 'rope');
  assert.ok(ref.ids.includes(model.config.maskId), 'the reference input holds [MASK] tokens');
});

for (const att of ['causal', 'bidirectional'] as const)
  test(`${att} logits of the reference model (reference.ts) equal PyTorch's`, () => {
    const got = tf.tidy(
      () => reference.forward(model.config, (name) => model.p(name), [ref.ids], att).arraySync() as number[][],
    );
    const d = maxDiff(got, ref[att]);
    assert.ok(d < TOL, `max |Δ| ${d.toExponential(2)}`);
  });

for (const att of ['causal', 'bidirectional'] as const)
  test(`${att} logits equal PyTorch's (full pass)`, () => {
    const got = tf.tidy(() =>
      rows(model.forward(tf.tensor2d([ref.ids], undefined, 'int32'), { attention: att }).logits),
    );
    const d = maxDiff(got, ref[att]);
    assert.ok(d < TOL, `max |Δ| ${d.toExponential(2)}`);
  });

test("causal, KV cache: a prefix pass then one token at a time gives PyTorch's logits", () => {
  let cache: KVCache | undefined;
  const got: number[][] = [];
  const feed = (ids: number[], from: number) => {
    const out = tf.tidy(() => {
      const o = model.forward(tf.tensor2d([ids], undefined, 'int32'), {
        attention: 'causal',
        positions: ids.map((_, i) => from + i),
        past: cache,
        keepKV: true,
      });
      return { logits: o.logits, k: o.kv!.k, v: o.kv!.v, positions: o.kv!.positions };
    });
    if (cache) tf.dispose([...cache.k, ...cache.v]);
    cache = { k: out.k, v: out.v, positions: out.positions };
    got.push(...rows(out.logits));
    out.logits.dispose();
  };
  feed(ref.ids.slice(0, 9), 0);
  for (let i = 9; i < T; i++) feed([ref.ids[i]], i);
  tf.dispose([...cache!.k, ...cache!.v]);
  const d = maxDiff(got, ref.causal);
  assert.ok(d < TOL, `max |Δ| ${d.toExponential(2)}`);
});

test("bidirectional, KV cache: the suffix recomputed against the cached keys/values of the rest gives PyTorch's logits", () => {
  // Fast-dLLM's prefix cache is exact when the cached keys come from the same full pass
  const split = 10;
  const full = model.forward(tf.tensor2d([ref.ids], undefined, 'int32'), { attention: 'bidirectional', keepKV: true });
  const past: KVCache = {
    k: full.kv!.k.map((k) => tf.slice(k, [0, 0, 0], [1, split, -1]) as tf.Tensor3D),
    v: full.kv!.v.map((v) => tf.slice(v, [0, 0, 0], [1, split, -1]) as tf.Tensor3D),
    positions: full.kv!.positions.slice(0, split),
  };
  const suffix = ref.ids.slice(split);
  const got = tf.tidy(() =>
    rows(
      model.forward(tf.tensor2d([suffix], undefined, 'int32'), {
        attention: 'bidirectional',
        positions: suffix.map((_, i) => split + i),
        past,
      }).logits,
    ),
  );
  tf.dispose([full.logits, ...full.kv!.k, ...full.kv!.v, ...past.k, ...past.v]);
  const d = maxDiff(got, ref.bidirectional.slice(split));
  assert.ok(d < TOL, `max |Δ| ${d.toExponential(2)}`);
});

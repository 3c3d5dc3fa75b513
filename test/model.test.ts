// The model's forward pass on every backend here (cpu always, wasm, tensorflow when installed): each block and the
// whole GPT (rotary positions included) against the reference model (src/engine/model/reference.ts, plain tfjs
// ops, the oracle), attention masks, the KV cache (cached AR decoding gives the logits of full recomputation), the
// evaluation's losses against their definitions, and no lost writes (a tensor filled through a copy of its data would
// stay zero on tfjs-node).
// test/parity.test.ts checks the same model against PyTorch's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { BACKENDS, initBackend, type BackendName } from '../src/engine/model/backend.js';
import { GPT, attentionBias, type Attention, type GPTConfig, type KVCache } from '../src/engine/model/model.js';
import {
  attention,
  embed,
  gelu,
  layerNorm,
  linear,
  lmHead,
  rope,
  selfAttention,
  softmaxCrossEntropy,
} from '../src/engine/model/ops.js';
import { rng } from '../src/engine/decode/sample.js';
import { arLoss, diffusionLoss, drawMask } from '../src/train/objectives.js';
import * as ref from '../src/engine/model/reference.js';

/** The backends that start here, wasm (the default) last so later test files find it in place. */
const available: BackendName[] = [];
for (const b of [...BACKENDS].reverse())
  if (
    b !== 'wasm' &&
    (await initBackend(b).then(
      () => true,
      () => false,
    ))
  )
    available.push(b);
await initBackend('wasm');
available.push('wasm');

/** max |a − b| ≤ tol·max(1, max |b|) */
function assertClose(
  a: tf.Tensor | ArrayLike<number>,
  b: tf.Tensor | ArrayLike<number>,
  tol: number,
  what: string,
): void {
  const x = a instanceof tf.Tensor ? a.dataSync() : a,
    y = b instanceof tf.Tensor ? b.dataSync() : b;
  assert.equal(x.length, y.length, `${what}: sizes`);
  let diff = 0,
    scale = 1;
  for (let i = 0; i < x.length; i++) {
    diff = Math.max(diff, Math.abs(x[i] - y[i]));
    scale = Math.max(scale, Math.abs(y[i]));
  }
  assert.ok(diff <= tol * scale, `${what}: max |Δ| ${diff.toExponential(2)} > ${tol}·${scale.toFixed(2)}`);
}

const randn = (shape: number[], seed: number, std = 1): tf.Tensor => tf.randomNormal(shape, 0, std, 'float32', seed);

/** The reference model's forward pass (src/engine/model/reference.ts) on the weights of m: logits [B·T, V]. */
const refForward = (m: GPT, ids: number[][], att: Attention): tf.Tensor =>
  ref.forward(m.config, (name) => m.p(name), ids, att);

const small: GPTConfig = {
  vocab: 40,
  context: 32,
  d: 24,
  layers: 2,
  heads: 3,
  mlp: 48,
  maskId: 39,
  positions: 'rope',
  ropeBase: 10000,
};
function randomModel(c: GPTConfig, seed: number): GPT {
  const m = GPT.init(c, seed);
  // non-trivial norms and biases, so they are exercised too
  for (const [name, v] of m.params)
    if (v.rank === 1) v.assign(tf.tidy(() => tf.add(v, randn(v.shape, seed + name.length, 0.3))));
  return m;
}
const randomIds = (B: number, T: number, V: number, seed: number): number[][] => {
  const r = rng(seed);
  return Array.from({ length: B }, () => Array.from({ length: T }, () => Math.floor(r() * V)));
};

/** Run body once per available backend (wasm last, left in place). */
async function onEachBackend(body: (backend: BackendName) => void): Promise<void> {
  for (const b of available) {
    await initBackend(b);
    body(b);
  }
}

test(`backends under test: ${available.join(', ')}`, () =>
  assert.ok(available.includes('cpu') && available.includes('wasm')));

test('each block equals its plain-ops reference on every backend', async () => {
  await onEachBackend((be) =>
    tf.tidy(() => {
      const x = randn([6, 8], 1),
        w = randn([8, 5], 2),
        b = randn([5], 3),
        g = randn([8], 4),
        c = randn([8], 5);
      assertClose(linear(x as tf.Tensor2D, w as tf.Tensor2D, b), ref.linear(x, w, b), 1e-5, `${be} linear`);
      assertClose(layerNorm(x as tf.Tensor2D, g, c), ref.layerNorm(x, g, c), 1e-5, `${be} layerNorm`);
      assertClose(gelu(x as tf.Tensor2D), ref.gelu(x), 1e-5, `${be} gelu`);
      const table = randn([7, 8], 6) as tf.Tensor2D,
        ids = [3, 0, 6, 3];
      assertClose(embed(table, ids), ref.embed(table, ids), 0, `${be} embed`);
      const maskBias = tf.tensor1d([0, 0, 0, 0, 0, 0, -1e9]);
      assertClose(
        lmHead(x as tf.Tensor2D, table, maskBias),
        tf.add(tf.matMul(x as tf.Tensor2D, table, false, true), maskBias),
        1e-5,
        `${be} lmHead`,
      );
      const logits = randn([4, 7], 7) as tf.Tensor2D;
      assertClose(
        softmaxCrossEntropy(logits, [1, 6, 0, 2]),
        ref.crossEntropy(logits, [1, 6, 0, 2]),
        1e-5,
        `${be} cross-entropy`,
      );
      const pos = [0, 5, 2, 40, 7, 1];
      assertClose(rope(x as tf.Tensor2D, pos, 8, 4, 10000), ref.rope(x, pos, 2, 10000), 1e-5, `${be} rope`);
      // rope on the first 4 columns only leaves the rest as they are
      const part = rope(x as tf.Tensor2D, pos, 4, 4, 10000);
      assertClose(tf.slice(part, [0, 4], [-1, 4]), tf.slice(x, [0, 4], [-1, 4]), 0, `${be} rope leaves later columns`);
      for (const bias of [null, attentionBias('causal', [0, 1, 2], [0, 1, 2, 3])]) {
        const q = randn([6, 8], 8),
          k = randn([8, 8], 9),
          v = randn([8, 8], 10); // B = 2, T = 3, n = 4, 2 heads
        const bq = bias ? tf.slice(bias, [0, 0], [3, 4]) : null;
        assertClose(
          attention(q as tf.Tensor2D, k as tf.Tensor2D, v as tf.Tensor2D, 2, 2, bq as tf.Tensor2D | null),
          ref.attention(q, k, v, 2, 2, bq),
          1e-5,
          `${be} attention`,
        );
        const qkv = randn([6, 24], 11);
        const [sq, sk, sv] = tf.split(qkv, 3, 1);
        const sb = bias ? attentionBias('causal', [0, 1, 2], [0, 1, 2]) : null;
        assertClose(
          selfAttention(qkv as tf.Tensor2D, 2, 2, sb),
          ref.attention(sq, sk, sv, 2, 2, sb),
          1e-5,
          `${be} selfAttention`,
        );
      }
    }),
  );
});

test('no lost writes: every op output holds its values after later allocations, on every backend', async () => {
  await onEachBackend((be) =>
    tf.tidy(() => {
      const x = randn([4, 16], 12) as tf.Tensor2D;
      const y = rope(x, [1, 2, 3, 4], 16, 8, 10000);
      const a = attention(x, x, x, 1, 2, null);
      for (let i = 0; i < 20; i++) randn([64, 64], 100 + i); // grow the heap
      assert.ok(Math.max(...Array.from(y.dataSync(), Math.abs)) > 0.1, `${be}: rope output is zero`);
      assert.ok(Math.max(...Array.from(a.dataSync(), Math.abs)) > 0.01, `${be}: attention output is zero`);
    }),
  );
});

test('GPT forward equals the plain-ops model (all three masks) on every backend', async () => {
  await onEachBackend((be) => {
    const m = randomModel(small, 3);
    const ids = randomIds(2, 9, small.vocab - 1, 2);
    for (const att of ['causal', 'bidirectional', { causalBelow: 5 }] as const)
      tf.tidy(() => {
        const got = m.forward(tf.tensor2d(ids, undefined, 'int32'), { attention: att }).logits;
        assertClose(tf.reshape(got, [-1, small.vocab]), refForward(m, ids, att), 1e-4, `${be} ${JSON.stringify(att)}`);
      });
    m.dispose();
  });
});

test('causal attention ignores later tokens; bidirectional attention does not', () => {
  const m = randomModel(small, 4);
  const a = randomIds(1, 8, small.vocab - 1, 5)[0];
  const b = [...a.slice(0, 5), ...a.slice(5).map((t) => (t + 1) % (small.vocab - 1))]; // same first 5 tokens
  const logits = (ids: number[], att: Attention) =>
    tf.tidy(
      () => m.forward(tf.tensor2d([ids], undefined, 'int32'), { attention: att }).logits.dataSync() as Float32Array,
    );
  const first5 = (x: Float32Array) => x.subarray(0, 5 * small.vocab);
  assertClose(first5(logits(a, 'causal')), first5(logits(b, 'causal')), 1e-6, 'causal prefix');
  const da = first5(logits(a, 'bidirectional')),
    db = first5(logits(b, 'bidirectional'));
  assert.ok(
    da.some((x, i) => Math.abs(x - db[i]) > 1e-4),
    'bidirectional prefix should see later tokens',
  );
  // logitRows picks rows of the full pass, per sequence
  const two = [a, b];
  const full = tf.tidy(
    () =>
      m
        .forward(tf.tensor2d(two, undefined, 'int32'), { attention: 'bidirectional' })
        .logits.arraySync() as number[][][],
  );
  const some = tf.tidy(
    () =>
      m
        .forward(tf.tensor2d(two, undefined, 'int32'), { attention: 'bidirectional', logitRows: [6, 2] })
        .logits.arraySync() as number[][][],
  );
  for (let s = 0; s < 2; s++) {
    assertClose(Float32Array.from(some[s][0]), Float32Array.from(full[s][6]), 1e-5, 'logitRows 6');
    assertClose(Float32Array.from(some[s][1]), Float32Array.from(full[s][2]), 1e-5, 'logitRows 2');
  }
  m.dispose();
});

test('KV-cached autoregressive decoding gives the logits of full recomputation for 20 steps', () => {
  const m = randomModel(small, 6);
  const r = rng(7);
  const seq = randomIds(1, 4, small.vocab - 1, 8)[0];
  tf.tidy(() => m.forward(tf.tensor2d([seq], undefined, 'int32'), { attention: 'causal' }).logits); // the model caches wteᵀ once
  const numTensors = tf.memory().numTensors;
  let cache: KVCache | undefined;
  let next = [...seq];
  for (let step = 0; step < 20; step++) {
    const k = cache ? cache.positions.length : 0;
    const out = tf.tidy(() => {
      const o = m.forward(tf.tensor2d([next], undefined, 'int32'), {
        attention: 'causal',
        positions: next.map((_, i) => k + i),
        past: cache,
        keepKV: true,
        logitRows: [next.length - 1],
      });
      return { logits: o.logits, k: o.kv!.k, v: o.kv!.v, positions: o.kv!.positions };
    });
    if (cache) tf.dispose([...cache.k, ...cache.v]);
    cache = { k: out.k, v: out.v, positions: out.positions };
    assert.deepEqual(
      cache.positions,
      seq.map((_, i) => i),
    );
    assert.deepEqual(cache.k[0].shape, [1, seq.length, small.d]);
    const cached = out.logits.dataSync() as Float32Array;
    out.logits.dispose();
    const full = tf.tidy(
      () =>
        m.forward(tf.tensor2d([seq], undefined, 'int32'), { attention: 'causal' }).logits.dataSync() as Float32Array,
    );
    assertClose(cached, full.subarray((seq.length - 1) * small.vocab), 1e-4, `step ${step}`);
    const token = Math.floor(r() * (small.vocab - 1));
    seq.push(token);
    next = [token];
  }
  if (cache) tf.dispose([...cache.k, ...cache.v]);
  assert.equal(tf.memory().numTensors, numTensors, 'no tensors leak');
  m.dispose();
});

test('rotary positions: causal logits depend on relative, not absolute, position', () => {
  const m = randomModel(small, 21);
  const ids = randomIds(1, 6, small.vocab - 1, 22)[0];
  const at = (offset: number) =>
    tf.tidy(
      () =>
        m
          .forward(tf.tensor2d([ids], undefined, 'int32'), {
            attention: 'causal',
            positions: ids.map((_, i) => offset + i),
          })
          .logits.dataSync() as Float32Array,
    );
  assertClose(at(17), at(0), 1e-4, 'shifted by 17');
  m.dispose();
});

test('the evaluation losses equal their definitions on the full logits, nothing masked included', () => {
  const m = randomModel(small, 9);
  const B = 3,
    T = 10;
  const seq = randomIds(B, T + 1, small.vocab - 1, 10);
  const near = (a: number, b: number, what: string) =>
    assert.ok(Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
  // AR: mean CE of x[:, 1:] given x[:, :-1]
  near(
    tf.tidy(() => arLoss(m, tf.tensor2d(seq, undefined, 'int32'))),
    tf.tidy(
      () =>
        tf
          .mean(
            ref.crossEntropy(
              refForward(
                m,
                seq.map((r) => r.slice(0, T)),
                'causal',
              ),
              seq.flatMap((r) => r.slice(1)),
            ),
          )
          .dataSync()[0],
    ),
    'AR',
  );
  // diffusion: Σ CE·m/t / (B·(T−1)), masked positions fed [MASK]; token i is read from output row i−1 (as in AR)
  const x0 = seq.map((r) => r.slice(0, T));
  for (const att of ['bidirectional', 'causal'] as const)
    for (const draw of [
      drawMask(B, T, rng(11)),
      { t: Float32Array.from([0.5, 0.5, 0.5]), mask: new Uint8Array(B * T) },
    ]) {
      assert.ok(
        Array.from({ length: B }, (_, b) => draw.mask[b * T]).every((mk) => mk === 0),
        'token 0 stays visible',
      );
      const xt = x0.map((r, b) => r.map((x, i) => (draw.mask[b * T + i] ? small.maskId : x)));
      const want = tf.tidy(() => {
        const ce = ref
          .crossEntropy(
            refForward(m, xt, att),
            x0.flatMap((r) => [...r.slice(1), 0]),
          )
          .dataSync(); // row i−1 predicts token i
        let s = 0;
        for (let b = 0; b < B; b++)
          for (let i = 1; i < T; i++) s += (ce[b * T + i - 1] * draw.mask[b * T + i]) / draw.t[b];
        return s / (B * (T - 1));
      });
      near(
        tf.tidy(() => diffusionLoss(m, tf.tensor2d(x0, undefined, 'int32'), draw, att)),
        want,
        `diffusion ${att} (${draw.mask.reduce((a, b) => a + b, 0)} masked)`,
      );
    }
  m.dispose();
});

test('training text joins hard-wrapped lines and keeps paragraph breaks', async () => {
  const { unwrapLines } = await import('../src/train/data.js');
  assert.equal(
    unwrapLines('CHAPTER I\n\n\nEmma Woodhouse, handsome,\nclever, and rich.\n\nShe was\nthe youngest.\n'),
    'CHAPTER I\n\nEmma Woodhouse, handsome, clever, and rich.\n\nShe was the youngest.\n',
  );
});

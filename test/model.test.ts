// The model and its hand-written gradients: every custom-gradient block against tfjs autodiff of the plain ops,
// the whole GPT against a plain-ops reference (logits and every parameter's gradient), attention masks, and the
// KV cache (cached AR decoding gives the logits of full recomputation).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs'; // registers the autodiff kernels of the plain ops (tfjs-core's Node build leaves them out)
import { initBackend } from '../src/engine/backend.js';
import { GPT, attentionBias, type Attention, type GPTConfig, type KVCache } from '../src/engine/model.js';
import { attention, embed, gelu, layerNorm, linear, lmHead, selfAttention, softmaxCrossEntropy } from '../src/engine/ops.js';
import { rng } from '../src/engine/decode/sample.js';
import { arLoss, diffusionLoss, drawMask } from '../src/train/objectives.js';

await initBackend();

/** max |a − b| ≤ tol·max(1, max |b|) */
function assertClose(a: tf.Tensor | Float32Array, b: tf.Tensor | Float32Array, tol: number, what: string): void {
  const x = a instanceof tf.Tensor ? a.dataSync() : a, y = b instanceof tf.Tensor ? b.dataSync() : b;
  assert.equal(x.length, y.length, `${what}: sizes`);
  let diff = 0, scale = 1;
  for (let i = 0; i < x.length; i++) { diff = Math.max(diff, Math.abs(x[i] - y[i])); scale = Math.max(scale, Math.abs(y[i])); }
  assert.ok(diff <= tol * scale, `${what}: max |Δ| ${diff.toExponential(2)} > ${tol}·${scale.toFixed(2)}`);
}

const randn = (shape: number[], seed: number, std = 1): tf.Tensor => tf.randomNormal(shape, 0, std, 'float32', seed);

/** Value and gradients (for a random cotangent) of f and of ref at the same inputs agree within tol. */
function assertSameGrads(f: (...x: tf.Tensor[]) => tf.Tensor, ref: (...x: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], tol = 1e-4, what = ''): void {
  tf.tidy(() => {
    const yf = f(...inputs), yr = ref(...inputs);
    assertClose(yf, yr, 1e-5, `${what} value`);
    const dy = randn(yr.shape, 99);
    const gf = tf.grads((...x: tf.Tensor[]) => f(...x))(inputs, dy);
    const gr = tf.grads((...x: tf.Tensor[]) => ref(...x))(inputs, dy);
    gf.forEach((g, i) => assertClose(g, gr[i], tol, `${what} d/dinput${i}`));
  });
}

// ---- plain-op references (what the model computed before the custom gradients) ----

const refLayerNorm = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor => {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), g), b);
};
const refGelu = (x: tf.Tensor): tf.Tensor =>
  tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.mul(x, tf.square(x))))))));
const refLinear = (x: tf.Tensor, w: tf.Tensor, b?: tf.Tensor): tf.Tensor => (b ? tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b) : tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D));
/** rows of table at ids as oneHot·table (tf.gather's gradient needs a kernel wasm lacks) */
const refEmbed = (table: tf.Tensor, ids: number[]): tf.Tensor => tf.matMul(tf.oneHot(tf.tensor1d(ids, 'int32'), table.shape[0]) as tf.Tensor2D, table as tf.Tensor2D);
function refAttention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, B: number, H: number, bias: tf.Tensor | null): tf.Tensor {
  const T = q.shape[0]! / B, n = k.shape[0]! / B, hd = q.shape[1]! / H;
  const rows: tf.Tensor[] = [];
  for (let b = 0; b < B; b++) {
    const cols: tf.Tensor[] = [];
    for (let h = 0; h < H; h++) {
      const qh = tf.slice(q, [b * T, h * hd], [T, hd]), kh = tf.slice(k, [b * n, h * hd], [n, hd]), vh = tf.slice(v, [b * n, h * hd], [n, hd]);
      const s = tf.mul(tf.matMul(qh as tf.Tensor2D, kh as tf.Tensor2D, false, true), 1 / Math.sqrt(hd));
      cols.push(tf.matMul(tf.softmax(bias ? tf.add(s, bias) : s) as tf.Tensor2D, vh as tf.Tensor2D));
    }
    rows.push(tf.concat(cols, 1));
  }
  return tf.concat(rows, 0);
}
const refCrossEntropy = (logits: tf.Tensor, targets: number[]): tf.Tensor =>
  tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(tf.tensor1d(targets, 'int32'), logits.shape[1]!)), -1));

/** The GPT forward with plain ops only: logits [B·T, V]. */
function refForward(m: GPT, ids: number[][], att: Attention): tf.Tensor {
  const c = m.config, B = ids.length, T = ids[0].length;
  const pos = Array.from({ length: T }, (_, i) => i);
  const bias = att === 'causal' ? attentionBias('causal', pos, pos) : null;
  let x = tf.add(refEmbed(m.p('wte'), ids.flat()), refEmbed(m.p('wpe'), ids.flatMap(() => pos)));
  for (let l = 0; l < c.layers; l++) {
    const h = refLayerNorm(x, m.p(`h${l}.ln1.g`), m.p(`h${l}.ln1.b`));
    const [q, k, v] = tf.split(refLinear(h, m.p(`h${l}.attn.wqkv`), m.p(`h${l}.attn.bqkv`)), 3, 1);
    x = tf.add(x, refLinear(refAttention(q, k, v, B, c.heads, bias), m.p(`h${l}.attn.wo`), m.p(`h${l}.attn.bo`)));
    const h2 = refLayerNorm(x, m.p(`h${l}.ln2.g`), m.p(`h${l}.ln2.b`));
    x = tf.add(x, refLinear(refGelu(refLinear(h2, m.p(`h${l}.mlp.w1`), m.p(`h${l}.mlp.b1`))), m.p(`h${l}.mlp.w2`), m.p(`h${l}.mlp.b2`)));
  }
  const xf = refLayerNorm(x, m.p('lnf.g'), m.p('lnf.b'));
  const maskBias = tf.mul(tf.oneHot(tf.tensor1d([c.maskId], 'int32'), c.vocab).reshape([c.vocab]), -1e9);
  return tf.add(tf.matMul(xf as tf.Tensor2D, m.p<tf.Tensor2D>('wte'), false, true), maskBias);
}

const small: GPTConfig = { vocab: 40, context: 32, d: 24, layers: 2, heads: 3, mlp: 48, maskId: 39 };
function randomModel(c: GPTConfig, seed: number): GPT {
  const m = GPT.init(c, seed);
  // non-trivial norms and biases, so their gradients are exercised too
  for (const [name, v] of m.params) if (v.rank === 1) v.assign(tf.tidy(() => tf.add(v, randn(v.shape, seed + name.length, 0.3))));
  return m;
}
const randomIds = (B: number, T: number, V: number, seed: number): number[][] => {
  const r = rng(seed);
  return Array.from({ length: B }, () => Array.from({ length: T }, () => Math.floor(r() * V)));
};

// ---- each block against autodiff of its plain ops ----

test('linear, layerNorm and GELU gradients equal autodiff of the plain ops', () => {
  const x = randn([6, 5], 1), w = randn([5, 4], 2), b = randn([4], 3), g = randn([5], 4), c = randn([5], 5);
  assertSameGrads((x, w, b) => linear(x as tf.Tensor2D, w as tf.Tensor2D, b), refLinear, [x, w, b], 1e-4, 'linear+bias');
  assertSameGrads((x, w) => linear(x as tf.Tensor2D, w as tf.Tensor2D), (x, w) => refLinear(x, w), [x, w], 1e-4, 'linear');
  assertSameGrads((x, g, c) => layerNorm(x as tf.Tensor2D, g, c), refLayerNorm, [x, g, c], 1e-4, 'layerNorm');
  assertSameGrads((x) => gelu(x as tf.Tensor2D), refGelu, [tf.mul(x, 2)], 1e-4, 'gelu');
  tf.dispose([x, w, b, g, c]);
});

test('embedding, tied LM head and cross-entropy gradients equal autodiff of the plain ops', () => {
  const table = randn([7, 5], 6), x = randn([6, 5], 7), bias = tf.tensor1d([0, 0, 0, -1e9, 0, 0, 0]);
  const ids = [3, 1, 3, 0, 6, 1];
  assertSameGrads((t) => embed(t as tf.Tensor2D, ids), (t) => refEmbed(t, ids), [table], 1e-4, 'embed');
  assertSameGrads((x, t) => lmHead(x as tf.Tensor2D, t as tf.Tensor2D, bias), (x, t) => tf.add(tf.matMul(x as tf.Tensor2D, t as tf.Tensor2D, false, true), bias), [x, table], 1e-4, 'lmHead');
  const logits = tf.mul(randn([6, 7], 8), 3), targets = [0, 6, 2, 2, 5, 1];
  assertSameGrads((l) => softmaxCrossEntropy(l as tf.Tensor2D, targets), (l) => refCrossEntropy(l, targets), [logits], 1e-4, 'cross-entropy');
  tf.dispose([table, x, bias, logits]);
});

test('attention over (sequence, head) pairs: values and gradients equal autodiff of the plain ops, causal and bidirectional', () => {
  const B = 2, H = 2, T = 5, d = 8;
  const q = randn([B * T, d], 10), k = randn([B * T, d], 11), v = randn([B * T, d], 12);
  const pos = [0, 1, 2, 3, 4];
  for (const bias of [attentionBias('causal', pos, pos), null]) {
    assertSameGrads((q, k, v) => attention(q as tf.Tensor2D, k as tf.Tensor2D, v as tf.Tensor2D, B, H, bias), (q, k, v) => refAttention(q, k, v, B, H, bias), [q, k, v], 1e-4, bias ? 'causal' : 'bidirectional');
    const qkv = tf.concat([q, k, v], 1);
    assertSameGrads((x) => selfAttention(x as tf.Tensor2D, B, H, bias), (x) => { const [a, b, c] = tf.split(x, 3, 1); return refAttention(a, b, c, B, H, bias); }, [qkv], 1e-4, `self ${bias ? 'causal' : 'bidirectional'}`);
    qkv.dispose();
    bias?.dispose();
  }
  // keys longer than queries (a KV cache): T = 2 new queries at positions 3, 4 against n = 5 keys
  const kq = tf.slice(q, [0, 0], [4, d]), bias = attentionBias('causal', [3, 4], pos);
  assertSameGrads((q, k, v) => attention(q as tf.Tensor2D, k as tf.Tensor2D, v as tf.Tensor2D, B, H, bias), (q, k, v) => refAttention(q, k, v, B, H, bias), [kq, k, v], 1e-4, 'cached');
  tf.dispose([q, k, v, kq, bias]);
});

// ---- the whole model ----

test('GPT forward: logits and every parameter gradient equal the plain-ops model (both masks)', () => {
  const m = randomModel(small, 1);
  const ids = randomIds(2, 9, small.vocab - 1, 2);
  const vars = [...m.params.values()];
  for (const att of ['causal', 'bidirectional'] as const) {
    tf.tidy(() => {
      const w = randn([2 * 9, small.vocab], 3);
      const mask = tf.tensor1d(Array.from({ length: small.vocab }, (_, i) => (i === small.maskId ? 0 : 1))); // the −1e9 column has no gradient
      const loss = (logits: tf.Tensor) => tf.sum(tf.mul(tf.mul(logits, w), mask)) as tf.Scalar;
      const got = tf.variableGrads(() => loss(tf.reshape(m.forward(tf.tensor2d(ids, undefined, 'int32'), { attention: att }).logits, [18, small.vocab])), vars);
      const want = tf.variableGrads(() => loss(refForward(m, ids, att)), vars);
      assertClose(got.value, want.value, 1e-5, `${att} loss`);
      assertClose(m.forward(tf.tensor2d(ids, undefined, 'int32'), { attention: att }).logits, tf.tensor2d(refForward(m, ids, att).arraySync() as number[][]).reshape([2, 9, small.vocab]), 1e-5, `${att} logits`);
      for (const v of vars) assertClose(got.grads[v.name], want.grads[v.name], 1e-4, `${att} d/d${v.name}`);
    });
  }
  m.dispose();
});

test('causal attention ignores later tokens; bidirectional attention does not', () => {
  const m = randomModel(small, 4);
  const a = randomIds(1, 8, small.vocab - 1, 5)[0];
  const b = [...a.slice(0, 5), ...a.slice(5).map((t) => (t + 1) % (small.vocab - 1))]; // same first 5 tokens
  const logits = (ids: number[], att: Attention) => tf.tidy(() => m.forward(tf.tensor2d([ids], undefined, 'int32'), { attention: att }).logits.dataSync() as Float32Array);
  const first5 = (x: Float32Array) => x.subarray(0, 5 * small.vocab);
  assertClose(first5(logits(a, 'causal')), first5(logits(b, 'causal')), 1e-6, 'causal prefix');
  const da = first5(logits(a, 'bidirectional')), db = first5(logits(b, 'bidirectional'));
  assert.ok(da.some((x, i) => Math.abs(x - db[i]) > 1e-4), 'bidirectional prefix should see later tokens');
  // logitRows picks rows of the full pass, per sequence
  const two = [a, b];
  const full = tf.tidy(() => m.forward(tf.tensor2d(two, undefined, 'int32'), { attention: 'bidirectional' }).logits.arraySync() as number[][][]);
  const some = tf.tidy(() => m.forward(tf.tensor2d(two, undefined, 'int32'), { attention: 'bidirectional', logitRows: [6, 2] }).logits.arraySync() as number[][][]);
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
      const o = m.forward(tf.tensor2d([next], undefined, 'int32'), { attention: 'causal', positions: next.map((_, i) => k + i), past: cache, keepKV: true, logitRows: [next.length - 1] });
      return { logits: o.logits, k: o.kv!.k, v: o.kv!.v, positions: o.kv!.positions };
    });
    if (cache) tf.dispose([...cache.k, ...cache.v]);
    cache = { k: out.k, v: out.v, positions: out.positions };
    assert.deepEqual(cache.positions, seq.map((_, i) => i));
    assert.deepEqual(cache.k[0].shape, [1, seq.length, small.d]);
    const cached = out.logits.dataSync() as Float32Array;
    out.logits.dispose();
    const full = tf.tidy(() => m.forward(tf.tensor2d([seq], undefined, 'int32'), { attention: 'causal' }).logits.dataSync() as Float32Array);
    assertClose(cached, full.subarray((seq.length - 1) * small.vocab), 1e-4, `step ${step}`);
    const token = Math.floor(r() * (small.vocab - 1));
    seq.push(token);
    next = [token];
  }
  if (cache) tf.dispose([...cache.k, ...cache.v]);
  assert.equal(tf.memory().numTensors, numTensors, 'no tensors leak');
  m.dispose();
});

test('the training losses equal their definitions on the full logits (values and gradients), nothing masked included', () => {
  const m = randomModel(small, 9);
  const B = 3, T = 10, V = small.vocab;
  const seq = randomIds(B, T + 1, V - 1, 10);
  const vars = [...m.params.values()];
  const same = (got: () => tf.Scalar, want: () => tf.Scalar, what: string) => tf.tidy(() => {
    const a = tf.variableGrads(got, vars), b = tf.variableGrads(want, vars);
    assertClose(a.value, b.value, 1e-5, `${what} value`);
    for (const v of vars) assertClose(a.grads[v.name], b.grads[v.name], 1e-4, `${what} d/d${v.name}`);
  });
  // AR: mean CE of x[:, 1:] given x[:, :-1]
  same(() => arLoss(m, tf.tensor2d(seq, undefined, 'int32')), () =>
    tf.mean(refCrossEntropy(refForward(m, seq.map((r) => r.slice(0, T)), 'causal'), seq.flatMap((r) => r.slice(1)))) as tf.Scalar, 'AR');
  // diffusion: Σ CE·m/t / (B·(T−1)), masked positions fed [MASK]; token i is read from output row i−1 (as in AR)
  const x0 = seq.map((r) => r.slice(0, T));
  for (const draw of [drawMask(B, T, rng(11)), { t: Float32Array.from([0.5, 0.5, 0.5]), mask: new Uint8Array(B * T) }]) {
    assert.ok(Array.from({ length: B }, (_, b) => draw.mask[b * T]).every((mk) => mk === 0), 'token 0 stays visible');
    const xt = x0.map((r, b) => r.map((x, i) => (draw.mask[b * T + i] ? small.maskId : x)));
    const prev: number[] = [], target: number[] = [], w: number[] = [];
    for (let b = 0; b < B; b++) for (let i = 1; i < T; i++) { prev.push(b * T + i - 1); target.push(x0[b][i]); w.push(draw.mask[b * T + i] / draw.t[b]); }
    same(() => diffusionLoss(m, tf.tensor2d(x0, undefined, 'int32'), draw), () => {
      // rows picked by a 0/1 matrix product (tf.gather's gradient needs a kernel wasm lacks)
      const pick = new Float32Array(prev.length * B * T);
      prev.forEach((r, i) => (pick[i * B * T + r] = 1));
      const logits = tf.matMul(tf.tensor2d(pick, [prev.length, B * T]), tf.reshape(refForward(m, xt, 'bidirectional'), [B * T, -1]) as tf.Tensor2D);
      return tf.div(tf.sum(tf.mul(refCrossEntropy(logits, target), tf.tensor1d(w))), B * (T - 1)) as tf.Scalar;
    }, `diffusion (${draw.mask.reduce((a, b) => a + b, 0)} masked)`);
  }
  m.dispose();
});

test('a training step leaves no tensors behind (after the first, which caches weight transposes)', () => {
  const m = randomModel(small, 12);
  const seq = tf.tensor2d(randomIds(2, 9, small.vocab - 1, 13), undefined, 'int32');
  const x0 = tf.slice(seq, [0, 0], [2, 8]) as tf.Tensor2D;
  const step = () => {
    const { value, grads } = tf.variableGrads(() => tf.add(arLoss(m, seq), diffusionLoss(m, x0, drawMask(2, 8, rng(14)))) as tf.Scalar, [...m.params.values()]);
    tf.dispose([value, ...Object.values(grads)]);
  };
  step();
  const n = tf.memory().numTensors;
  step();
  assert.equal(tf.memory().numTensors, n);
  tf.dispose([seq, x0]);
  m.dispose();
});

test('training text joins hard-wrapped lines and keeps paragraph breaks', async () => {
  const { unwrapLines } = await import('../src/train/data.js');
  assert.equal(unwrapLines('CHAPTER I\n\n\nEmma Woodhouse, handsome,\nclever, and rich.\n\nShe was\nthe youngest.\n'), 'CHAPTER I\n\nEmma Woodhouse, handsome, clever, and rich.\n\nShe was the youngest.\n');
});

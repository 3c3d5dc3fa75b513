// Mixture of experts and latent attention against independent counts: the expected-experts formula against a
// Monte Carlo simulation of uniform routing, tiny configs counted matrix by matrix, and the imbalance factor.
import { rng } from '../src/engine/decode/sample.js'; // seeded: the simulation is the same on every run
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  activeMatmulParams,
  activeParams,
  attentionFlops,
  expertsTouched,
  imbalanceFor,
  kvBytesPerToken,
  matmulParams,
  passCost,
  totalParams,
} from '../src/engine/price/cost.js';
import type { PassShape } from '../src/engine/decode/events.js';
import type { ModelShape, MoeShape, Precision } from '../src/engine/price/shape.js';

const fp32: Precision = { weightBytes: 4, kvBytes: 4 };

/** A moe-only shape for the routing tests (the other fields do not enter expertsTouched). */
const routed = (experts: number, active: number, imbalance?: number): ModelShape => ({
  name: 'routing',
  layers: 2,
  d: 8,
  heads: 2,
  kvHeads: 1,
  headDim: 4,
  mlp: 16,
  gated: true,
  vocab: 10,
  moe: { experts, active, shared: 0, expertMlp: 6, denseLayers: 0, ...(imbalance ? { imbalance } : {}) },
});

/** One pass under uniform routing: n tokens each draw k distinct experts of E (partial Fisher–Yates); distinct experts hit. */
function simulateTouched(E: number, k: number, n: number, random: () => number): number {
  const hit = new Uint8Array(E);
  const order = Array.from({ length: E }, (_, i) => i);
  let distinct = 0;
  for (let t = 0; t < n; t++) {
    for (let j = 0; j < k; j++) {
      const r = j + Math.floor(random() * (E - j));
      [order[j], order[r]] = [order[r]!, order[j]!];
      const e = order[j]!;
      if (!hit[e]) {
        hit[e] = 1;
        distinct++;
      }
    }
  }
  return distinct;
}

/** Mean and standard error of the distinct count over `trials` simulated passes. */
function monteCarlo(E: number, k: number, n: number, trials: number, seed: number): { mean: number; se: number } {
  const random = rng(seed);
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < trials; i++) {
    const x = simulateTouched(E, k, n, random);
    s += x;
    s2 += x * x;
  }
  const mean = s / trials;
  const variance = Math.max(0, s2 / trials - mean * mean);
  return { mean, se: Math.sqrt(variance / trials) };
}

// (E, k, n): Mixtral-like, Qwen3-like and DeepSeek-like routing, from one token to a 1024-token pass
const CASES: [number, number, number][] = [
  [8, 2, 1],
  [8, 2, 2],
  [8, 2, 5],
  [128, 8, 1],
  [128, 8, 4],
  [128, 8, 16],
  [128, 8, 64],
  [256, 8, 8],
  [256, 8, 32],
  [256, 8, 1024],
];

test('expected experts touched, E·(1 − (1 − k/E)^n), against a Monte Carlo simulation of uniform routing', () => {
  for (const [E, k, n] of CASES) {
    const { mean, se } = monteCarlo(E, k, n, 3000, 1000 * E + n);
    const formula = expertsTouched(routed(E, k), n);
    // within 4 standard errors, or exactly when every trial gives the same count (n = 1: exactly k)
    const tol = Math.max(4 * se, 1e-9);
    assert.ok(Math.abs(formula - mean) <= tol, `E=${E} k=${k} n=${n}: formula ${formula}, simulated ${mean} ± ${se}`);
  }
  // the test can fail: the tempting "n·k independent draws of one expert" count is off by many standard errors
  const [E, k, n] = [8, 2, 2];
  const { mean, se } = monteCarlo(E, k, n, 3000, 7);
  const wrong = E * (1 - (1 - 1 / E) ** (n * k));
  assert.ok(Math.abs(wrong - mean) > 4 * se, `a wrong formula ${wrong} should be far from ${mean}`);
});

test('experts touched: exactly k for one token, all E as n grows, never more than n·k; 0 without tokens or experts', () => {
  const m = routed(256, 8);
  assert.equal(expertsTouched(m, 1), 8);
  assert.equal(expertsTouched(m, 0), 0);
  assert.ok(expertsTouched(m, 1e6) <= 256 && expertsTouched(m, 1e6) > 256 - 1e-9);
  for (let n = 1; n < 300; n++) {
    const t = expertsTouched(m, n);
    assert.ok(t <= Math.min(256, n * 8) + 1e-9 && t >= expertsTouched(m, n - 1));
  }
  assert.equal(expertsTouched(routed(8, 8), 1), 8);
  const dense: ModelShape = { ...routed(8, 2) };
  delete dense.moe;
  assert.equal(expertsTouched(dense, 100), 0);
});

test('imbalance f: n tokens touch what n/f uniform tokens would; f fitted from a measured count comes back', () => {
  for (const f of [1, 1.5, 4, 32]) {
    const skewed = routed(128, 8, f);
    for (const n of [8, 64, 512]) {
      const uniformAt = expertsTouched(routed(128, 8), n / f);
      assert.ok(Math.abs(expertsTouched(skewed, n) - Math.max(8, uniformAt)) < 1e-9);
      const measured = expertsTouched(skewed, n);
      if (n / f > 1) assert.ok(Math.abs(imbalanceFor(routed(128, 8), n, measured) - f) < 1e-9 * f, `f=${f} n=${n}`);
    }
  }
  assert.ok(Math.abs(imbalanceFor(routed(128, 8), 64, expertsTouched(routed(128, 8), 64)) - 1) < 1e-12);
  // a skewed router measured by simulation (experts drawn with Zipf-like weights) touches fewer experts: f > 1
  const random = rng(42);
  const E = 64;
  const weights = Array.from({ length: E }, (_, i) => 1 / (i + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const pick = () => {
    let r = random() * total;
    for (let i = 0; i < E; i++) if ((r -= weights[i]!) <= 0) return i;
    return E - 1;
  };
  let hits = 0;
  const trials = 400;
  const n = 64;
  for (let i = 0; i < trials; i++) {
    const seen = new Set<number>();
    for (let t = 0; t < n; t++) {
      const mine = new Set<number>();
      while (mine.size < 2) mine.add(pick());
      for (const e of mine) seen.add(e);
    }
    hits += seen.size;
  }
  const f = imbalanceFor(routed(E, 2), n, hits / trials);
  assert.ok(f > 1.5, `Zipf routing should be measurably imbalanced, f = ${f}`);
  assert.ok(Math.abs(expertsTouched(routed(E, 2, f), n) - hits / trials) < 1e-6);
});

// ---- a tiny MoE counted by hand ----
// L=2, d=8, H=2, K=1, hd=4, dense F=16 (gated) in block 0; block 1: router, E=4 experts of F_e=6 (gated), k=2, 1 shared; V=10
const moe: MoeShape = { experts: 4, active: 2, shared: 1, expertMlp: 6, denseLayers: 1 };
const tinyMoe: ModelShape = {
  name: 'tiny moe',
  layers: 2,
  d: 8,
  heads: 2,
  kvHeads: 1,
  headDim: 4,
  mlp: 16,
  gated: true,
  vocab: 10,
  moe,
};
const matrices = (ms: [number, number][]) => ms.reduce((s, [a, b]) => s + a * b, 0);
const ATTN = matrices([
  [8, 8],
  [8, 4],
  [8, 4],
  [8, 8],
]); // q, k, v, o
const DENSE_MLP = matrices([
  [8, 16],
  [8, 16],
  [16, 8],
]);
const EXPERT = matrices([
  [8, 6],
  [8, 6],
  [6, 8],
]);
const ROUTER = matrices([[8, 4]]);

test('tiny MoE by hand: total and active weights, bytes and FLOPs of a token, a 3-token pass and a batch of 4', () => {
  assert.deepEqual([ATTN, DENSE_MLP, EXPERT, ROUTER], [192, 384, 144, 32]);
  const all = 2 * ATTN + DENSE_MLP + ROUTER + (4 + 1) * EXPERT; // both blocks' attention, block 0's MLP, block 1's experts
  const active = 2 * ATTN + DENSE_MLP + ROUTER + (2 + 1) * EXPERT;
  assert.equal(matmulParams(tinyMoe), all);
  assert.equal(activeMatmulParams(tinyMoe), active);
  assert.equal(totalParams(tinyMoe), all + 80 + 80);
  assert.equal(activeParams(tinyMoe), active + 160);
  assert.equal(activeParams(tinyMoe, true), active + 80);

  // one AR token: it touches exactly its 2 routed experts; 2 of the 4 stay in memory
  const token: PassShape = { q: 1, k: 5, logits: 1, kvWrite: 1, attention: 'causal' };
  const c = passCost(tinyMoe, fp32, token);
  assert.equal(c.bytes.weights, 4 * (all - 2 * EXPERT + 80));
  assert.equal(c.bytes.kvRead, 5 * 4 * 2 * 2 * 1 * 4);
  assert.equal(c.flops.linears, 2 * active);
  assert.equal(c.flops.attention, 2 * 2 * 2 * (4 + 4) * 6); // L·H·(q·k and p·v over hd)·2 FLOPs · 6 visible pairs
  assert.equal(c.flops.lmHead, 2 * 80);

  // 3 tokens at once: each expert is missed by all three with probability (1 − 2/4)^3 = 1/8 → 3.5 touched
  const pass: PassShape = { q: 3, k: 0, logits: 3, kvWrite: 0, attention: 'bidirectional' };
  const d = passCost(tinyMoe, fp32, pass);
  assert.equal(d.bytes.weights, 4 * (all - (4 - 3.5) * EXPERT + 80));
  assert.equal(d.flops.linears, 2 * 3 * active);

  // 4 sequences decoding one token each: 4 routed tokens → 4·(1 − 1/16) = 3.75 touched; KV per sequence
  const b = passCost(tinyMoe, fp32, { ...token, batch: 4 });
  assert.equal(b.bytes.weights, 4 * (all - (4 - 3.75) * EXPERT + 80));
  assert.equal(b.bytes.kvRead, 4 * c.bytes.kvRead);
  assert.equal(b.bytes.kvWrite, 4 * c.bytes.kvWrite);
  assert.equal(b.flops.total, 4 * c.flops.total);
});

// ---- latent attention counted by hand ----
// L=2, d=8, H=2, r_q=4, r_kv=3, d_nope=2, d_rope=1, d_v=2, dense gated F=16, V=10
const tinyMla: ModelShape = {
  name: 'tiny mla',
  layers: 2,
  d: 8,
  heads: 2,
  kvHeads: 2,
  headDim: 2,
  mlp: 16,
  gated: true,
  vocab: 10,
  mla: { qLoraRank: 4, kvLoraRank: 3, qkNopeHeadDim: 2, qkRopeHeadDim: 1, vHeadDim: 2 },
};

test('tiny latent attention by hand: weights, latent cache, and the cheaper of the two ways to attend', () => {
  // q_a d→r_q, q_b r_q→H·(d_nope+d_rope), kv_a d→r_kv+d_rope, kv_b r_kv→H·(d_nope+d_v), o H·d_v→d
  const attn = matrices([
    [8, 4],
    [4, 2 * 3],
    [8, 3 + 1],
    [3, 2 * 4],
    [2 * 2, 8],
  ]);
  assert.equal(attn, 144);
  assert.equal(matmulParams(tinyMla), 2 * (attn + DENSE_MLP));
  assert.equal(kvBytesPerToken(tinyMla, fp32), 4 * 2 * (3 + 1)); // the latent and the shared rope key, per block
  // decode q=1 against k=5 (6 visible pairs). Latent form, per pair, head and block: q̃·c (r_kv) + rope (d_rope) and
  // p·c (r_kv) = 7 MACs → 2·2·7·2·6 = 336. Expanded: (d_nope + d_rope + d_v) = 5 MACs per pair → 240, plus
  // up-projecting the 5 cached latents (r_kv × H·(d_nope+d_v) = 24 MACs each, per block) → 480: 720. The cheaper: 336.
  assert.equal(attentionFlops(tinyMla, { q: 1, k: 5, logits: 1, kvWrite: 1, attention: 'causal' }), 336);
  // a 3-token bidirectional pass without cache (9 pairs): latent 504, expanded 360 (nothing cached to expand) → 360
  assert.equal(attentionFlops(tinyMla, { q: 3, k: 0, logits: 3, kvWrite: 0, attention: 'bidirectional' }), 360);
});

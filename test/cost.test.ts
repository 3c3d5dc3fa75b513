// The cost model against independent counts: a tiny config counted by hand (matrices listed, attention pairs
// enumerated with a mask), and the Llama 3.3 70B figures of the reference's worked example.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  attentionFlops,
  bytesPerFlop,
  embeddingParams,
  kvBytesPerToken,
  linearFlops,
  linearParamsPerLayer,
  lmHeadFlops,
  matmulParams,
  passCost,
  totalParams,
  visiblePairs,
  weightBytes,
} from '../src/engine/price/cost.js';
import type { PassShape } from '../src/engine/decode/events.js';
import { MODEL_PRESETS } from '../src/engine/price/presets.js';
import type { ModelShape, Precision } from '../src/engine/price/shape.js';

// L=2, d=8, H=2, K=1, hd=4, F=16, V=10
const tiny = (gated: boolean): ModelShape => ({
  name: 'tiny',
  layers: 2,
  d: 8,
  heads: 2,
  kvHeads: 1,
  headDim: 4,
  mlp: 16,
  gated,
  vocab: 10,
});
const fp32: Precision = { weightBytes: 4, kvBytes: 4 };

/** The block's weight matrices, written out: [in, out] each. */
function blockMatrices(gated: boolean): [number, number][] {
  const q: [number, number] = [8, 2 * 4];
  const k: [number, number] = [8, 1 * 4];
  const v: [number, number] = [8, 1 * 4];
  const o: [number, number] = [2 * 4, 8];
  const mlp: [number, number][] = gated
    ? [
        [8, 16],
        [8, 16],
        [16, 8],
      ]
    : [
        [8, 16],
        [16, 8],
      ];
  return [q, k, v, o, ...mlp];
}
const count = (ms: [number, number][]) => ms.reduce((s, [a, b]) => s + a * b, 0);

/** Visible (query, key) pairs by enumeration: queries sit at positions k..k+q-1, keys at 0..k+q-1. */
function pairsByLoop(q: number, k: number, causal: boolean): number {
  let n = 0;
  for (let i = 0; i < q; i++) for (let j = 0; j < k + q; j++) if (!causal || j <= k + i) n++;
  return n;
}

for (const gated of [true, false]) {
  test(`tiny config by hand (${gated ? 'gated' : 'plain'} MLP): params, FLOPs, bytes for q=3, k=5`, () => {
    const m = tiny(gated);
    const perLayer = count(blockMatrices(gated));
    assert.equal(perLayer, gated ? 64 + 32 + 32 + 64 + 3 * 128 : 64 + 32 + 32 + 64 + 2 * 128);
    assert.equal(linearParamsPerLayer(m), perLayer);
    assert.equal(matmulParams(m), 2 * perLayer);
    assert.equal(embeddingParams(m), 80);
    assert.equal(totalParams(m), 2 * perLayer + 80 + 80);
    assert.equal(totalParams(m, true), 2 * perLayer + 80);

    for (const causal of [true, false]) {
      const p: PassShape = { q: 3, k: 5, logits: 3, kvWrite: 3, attention: causal ? 'causal' : 'bidirectional' };
      const pairs = pairsByLoop(3, 5, causal);
      assert.equal(pairs, causal ? 15 + 6 : 24);
      assert.equal(visiblePairs(p), pairs);
      // per layer, per head, per visible pair: q·k (hd MACs) and p·v (hd MACs) = 4·hd FLOPs
      const attn = 2 * 2 * pairs * 4 * 4;
      const lin = 3 * 2 * (2 * perLayer);
      const head = 3 * 2 * 10 * 8;
      const c = passCost(m, fp32, p);
      assert.equal(c.flops.attention, attn);
      assert.equal(c.flops.linears, lin);
      assert.equal(c.flops.lmHead, head);
      assert.equal(c.flops.total, attn + lin + head);
      const weights = 4 * (2 * perLayer + 80); // every matrix + LM head, fp32; the embedding lookup is not streamed
      const kvPerToken = 4 * 2 * 2 * 1 * 4; // bytes × (K and V) × layers × kv heads × head dim
      assert.equal(kvBytesPerToken(m, fp32), kvPerToken);
      assert.equal(c.bytes.weights, weights);
      assert.equal(c.bytes.kvRead, 5 * kvPerToken);
      assert.equal(c.bytes.kvWrite, 3 * kvPerToken);
      assert.equal(c.bytes.total, weights + 8 * kvPerToken);
      assert.equal(c.bytesPerFlop, (weights + 8 * kvPerToken) / (attn + lin + head));
    }
  });
}

test('visible pairs match enumeration for any q, k', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 60 }), fc.boolean(), (q, k, causal) => {
      const p: PassShape = { q, k, logits: 1, kvWrite: 0, attention: causal ? 'causal' : 'bidirectional' };
      return visiblePairs(p) === pairsByLoop(q, k, causal);
    }),
  );
});

test('pass cost parts add up and scale as the formulas say', () => {
  const m = MODEL_PRESETS[1]!.shape;
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 512 }),
      fc.integer({ min: 0, max: 4096 }),
      fc.integer({ min: 0, max: 512 }),
      (q, k, w) => {
        const p: PassShape = { q, k, logits: q, kvWrite: w, attention: 'causal' };
        const c = passCost(m, fp32, p);
        assert.equal(c.flops.total, linearFlops(m, p) + attentionFlops(m, p) + lmHeadFlops(m, p));
        assert.equal(c.bytes.total, weightBytes(m, fp32) + kvBytesPerToken(m, fp32) * (k + w));
        assert.equal(linearFlops(m, { ...p, q: 2 * q }), 2 * linearFlops(m, p));
        assert.equal(c.bytesPerFlop, bytesPerFlop(c.bytes.total, c.flops.total));
      },
    ),
  );
  assert.equal(bytesPerFlop(1, 0), Infinity);
});

test('Llama 3.3 70B: ~70 GB of weights per token at 8-bit, ~2 FLOPs per parameter per token', () => {
  const m = MODEL_PRESETS.find((p) => p.key === 'llama-3.3-70b')!.shape;
  const int8: Precision = { weightBytes: 1, kvBytes: 1 };
  const token: PassShape = { q: 1, k: 0, logits: 1, kvWrite: 1, attention: 'causal' };
  const c = passCost(m, int8, token);
  // reference: ~70 GB read per AR token (it counts all 70.55B parameters; we do not stream the input embedding)
  assert.ok(Math.abs(c.bytes.weights / 70e9 - 1) < 0.02, `weights ${c.bytes.weights}`);
  assert.equal(c.bytes.weights, 68_451_041_280 + 1_050_673_152);
  const perParam = c.flops.total / totalParams(m);
  assert.ok(Math.abs(perParam - 2) < 0.05, `FLOPs per parameter ${perParam}`);
  // ~140 GFLOP per token, B/F ≈ 0.5
  assert.ok(Math.abs(c.flops.total / 140e9 - 1) < 0.02);
  assert.ok(Math.abs(c.bytesPerFlop - 0.5) < 0.01);
  // one 1024-token bidirectional pass ≈ 140 TFLOP (+2 % attention, +1.5 % LM head), B/F ≈ 0.0005
  const pass = passCost(m, int8, { q: 1024, k: 0, logits: 1024, kvWrite: 0, attention: 'bidirectional' });
  assert.ok(Math.abs(pass.flops.total / 140e12 - 1) < 0.05, `pass ${pass.flops.total}`);
  assert.equal(pass.flops.attention, 4 * 80 * 64 * 128 * 1024 * 1024);
  assert.ok(Math.abs(pass.bytesPerFlop / 0.0005 - 1) < 0.05);
});

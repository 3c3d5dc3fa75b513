// Batch: B sequences decoded together. A hand-worked Llama 3.3 70B case, batched cost = B sequences' costs with the
// weights read once, the batch at which AR turns compute-bound against its closed form, and calc's report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { calc } from '../src/commands/calc.js';
import { passCost, type BatchedPass } from '../src/engine/price/cost.js';
import { findModel } from '../src/engine/price/presets.js';
import {
  computeBoundBatch,
  createProjector,
  diffusionPass,
  MAX_BATCH,
  priceGeneration,
  projectPass,
  projectShape,
  selectTarget,
  type GenerationOptions,
} from '../src/engine/price/project.js';
import type { ModelShape, Precision } from '../src/engine/price/shape.js';

const fp8: Precision = { weightBytes: 1, kvBytes: 1 };
const WORKED: GenerationOptions = { tokens: 1024, prompt: 0, speculative: 3, margin: 3 };

test('Llama 3.3 70B, 256 sequences at context 511, fp8: bytes and FLOPs worked by hand', async () => {
  const m = (await findModel('llama-3.3-70b')).shape;
  const c = passCost(m, fp8, { q: 1, k: 511, logits: 1, kvWrite: 1, attention: 'causal', batch: 256 });
  // weights once: 80 blocks × 855,638,016 + LM head 128,256 × 8,192 = 69,501,714,432 B
  assert.equal(c.bytes.weights, 69_501_714_432);
  // each sequence reads its own 511 cached tokens of 2·80·8·128 = 163,840 B and writes one more
  assert.equal(c.bytes.kvRead, 21_432_893_440);
  assert.equal(c.bytes.kvWrite, 41_943_040);
  // per sequence 2·68,451,041,280 + 2·1,050,673,152 + 4·80·64·128·512 = 140,345,606,144 FLOP; × 256
  assert.equal(c.flops.total, 35_928_475_172_864);
  // batch 1 is the old single-sequence pass exactly
  assert.deepEqual(
    passCost(m, fp8, { q: 1, k: 511, logits: 1, kvWrite: 1, attention: 'causal', batch: 1 }),
    passCost(m, fp8, { q: 1, k: 511, logits: 1, kvWrite: 1, attention: 'causal' }),
  );
});

test('a dense pass over B sequences costs B passes but reads the weights once', () => {
  const m: ModelShape = {
    name: 'tiny',
    layers: 2,
    d: 8,
    heads: 2,
    kvHeads: 1,
    headDim: 4,
    mlp: 16,
    gated: true,
    vocab: 10,
  };
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 300 }),
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 0, max: 80 }),
      fc.boolean(),
      (B, q, k, causal) => {
        const one: BatchedPass = { q, k, logits: q, kvWrite: q, attention: causal ? 'causal' : 'bidirectional' };
        const c1 = passCost(m, fp8, one);
        const cB = passCost(m, fp8, { ...one, batch: B });
        assert.equal(cB.bytes.weights, c1.bytes.weights);
        assert.equal(cB.bytes.kvRead, B * c1.bytes.kvRead);
        assert.equal(cB.bytes.kvWrite, B * c1.bytes.kvWrite);
        assert.equal(cB.flops.linears, B * c1.flops.linears);
        assert.equal(cB.flops.attention, B * c1.flops.attention);
        assert.equal(cB.flops.lmHead, B * c1.flops.lmHead);
      },
    ),
  );
});

test('the batch at which AR turns compute-bound matches its closed form, B* = ⌊W / (ρ·f − a)⌋ + 1', async () => {
  // W weight bytes, a KV bytes and f FLOPs per sequence, ρ = η_m·bandwidth / (η_c·peak): compute-bound once B·f·ρ > W + B·a
  for (const model of ['llama-3.3-70b', 'llama-3.1-8b', 'qwen2.5-7b']) {
    const t = await selectTarget({ model });
    const k = 511.5;
    const one = projectPass(
      { q: 1, k, logits: 1, kvWrite: 1, attention: 'causal' },
      t.model.shape,
      t.precision,
      t.roofline,
      t.eff,
    );
    const W = one.cost.bytes.weights;
    const a = one.cost.bytes.kvRead + one.cost.bytes.kvWrite;
    const f = one.cost.flops.total;
    const rho = (t.eff.memory * t.roofline.bandwidth) / (t.eff.compute * t.roofline.peakFlops);
    const closed = Math.floor(W / (rho * f - a)) + 1;
    assert.equal(computeBoundBatch(t, k), closed, model);
    const bound = (B: number) =>
      projectShape({ q: 1, k, logits: 1, kvWrite: 1, attention: 'causal' }, { ...t, batch: B }).bound;
    assert.equal(bound(closed), 'compute');
    assert.equal(bound(closed - 1), 'memory');
  }
  // LLaDA 8B has as many KV heads as query heads: its KV reads alone are above the ridge, so no batch helps
  const llada = await selectTarget({ model: 'llada-8b' });
  assert.equal(computeBoundBatch(llada, 511.5), null);
});

test('--batch 256 on Llama 3.3 70B / H200: AR compute-bound, break-even about one diffusion pass', async () => {
  const one = priceGeneration(await selectTarget(), WORKED);
  assert.equal(one.ar.token.bound, 'memory');
  const p = priceGeneration(await selectTarget({ batch: 256 }), WORKED);
  assert.equal(p.batch, 256);
  assert.equal(p.ar.token.bound, 'compute');
  assert.equal(p.ar.timeSource, 'roofline'); // the 51 tok/s measurement is a batch-1 figure
  assert.equal(p.diffusion.pass.shape.batch, 256);
  assert.ok(p.breakEven.ar > 0.9 && p.breakEven.ar < 1.2, `break-even ${p.breakEven.ar}`);
  // B* is the same whatever batch is priced; at B* the break-even is about one pass too
  assert.equal(p.computeBound.batch, one.computeBound.batch);
  assert.ok(one.computeBound.batch! > 200 && one.computeBound.batch! < 256);
  assert.ok(one.computeBound.breakEven! > 0.9 && one.computeBound.breakEven! < 1.2);
  // throughput counts every sequence: 256 × 1024 tokens
  assert.equal(p.ar.tokensPerSecond, (256 * 1024) / p.ar.seconds);
});

test('the projection prices each pass of a run at the target’s batch', async () => {
  const t = await selectTarget({ batch: 8 });
  const proj = createProjector(t);
  const s = proj.add(diffusionPass(4, 16));
  assert.equal(s.shape.batch, 8);
  assert.deepEqual(s.cost, passCost(t.model.shape, t.precision, { ...diffusionPass(4, 16), batch: 8 }));
  await assert.rejects(
    selectTarget({ batch: 0 }),
    /--batch must be a whole number of sequences from 1 to 65,536, got 0/,
  );
  await assert.rejects(selectTarget({ batch: MAX_BATCH + 1 }), /from 1 to 65,536/);
  await assert.rejects(selectTarget({ batch: 1.5 }), /--batch must be a whole number/);
});

test('calc --batch 256 shows AR compute-bound; calc on an MoE preset shows the experts each pass touches', async () => {
  const { code, text } = await calc(['--batch', '256', '--derive']);
  assert.equal(code, 0);
  assert.match(text, /256 sequences decoded together/);
  assert.match(text, /AR step\s+91\.00 GB\s+35\.93 TFLOP\s+0\.00253\s+1\.03× below: compute-bound/);
  assert.match(text, /AR step: one new token for each of 256 sequences against a cache of k̄ = 511\.5 tokens/);
  assert.match(text, /verdict +AR and a diffusion pass are both compute-bound/);
  assert.match(text, /compute-bound from B\* = 248 sequences per pass/);
  assert.match(text, /break-even at B\*: 1\.044 diffusion passes/);
  assert.ok(!text.includes('against this exact count'), 'the worked example is a batch-1 setup');

  const moe = (await calc(['--model', 'mixtral-8x7b', '--derive'])).text;
  assert.match(moe, /46\.70 G params, 12\.88 G active per token \(published: 46\.7 G, 12\.9 G active\)/);
  assert.match(moe, /AR token\s+2 of 8\s+12\.78 GB/);
  assert.match(moe, /diffusion pass\s+8 of 8\s+46\.57 GB/);
  assert.match(moe, /T\(n\) = E·\(1 − \(1 − k\/E\)\^n\)/);
  const ds = (await calc(['--model', 'deepseek-v3', '--derive'])).text;
  assert.match(ds, /AR token\s+8 of 256\s+36\.64 GB\s+81\.96 GFLOP\s+0\.447\s+172× above: memory-bound/);
  assert.match(ds, /diffusion pass\s+256 of 256\s+670\.1 GB\s+80\.25 TFLOP\s+0\.00835\s+3\.21× above: memory-bound/);
  assert.match(ds, /vs AR\s+55\.99 passes/);
  const never = (await calc(['--model', 'qwen3-30b-a3b', '--derive'])).text;
  assert.match(never, /never up to 65,536 sequences/);
  assert.match(never, /batching +AR's decode pass stays memory-bound up to 65,536 sequences per pass/);
  const skewed = JSON.parse((await calc(['--json', '--model', 'deepseek-v3', '--moe-imbalance', '4'])).text);
  assert.ok(skewed.price.moe.diffusionPass.experts < 256 && skewed.price.moe.imbalance === 4);
});

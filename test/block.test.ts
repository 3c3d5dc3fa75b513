// The block-diffusion lane (src/engine/decode/block.ts): its cached passes give the same tokens as recomputing the
// whole sequence every pass; every position is committed once; a threshold of 0 commits a block per pass.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_DECODE, type DecodeConfig } from '../src/engine/config.js';
import { blockDiffusion } from '../src/engine/decode/block.js';
import { chooseInJs } from '../src/engine/decode/choose.js';
import { runPass, type DecodeContext } from '../src/engine/decode/context.js';
import type { StepEvent } from '../src/engine/decode/events.js';
import type { DiffusionDetail } from '../src/engine/lanes.js';
import { rng } from '../src/engine/decode/sample.js';
import { FIXTURE_MODEL_DIR, openModel } from '../src/engine/run.js';

const cfg: DecodeConfig = { ...DEFAULT_DECODE, prompt: 'It is a truth', length: 24, temperature: 0 };

async function collect(g: AsyncGenerator<StepEvent>): Promise<StepEvent[]> {
  const out: StepEvent[] = [];
  for await (const e of g) out.push(e);
  return out;
}

/** The lane without a cache: every pass runs the prompt, the committed blocks and the current block from scratch. */
function recompute(
  ctx: DecodeContext,
  c: DecodeConfig,
  block: number,
  threshold: number,
): { tokens: number[]; confidence: number[] } {
  const mask = ctx.tokenizer.maskId;
  const prompt = ctx.tokenizer.encode(c.prompt);
  const P = prompt.length;
  const x = [...prompt, ...Array<number>(c.length).fill(mask)];
  const rand = rng(c.seed);
  const conf: number[] = Array(x.length).fill(NaN);
  for (let s = P; s < P + c.length; s += block) {
    const e = Math.min(s + block, P + c.length);
    while (x.slice(s, e).includes(mask)) {
      const masked = Array.from({ length: e - s }, (_, i) => s + i).filter((j) => x[j] === mask);
      const { rows } = runPass(ctx, x.slice(0, e), {
        attention: { causalBelow: s },
        logitRows: masked.map((j) => j - 1),
      });
      const ch = chooseInJs(rows, { temperature: c.temperature, topK: c.topK, strategy: 'low-confidence' }, rand);
      const cands = masked.map((j, r) => ({ j, ...ch[r]! })).sort((a, b) => b.confidence - a.confidence || a.j - b.j);
      let chosen = cands.filter((q) => q.confidence >= threshold);
      if (chosen.length === 0) chosen = cands.slice(0, 1);
      for (const q of chosen) {
        x[q.j] = q.token;
        conf[q.j] = q.confidence;
      }
    }
  }
  return { tokens: x.slice(P), confidence: conf.slice(P) };
}

test('block diffusion: the exact cache gives the same tokens as recomputing the whole sequence', async () => {
  const m = await openModel(FIXTURE_MODEL_DIR);
  for (const [block, threshold] of [
    [8, 0.05],
    [6, 0.02],
    [24, 0.1],
  ] as const) {
    const ev = await collect(blockDiffusion(m.ctx, cfg, { block, threshold }));
    const P = ev[0]!.positions.filter((p) => p.state === 'prompt').length;
    const cached = ev.at(-1)!.positions.slice(P);
    const ref = recompute(m.ctx, cfg, block, threshold);
    assert.deepEqual(
      cached.map((p) => p.token),
      ref.tokens,
      `block ${block}, threshold ${threshold}`,
    );
    // the same probabilities, not only the same argmax (an untrained model's argmax hides small differences)
    cached.forEach((p, i) =>
      assert.ok(
        Math.abs(p.confidence! - ref.confidence[i]!) < 1e-5,
        `position ${i}: ${p.confidence} vs ${ref.confidence[i]}`,
      ),
    );
    // the first pass of each block writes the rows committed before it into the cache, later passes only read it
    const blockOf = (e: StepEvent) => (e.detail as DiffusionDetail).block.index;
    const firsts = ev.filter((e, i) => i === 0 || blockOf(e) !== blockOf(ev[i - 1]!));
    assert.equal(firsts.length, Math.ceil(cfg.length / block));
    assert.equal(firsts[0]!.shape.kvWrite, P);
    for (const f of firsts.slice(1)) assert.equal(f.shape.kvWrite, block);
    for (const e of ev) if (!firsts.includes(e)) assert.equal(e.shape.kvWrite, 0);
  }
});

test('the shipped block-trained code model: its cached passes give the tokens and confidences of recomputing', async () => {
  const { family } = await import('../src/engine/families.js');
  const m = await openModel(family('code').dir);
  const c: DecodeConfig = { ...cfg, prompt: family('code').prompt, length: 64, temperature: 0, topK: 0 };
  const ev = await collect(blockDiffusion(m.ctx, c, { block: 32, threshold: 0.9 }));
  const P = ev[0]!.positions.filter((p) => p.state === 'prompt').length;
  const cached = ev.at(-1)!.positions.slice(P);
  const ref = recompute(m.ctx, c, 32, 0.9);
  assert.deepEqual(
    cached.map((p) => p.token),
    ref.tokens,
  );
  cached.forEach((p, i) => assert.ok(Math.abs(p.confidence! - ref.confidence[i]!) < 1e-4, `position ${i}`));
  assert.ok(ev.length < 64, `a trained, distilled model commits more than one token per pass: ${ev.length} passes`);
  m.ctx.model.dispose();
});

test('block diffusion: every position committed once; threshold 0 commits a whole block per pass', async () => {
  const m = await openModel(FIXTURE_MODEL_DIR);
  const ev = await collect(blockDiffusion(m.ctx, { ...cfg, temperature: 0.9, seed: 3 }, { block: 8, threshold: 0 }));
  assert.equal(ev.length, 3);
  const seen = new Set<number>();
  for (const e of ev)
    for (const i of e.committed) {
      assert.ok(!seen.has(i));
      seen.add(i);
    }
  assert.equal(seen.size, cfg.length);
  assert.ok(ev.at(-1)!.done && ev.slice(0, -1).every((e) => !e.done));
  // threshold 1 (never sure): one token per pass
  const slow = await collect(blockDiffusion(m.ctx, cfg, { block: 8, threshold: 1.01 }));
  assert.equal(slow.length, cfg.length);
});

test('the block lane: off by default, chosen with --lanes, its passes priced as one block against the cache', async () => {
  const { createRun, FIXTURE_MODEL_DIR: dir } = await import('../src/engine/run.js');
  const { parseLaneIds } = await import('../src/commands/watch-flags.js');
  const { projectLanePass } = await import('../src/engine/lanes.js');
  const { selectTarget } = await import('../src/engine/price/project.js');
  const base = {
    ...DEFAULT_DECODE,
    prompt: 'It is a truth',
    length: 16,
    lanes: { block: { block: 8, threshold: 0.5 } },
  };
  const def = await createRun(base, { modelDir: dir });
  assert.ok(!def.info.lanes.some((l) => l.id === 'block'));
  def.dispose();
  const r = await createRun(base, { modelDir: dir, lanes: parseLaneIds('block,ar') });
  assert.deepEqual(
    r.info.lanes.map((l) => l.id),
    ['block', 'ar'],
  );
  const ev = await collect(r.stream('block'));
  assert.ok(ev.at(-1)!.done);
  // the second block's first pass: 8 committed rows written to the cache + 8 block rows, against the cached prompt
  const P = r.info.promptTokens;
  const second = ev.find((e) => (e.detail as DiffusionDetail).block.index === 1)!;
  assert.deepEqual(second.shape, { q: 16, k: P, logits: second.shape.logits, kvWrite: 8, attention: 'bidirectional' });
  // on the default target (70B fp8, H200) a block pass reads every weight once for 16 rows: memory-bound
  const t = await selectTarget({});
  const proj = projectLanePass('block', second, t);
  assert.equal(proj.bound, 'memory');
  r.dispose();
  for (const bad of ['', 'ar,,block', 'ar,nope', 'ar,ar', 'ar,diffusion,block,speculative,ar'])
    assert.throws(() => parseLaneIds(bad), /--lanes/);
});

test('a block pass on the default target, worked by hand: 32 rows against 1024 cached tokens of Llama 3.3 70B fp8 on an H200', async () => {
  const { projectLanePass } = await import('../src/engine/lanes.js');
  const { selectTarget } = await import('../src/engine/price/project.js');
  const t = await selectTarget({});
  const shape = { q: 32, k: 1024, logits: 32, kvWrite: 0, attention: 'bidirectional' as const };
  const p = projectLanePass('block', { kind: 'denoise', shape } as never, t);
  // Llama 3.3 70B: per layer q,o 2·8192² + k,v 2·8192·8·128 + MLP 3·8192·28672 = 855.6 M; ×80 layers, + LM head 128256·8192
  const pmm = 80 * (2 * 8192 * 8192 + 2 * 8192 * 1024 + 3 * 8192 * 28672);
  const head = 128256 * 8192;
  assert.equal(p.cost.bytes.weights, (pmm + head) * 1); // fp8: 1 byte per weight, every weight once: 69.5 GB
  assert.ok(Math.abs(p.cost.bytes.weights / 1e9 - 69.5) < 0.05);
  // the cached prefix's keys and values: 2·80 layers·8 KV heads·128·1024 tokens at the target's KV bytes
  assert.equal(p.cost.bytes.kvRead, 2 * 80 * 8 * 128 * 1024 * t.precision.kvBytes);
  // FLOPs: 2·32 rows·P_mm + 4·80·64·128·32·(1024 + 32) attention pairs + 2·32·V·d logits ≈ 4.54 TFLOP
  const flops = 2 * 32 * pmm + 4 * 80 * 64 * 128 * 32 * (1024 + 32) + 2 * 32 * head;
  assert.ok(Math.abs(p.cost.flops.total - flops) / flops < 1e-12);
  assert.ok(Math.abs(flops / 1e12 - 4.54) < 0.01);
  // B/F ≈ 0.0154, six times H200's ridge (0.0024): memory-bound, ~19.4 ms at 75 % of 4.8 TB/s
  assert.equal(p.bound, 'memory');
  assert.ok(Math.abs(p.memorySeconds - p.cost.bytes.total / (0.75 * 4.8e12)) < 1e-9);
});

// The AR lane's one-token step, fast path (src/engine/model/fast/) vs the tfjs forward pass, against the in-run floor: the
// time to stream the model's laid-out weights once. Interleaved A/B in one process, min over repeats (the machine is
// shared: the ratios are what count). Used by bench/bench.ts; alone: node --import tsx bench/ar-step.ts [model-dir]
import { DEFAULT_DECODE, type DecodeConfig } from '../src/engine/config.js';
import { autoregressive } from '../src/engine/decode/autoregressive.js';
import type { ArStep } from '../src/engine/decode/cached-passes.js';
import type { DecodeContext } from '../src/engine/decode/context.js';
import { fastWeights } from '../src/engine/model/fast/decoder.js';

export interface ArStepBench {
  tokens: number;
  /** mean ms per decode step (steps 1..tokens−1), min over repeats */
  fastMs: number;
  tfjsMs: number;
  /** ms to stream the weights once (the laid-out weights, same loads as the products), min over repeats */
  streamMs: number;
  weightMB: number;
  /** fastMs / streamMs: issue 25 asks ≤ 3 */
  fastOverStream: number;
  tfjsOverStream: number;
  speedup: number;
  /** achieved by the fast step: the cost model's bytes and FLOPs of the mean step / its time */
  fastGBs: number;
  fastGFLOPs: number;
  streamGBs: number;
}

/** Mean wall ms and mean cost of the decode steps of one AR run. */
async function decodeSteps(
  ctx: DecodeContext,
  cfg: DecodeConfig,
  step: ArStep,
): Promise<{ ms: number; bytes: number; flops: number }> {
  let ms = 0,
    bytes = 0,
    flops = 0,
    n = 0;
  for await (const e of autoregressive(ctx, cfg, step))
    if (e.kind === 'decode') {
      ms += e.wallMs;
      bytes += e.cost.bytes.total;
      flops += e.cost.flops.total;
      n++;
    }
  return { ms: ms / n, bytes: bytes / n, flops: flops / n };
}

export async function benchArStep(ctx: DecodeContext, reps = 9, tokens = 64): Promise<ArStepBench> {
  const cfg: DecodeConfig = { ...DEFAULT_DECODE, prompt: 'It is a truth universally acknowledged', length: tokens };
  await decodeSteps(ctx, cfg, 'fast');
  await decodeSteps(ctx, cfg, 'tfjs'); // warm-up: V8 optimises, tfjs caches transposes
  const w = fastWeights(ctx.model);
  let f = { ms: Infinity, bytes: 0, flops: 0 },
    t = Infinity,
    s = Infinity;
  for (let r = 0; r < reps; r++) {
    const a = await decodeSteps(ctx, cfg, 'fast');
    if (a.ms < f.ms) f = a;
    t = Math.min(t, (await decodeSteps(ctx, cfg, 'tfjs')).ms);
    s = Math.min(s, w.streamSeconds(20) * 1000);
  }
  const r3 = (x: number) => +x.toFixed(3),
    r2 = (x: number) => +x.toFixed(2);
  return {
    tokens,
    fastMs: r3(f.ms),
    tfjsMs: r3(t),
    streamMs: r3(s),
    weightMB: r2(w.weightBytes / 1e6),
    fastOverStream: r2(f.ms / s),
    tfjsOverStream: r2(t / s),
    speedup: r2(t / f.ms),
    fastGBs: r2(f.bytes / f.ms / 1e6),
    fastGFLOPs: r2(f.flops / f.ms / 1e6),
    streamGBs: r2(w.weightBytes / s / 1e6),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { openModel, DEFAULT_MODEL_DIR } = await import('../src/engine/run.js');
  const { ctx } = await openModel(process.argv[2] ?? DEFAULT_MODEL_DIR, 'wasm');
  console.log(JSON.stringify(await benchArStep(ctx), null, 2));
}

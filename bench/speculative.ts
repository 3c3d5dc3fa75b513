// The speculative lane at its defaults (γ 4, 256 tokens, DEFAULT_DECODE's sampling) with its passes on the fast path
// (model/fast/, decode/cached-passes.ts) against every pass on tfjs: the lane's total pass time (Σ wallMs of its
// events), per kind, interleaved A/B in one process, min over repeats (the machine is shared: the ratios are what
// count). Both emit the same tokens (test/speculative.test.ts). For bench/bench.ts to call; alone:
// node --import tsx bench/speculative.ts [model-dir]
import { DEFAULT_DECODE, type DecodeConfig } from '../src/engine/config.js';
import type { ArStep } from '../src/engine/decode/cached-passes.js';
import type { DecodeContext } from '../src/engine/decode/context.js';
import type { PassKind } from '../src/engine/decode/events.js';
import { speculative } from '../src/engine/decode/speculative.js';

export interface SpeculativeBench {
  tokens: number;
  passes: number;
  /** ms, Σ wallMs of the lane's passes, min over repeats */
  fastMs: number;
  tfjsMs: number;
  /** fastMs / tfjsMs: the done-when asks ≤ 0.5 */
  fastOverTfjs: number;
  /** mean ms per pass of each kind, from the repeat with the least total */
  fastByKind: Partial<Record<PassKind, number>>;
  tfjsByKind: Partial<Record<PassKind, number>>;
}

interface LaneTime {
  ms: number;
  passes: number;
  byKind: Partial<Record<PassKind, number>>;
}

/** Σ wallMs of one run of the lane, and the mean per pass kind. */
async function laneTime(target: DecodeContext, draft: DecodeContext, cfg: DecodeConfig, p: ArStep): Promise<LaneTime> {
  const sum = new Map<PassKind, [number, number]>();
  let ms = 0,
    passes = 0;
  for await (const e of speculative(target, draft, cfg, p)) {
    ms += e.wallMs;
    passes++;
    const s = sum.get(e.kind) ?? [0, 0];
    sum.set(e.kind, [s[0] + e.wallMs, s[1] + 1]);
  }
  const byKind = Object.fromEntries([...sum].map(([k, [t, n]]) => [k, +(t / n).toFixed(3)]));
  return { ms, passes, byKind };
}

export async function benchSpeculative(
  target: DecodeContext,
  draft: DecodeContext,
  reps = 3,
  tokens = DEFAULT_DECODE.length,
): Promise<SpeculativeBench> {
  const cfg: DecodeConfig = { ...DEFAULT_DECODE, prompt: 'It is a truth universally acknowledged', length: tokens };
  await laneTime(target, draft, cfg, 'fast');
  await laneTime(target, draft, cfg, 'tfjs'); // warm-up: V8 optimises, tfjs caches transposes
  let f: LaneTime = { ms: Infinity, passes: 0, byKind: {} },
    t: LaneTime = { ms: Infinity, passes: 0, byKind: {} };
  for (let r = 0; r < reps; r++) {
    const a = await laneTime(target, draft, cfg, 'fast');
    if (a.ms < f.ms) f = a;
    const b = await laneTime(target, draft, cfg, 'tfjs');
    if (b.ms < t.ms) t = b;
  }
  return {
    tokens,
    passes: f.passes,
    fastMs: +f.ms.toFixed(1),
    tfjsMs: +t.ms.toFixed(1),
    fastOverTfjs: +(f.ms / t.ms).toFixed(3),
    fastByKind: f.byKind,
    tfjsByKind: t.byKind,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { existsSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { loadavg } = await import('node:os');
  const { openModel, DEFAULT_MODEL_DIR } = await import('../src/engine/run.js');
  const dir = process.argv[2] ?? DEFAULT_MODEL_DIR;
  // the lane's target is the AR lane's model: the ar/ copy where one ships (lanes.ts arContext)
  const { ctx } = await openModel(existsSync(join(dir, 'ar', 'model.json')) ? join(dir, 'ar') : dir, 'wasm');
  const draft = await openModel(join(dir, 'draft'), 'wasm');
  const loadStart = loadavg()[0];
  const r = await benchSpeculative(ctx, draft.ctx);
  console.log(JSON.stringify({ ...r, load: [loadStart, loadavg()[0]].map((x) => +x.toFixed(2)) }, null, 2));
}

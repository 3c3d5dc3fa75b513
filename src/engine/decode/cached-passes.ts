// One model's causal passes over a growing key/value cache that can be cut back: what the AR lane and the speculative
// lane's draft and target run on. Two ways with the same results (test/speculative.test.ts: the same tokens):
// - 'fast': every pass in a model/fast/ session's kernels (the prompt in pieces of `rows` tokens, then one token, or
//   the γ+1 tokens of a verify), the cache cut back by resetting its length; tfjs never holds these weights. A verify
//   is one FastSession.run of γ+1 rows rather than γ+1 steps: it reads each weight once, as the pass it is priced as does, with the logits of the steps bit for bit (test/fast.test.ts): ~20 % less
//   time when the weights come from memory, the same when they sit in cache (kernels.wat, panels, measured);
// - 'tfjs': every pass on the model's forward pass, the cache a tensor per layer, sliced to cut it back.
import * as tf from '@tensorflow/tfjs-core';
import { fastSession, fastStepFits, type FastSession } from '../model/fast/decoder.js';
import type { GPTConfig, KVCache } from '../model/model.js';
import type { DecodeContext } from './context.js';
import { runPass } from './context.js';

/** Where the passes run: 'fast' (a model/fast/ session) or 'tfjs' (the model's forward pass). */
export type ArStep = 'fast' | 'tfjs';

/** The fast step where its kernels can run the model's shape, else tfjs: a model with mlp 6 still runs, its steps
 *  some 3–5× slower (bench/ar-step.ts measures the two on the shipped model). */
export function arStepFor(c: GPTConfig): ArStep {
  return fastStepFits(c) ? 'fast' : 'tfjs';
}

/** Free a tfjs key/value cache's tensors. */
export function disposeCache(c: KVCache | undefined): void {
  if (!c) return;
  for (const t of c.k) t.dispose();
  for (const t of c.v) t.dispose();
}

export interface CachedPasses {
  /** where the passes run */
  readonly kind: ArStep;
  /** positions cached */
  readonly length: number;
  /** Run ids after the cache, causally; the logit rows of every id (allRows) or of the last; k = positions cached
   *  before the pass. The rows are the caller's to keep. */
  pass(ids: number[], allRows: boolean): { rows: Float32Array[]; k: number };
  /** Keep the first n positions (n ≤ length). */
  truncate(n: number): void;
  dispose(): void;
}

/** Keep the first n positions of a KV cache (the rest were speculative); the old cache is disposed. */
function truncateCache(c: KVCache, n: number): KVCache {
  if (n === c.positions.length) return c;
  const out: KVCache = {
    k: c.k.map((t) => tf.slice(t, [0, 0, 0], [-1, n, -1]) as tf.Tensor3D),
    v: c.v.map((t) => tf.slice(t, [0, 0, 0], [-1, n, -1]) as tf.Tensor3D),
    positions: c.positions.slice(0, n),
  };
  disposeCache(c);
  return out;
}

/** One causal pass of ids on tfjs after the cache; returns logit rows and the grown cache (the old one disposed). */
function tfjsPass(ctx: DecodeContext, ids: number[], cache: KVCache | undefined, allRows: boolean) {
  const k = cache?.positions.length ?? 0;
  const { rows, kv } = runPass(ctx, ids, {
    attention: 'causal',
    positions: ids.map((_, i) => k + i),
    past: cache,
    keepKV: true,
    logitRows: allRows ? ids.map((_, i) => i) : [ids.length - 1],
  });
  disposeCache(cache);
  return { rows, cache: kv!, k };
}

/** A model's passes on tfjs throughout. */
function tfjsPasses(ctx: DecodeContext): CachedPasses {
  let cache: KVCache | undefined;
  return {
    kind: 'tfjs',
    get length() {
      return cache?.positions.length ?? 0;
    },
    pass(ids, allRows) {
      const r = tfjsPass(ctx, ids, cache, allRows);
      cache = r.cache;
      return { rows: r.rows, k: r.k };
    },
    truncate(n) {
      if (cache) cache = truncateCache(cache, n);
    },
    dispose() {
      disposeCache(cache);
      cache = undefined;
    },
  };
}

/** A model's passes on the fast path: room for `capacity` positions, passes of up to `rows` tokens in one go (a
 *  longer one, the prompt, runs in pieces of `rows`). */
function fastPasses(ctx: DecodeContext, capacity: number, rows: number): CachedPasses {
  let s: FastSession | undefined;
  const V = ctx.model.config.vocab;
  return {
    kind: 'fast',
    get length() {
      return s?.length ?? 0;
    },
    pass(ids, allRows) {
      s ??= fastSession(ctx.model, capacity, rows);
      const k = s.length;
      const out: Float32Array[] = [];
      for (let i = 0; i < ids.length; i += rows) {
        const piece = ids.slice(i, i + rows);
        const last = i + rows >= ids.length;
        const n = allRows ? piece.length : 1;
        const logits = s.run(piece, n);
        if (allRows || last) for (let j = 0; j < n; j++) out.push(logits.slice(j * V, (j + 1) * V));
      }
      return { rows: out, k };
    },
    truncate(n) {
      s?.truncate(n);
    },
    dispose() {
      s?.dispose();
      s = undefined;
    },
  };
}

/** The passes of a decode of `capacity` positions in passes of up to `rows` tokens: fast where the model's shape
 *  fits the kernels (arStepFor), unless `step` is 'tfjs' (the tests' way to compare the two). */
export function cachedPasses(ctx: DecodeContext, capacity: number, rows: number, step: ArStep = 'fast'): CachedPasses {
  return step === 'fast' && arStepFor(ctx.model.config) === 'fast' ? fastPasses(ctx, capacity, rows) : tfjsPasses(ctx);
}

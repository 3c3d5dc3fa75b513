// One model's causal passes over a growing key/value cache that can be cut back: what the speculative lane runs its
// draft and its target on. Two ways with the same results (test/speculative.test.ts: the same tokens):
// - 'fast': the first pass (the prompt) on tfjs, its keys/values then copied into a model/fast/ session; every later
//   pass (one draft token, or the γ+1 tokens of a verify) in the session's kernels, and the cache cut back by
//   resetting its length. A verify is one FastSession.run of γ+1 rows rather than γ+1 steps: it reads each weight
//   once, as the pass it is priced as does, with the logits of the steps bit for bit (test/fast.test.ts): ~20 % less
//   time when the weights come from memory, the same when they sit in cache (kernels.wat, panels, measured);
// - 'tfjs': every pass on the model's forward pass, the cache a tensor per layer, sliced to cut it back.
import * as tf from '@tensorflow/tfjs-core';
import { fastSession, type FastSession } from '../model/fast/decoder.js';
import type { KVCache } from '../model/model.js';
import { arStepFor, disposeCache, type ArStep } from './autoregressive.js';
import type { DecodeContext } from './context.js';
import { runPass } from './context.js';

export interface CachedPasses {
  /** where the passes after the first run */
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

/** A model's passes on the fast path after a tfjs first pass: room for `capacity` positions, passes of up to `rows`
 *  tokens in one go (a longer one runs in pieces of `rows`). */
function fastPasses(ctx: DecodeContext, capacity: number, rows: number): CachedPasses {
  let s: FastSession | undefined;
  const V = ctx.model.config.vocab;
  return {
    kind: 'fast',
    get length() {
      return s?.length ?? 0;
    },
    pass(ids, allRows) {
      if (!s?.length) {
        const r = tfjsPass(ctx, ids, undefined, allRows);
        s ??= fastSession(ctx.model, capacity, rows);
        s.load(r.cache);
        disposeCache(r.cache);
        return { rows: r.rows, k: 0 };
      }
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

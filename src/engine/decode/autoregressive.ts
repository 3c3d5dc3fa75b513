// Autoregressive decoding with an exact KV cache: one prefill pass over the prompt (it also yields the first
// token), then one pass per token: q = 1 new token against k = every earlier token.
// The prefill runs the model's tfjs forward pass; the one-token steps run in src/engine/model/fast/ (the prefill's
// keys/values copied once into a preallocated cache written in place) where its kernels fit the model's widths, else
// the same forward pass as the prefill. Both give the same tokens (test/fast.test.ts).
import type { DecodeConfig } from '../config.js';
import { fastSession, fastStepFits, type FastSession } from '../model/fast/decoder.js';
import type { GPTConfig, KVCache } from '../model/model.js';
import type { DecodeContext } from './context.js';
import { promptPositions, runPass, stepEvent } from './context.js';
import type { StepEvent } from './events.js';
import { pick, rng, softmax } from './sample.js';

/** How the one-token steps run: 'fast' (model/fast/) or 'tfjs' (the forward pass, as the prefill). */
export type ArStep = 'fast' | 'tfjs';

/** The fast step where its kernels can run the model's shape, else tfjs: a model with mlp 6 still runs, its steps
 *  some 3–5× slower (bench/ar-step.ts measures the two on the shipped model). */
export function arStepFor(c: GPTConfig): ArStep {
  return fastStepFits(c) ? 'fast' : 'tfjs';
}

/** The AR lane's passes; `oneToken` follows from the model's shape (tests force 'tfjs' to compare the two). */
export async function* autoregressive(
  ctx: DecodeContext,
  cfg: DecodeConfig,
  oneToken: ArStep = arStepFor(ctx.model.config),
): AsyncGenerator<StepEvent> {
  const prompt = ctx.tokenizer.encode(cfg.prompt);
  const rand = rng(cfg.seed);
  const positions = promptPositions(ctx, prompt);
  let cache: KVCache | undefined;
  let fast: FastSession | undefined;
  try {
    let next = prompt;
    for (let step = 0; step < cfg.length; step++) {
      const t0 = performance.now();
      const k = cache ? cache.positions.length : fast ? fast.length : 0;
      let row: Float32Array;
      if (fast) row = fast.step(next[0]);
      else {
        const pos = next.map((_, i) => k + i);
        const { rows, kv } = runPass(ctx, next, {
          attention: 'causal',
          positions: pos,
          past: cache,
          keepKV: true,
          logitRows: [next.length - 1],
        });
        disposeCache(cache);
        cache = kv;
        if (step === 0 && oneToken === 'fast' && cfg.length > 1) {
          fast = fastSession(ctx.model, prompt.length + cfg.length - 1);
          fast.load(cache!);
          disposeCache(cache);
          cache = undefined;
        }
        row = rows[0];
      }
      const token = pick(row, cfg.temperature, cfg.topK, rand);
      const confidence = softmax(row)[token];
      const wallMs = performance.now() - t0;
      positions.push({
        state: 'committed',
        token,
        text: ctx.tokenizer.tokenText(token),
        step,
        confidence,
        guess: null,
        guessText: null,
      });
      yield stepEvent(ctx, {
        lane: 'ar',
        step,
        plannedSteps: cfg.length,
        kind: step === 0 ? 'prefill' : 'decode',
        positions,
        committed: [positions.length - 1],
        shape: { q: next.length, k, logits: 1, kvWrite: next.length, attention: 'causal' },
        wallMs,
        done: step === cfg.length - 1,
      });
      next = [token];
    }
  } finally {
    disposeCache(cache);
    fast?.dispose();
  }
}

export function disposeCache(c: KVCache | undefined): void {
  if (!c) return;
  for (const t of c.k) t.dispose();
  for (const t of c.v) t.dispose();
}

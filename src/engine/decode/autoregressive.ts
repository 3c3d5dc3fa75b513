// Autoregressive decoding with an exact KV cache: one prefill pass over the prompt (it also yields the first
// token), then one pass per token: q = 1 new token against k = every earlier token.
// Both run in a fast session of src/engine/model/fast/ (decode/cached-passes.ts: the prompt in pieces of PROMPT_ROWS
// tokens, the cache preallocated and written in place) where its kernels fit the model's widths, else on the model's
// tfjs forward pass. Both give the same tokens (test/fast.test.ts).
import type { DecodeConfig } from '../config.js';
import { arStepFor, cachedPasses, type ArStep } from './cached-passes.js';
import type { DecodeContext } from './context.js';
import { promptPositions, stepEvent } from './context.js';
import type { StepEvent } from './events.js';
import { pick, rng, softmax } from './sample.js';

/** The rows of one piece of a fast prefill: its scratch is this many rows of every activation (a longer prompt runs
 *  in pieces, each reading the weights once). */
const PROMPT_ROWS = 32;

/** The AR lane's passes; `oneToken` follows from the model's shape (tests force 'tfjs' to compare the two). */
export async function* autoregressive(
  ctx: DecodeContext,
  cfg: DecodeConfig,
  oneToken: ArStep = arStepFor(ctx.model.config),
): AsyncGenerator<StepEvent> {
  const prompt = ctx.tokenizer.encode(cfg.prompt);
  const rand = rng(cfg.seed);
  const positions = promptPositions(ctx, prompt);
  const passes = cachedPasses(ctx, prompt.length + cfg.length - 1, PROMPT_ROWS, oneToken);
  try {
    let next = prompt;
    for (let step = 0; step < cfg.length; step++) {
      const t0 = performance.now();
      const { rows, k } = passes.pass(next, false);
      const row = rows[0]!;
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
    passes.dispose();
  }
}

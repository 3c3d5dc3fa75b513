// Block diffusion with an exact cache (BD3-LM, SDAR, Fast-dLLM v2, LLaDA 2.x on SGLang): the generated text is cut into
// blocks of B tokens, decoded left to right. Inside the current block attention is bidirectional; across blocks it is
// causal, so the committed prefix's keys and values never change and are cached exactly, as an AR model caches them.
// Each pass runs the current block against that cache and commits every masked token the model is sure of (p ≥ τ),
// at least one (the surest); a block ends when it has no mask. Its speed is tokens per forward pass, not compute.
//
// The head reads token j from output row j−1 (as in AR mode): a block's first token comes from the last committed
// row, which sees only the prefix, so its logits are fixed once that row has run; the rest come from the block's rows.
// The committed rows go through the model once, in the first pass of the next block (their keys and values join the
// cache then), so a block costs no pass of its own for its cache: the prompt is the first block's "committed" rows.
import type { DecodeConfig } from '../config.js';
import type { BlockOptions, DiffusionDetail } from '../lanes.js';
import type { KVCache } from '../model/model.js';
import { disposeCache } from './cached-passes.js';
import { range, sliceCache } from './diffusion.js';
import { chooseInJs, type Choice } from './choose.js';
import type { DecodeContext } from './context.js';
import { maskedCanvas, runPass, stepEvent } from './context.js';
import type { PassShape, StepEvent } from './events.js';
import { rng } from './sample.js';

export async function* blockDiffusion(
  ctx: DecodeContext,
  cfg: DecodeConfig,
  o: BlockOptions,
  lane = 'block',
): AsyncGenerator<StepEvent> {
  const mask = ctx.tokenizer.maskId;
  const prompt = ctx.tokenizer.encode(cfg.prompt);
  const P = prompt.length;
  const { x, positions } = maskedCanvas(ctx, prompt, cfg.length);
  const blocks = Math.ceil(cfg.length / o.block);
  const rule = { temperature: cfg.temperature, topK: cfg.topK, strategy: 'low-confidence' as const };
  const rand = rng(cfg.seed);
  let cache: KVCache | undefined;
  let step = 0;
  try {
    for (let b = 0; b < blocks; b++) {
      const s = P + b * o.block;
      const e = Math.min(s + o.block, P + cfg.length);
      // the block's first token, drawn once from the last committed row (which cannot see the block)
      let first: Choice | null = null;
      while (x.slice(s, e).includes(mask)) {
        const t0 = performance.now();
        const cached = cache?.positions.length ?? 0;
        // committed rows not yet in the cache run in this pass (the prompt, or the previous block), then the block
        const from = cached;
        const masked = range(s, e).filter((j) => x[j] === mask);
        // rows whose logits are read: row j−1 for each masked j (row s−1 only while it is in this pass)
        const reads = masked.filter((j) => j > s || (first === null && from <= s - 1));
        const { rows, kv } = runPass(ctx, x.slice(from, e), {
          attention: { causalBelow: s },
          positions: range(from, e),
          past: cache,
          keepKV: from < s,
          logitRows: reads.map((j) => j - 1 - from),
        });
        const choices = chooseInJs(rows, rule, rand);
        const byPos = new Map<number, Choice>(reads.map((j, r) => [j, choices[r]!]));
        if (first === null && byPos.has(s)) first = byPos.get(s)!;
        if (first && x[s] === mask) byPos.set(s, first);
        if (kv) {
          // keep the committed rows' keys and values: exact, since they never saw a masked token
          disposeCache(cache);
          cache = sliceCache(kv, range(0, s));
          disposeCache(kv);
        }
        const cands = [...byPos.entries()].map(([j, c]) => ({ j, ...c }));
        for (const c of cands)
          Object.assign(positions[c.j]!, {
            guess: c.token,
            guessText: ctx.tokenizer.tokenText(c.token),
            confidence: c.confidence,
          });
        cands.sort((a, c) => c.confidence - a.confidence || a.j - c.j);
        let chosen = cands.filter((c) => c.confidence >= o.threshold);
        if (chosen.length === 0) chosen = cands.slice(0, 1);
        for (const c of chosen) {
          x[c.j] = c.token;
          Object.assign(positions[c.j]!, {
            state: 'committed',
            token: c.token,
            text: ctx.tokenizer.tokenText(c.token),
            step,
            confidence: c.confidence,
            guess: null,
            guessText: null,
          });
        }
        const shape: PassShape = {
          q: e - from,
          k: cached,
          logits: reads.length,
          kvWrite: Math.max(0, s - from),
          attention: 'bidirectional',
        };
        const done = b === blocks - 1 && !x.slice(s, e).includes(mask);
        yield stepEvent(ctx, {
          lane,
          step,
          plannedSteps: null,
          kind: 'denoise',
          positions,
          committed: chosen.map((c) => c.j).sort((a, c) => a - c),
          detail: { block: { index: b, count: blocks, start: s, end: e } } satisfies DiffusionDetail,
          shape,
          wallMs: performance.now() - t0,
          done,
        });
        step++;
      }
    }
  } finally {
    disposeCache(cache);
  }
}

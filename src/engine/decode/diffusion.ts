// Masked-diffusion decoding (LLaDA generate.py, Fast-dLLM caches): the prompt followed by L [MASK]s; every pass
// predicts the masked positions at once and commits some of them; semi-autoregressive blocks go left to right.
// Only the current block's masked rows get logits and a token choice (on tensors, choose.ts): a guess beyond the block
// could not be committed this pass, and its LM-head row and choice cost as much as one inside it.
import { laneOptions, type DecodeConfig } from '../config.js';
import { laneSpec, type DiffusionDetail, type DiffusionOptions } from '../lanes.js';
import type { ForwardOptions, KVCache } from '../model/model.js';
import * as tf from '@tensorflow/tfjs-core';
import { disposeCache } from './cached-passes.js';
import type { DecodeContext } from './context.js';
import { chooseOnTensors, type Choice, type ChoiceRule } from './choose.js';
import { maskedCanvas, runPassLogits, stepEvent } from './context.js';
import type { PassKind, PassShape, StepEvent } from './events.js';
import { drawsPerRow, evenSplit, rng, type Rand } from './sample.js';

interface Candidate {
  index: number;
  token: number;
  confidence: number;
  score: number;
}

/** The masked rows of one pass: `masked` every one in the pass (sequence indices), `block` those of the current block;
 *  `first` the sequence index of the pass's first row (output row r predicts token first + 1 + r). */
export interface PassRows {
  first: number;
  masked: number[];
  block: number[];
}

/** How a pass's logits become token choices: which rows get logits (`logitIdx`, sequence indices, the block's first),
 *  the pass itself, and one Choice per such row. Tests pass another (test/helpers/comparison.ts). */
export type PassChooser = (
  ctx: DecodeContext,
  ids: number[],
  opts: Omit<ForwardOptions, 'logitRows'>,
  rows: PassRows,
  rule: ChoiceRule,
  rand: Rand,
) => { logitIdx: number[]; choices: Choice[]; kv?: KVCache };

/** The block's masked rows only, chosen on tensors (choose.ts): a guess beyond the block could not be committed. */
export const chooseInBlock: PassChooser = (ctx, ids, opts, rows, rule, rand) => {
  const r = runPassLogits(ctx, ids, { ...opts, logitRows: rows.block.map((j) => j - 1 - rows.first) });
  let choices: Choice[];
  try {
    choices = chooseOnTensors(r.logits, rule, rand);
  } finally {
    r.logits.dispose();
  }
  // the rows beyond the block are not computed: their draws are skipped, so the next pass draws what it drew
  // when every masked row was chosen in JS (exact unless such a row's k-th logit was tied)
  rand.skip(
    (rows.masked.length - rows.block.length) * drawsPerRow(ctx.tokenizer.vocabSize, rule.temperature, rule.topK),
  );
  return { logitIdx: rows.block, choices, kv: r.kv };
};

export async function* diffusion(
  ctx: DecodeContext,
  cfg: DecodeConfig,
  choose: PassChooser = chooseInBlock,
): AsyncGenerator<StepEvent> {
  const o = laneOptions<DiffusionOptions>(cfg, laneSpec('diffusion'));
  const mask = ctx.tokenizer.maskId;
  const prompt = ctx.tokenizer.encode(cfg.prompt);
  const P = prompt.length;
  const N = P + cfg.length;
  const { x, positions } = maskedCanvas(ctx, prompt, cfg.length);
  const blocks = cfg.length / o.block;
  const fixed = o.strategy !== 'threshold';
  const plannedSteps = fixed ? o.steps : null;
  const rand = rng(cfg.seed);
  const rule = { temperature: cfg.temperature, topK: cfg.topK, strategy: o.strategy };
  let step = 0;
  let cache: KVCache | undefined;
  try {
    for (let b = 0; b < blocks; b++) {
      const bs = P + b * o.block;
      const be = bs + o.block;
      const schedule = fixed ? evenSplit(o.block, o.steps / blocks) : null;
      for (let i = 0; x.slice(bs, be).includes(mask); i++) {
        const t0 = performance.now();
        // which tokens go through the model this pass, against which cached keys/values
        const refresh = o.cache !== 'none' && i === 0;
        // the output at position j−1 predicts token j (as in AR mode), so a cached pass also runs position bs−1
        const first = o.cache !== 'none' && !refresh ? bs - 1 : 0;
        const last = o.cache === 'dual' && !refresh ? be : N;
        const maskedIdx = range(first + 1, last).filter((j) => x[j] === mask);
        // blocks go left to right, so every masked position is at or after bs: the block's own come first
        const blockIdx = maskedIdx.filter((j) => j < be);
        const passOpts = {
          attention: 'bidirectional' as const,
          positions: range(first, last),
          past: refresh ? undefined : cache,
          keepKV: refresh,
        };
        const { logitIdx, choices, kv } = choose(
          ctx,
          x.slice(first, last),
          passOpts,
          { first, masked: maskedIdx, block: blockIdx },
          rule,
          rand,
        );
        let kvWrite = 0;
        if (refresh && kv) {
          // Fast-dLLM: freeze the prefix (and, for dual, the suffix) computed at block start
          disposeCache(cache);
          const keep = o.cache === 'prefix' ? range(0, bs - 1) : [...range(0, bs - 1), ...range(be, N)];
          cache = sliceCache(kv, keep);
          disposeCache(kv);
          kvWrite = keep.length;
        }

        // candidates: every row chosen shows its guess (beyond the block too, where a chooser gave one); only the block's may be committed
        const cands: Candidate[] = [];
        logitIdx.forEach((j, r) => {
          const { token, confidence, score } = choices[r]; // the same sampling rule as the AR lane
          Object.assign(positions[j], { guess: token, guessText: ctx.tokenizer.tokenText(token), confidence });
          if (j < bs || j >= be) return;
          cands.push({ index: j, token, confidence, score });
        });
        cands.sort((a, c) => c.score - a.score || a.index - c.index);
        let chosen: Candidate[];
        if (schedule) chosen = cands.slice(0, Math.min(schedule[i] ?? cands.length, cands.length));
        else {
          chosen = cands.filter((c) => c.confidence >= o.threshold);
          if (chosen.length === 0) chosen = cands.slice(0, 1);
        }
        for (const c of chosen) {
          x[c.index] = c.token;
          Object.assign(positions[c.index], {
            state: 'committed',
            token: c.token,
            text: ctx.tokenizer.tokenText(c.token),
            step,
            confidence: c.confidence,
            guess: null,
            guessText: null,
          });
        }
        const wallMs = performance.now() - t0;
        const shape: PassShape = {
          q: last - first,
          k: refresh || o.cache === 'none' ? 0 : (cache?.positions.length ?? 0),
          logits: logitIdx.length,
          kvWrite,
          attention: 'bidirectional',
        };
        const kind: PassKind = refresh ? 'refresh' : 'denoise';
        const done = b === blocks - 1 && !x.slice(bs, be).includes(mask);
        yield stepEvent(ctx, {
          lane: 'diffusion',
          step,
          plannedSteps,
          kind,
          positions,
          committed: chosen.map((c) => c.index).sort((a, c) => a - c),
          shape,
          wallMs,
          done,
          detail: { block: { index: b, count: blocks, start: bs, end: be } } satisfies DiffusionDetail,
        });
        step++;
      }
    }
  } finally {
    disposeCache(cache);
  }
}

/** a, a+1, …, b−1 */
export function range(a: number, b: number): number[] {
  return Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i);
}

/** Keep the keys/values of some positions (indices into kv.positions). */
export function sliceCache(kv: KVCache, keep: number[]): KVCache {
  const idx = tf.tensor1d(
    keep.map((p) => kv.positions.indexOf(p)),
    'int32',
  );
  const out = {
    k: kv.k.map((t) => tf.gather(t, idx, 1)),
    v: kv.v.map((t) => tf.gather(t, idx, 1)),
    positions: keep,
  };
  idx.dispose();
  return out;
}

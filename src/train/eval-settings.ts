// eval's fixed settings: the schema, the seed, the targets the model card reports against, and the full and --quick
// protocols (src/train/eval.ts describes them).
import { resolve } from 'node:path';
import type { DecodeConfig } from '../engine/config.js';
import { SLICE_PATH } from './eval-fixtures.js';

export const EVAL_SCHEMA = 'dlm-watch/eval@1';
export const EVAL_SEED = 20250101;
export const PROMPTS_PATH = resolve(SLICE_PATH, '..', 'prompts.json');
export const REFERENCE_FILE = 'eval-quick.json';

/** Targets the model card reports against. */
export const TARGETS = {
  arBitsPerByte: 1.45,
  diffusionBitsPerByte: 1.7,
  arRealWordShare: 0.9,
  diffusionRealWordShare: 0.8,
  /** at t ≤ 0.2: bidirectional ÷ causal nats per masked token, and bidirectional ÷ AR nats per token */
  futureVsCausal: 0.85,
  futureVsAr: 0.9,
  /** --strategy threshold 0.9: tokens per pass, and its perplexity ÷ that of one token per pass */
  thresholdTokensPerPass: 1.3,
  thresholdPerplexityRatio: 1.5,
  /** distinct-3 of both lanes at the default settings */
  distinct3: 0.9,
} as const;
/** The mask rates the future-use figures pool: both neighbours of most masked tokens are visible. */
export const LOW_T = 0.2;
export const THRESHOLDS = [0.9, 0.7, 0.5] as const;

export interface EvalSettings {
  /** diffusion (t, mask) draws per window */
  draws: number;
  /** tokens generated per prompt */
  length: number;
  /** diffusion pass counts */
  steps: number[];
  /** how many of the fixed prompts */
  prompts: number;
  /** seed of the diffusion (t, mask) draws */
  seed: number;
  /** overrides of DEFAULT_DECODE for the default-settings rows (--quick: a shorter length) */
  defaults: Partial<DecodeConfig>;
}

export const FULL: EvalSettings = {
  draws: 3,
  length: 64,
  steps: [64, 32, 16, 8],
  prompts: Infinity,
  seed: EVAL_SEED,
  defaults: {},
};
export const QUICK: EvalSettings = {
  draws: 2,
  length: 16,
  steps: [16, 8, 4, 2],
  prompts: 2,
  seed: EVAL_SEED,
  defaults: { length: 16, lanes: { diffusion: { steps: 8, block: 16 } } },
};

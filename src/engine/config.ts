// The decode configuration shared by both lanes, and its validation (one-line errors, never a stack trace).
import type { BackendName } from './model/backends.js';
import { UsageError } from './io/errors.js';

export const STRATEGIES = ['low-confidence', 'random', 'margin', 'entropy', 'threshold'] as const;
export type Strategy = (typeof STRATEGIES)[number];
export const CACHE_MODES = ['none', 'prefix', 'dual'] as const;
export type CacheMode = (typeof CACHE_MODES)[number];

export interface DecodeConfig {
  prompt: string;
  /** tokens to generate (both lanes generate the same number) */
  length: number;
  /** diffusion passes (fixed-k strategies; split evenly over blocks) */
  steps: number;
  /** semi-autoregressive block length (= length for one block) */
  block: number;
  strategy: Strategy;
  /** threshold strategy: commit every position with p ≥ τ (at least one) */
  threshold: number;
  cache: CacheMode;
  /** 0 = greedy */
  temperature: number;
  /** 0 = no top-k filter (AR sampling) */
  topK: number;
  seed: number;
  /** speculative lane: γ, tokens the draft proposes per round */
  draftTokens: number;
}

/** γ above this proposes more than any draft keeps (τ ≤ γ + 1) and only slows the round. */
export const MAX_DRAFT_TOKENS = 16;

export const DEFAULT_DECODE: Omit<DecodeConfig, 'prompt'> = {
  // 256 tokens: with the prompt, a diffusion pass runs ~264 positions, past the ~206 at which a pass of Llama 3.3 70B
  // turns compute-bound on an H200 (ridge 0.0024 B/F), while AR stays memory-bound: the default run shows the thesis.
  // 32 passes over 8 blocks keep the view near 20 s on a 2-core machine (a 264-row pass costs 0.1–0.3 s, by machine).
  length: 256,
  steps: 32,
  // block, temperature and top-k chosen by measurement (models/README.md, "Decoding defaults"): at greedy or in one
  // block the small denoiser loops; 0.9 / 40 / blocks of 32 gave the diffusion lane its lowest perplexity with
  // distinct-3 above 0.9 over four seeds, and AR text that reads as English
  block: 32,
  strategy: 'low-confidence',
  threshold: 0.9,
  cache: 'none',
  temperature: 0.9,
  topK: 40,
  seed: 0,
  draftTokens: 4,
};

export interface EngineOptions {
  backend?: BackendName;
  /** folder with model.json, weights and tokenizer.json */
  modelDir?: string;
  /** the length (and the block and steps, where these are true) are defaults, not asked for: where the prompt and
   *  the length do not fit the model's context, the run shortens the length to fit (a small model, fixtures/tiny) */
  defaults?: { length: boolean; block: boolean; steps: boolean };
}

/** A user error: printed as one line, exit code 2 (defined with the other typed errors in errors.ts). */
export { UsageError };

/** The block length when --block is not given: DEFAULT_DECODE.block where it divides the length, else one block. */
export function defaultBlock(length: number): number {
  return length % DEFAULT_DECODE.block === 0 ? DEFAULT_DECODE.block : length;
}

/** The diffusion passes when --steps is not given: min(DEFAULT_DECODE.steps, length), rounded down to a multiple of
 *  the block count so that the default always validates. */
export function defaultSteps(length: number, block: number): number {
  // at least one block: --length 0 is refused later by validateDecode, with a finite value to refuse (0 / 0 is NaN)
  const blocks = length > 0 && block > 0 && Number.isInteger(length / block) ? length / block : 1;
  return Math.max(blocks, Math.floor(Math.min(DEFAULT_DECODE.steps, length) / blocks) * blocks);
}

/** The config with its default length cut to what the context leaves after the prompt (and its default block and
 *  steps following it); unchanged where it fits or the length was asked for. */
export function fitDefaults(c: DecodeConfig, d: EngineOptions['defaults'], context: number, promptTokens: number): DecodeConfig {
  if (!d?.length || c.length + promptTokens <= context || promptTokens >= context) return c;
  const length = context - promptTokens;
  const block = d.block ? defaultBlock(length) : c.block;
  return { ...c, length, block, steps: d.steps ? defaultSteps(length, block) : c.steps };
}

function int(name: string, v: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(v) || v < min || v > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got ${v}`);
}

/** Check a config against itself and the model's context; throws UsageError with a one-line message. */
export function validateDecode(c: DecodeConfig, context: number, promptTokens: number): void {
  if (!c.prompt.trim()) throw new UsageError('the prompt is empty: give some text, e.g. dlm-watch "It is a truth universally acknowledged"');
  int('length', c.length, 1, context);
  int('steps', c.steps, 1, c.length);
  int('block', c.block, 1, c.length);
  if (!STRATEGIES.includes(c.strategy)) throw new UsageError(`--strategy must be one of ${STRATEGIES.join(', ')}, got "${c.strategy}"`);
  if (!CACHE_MODES.includes(c.cache)) throw new UsageError(`--cache must be one of ${CACHE_MODES.join(', ')}, got "${c.cache}"`);
  if (c.length % c.block !== 0) throw new UsageError(`--length (${c.length}) must be a multiple of --block (${c.block})`);
  const blocks = c.length / c.block;
  if (c.strategy !== 'threshold' && c.steps % blocks !== 0)
    throw new UsageError(`--steps (${c.steps}) must be a multiple of the number of blocks (${blocks} = length ${c.length} / block ${c.block})`);
  if (!(c.threshold > 0 && c.threshold <= 1)) throw new UsageError(`--threshold must be in (0, 1], got ${c.threshold}`);
  if (!(c.temperature >= 0 && Number.isFinite(c.temperature))) throw new UsageError(`--temperature must be ≥ 0, got ${c.temperature}`);
  int('top-k', c.topK, 0);
  int('seed', c.seed, 0, 2 ** 31 - 1);
  int('draft-tokens', c.draftTokens, 1, MAX_DRAFT_TOKENS);
  if (promptTokens + c.length > context)
    throw new UsageError(`prompt (${promptTokens} tokens) + --length (${c.length}) exceeds the model's context of ${context} tokens`);
}

/** The `s` key's next diffusion pass count: the blocks count doubled (blocks, 2·blocks, 4·blocks … ≤ length), wrapping. */
export function nextSteps(c: Pick<DecodeConfig, 'length' | 'block' | 'steps'>): number {
  const blocks = c.length / c.block;
  const cycle: number[] = [];
  for (let s = blocks; s <= c.length; s *= 2) cycle.push(s);
  return cycle.find((s) => s > c.steps) ?? cycle[0]!;
}

// The decode configuration every lane shares, and its validation (one-line errors, never a stack trace). A lane's own
// knobs (diffusion's steps and block, speculative's γ) are not fields here: they sit under the lane's id in
// `lanes`, declared, defaulted and checked by its LaneSpec (src/engine/lanes.ts).
import type { BackendName } from './model/backends.js';
import { UsageError } from './io/errors.js';
import { isInvisible } from './io/sanitize.js';
import type { LaneId } from './decode/events.js';
import { lanes, type LaneSpec } from './lanes.js';

/** A lane's options as given (any may be missing: the lane's spec fills in its defaults, which may follow the length). */
export type LaneOptionValues = Readonly<Record<string, unknown>>;

export interface DecodeConfig {
  prompt: string;
  /** tokens to generate (every lane generates the same number) */
  length: number;
  /** 0 = greedy */
  temperature: number;
  /** 0 = no top-k filter */
  topK: number;
  seed: number;
  /** each lane's own options, under its id (LaneSpec.flags and .options); a lane missing here takes its defaults */
  lanes: Readonly<Record<LaneId, LaneOptionValues>>;
}

export const DEFAULT_DECODE: Omit<DecodeConfig, 'prompt'> = {
  // 256 tokens: with the prompt, a diffusion pass runs ~264 positions, past the ~206 at which a pass of Llama 3.3 70B
  // turns compute-bound on an H200 (ridge 0.0026 B/F at the efficiencies), while AR stays memory-bound: the default run shows the thesis.
  length: 256,
  // temperature and top-k chosen by measurement (models/README.md, "Decoding defaults"): at greedy the small
  // denoiser loops; at 64 passes 1.0 / 40 kept the diffusion lane's distinct-3 above 0.85 (0.9: 0.83) at perplexity
  // 1.6× AR's, and AR text that reads as English
  temperature: 1,
  topK: 40,
  seed: 0,
  lanes: {},
};

export interface EngineOptions {
  backend?: BackendName;
  /** folder with model.json, weights and tokenizer.json */
  modelDir?: string;
  /** the length is a default, not asked for: where the prompt and the length do not fit the model's context, the run
   *  shortens the length to fit (a small model, fixtures/tiny); lane options not given follow it */
  defaults?: { length: boolean };
  /** threads for the multi-row passes (model/fast/pass.ts): 1 forces one; undefined: DLM_WATCH_THREADS, else decide */
  threads?: number;
}

/** A user error: printed as one line, exit code 2 (defined with the other typed errors in errors.ts). */
export { UsageError };

/** A lane's options for this config: those given, its flags' defaults, then the defaults its options() computes. */
export function laneOptions<T = Record<string, unknown>>(
  c: DecodeConfig,
  spec: Pick<LaneSpec, 'id' | 'flags' | 'options'>,
): T {
  const defaults = Object.fromEntries(
    (spec.flags ?? []).filter((f) => f.default !== undefined).map((f) => [f.name, f.default]),
  );
  const given = {
    ...defaults,
    ...Object.fromEntries(Object.entries(c.lanes?.[spec.id] ?? {}).filter(([, v]) => v !== undefined)),
  };
  return (spec.options ? spec.options(given, c) : given) as T;
}

/** The config with every registered lane's options filled in (what the run shows and NDJSON writes). */
export function resolveConfig(c: DecodeConfig): DecodeConfig {
  return {
    ...c,
    lanes: {
      ...c.lanes,
      ...Object.fromEntries(
        lanes()
          .filter((l) => l.options || l.flags?.length)
          .map((l) => [l.id, laneOptions(c, l)]),
      ),
    },
  };
}

/** The config at another length: the lane options whose defaults follow the length (flags without a fixed default,
 *  e.g. diffusion's steps and block) are recomputed for it, the others kept (the warm-up's short run). */
export function atLength(c: DecodeConfig, length: number): DecodeConfig {
  const keep = (l: LaneSpec) =>
    Object.fromEntries(
      Object.entries(c.lanes?.[l.id] ?? {}).filter(
        ([k]) => l.flags?.find((f) => f.name === k)?.default !== undefined || !l.flags?.some((f) => f.name === k),
      ),
    );
  return { ...c, length, lanes: { ...c.lanes, ...Object.fromEntries(lanes().map((l) => [l.id, keep(l)])) } };
}

/** The config with its default length cut to what the context leaves after the prompt, and every lane's options
 *  filled in (those not given follow the length); the length is unchanged where it fits or was asked for. */
export function fitDefaults(
  c: DecodeConfig,
  d: EngineOptions['defaults'],
  context: number,
  promptTokens: number,
): DecodeConfig {
  const fits = !d?.length || c.length + promptTokens <= context || promptTokens >= context;
  return resolveConfig(fits ? c : { ...c, length: context - promptTokens });
}

/** "1 token", "512 tokens" */
const tokens = (n: number) => `${n} token${n === 1 ? '' : 's'}`;

/** An integer flag's value, or a one-line UsageError: "--length must be an integer from 1 to 128, got 0". */
export function checkInt(name: string, v: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(v) || v < min || v > max)
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got ${v}`);
}

/** Check a config against itself and the model's context, every lane's options by its own spec; throws UsageError
 *  with a one-line message. */
/** The most working memory one forward pass may need: past it V8 runs out of heap (4 GB) before the pass ends. */
export const MAX_PASS_BYTES = 2 ** 31;

/** Working memory of the widest pass, a full-canvas pass over T = prompt + length positions, in fp32:
 *  4·(H·T² attention scores, twice: scores and softmax) + 4·T·(4d + mlp) activations (qkv, output, MLP hidden) */
export function passWorkingBytes(T: number, m: { heads: number; d: number; mlp: number }): number {
  return 4 * (2 * m.heads * T * T) + 4 * T * (4 * m.d + m.mlp);
}

export function validateDecode(
  c: DecodeConfig,
  context: number,
  promptTokens: number,
  model?: { heads: number; d: number; mlp: number },
): void {
  if (!c.prompt.trim())
    throw new UsageError(
      'the prompt is empty: give some text, e.g. dlm-watch "It is a truth universally acknowledged"',
    );
  // zero-width spaces, a BOM, tag characters: a prompt a reader cannot see is no prompt
  if (isInvisible(c.prompt))
    throw new UsageError(
      'the prompt shows nothing (only invisible characters): give some text, e.g. dlm-watch "It is a truth universally acknowledged"',
    );
  // said before --length is checked: with the length a default, "--length must be …" would blame a flag not given
  if (promptTokens >= context)
    throw new UsageError(
      `the prompt is ${tokens(promptTokens)} and this model's context holds ${context}: no room to generate (shorten the prompt)`,
    );
  // the range says the most this prompt leaves (never the whole context: the prompt takes at least a token of it)
  const most = context - promptTokens;
  if (Number.isInteger(c.length) && c.length > most)
    throw new UsageError(
      `prompt (${tokens(promptTokens)}) + --length (${c.length}) exceeds the model's context of ${tokens(context)}: --length up to ${most} fits this prompt`,
    );
  checkInt('length', c.length, 1, most);
  for (const l of lanes()) l.validate?.(laneOptions(c, l), c);
  if (!(c.temperature >= 0 && Number.isFinite(c.temperature)))
    throw new UsageError(`--temperature must be ≥ 0, got ${c.temperature}`);
  checkInt('top-k', c.topK, 0);
  checkInt('seed', c.seed, 0, 2 ** 31 - 1);
  // refused before any allocation: a 60,000-token canvas grew the heap until V8 aborted
  const need = model ? passWorkingBytes(promptTokens + c.length, model) : 0;
  if (need > MAX_PASS_BYTES)
    throw new UsageError(
      `a pass over ${promptTokens + c.length} positions needs ~${(need / 2 ** 30).toFixed(1)} GiB of working memory, more than the ${MAX_PASS_BYTES / 2 ** 30} GiB allowed: use a shorter --length`,
    );
}

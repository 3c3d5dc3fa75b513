// Generation quality, two numbers per generated text (no UI):
//
// - Generative perplexity: how likely the model's own autoregressive mode finds a continuation. One causal forward
//   pass over prompt ++ generated (less its last token, which is only a target); the NLL of each generated token given everything before it (prompt included);
//   perplexity = exp(mean NLL over the generated tokens only). Lower is better; a judge that is the same model is
//   lenient towards its own favourite phrasings (greedy AR output scores lowest by construction), so compare
//   decoders against each other, not against published figures. With an empty prompt the first generated token
//   has no context and is left out.
// - Real-word share: the share of generated words found among the words of the training text (fixtures/words.txt;
//   single letters other than "a" and "i" are left out of it: in the corpus they are initials and abbreviations).
//   A word is a maximal run of letters (Unicode \p{L}) and apostrophes (' or ’), lower-cased, with apostrophes at
//   its ends removed ("'Tis" → "tis", "Bennet's" stays); runs without a letter are not words. Of the generated
//   text, a word that continues the prompt's last word and a final word the length limit may have cut off are
//   left out (see generatedWords).
// - distinct-n (Li et al. 2016): the share of a text's n-grams that are distinct, over word-level units (words and
//   single punctuation marks, see textUnits); loops ("and the credit of the credit", ", and the p,,,,") score low.
//   Reported as the mean over generations of each generation's own figure.
// - Real-unit share: of the same units, the share that are real words. Punctuation marks count as units that are not
//   words, so punctuation junk (",, and the,, and,,": 3 of 9) scores low where the real-word share, which looks at
//   words only, gives 100 %. English prose is ~85–90 % (its commas and full stops), never 100 %.
// - Judged quality = real-unit share × distinct-2: high only for text that is both made of real words and free of
//   loops. Perplexity rewards loops (a loop is what the model finds likely), so sweep ranks and plots by this.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { UsageError, validateDecode, type DecodeConfig } from './config.js';
import { InputError } from './io/errors.js';
import type { LaneId, StepEvent } from './decode/events.js';
import { arContext, laneSpec, type LaneModels } from './lanes.js';
import type { GPT } from './model/model.js';
import { fastSession, fastStepFits } from './model/fast/decoder.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The words of the training split, one per line (built by src/train/eval-fixtures.ts). */
export const DEFAULT_LEXICON = resolve(ROOT, 'fixtures', 'words.txt');

/** NLL in nats of each generated token under the AR mode: −log p(g_i | prompt, g_<i), one causal pass. */
export function generatedNlls(model: GPT, prompt: readonly number[], generated: readonly number[]): Float64Array {
  const first = prompt.length === 0 ? 1 : 0; // generated tokens scored: index first.. (the first has no context without a prompt)
  const n = generated.length - first;
  if (n <= 0) return new Float64Array(0);
  // the last token is only a target: the input is prompt ++ generated without it; row r predicts token r + 1
  const input = [...prompt, ...generated].slice(0, -1);
  if (input.length > model.config.context)
    throw new UsageError(
      `prompt + generated (${input.length + 1} tokens) exceed the model's context of ${model.config.context} + 1`,
    );
  const flat = lastLogits(model, input, n); // rows P−1+first … N−2: the last n rows of the input
  const V = model.config.vocab;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = nll(flat.subarray(i * V, (i + 1) * V), generated[first + i]!);
  return out;
}

/** The judge's pieces on the fast path: each reads the weights once, its scratch holds this many rows. */
const JUDGE_ROWS = 32;

/** The logits [n, V] of the last n rows of one causal pass over ids: in a fast session, in pieces, where the kernels
 *  fit the model (tfjs then never holds its weights in a live run), else one tfjs forward pass. The same logits to
 *  float rounding (test/quality.test.ts). */
function lastLogits(model: GPT, ids: number[], n: number): Float32Array {
  const V = model.config.vocab;
  if (!fastStepFits(model.config)) {
    const rows = Array.from({ length: n }, (_, i) => ids.length - n + i);
    const logits = tf.tidy(
      () =>
        model.forward(tf.tensor2d([ids], [1, ids.length], 'int32'), { attention: 'causal', logitRows: rows }).logits,
    );
    const flat = logits.dataSync() as Float32Array;
    logits.dispose();
    return flat;
  }
  const s = fastSession(model, ids.length, JUDGE_ROWS);
  try {
    const out = new Float32Array(n * V);
    for (let i = 0; i < ids.length; i += JUDGE_ROWS) {
      const piece = ids.slice(i, i + JUDGE_ROWS);
      const wanted = Math.min(piece.length, i + piece.length - (ids.length - n)); // the piece's rows among the last n
      const logits = s.run(piece, Math.max(1, wanted));
      if (wanted > 0) out.set(logits.subarray(0, wanted * V), (i + piece.length - wanted - (ids.length - n)) * V);
    }
    return out;
  } finally {
    s.dispose();
  }
}

/** −log softmax(row)[target] = logsumexp(row) − row[target] */
export function nll(row: ArrayLike<number>, target: number): number {
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) if (row[i]! > max) max = row[i]!;
  let sum = 0;
  for (let i = 0; i < row.length; i++) sum += Math.exp(row[i]! - max);
  return max + Math.log(sum) - row[target]!;
}

/** Generative perplexity: exp(Σ NLL_i / n) over the generated tokens (NaN when there are none). */
export function generativePerplexity(nlls: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < nlls.length; i++) s += nlls[i]!;
  return nlls.length ? Math.exp(s / nlls.length) : NaN;
}

const WORD = /[\p{L}'’]+/gu;
const LETTER = /\p{L}/u;

/** The words of a text, in order: lower-cased runs of letters and apostrophes, end apostrophes removed. */
export function words(text: string): string[] {
  const out: string[] = [];
  for (const m of text.toLowerCase().matchAll(WORD)) {
    const w = m[0].replace(/^['’]+|['’]+$/g, '').replace(/’/g, "'");
    if (LETTER.test(w)) out.push(w);
  }
  return out;
}

/**
 * The words of a generated text that count: not one that continues the prompt's last word (prompt ends in a
 * letter and the generation starts with one), nor the last one if the text ends inside it (cut at the length).
 */
export function generatedWords(prompt: string, generated: string): string[] {
  const w = words(generated);
  const inWord = /[\p{L}'’]/u;
  if (w.length && inWord.test(prompt.slice(-1)) && inWord.test(generated.slice(0, 1))) w.shift();
  if (w.length && inWord.test(generated.slice(-1))) w.pop();
  return w;
}

/** Real-word share: |{w ∈ words : w ∈ lexicon}| / |words| (counted with repeats; null when there are no words). */
export function realWordShare(ws: readonly string[], lexicon: ReadonlySet<string>): number | null {
  if (ws.length === 0) return null;
  let hit = 0;
  for (const w of ws) if (lexicon.has(w)) hit++;
  return hit / ws.length;
}

/** Units for distinct-n: lower-cased runs of letters and apostrophes, and every other non-space character alone. */
export function textUnits(text: string): string[] {
  return [...text.toLowerCase().matchAll(/[\p{L}'’]+|[^\s\p{L}'’]/gu)].map((m) => m[0]);
}

/** distinct-n = |distinct n-grams| / |n-grams| of one sequence of units (null when it has no n-gram). */
export function distinctN(units: readonly string[], n: number): number | null {
  const total = units.length - n + 1;
  if (total <= 0) return null;
  const seen = new Set<string>();
  for (let i = 0; i < total; i++) seen.add(units.slice(i, i + n).join('\u0000'));
  return seen.size / total;
}

/** Real-unit share: |{u ∈ units : u is a word in the lexicon}| / |units| (null when there are no units); a unit is a
 * word when it has a letter, matched as words() writes them (’ as ', no apostrophes at its ends). */
export function realUnitShare(units: readonly string[], lexicon: ReadonlySet<string>): number | null {
  if (units.length === 0) return null;
  let hit = 0;
  for (const u of units) if (LETTER.test(u) && lexicon.has(u.replace(/’/g, "'").replace(/^'+|'+$/g, ''))) hit++;
  return hit / units.length;
}

/** Judged quality = real-unit share × distinct-2; a text of one unit has no pair to repeat (distinct-2 taken as 1);
 * null without units. */
export function judgedQuality(realUnits: number | null, distinct2: number | null): number | null {
  return realUnits === null ? null : realUnits * (distinct2 ?? 1);
}

/** English's one-letter words; other single letters in the corpus are initials, numerals and "&c." (≤ 19 each). */
export const ONE_LETTER_WORDS: ReadonlySet<string> = new Set(['a', 'i']);

/** The sorted distinct words of some texts (what fixtures/words.txt holds for the training split), leaving out
 * single letters other than ONE_LETTER_WORDS, so that a stray BPE fragment ("p", "c") does not count as a word. */
export function lexiconOf(texts: readonly string[]): string[] {
  const set = new Set<string>();
  for (const t of texts) for (const w of words(t)) if (w.length > 1 || ONE_LETTER_WORDS.has(w)) set.add(w);
  return [...set].sort();
}

/** Read a word list: one word per line, lines starting with # are comments. */
export function loadLexicon(path: string = DEFAULT_LEXICON): Set<string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new InputError(`word list not found: ${path} (rebuild it with node --import tsx src/train/eval-fixtures.ts)`);
  }
  const set = new Set<string>();
  for (const line of text.split('\n')) {
    const w = line.trim();
    if (w && !w.startsWith('#')) set.add(w);
  }
  return set;
}

// ---- running a decoder and measuring what it wrote (eval and sweep) ----

/** A model directory opened for decoding and judging (the checks of createRun, with the context exposed). */
// loading lives with createRun (one place checks model, checksum and tokenizer); re-exported for eval and sweep
import { openModel, type OpenModel } from './run.js';
import { adjustedPerplexity, qualityWord } from './scores.js';
export * from './scores.js';
export { openModel, type OpenModel };

export interface Generation {
  lane: LaneId;
  config: DecodeConfig;
  promptTokens: number;
  /** the generated tokens and their text */
  tokens: number[];
  text: string;
  /** one per forward pass, as the decoder emitted them */
  events: StepEvent[];
  /** NLL (nats) of each generated token under the AR mode (generatedNlls) */
  nlls: Float64Array;
  perplexity: number;
  /** the words that count (generatedWords) and how many are in the lexicon */
  words: string[];
  realWords: number;
  realWordShare: number | null;
  /** distinct-1, -2, -3 of the generated text */
  distinct: (number | null)[];
  /** share of the text's units (words and punctuation marks) that are real words */
  realUnitShare: number | null;
  /** realUnitShare × distinct-2 */
  judged: number | null;
}

/** Run one lane to the end on a config (validated against the model), then judge its output (models: the lane's
 * other models, src/engine/run.ts openLaneModels). */
export async function measureGeneration(
  m: OpenModel,
  lane: LaneId,
  cfg: DecodeConfig,
  lexicon: ReadonlySet<string>,
  models: LaneModels = { main: m.ctx },
): Promise<Generation> {
  const prompt = m.ctx.tokenizer.encode(cfg.prompt);
  validateDecode(cfg, m.json.config.context, prompt.length, m.json.config);
  const events: StepEvent[] = [];
  for await (const e of laneSpec(lane).decode(models, cfg)) events.push(e);
  const last = events.at(-1)!;
  const tokens = last.positions.slice(prompt.length).map((p) => p.token!);
  const text = m.ctx.tokenizer.decode(tokens);
  // judged by the AR lane's model (the ar/ copy where there is one): the best next-token predictor at hand
  const nlls = generatedNlls(arContext(models).model, prompt, tokens);
  const ws = generatedWords(cfg.prompt, text);
  const realWords = ws.filter((w) => lexicon.has(w)).length;
  const units = textUnits(text);
  const distinct = [1, 2, 3].map((n) => distinctN(units, n));
  const realUnits = realUnitShare(units, lexicon);
  return {
    lane,
    config: cfg,
    promptTokens: prompt.length,
    tokens,
    text,
    events,
    nlls,
    perplexity: generativePerplexity(nlls),
    words: ws,
    realWords,
    realWordShare: realWordShare(ws, lexicon),
    distinct,
    realUnitShare: realUnits,
    judged: judgedQuality(realUnits, distinct[1]!),
  };
}

/** Pool several generations: perplexity over all their tokens, share over all their words. */
/** Pool several generations: perplexity over all their tokens, share over all their words, distinct-n as the mean of
 * the generations' own figures, passes and tokens per pass as means. */
export function pooled(gs: readonly Generation[]): {
  tokens: number;
  words: number;
  perplexity: number;
  realWordShare: number | null;
  distinct: (number | null)[];
  passes: number;
  tokensPerPass: number;
} {
  const nlls = gs.flatMap((g) => Array.from(g.nlls));
  const ws = gs.flatMap((g) => g.words);
  const real = gs.reduce((s, g) => s + g.realWords, 0);
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
  const distinct = [0, 1, 2].map((i) => mean(gs.map((g) => g.distinct[i]).filter((x): x is number => x !== null)));
  const passes = gs.reduce((s, g) => s + g.events.length, 0);
  const generated = gs.reduce((s, g) => s + g.tokens.length, 0);
  return {
    tokens: nlls.length,
    words: ws.length,
    perplexity: generativePerplexity(nlls),
    realWordShare: ws.length ? real / ws.length : null,
    distinct,
    passes: passes / gs.length,
    tokensPerPass: generated / passes,
  };
}

/** A lane's final text as the screen and the summaries judge it. */
export interface Quality {
  /** generative perplexity under the judge (the AR lanes' model) */
  perplexity: number;
  distinct3: number | null;
  /** perplexity · exp(λ·(1 − distinct-3)): what sweep ranks by */
  adjusted: number;
  word: ReturnType<typeof qualityWord>;
}

/** The generated text of a lane's last pass judged by `judge` (its committed positions in order), or null without
 *  one: generative perplexity, distinct-3 of its units, the adjusted perplexity and its word. */
export function judgeText(judge: GPT, tok: { decode(ids: number[]): string }, e: StepEvent): Quality | null {
  const prompt = e.positions.filter((p) => p.state === 'prompt').map((p) => p.token!);
  const generated = e.positions.filter((p) => p.state === 'committed').map((p) => p.token!);
  if (generated.length === 0) return null;
  const perplexity = generativePerplexity(generatedNlls(judge, prompt, generated));
  const distinct3 = distinctN(textUnits(tok.decode(generated)), 3);
  const adjusted = adjustedPerplexity(perplexity, distinct3);
  return { perplexity, distinct3, adjusted, word: qualityWord(adjusted, distinct3) };
}

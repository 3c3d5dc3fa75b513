// npm run eval -- [--model-dir models] [--ar-dir <model-dir>/ar] [--draft-dir <model-dir>/draft] [--quick] [--json] [--write-reference] [--corpus PATH] [--backend NAME]
//                  [--seed N] [--draws D]   (the ELBO's draws: another seed shows how stable the figure is)
//
// Evaluates one model directory on held-out text and on the fixed prompt set, with fixed seeds. Where the directory
// holds an AR-adapted copy of its model (ar/, same shape), the AR figures, the AR lanes and the judge of generated
// text are that copy's; the diffusion figures are always the main model's.
//
// - AR, bits per byte: every document of the validation split is cut into windows of C+1 tokens (C = the model's
//   context) that overlap by one token, starting at 0, C, 2C, …; the last window of a document is whatever is
//   left. Each window predicts its tokens 1…n from the tokens before them inside the window (arLoss), so every
//   token except a document's first is scored exactly once, with 1 to C tokens of context (C/2 on average).
//   bits/byte = Σ NLL (nats) / ln 2 / Σ UTF-8 bytes of the scored tokens.
// - Diffusion, ELBO in bits per byte: the masked-diffusion loss of src/train/objectives.ts (1/t weighted: an
//   upper bound on the NLL) on consecutive windows of C tokens (tileWindows; a document's tail shorter than C is
//   left out), D draws of (t, mask) per window with t stratified over the draws (drawMask). Token 0 of a window is
//   the visible context of the first prediction, so a window's figure is its mean loss × (C − 1) = a bound on the
//   NLL of tokens 1…C−1 in nats; bits/byte = Σ window nats / ln 2 / Σ bytes of those tokens. Two standard
//   errors: the Monte Carlo one from the spread of each window's draws (what another --seed may change: the figure
//   is "stable to ± this"), and the one across windows (delta method: what another held-out text might change).
// - Does the denoiser use the future? The same ELBO with causal attention in the denoiser (same draws), and nats per
//   masked token by mask rate in both modes: at low t a masked token has both neighbours visible, so a denoiser that
//   reads the right-hand context must beat its causal self there, and the AR mode's nats per token.
// - Baseline: the unigram of the training split on the same text (what learning only token frequencies gives; a
//   diffusion model that ignores context predicts exactly this at every masked position).
// - Generation on fixtures/prompts.json: L = 64 tokens per prompt. Greedy: AR, and diffusion (low-confidence, one
//   block, no cache) at L, L/2, L/4, L/8 passes; diffusion with --strategy threshold at τ = 0.9, 0.7, 0.5 (Fast-dLLM:
//   commit every position with p ≥ τ, at least one); greedy at the tool's default length and blocks, at 1 token per
//   pass and at τ = 0.9 (the threshold target's protocol); then every lane at the tool's default settings
//   (DEFAULT_DECODE).
//   Quality = generative perplexity under the AR lane's model (<model-dir>/ar, else the model's own AR mode), the share of generated words found among the training
//   text's words, and distinct-1/2/3 (src/engine/quality.ts), pooled over the prompts.
//
// --quick scores fixtures/eval-slice.txt (a fixed 2 KB piece of the validation split) with D = 2, and two prompts at
// L = 16: a few seconds, no corpus needed. --write-reference (with --quick) stores its figures in
// <model-dir>/eval-quick.json, which test/eval.test.ts reproduces.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { BACKENDS, type BackendName } from '../engine/model/backend.js';
import { DEFAULT_DECODE, laneOptions, UsageError, type DecodeConfig } from '../engine/config.js';
import type { LaneId } from '../engine/decode/events.js';
import { rng } from '../engine/decode/sample.js';
import { AR_MODEL, lanes } from '../engine/lanes.js';
import type { LaneModels } from '../engine/lanes.js';
import { loadLexicon, measureGeneration, openModel, pooled, type Generation, type OpenModel } from '../engine/quality.js';
import { checkSameShape, checkSameTokenizer, DEFAULT_MODEL_DIR } from '../engine/run.js';
import { autoregressive } from '../engine/decode/autoregressive.js';
import type { StepEvent } from '../engine/decode/events.js';
import { acceptanceRate, speculationOf, tokensPerVerify } from '../engine/decode/speculation.js';
import { laneSpec, withLaneOptions, type DiffusionOptions } from '../engine/lanes.js';
import { speculative } from '../engine/decode/speculative.js';
import type { Attention } from '../engine/model/model.js';
import type { Tokenizer } from '../engine/model/tokenizer.js';
import { encodeSplit, loadSplits, tileWindows, unwrapLines, type Split } from './data.js';
import { arLoss, diffusionLoss, drawMask } from './objectives.js';
import { SLICE_PATH } from './eval-fixtures.js';

export const EVAL_SCHEMA = 'dlm-watch/eval@1';
export const EVAL_SEED = 20250101;
export const PROMPTS_PATH = resolve(SLICE_PATH, '..', 'prompts.json');
export const REFERENCE_FILE = 'eval-quick.json';

/** Targets the model card reports against. */
export const TARGETS = {
  arBitsPerByte: 1.45, diffusionBitsPerByte: 1.7, arRealWordShare: 0.9, diffusionRealWordShare: 0.8,
  /** at t ≤ 0.2: bidirectional ÷ causal nats per masked token, and bidirectional ÷ AR nats per token */
  futureVsCausal: 0.85, futureVsAr: 0.9,
  /** --strategy threshold 0.9: tokens per pass, and its perplexity ÷ that of one token per pass */
  thresholdTokensPerPass: 1.3, thresholdPerplexityRatio: 1.5,
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

export const FULL: EvalSettings = { draws: 3, length: 64, steps: [64, 32, 16, 8], prompts: Infinity, seed: EVAL_SEED, defaults: {} };
export const QUICK: EvalSettings = { draws: 2, length: 16, steps: [16, 8, 4, 2], prompts: 2, seed: EVAL_SEED, defaults: { length: 16, lanes: { diffusion: { steps: 8, block: 16 } } } };

// ---- held-out likelihoods ----

/** Bytes a token sequence stands for. */
export function tokenBytes(tok: Tokenizer, ids: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < ids.length; i++) n += tok.tokenBytes(ids[i]!).length;
  return n;
}

/** Bits per byte: nats / ln 2 / bytes */
export function bitsPerByte(nats: number, bytes: number): number {
  return nats / Math.LN2 / bytes;
}

/** AR windows: C+1 tokens overlapping by one, from 0 in steps of C; the last one shorter (see the header). */
export function arWindows(split: Split, C: number): Int32Array[] {
  const out: Int32Array[] = [];
  for (const d of split.docs) for (let s = 0; s + 1 < d.length; s += C) out.push(d.subarray(s, Math.min(d.length, s + C + 1)));
  return out;
}

export interface ArFigure { bitsPerByte: number; nats: number; tokens: number; bytes: number; windows: number }

/** AR held-out NLL: Σ over windows of arLoss × (n − 1) nats, over the bytes of tokens 1…n−1 of every window. */
export function arHeldOut(m: OpenModel, split: Split, batch = 2): ArFigure {
  const C = m.json.config.context;
  const tok = m.ctx.tokenizer as Tokenizer;
  const wins = arWindows(split, C);
  let nats = 0, tokens = 0, bytes = 0;
  // batch windows of equal length (all but each document's last)
  const byLen = new Map<number, Int32Array[]>();
  for (const w of wins) byLen.set(w.length, [...(byLen.get(w.length) ?? []), w]);
  for (const [n, ws] of byLen) for (let i = 0; i < ws.length; i += batch) {
    const part = ws.slice(i, i + batch);
    const flat = new Int32Array(part.length * n);
    part.forEach((w, j) => flat.set(w, j * n));
    const loss = tf.tidy(() => arLoss(m.ctx.model, tf.tensor2d(flat, [part.length, n], 'int32')));
    nats += loss * part.length * (n - 1);
    tokens += part.length * (n - 1);
    for (const w of part) bytes += tokenBytes(tok, w.subarray(1));
  }
  return { bitsPerByte: bitsPerByte(nats, bytes), nats, tokens, bytes, windows: wins.length };
}

export interface DiffusionFigure {
  bitsPerByte: number;
  /** Monte Carlo standard error from the (t, mask) draws: how far another seed may move the figure */
  standardError: number;
  /** standard error across windows (delta method): how far another held-out text of this size may move it */
  windowStandardError: number;
  nats: number;
  /** tokens bounded: windows × (C − 1) */
  tokens: number;
  natsPerToken: number;
  bytes: number;
  windows: number;
  draws: number;
  /** mean CE (nats) of the masked tokens, by mask rate t: does the model use the visible context? */
  byMaskRate: MaskRateBucket[];
}

export interface MaskRateBucket { from: number; to: number; draws: number; maskedTokens: number; natsPerMaskedToken: number }

/** Buckets of t for byMaskRate. */
export const MASK_RATE_BUCKETS: readonly [number, number][] = [[0, 0.1], [0.1, LOW_T], [LOW_T, 0.4], [0.4, 0.6], [0.6, 0.8], [0.8, 1]];

/** Nats per masked token pooled over the buckets below t: Σ nats / Σ masked tokens. */
export function lowRate(buckets: readonly MaskRateBucket[], below = LOW_T): number {
  let nats = 0, n = 0;
  for (const b of buckets) if (b.to <= below + 1e-12) { nats += b.natsPerMaskedToken * b.maskedTokens; n += b.maskedTokens; }
  return n ? nats / n : NaN;
}

/** Masked-token CE of one draw from its loss: Σ CE·m = loss·(C−1)·t (the loss is Σ CE·m/t / (C−1)), over Σ m tokens */
export function maskedTokenNats(loss: number, C: number, t: number): number {
  return loss * (C - 1) * t;
}

/** Ratio estimate Σa / Σb and its standard error by the delta method: √(Σ(a − R·b)² / (n(n−1))) / mean(b) */
export function ratioWithError(a: readonly number[], b: readonly number[]): { ratio: number; standardError: number } {
  const n = a.length;
  const A = a.reduce((s, x) => s + x, 0), B = b.reduce((s, x) => s + x, 0);
  const R = A / B;
  if (n < 2) return { ratio: R, standardError: NaN };
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (a[i]! - R * b[i]!) ** 2;
  return { ratio: R, standardError: Math.sqrt(ss / (n * (n - 1))) / (B / n) };
}

/** Monte Carlo s.e. of Σ_w mean_k(x_wk) / B: √(Σ_w s²_w / D) / B, s²_w the sample variance of window w's D draws */
export function drawStandardError(perDraw: readonly (readonly number[])[], bytes: number): number {
  let v = 0;
  for (const xs of perDraw) {
    const D = xs.length;
    if (D < 2) return NaN;
    const mean = xs.reduce((s, x) => s + x, 0) / D;
    v += xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (D - 1) / D;
  }
  return Math.sqrt(v) / bytes;
}

/** Diffusion ELBO in bits/byte over tiled windows, `draws` (t, mask) draws each, seeded (see the header). */
export function diffusionHeldOut(m: OpenModel, split: Split, draws: number, seed = EVAL_SEED, attention: Attention = 'bidirectional'): DiffusionFigure {
  const C = m.json.config.context;
  const tok = m.ctx.tokenizer as Tokenizer;
  const wins = tileWindows(split, C);
  if (wins.length === 0) throw new UsageError(`the held-out text is shorter than one window of ${C} tokens`);
  const rand = rng(seed);
  const nats: number[] = [], bytes: number[] = [], perDraw: number[][] = [];
  const buckets = MASK_RATE_BUCKETS.map(([from, to]) => ({ from, to, draws: 0, maskedTokens: 0, nats: 0 }));
  for (const w of wins) {
    const draw = drawMask(draws, C, rand); // t stratified over this window's draws
    const x0 = tf.tensor2d(w, [1, C], 'int32');
    const xs: number[] = [];
    for (let k = 0; k < draws; k++) {
      const one = { t: draw.t.subarray(k, k + 1), mask: draw.mask.subarray(k * C, (k + 1) * C) };
      const loss = tf.tidy(() => diffusionLoss(m.ctx.model, x0, one, attention));
      xs.push(loss * (C - 1)); // this draw's bound on the NLL of the window's tokens 1…C−1, nats
      const t = one.t[0]!;
      const b = buckets.find((x) => t >= x.from && (t < x.to || x.to === 1))!;
      b.draws++;
      b.maskedTokens += one.mask.reduce((s, x) => s + x, 0);
      b.nats += maskedTokenNats(loss, C, t);
    }
    x0.dispose();
    perDraw.push(xs);
    nats.push(xs.reduce((s, x) => s + x, 0) / draws);
    bytes.push(tokenBytes(tok, w.subarray(1)));
  }
  const r = ratioWithError(nats, bytes);
  const B = bytes.reduce((s, x) => s + x, 0);
  return {
    bitsPerByte: r.ratio / Math.LN2,
    standardError: drawStandardError(perDraw, B) / Math.LN2,
    windowStandardError: r.standardError / Math.LN2,
    nats: nats.reduce((s, x) => s + x, 0),
    tokens: wins.length * (C - 1),
    natsPerToken: nats.reduce((s, x) => s + x, 0) / (wins.length * (C - 1)),
    bytes: B,
    windows: wins.length,
    draws,
    byMaskRate: buckets.map((b) => ({ from: b.from, to: b.to, draws: b.draws, maskedTokens: b.maskedTokens, natsPerMaskedToken: b.nats / b.maskedTokens })),
  };
}

/** The floor a model that learned only token frequencies reaches: held-out cross-entropy of the training split's
 * unigram, add-one smoothed over the V − 1 predictable ids: bits/byte = −Σ log p(x) / ln 2 / held-out bytes. */
export function unigramBaseline(train: Split, heldOut: Split, predictable: number): { bitsPerByte: number; natsPerToken: number } {
  const counts = new Float64Array(predictable).fill(1);
  let n = predictable;
  for (const d of train.docs) for (const t of d) { counts[t]!++; n++; }
  let nats = 0;
  for (const d of heldOut.docs) for (const t of d) nats -= Math.log(counts[t]! / n);
  return { bitsPerByte: bitsPerByte(nats, heldOut.bytes), natsPerToken: nats / heldOut.tokens };
}

// ---- generation quality ----

export function loadPrompts(path = PROMPTS_PATH): string[] {
  let j: { prompts?: unknown };
  try {
    j = JSON.parse(readFileSync(path, 'utf8')) as { prompts?: unknown };
  } catch (e) {
    throw new UsageError(`cannot read the prompt set ${path}: ${(e as Error).message}`);
  }
  if (!Array.isArray(j.prompts) || !j.prompts.every((p) => typeof p === 'string' && p.trim())) throw new UsageError(`${path}: "prompts" must be a list of non-empty strings`);
  return j.prompts as string[];
}

export interface QualityRow {
  lane: LaneId;
  /** how it decoded, in words */
  label: string;
  /** forward passes per generation (mean over the prompts) */
  steps: number;
  tokensPerPass: number;
  tokens: number;
  words: number;
  perplexity: number;
  realWordShare: number | null;
  /** distinct-1, -2, -3 (mean over the prompts) */
  distinct: (number | null)[];
  samples: { prompt: string; text: string }[];
}

function row(lane: LaneId, label: string, gs: Generation[]): QualityRow {
  const p = pooled(gs);
  return { lane, label, steps: p.passes, tokensPerPass: p.tokensPerPass, tokens: p.tokens, words: p.words, perplexity: p.perplexity, realWordShare: p.realWordShare, distinct: p.distinct, samples: gs.map((g) => ({ prompt: g.config.prompt, text: g.text })) };
}

export const DEFAULT_LABEL = 'default settings';
/** rows at the default length and blocks but greedy (the threshold target's protocol) */
export const AT_DEFAULT_LENGTH = 'default length';

/** Greedy AR and diffusion at each step count, greedy threshold decoding at each τ, then every lane at the tool's
 * defaults; every run on every prompt, seed EVAL_SEED. */
export async function generationQuality(m: OpenModel, prompts: string[], s: EvalSettings, models: LaneModels = { main: m.ctx }): Promise<QualityRow[]> {
  const lexicon = loadLexicon();
  const greedy = (prompt: string, steps: number): DecodeConfig => ({ ...DEFAULT_DECODE, prompt, length: s.length, lanes: { diffusion: { block: s.length, steps, strategy: 'low-confidence', cache: 'none' } }, temperature: 0, topK: 0, seed: EVAL_SEED });
  const rows: QualityRow[] = [];
  const run = async (lane: LaneId, label: string, cfg: (p: string) => DecodeConfig) => {
    const gs: Generation[] = [];
    for (const p of prompts) gs.push(await measureGeneration(m, lane, cfg(p), lexicon, models));
    rows.push(row(lane, label, gs));
  };
  await run('ar', 'AR, greedy', (p) => greedy(p, s.length));
  for (const steps of s.steps) await run('diffusion', 'diffusion, low-confidence, greedy', (p) => greedy(p, steps));
  for (const threshold of THRESHOLDS) await run('diffusion', `diffusion, threshold ${threshold}, greedy`, (p) => withLaneOptions(greedy(p, s.length), 'diffusion', { strategy: 'threshold', threshold }));
  // the target's protocol: τ = 0.9 at the tool's default length and blocks, against 1 token per pass there
  const atDefault = (p: string): DecodeConfig => ({ ...DEFAULT_DECODE, ...s.defaults, prompt: p, temperature: 0, topK: 0, seed: EVAL_SEED });
  await run('diffusion', `diffusion, 1 token per pass, greedy, ${AT_DEFAULT_LENGTH}`, (p) => withLaneOptions(atDefault(p), 'diffusion', { steps: atDefault(p).length }));
  await run('diffusion', `diffusion, threshold ${THRESHOLDS[0]}, greedy, ${AT_DEFAULT_LENGTH}`, (p) => withLaneOptions(atDefault(p), 'diffusion', { strategy: 'threshold', threshold: THRESHOLDS[0] }));
  const dflt = (p: string): DecodeConfig => ({ ...DEFAULT_DECODE, ...s.defaults, prompt: p, seed: EVAL_SEED });
  // every registered lane whose models are at hand (the speculative lane needs a draft)
  for (const l of lanes()) if (l.models.every((r) => r in models)) await run(l.id, `${l.label}, ${DEFAULT_LABEL}`, dflt);
  return rows;
}

export interface SpeculativeRow {
  draftTokens: number;
  /** α = kept / proposed draft tokens, pooled over the prompts */
  acceptance: number;
  /** τ = tokens emitted per verify pass */
  tokensPerVerify: number;
  /** passes per generation (mean): draft and verify (the target prefill excluded) */
  draftPasses: number;
  verifyPasses: number;
  /** prompts whose greedy speculative text equals greedy AR's token for token */
  sameAsAr: number;
}

export const DRAFT_TOKENS = [2, 4, 8] as const;

/** Greedy speculative decoding with the draft at γ = 2, 4, 8 on every prompt: α, τ, passes, identity with AR. */
export async function speculativeQuality(m: OpenModel, d: OpenModel, prompts: string[], length: number): Promise<SpeculativeRow[]> {
  const cfg = (prompt: string): DecodeConfig => ({ ...DEFAULT_DECODE, prompt, length, lanes: { diffusion: { steps: length, block: length } }, temperature: 0, topK: 0, seed: EVAL_SEED });
  const arTexts: number[][] = [];
  for (const p of prompts) {
    const tokens: number[] = [];
    for await (const e of autoregressive(m.ctx, cfg(p))) if (e.done) tokens.push(...e.positions.filter((x) => x.state === 'committed').map((x) => x.token!));
    arTexts.push(tokens);
  }
  const rows: SpeculativeRow[] = [];
  for (const gamma of DRAFT_TOKENS) {
    let kept = 0, proposed = 0, rounds = 0, draftPasses = 0, same = 0;
    for (const [i, p] of prompts.entries()) {
      let last: StepEvent | null = null;
      for await (const e of speculative(m.ctx, d.ctx, withLaneOptions(cfg(p), 'speculative', { draftTokens: gamma }))) { last = e; if (e.kind === 'draft') draftPasses++; }
      const sp = speculationOf(last!)!;
      kept += sp.keptTotal; proposed += sp.proposedTotal; rounds += sp.rounds;
      if (JSON.stringify(last!.positions.filter((x) => x.state === 'committed').map((x) => x.token)) === JSON.stringify(arTexts[i])) same++;
    }
    const pooledSpec = { model: 'target' as const, proposed: [], kept: null, rounds, proposedTotal: proposed, keptTotal: kept };
    rows.push({ draftTokens: gamma, acceptance: acceptanceRate(pooledSpec) ?? NaN, tokensPerVerify: tokensPerVerify(pooledSpec) ?? NaN, draftPasses: draftPasses / prompts.length, verifyPasses: rounds / prompts.length, sameAsAr: same });
  }
  return rows;
}

// ---- the report ----

export interface EvalReport {
  schema: typeof EVAL_SCHEMA;
  mode: 'full' | 'quick';
  model: { dir: string; name: string; params: number; context: number; sha256: Record<string, string>; meta: Record<string, unknown> | null };
  /** the AR-adapted copy that gave the AR figures (null: the main model's own AR mode) */
  arModel: { dir: string; name: string; sha256: Record<string, string>; meta: Record<string, unknown> | null } | null;
  backend: BackendName;
  heldOut: { text: string; tokens: number; bytes: number };
  /** a unigram model of the training split on the same held-out text (full mode; null with --quick) */
  baseline: { unigram: { bitsPerByte: number; natsPerToken: number } } | null;
  ar: ArFigure;
  diffusion: DiffusionFigure & { seed: number };
  /** the same ELBO, same draws, with causal attention in the denoiser */
  diffusionCausal: DiffusionFigure & { seed: number };
  /** nats per masked token at t ≤ LOW_T, both modes, against the AR mode's nats per token */
  futureUse: { below: number; bidirectional: number; causal: number; arNatsPerToken: number; vsCausal: number; vsAr: number };
  generation: { length: number; prompts: number; defaults: DecodeConfig; rows: QualityRow[] };
  /** greedy speculative decoding with the shipped draft (null without one) */
  speculative: { draft: { dir: string; name: string; params: number }; rows: SpeculativeRow[] } | null;
  targets: { name: string; target: string; value: number | null; met: boolean | null }[];
  seconds: number;
}

export interface EvalOptions {
  modelDir?: string;
  /** the speculative lane's draft (default <model-dir>/draft; none there: no speculative figures) */
  draftDir?: string;
  /** the AR-adapted copy (default <model-dir>/ar; none there: the main model's AR mode) */
  arDir?: string;
  quick?: boolean;
  corpus?: string;
  backend?: BackendName;
  /** override the settings (tests) */
  settings?: Partial<EvalSettings>;
}

export async function evaluate(o: EvalOptions = {}): Promise<EvalReport> {
  const t0 = performance.now();
  const dir = resolve(o.modelDir ?? DEFAULT_MODEL_DIR);
  const s: EvalSettings = { ...(o.quick ? QUICK : FULL), ...o.settings };
  const m = await openModel(dir, o.backend);
  const others: OpenModel[] = [];
  try {
    const arDir = resolve(o.arDir ?? join(dir, AR_MODEL));
    let arm = m;
    if (existsSync(join(arDir, 'model.json'))) {
      arm = await openModel(arDir, o.backend);
      others.push(arm);
      checkSameTokenizer(m, arm, AR_MODEL);
      checkSameShape(m, arm, AR_MODEL);
    }
    const tok = m.ctx.tokenizer as Tokenizer;
    let split: Split, text: string;
    let baseline: EvalReport['baseline'] = null;
    if (o.quick) {
      if (!existsSync(SLICE_PATH)) throw new UsageError(`${SLICE_PATH} not found (rebuild it with node --import tsx src/train/eval-fixtures.ts)`);
      split = encodeSplit(tok, [unwrapLines(readFileSync(SLICE_PATH, 'utf8'))]); // as the model is trained: wrapped lines joined
      text = 'fixtures/eval-slice.txt';
    } else {
      const splits = loadSplits(tok, o.corpus);
      split = splits.valid;
      text = 'validation split (last 5 % of each novel, wrapped lines joined)';
      baseline = { unigram: unigramBaseline(splits.train, split, m.json.config.maskId) };
    }
    const ar = arHeldOut(arm, split);
    const diffusion = diffusionHeldOut(m, split, s.draws, s.seed);
    const diffusionCausal = diffusionHeldOut(m, split, s.draws, s.seed, 'causal');
    const arNats = ar.nats / ar.tokens;
    const bi = lowRate(diffusion.byMaskRate), ca = lowRate(diffusionCausal.byMaskRate);
    const futureUse = { below: LOW_T, bidirectional: bi, causal: ca, arNatsPerToken: arNats, vsCausal: bi / ca, vsAr: bi / arNats };
    const prompts = loadPrompts().slice(0, s.prompts);
    let spec: EvalReport['speculative'] = null;
    let rows: QualityRow[];
    const draftDir = resolve(o.draftDir ?? join(dir, 'draft'));
    const models = { main: m.ctx, [AR_MODEL]: arm.ctx };
    if (existsSync(join(draftDir, 'model.json'))) {
      const d = await openModel(draftDir, o.backend);
      others.push(d);
      checkSameTokenizer(m, d, 'draft');
      rows = await generationQuality(m, prompts, s, { ...models, draft: d.ctx });
      spec = { draft: { dir: draftDir, name: d.name, params: d.ctx.model.numParams }, rows: await speculativeQuality(arm, d, prompts, s.length) };
    } else rows = await generationQuality(m, prompts, s, models);
    const arRow = rows[0]!;
    const half = rows.find((r) => r.label.includes('low-confidence') && r.steps === s.length / 2) ?? null;
    const one = rows.find((r) => r.label.includes('1 token per pass') && r.label.endsWith(AT_DEFAULT_LENGTH)) ?? null;
    const t09 = rows.find((r) => r.label.includes(`threshold ${THRESHOLDS[0]}`) && r.label.endsWith(AT_DEFAULT_LENGTH)) ?? null;
    const defaults = rows.filter((r) => r.label.endsWith(DEFAULT_LABEL));
    const minDistinct3 = Math.min(...defaults.map((r) => r.distinct[2] ?? 0));
    const T_ = TARGETS;
    const targets = [
      { name: 'AR held-out bits/byte', target: `≤ ${T_.arBitsPerByte}`, value: ar.bitsPerByte, met: ar.bitsPerByte <= T_.arBitsPerByte },
      { name: 'diffusion ELBO bits/byte', target: `≤ ${T_.diffusionBitsPerByte}`, value: diffusion.bitsPerByte, met: diffusion.bitsPerByte <= T_.diffusionBitsPerByte },
      { name: `t ≤ ${LOW_T}: bidirectional ÷ causal nats per masked token`, target: `≤ ${T_.futureVsCausal}`, value: futureUse.vsCausal, met: futureUse.vsCausal <= T_.futureVsCausal },
      { name: `t ≤ ${LOW_T}: bidirectional nats per masked token ÷ AR nats per token`, target: `≤ ${T_.futureVsAr}`, value: futureUse.vsAr, met: futureUse.vsAr <= T_.futureVsAr },
      { name: `threshold ${THRESHOLDS[0]} at the default length: tokens per pass`, target: `≥ ${T_.thresholdTokensPerPass}`, value: t09?.tokensPerPass ?? null, met: t09 ? t09.tokensPerPass >= T_.thresholdTokensPerPass : null },
      { name: `threshold ${THRESHOLDS[0]} at the default length: perplexity ÷ that of 1 token per pass`, target: `≤ ${T_.thresholdPerplexityRatio}`, value: t09 && one ? t09.perplexity / one.perplexity : null, met: t09 && one ? t09.perplexity / one.perplexity <= T_.thresholdPerplexityRatio : null },
      { name: 'distinct-3, both lanes at the default settings (lower of the two)', target: `≥ ${T_.distinct3}`, value: minDistinct3, met: minDistinct3 >= T_.distinct3 },
      { name: 'AR real-word share (greedy)', target: `≥ ${T_.arRealWordShare * 100} %`, value: arRow.realWordShare, met: (arRow.realWordShare ?? 0) >= T_.arRealWordShare },
      // no words at all (e.g. only newlines) cannot meet a share target
      { name: `diffusion real-word share (greedy, ${s.length / 2} steps)`, target: `≥ ${T_.diffusionRealWordShare * 100} %`, value: half?.realWordShare ?? null, met: half ? (half.realWordShare ?? 0) >= T_.diffusionRealWordShare : null },
    ];
    return {
      schema: EVAL_SCHEMA,
      mode: o.quick ? 'quick' : 'full',
      model: { dir, name: m.name, params: m.ctx.model.numParams, context: m.json.config.context, sha256: m.json.sha256, meta: m.json.meta ?? null },
      arModel: arm === m ? null : { dir: arDir, name: arm.name, sha256: arm.json.sha256, meta: arm.json.meta ?? null },
      backend: m.backend,
      heldOut: { text, tokens: split.tokens, bytes: split.bytes },
      baseline,
      ar,
      diffusion: { ...diffusion, seed: s.seed },
      diffusionCausal: { ...diffusionCausal, seed: s.seed },
      futureUse,
      speculative: spec,
      generation: { length: s.length, prompts: prompts.length, defaults: { ...DEFAULT_DECODE, ...s.defaults, prompt: '', seed: EVAL_SEED }, rows },
      targets,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    for (const x of [m, ...others]) x.ctx.model.dispose();
  }
}

// ---- the quick reference (test/eval.test.ts) ----

export interface QuickReference {
  schema: 'dlm-watch/eval-quick@1';
  note: string;
  backend: BackendName;
  sha256: Record<string, string>;
  /** the ar/ copy's checksums (null: the AR figures are the main model's) */
  arSha256: Record<string, string> | null;
  arBitsPerByte: number;
  diffusionBitsPerByte: number;
  diffusionCausalBitsPerByte: number;
  generation: { lane: string; label: string; steps: number; perplexity: number; realWordShare: number | null }[];
}

export function quickReference(r: EvalReport): QuickReference {
  return {
    schema: 'dlm-watch/eval-quick@1',
    note: 'figures of `npm run eval -- --quick` (fixtures/eval-slice.txt, two prompts at L = 16); test/eval.test.ts reproduces them. Rewrite with `npm run eval -- --quick --write-reference`.',
    backend: r.backend,
    sha256: r.model.sha256,
    arSha256: r.arModel?.sha256 ?? null,
    arBitsPerByte: r.ar.bitsPerByte,
    diffusionBitsPerByte: r.diffusion.bitsPerByte,
    diffusionCausalBitsPerByte: r.diffusionCausal.bitsPerByte,
    generation: r.generation.rows.map((g) => ({ lane: g.lane, label: g.label, steps: g.steps, perplexity: g.perplexity, realWordShare: g.realWordShare })),
  };
}

// ---- text ----

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '–');
const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(1)} %`);

function table(rows: string[][]): string[] {
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => '  ' + r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ').trimEnd());
}

export function evalText(r: EvalReport): string {
  const out: string[] = [];
  const meta = r.model.meta ?? {};
  const step = 'steps' in meta && 'plannedSteps' in meta && meta.steps !== meta.plannedSteps ? `, step ${String(meta.steps)} of ${String(meta.plannedSteps)}` : '';
  out.push(`dlm-watch eval (${r.mode}): ${r.model.name}${step}, ${r.model.params.toLocaleString('en-US')} params, context ${r.model.context}, backend ${r.backend}`);
  if (r.arModel) out.push(`AR figures, AR lanes and the judge of generated text: ${r.arModel.name} (the same shape, adapted to next-token prediction)`);
  out.push(`held-out: ${r.heldOut.text}, ${r.heldOut.tokens.toLocaleString('en-US')} tokens, ${r.heldOut.bytes.toLocaleString('en-US')} bytes`);
  out.push('');
  const elbo = (name: string, d: EvalReport['diffusion']) => [name, f3(d.bitsPerByte), f3(d.standardError), f3(d.windowStandardError), f3(d.natsPerToken), `${d.windows} windows × ${d.draws} draws, seed ${d.seed}`];
  out.push(...table([
    ['likelihood', 'bits/byte', '± s.e. (draws)', '± s.e. (windows)', 'nats/token', 'scored'],
    ['AR (causal NLL)', f3(r.ar.bitsPerByte), '', '', f3(r.ar.nats / r.ar.tokens), `${r.ar.tokens} tokens in ${r.ar.windows} windows`],
    ...(r.baseline ? [['unigram of the train split', f3(r.baseline.unigram.bitsPerByte), '', '', f3(r.baseline.unigram.natsPerToken), 'all held-out tokens (the floor of learning only frequencies)']] : []),
    elbo('diffusion (ELBO bound)', r.diffusion),
    elbo('  same, causal denoiser', r.diffusionCausal),
  ]));
  out.push('');
  out.push('diffusion, nats per masked token by mask rate t (same draws in both modes)');
  out.push(...table([
    ['attention', ...r.diffusion.byMaskRate.map((b) => `t ${b.from.toFixed(1)}–${b.to.toFixed(1)}`)],
    ['bidirectional', ...r.diffusion.byMaskRate.map((b) => (b.maskedTokens ? f3(b.natsPerMaskedToken) : '–'))],
    ['causal', ...r.diffusionCausal.byMaskRate.map((b) => (b.maskedTokens ? f3(b.natsPerMaskedToken) : '–'))],
  ]));
  const fu = r.futureUse;
  out.push(`  t ≤ ${fu.below}: bidirectional ${f3(fu.bidirectional)}, causal ${f3(fu.causal)} (× ${f3(fu.vsCausal)}); AR ${r.arModel ? 'model' : 'mode'} ${f3(fu.arNatsPerToken)} nats/token (× ${f3(fu.vsAr)})${r.baseline ? `; unigram ${f3(r.baseline.unigram.natsPerToken)}` : ''}`);
  out.push('');
  const g = r.generation;
  const d = g.defaults;
  const dd = laneOptions<DiffusionOptions>(d, laneSpec('diffusion'));
  out.push(`generation: ${g.prompts} prompts × ${g.length} tokens; quality judged by ${r.arModel ? r.arModel.name : "the model's AR mode"}; distinct-n over words and punctuation`);
  out.push(`  default settings: length ${d.length}, ${dd.steps} diffusion steps, block ${dd.block}, ${dd.strategy}, temperature ${d.temperature}, top-k ${d.topK}`);
  const dn = (x: number | null) => (x === null ? '–' : x.toFixed(2));
  out.push(...table([
    ['decoder', 'passes', 'tokens/pass', 'gen. perplexity', 'real words', 'distinct-1/2/3'],
    ...g.rows.map((q) => [q.label, q.steps.toFixed(1), q.tokensPerPass.toFixed(2), q.perplexity.toFixed(2), pct(q.realWordShare), q.distinct.map(dn).join(' / ')]),
  ]));
  if (r.speculative) {
    out.push('');
    out.push(`speculative decoding, greedy, draft ${r.speculative.draft.name} (${r.speculative.draft.params.toLocaleString('en-US')} params): per generation of ${g.length} tokens`);
    out.push(...table([
      ['draft tokens γ', 'α (kept/proposed)', 'τ (tokens/verify)', 'draft passes', 'verify passes', 'same text as AR'],
      ...r.speculative.rows.map((x) => [String(x.draftTokens), f3(x.acceptance), f3(x.tokensPerVerify), x.draftPasses.toFixed(1), x.verifyPasses.toFixed(1), `${x.sameAsAr} of ${g.prompts}`]),
    ]));
  }
  out.push('');
  out.push('targets');
  out.push(...table([
    ['measure', 'target', 'value', ''],
    ...r.targets.map((t) => [t.name, t.target, t.value === null ? (t.name.includes('share') ? 'no words' : '–') : t.name.includes('share') ? pct(t.value) : f3(t.value), t.met === null ? '' : t.met ? 'met' : 'NOT met']),
  ]));
  out.push('');
  out.push('samples (default settings: AR, then diffusion)');
  const [dar, ddf] = [g.rows.find((q) => q.lane === 'ar' && q.label.endsWith(DEFAULT_LABEL)), g.rows.find((q) => q.lane === 'diffusion' && q.label.endsWith(DEFAULT_LABEL))];
  for (let i = 0; i < Math.min(3, dar?.samples.length ?? 0); i++) {
    out.push(`  ${JSON.stringify(dar!.samples[i]!.prompt)}`);
    out.push(`    AR:        ${JSON.stringify(dar!.samples[i]!.text)}`);
    if (ddf) out.push(`    diffusion: ${JSON.stringify(ddf.samples[i]!.text)}`);
  }
  out.push(`(${r.seconds.toFixed(1)} s)`);
  return out.join('\n') + '\n';
}

// ---- command line ----

function intFlag(name: string, v: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > 2 ** 31 - 1) throw new UsageError(`--${name} must be an integer ≥ ${min}, got "${v}"`);
  return n;
}

export async function main(argv: string[]): Promise<number> {
  let a;
  try {
    a = parseArgs({
      args: argv,
      options: {
        'model-dir': { type: 'string' }, 'draft-dir': { type: 'string' }, 'ar-dir': { type: 'string' }, quick: { type: 'boolean', default: false }, json: { type: 'boolean', default: false },
        'write-reference': { type: 'boolean', default: false }, corpus: { type: 'string' }, backend: { type: 'string' },
        seed: { type: 'string' }, draws: { type: 'string' },
      },
    }).values;
  } catch (e) {
    process.stderr.write(`eval: ${(e as Error).message.split('\n')[0]}\n`);
    return 2;
  }
  try {
    if (a['write-reference'] && !a.quick) throw new UsageError('--write-reference needs --quick');
    if (a.backend && !BACKENDS.includes(a.backend as BackendName)) throw new UsageError(`--backend must be one of ${BACKENDS.join(', ')}`);
    const settings: Partial<EvalSettings> = {};
    if (a.seed !== undefined) settings.seed = intFlag('seed', a.seed, 0);
    if (a.draws !== undefined) settings.draws = intFlag('draws', a.draws, 2);
    if (a['write-reference'] && Object.keys(settings).length) throw new UsageError('--write-reference takes the fixed settings: leave out --seed and --draws');
    const r = await evaluate({ modelDir: a['model-dir'], draftDir: a['draft-dir'], arDir: a['ar-dir'], quick: a.quick, corpus: a.corpus, backend: a.backend as BackendName | undefined, settings });
    process.stdout.write(a.json ? JSON.stringify(r, null, 2) + '\n' : evalText(r));
    if (a['write-reference']) {
      const path = join(r.model.dir, REFERENCE_FILE);
      writeFileSync(path, JSON.stringify(quickReference(r), null, 2) + '\n');
      process.stderr.write(`wrote ${path}\n`);
    }
    return 0;
  } catch (e) {
    const err = e as Error;
    process.stderr.write(`eval: ${String(err.message ?? e).split('\n')[0]}\n`);
    return err instanceof UsageError || err.name === 'CorpusError' ? 2 : 1;
  }
}

if (process.argv[1]?.endsWith('eval.ts')) {
  const code = await main(process.argv.slice(2));
  // tfjs' wasm module keeps handles open
  process.stdout.write('', () => process.exit(code));
}

// Re-price a pass schedule on a big model and real hardware (roofline), and price a whole generation (calc).
//
// Projecting the tiny model's run: a PassShape (q, k, logits, kvWrite, attention) counts tokens, not weights,
// so the big model's schedule IS the tiny model's shape sequence, priced with the big model's shape and dtype
// (scheduleOf). What carries over is the decoding schedule the tiny model chose (how many passes, how many
// tokens each); what does not is any claim that the big model would commit the same tokens in the same number
// of passes (data-driven strategies such as `threshold` depend on the model's confidence).
import { UsageError } from '../io/errors.js';
import {
  activeParams, embeddingParams, expertsTouched, linearParamsPerLayer, lmHeadParams, matmulParams, moeLayers, passCost, routedTokens, totalParams,
  weightBytes, type BatchedPass,
} from './cost.js';
import type { PassCost, PassShape } from './shape.js';
import { BANDWIDTH_RANGE_GBS, findHardware, inRange, LOCAL, TFLOPS_RANGE } from './hardware.js';
import { overheadSeconds, type OverheadTerms } from './overhead.js';
import { findModel, shapeFromFields, type ModelPreset, type ShapeFields } from './presets.js';
import {
  crossoverTokens, effectiveRidgeBytesPerFlop, passTime, ridgeBytesPerFlop, rooflineFor, validateEfficiency, type Bound, type Efficiency, type Roofline,
} from './roofline.js';
import { BYTES_PER_ELEMENT, type Dtype, type ModelShape, type Precision } from './shape.js';

export const DTYPES: readonly Dtype[] = ['fp32', 'bf16', 'fp16', 'fp8', 'int8', 'int4'];

export function parseDtype(s: string, flag = '--dtype'): Dtype {
  const d = s.trim().toLowerCase() as Dtype;
  if (!DTYPES.includes(d)) throw new UsageError(`unknown ${flag} "${s}": valid values are ${DTYPES.join(', ')}`);
  return d;
}

/** KV-cache dtype when none is given: the weights' dtype, except int4 weights keep an 8-bit cache (4-bit caches are rare). */
export function defaultKvDtype(weights: Dtype): Dtype {
  return weights === 'int4' ? 'int8' : weights;
}

/** Bytes per weight and per KV element: b_w = bytes(dtype), b_kv = bytes(kv dtype) */
export function precisionFor(weights: Dtype, kv: Dtype = defaultKvDtype(weights)): Precision {
  return { weightBytes: BYTES_PER_ELEMENT[weights], kvBytes: BYTES_PER_ELEMENT[kv] };
}

// ---- selecting a target (shared by calc and the live view) ----

/** What a projection prices on: model shape, dtype, hardware roofline, efficiencies. */
export interface ProjectionTarget {
  model: ModelPreset;
  dtype: Dtype;
  kvDtype: Dtype;
  precision: Precision;
  roofline: Roofline;
  eff: Efficiency;
  /** true when --peak-tflops or --bandwidth replaced a table figure */
  overridden: boolean;
  /** B: sequences decoded together in every pass (each with its own KV cache) */
  batch: number;
  /** the speculative lane's draft on the target (its draft passes are priced on this model) */
  draft: ModelPreset;
}

export interface TargetOptions {
  hardware?: string;
  model?: string;
  dtype?: string;
  kvDtype?: string;
  computeEff?: number;
  memoryEff?: number;
  /** TFLOP/s at the dtype, replaces the table's */
  peakTflops?: number;
  /** GB/s, replaces the table's */
  bandwidthGBs?: number;
  /** shape fields over the chosen model (all of them with model `custom`) */
  shape?: ShapeFields;
  modelDir?: string;
  env?: NodeJS.ProcessEnv;
  /** --project-draft: the speculative lane's draft on the target (default DEFAULT_DRAFT) */
  draftModel?: string;
  /** sequences decoded together (default 1) */
  batch?: number;
}

/** The largest --batch: beyond it the projection is past any server's memory (the cost itself is closed form in B). */
export const MAX_BATCH = 65536;

/** --batch: an integer from 1 to MAX_BATCH. */
export function validateBatch(b: number, flag = '--batch'): number {
  if (!(Number.isInteger(b) && b >= 1 && b <= MAX_BATCH)) throw new UsageError(`${flag} must be a whole number of sequences from 1 to ${MAX_BATCH.toLocaleString('en-US')}, got ${b}`);
  return b;
}

/**
 * Defaults: the worked example (H200, Llama 3.3 70B, 8-bit weights at the fp8 peak, 70 % of peak compute as in
 * the article). Memory efficiency 75 %: the article's measured 51 tok/s × 70 GB ≈ 3.6 TB/s of the H200's 4.8 TB/s.
 * `local` defaults to 1 for both: its figures are already measured, not datasheet peaks.
 */
export const DEFAULT_TARGET = { hardware: 'h200', model: 'llama-3.3-70b', dtype: 'fp8' as Dtype, computeEff: 0.7, memoryEff: 0.75 };

/** A figure replacing the table's, within the range a hardware file may give (hardware.ts). */
function figure(v: number | undefined, flag: string, range: readonly [number, number]): number | undefined {
  if (v === undefined) return undefined;
  if (!inRange(v, range)) throw new UsageError(`${flag} must be a number from ${range[0]} to ${range[1]}, got ${v}`);
  return v;
}

/** The speculative lane's draft on the target unless --project-draft says otherwise. */
export const DEFAULT_DRAFT = 'llama-3.2-1b';

export async function selectTarget(o: TargetOptions = {}): Promise<ProjectionTarget> {
  const dtype = parseDtype(o.dtype ?? DEFAULT_TARGET.dtype);
  const kvDtype = o.kvDtype !== undefined ? parseDtype(o.kvDtype, '--kv-dtype') : defaultKvDtype(dtype);
  const hw = findHardware(o.hardware ?? DEFAULT_TARGET.hardware, o.env);
  const peakTflops = figure(o.peakTflops, '--peak-tflops', TFLOPS_RANGE);
  const bandwidthGBs = figure(o.bandwidthGBs, '--bandwidth', BANDWIDTH_RANGE_GBS);
  const roofline = rooflineFor(hw, dtype, {
    ...(peakTflops !== undefined ? { peakFlops: peakTflops * 1e12 } : {}),
    ...(bandwidthGBs !== undefined ? { bandwidth: bandwidthGBs * 1e9 } : {}),
  });
  const local = hw.key === LOCAL;
  const eff = { compute: o.computeEff ?? (local ? 1 : DEFAULT_TARGET.computeEff), memory: o.memoryEff ?? (local ? 1 : DEFAULT_TARGET.memoryEff) };
  validateEfficiency(eff);
  const modelName = o.model ?? DEFAULT_TARGET.model;
  const fields = Object.fromEntries(Object.entries(o.shape ?? {}).filter(([, v]) => v !== undefined)) as ShapeFields;
  let model: ModelPreset;
  if (modelName.trim().toLowerCase() === 'custom') {
    const shape = shapeFromFields(fields, undefined, 'custom model', '--project-model custom');
    model = { key: 'custom', shape, decoder: 'autoregressive', tiedEmbeddings: false, source: 'flags' };
  } else {
    model = await findModel(modelName, o.modelDir);
    if (Object.keys(fields).length) {
      const shape = shapeFromFields(fields, model.shape, `${model.shape.name} (modified)`, `--project-model ${modelName}`);
      model = { key: `${model.key}+flags`, shape, decoder: model.decoder, tiedEmbeddings: model.tiedEmbeddings, source: `${model.source} + flags` };
    }
  }
  const batch = validateBatch(o.batch ?? 1);
  // the draft TensorRT-LLM pairs with Llama 3.3 70B on H200 (51 → 182 tok/s); any preset or shape file may replace it
  const draft = await findModel(o.draftModel ?? DEFAULT_DRAFT, o.modelDir);
  return { model, dtype, kvDtype, precision: precisionFor(dtype, kvDtype), roofline, eff, overridden: peakTflops !== undefined || bandwidthGBs !== undefined, batch, draft };
}

// ---- projecting passes and schedules ----

export interface ProjectedPass {
  shape: BatchedPass;
  cost: PassCost;
  /** time at the efficiencies: max(compute, memory) + overheadSeconds */
  seconds: number;
  computeSeconds: number;
  memorySeconds: number;
  /** beyond the roofline on `local` (overhead.ts), included in seconds; 0 elsewhere */
  overheadSeconds: number;
  bound: Bound;
}

/** One pass on the target: its cost on the model shape, and its roofline time on the hardware (plus, on `local`, the
 *  overhead terms the pass pays: overhead.ts). */
export function projectPass(pass: BatchedPass, model: ModelShape, precision: Precision, roofline: Roofline, eff: Efficiency, terms: OverheadTerms = {}): ProjectedPass {
  const cost = passCost(model, precision, pass);
  return { shape: pass, cost, ...passTime(cost, roofline, eff, overheadSeconds(model, pass, roofline.overhead, terms)) };
}

type Pricing = Pick<ProjectionTarget, 'model' | 'precision' | 'roofline' | 'eff'> & { batch?: number };

/** A run's pass (one sequence) on a target at its batch: B sequences of that shape in one pass. */
export function projectShape(pass: PassShape, t: Pricing, terms: OverheadTerms = {}): ProjectedPass {
  const batch = t.batch ?? 1;
  return projectPass(batch === 1 ? pass : { ...pass, batch }, t.model.shape, t.precision, t.roofline, t.eff, terms);
}

export interface Totals {
  passes: number;
  bytes: number;
  flops: number;
  seconds: number;
}

export interface ScheduledPass extends ProjectedPass {
  /** running totals up to and including this pass */
  total: Totals;
}

export function addTotals(t: Totals, p: ProjectedPass): Totals {
  return { passes: t.passes + 1, bytes: t.bytes + p.cost.bytes.total, flops: t.flops + p.cost.flops.total, seconds: t.seconds + p.seconds };
}

export const ZERO_TOTALS: Totals = { passes: 0, bytes: 0, flops: 0, seconds: 0 };

/** A running projection, one pass at a time (the live view feeds it each StepEvent's shape), at the target's batch. */
export function createProjector(t: Pricing) {
  let total = ZERO_TOTALS;
  return {
    add(pass: PassShape): ScheduledPass {
      const p = projectShape(pass, t);
      total = addTotals(total, p);
      return { ...p, total };
    },
    get total(): Totals {
      return total;
    },
    reset(): void {
      total = ZERO_TOTALS;
    },
  };
}

/** A whole schedule with running totals. */
export function projectSchedule(shapes: readonly PassShape[], t: Pricing): { passes: ScheduledPass[]; total: Totals } {
  const proj = createProjector(t);
  const passes = shapes.map((s) => proj.add(s));
  return { passes, total: proj.total };
}

/** The shape sequence of a run: the schedule to project on a big model (see the header comment). */
export function scheduleOf(events: readonly { shape: PassShape }[]): PassShape[] {
  return events.map((e) => ({ ...e.shape }));
}

/**
 * Autoregressive schedule of n tokens after a prompt of P tokens, as the AR decoder runs it: a prefill over the
 * prompt yields token 1, then one pass per further token (q = 1 against k = every earlier token). With P = 0
 * there is no prefill: every one of the n tokens gets its own pass, k = 0 … n−1 (a start token stands in).
 */
export function arSchedule(prompt: number, n: number): PassShape[] {
  const out: PassShape[] = [];
  if (prompt > 0) out.push({ q: prompt, k: 0, logits: 1, kvWrite: prompt, attention: 'causal' });
  for (let k = prompt > 0 ? prompt : 0; out.length < n; k++) out.push({ q: 1, k, logits: 1, kvWrite: 1, attention: 'causal' });
  return out;
}

/** One diffusion pass without cache (LLaDA/Dream reference code): all P+n positions, bidirectional, logits everywhere. */
export function diffusionPass(prompt: number, n: number): PassShape {
  return { q: prompt + n, k: 0, logits: prompt + n, kvWrite: 0, attention: 'bidirectional' };
}

// ---- pricing a generation: AR against diffusion (calc) ----

/** Measured AR speeds the defaults reproduce (used when the setup matches and none is given; all at batch 1). */
export const MEASURED_AR = [
  { hardware: 'h200', model: 'llama-3.3-70b', weightBytes: 1, tokensPerSecond: 51, source: 'TensorRT-LLM on H200, 8-bit, no draft model' },
] as const;

/** --speculative and --margin at most: a factor past it leaves no pass to break even with. */
export const MAX_FACTOR = 1e6;
/** --ar-tokens-per-second: from one token a million seconds to a trillion per second. */
export const AR_TPS_RANGE = [1e-6, 1e12] as const;

/** The largest --tokens: calc walks the AR schedule pass by pass. */
export const MAX_TOKENS = 131072;
/** The largest --prompt (one prefill pass, priced in closed form). */
export const MAX_PROMPT = 1048576;

export interface GenerationOptions {
  /** n: tokens generated per sequence */
  tokens: number;
  /** P: prompt tokens per sequence (0: the prompt is not priced, as in the worked example) */
  prompt: number;
  /** measured AR speed, tokens per second over all the batch's sequences; undefined: a known measurement for this setup, else the roofline */
  arTokensPerSecond?: number;
  /** ignore known measurements: AR time from the roofline */
  arRoofline?: boolean;
  /** speedup of speculative AR over plain AR (1 = none) */
  speculative: number;
  /** how many times faster than speculative AR diffusion must be (1 = none) */
  margin: number;
}

/** Autoregressive decoding of B sequences on the roofline. */
export interface ArPrice {
  prefill: ProjectedPass | null;
  /** the mean decode pass (q = 1 per sequence): cost and time averaged over the decode passes */
  token: ProjectedPass & { meanK: number; decodePasses: number };
  /** the whole schedule */
  schedule: Totals;
}

/** What a mixture of experts does in the two kinds of pass (expected distinct routed experts per MoE block). */
export interface MoePrice {
  experts: number;
  active: number;
  shared: number;
  /** blocks with experts */
  layers: number;
  /** routing imbalance f (1 = uniform) */
  imbalance: number;
  /** routed tokens and experts touched: the mean AR decode pass, the prefill, the diffusion pass */
  arToken: { tokens: number; experts: number };
  prefill: { tokens: number; experts: number } | null;
  diffusionPass: { tokens: number; experts: number };
}

/** The batch at which AR stops being memory-bound, and what diffusion must do there to break even. */
export interface ComputeBoundBatch {
  /** B*: fewest sequences for which AR's mean decode pass is compute-bound at the efficiencies; null: none up to maxBatch */
  batch: number | null;
  maxBatch: number;
  /** the mean decode pass over B* sequences */
  arToken: ProjectedPass | null;
  /** AR time for B* sequences of n tokens, roofline */
  arSeconds: number | null;
  /** one diffusion pass over B* sequences */
  diffusionPass: ProjectedPass | null;
  /** passes diffusion may take at B* and still match AR: AR seconds / pass seconds */
  breakEven: number | null;
}

export interface GenerationPrice {
  params: { perLayer: number; matmul: number; lmHead: number; embedding: number; total: number; active: number; reference: number | null };
  /** bytes of all the weights, b_w·(P_mm + V·d): what a dense pass streams, and an MoE pass at most */
  weightBytes: number;
  ridgeBytesPerFlop: number;
  /** the ridge at the efficiencies, η_m·bandwidth / (η_c·peak): the line between memory- and compute-bound */
  effectiveRidgeBytesPerFlop: number;
  /** N*: tokens per pass at which weights stop dominating */
  crossoverTokens: number;
  /** B: sequences decoded together */
  batch: number;
  ar: ArPrice & {
    rooflineTokensPerSecond: number;
    measured: { tokensPerSecond: number; source: string } | null;
    /** the AR time used for break-even: measured when given, else the roofline */
    seconds: number;
    /** tokens per second over all B sequences */
    tokensPerSecond: number;
    timeSource: 'measured' | 'roofline';
  };
  diffusion: {
    pass: ProjectedPass;
    /** time at 100 % of peak and bandwidth */
    peakSeconds: number;
    passesPerSecond: number;
    passesPerSecondAtPeak: number;
  };
  breakEven: {
    /** passes diffusion may take for all n tokens and still match AR: AR seconds / pass seconds */
    ar: number;
    speculative: { factor: number; passes: number };
    margin: { factor: number; passes: number };
  };
  moe: MoePrice | null;
  computeBound: ComputeBoundBatch;
}

function meanCost(costs: PassCost[]): PassCost {
  const n = costs.length;
  const sum = (f: (c: PassCost) => number) => costs.reduce((s, c) => s + f(c), 0) / n;
  const bytes = { weights: sum((c) => c.bytes.weights), kvRead: sum((c) => c.bytes.kvRead), kvWrite: sum((c) => c.bytes.kvWrite), total: sum((c) => c.bytes.total) };
  const flops = { linears: sum((c) => c.flops.linears), attention: sum((c) => c.flops.attention), lmHead: sum((c) => c.flops.lmHead), total: sum((c) => c.flops.total) };
  return { bytes, flops, bytesPerFlop: bytes.total / flops.total };
}

function measuredFor(t: ProjectionTarget): (typeof MEASURED_AR)[number] | undefined {
  if (t.overridden || t.batch !== 1) return undefined;
  return MEASURED_AR.find((m) => m.hardware === t.roofline.hardware && m.model === t.model.key && m.weightBytes === t.precision.weightBytes);
}

/** The mean AR decode pass at context k over B sequences. */
function decodePass(meanK: number, batch: number): BatchedPass {
  return { q: 1, k: meanK, logits: 1, kvWrite: 1, attention: 'causal', ...(batch === 1 ? {} : { batch }) };
}

/** AR for the target's B sequences: a prefill over each P-token prompt, then one pass per further token. */
export function priceAr(t: Pricing, prompt: number, n: number): ArPrice {
  const schedule = projectSchedule(arSchedule(prompt, n), t);
  const prefill = prompt > 0 ? schedule.passes[0]! : null;
  let decodes: ProjectedPass[] = schedule.passes.slice(prefill ? 1 : 0);
  // n = 1 after a prompt has no decode pass: show what the next token's pass would cost
  if (decodes.length === 0) decodes = [projectShape({ q: 1, k: prompt, logits: 1, kvWrite: 1, attention: 'causal' }, t)];
  const cost = meanCost(decodes.map((p) => p.cost));
  const meanK = decodes.reduce((s, p) => s + p.shape.k, 0) / decodes.length;
  const token = { shape: decodePass(meanK, t.batch ?? 1), cost, ...passTime(cost, t.roofline, t.eff), meanK, decodePasses: schedule.passes.length - (prefill ? 1 : 0) };
  return { prefill, token, schedule: schedule.total };
}

/**
 * B*: the fewest sequences for which AR's mean decode pass is compute-bound at the efficiencies (bisection: the
 * pass's B/F falls as B grows, weights being shared and KV not), or null when even MAX_BATCH is memory-bound.
 */
export function computeBoundBatch(t: Pricing, meanK: number, maxBatch = MAX_BATCH): number | null {
  const bound = (b: number) => projectPass(decodePass(meanK, b), t.model.shape, t.precision, t.roofline, t.eff).bound;
  if (bound(maxBatch) === 'memory') return null;
  let lo = 1;
  let hi = maxBatch;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (bound(mid) === 'compute') hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function moePrice(t: ProjectionTarget, ar: ArPrice, diffusion: ProjectedPass): MoePrice | null {
  const m = t.model.shape;
  if (!m.moe) return null;
  const at = (p: BatchedPass) => ({ tokens: routedTokens(p), experts: expertsTouched(m, routedTokens(p)) });
  return {
    experts: m.moe.experts,
    active: m.moe.active,
    shared: m.moe.shared,
    layers: moeLayers(m),
    imbalance: m.moe.imbalance ?? 1,
    arToken: at(ar.token.shape),
    prefill: ar.prefill ? at(ar.prefill.shape) : null,
    diffusionPass: at(diffusion.shape),
  };
}

/** AR against diffusion for n tokens on a target (every number calc prints). */
export function priceGeneration(t: ProjectionTarget, o: GenerationOptions): GenerationPrice {
  const { tokens: n, prompt } = o;
  if (!Number.isInteger(n) || n < 1 || n > MAX_TOKENS) throw new UsageError(`--tokens must be a whole number from 1 to ${MAX_TOKENS.toLocaleString('en-US')}, got ${n}`);
  if (!Number.isInteger(prompt) || prompt < 0 || prompt > MAX_PROMPT) throw new UsageError(`--prompt must be a whole number from 0 to ${MAX_PROMPT.toLocaleString('en-US')}, got ${prompt}`);
  for (const [flag, v] of [['--speculative', o.speculative], ['--margin', o.margin]] as const)
    if (!(v >= 1 && v <= MAX_FACTOR)) throw new UsageError(`${flag} must be a number ≥ 1 and at most ${MAX_FACTOR.toLocaleString('en-US')}, got ${v}`);
  if (o.arTokensPerSecond !== undefined && !inRange(o.arTokensPerSecond, AR_TPS_RANGE))
    throw new UsageError(`--ar-tokens-per-second must be a positive number from ${AR_TPS_RANGE[0]} to ${AR_TPS_RANGE[1]}, got ${o.arTokensPerSecond}`);
  const m = t.model.shape;
  const B = t.batch;
  const ar = priceAr(t, prompt, n);
  const known = o.arTokensPerSecond === undefined && !o.arRoofline ? measuredFor(t) : undefined;
  const measured = o.arTokensPerSecond !== undefined
    ? { tokensPerSecond: o.arTokensPerSecond, source: '--ar-tokens-per-second' }
    : known ? { tokensPerSecond: known.tokensPerSecond, source: known.source } : null;
  const arSeconds = measured ? (B * n) / measured.tokensPerSecond : ar.schedule.seconds;

  const pass = projectShape(diffusionPass(prompt, n), t);
  const peakSeconds = passTime(pass.cost, t.roofline, { compute: 1, memory: 1 }).seconds;
  const breakEven = arSeconds / pass.seconds;

  const star = computeBoundBatch(t, ar.token.meanK);
  let computeBound: ComputeBoundBatch = { batch: null, maxBatch: MAX_BATCH, arToken: null, arSeconds: null, diffusionPass: null, breakEven: null };
  if (star !== null) {
    const at = { ...t, batch: star };
    const arStar = star === B ? ar : priceAr(at, prompt, n);
    const passStar = projectShape(diffusionPass(prompt, n), at);
    computeBound = { batch: star, maxBatch: MAX_BATCH, arToken: arStar.token, arSeconds: arStar.schedule.seconds, diffusionPass: passStar, breakEven: arStar.schedule.seconds / passStar.seconds };
  }
  return {
    params: {
      perLayer: linearParamsPerLayer(m), matmul: matmulParams(m), lmHead: lmHeadParams(m), embedding: embeddingParams(m),
      total: totalParams(m, t.model.tiedEmbeddings), active: activeParams(m, t.model.tiedEmbeddings), reference: t.model.referenceParams ?? null,
    },
    weightBytes: weightBytes(m, t.precision),
    ridgeBytesPerFlop: ridgeBytesPerFlop(t.roofline),
    effectiveRidgeBytesPerFlop: effectiveRidgeBytesPerFlop(t.roofline, t.eff),
    crossoverTokens: crossoverTokens(t.roofline, t.precision.weightBytes),
    batch: B,
    ar: {
      ...ar,
      rooflineTokensPerSecond: (B * n) / ar.schedule.seconds,
      measured,
      seconds: arSeconds,
      tokensPerSecond: (B * n) / arSeconds,
      timeSource: measured ? 'measured' : 'roofline',
    },
    diffusion: { pass, peakSeconds, passesPerSecond: 1 / pass.seconds, passesPerSecondAtPeak: 1 / peakSeconds },
    breakEven: {
      ar: breakEven,
      speculative: { factor: o.speculative, passes: breakEven / o.speculative },
      margin: { factor: o.margin, passes: breakEven / o.speculative / o.margin },
    },
    moe: moePrice(t, ar, pass),
    computeBound,
  };
}

// ---- the worked example (cost-model.md) against our exact count ----

/** The article's setup and its rounded figures. */
export const WORKED_EXAMPLE = {
  setup: { hardware: 'h200', model: 'llama-3.3-70b', weightBytes: 1, tokens: 1024, prompt: 0, arTokensPerSecond: 51, computeEff: 0.7, speculative: 3, margin: 3 },
  article: {
    weightBytesPerToken: 70e9, flopsPerToken: 140e9, passFlops: 140e12, peakFlops: 2000e12, passesPerSecondAtPeak: 14,
    passesPerSecond: 10, arSeconds: 20, breakEven: 200, speculative: 67, margin: 22, arTokenBF: 0.5, passBF: 0.0005, ridge: 0.0024,
  },
} as const;

export interface ComparisonRow {
  quantity: string;
  unit: string;
  ours: number;
  article: number;
  why: string;
}

/** Our count beside the article's, when the setup is the worked example's; null otherwise. */
export function compareWithWorkedExample(t: ProjectionTarget, o: GenerationOptions, p: GenerationPrice): ComparisonRow[] | null {
  const s = WORKED_EXAMPLE.setup;
  const tps = p.ar.measured?.tokensPerSecond;
  const same = t.batch === 1 && t.roofline.hardware === s.hardware && t.model.key === s.model && t.precision.weightBytes === s.weightBytes && !t.overridden
    && o.tokens === s.tokens && o.prompt === s.prompt && tps === s.arTokensPerSecond && t.eff.compute === s.computeEff
    && o.speculative === s.speculative && o.margin === s.margin;
  if (!same) return null;
  const a = WORKED_EXAMPLE.article;
  return [
    { quantity: 'bytes read per AR token', unit: 'B', ours: p.ar.token.cost.bytes.total, article: a.weightBytesPerToken, why: 'the article counts all 70.55B parameters; the input embedding (V·d) is a one-row lookup, not streamed; we add the mean KV-cache read' },
    { quantity: 'FLOPs per AR token', unit: 'FLOP', ours: p.ar.token.cost.flops.total, article: a.flopsPerToken, why: 'article: 2 × 70B parameters; ours: 2 per streamed weight (no embedding) plus attention at the mean context' },
    { quantity: 'FLOPs per 1024-token pass', unit: 'FLOP', ours: p.diffusion.pass.cost.flops.total, article: a.passFlops, why: 'ours adds bidirectional attention 4·L·H·hd·N² (see the derivation); the article rounds 1024 × 140 GFLOP down' },
    { quantity: 'H200 fp8 dense peak', unit: 'FLOP/s', ours: t.roofline.peakFlops, article: a.peakFlops, why: 'the article rounds the datasheet figure' },
    { quantity: 'passes/s at peak', unit: '', ours: p.diffusion.passesPerSecondAtPeak, article: a.passesPerSecondAtPeak, why: 'from the two lines above' },
    { quantity: 'passes/s at 70 % compute', unit: '', ours: p.diffusion.passesPerSecond, article: a.passesPerSecond, why: 'the article rounds up' },
    { quantity: 'AR time, 1024 tokens at 51 tok/s', unit: 's', ours: p.ar.seconds, article: a.arSeconds, why: 'the article rounds 1024 / 51' },
    { quantity: 'break-even passes vs AR', unit: '', ours: p.breakEven.ar, article: a.breakEven, why: 'the article multiplies its rounded 20 s × 10 passes/s' },
    { quantity: 'vs 3× speculative AR', unit: '', ours: p.breakEven.speculative.passes, article: a.speculative, why: 'break-even / 3 (the article: its rounded 200 / 3)' },
    { quantity: 'with a further 3× margin', unit: '', ours: p.breakEven.margin.passes, article: a.margin, why: 'break-even / 9 (the article: its rounded 200 / 9)' },
    { quantity: 'B/F of an AR token', unit: 'B/F', ours: p.ar.token.cost.bytesPerFlop, article: a.arTokenBF, why: 'same count, rounded' },
    { quantity: 'B/F of a 1024-token pass', unit: 'B/F', ours: p.diffusion.pass.cost.bytesPerFlop, article: a.passBF, why: 'attention FLOPs lower it slightly' },
    { quantity: 'H200 fp8 ridge', unit: 'B/F', ours: p.ridgeBytesPerFlop, article: a.ridge, why: 'bandwidth ÷ peak, rounded' },
  ];
}

// Pricing a whole generation, AR against diffusion, on a target (every number calc prints): the AR schedule and its
// mean decode pass, one no-cache diffusion pass, the break-even, the batch at which AR turns compute-bound, experts.
import { UsageError } from '../io/errors.js';
import {
  activeParams,
  embeddingParams,
  expertsTouched,
  linearParamsPerLayer,
  lmHeadParams,
  matmulParams,
  moeLayers,
  routedTokens,
  totalParams,
  weightBytes,
  type BatchedPass,
} from './cost.js';
import type { PassCost, PassShape } from './shape.js';
import { breakEvenPasses } from './break-even.js';
import { efficiencyAt } from './efficiency.js';
import { inRange } from './hardware.js';
import {
  arSchedule,
  diffusionPass,
  projectPass,
  projectSchedule,
  projectShape,
  type Pricing,
  type ProjectedPass,
} from './projection.js';
import type { Totals } from './totals.js';
import { crossoverTokens, effectiveRidgeBytesPerFlop, passTime, ridgeBytesPerFlop } from './roofline.js';
import { MAX_BATCH, type ProjectionTarget } from './target.js';

/** Measured AR speeds the defaults reproduce (used when the setup matches and none is given; all at batch 1). */
export const MEASURED_AR = [
  {
    hardware: 'h200',
    model: 'llama-3.3-70b',
    weightBytes: 1,
    tokensPerSecond: 51,
    source: 'TensorRT-LLM on H200, 8-bit, no draft model',
  },
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
  /** --block-cache: also price block diffusion, one block of this many rows per pass against a cached prefix */
  block?: number;
}

/** Block diffusion with an exact prefix cache (LLaDA 2.x, SDAR, Fast-dLLM v2, DiffusionGemma canvases): a pass runs
 *  one block of b rows per sequence against the cached prompt and earlier blocks. */
export interface BlockPrice {
  /** b: rows per pass per sequence */
  size: number;
  /** k̄ = P + (n − b)/2: the mean cached prefix a block attends to */
  meanPrefix: number;
  pass: ProjectedPass;
  /** passes block decoding may take for all n tokens and still match AR: AR seconds / block pass seconds */
  breakEven: number;
  /** fewest rows per block at this batch for which the block pass is compute-bound; null: none up to the tokens */
  computeBoundFrom: number | null;
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
  params: {
    perLayer: number;
    matmul: number;
    lmHead: number;
    embedding: number;
    total: number;
    active: number;
    reference: number | null;
  };
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
  /** with --block-cache */
  block: BlockPrice | null;
}

function meanCost(costs: PassCost[]): PassCost {
  const n = costs.length;
  const sum = (f: (c: PassCost) => number) => costs.reduce((s, c) => s + f(c), 0) / n;
  const bytes = {
    weights: sum((c) => c.bytes.weights),
    kvRead: sum((c) => c.bytes.kvRead),
    kvWrite: sum((c) => c.bytes.kvWrite),
    total: sum((c) => c.bytes.total),
  };
  const flops = {
    linears: sum((c) => c.flops.linears),
    attention: sum((c) => c.flops.attention),
    lmHead: sum((c) => c.flops.lmHead),
    total: sum((c) => c.flops.total),
  };
  return { bytes, flops, bytesPerFlop: bytes.total / flops.total };
}

function measuredFor(t: ProjectionTarget): (typeof MEASURED_AR)[number] | undefined {
  if (t.overridden || t.batch !== 1) return undefined;
  return MEASURED_AR.find(
    (m) => m.hardware === t.roofline.hardware && m.model === t.model.key && m.weightBytes === t.precision.weightBytes,
  );
}

/** The mean AR decode pass at context k over B sequences. */
function decodePass(meanK: number, batch: number): BatchedPass {
  return { q: 1, k: meanK, logits: 1, kvWrite: 1, attention: 'causal', ...(batch === 1 ? {} : { batch }) };
}

/** One block pass: b rows against a cached prefix of k, bidirectional inside the block (visible pairs b·(k + b)),
 *  logits at the b rows, the block's keys/values written into the cache each pass */
export function blockPass(prefix: number, size: number): PassShape {
  return { q: size, k: prefix, logits: size, kvWrite: size, attention: 'bidirectional' };
}

/** Block diffusion on the target: the mean block pass, its break-even against AR, and where a block turns
 *  compute-bound (bisection on the block's rows at the target's batch; the cached prefix held at k̄). */
export function priceBlock(t: Pricing, prompt: number, n: number, size: number, arSeconds: number): BlockPrice {
  if (!Number.isInteger(size) || size < 1 || size > n)
    throw new UsageError(`--block-cache must be a whole number of rows from 1 to --tokens (${n}), got ${size}`);
  const meanPrefix = prompt + (n - size) / 2;
  const pass = projectShape(blockPass(meanPrefix, size), t);
  const bound = (b: number) => projectShape(blockPass(meanPrefix, b), t).bound;
  let computeBoundFrom: number | null = null;
  if (bound(n) === 'compute') {
    let lo = 1;
    let hi = n;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (bound(mid) === 'compute') hi = mid;
      else lo = mid + 1;
    }
    computeBoundFrom = lo;
  }
  return { size, meanPrefix, pass, breakEven: breakEvenPasses(arSeconds, pass.seconds), computeBoundFrom };
}

/** AR for the target's B sequences: a prefill over each P-token prompt, then one pass per further token. */
export function priceAr(t: Pricing, prompt: number, n: number): ArPrice {
  const schedule = projectSchedule(arSchedule(prompt, n), t);
  const prefill = prompt > 0 ? schedule.passes[0]! : null;
  let decodes: ProjectedPass[] = schedule.passes.slice(prefill ? 1 : 0);
  // n = 1 after a prompt has no decode pass: show what the next token's pass would cost
  if (decodes.length === 0)
    decodes = [projectShape({ q: 1, k: prompt, logits: 1, kvWrite: 1, attention: 'causal' }, t)];
  const cost = meanCost(decodes.map((p) => p.cost));
  const meanK = decodes.reduce((s, p) => s + p.shape.k, 0) / decodes.length;
  const token = {
    shape: decodePass(meanK, t.batch ?? 1),
    cost,
    ...passTime(cost, t.roofline, efficiencyAt(t.eff, t.batch ?? 1)),
    meanK,
    decodePasses: schedule.passes.length - (prefill ? 1 : 0),
  };
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
  if (!Number.isInteger(n) || n < 1 || n > MAX_TOKENS)
    throw new UsageError(`--tokens must be a whole number from 1 to ${MAX_TOKENS.toLocaleString('en-US')}, got ${n}`);
  if (!Number.isInteger(prompt) || prompt < 0 || prompt > MAX_PROMPT)
    throw new UsageError(
      `--prompt must be a whole number from 0 to ${MAX_PROMPT.toLocaleString('en-US')}, got ${prompt}`,
    );
  for (const [flag, v] of [
    ['--speculative', o.speculative],
    ['--margin', o.margin],
  ] as const)
    if (!(v >= 1 && v <= MAX_FACTOR))
      throw new UsageError(`${flag} must be a number ≥ 1 and at most ${MAX_FACTOR.toLocaleString('en-US')}, got ${v}`);
  if (o.arTokensPerSecond !== undefined && !inRange(o.arTokensPerSecond, AR_TPS_RANGE))
    throw new UsageError(
      `--ar-tokens-per-second must be a positive number from ${AR_TPS_RANGE[0]} to ${AR_TPS_RANGE[1]}, got ${o.arTokensPerSecond}`,
    );
  const m = t.model.shape;
  const B = t.batch;
  const ar = priceAr(t, prompt, n);
  const known = o.arTokensPerSecond === undefined && !o.arRoofline ? measuredFor(t) : undefined;
  const measured =
    o.arTokensPerSecond !== undefined
      ? { tokensPerSecond: o.arTokensPerSecond, source: '--ar-tokens-per-second' }
      : known
        ? { tokensPerSecond: known.tokensPerSecond, source: known.source }
        : null;
  const arSeconds = measured ? (B * n) / measured.tokensPerSecond : ar.schedule.seconds;

  const pass = projectShape(diffusionPass(prompt, n), t);
  const peakSeconds = passTime(pass.cost, t.roofline, { compute: 1, memory: 1 }).seconds;
  const breakEven = breakEvenPasses(arSeconds, pass.seconds);

  const star = computeBoundBatch(t, ar.token.meanK);
  let computeBound: ComputeBoundBatch = {
    batch: null,
    maxBatch: MAX_BATCH,
    arToken: null,
    arSeconds: null,
    diffusionPass: null,
    breakEven: null,
  };
  if (star !== null) {
    const at = { ...t, batch: star };
    const arStar = star === B ? ar : priceAr(at, prompt, n);
    const passStar = projectShape(diffusionPass(prompt, n), at);
    computeBound = {
      batch: star,
      maxBatch: MAX_BATCH,
      arToken: arStar.token,
      arSeconds: arStar.schedule.seconds,
      diffusionPass: passStar,
      breakEven: breakEvenPasses(arStar.schedule.seconds, passStar.seconds),
    };
  }
  return {
    params: {
      perLayer: linearParamsPerLayer(m),
      matmul: matmulParams(m),
      lmHead: lmHeadParams(m),
      embedding: embeddingParams(m),
      total: totalParams(m, t.model.tiedEmbeddings),
      active: activeParams(m, t.model.tiedEmbeddings),
      reference: t.model.referenceParams ?? null,
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
      speculative: { factor: o.speculative, passes: breakEvenPasses(arSeconds, pass.seconds, o.speculative) },
      margin: { factor: o.margin, passes: breakEvenPasses(arSeconds, pass.seconds, o.speculative, o.margin) },
    },
    moe: moePrice(t, ar, pass),
    computeBound,
    block: o.block === undefined ? null : priceBlock(t, prompt, n, o.block, arSeconds),
  };
}

// eval's held-out likelihoods (src/train/eval.ts runs them on one model directory):
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
import * as tf from '@tensorflow/tfjs-core';
import { UsageError } from '../engine/io/errors.js';
import { rng } from '../engine/decode/sample.js';
import type { Attention } from '../engine/model/model.js';
import type { Tokenizer } from '../engine/model/tokenizer.js';
import type { OpenModel } from '../engine/quality.js';
import { tileWindows, type Split } from './data.js';
import { EVAL_SEED, LOW_T } from './eval-settings.js';
import { arLoss, diffusionLoss, drawMask } from './objectives.js';

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
  for (const d of split.docs)
    for (let s = 0; s + 1 < d.length; s += C) out.push(d.subarray(s, Math.min(d.length, s + C + 1)));
  return out;
}

export interface ArFigure {
  bitsPerByte: number;
  nats: number;
  tokens: number;
  bytes: number;
  windows: number;
}

/** AR held-out NLL: Σ over windows of arLoss × (n − 1) nats, over the bytes of tokens 1…n−1 of every window. */
export function arHeldOut(m: OpenModel, split: Split, batch = 2): ArFigure {
  const C = m.json.config.context;
  const tok = m.ctx.tokenizer as Tokenizer;
  const wins = arWindows(split, C);
  let nats = 0,
    tokens = 0,
    bytes = 0;
  // batch windows of equal length (all but each document's last)
  const byLen = new Map<number, Int32Array[]>();
  for (const w of wins) byLen.set(w.length, [...(byLen.get(w.length) ?? []), w]);
  for (const [n, ws] of byLen)
    for (let i = 0; i < ws.length; i += batch) {
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

export interface MaskRateBucket {
  from: number;
  to: number;
  draws: number;
  maskedTokens: number;
  natsPerMaskedToken: number;
}

/** Buckets of t for byMaskRate. */
export const MASK_RATE_BUCKETS: readonly [number, number][] = [
  [0, 0.1],
  [0.1, LOW_T],
  [LOW_T, 0.4],
  [0.4, 0.6],
  [0.6, 0.8],
  [0.8, 1],
];

/** Nats per masked token pooled over the buckets below t: Σ nats / Σ masked tokens. */
export function lowRate(buckets: readonly MaskRateBucket[], below = LOW_T): number {
  let nats = 0,
    n = 0;
  for (const b of buckets)
    if (b.to <= below + 1e-12) {
      nats += b.natsPerMaskedToken * b.maskedTokens;
      n += b.maskedTokens;
    }
  return n ? nats / n : NaN;
}

/** Masked-token CE of one draw from its loss: Σ CE·m = loss·(C−1)·t (the loss is Σ CE·m/t / (C−1)), over Σ m tokens */
export function maskedTokenNats(loss: number, C: number, t: number): number {
  return loss * (C - 1) * t;
}

/** Ratio estimate Σa / Σb and its standard error by the delta method: √(Σ(a − R·b)² / (n(n−1))) / mean(b) */
export function ratioWithError(a: readonly number[], b: readonly number[]): { ratio: number; standardError: number } {
  const n = a.length;
  const A = a.reduce((s, x) => s + x, 0),
    B = b.reduce((s, x) => s + x, 0);
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
export function diffusionHeldOut(
  m: OpenModel,
  split: Split,
  draws: number,
  seed = EVAL_SEED,
  attention: Attention = 'bidirectional',
): DiffusionFigure {
  const C = m.json.config.context;
  const tok = m.ctx.tokenizer as Tokenizer;
  const wins = tileWindows(split, C);
  if (wins.length === 0) throw new UsageError(`the held-out text is shorter than one window of ${C} tokens`);
  const rand = rng(seed);
  const nats: number[] = [],
    bytes: number[] = [],
    perDraw: number[][] = [];
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
    byMaskRate: buckets.map((b) => ({
      from: b.from,
      to: b.to,
      draws: b.draws,
      maskedTokens: b.maskedTokens,
      natsPerMaskedToken: b.nats / b.maskedTokens,
    })),
  };
}

/** The floor a model that learned only token frequencies reaches: held-out cross-entropy of the training split's
 * unigram, add-one smoothed over the V − 1 predictable ids: bits/byte = −Σ log p(x) / ln 2 / held-out bytes. */
export function unigramBaseline(
  train: Split,
  heldOut: Split,
  predictable: number,
): { bitsPerByte: number; natsPerToken: number } {
  const counts = new Float64Array(predictable).fill(1);
  let n = predictable;
  for (const d of train.docs)
    for (const t of d) {
      counts[t]!++;
      n++;
    }
  let nats = 0;
  for (const d of heldOut.docs) for (const t of d) nats -= Math.log(counts[t]! / n);
  return { bitsPerByte: bitsPerByte(nats, heldOut.bytes), natsPerToken: nats / heldOut.tokens };
}

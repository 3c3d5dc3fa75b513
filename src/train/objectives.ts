// The two training objectives, as the evaluation measures them on the tfjs model (src/train/train.py trains them in
// PyTorch, line for line): next-token cross-entropy under causal attention, and the masked-diffusion loss under
// bidirectional attention (shared/reference/decoding.md).
import * as tf from '@tensorflow/tfjs-core';
import type { Attention, GPT } from '../engine/model/model.js';
import { gatherRows, softmaxCrossEntropy } from '../engine/model/ops.js';

/** AR loss in nats per token: mean CE of predicting x[:, 1:] from x[:, :-1] (inputs [B, T+1]). */
export function arLoss(model: GPT, seq: tf.Tensor2D): number {
  const [B, T1] = seq.shape;
  const ids = seq.dataSync();
  const input = tf.slice(seq, [0, 0], [B, T1 - 1]) as tf.Tensor2D;
  const logits = model.forward(input, { attention: 'causal' }).logits;
  const targets = Int32Array.from(
    { length: B * (T1 - 1) },
    (_, i) => ids[Math.floor(i / (T1 - 1)) * T1 + (i % (T1 - 1)) + 1],
  );
  const ce = softmaxCrossEntropy(tf.reshape(logits, [B * (T1 - 1), -1]) as tf.Tensor2D, targets);
  tf.dispose([input, logits]);
  return ce.reduce((a, b) => a + b, 0) / ce.length;
}

/** Masking draw for one batch: t per sequence (antithetic: stratified over the batch), then Bernoulli(t) per token.
 * Token 0 of each window stays visible: it is the context the first prediction reads (see diffusionLoss). */
export function drawMask(B: number, T: number, rand: () => number, eps = 1e-3): { t: Float32Array; mask: Uint8Array } {
  const u0 = rand();
  const t = new Float32Array(B);
  for (let b = 0; b < B; b++) t[b] = (1 - eps) * ((u0 + b / B) % 1) + eps;
  const mask = new Uint8Array(B * T);
  for (let b = 0; b < B; b++) for (let i = 1; i < T; i++) mask[b * T + i] = rand() < t[b] ? 1 : 0;
  return { t, mask };
}

/** CE of each masked token (rows of x0 [B, T] where mask is set, token 0 of a row excluded), read as the model reads
 * it: masked token i from output row i−1. The attention is bidirectional in training and decoding; 'causal' measures
 * how much of the denoiser's skill comes from the right-hand context. */
export function maskedTokenLosses(
  model: GPT,
  x0: tf.Tensor2D,
  mask: Uint8Array,
  attention: Attention = 'bidirectional',
): { rows: number[]; ce: Float64Array } {
  const [B, T] = x0.shape;
  const x0v = x0.dataSync();
  const rows: number[] = [];
  for (let i = 0; i < B * T; i++) if (mask[i] && i % T !== 0) rows.push(i);
  if (rows.length === 0) return { rows, ce: new Float64Array(0) };
  const xt = tf.tensor2d(
    Int32Array.from(x0v, (x, i) => (mask[i] ? model.config.maskId : x)),
    [B, T],
    'int32',
  );
  const { h } = model.hidden(xt, { attention });
  const picked = gatherRows(
    h,
    rows.map((i) => i - 1),
  );
  const logits = model.head(picked);
  const ce = softmaxCrossEntropy(
    logits,
    rows.map((i) => x0v[i]),
  );
  tf.dispose([xt, h, picked, logits]);
  return { rows, ce };
}

/** Masked-diffusion loss in nats per token: Σ CE(logits, x0)·m/t / (B·(T−1)), an upper bound on the NLL per token
 * of tokens 1…T−1. As in AR mode, the output at position i predicts token i+1: a masked token i is read from row
 * i−1 (the one head meaning both modes share, so what the AR objective teaches serves diffusion too; jointly
 * trained, the unshifted form stayed at the unigram loss). */
export function diffusionLoss(
  model: GPT,
  x0: tf.Tensor2D,
  draw: { t: Float32Array; mask: Uint8Array },
  attention: Attention = 'bidirectional',
): number {
  const [B, T] = x0.shape;
  const { rows, ce } = maskedTokenLosses(model, x0, draw.mask, attention);
  let sum = 0;
  rows.forEach((i, j) => (sum += ce[j] / draw.t[Math.floor(i / T)]));
  return sum / (B * (T - 1));
}

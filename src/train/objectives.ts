// The two training objectives, sharing every weight (UniLM-style): next-token cross-entropy under causal attention,
// and the masked-diffusion loss under bidirectional attention (shared/reference/decoding.md).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs'; // registers the autodiff kernels, which tfjs-core's Node build leaves out
import type { GPT } from '../engine/model.js';
import { gatherRows, softmaxCrossEntropy } from '../engine/ops.js';

/** Cross-entropy per position, −log p(target): logits [B, T, V], targets [B, T] → [B, T]. One autodiff node with a
 * hand-written gradient (softmax − onehot), see softmaxCrossEntropy. */
export function crossEntropy(logits: tf.Tensor3D, targets: tf.Tensor2D): tf.Tensor2D {
  const [B, T, V] = logits.shape;
  return tf.reshape(softmaxCrossEntropy(tf.reshape(logits, [B * T, V]), targets.dataSync() as Int32Array), [B, T]);
}

/** AR loss in nats per token: mean CE of predicting x[:, 1:] from x[:, :-1] (inputs [B, T+1]). */
export function arLoss(model: GPT, seq: tf.Tensor2D): tf.Scalar {
  const [B, T1] = seq.shape;
  const input = tf.slice(seq, [0, 0], [B, T1 - 1]);
  const target = tf.slice(seq, [0, 1], [B, T1 - 1]);
  return tf.mean(crossEntropy(model.forward(input, { attention: 'causal' }).logits, target)) as tf.Scalar;
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

/** Masked-diffusion loss in nats per token: Σ CE(logits, x0)·m/t / (B·(T−1)), an upper bound on the NLL per token
 * of tokens 1…T−1. As in AR mode, the output at position i predicts token i+1: a masked token i is read from row
 * i−1 (the one head meaning both modes share, so what the AR objective teaches serves diffusion too; jointly
 * trained, the unshifted form stayed at the unigram loss). Unmasked positions carry weight 0, so the LM head runs
 * on the rows before masked tokens only. */
export function diffusionLoss(model: GPT, x0: tf.Tensor2D, draw: { t: Float32Array; mask: Uint8Array }): tf.Scalar {
  const [B, T] = x0.shape;
  const x0v = x0.dataSync();
  const xt = tf.tensor2d(Int32Array.from(x0v, (x, i) => (draw.mask[i] ? model.config.maskId : x)), [B, T], 'int32');
  const { h } = model.hidden(xt, { attention: 'bidirectional' });
  const rows: number[] = [];
  for (let i = 0; i < B * T; i++) if (draw.mask[i] && i % T !== 0) rows.push(i);
  if (rows.length === 0) return tf.mul(tf.sum(h), 0) as tf.Scalar; // nothing masked: 0, still a function of the weights
  const ce = softmaxCrossEntropy(model.head(gatherRows(h, rows.map((i) => i - 1))), rows.map((i) => x0v[i]));
  const w = tf.tensor1d(rows.map((i) => 1 / draw.t[Math.floor(i / T)]));
  return tf.div(tf.sum(tf.mul(ce, w)), B * (T - 1)) as tf.Scalar;
}

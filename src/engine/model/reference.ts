// The model, written to be read: dlm-watch's transformer in the shape of nanoGPT's model.py — one short function per
// block, plain tfjs ops, no cache, no speed. A pre-LayerNorm GPT with rotary positions on q and k, a GELU MLP and an
// LM head tied to the token embedding; the two decoders differ only in the attention mask (causal for AR,
// bidirectional for masked diffusion) and in the [MASK] token the diffusion lane feeds in, which is never predicted.
//
// The copies that run are shaped for speed and hold to this one: model.ts + ops.ts (tfjs, with a KV cache, logits at
// some rows, kernels that suit wasm) on every backend (test/model.test.ts uses this file as the oracle); fast/ (one
// token, WebAssembly SIMD: test/fast.test.ts holds it to model.ts); src/train/train.py (PyTorch: test/parity.test.ts).
import * as tf from '@tensorflow/tfjs-core';
import type { GPTConfig } from '../price/model-config.js';

/** A weight by name ('wte', 'h0.attn.wqkv', …: model.ts paramShapes lists them); GPT.p is one. */
export type Weights = (name: string) => tf.Tensor;

/** causal (AR), bidirectional (masked diffusion), or block diffusion: rows before position s causal, the rest see all. */
export type Mask = 'causal' | 'bidirectional' | { causalBelow: number };

/** LayerNorm over the last axis: (x − mean) / √(var + 1e-5) · g + b, the variance biased (as PyTorch's). */
export function layerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), g), b);
}

/** GELU, GPT-2's tanh form: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
export function gelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(
    tf.mul(0.5, x),
    tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.mul(x, tf.square(x))))))),
  );
}

/** x·W + b, W stored [in, out]. */
export function linear(x: tf.Tensor, w: tf.Tensor, b?: tf.Tensor): tf.Tensor {
  const y = tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D);
  return b ? tf.add(y, b) : y;
}

/** The rows of the embedding table for the token ids. */
export function embed(table: tf.Tensor, ids: number[]): tf.Tensor {
  return tf.gather(table, tf.tensor1d(ids, 'int32'));
}

/** Rotary positions (rotate-half): per head, with θ_i = base^(−2i/hd), [x1, x2] → [x1·cos pθ − x2·sin pθ,
 *  x2·cos pθ + x1·sin pθ] for the row at position p; angles in float64. x [rows, heads·hd]. */
export function rope(x: tf.Tensor, positions: number[], heads: number, base: number): tf.Tensor {
  const hd = x.shape[1]! / heads,
    half = hd / 2;
  const ang = positions.map((p) => Array.from({ length: half }, (_, i) => p * Math.pow(base, (-2 * i) / hd)));
  const cos = tf.tensor2d(ang.map((r) => r.map(Math.cos))),
    sin = tf.tensor2d(ang.map((r) => r.map(Math.sin)));
  const parts: tf.Tensor[] = [];
  for (let h = 0; h < heads; h++) {
    const x1 = tf.slice(x, [0, h * hd], [-1, half]),
      x2 = tf.slice(x, [0, h * hd + half], [-1, half]);
    parts.push(tf.sub(tf.mul(x1, cos), tf.mul(x2, sin)), tf.add(tf.mul(x2, cos), tf.mul(x1, sin)));
  }
  return tf.concat(parts, 1);
}

/** The additive mask [T, T] of a causal pass: −1e9 where key j comes after query i, else 0; with `below`, only rows
 *  before it are causal (block diffusion: the committed prefix), the rows from it on see every key. */
export function causalMask(T: number, below = T): tf.Tensor {
  return tf.tensor2d(
    Array.from({ length: T }, (_, i) => Array.from({ length: T }, (_, j) => (j > i && i < below ? -1e9 : 0))),
  );
}

/** Scaled dot-product attention, head by head: softmax(q·kᵀ/√hd + mask)·v. q [B·T, H·hd] (B sequences of T rows),
 *  k, v [B·n, H·hd]; mask [T, n] or null; the heads' outputs side by side, [B·T, H·hd]. */
export function attention(
  q: tf.Tensor,
  k: tf.Tensor,
  v: tf.Tensor,
  B: number,
  heads: number,
  mask: tf.Tensor | null,
): tf.Tensor {
  const T = q.shape[0]! / B,
    n = k.shape[0]! / B,
    hd = q.shape[1]! / heads;
  const rows: tf.Tensor[] = [];
  for (let b = 0; b < B; b++) {
    const cols: tf.Tensor[] = [];
    for (let h = 0; h < heads; h++) {
      const qh = tf.slice(q, [b * T, h * hd], [T, hd]),
        kh = tf.slice(k, [b * n, h * hd], [n, hd]),
        vh = tf.slice(v, [b * n, h * hd], [n, hd]);
      const s = tf.mul(tf.matMul(qh as tf.Tensor2D, kh as tf.Tensor2D, false, true), 1 / Math.sqrt(hd));
      cols.push(tf.matMul(tf.softmax(mask ? tf.add(s, mask) : s) as tf.Tensor2D, vh as tf.Tensor2D));
    }
    rows.push(tf.concat(cols, 1));
  }
  return tf.concat(rows, 0);
}

/** Self-attention of layer l: q, k, v from one projection, q and k rotated by their positions, attention, the output
 *  projection. x [B·T, d] (already normalised); positions: each row's. */
export function selfAttention(
  c: GPTConfig,
  w: Weights,
  l: number,
  x: tf.Tensor,
  B: number,
  positions: number[],
  mask: tf.Tensor | null,
): tf.Tensor {
  const [q, k, v] = tf.split(linear(x, w(`h${l}.attn.wqkv`), w(`h${l}.attn.bqkv`)), 3, 1);
  const y = attention(
    rope(q, positions, c.heads, c.ropeBase),
    rope(k, positions, c.heads, c.ropeBase),
    v,
    B,
    c.heads,
    mask,
  );
  return linear(y, w(`h${l}.attn.wo`), w(`h${l}.attn.bo`));
}

/** The MLP of layer l: up to `mlp` wide, GELU, back down to d. */
export function mlp(w: Weights, l: number, x: tf.Tensor): tf.Tensor {
  return linear(gelu(linear(x, w(`h${l}.mlp.w1`), w(`h${l}.mlp.b1`))), w(`h${l}.mlp.w2`), w(`h${l}.mlp.b2`));
}

/** One transformer block, pre-LayerNorm: x + attention(ln1(x)), then + mlp(ln2(x)). */
export function block(
  c: GPTConfig,
  w: Weights,
  l: number,
  x: tf.Tensor,
  B: number,
  positions: number[],
  mask: tf.Tensor | null,
): tf.Tensor {
  x = tf.add(x, selfAttention(c, w, l, layerNorm(x, w(`h${l}.ln1.g`), w(`h${l}.ln1.b`)), B, positions, mask));
  return tf.add(x, mlp(w, l, layerNorm(x, w(`h${l}.ln2.g`), w(`h${l}.ln2.b`))));
}

/** The whole model: logits [B·T, V] for B sequences of T token ids at positions 0..T−1. Embedding, the blocks, a
 *  final LayerNorm, and the head tied to the embedding (x·wteᵀ), with −1e9 at [MASK] so it is never predicted. */
export function forward(c: GPTConfig, w: Weights, ids: number[][], mask: Mask): tf.Tensor {
  const B = ids.length,
    T = ids[0].length;
  const positions = ids.flatMap(() => Array.from({ length: T }, (_, i) => i));
  const m = mask === 'causal' ? causalMask(T) : mask === 'bidirectional' ? null : causalMask(T, mask.causalBelow);
  let x = embed(w('wte'), ids.flat());
  for (let l = 0; l < c.layers; l++) x = block(c, w, l, x, B, positions, m);
  x = layerNorm(x, w('lnf.g'), w('lnf.b'));
  const never = tf.mul(tf.reshape(tf.oneHot(tf.tensor1d([c.maskId], 'int32'), c.vocab), [c.vocab]), -1e9);
  return tf.add(tf.matMul(x as tf.Tensor2D, w('wte') as tf.Tensor2D, false, true), never);
}

/** Cross entropy of each row: −log softmax(logits)[target]. */
export function crossEntropy(logits: tf.Tensor, targets: number[]): tf.Tensor {
  return tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(tf.tensor1d(targets, 'int32'), logits.shape[1]!)), -1));
}

// The wasm backend's costs behind src/engine/model/ops.ts, at the shipped model's shapes (d 192, mlp 768, V 2048, 1024 rows):
// GEMM throughput when the right-hand matrix is already packed vs new (XNNPACK packs it on first use and caches the
// packing per tensor), the two ways to form a weight gradient, 2-D transposes done by the 2-D vs the 3-D kernel, and
// batched vs per-pair attention matmuls.
// Run: node --import tsx bench/mm-shapes.ts [rows=1024]
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/engine/model/backend.js';

console.log(await initBackend('wasm'));
const N = Number(process.argv[2] ?? 1024);
function time(name: string, flops: number, f: () => tf.Tensor | tf.Tensor[], reps = 6) {
  for (let i = 0; i < 2; i++) tf.dispose(tf.tidy(f));
  const t = performance.now();
  for (let i = 0; i < reps; i++) tf.dispose(tf.tidy(f));
  const ms = (performance.now() - t) / reps;
  console.log(
    name.padEnd(46),
    ms.toFixed(2).padStart(8),
    'ms',
    flops ? `${(flops / ms / 1e6).toFixed(1).padStart(6)} GFLOP/s` : '',
  );
}
const mm = (a: tf.Tensor, b: tf.Tensor) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D);
const T2d = (a: tf.Tensor) => tf.transpose(a);
const T3d = (a: tf.Tensor) => {
  const [r, c] = a.shape;
  return tf.reshape(tf.transpose(tf.reshape(a, [r, 2, c / 2]), [1, 2, 0]), [c, r]);
};
for (const [k, n] of [
  [192, 576],
  [192, 192],
  [192, 768],
  [768, 192],
  [192, 2048],
]) {
  const x = tf.randomNormal([N, k]),
    w = tf.randomNormal([k, n]),
    dy = tf.randomNormal([N, n]);
  const f = 2 * N * k * n;
  console.log(`-- [${N},${k}]x[${k},${n}]`);
  time('x·W, W packed once', f, () => mm(x, w));
  time('x·W, W new each call (packing included)', f, () => mm(x, tf.clone(w)));
  // in training x and dy are new tensors every step, so whichever is the right-hand operand gets packed
  time('dW = xᵀ·dy (packs dy)', f, () => mm(T3d(x), tf.clone(dy)));
  time('dW = (dyᵀ·x)ᵀ (packs x)', f, () => T3d(mm(T3d(dy), tf.clone(x))));
  time(`transpose [${N},${n}], 2-D kernel`, 0, () => T2d(dy));
  time(`transpose [${N},${n}], 3-D kernel`, 0, () => T3d(dy));
  tf.dispose([x, w, dy]);
}
console.log('-- attention, 12 (sequence, head) pairs, T = 256, hd = 64');
const BH = 12,
  T = 256,
  hd = 64,
  fa = 2 * BH * T * T * hd;
const q = tf.randomNormal([BH, T, hd]),
  kT = tf.randomNormal([BH, hd, T]),
  p = tf.randomNormal([BH, T, T]),
  v = tf.randomNormal([BH, T, hd]);
time('batched matMul q·kᵀ', fa, () => tf.matMul(q as tf.Tensor3D, kT as tf.Tensor3D));
const qs = tf.unstack(q),
  ks = tf.unstack(kT),
  ps = tf.unstack(p),
  vs = tf.unstack(v);
time('per pair q·kᵀ (kᵀ new: packing included)', fa, () => qs.map((x, i) => mm(x, tf.clone(ks[i]))));
time('per pair p·v (v new)', fa, () => ps.map((x, i) => mm(x, tf.clone(vs[i]))));
time('per pair pᵀ·v, p transposed by the 3-D kernel', fa, () => ps.map((x, i) => mm(T3d(x), tf.clone(vs[i]))));

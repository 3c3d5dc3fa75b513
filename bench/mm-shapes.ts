// GEMM throughput of the wasm backend for the shapes attention needs (batched vs looped vs folded).
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/engine/backend.js';
console.log(await initBackend());
function time(name: string, flops: number, f: () => tf.Tensor | tf.Tensor[]) {
  for (let i = 0; i < 2; i++) tf.dispose(f());
  const t = performance.now(); const n = 5;
  for (let i = 0; i < n; i++) { const r = f(); (Array.isArray(r) ? r[0] : r).dataSync(); tf.dispose(r); }
  const ms = (performance.now() - t) / n;
  console.log(name.padEnd(40), ms.toFixed(1), 'ms', (flops / ms / 1e6).toFixed(1), 'GFLOP/s');
}
const BH = 32, T = 256, hd = 32;
const q = tf.randomNormal([BH, T, hd]), kT = tf.randomNormal([BH, hd, T]), att = tf.randomNormal([BH, T, T]), v = tf.randomNormal([BH, T, hd]);
time('bmm q·kT', 2 * BH * T * T * hd, () => tf.matMul(q as tf.Tensor3D, kT as tf.Tensor3D));
time('bmm att·v', 2 * BH * T * T * hd, () => tf.matMul(att as tf.Tensor3D, v as tf.Tensor3D));
const qs = tf.unstack(q), ks = tf.unstack(kT), as = tf.unstack(att), vs = tf.unstack(v);
time('loop 2d q·kT', 2 * BH * T * T * hd, () => qs.map((x, i) => tf.matMul(x as tf.Tensor2D, ks[i] as tf.Tensor2D)));
time('loop 2d att·v', 2 * BH * T * T * hd, () => as.map((x, i) => tf.matMul(x as tf.Tensor2D, vs[i] as tf.Tensor2D)));
const a2 = tf.randomNormal([1024, 256]), w2 = tf.randomNormal([256, 1024]);
time('2d 1024x256x1024', 2 * 1024 * 256 * 1024, () => tf.matMul(a2 as tf.Tensor2D, w2 as tf.Tensor2D));
const a3 = tf.randomNormal([2048, 256]), w3 = tf.randomNormal([256, 768]);
time('2d 2048x256x768', 2 * 2048 * 256 * 768, () => tf.matMul(a3 as tf.Tensor2D, w3 as tf.Tensor2D));
const a4 = tf.randomNormal([1024, 1024]), w4 = tf.randomNormal([1024, 1024]);
time('2d 1024^3', 2 * 1024 ** 3, () => tf.matMul(a4 as tf.Tensor2D, w4 as tf.Tensor2D));
// fused matmul path (XNNPACK FullyConnected?)
time('fused 1024x256x1024', 2 * 1024 * 256 * 1024, () => tf.fused.matMul({ a: a2 as tf.Tensor2D, b: w2 as tf.Tensor2D }));
time('transpose 1024x256', 0, () => tf.transpose(a2));

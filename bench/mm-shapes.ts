// GEMM throughput of the wasm backend for the shapes one training step needs, including the costs that
// XNNPACK adds when the right-hand matrix is new (it packs b on first use and caches the packing per tensor).
// Run: node --import tsx bench/mm-shapes.ts [rows=1024]
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/engine/backend.js';

console.log(await initBackend());
const N = Number(process.argv[2] ?? 1024);
function time(name: string, flops: number, f: () => tf.Tensor | tf.Tensor[], reps = 6) {
  for (let i = 0; i < 2; i++) tf.dispose(f());
  const t = performance.now();
  for (let i = 0; i < reps; i++) tf.dispose(f());
  const ms = (performance.now() - t) / reps;
  console.log(name.padEnd(44), ms.toFixed(2).padStart(8), 'ms', flops ? (flops / ms / 1e6).toFixed(1).padStart(6) + ' GFLOP/s' : '');
}
const mm = (a: tf.Tensor, b: tf.Tensor) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D);
const T = (a: tf.Tensor) => tf.transpose(a);
for (const [k, n] of [[192, 576], [192, 192], [192, 768], [768, 192], [192, 2048]]) {
  const x = tf.randomNormal([N, k]), w = tf.randomNormal([k, n]), dy = tf.randomNormal([N, n]);
  const f = 2 * N * k * n;
  console.log(`-- [${N},${k}]x[${k},${n}]`);
  time('fwd x·W (W packed once)', f, () => mm(x, w));
  time('fwd x·W (fresh W each call)', f, () => { const w2 = tf.clone(w); const y = mm(x, w2); w2.dispose(); return y; });
  time('dx = dy·T(W)', f, () => tf.tidy(() => mm(dy, T(w))));
  time('dW = T(x)·dy', f, () => tf.tidy(() => mm(T(x), dy)));
  time('dW = T(T(dy)·x)', f, () => tf.tidy(() => T(mm(T(dy), x))));
  time('transpose dy', 0, () => T(dy));
  tf.dispose([x, w, dy]);
}
console.log('-- attention per (sequence, head), T=256 hd=64');
const q = tf.randomNormal([256, 64]), kT = tf.randomNormal([64, 256]), p = tf.randomNormal([256, 256]), v = tf.randomNormal([256, 64]);
const fa = 2 * 256 * 256 * 64;
time('q·kT (fresh kT)', fa, () => tf.tidy(() => mm(q, tf.clone(kT))));
time('p·v (fresh v)', fa, () => tf.tidy(() => mm(p, tf.clone(v))));
time('T(p)·v (fresh v)', fa, () => tf.tidy(() => mm(T(p), tf.clone(v))));
time('T(q)·p  [64,256]x[256,256]', fa, () => tf.tidy(() => mm(T(q), tf.clone(p))));
time('softmax [256,256]', 0, () => tf.softmax(p));
time('mul [256,256]', 0, () => tf.mul(p, p));
time('add [256,256] + [256,256]', 0, () => tf.add(p, p));
time('sum rows [256,256]', 0, () => tf.sum(p, -1, true));
time('transpose [256,256]', 0, () => T(p));
time('slice [256,64] of [1024,576]', 0, () => tf.tidy(() => tf.slice(tf.zeros([1024, 576]), [256, 64], [256, 64])));
time('zeros [1024,576]', 0, () => tf.zeros([1024, 576]));

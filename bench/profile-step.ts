// Kernel-level profile of one training step (where the time goes on this backend).
// Run: node --import tsx bench/profile-step.ts d,L,H,B,T,V (e.g. 192,4,3,4,256,2048)
// Wrappers (customGrad 'forward', composite '*__op') contain other kernels: they are listed but not summed.
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/engine/backend.js';
import { GPT } from '../src/engine/model.js';
import { arLoss, diffusionLoss, drawMask } from '../src/train/objectives.js';
import { rng } from '../src/engine/decode/sample.js';

const [d, L, H, B, T, V] = (process.argv[2] ?? '256,6,8,4,256,2048').split(',').map(Number);
console.log('backend', await initBackend());
const model = GPT.init({ vocab: V, context: T, d, layers: L, heads: H, mlp: 4 * d, maskId: V - 1 }, 1);
const rand = rng(1);
const vars = [...model.params.values()];
const step = () => {
  const seq = tf.tensor2d(Array.from({ length: B * (T + 1) }, () => Math.floor(rand() * (V - 1))), [B, T + 1], 'int32');
  const x0 = tf.slice(seq, [0, 0], [B, T]) as tf.Tensor2D;
  const draw = drawMask(B, T, rand);
  const { value, grads } = tf.variableGrads(() => tf.add(arLoss(model, seq), diffusionLoss(model, x0, draw)) as tf.Scalar, vars);
  value.dataSync();
  tf.dispose([value, seq, x0, ...Object.values(grads)]);
};
step();
for (let i = 0; i < 2; i++) {
  const t0 = performance.now();
  step();
  console.log(`wall ${(performance.now() - t0).toFixed(0)} ms per step (both objectives)`);
}
const prof = await tf.profile(step);
const wrapper = (name: string) => name === 'forward' || name.endsWith('__op');
const by = new Map<string, { ms: number; n: number; shapes: Set<string> }>();
for (const k of prof.kernels) {
  const key = k.name;
  const e = by.get(key) ?? { ms: 0, n: 0, shapes: new Set() };
  e.ms += (k.kernelTimeMs as number) || 0;
  e.n++;
  if (e.shapes.size < 3) e.shapes.add(k.inputShapes.map((s) => JSON.stringify(s)).join(' '));
  by.set(key, e);
}
const total = [...by].reduce((s, [k, e]) => s + (wrapper(k) ? 0 : e.ms), 0);
console.log('total kernel ms (leaf kernels)', total.toFixed(0), ' kernel calls', prof.kernels.filter((k) => !wrapper(k.name)).length);
for (const [k, e] of [...by].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25)) console.log((wrapper(k) ? `(${k})` : k).padEnd(22), e.ms.toFixed(0).padStart(7), String(e.n).padStart(5), [...e.shapes].join(' | '));
const mm = new Map<string, { ms: number; n: number; flops: number }>();
for (const k of prof.kernels) {
  if (k.name !== 'BatchMatMul' && k.name !== '_FusedMatMul') continue;
  const [a, b] = k.inputShapes as number[][];
  const key = `${JSON.stringify(a)}x${JSON.stringify(b)}`;
  const batch = a.length === 3 ? a[0] : 1;
  const flops = 2 * batch * a[a.length - 2] * a[a.length - 1] * b[b.length - 1];
  const e = mm.get(key) ?? { ms: 0, n: 0, flops: 0 };
  e.ms += (k.kernelTimeMs as number) || 0; e.n++; e.flops += flops;
  mm.set(key, e);
}
for (const [k, e] of [...mm].sort((a, b) => b[1].ms - a[1].ms).slice(0, 20)) console.log(k.padEnd(34), e.ms.toFixed(0).padStart(7), String(e.n).padStart(4), (e.flops / e.ms / 1e6).toFixed(1), 'GFLOP/s');

// Measures training throughput (effective GFLOP/s = 6·(P_mm + V·d)·tokens/s) for a model shape; used to pick the size.
// Run: node --import tsx bench/train-step.ts --d 192 --layers 4 --heads 3 --batch 4 --ctx 256
// Besides wall time it reports the main thread's CPU time per step (Linux /proc): on a shared machine that is the
// steadier figure, since waiting for a core does not count (slowdowns from shared caches still do).
import * as tf from '@tensorflow/tfjs-core';
import { parseArgs } from 'node:util';
import { existsSync, readFileSync } from 'node:fs';
import { initBackend } from '../src/engine/backend.js';
import { GPT } from '../src/engine/model.js';
import { arLoss, diffusionLoss, drawMask } from '../src/train/objectives.js';
import { AdamW } from '../src/train/adam.js';
import { rng } from '../src/engine/decode/sample.js';

const { values: a } = parseArgs({ options: { d: { type: 'string', default: '256' }, layers: { type: 'string', default: '6' }, heads: { type: 'string', default: '8' }, batch: { type: 'string', default: '8' }, ctx: { type: 'string', default: '256' }, vocab: { type: 'string', default: '2048' }, steps: { type: 'string', default: '4' }, mode: { type: 'string', default: 'both' } } });
const d = +a.d!, L = +a.layers!, H = +a.heads!, B = +a.batch!, T = +a.ctx!, V = +a.vocab!;
console.log('backend', await initBackend());
const model = GPT.init({ vocab: V, context: T, d, layers: L, heads: H, mlp: 4 * d, maskId: V - 1 }, 1);
const opt = new AdamW(model.params);
const rand = rng(1);
const vars = [...model.params.values()];
const names = [...model.params.keys()];
const pmm = L * 12 * d * d + V * d;
/** CPU seconds used by this process's main thread so far (utime + stime in clock ticks of 10 ms), or NaN off Linux. */
const mainThreadCpu = (): number => {
  const f = `/proc/self/task/${process.pid}/stat`;
  if (!existsSync(f)) return NaN;
  const fields = readFileSync(f, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
const walls: number[] = [], cpus: number[] = [];
for (let s = 0; s < +a.steps!; s++) {
  const t0 = performance.now(), c0 = mainThreadCpu();
  const seq = tf.tensor2d(Array.from({ length: B * (T + 1) }, () => Math.floor(rand() * (V - 1))), [B, T + 1], 'int32');
  const x0 = tf.slice(seq, [0, 0], [B, T]) as tf.Tensor2D;
  const draw = drawMask(B, T, rand);
  const { value, grads } = tf.variableGrads(() => {
    const parts: tf.Scalar[] = [];
    if (a.mode !== 'diff') parts.push(arLoss(model, seq));
    if (a.mode !== 'ar') parts.push(diffusionLoss(model, x0, draw));
    return tf.addN(parts) as tf.Scalar;
  }, vars);
  const loss = value.dataSync()[0];
  const g: Record<string, tf.Tensor> = {};
  vars.forEach((v, i) => (g[names[i]] = grads[v.name]));
  opt.apply(g, 1e-3, 0.1);
  tf.dispose([value, seq, x0, ...Object.values(grads)]);
  const dt = (performance.now() - t0) / 1000, cpu = mainThreadCpu() - c0;
  const tokens = B * T * (a.mode === 'both' ? 2 : 1);
  const gf = (sec: number) => ((6 * pmm * tokens) / sec / 1e9).toFixed(1);
  if (s > 0) { walls.push(dt); cpus.push(cpu); }
  console.log(`step ${s} loss ${loss.toFixed(3)} ${dt.toFixed(2)} s  ${(tokens / dt).toFixed(0)} tok/s  ${gf(dt)} GFLOP/s  (main thread cpu ${cpu.toFixed(2)} s: ${gf(cpu)} GFLOP/s)  tensors ${tf.memory().numTensors}`);
}
if (walls.length) {
  const med = (x: number[]) => [...x].sort((p, q) => p - q)[Math.floor((x.length - 1) / 2)];
  const tokens = B * T * (a.mode === 'both' ? 2 : 1);
  console.log(`steps 1..: median wall ${med(walls).toFixed(2)} s (${((6 * pmm * tokens) / med(walls) / 1e9).toFixed(1)} GFLOP/s), median main-thread cpu ${med(cpus).toFixed(2)} s (${((6 * pmm * tokens) / med(cpus) / 1e9).toFixed(1)} GFLOP/s)`);
}

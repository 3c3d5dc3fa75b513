// What one token's weight products achieve on this machine, measured with the kernels the AR step runs (kernels.ts)
// on the model's own matrix shapes, and the plain stream of the same bytes: `dlm-watch calibrate` saves both, and
// `--hardware local` prices memory-bound passes at the first (src/engine/price/hardware.ts).
import { GPT } from '../model.js';
import { fastSession } from './decoder.js';
import { instantiateKernels } from './kernels.js';
import type { DecodeRates } from '../../price/hardware.js';

export type { DecodeRates };

export interface OneTokenShape { d: number; mlp: number; vocab: number; layers: number }
export type DecodeShape = OneTokenShape & { heads: number; context: number };


const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Time the one-token products [in, out] of shape s (each layer's qkv, out, MLP up and down, then the tied head). */
export function measureDecodeRates(s: OneTokenShape, budgetSeconds: number): DecodeRates {
  const mats: [number, number][] = [];
  for (let l = 0; l < s.layers; l++) mats.push([s.d, 3 * s.d], [s.d, s.d], [s.d, s.mlp], [s.mlp, s.d]);
  mats.push([s.d, s.vocab]);
  const k = instantiateKernels();
  const widest = Math.max(...mats.flat());
  const floats = mats.reduce((a, [i, o]) => a + i * o, 0);
  const weightBytes = floats * 4;
  const at = { x: weightBytes, y: weightBytes + widest * 4, b: weightBytes + 2 * widest * 4 };
  k.memory.grow(Math.ceil((weightBytes + 3 * widest * 4) / 65536));
  const f = new Float32Array(k.memory.buffer);
  for (let i = 0; i < floats + widest; i++) f[i] = ((i * 2654435761) % 1000) / 1e5; // small values, no denormals
  const token = () => { let w = 0; for (const [i, o] of mats) { k.vecmat(at.x, w, at.b, at.y, i, o, o * 4); w += i * o * 4; } };
  const stream = () => k.stream(0, weightBytes);
  token(); stream(); // warm-up: first touch, tier-up
  const tm: number[] = [], ts: number[] = [];
  const t0 = performance.now();
  while (tm.length < 5 || (performance.now() - t0) / 1000 < budgetSeconds) {
    let t = performance.now(); token(); tm.push(performance.now() - t);
    t = performance.now(); stream(); ts.push(performance.now() - t);
    if (tm.length >= 10000) break;
  }
  const shapes = `${s.layers}×(${mats.slice(0, 4).map(([i, o]) => `${i}×${o}`).join(', ')}) + ${s.d}×${s.vocab}`;
  return { shapes, weightBytes, reps: tm.length, matvecBytesPerSecond: weightBytes / (median(tm) / 1000), streamBytesPerSecond: weightBytes / (median(ts) / 1000) };
}

/** The whole fast AR step on random weights of shape s, at a cache of `cached` positions: bytes it reads / median time. */
export function measureStepRate(s: DecodeShape, cached: number, budgetSeconds: number): { stepBytesPerSecond: number; cached: number } {
  const m = GPT.init({ ...s, maskId: s.vocab - 1, positions: 'rope', ropeBase: 10000 }, 11);
  const times: number[] = [];
  const t0 = performance.now();
  try {
    for (let run = 0; run < 2 || ((performance.now() - t0) / 1000 < budgetSeconds && run < 100); run++) {
      const sess = fastSession(m, cached + 8);
      for (let i = 0; i < cached; i++) sess.step(i % (s.vocab - 1));
      for (let i = 0; i < 8; i++) { const t = performance.now(); sess.step(i); if (run > 0) times.push(performance.now() - t); }
      sess.dispose();
    }
  } finally { m.dispose(); }
  const weightBytes = 4 * (s.layers * (4 * s.d * s.d + 2 * s.d * s.mlp) + s.d * s.vocab);
  const kvRead = 2 * s.layers * (cached + 4) * s.d * 4; // keys and values of the cache at the middle of the timed steps
  return { stepBytesPerSecond: (weightBytes + kvRead) / (median(times) / 1000), cached };
}

// What one token's weight products achieve on this machine, measured with the kernels the AR step runs (kernels.ts)
// on the model's own matrix shapes, and the plain stream of the same bytes: `dlm-watch calibrate` saves both, and
// `--hardware local` prices memory-bound passes at the first (src/engine/price/hardware.ts).
import { GPT } from '../model.js';
import { fastSession, FP32 } from './decoder.js';
import { instantiateKernels } from './kernels.js';
import type { DecodeRates } from '../../price/hardware.js';
import { kvBytesPerToken, weightBytes } from '../../price/cost.js';
import { modelShape } from '../../price/model-config.js';
import type { ModelShape } from '../../price/shape.js';

export type { DecodeRates };

export interface OneTokenShape {
  d: number;
  mlp: number;
  vocab: number;
  layers: number;
}
export type DecodeShape = OneTokenShape & { heads: number; context: number };

/** The cost model's shape of a one-token shape; the head count, where not given, is 1: it changes no weight count. */
export function oneTokenModel(s: OneTokenShape & { heads?: number; context?: number }): ModelShape {
  return modelShape({
    ...s,
    heads: s.heads ?? 1,
    context: s.context ?? 1,
    maskId: s.vocab - 1,
    positions: 'rope',
    ropeBase: 10000,
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Time the one-token products [in, out] of shape s (each layer's qkv, out, MLP up and down, then the tied head), with
 *  the panels kernel the step runs them with (the values are made up: their layout does not change the time). */
export function measureDecodeRates(s: OneTokenShape, budgetSeconds: number): DecodeRates {
  const mats: [number, number][] = [];
  for (let l = 0; l < s.layers; l++) mats.push([s.d, 3 * s.d], [s.d, s.d], [s.d, s.mlp], [s.mlp, s.d]);
  mats.push([s.d, s.vocab]);
  const k = instantiateKernels();
  const widest = Math.max(...mats.flat());
  // the products above, laid end to end, are the cost model's weights of the shape (cost.ts weightBytes)
  const bytes = weightBytes(oneTokenModel(s), FP32);
  const at = { x: bytes, y: bytes + widest * 4, b: bytes + 2 * widest * 4 };
  k.memory.grow(Math.ceil((bytes + 3 * widest * 4) / 65536));
  const f = new Float32Array(k.memory.buffer);
  for (let i = 0; i < bytes / 4 + widest; i++) f[i] = ((i * 2654435761) % 1000) / 1e5; // small values, no denormals
  const token = () => {
    let w = 0;
    for (const [i, o] of mats) {
      k.panels(at.x, w, at.b, at.y, i, o, 1);
      w += i * o * 4;
    }
  };
  const stream = () => k.stream(0, bytes);
  token();
  stream(); // warm-up: first touch, tier-up
  const tm: number[] = [],
    ts: number[] = [];
  const t0 = performance.now();
  while (tm.length < 5 || (performance.now() - t0) / 1000 < budgetSeconds) {
    let t = performance.now();
    token();
    tm.push(performance.now() - t);
    t = performance.now();
    stream();
    ts.push(performance.now() - t);
    if (tm.length >= 10000) break;
  }
  const shapes = `${s.layers}×(${mats
    .slice(0, 4)
    .map(([i, o]) => `${i}×${o}`)
    .join(', ')}) + ${s.d}×${s.vocab}`;
  return {
    shapes,
    weightBytes: bytes,
    reps: tm.length,
    matvecBytesPerSecond: bytes / (median(tm) / 1000),
    streamBytesPerSecond: bytes / (median(ts) / 1000),
  };
}

/** The whole fast AR step on random weights of shape s, at a cache of `cached` positions: bytes it reads / median time. */
export function measureStepRate(
  s: DecodeShape,
  cached: number,
  budgetSeconds: number,
  /** what the lane does with each step's logits (its token choice), timed with the step as the lane's wallMs times it */
  choose: (logits: Float32Array) => void = () => {},
): { stepBytesPerSecond: number; cached: number } {
  const m = GPT.init({ ...s, maskId: s.vocab - 1, positions: 'rope', ropeBase: 10000 }, 11);
  const times: number[] = [];
  const t0 = performance.now();
  try {
    for (let run = 0; run < 2 || ((performance.now() - t0) / 1000 < budgetSeconds && run < 100); run++) {
      const sess = fastSession(m, cached + 8);
      for (let i = 0; i < cached; i++) sess.step(i % (s.vocab - 1));
      for (let i = 0; i < 8; i++) {
        const t = performance.now();
        choose(sess.step(i));
        if (run > 0) times.push(performance.now() - t);
      }
      sess.dispose();
    }
  } finally {
    m.dispose();
  }
  const shape = oneTokenModel(s);
  const kvRead = kvBytesPerToken(shape, FP32) * (cached + 4); // keys and values of the cache at the middle of the timed steps
  return { stepBytesPerSecond: (weightBytes(shape, FP32) + kvRead) / (median(times) / 1000), cached };
}

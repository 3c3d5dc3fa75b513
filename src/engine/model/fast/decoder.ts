// One new token through the model without tfjs: the weight products in the WebAssembly SIMD kernels (kernels.wat),
// LayerNorm, rotary positions, softmax and GELU of one row in plain JS, keys/values written in place into a
// preallocated cache. One tfjs step costs ~346 kernel dispatches and a concat/repack of the whole cache; this is a
// handful of calls per layer, so the step is bound by streaming the weights once (bench/bench.ts measures both).
// Same arithmetic as model.ts/ops.ts up to float rounding order (test/fast.test.ts: same tokens, logits within 1e-4).
import type { GPT, GPTConfig, KVCache } from '../model.js';
import { ropeTable } from '../ops.js';
import { instantiateKernels, type Kernels } from './kernels.js';
import { weightBytes } from '../../price/cost.js';
import { modelShape } from '../../price/model-config.js';
import { BYTES_PER_ELEMENT, type Precision } from '../../price/shape.js';

const F = 4; // bytes per float32

/** The fast path runs in fp32: how its weights and cache are priced. */
export const FP32: Precision = { weightBytes: BYTES_PER_ELEMENT.fp32, kvBytes: BYTES_PER_ELEMENT.fp32 };

/** Can the kernels run this shape? They work in whole v128 columns: the width, MLP width and head width must be
 *  multiples of 4 (a model that is not runs its one-token steps on tfjs: decode/autoregressive.ts). */
export function fastStepFits(c: GPTConfig): boolean {
  return c.d % 4 === 0 && c.mlp % 4 === 0 && (c.d / c.heads) % 4 === 0;
}

/** Where one layer's weights lie in the kernels' memory (byte offsets), and its norms in JS. */
interface LayerAt {
  wqkv: number;
  bqkv: number;
  wo: number;
  bo: number;
  w1: number;
  b1: number;
  w2: number;
  b2: number;
  ln1g: Float32Array;
  ln1b: Float32Array;
  ln2g: Float32Array;
  ln2b: Float32Array;
}

/** A session's own region: its key/value cache and scratch rows (byte offsets). */
interface Region {
  capacity: number;
  k: number[];
  v: number[];
  x: number;
  h: number;
  qkv: number;
  att: number;
  m: number;
  y: number;
  scores: number;
  logits: number;
}

/** The model's weights laid out for the kernels, shared by every session on that model. */
export class FastWeights {
  readonly k: Kernels;
  private top = 0; // bump allocator over the kernels' memory
  private view!: Float32Array;
  readonly layers: LayerAt[] = [];
  readonly wte: Float32Array; // [V, d] in JS: embedding rows
  readonly wteT: number; // [d, V]: the tied head as x·Wᵀ
  readonly maskBias: number; // [V]: −1e9 at [MASK]
  readonly zeros: number; // [max width] of 0: the bias of an unbiased product
  readonly lnfg: Float32Array;
  readonly lnfb: Float32Array;
  private readonly free: Region[] = [];
  private readonly vars: { dataId: object }[];
  private readonly ids: object[];

  constructor(readonly model: GPT) {
    const c = model.config;
    this.vars = [...model.params.values()];
    this.ids = this.vars.map((v) => v.dataId);
    if (!fastStepFits(c)) throw new Error('fast decoding needs widths divisible by 4');
    this.k = instantiateKernels();
    const w = (name: string) => model.p(name).dataSync() as Float32Array;
    const put = (a: Float32Array) => {
      const at = this.alloc(a.length);
      this.f32().set(a, at / F);
      return at;
    };
    for (let l = 0; l < c.layers; l++) {
      const n = (s: string) => w(`h${l}.${s}`);
      this.layers.push({
        wqkv: put(n('attn.wqkv')),
        bqkv: put(n('attn.bqkv')),
        wo: put(n('attn.wo')),
        bo: put(n('attn.bo')),
        w1: put(n('mlp.w1')),
        b1: put(n('mlp.b1')),
        w2: put(n('mlp.w2')),
        b2: put(n('mlp.b2')),
        ln1g: n('ln1.g').slice(),
        ln1b: n('ln1.b').slice(),
        ln2g: n('ln2.g').slice(),
        ln2b: n('ln2.b').slice(),
      });
    }
    this.wte = w('wte').slice();
    const { vocab: V, d } = c;
    const t = new Float32Array(V * d);
    for (let r = 0; r < V; r++) for (let i = 0; i < d; i++) t[i * V + r] = this.wte[r * d + i];
    this.wteT = put(t);
    const mb = new Float32Array(V);
    mb[c.maskId] = -1e9;
    this.maskBias = put(mb);
    this.zeros = put(new Float32Array(Math.max(d, c.mlp, V)));
    this.lnfg = w('lnf.g').slice();
    this.lnfb = w('lnf.b').slice();
    this.weightBytes = weightBytes(modelShape(c), FP32);
  }

  /** Bytes of the weights one step streams, as the cost model counts them (price/cost.ts weightBytes, fp32). */
  readonly weightBytes: number;

  /** Seconds to read that many bytes of the laid-out weights once (a pure stream over the same memory, which holds
   *  them and their biases from offset 0): the floor of one AR step. */
  streamSeconds(reps = 5): number {
    let best = Infinity;
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      this.k.stream(0, this.weightBytes);
      best = Math.min(best, performance.now() - t0);
    }
    return best / 1000;
  }

  /** The kernels' memory as floats (a fresh view after the memory grew). */
  f32(): Float32Array {
    if (!this.view || this.view.buffer !== this.k.memory.buffer) this.view = new Float32Array(this.k.memory.buffer);
    return this.view;
  }

  /** n floats of the kernels' memory, 16-byte aligned; returns the byte offset. */
  private alloc(n: number): number {
    const at = this.top;
    this.top += Math.ceil((n * F) / 16) * 16;
    const need = this.top - this.k.memory.buffer.byteLength;
    if (need > 0) this.k.memory.grow(Math.ceil(need / 65536));
    return at;
  }

  /** A region for a cache of `capacity` positions (reused from a finished session when one is big enough). */
  acquire(capacity: number): Region {
    const i = this.free.findIndex((r) => r.capacity >= capacity);
    if (i >= 0) return this.free.splice(i, 1)[0];
    const { d, layers, mlp, vocab } = this.model.config;
    const a = (n: number) => this.alloc(n);
    return {
      capacity,
      k: Array.from({ length: layers }, () => a(capacity * d)),
      v: Array.from({ length: layers }, () => a(capacity * d)),
      x: a(d),
      h: a(d),
      qkv: a(3 * d),
      att: a(d),
      m: a(mlp),
      y: a(d),
      scores: a(capacity),
      logits: a(vocab),
    };
  }
  release(r: Region): void {
    this.free.push(r);
  }

  /** Still the model's current weights? (a variable that was assigned gets a new dataId) */
  matches(model: GPT): boolean {
    return model === this.model && this.ids.every((id, i) => id === this.vars[i].dataId);
  }
}

const shared = new WeakMap<GPT, FastWeights>();
/** The model's weights laid out for the kernels, made once per model (and again if its weights change). */
export function fastWeights(model: GPT): FastWeights {
  let w = shared.get(model);
  if (!w || !w.matches(model)) {
    w = new FastWeights(model);
    shared.set(model, w);
  }
  return w;
}

const GELU_C = Math.sqrt(2 / Math.PI);

/** LayerNorm of x[xo..xo+d) into out[oo..): (x − μ)/√(σ² + eps)·g + b, σ² biased (as ops.ts layerNorm). */
function layerNormRow(
  f: Float32Array,
  xo: number,
  oo: number,
  d: number,
  g: Float32Array,
  b: Float32Array,
  eps = 1e-5,
): void {
  let mu = 0;
  for (let i = 0; i < d; i++) mu += f[xo + i];
  mu = Math.fround(mu / d);
  let v = 0;
  for (let i = 0; i < d; i++) {
    const c = Math.fround(f[xo + i] - mu);
    v += c * c;
  }
  const rstd = Math.fround(1 / Math.sqrt(Math.fround(Math.fround(v / d) + eps)));
  for (let i = 0; i < d; i++) f[oo + i] = Math.fround(Math.fround(f[xo + i] - mu) * rstd) * g[i] + b[i];
}

/**
 * A decoding session: a key/value cache of fixed capacity written in place, one token per step().
 * Positions are cache rows: position p's keys/values sit in row p (autoregressive decoding fills them in order).
 */
export class FastSession {
  private readonly r: Region;
  private n = 0; // positions cached
  private disposed = false;

  constructor(
    private readonly w: FastWeights,
    capacity: number,
  ) {
    this.r = w.acquire(capacity);
  }

  get length(): number {
    return this.n;
  }
  get capacity(): number {
    return this.r.capacity;
  }

  /** Take over the keys/values of a tfjs cache (after a prefill): k, v [1, n, d] per layer at positions 0..n−1. */
  load(kv: KVCache): void {
    const n = kv.positions.length;
    if (n > this.r.capacity) throw new Error(`cache of ${n} positions exceeds capacity ${this.r.capacity}`);
    kv.positions.forEach((p, i) => {
      if (p !== i) throw new Error('fast cache holds positions 0..n−1 in order');
    });
    const f = this.w.f32();
    for (let l = 0; l < kv.k.length; l++) {
      f.set(kv.k[l].dataSync() as Float32Array, this.r.k[l] / F);
      f.set(kv.v[l].dataSync() as Float32Array, this.r.v[l] / F);
    }
    this.n = n;
  }

  /** Feed token at the next position; returns its logits [V] (a view, valid until the next step). */
  step(token: number): Float32Array {
    if (this.disposed) throw new Error('session disposed');
    const { w, r } = this;
    const { d, heads, mlp, vocab, ropeBase, layers } = w.model.config;
    if (this.n >= r.capacity) throw new Error(`cache full (${r.capacity} positions)`);
    const pos = this.n,
      hd = d / heads,
      half = hd / 2,
      scale = 1 / Math.sqrt(hd);
    const { cos, sin } = ropeTable(pos + 1, hd, ropeBase);
    const k = w.k,
      f = w.f32();
    const X = r.x / F,
      H = r.h / F,
      Q = r.qkv / F,
      M = r.m / F,
      Y = r.y / F,
      S = r.scores / F;
    f.set(w.wte.subarray(token * d, (token + 1) * d), X);

    for (let l = 0; l < layers; l++) {
      const L = w.layers[l];
      layerNormRow(f, X, H, d, L.ln1g, L.ln1b);
      k.vecmat(r.h, L.wqkv, L.bqkv, r.qkv, d, 3 * d, 3 * d * F);
      // rotary positions on q and k, per head (rotate-half, ops.ts rope)
      const t = pos * half;
      for (let c0 = 0; c0 < 2 * d; c0 += hd) {
        const o = Q + c0;
        for (let i = 0; i < half; i++) {
          const x1 = f[o + i],
            x2 = f[o + i + half],
            cs = cos[t + i],
            sn = sin[t + i];
          f[o + i] = x1 * cs - x2 * sn;
          f[o + i + half] = x2 * cs + x1 * sn;
        }
      }
      for (let i = 0; i < d; i++) f[Q + i] *= scale; // q/√hd before the scores, as ops.ts attend
      f.copyWithin(r.k[l] / F + pos * d, Q + d, Q + 2 * d);
      f.copyWithin(r.v[l] / F + pos * d, Q + 2 * d, Q + 3 * d);
      const n = pos + 1;
      for (let h = 0; h < heads; h++) {
        k.matvec(r.k[l] + h * hd * F, r.qkv + h * hd * F, r.scores, n, hd, d * F);
        let mx = -Infinity;
        for (let j = 0; j < n; j++) mx = Math.max(mx, f[S + j]);
        let sum = 0;
        for (let j = 0; j < n; j++) {
          const e = Math.exp(f[S + j] - mx);
          f[S + j] = e;
          sum += e;
        }
        for (let j = 0; j < n; j++) f[S + j] /= sum;
        k.vecmat(r.scores, r.v[l] + h * hd * F, w.zeros, r.att + h * hd * F, n, hd, d * F);
      }
      k.vecmat(r.att, L.wo, L.bo, r.y, d, d, d * F);
      for (let i = 0; i < d; i++) f[X + i] += f[Y + i];
      layerNormRow(f, X, H, d, L.ln2g, L.ln2b);
      k.vecmat(r.h, L.w1, L.b1, r.m, d, mlp, mlp * F);
      for (let i = 0; i < mlp; i++) {
        const x = f[M + i];
        f[M + i] = x / (1 + Math.exp(-x * (x * x * 2 * GELU_C * 0.044715 + 2 * GELU_C)));
      } // x·σ(2u)
      k.vecmat(r.m, L.w2, L.b2, r.y, mlp, d, d * F);
      for (let i = 0; i < d; i++) f[X + i] += f[Y + i];
    }
    layerNormRow(f, X, H, d, w.lnfg, w.lnfb);
    k.vecmat(r.h, w.wteT, w.maskBias, r.logits, d, vocab, vocab * F);
    this.n = pos + 1;
    return f.subarray(r.logits / F, r.logits / F + vocab);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.w.release(this.r);
  }
}

/** A session on this model with room for `capacity` positions. */
export function fastSession(model: GPT, capacity: number): FastSession {
  return new FastSession(fastWeights(model), capacity);
}

// One new token (or a few: a verify pass) through the model without tfjs: the weight products, softmax and GELU in
// the WebAssembly SIMD kernels (kernels.wat), LayerNorm and rotary positions in plain JS, keys/values written in
// place into a preallocated cache. One tfjs step costs ~346 kernel dispatches and a concat/repack of the whole cache;
// this is a handful of calls per layer, so the step is bound by streaming the weights once (bench/ar-step.ts).
// Same arithmetic as model.ts/ops.ts up to float rounding order (test/fast.test.ts: same tokens, logits within 1e-4).
import type { GPT, GPTConfig } from '../model.js';
import { ropeTable, rotateRow } from '../ops.js';
import { stepWidthsFit } from './fits.js';
import { instantiateKernels, type Kernels } from './kernels.js';
import { weightBytes } from '../../price/cost.js';
import { modelShape } from '../../price/model-config.js';
import { BYTES_PER_ELEMENT, type Precision } from '../../price/shape.js';

const F = 4; // bytes per float32

/** The fast path runs in fp32: how its weights and cache are priced. */
export const FP32: Precision = { weightBytes: BYTES_PER_ELEMENT.fp32, kvBytes: BYTES_PER_ELEMENT.fp32 };

/** Can the kernels run this shape? (fits.ts stepWidthsFit; a model that does not runs its passes on tfjs:
 *  decode/cached-passes.ts) */
export function fastStepFits(c: GPTConfig): boolean {
  return stepWidthsFit(c);
}

/** Where W [nIn, nOut]'s element (i, j) lies in its packed panels (floats from the first): column j's panel is pw = 32
 *  columns wide up to the last whole 32, else 4, starts at column j0 = j − j % pw and holds [nIn, pw] row by row. */
export function panelOffset(i: number, j: number, nIn: number, nOut: number): number {
  const pw = j < nOut - (nOut % 32) ? 32 : 4; // kernels.wat panels: 32-wide panels, then a tail of 4-wide ones
  const j0 = j - (j % pw);
  return j0 * nIn + i * pw + (j - j0); // panels before j0 hold j0·nIn floats
}

/** W [nIn, nOut] in the panels kernel's layout (panelOffset); W's (i, j) is w[i·rowStride + j·colStride], so a
 *  transposed source (the tied head, wte [V, d] read as [d, V]) packs without a transposed copy. */
export function packPanels(w: Float32Array, nIn: number, nOut: number, rowStride = nOut, colStride = 1): Float32Array {
  const out = new Float32Array(nIn * nOut);
  for (let j0 = 0; j0 < nOut;) {
    const pw = j0 < nOut - (nOut % 32) ? 32 : 4;
    let o = j0 * nIn;
    for (let i = 0; i < nIn; i++) for (let j = j0; j < j0 + pw; j++) out[o++] = w[i * rowStride + j * colStride];
    j0 += pw;
  }
  return out;
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

/** A session's own region: its key/value cache and scratch rows, `rows` of each (byte offsets). */
interface Region {
  capacity: number;
  rows: number;
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
  readonly wteT: number; // [d, V4] in panels: the tied head as x·Wᵀ, V4 = V rounded up to 4 (zero columns past V)
  readonly v4: number;
  readonly maskBias: number; // [V4]: −1e9 at [MASK]
  readonly zeros: number; // [d] of 0: the bias of the attention's p·V
  readonly lnfg: Float32Array;
  readonly lnfb: Float32Array;
  private readonly free: Region[] = [];
  private readonly key: readonly object[];

  constructor(readonly model: GPT) {
    const c = model.config;
    this.key = model.weightKey();
    if (!fastStepFits(c)) throw new Error('fast decoding needs widths divisible by 4');
    this.k = instantiateKernels();
    const w = (name: string) => model.weight(name);
    const put = (a: Float32Array) => {
      const at = this.alloc(a.length);
      this.f32().set(a, at / F);
      return at;
    };
    const { vocab: V, d, mlp } = c;
    for (let l = 0; l < c.layers; l++) {
      const n = (s: string) => w(`h${l}.${s}`);
      this.layers.push({
        wqkv: put(packPanels(n('attn.wqkv'), d, 3 * d)),
        bqkv: put(n('attn.bqkv')),
        wo: put(packPanels(n('attn.wo'), d, d)),
        bo: put(n('attn.bo')),
        w1: put(packPanels(n('mlp.w1'), d, mlp)),
        b1: put(n('mlp.b1')),
        w2: put(packPanels(n('mlp.w2'), mlp, d)),
        b2: put(n('mlp.b2')),
        ln1g: n('ln1.g').slice(),
        ln1b: n('ln1.b').slice(),
        ln2g: n('ln2.g').slice(),
        ln2b: n('ln2.b').slice(),
      });
    }
    this.wte = w('wte').slice();
    this.v4 = Math.ceil(V / 4) * 4; // the kernel writes whole v128 columns
    const wte4 = new Float32Array(this.v4 * d);
    wte4.set(this.wte);
    this.wteT = put(packPanels(wte4, d, this.v4, 1, d)); // (i, j) of wteᵀ is wte[j·d + i]
    const mb = new Float32Array(this.v4);
    mb[c.maskId] = -1e9;
    this.maskBias = put(mb);
    this.zeros = put(new Float32Array(d));
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

  /** A region for a cache of `capacity` positions and passes of up to `rows` tokens (reused from a finished session
   *  when one is big enough). */
  acquire(capacity: number, rows: number): Region {
    const i = this.free.findIndex((r) => r.capacity >= capacity && r.rows >= rows);
    if (i >= 0) return this.free.splice(i, 1)[0];
    const { d, layers, mlp } = this.model.config;
    const a = (n: number) => this.alloc(n);
    return {
      capacity,
      rows,
      k: Array.from({ length: layers }, () => a(capacity * d)),
      v: Array.from({ length: layers }, () => a(capacity * d)),
      x: a(rows * d),
      h: a(rows * d),
      qkv: a(rows * 3 * d),
      att: a(rows * d),
      m: a(rows * mlp),
      y: a(rows * d),
      scores: a(capacity),
      logits: a(rows * this.v4),
    };
  }
  release(r: Region): void {
    this.free.push(r);
  }

  /** Still the model's current weights? (model.ts weightKey) */
  matches(model: GPT): boolean {
    return model === this.model && model.holds(this.key);
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
 * A decoding session: a key/value cache of fixed capacity written in place, a few tokens per run() (one per step()).
 * Positions are cache rows: position p's keys/values sit in row p (decoding fills them in order; truncate() drops
 * the last ones, as a speculative round rolls back its rejected tokens).
 */
export class FastSession {
  private readonly r: Region;
  private n = 0; // positions cached
  private disposed = false;

  constructor(
    private readonly w: FastWeights,
    capacity: number,
    rows = 1,
  ) {
    this.r = w.acquire(capacity, rows);
  }

  get length(): number {
    return this.n;
  }
  get capacity(): number {
    return this.r.capacity;
  }

  /** Keep the first n positions (n ≤ length): the later ones are forgotten and will be written over. */
  truncate(n: number): void {
    if (n < 0 || n > this.n) throw new Error(`cannot cut ${this.n} cached positions to ${n}`);
    this.n = n;
  }

  /** Feed token at the next position; returns its logits [V] (a view, valid until the next step). */
  step(token: number): Float32Array {
    return this.run([token]);
  }

  /**
   * Feed tokens at the next positions, causally (token t sees the cache and tokens before it): one pass that reads
   * each weight once. Returns the logits of the last `logitRows` tokens, [logitRows, V] row after row (a view,
   * valid until the next run).
   */
  run(tokens: number[], logitRows = tokens.length): Float32Array {
    if (this.disposed) throw new Error('session disposed');
    const { w, r } = this;
    const { d, heads, mlp, vocab, ropeBase, layers } = w.model.config;
    const R = tokens.length;
    if (R < 1 || R > r.rows) throw new Error(`a pass of ${R} tokens (this session runs 1 to ${r.rows})`);
    if (logitRows < 1 || logitRows > R) throw new Error(`${logitRows} logit rows of a pass of ${R}`);
    if (this.n + R > r.capacity) throw new Error(`cache full (${r.capacity} positions)`);
    const pos = this.n,
      hd = d / heads,
      scale = 1 / Math.sqrt(hd);
    const { cos, sin } = ropeTable(pos + R, hd, ropeBase);
    const k = w.k,
      f = w.f32();
    const X = r.x / F,
      H = r.h / F,
      Q = r.qkv / F,
      Y = r.y / F;
    tokens.forEach((t, i) => f.set(w.wte.subarray(t * d, (t + 1) * d), X + i * d));

    for (let l = 0; l < layers; l++) {
      const L = w.layers[l];
      for (let i = 0; i < R; i++) layerNormRow(f, X + i * d, H + i * d, d, L.ln1g, L.ln1b);
      k.panels(r.h, L.wqkv, L.bqkv, r.qkv, d, 3 * d, R);
      for (let i = 0; i < R; i++) {
        // rotary positions on q and k, per head (ops.ts rope), in place
        const qi = Q + i * 3 * d;
        rotateRow(f, f, qi, 2 * d, hd, cos, sin, pos + i);
        for (let j = 0; j < d; j++) f[qi + j] *= scale; // q/√hd before the scores, as ops.ts attend
        f.copyWithin(r.k[l] / F + (pos + i) * d, qi + d, qi + 2 * d);
        f.copyWithin(r.v[l] / F + (pos + i) * d, qi + 2 * d, qi + 3 * d);
      }
      for (let i = 0; i < R; i++) {
        const n = pos + i + 1; // causal: token i sees the cache and tokens 0..i
        for (let h = 0; h < heads; h++) {
          k.matvec(r.k[l] + h * hd * F, r.qkv + (i * 3 * d + h * hd) * F, r.scores, n, hd, d * F);
          k.softmax(r.scores, n);
          k.vecmat(r.scores, r.v[l] + h * hd * F, w.zeros, r.att + (i * d + h * hd) * F, n, hd, d * F);
        }
      }
      k.panels(r.att, L.wo, L.bo, r.y, d, d, R);
      for (let i = 0; i < R * d; i++) f[X + i] += f[Y + i];
      for (let i = 0; i < R; i++) layerNormRow(f, X + i * d, H + i * d, d, L.ln2g, L.ln2b);
      k.panels(r.h, L.w1, L.b1, r.m, d, mlp, R);
      k.gelu(r.m, R * mlp);
      k.panels(r.m, L.w2, L.b2, r.y, mlp, d, R);
      for (let i = 0; i < R * d; i++) f[X + i] += f[Y + i];
    }
    const first = R - logitRows;
    for (let i = first; i < R; i++) layerNormRow(f, X + i * d, H + i * d, d, w.lnfg, w.lnfb);
    k.panels(r.h + first * d * F, w.wteT, w.maskBias, r.logits, d, w.v4, logitRows);
    const G = r.logits / F; // rows of V4 floats, closed up to rows of V
    for (let i = 1; i < logitRows && w.v4 !== vocab; i++)
      f.copyWithin(G + i * vocab, G + i * w.v4, G + i * w.v4 + vocab);
    this.n = pos + R;
    return f.subarray(G, G + logitRows * vocab);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.w.release(this.r);
  }
}

/** A session on this model with room for `capacity` positions, in passes of up to `rows` tokens. */
export function fastSession(model: GPT, capacity: number, rows = 1): FastSession {
  return new FastSession(fastWeights(model), capacity, rows);
}

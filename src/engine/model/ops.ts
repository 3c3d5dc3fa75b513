// The model's building blocks, forward only (training is src/train/train.py), shaped for the wasm backend:
// - XNNPACK packs a matmul's right-hand operand before multiplying and caches the packing per tensor, so weights'
//   transposes are made once and cached (the tied LM head multiplies by the embedding's transpose every pass);
// - row-wise work (embedding rows, cutting heads out, rotary positions) runs in JS straight on the wasm heap: wasm's
//   Slice copies its whole input and its GatherV2 is slow;
// - nothing writes into a tensor after it is made: on tfjs-node dataSync() returns a copy, so such writes would be lost.
// Results match plain tfjs ops to float rounding (test/model.test.ts) and PyTorch's model (test/parity.test.ts).
import * as tf from '@tensorflow/tfjs-core';

type T2 = tf.Tensor2D;
const mm = (a: tf.Tensor, b: tf.Tensor): T2 => tf.matMul(a as T2, b as T2);

/** xᵀ for 2-D x. wasm's 2-D transpose writes with a stride of a whole column (3–5× slower than needed at these sizes);
 *  the same permutation done as [R, 2, C/2] → [2, C/2, R] runs its 3-D kernel, which reads strided and writes in order. */
function tr(x: tf.Tensor): T2 {
  const [R, C] = x.shape as [number, number];
  if (C % 2 !== 0 || C < 4 || tf.getBackend() !== 'wasm') return tf.transpose(x as T2);
  return tf.tidy(() => tf.reshape(tf.transpose(tf.reshape(x, [R, 2, C / 2]), [1, 2, 0]), [C, R]));
}

// ---- JS access to tensor memory ----

interface HeapBackend {
  typedArrayFromHeap(t: { shape: number[]; dtype: tf.DataType; dataId: object }): Float32Array;
}
const heapBackend = (): HeapBackend | null =>
  tf.getBackend() === 'wasm' ? (tf.backend() as unknown as HeapBackend) : null;

/** A float32 tensor's values for reading: on wasm a view of its heap memory (no copy; valid only until the next tensor
 *  is allocated, which may grow and move the heap), elsewhere a copy. Never written through. */
function values(t: tf.Tensor): Float32Array {
  const w = heapBackend();
  return w ? w.typedArrayFromHeap(t) : (t.dataSync() as Float32Array);
}

/** A new float32 tensor of this shape, written by fill(out) before anything else sees it: on wasm out is the new
 *  tensor's own heap memory, elsewhere a JS array the tensor is made from. fill must not allocate tensors. */
function produce(shape: number[], fill: (out: Float32Array) => void): tf.Tensor {
  if (heapBackend()) {
    const t = tf.fill(shape, 0, 'float32');
    fill(values(t));
    return t;
  }
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  fill(out);
  return tf.tensor(out, shape);
}

// ---- matmuls ----

// A weight's transpose is kept per value of the variable: every decoding step reuses one transpose and one packing.
const transposes = new WeakMap<tf.Tensor, { dataId: object; t: T2 }>();
/** wᵀ, cached while w is a variable holding the same value. */
function transposed(w: tf.Tensor): T2 {
  if (!(w instanceof tf.Variable)) return tr(w);
  const c = transposes.get(w);
  if (c && c.dataId === w.dataId && !c.t.isDisposed) return c.t;
  c?.t.dispose();
  const t = tf.keep(tr(w));
  transposes.set(w, { dataId: w.dataId, t });
  return t;
}
/** Drop the cached transposes of these variables (when a model is disposed). */
export function releaseTransposes(ws: Iterable<tf.Tensor>): void {
  for (const w of ws) {
    transposes.get(w)?.t.dispose();
    transposes.delete(w);
  }
}

/** y = x·W (+ b) for x [N, in], W [in, out], b [out]; the bias rides in XNNPACK's GEMM. */
export function linear(x: T2, w: T2, b?: tf.Tensor): T2 {
  return b ? (tf.fused.matMul({ a: x, b: w, bias: b }) as T2) : mm(x, w);
}

/** Logits x·Wᵀ + bias for the tied LM head: x [N, d], table W [V, d], bias [V] (−1e9 at [MASK]). */
export function lmHead(x: T2, table: T2, bias: tf.Tensor1D): T2 {
  return tf.fused.matMul({ a: x, b: transposed(table), bias }) as T2;
}

// ---- embedding, rotary positions, norm, activation, loss ----

/** Rows of a table [V, d] at ids, copied in JS (wasm's GatherV2 takes ~10 ms for 1024 rows of 192). */
export function embed(table: T2, ids: number[] | Int32Array): T2 {
  const d = table.shape[1];
  return produce([ids.length, d], (out) => {
    const tv = values(table);
    for (let i = 0; i < ids.length; i++) out.set(tv.subarray(ids[i] * d, (ids[i] + 1) * d), i * d);
  }) as T2;
}

/** Rows of x [N, d] at idx. */
export const gatherRows = (x: T2, idx: number[] | Int32Array): T2 => embed(x, idx);

/** cos and sin of the rotary angles p·base^(−2i/hd), i < hd/2, for p < n: [n·hd/2] each, rounded through float32 at
 *  every step as PyTorch computes them (src/train/train.py rope_tables), so both agree to the last bit. */
const ropeCache = new Map<string, { cos: Float32Array; sin: Float32Array; n: number }>();
export function ropeTable(n: number, hd: number, base: number): { cos: Float32Array; sin: Float32Array } {
  const key = `${hd}/${base}`;
  const c = ropeCache.get(key);
  if (c && c.n >= n) return c;
  const half = hd / 2,
    size = Math.max(n, 2 * (c?.n ?? 0), 64);
  const cos = new Float32Array(size * half),
    sin = new Float32Array(size * half);
  for (let i = 0; i < half; i++) {
    const inv = Math.fround(Math.pow(base, Math.fround(-(i * 2) / hd)));
    for (let p = 0; p < size; p++) {
      const a = Math.fround(p * inv);
      cos[p * half + i] = Math.cos(a);
      sin[p * half + i] = Math.sin(a);
    }
  }
  const t = { cos, sin, n: size };
  ropeCache.set(key, t);
  return t;
}

/**
 * Rotary position embedding (RoFormer; rotate-half pairing as in GPT-NeoX and Llama) applied to the first `cols`
 * columns of x [N, C], in heads of hd: within each head, (x_i, x_{i+hd/2}) at position p is rotated by p·base^(−2i/hd).
 * positions[r] is row r's position. Used on the q | k columns of the fused projection, so attention scores depend
 * only on the distance between query and key, and a cached key keeps the position it was made at.
 */
export function rope(x: T2, positions: ArrayLike<number>, cols: number, hd: number, base: number): T2 {
  const [N, C] = x.shape;
  let maxPos = 0;
  for (let r = 0; r < N; r++) maxPos = Math.max(maxPos, positions[r]);
  const { cos, sin } = ropeTable(maxPos + 1, hd, base);
  return produce([N, C], (out) => {
    const v = values(x);
    out.set(v.subarray(0, N * C));
    for (let r = 0; r < N; r++) rotateRow(v, out, r * C, cols, hd, cos, sin, positions[r]);
  }) as T2;
}

/** One row's rotary positions (rope's formula): the first cols floats from src[o..] in heads of hd, rotated for position
 *  p by the ropeTable lines cos, sin, into dst[o..] (dst may be src: each pair is read before it is written). */
export function rotateRow(
  src: Float32Array,
  dst: Float32Array,
  o: number,
  cols: number,
  hd: number,
  cos: Float32Array,
  sin: Float32Array,
  p: number,
): void {
  const half = hd / 2,
    t = p * half;
  for (let c0 = o; c0 < o + cols; c0 += hd)
    for (let i = 0; i < half; i++) {
      const x1 = src[c0 + i],
        x2 = src[c0 + i + half],
        cs = cos[t + i],
        sn = sin[t + i];
      dst[c0 + i] = x1 * cs - x2 * sn;
      dst[c0 + i + half] = x2 * cs + x1 * sn;
    }
}

/** LayerNorm over the last axis of x [N, d]: (x − μ)/√(σ² + eps)·g + b, σ² the biased variance (as tf.moments). */
export function layerNorm(x: T2, g: tf.Tensor, b: tf.Tensor, eps = 1e-5): T2 {
  return tf.tidy(() => {
    const xc = tf.sub(x, tf.mean(x, -1, true));
    const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(xc), -1, true), eps));
    return tf.add(tf.mul(tf.mul(xc, rstd), g), b) as T2;
  });
}

const GELU_C = Math.sqrt(2 / Math.PI);
/** GELU, tanh approximation (GPT-2): 0.5·x·(1 + tanh(u)), u = c·(x + 0.044715·x³), computed as x·σ(2u) (the same
 *  function: 0.5·(1 + tanh(u)) = σ(2u); wasm's Sigmoid is vectorised, its Tanh ~20× slower). */
export function gelu(x: T2): T2 {
  return tf.tidy(
    () => tf.mul(x, tf.sigmoid(tf.mul(x, tf.add(tf.mul(tf.square(x), 2 * GELU_C * 0.044715), 2 * GELU_C)))) as T2,
  );
}

/** Cross-entropy per row, −log softmax(logits)[target]: logits [N, V], targets → [N] (as a JS array: it is read at once). */
export function softmaxCrossEntropy(logits: T2, targets: number[] | Int32Array): Float64Array {
  const [N, V] = logits.shape;
  const p = tf.softmax(logits);
  const pv = values(p);
  const ce = new Float64Array(N);
  for (let i = 0; i < N; i++) ce[i] = -Math.log(pv[i * V + targets[i]]);
  p.dispose();
  return ce;
}

// ---- attention ----

/** Block [rows r0..r0+R, cols c0..c0+C) of x [N, stride] as a tensor [R, C] (row copies in JS). */
function block(x: tf.Tensor, r0: number, R: number, c0: number, C: number): T2 {
  const stride = x.shape[1]!;
  return produce([R, C], (out) => {
    const data = values(x);
    for (let r = 0; r < R; r++) {
      const o = (r0 + r) * stride + c0;
      out.set(data.subarray(o, o + C), r * C);
    }
  }) as T2;
}

/**
 * Multi-head attention softmax(q·kᵀ/√hd + bias)·v for B sequences stacked on rows: queries in columns qc.. of xq
 * [B·T, ·], keys in columns kc.. of xk and values in columns vc.. of xv [B·n, ·] (heads side by side), bias [T, n] or null.
 * Each (sequence, head) pair is a few plain 2-D matmuls (wasm's batched matmul is ~10× slower); heads are cut out in
 * JS and joined by concat. Returns [B·T, heads·hd].
 */
function attend(
  xq: tf.Tensor,
  qc: number,
  xk: tf.Tensor,
  kc: number,
  xv: tf.Tensor,
  vc: number,
  B: number,
  heads: number,
  hd: number,
  bias: T2 | null,
): T2 {
  const T = xq.shape[0] / B,
    n = xk.shape[0] / B;
  const scale = 1 / Math.sqrt(hd);
  return tf.tidy(() => {
    const rows: T2[] = [];
    for (let b = 0; b < B; b++) {
      const hs: T2[] = [];
      for (let h = 0; h < heads; h++) {
        const qh = tf.mul(block(xq, b * T, T, qc + h * hd, hd), scale) as T2;
        const kh = block(xk, b * n, n, kc + h * hd, hd),
          vh = block(xv, b * n, n, vc + h * hd, hd);
        const sc = mm(qh, tr(kh));
        hs.push(mm(tf.softmax(bias ? tf.add(sc, bias) : sc), vh));
      }
      rows.push(heads === 1 ? hs[0] : tf.concat(hs, 1));
    }
    return B === 1 ? rows[0] : tf.concat(rows, 0);
  });
}

/** Attention of q [B·T, d] over k, v [B·n, d]. */
export function attention(q: T2, k: T2, v: T2, B: number, heads: number, bias: T2 | null): T2 {
  return attend(q, 0, k, 0, v, 0, B, heads, q.shape[1] / heads, bias);
}

/** Self-attention on the fused projection qkv [B·T, 3d] (columns q | k | v), without splitting it. */
export function selfAttention(qkv: T2, B: number, heads: number, bias: T2 | null): T2 {
  const d = qkv.shape[1] / 3;
  return attend(qkv, 0, qkv, d, qkv, 2 * d, B, heads, d / heads, bias);
}

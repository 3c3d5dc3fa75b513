// The model's building blocks as single autodiff nodes with hand-written gradients. On the wasm backend every
// recorded op costs a kernel call plus a copy of each tensor it saves, and the tfjs gradients of matMul (transpose
// flags: ~12× slower than an explicit transpose), gather (UnsortedSegmentSum: missing) and slice (PadV2) are slow,
// so each block runs its forward with plain kernels and its backward with explicit-transpose 2-D matmuls.
// Forward results match the plain tfjs ops to float rounding; test/model.test.ts checks values and gradients.
import * as tf from '@tensorflow/tfjs-core';

type T2 = tf.Tensor2D;
const mm = (a: tf.Tensor, b: tf.Tensor): T2 => tf.matMul(a as T2, b as T2);
const tr = (x: tf.Tensor): T2 => tf.transpose(x as T2);
const save = (s: unknown, ts: tf.Tensor[]): void => (s as tf.GradSaveFunc)(ts);

/** Σ over rows of x [N, C] → [C], in JS: wasm's Sum over a non-last axis transposes first, and ones[1, N]·x would make
 *  XNNPACK pack all of x (packing costs ~10× a multiply-add per element). */
export function sumRows(x: tf.Tensor): tf.Tensor1D {
  const [N, C] = x.shape as [number, number];
  const v = x.dataSync() as Float32Array;
  const acc = new Float64Array(C);
  for (let i = 0; i < N; i++) { const o = i * C; for (let j = 0; j < C; j++) acc[j] += v[o + j]; }
  return tf.tensor1d(Float32Array.from(acc));
}

// XNNPACK packs a matmul's right-hand operand on first use and caches the packing per tensor, so a weight's transpose is
// kept per value of the variable: both objectives' backward passes (and every decoding step) reuse one transpose and one packing.
const transposes = new WeakMap<tf.Tensor, { dataId: object; t: T2 }>();
/** wᵀ, cached while w is a variable holding the same value. */
export function transposed(w: tf.Tensor): T2 {
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
  for (const w of ws) { transposes.get(w)?.t.dispose(); transposes.delete(w); }
}

/** xᵀ·dy for x [N, in], dy [N, out] (or its transpose dyᵀ·x), multiplied so that XNNPACK packs the smaller of x, dy. */
function weightGrad(x: tf.Tensor, dy: tf.Tensor, transposedResult = false): T2 {
  if (x.shape[1]! <= dy.shape[1]!) { const g = mm(tr(dy), x); return transposedResult ? g : tr(g); }
  const g = mm(tr(x), dy);
  return transposedResult ? tr(g) : g;
}

/** y = x·W (+ b) for x [N, in], W [in, out], b [out]; the bias rides in XNNPACK's GEMM. dx = dy·Wᵀ, dW = xᵀ·dy, db = Σ_rows dy. */
export function linear(x: T2, w: T2, b?: tf.Tensor): T2 {
  const isVar = w instanceof tf.Variable; // a variable outlives the pass: no saved copy needed
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xi, wi] = args as tf.Tensor[];
    save(args[args.length - 1], isVar ? [xi] : [xi, wi]);
    return {
      value: (b ? tf.fused.matMul({ a: xi as T2, b: wi as T2, bias: args[2] as tf.Tensor }) : mm(xi, wi)) as T2,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const ws = isVar ? w : saved[1];
        const g = [mm(dy, transposed(ws)), weightGrad(saved[0], dy)];
        return b ? [...g, sumRows(dy)] : g;
      },
    };
  }) as (...t: tf.Tensor[]) => T2;
  return b ? f(x, w, b) : f(x, w);
}

/** y = x·W for 2-D x, W (see linear). */
export const matmul2d = (x: T2, w: T2): T2 => linear(x, w);

/** Rows of a table [V, d] at ids (JS numbers). The gradient is a scatter-add done in JS (no UnsortedSegmentSum on wasm, and a oneHotᵀ·dy matmul costs 2·N·V·d FLOPs). */
export function embed(table: T2, ids: number[] | Int32Array): T2 {
  const [V, d] = table.shape;
  const f = tf.customGrad((t) => ({
    value: tf.gather(t as T2, tf.tensor1d(ids as number[], 'int32')),
    gradFunc: (dy) => {
      const g = dy.dataSync() as Float32Array;
      const out = new Float32Array(V * d);
      for (let i = 0; i < ids.length; i++) {
        const o = ids[i] * d, r = i * d;
        for (let j = 0; j < d; j++) out[o + j] += g[r + j];
      }
      return tf.tensor2d(out, [V, d]);
    },
  })) as (t: T2) => T2;
  return f(table);
}

/** Logits x·Wᵀ + bias for the tied LM head: x [N, d], table W [V, d] (a variable), bias [V] (a constant). dx = dy·W, dW = dyᵀ·x. */
export function lmHead(x: T2, table: T2, bias: tf.Tensor1D): T2 {
  const f = tf.customGrad((xi, w, s) => {
    save(s, [xi as tf.Tensor]);
    return {
      value: tf.fused.matMul({ a: xi as T2, b: transposed(w as tf.Tensor), bias }) as T2,
      gradFunc: (dy, [xs]) => [mm(dy, table), weightGrad(xs, dy, true)],
    };
  }) as (x: T2, w: T2) => T2;
  return f(x, table);
}

/** LayerNorm over the last axis of x [N, d]: (x − μ)/√(σ² + eps)·g + b, σ² the biased variance (as tf.moments).
 *  Forward and backward are one JS pass each over rows of d floats (cheaper than ~10 small kernels, and the Σ_rows of
 *  dg, db need no packing): dx = rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)), dx̂ = dy·g, dg = Σ dy·x̂, db = Σ dy. */
export function layerNorm(x: T2, g: tf.Tensor, b: tf.Tensor, eps = 1e-5): T2 {
  const [N, d] = x.shape;
  const f = tf.customGrad((xi, gi, bi) => {
    const xv = (xi as T2).dataSync() as Float32Array, gv = (gi as tf.Tensor).dataSync() as Float32Array, bv = (bi as tf.Tensor).dataSync() as Float32Array;
    const y = new Float32Array(N * d), xhat = new Float32Array(N * d), rstd = new Float32Array(N);
    for (let i = 0; i < N; i++) {
      const o = i * d;
      let m = 0;
      for (let j = 0; j < d; j++) m += xv[o + j];
      m /= d;
      let v = 0;
      for (let j = 0; j < d; j++) { const c = xv[o + j] - m; v += c * c; }
      const r = 1 / Math.sqrt(v / d + eps);
      rstd[i] = r;
      for (let j = 0; j < d; j++) { const h = (xv[o + j] - m) * r; xhat[o + j] = h; y[o + j] = h * gv[j] + bv[j]; }
    }
    return {
      value: tf.tensor2d(y, [N, d]),
      gradFunc: (dy) => {
        const dyv = dy.dataSync() as Float32Array;
        const dx = new Float32Array(N * d), dg = new Float64Array(d), db = new Float64Array(d);
        for (let i = 0; i < N; i++) {
          const o = i * d;
          let s1 = 0, s2 = 0;
          for (let j = 0; j < d; j++) { const e = dyv[o + j], dh = e * gv[j], h = xhat[o + j]; s1 += dh; s2 += dh * h; dg[j] += e * h; db[j] += e; }
          s1 /= d; s2 /= d;
          const r = rstd[i];
          for (let j = 0; j < d; j++) dx[o + j] = r * (dyv[o + j] * gv[j] - s1 - xhat[o + j] * s2);
        }
        return [tf.tensor2d(dx, [N, d]), tf.tensor1d(Float32Array.from(dg)), tf.tensor1d(Float32Array.from(db))];
      },
    };
  }) as (x: T2, g: tf.Tensor, b: tf.Tensor) => T2;
  return f(x, g, b);
}

const GELU_C = Math.sqrt(2 / Math.PI);
/** GELU, tanh approximation (GPT-2): 0.5·x·(1 + tanh(u)), u = c·(x + 0.044715·x³), computed as x·σ(2u) (the same
 *  function: 0.5·(1 + tanh(u)) = σ(2u); wasm's Sigmoid is vectorised, its Tanh ~20× slower).
 *  d/dx = σ + x·σ·(1 − σ)·2c·(1 + 3·0.044715·x²). */
export const gelu = tf.customGrad((x, s) => {
  const xx = x as tf.Tensor;
  const sg = tf.sigmoid(tf.mul(xx, tf.add(tf.mul(tf.square(xx), 2 * GELU_C * 0.044715), 2 * GELU_C))); // x·x² (Pow is slow on wasm)
  save(s, [xx, sg]);
  return {
    value: tf.mul(xx, sg),
    gradFunc: (dy, [xs, sgs]) => {
      const du = tf.add(tf.mul(tf.square(xs), 2 * GELU_C * 3 * 0.044715), 2 * GELU_C); // d(2u)/dx
      return tf.mul(dy, tf.mul(sgs, tf.add(1, tf.mul(tf.mul(xs, tf.sub(1, sgs)), du))));
    },
  };
}) as (x: T2) => T2;

/** A column band of a row-major matrix held in JS memory: rows of `stride` floats, the band starting at column `col`. */
interface Band { data: Float32Array; stride: number; col: number }
const band = (t: tf.Tensor, col = 0): Band => ({ data: t.dataSync() as Float32Array, stride: t.shape[1]!, col });

/** Block [rows r0..r0+R, cols c0..c0+C) of a band as a tensor [R, C], or its transpose [C, R]; times scale. */
function block(x: Band, r0: number, R: number, c0: number, C: number, transposed: boolean, scale = 1): T2 {
  const out = new Float32Array(R * C);
  const { data, stride } = x;
  const base = x.col + c0;
  for (let r = 0; r < R; r++) {
    const o = (r0 + r) * stride + base;
    if (transposed) for (let c = 0; c < C; c++) out[c * R + r] = data[o + c] * scale;
    else if (scale === 1) out.set(data.subarray(o, o + C), r * C);
    else for (let c = 0; c < C; c++) out[r * C + c] = data[o + c] * scale;
  }
  return tf.tensor2d(out, transposed ? [C, R] : [R, C]);
}

/** Write t [R, C] (or its transpose, t [C, R]) times scale into rows r0.., columns c0.. of out (rows of `stride`). */
function put(out: Float32Array, stride: number, r0: number, c0: number, t: tf.Tensor, transposed: boolean, scale = 1): void {
  const v = t.dataSync() as Float32Array;
  const [R, C] = transposed ? [t.shape[1]!, t.shape[0]!] : [t.shape[0]!, t.shape[1]!];
  for (let r = 0; r < R; r++) {
    const o = (r0 + r) * stride + c0;
    if (transposed) for (let c = 0; c < C; c++) out[o + c] = v[c * R + r] * scale;
    else if (scale === 1) out.set(v.subarray(r * C, (r + 1) * C), o);
    else for (let c = 0; c < C; c++) out[o + c] = v[r * C + c] * scale;
  }
}

interface AttentionDims { B: number; T: number; n: number; heads: number; hd: number }

/** softmax(q·kᵀ/√hd + bias)·v per (sequence, head) pair; returns the output rows [B·T, heads·hd] and each pair's P. */
function attendForward(q: Band, k: Band, v: Band, dm: AttentionDims, bias: T2 | null): { y: Float32Array; ps: tf.Tensor[] } {
  const { B, T, n, heads, hd } = dm;
  const d = heads * hd, scale = 1 / Math.sqrt(hd);
  const y = new Float32Array(B * T * d);
  const ps: tf.Tensor[] = [];
  for (let b = 0; b < B; b++) for (let h = 0; h < heads; h++) {
    const sc = mm(block(q, b * T, T, h * hd, hd, false, scale), block(k, b * n, n, h * hd, hd, true));
    const p = tf.softmax(bias ? tf.add(sc, bias) : sc);
    ps.push(p);
    put(y, d, b * T, h * hd, mm(p, block(v, b * n, n, h * hd, hd, false)), false);
  }
  return { y, ps };
}

/** Gradients of attendForward written into the bands dq, dk, dv (same layout as q, k, v):
 *  dP = dY·Vᵀ, dS = P⊙(dP − rowsum(dP⊙P)), dQ = dS·K/√hd, dK = dSᵀ·Q/√hd, dV = Pᵀ·dY. */
function attendBackward(q: Band, k: Band, v: Band, dy: Band, ps: tf.Tensor[], dm: AttentionDims, dq: Band, dk: Band, dv: Band): void {
  const { B, T, n, heads, hd } = dm;
  const scale = 1 / Math.sqrt(hd);
  for (let b = 0; b < B; b++) for (let h = 0; h < heads; h++) {
    tf.tidy(() => {
      const p = ps[b * heads + h];
      const c0 = h * hd;
      const dp = mm(block(dy, b * T, T, c0, hd, false), block(v, b * n, n, c0, hd, true));
      const pdp = tf.mul(p, dp);
      const ds = tf.sub(pdp, tf.mul(p, tf.sum(pdp, -1, true)));
      put(dq.data, dq.stride, b * T, dq.col + c0, mm(ds, block(k, b * n, n, c0, hd, false)), false, scale);
      // as dSᵀ·Q and Pᵀ·dY (transposing the [T, n] matrices is cheaper than letting XNNPACK pack them)
      put(dk.data, dk.stride, b * n, dk.col + c0, mm(tr(ds), block(q, b * T, T, c0, hd, false, scale)), false);
      put(dv.data, dv.stride, b * n, dv.col + c0, mm(tr(p), block(dy, b * T, T, c0, hd, false)), false);
    });
  }
}

/**
 * Multi-head attention softmax(q·kᵀ/√hd + bias)·v for B sequences stacked on rows: q [B·T, d], k and v [B·n, d]
 * (heads side by side in the columns), bias [T, n] or null. Each (sequence, head) pair is a few plain 2-D matmuls
 * (wasm's batched matmul is ~10× slower); heads are cut out and put back in JS (wasm's Slice copies its whole input).
 */
export function attention(q: T2, k: T2, v: T2, B: number, heads: number, bias: T2 | null): T2 {
  const dm: AttentionDims = { B, T: q.shape[0] / B, n: k.shape[0] / B, heads, hd: q.shape[1] / heads };
  const f = tf.customGrad((qi, ki, vi, s) => {
    const qb = band(qi as T2), kb = band(ki as T2), vb = band(vi as T2);
    const { y, ps } = attendForward(qb, kb, vb, dm, bias);
    save(s, ps);
    return {
      value: tf.tensor2d(y, q.shape),
      gradFunc: (dy, saved) => {
        const dq = new Float32Array(q.size), dk = new Float32Array(k.size), dv = new Float32Array(v.size);
        attendBackward(qb, kb, vb, band(dy), saved, dm, { data: dq, stride: q.shape[1], col: 0 }, { data: dk, stride: k.shape[1], col: 0 }, { data: dv, stride: v.shape[1], col: 0 });
        return [tf.tensor2d(dq, q.shape), tf.tensor2d(dk, k.shape), tf.tensor2d(dv, v.shape)];
      },
    };
  }) as (q: T2, k: T2, v: T2) => T2;
  return f(q, k, v);
}

/** Self-attention on the fused projection qkv [B·T, 3d] (columns q | k | v); the same as attention(split(qkv)) without
 *  the split and its gradient's concat. */
export function selfAttention(qkv: T2, B: number, heads: number, bias: T2 | null): T2 {
  const d = qkv.shape[1] / 3;
  const dm: AttentionDims = { B, T: qkv.shape[0] / B, n: qkv.shape[0] / B, heads, hd: d / heads };
  const f = tf.customGrad((x, s) => {
    const data = (x as T2).dataSync() as Float32Array;
    const at = (col: number): Band => ({ data, stride: 3 * d, col });
    const { y, ps } = attendForward(at(0), at(d), at(2 * d), dm, bias);
    save(s, ps);
    return {
      value: tf.tensor2d(y, [qkv.shape[0], d]),
      gradFunc: (dy, saved) => {
        const g = new Float32Array(qkv.size);
        const gat = (col: number): Band => ({ data: g, stride: 3 * d, col });
        attendBackward(at(0), at(d), at(2 * d), band(dy), saved, dm, gat(0), gat(d), gat(2 * d));
        return tf.tensor2d(g, qkv.shape);
      },
    };
  }) as (x: T2) => T2;
  return f(qkv);
}

/** Cross-entropy per row, −log softmax(logits)[target]: logits [N, V], targets (JS ints) → [N]; dlogits = (p − onehot)·dce.
 *  p comes from wasm's vectorised Softmax (its Exp is scalar); −log p underflows only past ~87 nats, far beyond any loss here. */
export function softmaxCrossEntropy(logits: T2, targets: number[] | Int32Array): tf.Tensor1D {
  const [N, V] = logits.shape;
  const flat = new Int32Array(N);
  for (let i = 0; i < N; i++) flat[i] = i * V + targets[i];
  const f = tf.customGrad((l, s) => {
    const p = tf.softmax(l as T2);
    save(s, [p]);
    return {
      value: tf.neg(tf.log(tf.gather(tf.reshape(p, [-1]), tf.tensor1d(flat, 'int32')))) as tf.Tensor1D,
      gradFunc: (dy, [ps]) => tf.mul(tf.sub(ps, tf.oneHot(tf.tensor1d(targets as number[], 'int32'), V)), tf.reshape(dy, [N, 1])),
    };
  }) as (l: T2) => tf.Tensor1D;
  return f(logits);
}

// The model's building blocks as single autodiff nodes with hand-written gradients, tuned for the wasm backend:
// - every recorded op costs a kernel call plus a copy of each tensor it saves, and tfjs's own gradients of matMul
//   (transpose flags: ~12× slower than an explicit transpose), gather (UnsortedSegmentSum: missing) and slice (PadV2)
//   are slow, so each block runs its forward with plain kernels and its backward with explicit-transpose 2-D matmuls;
// - XNNPACK packs a matmul's right-hand operand before multiplying (5–9 ns per element, about what a transpose costs)
//   and caches the packing per tensor, so weights' transposes are cached and the smaller operand is the one packed;
// - row-wise work (LayerNorm backward, column sums, embedding rows, cutting heads out) runs in JS straight on the wasm
//   heap: wasm's Slice copies its whole input, its GatherV2 is slow, and fresh JS arrays of megabytes cost page faults.
// bench/profile-step.ts and bench/mm-shapes.ts measure these costs.
// Results match the plain tfjs ops to float rounding; test/model.test.ts checks values and gradients.
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

const save = (s: unknown, ts: tf.Tensor[]): void => (s as tf.GradSaveFunc)(ts);

/** Tensors made inside a block's forward that its backward needs. save() would copy them (tfjs clones what it saves);
 *  instead, while gradients are being recorded (inside tf.variableGrads / tf.grads), they are kept as they are and the
 *  backward disposes them (release). Only for the block's own intermediates: its inputs may be used elsewhere, so
 *  those go through save(). A block whose output never reaches the loss would leave its held tensors behind. */
const recording = (): boolean => tf.engine().state.gradientDepth > 0;
function hold<T extends tf.Tensor[]>(ts: T): T {
  if (recording()) for (const t of ts) tf.keep(t);
  return ts;
}
const release = (ts: tf.Tensor[]): void => tf.dispose(ts);

// ---- JS access to tensor memory ----

interface HeapBackend { typedArrayFromHeap(t: { shape: number[]; dtype: tf.DataType; dataId: object }): Float32Array }
const heapBackend = (): HeapBackend | null => (tf.getBackend() === 'wasm' ? (tf.backend() as unknown as HeapBackend) : null);

/** A float32 tensor's values for reading: on wasm a view of its heap memory (no copy; valid only until the next tensor
 *  is allocated, which may grow and move the heap), elsewhere a copy. */
function values(t: tf.Tensor): Float32Array {
  const w = heapBackend();
  return w ? w.typedArrayFromHeap(t) : (t.dataSync() as Float32Array);
}

/** New float32 tensors of these shapes, written by fill(outs); on wasm outs are the tensors' own heap memory.
 *  fill must not allocate tensors (views of inputs are taken inside it, after the outputs exist). */
function produce(shapes: number[][], fill: (outs: Float32Array[]) => void): tf.Tensor[] {
  if (heapBackend()) {
    const ts = shapes.map((s) => tf.fill(s, 0, 'float32'));
    fill(ts.map(values));
    return ts;
  }
  const outs = shapes.map((s) => new Float32Array(s.reduce((a, b) => a * b, 1)));
  fill(outs);
  return outs.map((o, i) => tf.tensor(o, shapes[i]));
}
const produce1 = (shape: number[], fill: (out: Float32Array) => void): tf.Tensor => produce([shape], ([o]) => fill(o))[0];

/** Edit a fresh float32 tensor's values in place (on wasm its heap memory; elsewhere a copy that replaces it). */
function edit(t: tf.Tensor, fn: (v: Float32Array) => void): tf.Tensor {
  if (heapBackend()) { fn(values(t)); return t; }
  const v = Float32Array.from(t.dataSync() as Float32Array);
  fn(v);
  t.dispose();
  return tf.tensor(v, t.shape);
}

/** Σ over rows of x [N, C] → [C], in JS: wasm's Sum over a non-last axis transposes first, and ones[1, N]·x would make
 *  XNNPACK pack all of x. */
function sumRows(x: tf.Tensor): tf.Tensor1D {
  const [N, C] = x.shape as [number, number];
  const acc = new Float64Array(C);
  const v = values(x);
  let i = 0;
  for (; i + 4 <= N; i += 4) { // four rows per pass: a quarter of the read-modify-writes of acc
    const o = i * C;
    for (let j = 0; j < C; j++) acc[j] += v[o + j] + v[o + C + j] + v[o + 2 * C + j] + v[o + 3 * C + j];
  }
  for (; i < N; i++) { const o = i * C; for (let j = 0; j < C; j++) acc[j] += v[o + j]; }
  return tf.tensor1d(Float32Array.from(acc));
}

// ---- matmuls ----

// XNNPACK packs a matmul's right-hand operand on first use and caches the packing per tensor, so a weight's transpose is
// kept per value of the variable: both objectives' backward passes (and every decoding step) reuse one transpose and one packing.
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

// ---- embedding, norm, activation, loss ----

/** Rows of a table [V, d] at ids (JS numbers). The gradient is a scatter-add in JS (no UnsortedSegmentSum on wasm, and a oneHotᵀ·dy matmul costs 2·N·V·d FLOPs). */
export function embed(table: T2, ids: number[] | Int32Array): T2 {
  const [V, d] = table.shape;
  const f = tf.customGrad((t) => ({
    // rows copied in JS: wasm's GatherV2 takes ~10 ms for 1024 rows of 192
    value: produce1([ids.length, d], (out) => {
      const tv = values(t as tf.Tensor);
      for (let i = 0; i < ids.length; i++) out.set(tv.subarray(ids[i] * d, (ids[i] + 1) * d), i * d);
    }) as T2,
    gradFunc: (dy) => produce1([V, d], (out) => {
      const g = values(dy);
      for (let i = 0; i < ids.length; i++) {
        const o = ids[i] * d, r = i * d;
        for (let j = 0; j < d; j++) out[o + j] += g[r + j];
      }
    }),
  })) as (t: T2) => T2;
  return f(table);
}

/** Rows of x [N, d] at idx, with the same JS copy forward and scatter-add gradient as embed. */
export const gatherRows = (x: T2, idx: number[] | Int32Array): T2 => embed(x, idx);

/** LayerNorm over the last axis of x [N, d]: (x − μ)/√(σ² + eps)·g + b, σ² the biased variance (as tf.moments).
 *  Forward with vectorised wasm kernels; backward in JS over rows (dg, db are sums over rows, which wasm does slowly):
 *  dx = rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)), dx̂ = dy·g, dg = Σ dy·x̂, db = Σ dy. */
export function layerNorm(x: T2, g: tf.Tensor, b: tf.Tensor, eps = 1e-5): T2 {
  const [N, d] = x.shape;
  const f = tf.customGrad((xi, gi, bi, s) => {
    const xc = tf.sub(xi as T2, tf.mean(xi as T2, -1, true));
    const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(xc), -1, true), eps));
    const xhat = tf.mul(xc, rstd);
    const [xhs, rss] = hold([xhat, rstd]);
    save(s, [gi as tf.Tensor]);
    return {
      value: tf.add(tf.mul(xhat, gi as tf.Tensor), bi as tf.Tensor) as T2,
      gradFunc: (dy, [gs]) => {
        const gv = Float32Array.from(values(gs));
        const dg = new Float64Array(d), db = new Float64Array(d);
        const dx = produce1([N, d], (dx) => {
          const dyv = values(dy), xh = values(xhs), rs = values(rss);
          for (let i = 0; i < N; i++) {
            const o = i * d;
            let s1 = 0, s2 = 0;
            for (let j = 0; j < d; j++) { const dh = dyv[o + j] * gv[j]; s1 += dh; s2 += dh * xh[o + j]; }
            s1 /= d; s2 /= d;
            const r = rs[i];
            for (let j = 0; j < d; j++) dx[o + j] = r * (dyv[o + j] * gv[j] - s1 - xh[o + j] * s2);
          }
          let i = 0;
          for (; i + 4 <= N; i += 4) {
            const o = i * d;
            for (let j = 0; j < d; j++) {
              const a = o + j, b2 = a + d, c = b2 + d, e = c + d;
              dg[j] += dyv[a] * xh[a] + dyv[b2] * xh[b2] + dyv[c] * xh[c] + dyv[e] * xh[e];
              db[j] += dyv[a] + dyv[b2] + dyv[c] + dyv[e];
            }
          }
          for (; i < N; i++) for (let j = 0; j < d; j++) { dg[j] += dyv[i * d + j] * xh[i * d + j]; db[j] += dyv[i * d + j]; }
        });
        release([xhs, rss]);
        return [dx, tf.tensor1d(Float32Array.from(dg)), tf.tensor1d(Float32Array.from(db))];
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
  const [sgs] = hold([sg]);
  save(s, [xx]);
  return {
    value: tf.mul(xx, sg),
    gradFunc: (dy, [xs]) => {
      const du = tf.add(tf.mul(tf.square(xs), 2 * GELU_C * 3 * 0.044715), 2 * GELU_C); // d(2u)/dx
      const dx = tf.mul(dy, tf.mul(sgs, tf.add(1, tf.mul(tf.mul(xs, tf.sub(1, sgs)), du))));
      release([sgs]);
      return dx;
    },
  };
}) as (x: T2) => T2;

/** Cross-entropy per row, −log softmax(logits)[target]: logits [N, V], targets (JS ints) → [N]; dlogits = (p − onehot)·dce
 *  (no tf.oneHot: on wasm it is also wrong for float32, writing int32 bits).
 *  p comes from wasm's vectorised Softmax (its Exp is scalar); −log p underflows only past ~87 nats, far beyond any loss here. */
export function softmaxCrossEntropy(logits: T2, targets: number[] | Int32Array): tf.Tensor1D {
  const [N, V] = logits.shape;
  const flat = new Int32Array(N);
  for (let i = 0; i < N; i++) flat[i] = i * V + targets[i];
  const f = tf.customGrad((l) => {
    const p = tf.softmax(l as T2);
    const [ps] = hold([p]);
    return {
      value: produce1([N], (ce) => { const pv = values(p); for (let i = 0; i < N; i++) ce[i] = -Math.log(pv[flat[i]]); }) as tf.Tensor1D,
      // p·dce by one wasm kernel, then dce subtracted at the N target entries in place (a fresh tensor of ours)
      gradFunc: (dy) => {
        const dce = Float32Array.from(values(dy));
        const g = edit(tf.mul(ps, tf.reshape(dy, [N, 1])), (gv) => { for (let i = 0; i < N; i++) gv[flat[i]] -= dce[i]; });
        release([ps]);
        return g;
      },
    };
  }) as (l: T2) => tf.Tensor1D;
  return f(logits);
}

// ---- attention ----

/** A column band of a row-major matrix tensor: rows of `stride` floats, the band starting at column `col`. */
interface Band { t: tf.Tensor; stride: number; col: number }
const band = (t: tf.Tensor, col = 0): Band => ({ t, stride: t.shape[1]!, col });

/** Block [rows r0..r0+R, cols c0..c0+C) of a band as a tensor [R, C] (row copies in JS). */
function block(x: Band, r0: number, R: number, c0: number, C: number): T2 {
  return produce1([R, C], (out) => {
    const data = values(x.t), stride = x.stride, base = x.col + c0;
    for (let r = 0; r < R; r++) { const o = (r0 + r) * stride + base; out.set(data.subarray(o, o + C), r * C); }
  }) as T2;
}

/** Write t [R, C] into rows r0.., columns c0.. of the band. */
function put(dst: Band, r0: number, c0: number, t: tf.Tensor): void {
  const [R, C] = t.shape as [number, number];
  const v = values(t), out = values(dst.t), stride = dst.stride, base = dst.col + c0;
  for (let r = 0; r < R; r++) out.set(v.subarray(r * C, (r + 1) * C), (r0 + r) * stride + base);
}

interface AttentionDims { B: number; T: number; n: number; heads: number; hd: number }

/** softmax(q·kᵀ/√hd + bias)·v per (sequence, head) pair, written into y [B·T, heads·hd]. Returns, per pair, what the
 *  backward pass needs: q/√hd, k, v and P. */
function attendForward(q: Band, k: Band, v: Band, y: Band, dm: AttentionDims, bias: T2 | null): tf.Tensor[] {
  const { B, T, n, heads, hd } = dm;
  const scale = 1 / Math.sqrt(hd);
  const keep: tf.Tensor[] = [];
  for (let b = 0; b < B; b++) for (let h = 0; h < heads; h++) {
    const qh = tf.mul(block(q, b * T, T, h * hd, hd), scale), kh = block(k, b * n, n, h * hd, hd), vh = block(v, b * n, n, h * hd, hd);
    const sc = mm(qh, tr(kh));
    const p = tf.softmax(bias ? tf.add(sc, bias) : sc);
    keep.push(qh, kh, vh, p);
    tf.tidy(() => put(y, b * T, h * hd, mm(p, vh)));
  }
  return keep;
}

/** Gradients of attendForward written into the bands dq, dk, dv (same layout as q, k, v):
 *  dP = dY·Vᵀ, dS = P⊙(dP − rowsum(dP⊙P)), dQ = dS·K/√hd, dK = dSᵀ·Q/√hd, dV = Pᵀ·dY
 *  (dSᵀ, Pᵀ as explicit transposes: cheaper than letting XNNPACK pack the [T, n] matrices). */
function attendBackward(dy: Band, kept: tf.Tensor[], dm: AttentionDims, dq: Band, dk: Band, dv: Band): void {
  const { B, T, n, heads, hd } = dm;
  const scale = 1 / Math.sqrt(hd);
  for (let b = 0; b < B; b++) for (let h = 0; h < heads; h++) {
    tf.tidy(() => {
      const [qh, kh, vh, p] = kept.slice(4 * (b * heads + h), 4 * (b * heads + h) + 4);
      const c0 = h * hd;
      const dyh = block(dy, b * T, T, c0, hd);
      const pdp = tf.mul(p, mm(dyh, tr(vh)));
      const ds = tf.sub(pdp, tf.mul(p, tf.sum(pdp, -1, true)));
      put(dq, b * T, c0, tf.mul(mm(ds, kh), scale));
      put(dk, b * n, c0, mm(tr(ds), qh));
      put(dv, b * n, c0, mm(tr(p), dyh));
    });
  }
}

const zeros2d = (shape: [number, number]): T2 => tf.fill(shape, 0, 'float32') as T2;

/**
 * Multi-head attention softmax(q·kᵀ/√hd + bias)·v for B sequences stacked on rows: q [B·T, d], k and v [B·n, d]
 * (heads side by side in the columns), bias [T, n] or null. Each (sequence, head) pair is a few plain 2-D matmuls
 * (wasm's batched matmul is ~10× slower); heads are cut out and put back in JS.
 */
export function attention(q: T2, k: T2, v: T2, B: number, heads: number, bias: T2 | null): T2 {
  const dm: AttentionDims = { B, T: q.shape[0] / B, n: k.shape[0] / B, heads, hd: q.shape[1] / heads };
  const f = tf.customGrad((qi, ki, vi) => {
    const y = zeros2d(q.shape);
    const kept = hold(attendForward(band(qi as T2), band(ki as T2), band(vi as T2), band(y), dm, bias));
    return {
      value: y,
      gradFunc: (dy) => {
        const dq = zeros2d(q.shape), dk = zeros2d(k.shape), dv = zeros2d(v.shape);
        attendBackward(band(dy), kept, dm, band(dq), band(dk), band(dv));
        release(kept);
        return [dq, dk, dv];
      },
    };
  }) as (q: T2, k: T2, v: T2) => T2;
  return f(q, k, v);
}

/** Self-attention on the fused projection qkv [B·T, 3d] (columns q | k | v); the same as attention(split(qkv)) without
 *  the split and its gradient's concat. */
export function selfAttention(qkv: T2, B: number, heads: number, bias: T2 | null): T2 {
  const [N, d3] = qkv.shape, d = d3 / 3;
  const dm: AttentionDims = { B, T: N / B, n: N / B, heads, hd: d / heads };
  const f = tf.customGrad((x) => {
    const y = zeros2d([N, d]);
    const kept = hold(attendForward(band(x as T2, 0), band(x as T2, d), band(x as T2, 2 * d), band(y), dm, bias));
    return {
      value: y,
      gradFunc: (dy) => {
        const g = zeros2d([N, d3]);
        attendBackward(band(dy), kept, dm, band(g, 0), band(g, d), band(g, 2 * d));
        release(kept);
        return g;
      },
    };
  }) as (x: T2) => T2;
  return f(qkv);
}

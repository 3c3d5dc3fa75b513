// One thread's share of a multi-row forward pass: the same arithmetic as GPT.forward (model.ts), on the rows
// [a, b) this thread owns, in the kernels of gemm.wat on the model's shared memory (fast/pass-layout.ts). Every thread
// (the main one and fast/pool.ts's workers) runs this same function with its own index; the rows a thread owns are a
// pure function of (rows, threads, index), and a row's arithmetic never depends on the others', so any number of
// threads gives the same bits (test/pass.test.ts). Per layer the threads meet once: after every key and value of the
// layer is packed, before any query reads them. This file imports no tfjs (the workers load it).
import type { GemmKernels } from './gemm.js';
import { CTL, type PassLayout } from './pass-layout.js';

const F = 4;

/** Thread t's share [a, b) of n items split over T threads, cut at multiples of `align` (whole 4-row tiles). */
export function share(n: number, t: number, T: number, align = 4): [number, number] {
  const cut = (i: number) => (i >= T ? n : Math.min(n, Math.floor((n * i) / T / align) * align));
  return [cut(t), cut(t + 1)];
}

/** Views of the shared memory (it never grows after the layout is made, so they stay valid). */
export interface PassMemory {
  f: Float32Array;
  i: Int32Array;
}
export const passMemory = (m: WebAssembly.Memory): PassMemory => ({
  f: new Float32Array(m.buffer),
  i: new Int32Array(m.buffer),
});

/** Thread t of T's part of the pass described by the control block; `meet` is the barrier. */
export function passShare(k: GemmKernels, mem: PassMemory, L: PassLayout, t: number, T: number, meet: () => void) {
  const { f, i: ints } = mem;
  const { d, heads, mlp, vocab, capPad } = L;
  const hd = d / heads,
    half = hd / 2;
  const R = ints[CTL.rows],
    nPast = ints[CTL.past],
    nL = ints[CTL.logitRows];
  const n = nPast + R,
    nPad = Math.ceil(n / 8) * 8;
  const [a, b] = share(R, t, T);
  const [pa, pb] = share(nPast, t, T, 1);
  const rows = b - a;
  const scale = Math.fround(1 / Math.sqrt(hd));
  const S = L.scores + t * L.cap * capPad * F;
  const POS = L.pos / F;
  const QKV = L.qkv / F;

  for (const Ly of L.layer) {
    if (rows) k.layerNorm(L.x + a * d * F, d * F, L.h + a * d * F, d * F, rows, d, Ly.ln1g, Ly.ln1b);
    if (rows) k.gemm(L.h + a * d * F, d * F, Ly.wqkv, Ly.bqkv, L.qkv + a * 3 * d * F, 3 * d * F, rows, d, 3 * d, 0);
    // rotary positions on q and k (ops.ts rope), q then scaled by 1/√hd (as ops.ts attend); keys and values are
    // copied to the layer's row-major buffers at their key index
    for (let r = a; r < b; r++) {
      const line = ints[POS + r]! * half * F,
        o = QKV + r * 3 * d;
      k.rope(L.qkv + r * 3 * d * F, 2 * d, hd, L.cos + line, L.sin + line, scale, d);
      f.copyWithin(Ly.k / F + (nPast + r) * d, o + d, o + 2 * d);
      f.copyWithin(Ly.v / F + (nPast + r) * d, o + 2 * d, o + 3 * d);
    }
    // pack this thread's keys (a share of the past, then its own rows) into the heads' panels
    packKeys(f, Ly.k / F, Ly.v / F, Ly.kp / F, Ly.vp / F, pa, pb, d, hd, heads, capPad, nPad);
    packKeys(f, Ly.k / F, Ly.v / F, Ly.kp / F, Ly.vp / F, nPast + a, nPast + b, d, hd, heads, capPad, nPad);
    // values of the padding keys are read (times a probability of 0): they must be finite
    if (t === 0)
      for (let h = 0; h < heads; h++) {
        const V = Ly.vp / F + h * capPad * hd;
        for (let p = 0; p < hd / 8; p++) f.fill(0, V + (p * nPad + n) * 8, V + (p * nPad + nPad) * 8);
      }
    meet();

    if (rows) {
      for (let h = 0; h < heads; h++) {
        k.gemm(
          L.qkv + (a * 3 * d + h * hd) * F,
          3 * d * F,
          Ly.kp + h * capPad * hd * F,
          L.zeros,
          S,
          nPad * F,
          rows,
          hd,
          nPad,
          0,
        );
        k.softmaxRows(S, nPad * F, rows, L.cnt + a * F, nPad);
        k.gemm(
          S,
          nPad * F,
          Ly.vp + h * capPad * hd * F,
          L.zeros,
          L.att + (a * d + h * hd) * F,
          d * F,
          rows,
          nPad,
          hd,
          0,
        );
      }
      k.gemm(L.att + a * d * F, d * F, Ly.wo, Ly.bo, L.x + a * d * F, d * F, rows, d, d, 1);
      k.layerNorm(L.x + a * d * F, d * F, L.h + a * d * F, d * F, rows, d, Ly.ln2g, Ly.ln2b);
      k.gemm(L.h + a * d * F, d * F, Ly.w1, Ly.b1, L.m + a * mlp * F, mlp * F, rows, d, mlp, 0);
      k.gelu(L.m + a * mlp * F, rows * mlp);
      k.gemm(L.m + a * mlp * F, mlp * F, Ly.w2, Ly.b2, L.x + a * d * F, d * F, rows, mlp, d, 1);
    }
  }
  meet();

  // the head: every thread normalises every logit row (a few) into its own scratch and takes a share of the
  // vocabulary's panels, so the head needs no meeting of its own
  if (nL > 0) {
    const [p0, p1] = share(vocab / 8, t, T, 1);
    const HF = L.hf + t * L.cap * d * F;
    for (let j = 0; j < nL; j++)
      f.copyWithin(
        HF / F + j * d,
        L.x / F + ints[L.logitRow / F + j] * d,
        L.x / F + (ints[L.logitRow / F + j] + 1) * d,
      );
    k.layerNorm(HF, d * F, HF, d * F, nL, d, L.lnfg, L.lnfb);
    if (p1 > p0)
      k.gemm(
        HF,
        d * F,
        L.wteT + p0 * d * 32,
        L.maskBias + p0 * 32,
        L.logits + p0 * 32,
        vocab * F,
        nL,
        d,
        (p1 - p0) * 8,
        0,
      );
  }
  meet();
}

/** Keys [j0, j1) of the row-major K, V (float indices) into the heads' panels: Kₕᵀ panel p = keys 8p..8p+7, one row of
 *  8 per head column; Vₕ panel q = head columns 8q..8q+7, one row of 8 per key (nPad keys a panel). */
function packKeys(
  f: Float32Array,
  K: number,
  V: number,
  KP: number,
  VP: number,
  j0: number,
  j1: number,
  d: number,
  hd: number,
  heads: number,
  capPad: number,
  nPad: number,
) {
  for (let j = j0; j < j1; j++) {
    const kr = K + j * d,
      vr = V + j * d,
      jp = j >> 3,
      jl = j & 7;
    for (let h = 0; h < heads; h++) {
      const kp = KP + h * capPad * hd + jp * hd * 8 + jl,
        vp = VP + h * capPad * hd + j * 8;
      for (let c = 0; c < hd; c++) f[kp + c * 8] = f[kr + h * hd + c];
      for (let q = 0; q < hd / 8; q++) {
        const src = vr + h * hd + q * 8,
          dst = vp + q * nPad * 8;
        for (let c = 0; c < 8; c++) f[dst + c] = f[src + c];
      }
    }
  }
}

// The multi-row pass's WebAssembly SIMD kernels, written in gemm.wat (why each is shaped as it is) and assembled by
// `npm run build:kernels` into gemm-binary.ts. Every thread of a pass instantiates them on the model's one shared
// memory (fast/pass-layout.ts), so the weights are laid out once and the threads split the rows:
// - gemm: Y = X·W + b (+ Y) for R rows, W packed in panels of 8 columns (packPanels);
// - softmaxRows: attention's masked softmax, a visible-key count per row;
// - gelu: GELU (tanh form, as x·σ(2u)) in place;
// - layerNorm, rope: the rows' LayerNorm and rotary positions (with q's 1/√hd);
// - peak: register-only f32x4 mul+add, the ceiling a product is measured against.
import { GEMM_WASM_BASE64 } from './gemm-binary.js';

/** The module's bytes (it imports its memory as env.mem: shared, at most MAX_PAGES pages). */
export function gemmBytes(): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(Buffer.from(GEMM_WASM_BASE64, 'base64'));
}

/** The largest memory the module accepts (gemm.wat's import): 1 GiB of 64 KiB pages. */
export const MAX_PAGES = 16384;

export interface GemmKernels {
  /** Y = X·W + b (+ Y when acc = 1): byte offsets x, w (packed), b, y; row strides xs, ys in bytes; nOut % 8 = 0 */
  gemm(
    x: number,
    xs: number,
    w: number,
    b: number,
    y: number,
    ys: number,
    rows: number,
    nIn: number,
    nOut: number,
    acc: number,
  ): void;
  /** rows of S (stride bytes apart, n floats) → softmax of the first cnt[r] entries, 0 beyond (cnt: i32 per row) */
  softmaxRows(s: number, stride: number, rows: number, cnt: number, n: number): void;
  /** x ← GELU(x) for n floats at p (n % 4 = 0) */
  gelu(p: number, n: number): void;
  /** LayerNorm of rows of X (xs bytes apart, d floats) into Y (ys apart) with g, b (byte offsets); X may be Y */
  layerNorm(x: number, xs: number, y: number, ys: number, rows: number, d: number, g: number, b: number): void;
  /** rotary positions on the first cols floats of the row at p in heads of hd, by the cos/sin lines at cs, sn; then
   *  the first `scaled` floats × scale */
  rope(p: number, cols: number, hd: number, cs: number, sn: number, scale: number, scaled: number): void;
  /** iters × 56 flops of register-only mul+add; returns a sum so nothing is dead code */
  peak(iters: number): number;
}

/** Flops of one peak() iteration: 7 f32x4 mul+add pairs. */
export const PEAK_FLOPS_PER_ITER = 7 * 4 * 2;

/** A shared memory of `pages` pages the kernels accept. */
export function sharedMemory(pages: number): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: pages, maximum: MAX_PAGES, shared: true });
}

let compiled: WebAssembly.Module | null = null;
/** The compiled module, once per thread; a worker is handed its creator's (V8 then shares the machine code, and the
 *  optimised code of kernels the creator has already run). */
export function gemmModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(gemmBytes());
  return compiled;
}

/** The kernels on this memory. */
export function instantiateGemm(memory: WebAssembly.Memory, module = gemmModule()): GemmKernels {
  return new WebAssembly.Instance(module, { env: { mem: memory } }).exports as unknown as GemmKernels;
}

/** W [nIn, nOut] (row-major, nOut % 8 = 0) in gemm's panels of 8 columns: out[(p·nIn + k)·8 + c] = W[k, 8p + c]. */
export function packPanels(
  w: Float32Array,
  nIn: number,
  nOut: number,
  out: Float32Array = new Float32Array(nIn * nOut),
): Float32Array {
  for (let p = 0; p < nOut / 8; p++)
    for (let k = 0; k < nIn; k++) {
      const o = (p * nIn + k) * 8,
        i = k * nOut + p * 8;
      for (let c = 0; c < 8; c++) out[o + c] = w[i + c];
    }
  return out;
}

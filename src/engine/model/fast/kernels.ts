// The WebAssembly SIMD kernels of the fast one-token step, written in kernels.wat (named locals, labelled loops, why
// each is shaped as it is) and assembled by `npm run build:kernels` into kernels-binary.ts:
// - panels: y = b + x·W for a few rows x [rows, in], W [in, out] packed in column panels (decoder.ts packPanels), the
//   shape of every weight product of one token and of a short verify pass;
// - vecmat: y = b + x·W for a strided W (row stride in bytes), the attention's p·V over the value cache;
// - matvec: y = A·x for A [rows, n] (row stride in bytes), the attention scores of one query against cached keys;
// - softmax, gelu and exp over a row in place (exp: a vectorised e^x, written out in the .wat);
// - stream: a pure read of some bytes, the floor a step is held to.
import { KERNELS_WASM_BASE64 } from './kernels-binary.js';

/** The module's bytes: memory (exported as "mem", grown by the caller) and the kernels below. */
export function kernelBytes(): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(Buffer.from(KERNELS_WASM_BASE64, 'base64'));
}

export interface Kernels {
  memory: WebAssembly.Memory;
  /** y[r] = b + x[r]·W for r < rows (≥ 1): byte offsets x, w (packed panels), b, y; nOut % 4 = 0, nIn even ≥ 2 */
  panels(x: number, w: number, b: number, y: number, nIn: number, nOut: number, rows: number): void;
  /** y = b + x·W: byte offsets x, w, b, y; counts nIn, nOut (nOut % 4 = 0); W's row stride in bytes */
  vecmat(x: number, w: number, b: number, y: number, nIn: number, nOut: number, stride: number): void;
  /** y = A·x: byte offsets a, x, y; rows, n (n % 4 = 0); A's row stride in bytes */
  matvec(a: number, x: number, y: number, rows: number, n: number, stride: number): void;
  /** the n ≥ 1 floats at byte offset p replaced by their softmax */
  softmax(p: number, n: number): void;
  /** the n floats (n % 4 = 0) at byte offset p replaced by their GELU (tanh form, as ops.ts gelu) */
  gelu(p: number, n: number): void;
  /** the n floats (n % 4 = 0) at byte offset p replaced by e to their power (the kernels' own exp) */
  exp(p: number, n: number): void;
  /** Σ of the floats in [p, p + nBytes) (nBytes rounded down to 64): a pure read stream */
  stream(p: number, nBytes: number): number;
}

let compiled: WebAssembly.Module | null = null;
/** A fresh instance (its own memory) of the kernels; the module is compiled once. */
export function instantiateKernels(): Kernels {
  compiled ??= new WebAssembly.Module(kernelBytes());
  const e = new WebAssembly.Instance(compiled, {}).exports as unknown as Kernels & { mem: WebAssembly.Memory };
  const { panels, vecmat, matvec, softmax, gelu, exp, stream } = e;
  return { memory: e.mem, panels, vecmat, matvec, softmax, gelu, exp, stream };
}

// Three WebAssembly SIMD kernels for one-token decoding, written in kernels.wat (named locals, labelled loops, why
// each is shaped as it is) and assembled by `npm run build:kernels` into kernels-binary.ts:
// - vecmat: y = b + x·W for x [in], W [in, out] (row stride in bytes), the shape of every weight product of one token;
// - matvec: y = A·x for A [rows, n] (row stride in bytes), the attention scores of one query against cached keys;
// - stream: a pure read of some bytes, the floor a step is held to.
import { KERNELS_WASM_BASE64 } from './kernels-binary.js';

/** The module's bytes: memory (exported as "mem", grown by the caller), vecmat, matvec and stream. */
export function kernelBytes(): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(Buffer.from(KERNELS_WASM_BASE64, 'base64'));
}

export interface Kernels {
  memory: WebAssembly.Memory;
  /** y = b + x·W: byte offsets x, w, b, y; counts nIn, nOut (nOut % 4 = 0); W's row stride in bytes */
  vecmat(x: number, w: number, b: number, y: number, nIn: number, nOut: number, stride: number): void;
  /** y = A·x: byte offsets a, x, y; rows, n (n % 4 = 0); A's row stride in bytes */
  matvec(a: number, x: number, y: number, rows: number, n: number, stride: number): void;
  /** Σ of the floats in [p, p + nBytes) (nBytes rounded down to 64): a pure read stream */
  stream(p: number, nBytes: number): number;
}

let compiled: WebAssembly.Module | null = null;
/** A fresh instance (its own memory) of the kernels; the module is compiled once. */
export function instantiateKernels(): Kernels {
  compiled ??= new WebAssembly.Module(kernelBytes());
  const e = new WebAssembly.Instance(compiled, {}).exports as unknown as Kernels & { mem: WebAssembly.Memory };
  return { memory: e.mem, vecmat: e.vecmat, matvec: e.matvec, stream: e.stream };
}

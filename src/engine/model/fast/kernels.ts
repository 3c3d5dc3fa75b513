// Two WebAssembly SIMD kernels for one-token decoding, assembled here from their opcodes (no toolchain, no download):
// - vecmat: y = b + x·W for x [in], W [in, out] (row stride in bytes), the shape of every weight product of one token;
// - matvec: y = A·x for A [rows, n] (row stride in bytes), the attention scores of one query against cached keys.
// Both keep accumulators in v128 registers and read each weight once: one token's step is then bound by streaming the
// weights, not by dispatch (test/fast.test.ts holds them to the tfjs result).

// ---- a tiny assembler: only the opcodes below ----
const I32 = 0x7f, F32 = 0x7d, V128 = 0x7b;
const uleb = (n: number): number[] => { const o: number[] = []; do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; o.push(b); } while (n); return o; };
const sleb = (n: number): number[] => {
  const o: number[] = [];
  for (;;) { const b = n & 0x7f; n >>= 7; if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) { o.push(b); return o; } o.push(b | 0x80); }
};
const get = (i: number) => [0x20, ...uleb(i)], set = (i: number) => [0x21, ...uleb(i)], tee = (i: number) => [0x22, ...uleb(i)];
const i32c = (n: number) => [0x41, ...sleb(n)];
const ADD = 0x6a, MUL = 0x6c, AND = 0x71, LT_U = 0x49, GE_U = 0x4f;
const simd = (op: number, ...imm: number[]) => [0xfd, ...uleb(op), ...imm];
const vload = (offset: number) => simd(0x00, 4, ...uleb(offset)); // align 2^4
const vstore = (offset: number) => simd(0x0b, 4, ...uleb(offset));
const F4ADD = simd(0xe4), F4MUL = simd(0xe6), F4SPLAT = simd(0x13);
const lane = (l: number) => simd(0x1f, l);
const f32load = [0x2a, 2, 0], f32store = [0x38, 2, 0], F32ADD = 0x92;
const vzero = [0x43, 0, 0, 0, 0, ...F4SPLAT];
const loop = (body: number[]) => [0x03, 0x40, ...body, 0x0b];
const block = (body: number[]) => [0x02, 0x40, ...body, 0x0b];

// vecmat(x, w, b, y, nIn, nOut, stride): y[j] = b[j] + Σ_i x[i]·w[i·stride/4 + j]; nOut % 4 = 0, nIn ≥ 1.
// Columns in tiles of 32 (8 accumulators), then of 4; within a tile the rows are walked top to bottom.
function vecmatBody(): { locals: number[][]; code: number[] } {
  const [x, w, b, y, nIn, nOut, stride] = [0, 1, 2, 3, 4, 5, 6];
  const [j, xp, wp, xend, jend, xs] = [7, 8, 9, 10, 11, 12];
  const acc = (k: number) => 13 + k;
  const tile = (K: number, jEnd: number[]) => block(loop([
    ...get(j), ...jEnd, GE_U, 0x0d, 1, // br_if out when j ≥ end
    ...Array.from({ length: K }, (_, k) => [...get(b), ...get(j), ADD, ...vload(16 * k), ...set(acc(k))]).flat(),
    ...get(x), ...set(xp), ...get(w), ...get(j), ADD, ...set(wp),
    ...loop([
      ...get(xp), ...f32load, ...F4SPLAT, ...set(xs),
      ...Array.from({ length: K }, (_, k) => [...get(acc(k)), ...get(xs), ...get(wp), ...vload(16 * k), ...F4MUL, ...F4ADD, ...set(acc(k))]).flat(),
      ...get(wp), ...get(stride), ADD, ...set(wp),
      ...get(xp), ...i32c(4), ADD, ...tee(xp), ...get(xend), LT_U, 0x0d, 0,
    ]),
    ...Array.from({ length: K }, (_, k) => [...get(y), ...get(j), ADD, ...get(acc(k)), ...vstore(16 * k)]).flat(),
    ...get(j), ...i32c(16 * K), ADD, ...set(j), 0x0c, 0,
  ]));
  return {
    locals: [[5, I32], [1, V128], [8, V128]],
    code: [
      ...get(x), ...get(nIn), ...i32c(4), MUL, ADD, ...set(xend),
      ...get(nOut), ...i32c(4), MUL, ...i32c(-128), AND, ...set(jend),
      ...tile(8, get(jend)),
      ...tile(1, [...get(nOut), ...i32c(4), MUL]),
    ],
  };
}

// matvec(a, x, y, rows, n, stride): y[r] = Σ_i a[r·stride/4 + i]·x[i]; n % 4 = 0.
// Each row in steps of 16 (4 accumulators), then of 4, then one horizontal sum.
function matvecBody(): { locals: number[][]; code: number[] } {
  const [a, x, y, rows, n, stride] = [0, 1, 2, 3, 4, 5];
  const [yp, yend, rp, i, iend16, iend] = [6, 7, 8, 9, 10, 11];
  const acc = (k: number) => 12 + k;
  const step = (K: number, end: number) => block(loop([
    ...get(i), ...get(end), GE_U, 0x0d, 1,
    ...Array.from({ length: K }, (_, k) => [...get(acc(k)), ...get(rp), ...get(i), ADD, ...vload(16 * k), ...get(x), ...get(i), ADD, ...vload(16 * k), ...F4MUL, ...F4ADD, ...set(acc(k))]).flat(),
    ...get(i), ...i32c(16 * K), ADD, ...set(i), 0x0c, 0,
  ]));
  return {
    locals: [[6, I32], [4, V128]],
    code: [
      ...get(n), ...i32c(4), MUL, ...tee(iend), ...i32c(-64), AND, ...set(iend16),
      ...get(y), ...tee(yp), ...get(rows), ...i32c(4), MUL, ADD, ...set(yend), ...get(a), ...set(rp),
      ...block(loop([
        ...get(yp), ...get(yend), GE_U, 0x0d, 1,
        ...[0, 1, 2, 3].flatMap((k) => [...vzero, ...set(acc(k))]), ...i32c(0), ...set(i),
        ...step(4, iend16), ...step(1, iend),
        ...get(acc(0)), ...get(acc(1)), ...F4ADD, ...get(acc(2)), ...get(acc(3)), ...F4ADD, ...F4ADD, ...set(acc(0)),
        ...get(yp),
        ...get(acc(0)), ...lane(0), ...get(acc(0)), ...lane(1), F32ADD, ...get(acc(0)), ...lane(2), ...get(acc(0)), ...lane(3), F32ADD, F32ADD,
        ...f32store,
        ...get(yp), ...i32c(4), ADD, ...set(yp), ...get(rp), ...get(stride), ADD, ...set(rp), 0x0c, 0,
      ])),
    ],
  };
}

// stream(p, nBytes): Σ of the floats in [p, p + nBytes), nBytes rounded down to 64: the time to read those bytes
// once with the same loads the products use (bench/bench.ts: the weights-sized stream an AR step is held to).
function streamBody(): { locals: number[][]; code: number[] } {
  const [p, nBytes] = [0, 1];
  const [end] = [2];
  const acc = (k: number) => 3 + k;
  return {
    locals: [[1, I32], [4, V128]],
    code: [
      ...get(p), ...get(nBytes), ...i32c(-64), AND, ADD, ...set(end),
      ...[0, 1, 2, 3].flatMap((k) => [...vzero, ...set(acc(k))]),
      ...block(loop([
        ...get(p), ...get(end), GE_U, 0x0d, 1,
        ...[0, 1, 2, 3].flatMap((k) => [...get(acc(k)), ...get(p), ...vload(16 * k), ...F4ADD, ...set(acc(k))]),
        ...get(p), ...i32c(64), ADD, ...set(p), 0x0c, 0,
      ])),
      ...get(acc(0)), ...get(acc(1)), ...F4ADD, ...get(acc(2)), ...get(acc(3)), ...F4ADD, ...F4ADD, ...set(acc(0)),
      ...get(acc(0)), ...lane(0), ...get(acc(0)), ...lane(1), F32ADD, ...get(acc(0)), ...lane(2), ...get(acc(0)), ...lane(3), F32ADD, F32ADD,
    ],
  };
}

const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const str = (t: string) => [...uleb(t.length), ...Array.from(t, (c) => c.charCodeAt(0))];

/** The module's bytes: memory (exported as "mem", grown by the caller), vecmat and matvec. */
export function kernelBytes(): Uint8Array<ArrayBuffer> {
  const fns = [
    { name: 'vecmat', params: 7, results: [], body: vecmatBody() },
    { name: 'matvec', params: 6, results: [], body: matvecBody() },
    { name: 'stream', params: 2, results: [F32], body: streamBody() },
  ];
  const bodies = fns.map(({ body }) => {
    const b = [...vec(body.locals.map(([n, t]) => [...uleb(n), t])), ...body.code, 0x0b];
    return [...uleb(b.length), ...b];
  });
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(fns.map((f) => [0x60, ...uleb(f.params), ...Array(f.params).fill(I32), ...vec(f.results.map((r) => [r]))]))),
    ...section(3, vec(fns.map((_, i) => uleb(i)))),
    ...section(5, vec([[0x00, 1]])),
    ...section(7, vec([[...str('mem'), 0x02, 0], ...fns.map((f, i) => [...str(f.name), 0x00, ...uleb(i)])])),
    ...section(10, vec(bodies)),
  ]);
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

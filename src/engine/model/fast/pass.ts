// A multi-row forward pass without tfjs: GPT.forward (model.ts) for batch 1 — pre-LN blocks, fused qkv, rotary q
// and k, attention under the three masks with an optional cache of past keys/values, the tied head with −1e9 at
// [MASK] — on the kernels of gemm.wat, its rows split over the threads of fast/pool.ts. The weights are packed once
// per model into one shared memory (fast/pass-layout.ts); a pass copies its tokens (and any past keys/values) in and
// its logits (and keys/values) out. Any thread count gives the same bits; against tfjs the logits agree to float
// rounding (test/pass.test.ts). decode/context.ts routes the decoders' multi-row passes here.
import { availableParallelism } from 'node:os';
import type { Attention, GPT, GPTConfig } from '../model.js';
import { ropeTable } from '../ops.js';
import { instantiateGemm, MAX_PAGES, packPanels, PEAK_FLOPS_PER_ITER, sharedMemory, type GemmKernels } from './gemm.js';
import { passWidthsFit } from './fits.js';
import { CTL, OP, passLayout, type PassLayout } from './pass-layout.js';
import { passMemory, passShare, type PassMemory } from './pass-stages.js';
import { meet, PassPool } from './pool.js';

const F = 4;

/** The most threads a pass may use on this machine (each has its own scratch in the memory). */
const maxThreads = () => Math.max(1, Math.min(availableParallelism(), 8));

/** Can the kernels run this shape? Products go in panels of 8 columns: the width, MLP width, vocabulary and head
 *  width must be multiples of 8; and the layout must fit the kernels' memory (MAX_PAGES). A model that does not fit
 *  runs its passes on tfjs. */
export function fastPassFits(c: GPTConfig): boolean {
  return passWidthsFit(c) && passLayout(c, maxThreads()).bytes <= MAX_PAGES * 65536;
}

/** Keys/values of some positions as plain arrays: per layer [n, d] row-major (a tfjs KVCache's data). */
export interface FlatKV {
  k: Float32Array[];
  v: Float32Array[];
  positions: number[];
}

export interface FastPassOptions {
  attention: Attention;
  /** position of each token (default 0..T−1) */
  positions?: number[];
  past?: FlatKV;
  keepKV?: boolean;
  /** rows that get logits (default every row) */
  logitRows?: number[];
  /** threads to split the rows over (default: the pool's, 1 without one) */
  threads?: number;
}

/** The model's weights in the kernels' shared memory, and the threads that run passes on them. */
export class FastPass {
  readonly layout: PassLayout;
  readonly memory: WebAssembly.Memory;
  private readonly k: GemmKernels;
  private readonly mem: PassMemory;
  private readonly ctl: Int32Array;
  private readonly wte: Float32Array;
  private pool: PassPool | null = null;
  /** the past whose keys/values fill rows 0..n−1 of the layers' buffers now (a caller passes the same object again
   *  for a cache it reuses, and its copy-in is skipped) */
  private resident: FlatKV | null = null;
  private readonly key: readonly object[];

  constructor(readonly model: GPT) {
    const c = model.config;
    if (!fastPassFits(c)) throw new Error('the multi-row pass needs widths divisible by 8');
    const L = (this.layout = passLayout(c, maxThreads()));
    this.memory = sharedMemory(Math.ceil(L.bytes / 65536));
    this.k = instantiateGemm(this.memory);
    this.mem = passMemory(this.memory);
    this.ctl = new Int32Array(this.memory.buffer, 0, 16);
    this.key = model.weightKey();
    const { f } = this.mem;
    const w = (name: string) => model.weight(name);
    const put = (at: number, a: Float32Array) => f.set(a, at / F);
    const packed = (at: number, name: string, nIn: number, nOut: number) =>
      packPanels(w(name), nIn, nOut, f.subarray(at / F, at / F + nIn * nOut));
    const { d, mlp, vocab } = c;
    L.layer.forEach((Ly, l) => {
      put(Ly.ln1g, w(`h${l}.ln1.g`));
      put(Ly.ln1b, w(`h${l}.ln1.b`));
      packed(Ly.wqkv, `h${l}.attn.wqkv`, d, 3 * d);
      put(Ly.bqkv, w(`h${l}.attn.bqkv`));
      packed(Ly.wo, `h${l}.attn.wo`, d, d);
      put(Ly.bo, w(`h${l}.attn.bo`));
      put(Ly.ln2g, w(`h${l}.ln2.g`));
      put(Ly.ln2b, w(`h${l}.ln2.b`));
      packed(Ly.w1, `h${l}.mlp.w1`, d, mlp);
      put(Ly.b1, w(`h${l}.mlp.b1`));
      packed(Ly.w2, `h${l}.mlp.w2`, mlp, d);
      put(Ly.b2, w(`h${l}.mlp.b2`));
    });
    put(L.lnfg, w('lnf.g'));
    put(L.lnfb, w('lnf.b'));
    this.wte = w('wte').slice();
    const t = new Float32Array(vocab * d); // the tied head multiplies by Wᵀ [d, V]
    for (let r = 0; r < vocab; r++) for (let i = 0; i < d; i++) t[i * vocab + r] = this.wte[r * d + i];
    packPanels(t, d, vocab, f.subarray(L.wteT / F, L.wteT / F + d * vocab));
    f[L.maskBias / F + c.maskId] = -1e9;
    const rope = ropeTable(L.cap, d / c.heads, c.ropeBase);
    const half = d / c.heads / 2;
    put(L.cos, rope.cos.subarray(0, L.cap * half));
    put(L.sin, rope.sin.subarray(0, L.cap * half));
  }

  /** Threads the passes run on now (1 without a pool). */
  get threads(): number {
    return this.pool?.isOpen ? this.pool.threads : 1;
  }

  /** Still the model's current weights? (model.ts weightKey) */
  matches(model: GPT): boolean {
    return model === this.model && model.holds(this.key);
  }

  /** Start a pool of `threads` threads (closing any other); resolves when its workers wait for work. */
  async startThreads(threads: number): Promise<number> {
    this.stopThreads();
    const n = Math.max(1, Math.min(Math.floor(threads), this.layout.threads));
    if (n === 1) return 1;
    const pool = new PassPool(this.memory, this.layout, n);
    this.pool = pool;
    await pool.ready;
    return this.threads;
  }

  /** The peak kernel's GFLOP/s on one thread, and on `threads` at once (the pool's workers beside this thread). */
  peak(iters: number, threads = this.threads): { one: number; all: number } {
    if (!this.pool?.isOpen || threads < 2) {
      const t = performance.now();
      this.k.peak(iters);
      const one = (iters * PEAK_FLOPS_PER_ITER) / (performance.now() - t) / 1e6;
      return { one, all: one };
    }
    return this.pool.peak(this.k, iters, Math.min(threads, this.pool.threads));
  }

  stopThreads(): void {
    this.pool?.close();
    this.pool = null;
  }

  /** Does a pass of these rows and keys fit the memory (the model's context), and its mask the kernels? The kernels
   *  see a masked query's keys as a prefix: the keys' positions must ascend where any query is masked. */
  fits(rows: number, keyPositions: number[], positions: number[], attention: Attention): boolean {
    const { cap } = this.layout;
    if (rows < 1 || keyPositions.length > cap || positions.some((p) => p < 0 || p >= cap)) return false;
    if (attention === 'bidirectional') return true;
    return keyPositions.every((p, j) => j === 0 || p >= keyPositions[j - 1]!);
  }

  /** The pass: logits [logitRows, V] (a copy) and, with keepKV, the keys/values of past ++ these tokens. Null when the
   *  pass does not fit (fits()). */
  run(ids: number[], o: FastPassOptions): { logits: Float32Array; kv?: FlatKV } | null {
    const L = this.layout,
      { f, i: ints } = this.mem;
    const { d, vocab } = L;
    const R = ids.length;
    const positions = o.positions ?? ids.map((_, i) => i);
    const pastPos = o.past?.positions ?? [];
    const keyPositions = [...pastPos, ...positions];
    if (!this.fits(R, keyPositions, positions, o.attention)) return null;
    const nPast = pastPos.length,
      n = keyPositions.length;
    const logitRows = o.logitRows ?? ids.map((_, i) => i);

    // what the threads read: tokens' embeddings, positions, visible keys per row, logit rows, past keys/values
    for (let r = 0; r < R; r++) f.set(this.wte.subarray(ids[r]! * d, (ids[r]! + 1) * d), L.x / F + r * d);
    ints.set(positions, L.pos / F);
    const below =
      o.attention === 'causal' ? Infinity : o.attention === 'bidirectional' ? -Infinity : o.attention.causalBelow;
    for (let r = 0; r < R; r++) {
      let c = n;
      if (positions[r]! < below) for (c = 0; c < n && keyPositions[c]! <= positions[r]!; c++);
      ints[L.cnt / F + r] = c;
    }
    ints.set(logitRows, L.logitRow / F);
    // a pass writes its keys/values after the past's rows, so the past of the last pass is still in place
    if (o.past && o.past !== this.resident)
      L.layer.forEach((Ly, l) => {
        f.set(o.past!.k[l]!.subarray(0, nPast * d), Ly.k / F);
        f.set(o.past!.v[l]!.subarray(0, nPast * d), Ly.v / F);
      });
    this.resident = o.past ?? null;
    const c = this.ctl;
    c[CTL.rows] = R;
    c[CTL.past] = nPast;
    c[CTL.logitRows] = logitRows.length;

    const pool = this.pool?.isOpen ? this.pool : null;
    const T = pool ? Math.max(1, Math.min(o.threads ?? pool.threads, pool.threads)) : 1;
    if (pool && T > 1) {
      pool.start(OP.PASS, T);
      pool.join(T, () => passShare(this.k, this.mem, L, 0, T, () => meet(c, T)));
    } else passShare(this.k, this.mem, L, 0, 1, () => {});

    const logits = f.slice(L.logits / F, L.logits / F + logitRows.length * vocab);
    if (!o.keepKV) return { logits };
    const kv: FlatKV = {
      k: L.layer.map((Ly) => f.slice(Ly.k / F, Ly.k / F + n * d)),
      v: L.layer.map((Ly) => f.slice(Ly.v / F, Ly.v / F + n * d)),
      positions: keyPositions,
    };
    return { logits, kv };
  }

  /** Stop the threads (the memory goes with the object). */
  dispose(): void {
    this.stopThreads();
  }
}

const byModel = new WeakMap<GPT, FastPass>();
/** The model's fast pass, made once per model (and again if its weights change); null when its shape does not fit. */
export function fastPass(model: GPT): FastPass | null {
  const was = byModel.get(model);
  if (was?.matches(model)) return was;
  was?.dispose();
  if (!fastPassFits(model.config)) return null;
  const p = new FastPass(model);
  byModel.set(model, p);
  return p;
}

/** Stop the threads of the model's fast pass, if it has one (never makes one: on an error path the pass may never have
 *  been laid out). */
export function stopPassThreads(model: GPT): void {
  byModel.get(model)?.stopThreads();
}

/** The model's fast pass if one was opened for it (fastPass, startPassThreads) and still matches its weights; never
 *  makes one: a model's layout holds a full context's activations, too much for a model that runs one pass of many
 *  rows (an AR copy's or a draft's prompt). */
export function openedFastPass(model: GPT): FastPass | null {
  const p = byModel.get(model);
  return p?.matches(model) ? p : null;
}

/** How many threads a pass gets when not told: 2 or more only where os.availableParallelism() says so and a second
 *  core is free now, which a probe sees: the peak kernel on two threads at once does ≥ 1.6× one thread's work. */
export async function startPassThreads(model: GPT, asked?: number): Promise<number> {
  const p = fastPass(model);
  if (!p) return 1;
  if (asked !== undefined) return p.startThreads(asked);
  if (availableParallelism() < 2) return 1;
  try {
    await p.startThreads(2);
  } catch {
    return 1; // a worker that cannot start: one thread, as without a second core
  }
  const iters = 2_000_000; // ~3 ms of the peak kernel at ~40 GFLOP/s (a worker wakes in ~0.1 ms)
  p.peak(iters); // warm-up: tier-up of both threads' kernels
  let best = 0;
  for (let i = 0; i < 3; i++) {
    const { one, all } = p.peak(iters);
    best = Math.max(best, all / one);
  }
  if (best >= 1.6) return p.threads;
  p.stopThreads();
  return 1;
}

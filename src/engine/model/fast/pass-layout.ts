// Where everything of the multi-row pass lies in its one shared memory (byte offsets): a control block the threads
// meet on, the weights (packed once per model in gemm.ts's panels of 8 columns), and the activations, key/value
// buffers and scratch of a pass of up to `cap` rows against up to `cap` keys. A plain object, so the workers get it
// as is (fast/pool.ts), and a pure function of the model's shape, so every thread computes the same offsets.
import type { GPTConfig } from '../model.js';

const F = 4; // bytes per float32 (and per int32)

/** What the threads read per pass from the control block: int32 slots (fast/pool.ts, fast/pass-stages.ts). */
export const CTL = {
  /** bumped by the main thread to start an operation; workers wait on it */
  go: 0,
  /** the operation: PASS, PEAK or STOP */
  op: 1,
  /** threads taking part (the main thread is thread 0) */
  active: 2,
  /** rows of the pass (new tokens) */
  rows: 3,
  /** cached keys before them */
  past: 4,
  /** rows that get logits */
  logitRows: 5,
  /** peak() iterations per thread (OP.PEAK) */
  iters: 6,
  /** the barrier: threads arrived, and its generation (bumped when the last one arrives) */
  arrived: 7,
  generation: 8,
  /** set when a thread failed: the others leave the pass; the message is at CTL_MESSAGE */
  failed: 9,
} as const;
export const OP = { PASS: 1, PEAK: 2, STOP: 3 } as const;
/** Bytes of the control block: 16 slots, then a failure's message (UTF-8, at most CTL_MESSAGE_BYTES). */
export const CTL_MESSAGE = 64;
export const CTL_MESSAGE_BYTES = 448;
const CTL_BYTES = CTL_MESSAGE + CTL_MESSAGE_BYTES;

export interface LayerAt {
  ln1g: number;
  ln1b: number;
  wqkv: number;
  bqkv: number;
  wo: number;
  bo: number;
  ln2g: number;
  ln2b: number;
  w1: number;
  b1: number;
  w2: number;
  b2: number;
  /** keys and values of past ++ this pass, row-major [cap, d], rotated keys (what keepKV hands back) */
  k: number;
  v: number;
  /** per head h at kp + h·(capPad·hd·4): Kₕᵀ [hd, capPad] in panels (the scores' right operand) */
  kp: number;
  /** per head h at vp + h·(capPad·hd·4): Vₕ [n, hd] in panels for the pass's n (the attention's right operand) */
  vp: number;
}

export interface PassLayout {
  d: number;
  heads: number;
  mlp: number;
  vocab: number;
  layers: number;
  /** most rows in a pass and most keys (past ++ rows) it attends to: the model's context */
  cap: number;
  /** cap rounded up to whole panels of 8 */
  capPad: number;
  /** most threads a pass runs on (each has its own scratch) */
  threads: number;
  layer: LayerAt[];
  lnfg: number;
  lnfb: number;
  /** the tied head: the embedding's transpose [d, vocab] in panels */
  wteT: number;
  /** [vocab]: −1e9 at [MASK] */
  maskBias: number;
  /** capPad floats of 0: the bias of an unbiased product */
  zeros: number;
  /** the residual stream [cap, d], its LayerNorm [cap, d], q|k|v [cap, 3d], attention [cap, d], MLP [cap, mlp] */
  x: number;
  h: number;
  qkv: number;
  att: number;
  m: number;
  /** per thread t at + t·(cap·capPad·4): attention scores of its rows for one head */
  scores: number;
  /** per thread t at + t·(cap·d·4): the final LayerNorm of the logit rows */
  hf: number;
  /** [cap, vocab] */
  logits: number;
  /** int32 [cap] each: each row's position, visible keys, and the rows that get logits */
  pos: number;
  cnt: number;
  logitRow: number;
  /** rotary tables [cap, hd/2] each (ops.ts ropeTable) */
  cos: number;
  sin: number;
  bytes: number;
}

/** The layout for model shape c on up to `threads` threads. */
export function passLayout(c: GPTConfig, threads: number): PassLayout {
  const { d, heads, mlp, vocab, layers } = c;
  const cap = c.context,
    capPad = Math.ceil(cap / 8) * 8;
  let top = CTL_BYTES;
  // 64-byte aligned: a v128 never straddles a cache line, and two threads' regions never share one
  const a = (floats: number) => {
    const at = top;
    top += Math.ceil((floats * F) / 64) * 64;
    return at;
  };
  const layer = Array.from({ length: layers }, (): LayerAt => ({
    ln1g: a(d),
    ln1b: a(d),
    wqkv: a(d * 3 * d),
    bqkv: a(3 * d),
    wo: a(d * d),
    bo: a(d),
    ln2g: a(d),
    ln2b: a(d),
    w1: a(d * mlp),
    b1: a(mlp),
    w2: a(mlp * d),
    b2: a(d),
    k: a(cap * d),
    v: a(cap * d),
    kp: a(capPad * d),
    vp: a(capPad * d),
  }));
  return {
    d,
    heads,
    mlp,
    vocab,
    layers,
    cap,
    capPad,
    threads,
    layer,
    lnfg: a(d),
    lnfb: a(d),
    wteT: a(d * vocab),
    maskBias: a(vocab),
    zeros: a(capPad),
    x: a(cap * d),
    h: a(cap * d),
    qkv: a(cap * 3 * d),
    att: a(cap * d),
    m: a(cap * mlp),
    scores: a(threads * cap * capPad),
    hf: a(threads * cap * d),
    logits: a(cap * vocab),
    pos: a(cap),
    cnt: a(cap),
    logitRow: a(cap),
    cos: a((cap * d) / heads / 2),
    sin: a((cap * d) / heads / 2),
    bytes: top,
  };
}

// What a decoder needs besides its config: the model, the tokenizer, and how its passes are priced.
import * as tf from '@tensorflow/tfjs-core';
import { positionTexts } from '../model/characters.js';
import { passCost } from '../price/cost.js';
import { openedFastPass, type FlatKV } from '../model/fast/pass.js';
import type { ForwardOptions, GPT, KVCache } from '../model/model.js';
import type { ModelShape, Precision } from '../price/shape.js';
import { maskedPosition, type LaneId, type PassKind, type PassShape, type Position, type StepEvent } from './events.js';

export interface TokenizerLike {
  encode(text: string): number[];
  decode(ids: number[]): string;
  tokenText(id: number): string;
  tokenBytes(id: number): Uint8Array;
  readonly maskId: number;
  readonly vocabSize: number;
}

export interface DecodeContext {
  model: GPT;
  tokenizer: TokenizerLike;
  shape: ModelShape;
  precision: Precision;
}

/** Which engine runs the decoders' passes of the main model (diffusion, block): 'fast', the kernels of
 *  model/fast/pass.ts on the run's threads (for a model the run opened them for, where the shape and the pass fit), or
 *  'tfjs'. The AR copy's and the draft's passes run on decode/cached-passes.ts. */
export type PassEngine = 'fast' | 'tfjs';
let passEngine: PassEngine = 'fast';
/** Run the multi-row passes on this engine from now on (tests and benches hold one to the other); returns the last. */
export function usePassEngine(e: PassEngine): PassEngine {
  const was = passEngine;
  passEngine = e;
  return was;
}

const flats = new WeakMap<KVCache, FlatKV>();
/** A cache's keys/values as arrays, downloaded once per cache (a decoder passes one cache to many passes; the fast
 *  pass then also finds it still in place and skips its copy). */
function flat(c: KVCache): FlatKV {
  let f = flats.get(c);
  if (!f) {
    f = {
      k: c.k.map((t) => t.dataSync() as Float32Array),
      v: c.v.map((t) => t.dataSync() as Float32Array),
      positions: c.positions,
    };
    flats.set(c, f);
  }
  return f;
}

/** The pass on the fast kernels: logits [rows, V] and the keys/values as a tfjs cache; null where it cannot run. */
function fastForward(
  ctx: DecodeContext,
  ids: number[],
  opts: ForwardOptions,
): { logits: Float32Array; rows: number; kv?: KVCache } | null {
  if (passEngine !== 'fast') return null;
  // the models a run opened a fast pass for (run.ts: the main model, whose lanes run many passes of many rows); the
  // AR copy and the draft run their passes on fast sessions (decode/cached-passes.ts) rather than lay out a second
  // full context
  const fp = openedFastPass(ctx.model);
  if (!fp) return null;
  const { d, vocab } = ctx.model.config;
  const r = fp.run(ids, { ...opts, past: opts.past && flat(opts.past) });
  if (!r) return null;
  const cache = (a: Float32Array) => tf.tensor3d(a, [1, a.length / d, d]);
  const kv = r.kv && { k: r.kv.k.map(cache), v: r.kv.v.map(cache), positions: r.kv.positions };
  return { logits: r.logits, rows: r.logits.length / vocab, kv };
}

/** Run one forward pass over ids (batch 1) and download the requested logit rows. Returns rows and new KV if kept. */
export function runPass(
  ctx: DecodeContext,
  ids: number[],
  opts: Parameters<GPT['forward']>[1],
): { rows: Float32Array[]; kv?: ReturnType<GPT['forward']>['kv'] } {
  const fast = fastForward(ctx, ids, opts);
  if (fast) {
    const V = ctx.model.config.vocab;
    return { rows: Array.from({ length: fast.rows }, (_, i) => fast.logits.subarray(i * V, (i + 1) * V)), kv: fast.kv };
  }
  const out = tf.tidy(() => {
    const r = ctx.model.forward(tf.tensor2d([ids], [1, ids.length], 'int32'), opts);
    return r.kv ? { logits: r.logits, k: r.kv.k, v: r.kv.v, positions: r.kv.positions } : { logits: r.logits };
  });
  const [, n, V] = out.logits.shape;
  const flat = out.logits.dataSync() as Float32Array;
  out.logits.dispose();
  const rows = Array.from({ length: n }, (_, i) => flat.subarray(i * V, (i + 1) * V));
  const kv = 'k' in out && out.k ? { k: out.k, v: out.v!, positions: out.positions! } : undefined;
  return { rows, kv };
}

/** One forward pass over ids (batch 1) whose logit rows stay a tensor [rows, V] (the caller disposes it). */
export function runPassLogits(
  ctx: DecodeContext,
  ids: number[],
  opts: Parameters<GPT['forward']>[1],
): { logits: tf.Tensor2D; kv?: ReturnType<GPT['forward']>['kv'] } {
  const fast = fastForward(ctx, ids, opts);
  if (fast) return { logits: tf.tensor2d(fast.logits, [fast.rows, ctx.model.config.vocab]), kv: fast.kv };
  const out = tf.tidy(() => {
    const r = ctx.model.forward(tf.tensor2d([ids], [1, ids.length], 'int32'), opts);
    const logits = tf.reshape(r.logits, [r.logits.shape[1], r.logits.shape[2]]) as tf.Tensor2D;
    return r.kv ? { logits, k: r.kv.k, v: r.kv.v, positions: r.kv.positions } : { logits };
  });
  const kv = 'k' in out && out.k ? { k: out.k, v: out.v!, positions: out.positions! } : undefined;
  return { logits: out.logits, kv };
}

export function promptPositions(ctx: DecodeContext, ids: number[]): Position[] {
  return ids.map((t) => ({
    state: 'prompt',
    token: t,
    text: ctx.tokenizer.tokenText(t),
    step: null,
    confidence: null,
    guess: null,
    guessText: null,
  }));
}

/** A diffusion canvas: the prompt's ids then `length` masks, and the positions a step event shows for them. */
export function maskedCanvas(
  ctx: DecodeContext,
  prompt: number[],
  length: number,
): { x: number[]; positions: Position[] } {
  return {
    x: [...prompt, ...Array<number>(length).fill(ctx.tokenizer.maskId)],
    positions: [...promptPositions(ctx, prompt), ...Array.from({ length }, maskedPosition)],
  };
}

/** Assemble one StepEvent; the pass is priced here, once, from its shape, and the positions' texts are regrouped into
 * whole characters (src/engine/model/characters.ts: a token may hold part of one), whatever the decoder put in them. */
export function stepEvent(
  ctx: DecodeContext,
  e: {
    lane: LaneId;
    step: number;
    plannedSteps: number | null;
    kind: PassKind;
    positions: Position[];
    committed: number[];
    shape: PassShape;
    wallMs: number;
    done: boolean;
    detail?: unknown;
  },
): StepEvent {
  const tok = ctx.tokenizer;
  const texts = positionTexts(e.positions, (id) => tok.tokenBytes(id), e.done, tok);
  // decoders never set `partial` (only this does, on the copies), so a copy starts without it
  const positions = e.positions.map((p, i): Position => {
    const q = { ...p };
    if (p.token === null) return q;
    q.text = texts[i]!.text;
    if (texts[i]!.partial) q.partial = true;
    return q;
  });
  return { type: 'step', ...e, positions, cost: passCost(ctx.shape, ctx.precision, e.shape) };
}

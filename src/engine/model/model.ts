// The transformer: a pre-LayerNorm GPT in the spirit of nanoGPT's model.py, with rotary positions (RoPE).
// One set of weights serves both decoders; they differ only in the attention mask (causal | bidirectional)
// and in the [MASK] token that the diffusion lane feeds in. The LM head is tied to the token embedding.
// Rotary positions, not learned ones: a denoiser must find its neighbours by position through attention, and with
// learned absolute positions the jointly trained model ignored the right-hand context (models/README.md).
// reference.ts is the same model written to be read (plain ops, one function per block): the tests' oracle for this
// one. src/train/train.py is the same model in PyTorch; test/parity.test.ts holds the two together.
import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '../io/errors.js';
import {
  attention,
  embed,
  gatherRows,
  gelu,
  layerNorm,
  linear,
  lmHead,
  releaseTransposes,
  rope,
  selfAttention,
} from './ops.js';
import { modelShape, type GPTConfig } from '../price/model-config.js';

export { modelShape, type GPTConfig };

/** Who sees whom. causal: a query sees keys at its position or before; bidirectional: every key; block diffusion
 * ({ causalBelow: s }): queries before position s are causal (the committed prefix, cached exactly as AR caches it),
 * queries at s or after (the current block) see every key of the pass and the cache (train.py block_allow). */
export type Attention = 'causal' | 'bidirectional' | { causalBelow: number };

/** Cached keys/values of some positions, per layer: k, v [B, n, d] (heads side by side), and their positions. */
export interface KVCache {
  k: tf.Tensor3D[];
  v: tf.Tensor3D[];
  positions: number[];
}

export interface ForwardOptions {
  attention: Attention;
  /** position of each input token (default 0..T-1) */
  positions?: number[];
  /** keys/values of other positions to attend to (exact for AR; frozen/approximate for Fast-dLLM caches) */
  past?: KVCache;
  /** also return this pass's keys/values (past ++ new) */
  keepKV?: boolean;
  /** compute LM-head logits only at these row indices of the input (default: every row) */
  logitRows?: number[];
}

/** Parameter names and shapes, in a fixed order (also the order on disk). */
export function paramShapes(c: GPTConfig): [string, number[]][] {
  const p: [string, number[]][] = [['wte', [c.vocab, c.d]]];
  for (let l = 0; l < c.layers; l++) {
    p.push(
      [`h${l}.ln1.g`, [c.d]],
      [`h${l}.ln1.b`, [c.d]],
      [`h${l}.attn.wqkv`, [c.d, 3 * c.d]],
      [`h${l}.attn.bqkv`, [3 * c.d]],
      [`h${l}.attn.wo`, [c.d, c.d]],
      [`h${l}.attn.bo`, [c.d]],
      [`h${l}.ln2.g`, [c.d]],
      [`h${l}.ln2.b`, [c.d]],
      [`h${l}.mlp.w1`, [c.d, c.mlp]],
      [`h${l}.mlp.b1`, [c.mlp]],
      [`h${l}.mlp.w2`, [c.mlp, c.d]],
      [`h${l}.mlp.b2`, [c.d]],
    );
  }
  p.push(['lnf.g', [c.d]], ['lnf.b', [c.d]]);
  return p;
}

/** A model's weights as loaded, before tfjs holds them (weights.ts: the stored fp16 bytes). */
export interface StoredWeights {
  /** one weight's fp32 values by name, decoded afresh on each call */
  read(name: string): Float32Array;
  /** let the stored bytes go: a later read() reads the model's files again (checked again) */
  release(): void;
}

export class GPT {
  private vars: Map<string, tf.Variable> | null;
  private readonly stored: StoredWeights | null;
  /** the variables' dataIds as made from the stored weights: still these, the weights are still the loaded ones */
  private madeIds: object[] | null = null;
  private readonly maskBias: tf.Tensor1D; // −1e9 at [MASK] so it is never predicted (−∞ would give NaN in the loss)

  /** From tfjs variables, or from stored weights that become variables on the first tfjs use (the fast paths read
   *  them without: a live run that never runs a tfjs forward pass holds no fp32 copy, transposes or XNNPACK
   *  packings of the weights in tfjs's heap). */
  constructor(
    readonly config: GPTConfig,
    weights: Map<string, tf.Variable> | StoredWeights,
  ) {
    if (config.d % config.heads !== 0)
      throw new InputError(`width ${config.d} is not divisible by ${config.heads} heads`);
    if ((config.d / config.heads) % 2 !== 0)
      throw new InputError(`rotary positions need an even head width, got ${config.d / config.heads}`);
    this.vars = weights instanceof Map ? weights : null;
    this.stored = weights instanceof Map ? null : weights;
    const bias = new Float32Array(config.vocab);
    bias[config.maskId] = -1e9;
    this.maskBias = tf.tensor1d(bias);
  }

  /** The weights as tfjs variables (made from the stored weights on first use). */
  get params(): Map<string, tf.Variable> {
    if (!this.vars) {
      const vars = new Map<string, tf.Variable>();
      try {
        for (const [name, shape] of paramShapes(this.config)) {
          // the variable takes the tensor's values over (no copy); only the variable holds them after
          const t = tf.tensor(this.stored!.read(name), shape);
          try {
            vars.set(name, tf.variable(t, false));
          } finally {
            t.dispose();
          }
        }
      } catch (e) {
        for (const v of vars.values()) v.dispose();
        throw e;
      }
      this.vars = vars;
      this.madeIds = [...vars.values()].map((v) => v.dataId);
    }
    return this.vars;
  }

  /** One weight's fp32 values, for reading only: the variable's where tfjs holds the weights, else the stored ones
   *  (no tensor made). */
  weight(name: string): Float32Array {
    return this.vars ? (this.p(name).dataSync() as Float32Array) : this.stored!.read(name);
  }

  /** Let the stored bytes go once every fast path the run uses holds its own copy (run.ts, after the warm-up): a
   *  tfjs pass or a new fast path after that reads the model's files again. */
  releaseStored(): void {
    this.stored?.release();
  }

  /** Names the weights' current values: the same key (elements compared by identity) while they are unchanged, a new
   *  one after a variable is assigned (it gets a new dataId). The fast paths keep their copies while it holds. */
  weightKey(): readonly object[] {
    if (!this.vars) return this.loadedKey;
    const ids = [...this.vars.values()].map((v) => v.dataId);
    return this.madeIds && ids.every((id, i) => id === this.madeIds![i]) ? this.loadedKey : ids;
  }
  private readonly loadedKey: readonly object[] = [{}];

  /** Do the weights still hold the values `key` (an earlier weightKey()) named? */
  holds(key: readonly object[]): boolean {
    const now = this.weightKey();
    return now.length === key.length && now.every((x, i) => x === key[i]);
  }

  /** Fresh weights (tests and benchmarks; training is src/train/train.py): N(0, 0.02), residual projections
   *  scaled by 1/√(2L) (GPT-2), norms at 1/0. */
  static init(config: GPTConfig, seed = 0): GPT {
    const params = new Map<string, tf.Variable>();
    let s = seed * 1000;
    for (const [name, shape] of paramShapes(config)) {
      const init = tf.tidy(() => {
        if (name.endsWith('.g')) return tf.ones(shape);
        if (shape.length === 1) return tf.zeros(shape);
        const std = name.endsWith('.wo') || name.endsWith('.w2') ? 0.02 / Math.sqrt(2 * config.layers) : 0.02;
        return tf.randomNormal(shape, 0, std, 'float32', s++);
      });
      params.set(name, tf.variable(init, true));
    }
    return new GPT(config, params);
  }

  p<T extends tf.Tensor = tf.Tensor1D>(name: string): T {
    const t = this.params.get(name);
    if (!t) throw new InputError(`missing weight ${name}`);
    return t as unknown as T;
  }

  /** Logits [B, T, V] for ids [B, T] (T' = logitRows.length rows if given); with keepKV also the keys/values of past ++ these tokens. */
  forward(ids: tf.Tensor2D, opts: ForwardOptions): { logits: tf.Tensor3D; kv?: KVCache } {
    const [B, T] = ids.shape;
    const { h, kv } = this.hidden(ids, opts);
    const rows = opts.logitRows ?? null;
    const picked = rows
      ? gatherRows(
          h,
          Array.from({ length: B * rows.length }, (_, i) => Math.floor(i / rows.length) * T + rows[i % rows.length]),
        )
      : h;
    const logits = tf.reshape(this.head(picked), [B, rows ? rows.length : T, this.config.vocab]) as tf.Tensor3D;
    return kv ? { logits, kv } : { logits };
  }

  /** LM-head logits [N, V] for final hidden states h [N, d] (tied to the token embedding; [MASK] never predicted). */
  head(h: tf.Tensor2D): tf.Tensor2D {
    return lmHead(h, this.p<tf.Tensor2D>('wte'), this.maskBias);
  }

  /** The forward pass up to the final LayerNorm: hidden states h [B·T, d] (row b·T + i is token i of sequence b), and
   * with keepKV the keys/values of past ++ these tokens. forward() = head() of (some rows of) this; a loss that needs
   * logits at only some rows (the masked positions of the diffusion objective) saves the rest of the head. */
  hidden(ids: tf.Tensor2D, opts: ForwardOptions): { h: tf.Tensor2D; kv?: KVCache } {
    const { d, heads, ropeBase } = this.config;
    const hd = d / heads;
    const [B, T] = ids.shape;
    const positions = opts.positions ?? Array.from({ length: T }, (_, i) => i);
    const keyPositions = [...(opts.past?.positions ?? []), ...positions];
    const n = keyPositions.length;
    const bias = attentionBias(opts.attention, positions, keyPositions, true);
    const kv: KVCache = { k: [], v: [], positions: keyPositions };

    // the residual stream stays 2-D, [B·T, d] (rows = sequence-major tokens): every linear is one GEMM
    const tokIds = ids.dataSync() as Int32Array;
    const posIds = Int32Array.from({ length: B * T }, (_, i) => positions[i % T]);
    let x = embed(this.p('wte'), tokIds);

    for (let l = 0; l < this.config.layers; l++) {
      const h = layerNorm(x, this.p(`h${l}.ln1.g`), this.p(`h${l}.ln1.b`));
      // q and k rotated by their positions here, so a cached key keeps the position it was made at
      const qkv = rope(linear(h, this.p(`h${l}.attn.wqkv`), this.p(`h${l}.attn.bqkv`)), posIds, 2 * d, hd, ropeBase);
      let att: tf.Tensor2D;
      if (!opts.past && !opts.keepKV) att = selfAttention(qkv, B, heads, bias);
      else {
        const [q, k0, v0] = tf.split(qkv, 3, 1) as tf.Tensor2D[]; // [B·T, d] each
        let k = k0!,
          v = v0!;
        if (opts.past) {
          k = tf.reshape(tf.concat([opts.past.k[l], tf.reshape(k, [B, T, d])], 1), [B * n, d]);
          v = tf.reshape(tf.concat([opts.past.v[l], tf.reshape(v, [B, T, d])], 1), [B * n, d]);
        }
        if (opts.keepKV) {
          kv.k.push(tf.reshape(k, [B, n, d]));
          kv.v.push(tf.reshape(v, [B, n, d]));
        }
        att = attention(q, k, v, B, heads, bias);
      }
      x = tf.add<tf.Tensor2D>(x, linear(att, this.p(`h${l}.attn.wo`), this.p(`h${l}.attn.bo`)));

      const h2 = layerNorm(x, this.p(`h${l}.ln2.g`), this.p(`h${l}.ln2.b`));
      x = tf.add<tf.Tensor2D>(
        x,
        linear(
          gelu(linear(h2, this.p(`h${l}.mlp.w1`), this.p(`h${l}.mlp.b1`))),
          this.p(`h${l}.mlp.w2`),
          this.p(`h${l}.mlp.b2`),
        ),
      );
    }

    const h = layerNorm(x, this.p('lnf.g'), this.p('lnf.b'));
    return opts.keepKV ? { h, kv } : { h };
  }

  /** Parameter count (all weights, embeddings once since the head is tied). */
  get numParams(): number {
    return paramShapes(this.config).reduce((n, [, shape]) => n + shape.reduce((a, b) => a * b, 1), 0);
  }

  dispose(): void {
    if (this.vars) {
      releaseTransposes(this.vars.values());
      for (const t of this.vars.values()) t.dispose();
    }
    this.maskBias.dispose();
  }
}

/** Additive mask [Tq, Tk]: 0 where query i may see key j, −1e9 elsewhere (causal: key position ≤ query position).
 * With orNull, null when nothing is masked (bidirectional, or a causal step that sees every key). */
export function attentionBias(attention: Attention, q: number[], k: number[]): tf.Tensor2D;
export function attentionBias(attention: Attention, q: number[], k: number[], orNull: true): tf.Tensor2D | null;
export function attentionBias(attention: Attention, q: number[], k: number[], orNull = false): tf.Tensor2D | null {
  const m = new Float32Array(q.length * k.length);
  let masked = false;
  const causalBelow =
    attention === 'causal' ? Infinity : attention === 'bidirectional' ? -Infinity : attention.causalBelow;
  for (let i = 0; i < q.length; i++) {
    if (q[i]! >= causalBelow) continue;
    for (let j = 0; j < k.length; j++)
      if (k[j]! > q[i]!) {
        m[i * k.length + j] = -1e9;
        masked = true;
      }
  }
  return orNull && !masked ? null : tf.tensor2d(m, [q.length, k.length]);
}

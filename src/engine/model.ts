// The transformer: a pre-LayerNorm GPT in the spirit of nanoGPT's model.py.
// One set of weights serves both decoders; they differ only in the attention mask (causal | bidirectional)
// and in the [MASK] token that the diffusion lane feeds in. The LM head is tied to the token embedding.
import * as tf from '@tensorflow/tfjs-core';
import { embed, linear, matmul2d } from './ops.js';
import type { ModelShape } from './shape.js';

export interface GPTConfig {
  vocab: number; // including [MASK]
  context: number; // learned positions
  d: number;
  layers: number;
  heads: number;
  mlp: number; // MLP hidden width (GELU, not gated)
  maskId: number; // the [MASK] token: never predicted
}

export type Attention = 'causal' | 'bidirectional';

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
  const p: [string, number[]][] = [
    ['wte', [c.vocab, c.d]],
    ['wpe', [c.context, c.d]],
  ];
  for (let l = 0; l < c.layers; l++) {
    p.push(
      [`h${l}.ln1.g`, [c.d]], [`h${l}.ln1.b`, [c.d]],
      [`h${l}.attn.wqkv`, [c.d, 3 * c.d]], [`h${l}.attn.bqkv`, [3 * c.d]],
      [`h${l}.attn.wo`, [c.d, c.d]], [`h${l}.attn.bo`, [c.d]],
      [`h${l}.ln2.g`, [c.d]], [`h${l}.ln2.b`, [c.d]],
      [`h${l}.mlp.w1`, [c.d, c.mlp]], [`h${l}.mlp.b1`, [c.mlp]],
      [`h${l}.mlp.w2`, [c.mlp, c.d]], [`h${l}.mlp.b2`, [c.d]],
    );
  }
  p.push(['lnf.g', [c.d]], ['lnf.b', [c.d]]);
  return p;
}

/** The model's shape for the cost model (multi-head attention, plain GELU MLP). */
export function modelShape(c: GPTConfig, name = 'dlm-watch'): ModelShape {
  return { name, layers: c.layers, d: c.d, heads: c.heads, kvHeads: c.heads, headDim: c.d / c.heads, mlp: c.mlp, gated: false, vocab: c.vocab, context: c.context };
}

export class GPT {
  readonly params: Map<string, tf.Variable>;
  private readonly maskBias: tf.Tensor1D; // −1e9 at [MASK] so it is never predicted (−∞ would give NaN in the loss)

  constructor(readonly config: GPTConfig, params: Map<string, tf.Variable>) {
    if (config.d % config.heads !== 0) throw new Error(`width ${config.d} is not divisible by ${config.heads} heads`);
    this.params = params;
    this.maskBias = tf.tidy(() => tf.mul(tf.reshape(tf.oneHot(tf.tensor1d([config.maskId], 'int32'), config.vocab), [config.vocab]), -1e9) as tf.Tensor1D);
  }

  /** Fresh weights: N(0, 0.02), residual projections scaled by 1/√(2L) (GPT-2), norms at 1/0. */
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
    if (!t) throw new Error(`missing weight ${name}`);
    return t as unknown as T;
  }

  /** Logits [B, T, V] for ids [B, T] (T' = logitRows.length rows if given); with keepKV also the keys/values of past ++ these tokens. */
  forward(ids: tf.Tensor2D, opts: ForwardOptions): { logits: tf.Tensor3D; kv?: KVCache } {
    const { d, heads } = this.config;
    const [B, T] = ids.shape;
    const hd = d / heads;
    const positions = opts.positions ?? Array.from({ length: T }, (_, i) => i);
    const keyPositions = [...(opts.past?.positions ?? []), ...positions];
    const bias = attentionBias(opts.attention, positions, keyPositions);
    const kv: KVCache = { k: [], v: [], positions: keyPositions };

    // token + position embeddings: x [B, T, d]
    const tok = tf.reshape(embed(this.p('wte'), tf.reshape(ids, [-1]) as tf.Tensor1D), [B, T, d]);
    let x: tf.Tensor = tf.add(tok, embed(this.p<tf.Tensor2D>('wpe'), tf.tensor1d(positions, 'int32')));

    for (let l = 0; l < this.config.layers; l++) {
      // attention, one (sequence, head) pair at a time as plain 2-D matmuls: on wasm, batched matmuls and
      // 4/5-D transposes are several times slower than this
      const h = layerNorm(x, this.p(`h${l}.ln1.g`), this.p(`h${l}.ln1.b`));
      const qkv = linear(h, this.p(`h${l}.attn.wqkv`), this.p(`h${l}.attn.bqkv`));
      const [q, k, v] = tf.split(qkv, 3, -1) as tf.Tensor3D[]; // [B, T, d] each
      const kAll = opts.past ? tf.concat([opts.past.k[l], k], 1) : k; // [B, n, d]
      const vAll = opts.past ? tf.concat([opts.past.v[l], v], 1) : v;
      if (opts.keepKV) { kv.k.push(kAll); kv.v.push(vAll); }
      const n = keyPositions.length;
      const rows: tf.Tensor[] = [];
      for (let b = 0; b < B; b++) {
        const cols: tf.Tensor[] = [];
        for (let hh = 0; hh < heads; hh++) {
          const qh = tf.reshape(tf.slice(q, [b, 0, hh * hd], [1, T, hd]), [T, hd]) as tf.Tensor2D;
          const kh = tf.reshape(tf.slice(kAll, [b, 0, hh * hd], [1, n, hd]), [n, hd]) as tf.Tensor2D;
          const vh = tf.reshape(tf.slice(vAll, [b, 0, hh * hd], [1, n, hd]), [n, hd]) as tf.Tensor2D;
          const scores = matmul2d(qh, tf.transpose(kh) as tf.Tensor2D); // [T, n]
          const att = tf.softmax(tf.add(tf.mul(scores, 1 / Math.sqrt(hd)), bias)) as tf.Tensor2D;
          cols.push(matmul2d(att, vh)); // [T, hd]
        }
        rows.push(tf.concat(cols, 1));
      }
      const merged = tf.reshape(tf.concat(rows, 0), [B, T, d]);
      x = tf.add(x, linear(merged, this.p(`h${l}.attn.wo`), this.p(`h${l}.attn.bo`)));

      // MLP
      const h2 = layerNorm(x, this.p(`h${l}.ln2.g`), this.p(`h${l}.ln2.b`));
      x = tf.add(x, linear(gelu(linear(h2, this.p(`h${l}.mlp.w1`), this.p(`h${l}.mlp.b1`))), this.p(`h${l}.mlp.w2`), this.p(`h${l}.mlp.b2`)));
    }

    // final norm, tied LM head, [MASK] never predicted
    let xf = layerNorm(x, this.p('lnf.g'), this.p('lnf.b'));
    if (opts.logitRows) xf = tf.gather(xf, tf.tensor1d(opts.logitRows, 'int32'), 1);
    const logits = tf.add(linear(xf, tf.transpose(this.p<tf.Tensor2D>('wte'))), this.maskBias) as tf.Tensor3D;
    return opts.keepKV ? { logits, kv } : { logits };
  }

  /** Parameter count (all weights, embeddings once since the head is tied). */
  get numParams(): number {
    let n = 0;
    for (const t of this.params.values()) n += t.size;
    return n;
  }

  dispose(): void {
    for (const t of this.params.values()) t.dispose();
    this.maskBias.dispose();
  }
}

/** Additive mask [Tq, Tk]: 0 where query i may see key j, −1e9 elsewhere (causal: key position ≤ query position). */
export function attentionBias(attention: Attention, q: number[], k: number[]): tf.Tensor2D {
  const m = new Float32Array(q.length * k.length);
  if (attention === 'causal') for (let i = 0; i < q.length; i++) for (let j = 0; j < k.length; j++) if (k[j] > q[i]) m[i * k.length + j] = -1e9;
  return tf.tensor2d(m, [q.length, k.length]);
}

function layerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, eps = 1e-5): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), g), b);
}

/** GELU, tanh approximation (GPT-2). */
function gelu(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.mul(x, tf.square(x))))); // x·x² (Pow is slow on wasm)
  return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
}

// Bytes and FLOPs of one forward pass, one function per quantity (shared/reference/cost-model.md).
// Conventions: a multiply-add is 2 FLOPs everywhere, the LM head included; causal attention counts only the
// visible (query, key) pairs; weights stream once per pass (the input embedding reads only q rows, not counted);
// biases, norms and activations are left out (< 1 % of bytes and FLOPs for every preset). MoE routers (d·E per block)
// are counted: every token runs them, and the published active counts include them (Ling-mini-2.0's 789 M).
//
// A pass may serve B sequences at once (BatchedPass.batch): q, k, logits and kvWrite are then per sequence, every
// sequence has its own KV cache, and the weights still stream once for all of them.
//
// Mixture of experts: a token passes through k routed experts (and the shared ones) per MoE block, so FLOPs count
// only active experts; the bytes count every expert that at least one of the pass's tokens was routed to, in
// expectation under uniform routing (each token picks k of the E experts, every expert equally likely, tokens
// independent), scaled by a measured imbalance factor when one is given.
import type { PassCost, PassShape } from './shape.js';
import type { ModelShape, Precision } from './shape.js';

/** A pass over B sequences decoded together, each of this shape (batch omitted: B = 1). */
export interface BatchedPass extends PassShape {
  /** B: sequences in the pass, each with its own KV cache */
  batch?: number;
}

/** Sequences in a pass: B = batch, 1 when not given */
export function batchOf(p: BatchedPass): number {
  return p.batch ?? 1;
}

const mlpMatrices = (m: ModelShape) => (m.gated ? 3 : 2);

/** Attention weights of one block: d·H·hd + 2·d·K·hd + H·hd·d; MLA: d·r_q + r_q·H·(d_nope+d_rope) + d·(r_kv+d_rope) + r_kv·H·(d_nope+d_v) + H·d_v·d */
export function attentionParamsPerLayer(m: ModelShape): number {
  const a = m.mla;
  if (!a) return m.d * m.heads * m.headDim + 2 * m.d * m.kvHeads * m.headDim + m.heads * m.headDim * m.d;
  const qk = a.qkNopeHeadDim + a.qkRopeHeadDim;
  const q = a.qLoraRank > 0 ? m.d * a.qLoraRank + a.qLoraRank * m.heads * qk : m.d * m.heads * qk;
  const kv = m.d * (a.kvLoraRank + a.qkRopeHeadDim) + a.kvLoraRank * m.heads * (a.qkNopeHeadDim + a.vHeadDim);
  return q + kv + m.heads * a.vHeadDim * m.d;
}

/** MLP weights of a dense block: (3|2)·d·F */
export function denseMlpParams(m: ModelShape): number {
  return mlpMatrices(m) * m.d * m.mlp;
}

/** Linear-layer weights of one dense block: P_L = P_attn + (3|2)·d·F (= d·H·hd + 2·d·K·hd + H·hd·d + (3|2)·d·F) */
export function linearParamsPerLayer(m: ModelShape): number {
  return attentionParamsPerLayer(m) + denseMlpParams(m);
}

/** Weights of one expert: P_e = (3|2)·d·F_e (0 without MoE) */
export function expertParams(m: ModelShape): number {
  return m.moe ? mlpMatrices(m) * m.d * m.moe.expertMlp : 0;
}

/** Router weights of one MoE block: d·E (0 without MoE) */
export function routerParams(m: ModelShape): number {
  return m.moe ? m.d * m.moe.experts : 0;
}

/** Blocks with a dense MLP: L without MoE, else the leading n_dense */
export function denseLayers(m: ModelShape): number {
  return m.moe ? m.moe.denseLayers : m.layers;
}

/** Blocks with experts: n_moe = L − n_dense (0 without MoE) */
export function moeLayers(m: ModelShape): number {
  return m.layers - denseLayers(m);
}

/** All matmul weights of the blocks: P_mm = L·P_attn + n_dense·(3|2)·d·F + n_moe·(d·E + (E + s)·P_e) (dense: L·P_L) */
export function matmulParams(m: ModelShape): number {
  const experts = m.moe ? m.moe.experts + m.moe.shared : 0;
  return (
    m.layers * attentionParamsPerLayer(m) +
    denseLayers(m) * denseMlpParams(m) +
    moeLayers(m) * (routerParams(m) + experts * expertParams(m))
  );
}

/** Matmul weights every token passes through: P_act = L·P_attn + n_dense·(3|2)·d·F + n_moe·(d·E + (k + s)·P_e) (dense: P_mm) */
export function activeMatmulParams(m: ModelShape): number {
  const experts = m.moe ? m.moe.active + m.moe.shared : 0;
  return (
    m.layers * attentionParamsPerLayer(m) +
    denseLayers(m) * denseMlpParams(m) +
    moeLayers(m) * (routerParams(m) + experts * expertParams(m))
  );
}

/** LM-head weights: V·d */
export function lmHeadParams(m: ModelShape): number {
  return m.vocab * m.d;
}

/** Input-embedding weights: V·d (a lookup of q rows per pass, so never streamed whole) */
export function embeddingParams(m: ModelShape): number {
  return m.vocab * m.d;
}

/** All parameters counted by the reference table: P_mm + V·d (LM head) + V·d (input embedding, when untied) */
export function totalParams(m: ModelShape, tiedEmbeddings = false): number {
  return matmulParams(m) + lmHeadParams(m) + (tiedEmbeddings ? 0 : embeddingParams(m));
}

/** Parameters one token uses ("active"): P_act + V·d (LM head) + V·d (input embedding, when untied) */
export function activeParams(m: ModelShape, tiedEmbeddings = false): number {
  return activeMatmulParams(m) + lmHeadParams(m) + (tiedEmbeddings ? 0 : embeddingParams(m));
}

// ---- experts touched by a pass ----

/** Routed tokens of a pass, each picking k experts in every MoE block: n = B·q */
export function routedTokens(p: BatchedPass): number {
  return batchOf(p) * p.q;
}

/**
 * Expected distinct routed experts per MoE block for n routed tokens: E·(1 − (1 − k/E)^(n/f)), at least k once n ≥ 1.
 * Uniform routing: each expert is among a token's k with probability k/E, tokens independent; imbalance f ≥ 1
 * shrinks the count to that of n/f uniform tokens (0 without MoE).
 */
export function expertsTouched(m: ModelShape, n: number): number {
  const e = m.moe;
  if (!e || n <= 0) return 0;
  if (e.active >= e.experts) return e.experts;
  const f = e.imbalance ?? 1;
  // 1 − (1 − k/E)^x as −expm1(x·log1p(−k/E)): exact for tiny k/E and huge x alike
  const touched = -e.experts * Math.expm1((n / f) * Math.log1p(-e.active / e.experts));
  return Math.min(e.experts, Math.max(e.active, touched));
}

/** Imbalance f that makes expertsTouched(n) equal a measured count T: f = n·ln(1 − k/E) / ln(1 − T/E), at least 1 */
export function imbalanceFor(m: ModelShape, n: number, touched: number): number {
  const e = m.moe;
  if (!e || touched >= e.experts || e.active >= e.experts) return 1;
  return Math.max(1, (n * Math.log1p(-e.active / e.experts)) / Math.log1p(-touched / e.experts));
}

/** Matmul weights a pass streams: P_mm − n_moe·(E − T(n))·P_e (experts no token was routed to stay in memory) */
export function streamedMatmulParams(m: ModelShape, p: BatchedPass): number {
  if (!m.moe) return matmulParams(m);
  return matmulParams(m) - moeLayers(m) * (m.moe.experts - expertsTouched(m, routedTokens(p))) * expertParams(m);
}

/** Weight bytes streamed per pass: b_w·(P_mm,streamed + V·d); without a pass, every weight: b_w·(P_mm + V·d) */
export function weightBytes(m: ModelShape, prec: Precision, p?: BatchedPass): number {
  return prec.weightBytes * ((p ? streamedMatmulParams(m, p) : matmulParams(m)) + lmHeadParams(m));
}

// ---- FLOPs ----

/** Visible (query, key) pairs of one sequence: causal = q·k + q(q+1)/2; bidirectional = q·(k+q) */
export function visiblePairs(p: PassShape): number {
  return p.attention === 'causal' ? p.q * p.k + (p.q * (p.q + 1)) / 2 : p.q * (p.k + p.q);
}

/** Linear FLOPs: 2·B·q·P_act (only the experts each token is routed to) */
export function linearFlops(m: ModelShape, p: BatchedPass): number {
  return 2 * routedTokens(p) * activeMatmulParams(m);
}

/**
 * MLA attention FLOPs, the cheaper of its two forms: latent (up-projections absorbed into the query and output)
 * 2·L·H·(2·r_kv + d_rope)·B·S_vis, or heads expanded 2·L·H·(d_nope + d_rope + d_v)·B·S_vis + 2·L·B·k·r_kv·H·(d_nope + d_v)
 * (the cached latents up-projected to heads)
 */
export function mlaAttentionFlops(m: ModelShape, p: BatchedPass): number {
  const a = m.mla!;
  const pairs = batchOf(p) * visiblePairs(p);
  const latent = 2 * m.layers * m.heads * (2 * a.kvLoraRank + a.qkRopeHeadDim) * pairs;
  const expanded =
    2 * m.layers * m.heads * (a.qkNopeHeadDim + a.qkRopeHeadDim + a.vHeadDim) * pairs +
    2 * m.layers * batchOf(p) * p.k * a.kvLoraRank * m.heads * (a.qkNopeHeadDim + a.vHeadDim);
  return Math.min(latent, expanded);
}

/** Attention FLOPs (QKᵀ and AV): 4·L·H·hd·B·S_vis (MLA: mlaAttentionFlops) */
export function attentionFlops(m: ModelShape, p: BatchedPass): number {
  if (m.mla) return mlaAttentionFlops(m, p);
  return 4 * m.layers * m.heads * m.headDim * batchOf(p) * visiblePairs(p);
}

/** LM-head FLOPs: 2·B·n_lm·V·d */
export function lmHeadFlops(m: ModelShape, p: BatchedPass): number {
  return 2 * batchOf(p) * p.logits * lmHeadParams(m);
}

// ---- KV cache ----

/** KV bytes per cached token of one sequence: b_kv·2·L·K·hd; MLA caches the latent and the rope key: b_kv·L·(r_kv + d_rope) */
export function kvBytesPerToken(m: ModelShape, prec: Precision): number {
  if (m.mla) return prec.kvBytes * m.layers * (m.mla.kvLoraRank + m.mla.qkRopeHeadDim);
  return prec.kvBytes * 2 * m.layers * m.kvHeads * m.headDim;
}

/** KV-cache bytes read, each sequence its own cache: b_kv·2·L·K·hd·B·k */
export function kvReadBytes(m: ModelShape, prec: Precision, p: BatchedPass): number {
  return kvBytesPerToken(m, prec) * batchOf(p) * p.k;
}

/** KV-cache bytes written: b_kv·2·L·K·hd·B·w */
export function kvWriteBytes(m: ModelShape, prec: Precision, p: BatchedPass): number {
  return kvBytesPerToken(m, prec) * batchOf(p) * p.kvWrite;
}

/** Bytes per FLOP: B/F = bytes / FLOPs */
export function bytesPerFlop(bytes: number, flops: number): number {
  return flops > 0 ? bytes / flops : Infinity;
}

/** The full price of one pass: bytes and FLOPs by part, and B/F. */
export function passCost(m: ModelShape, prec: Precision, p: BatchedPass): PassCost {
  const weights = weightBytes(m, prec, p);
  const kvRead = kvReadBytes(m, prec, p);
  const kvWrite = kvWriteBytes(m, prec, p);
  const linears = linearFlops(m, p);
  const attention = attentionFlops(m, p);
  const lmHead = lmHeadFlops(m, p);
  const bytes = weights + kvRead + kvWrite;
  const flops = linears + attention + lmHead;
  return {
    bytes: { weights, kvRead, kvWrite, total: bytes },
    flops: { linears, attention, lmHead, total: flops },
    bytesPerFlop: bytesPerFlop(bytes, flops),
  };
}

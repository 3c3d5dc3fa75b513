// Bytes and FLOPs of one forward pass, one function per quantity (shared/reference/cost-model.md).
// Conventions: a multiply-add is 2 FLOPs everywhere, the LM head included; causal attention counts only the
// visible (query, key) pairs; weights stream once per pass (the input embedding reads only q rows, not counted);
// biases, norms and activations are left out (< 1 % of bytes and FLOPs for every preset).
import type { PassCost, PassShape } from './decode/events.js';
import type { ModelShape, Precision } from './shape.js';

/** Linear-layer weights of one block: P_L = d·H·hd + 2·d·K·hd + H·hd·d + (3|2)·d·F */
export function linearParamsPerLayer(m: ModelShape): number {
  const attn = m.d * m.heads * m.headDim + 2 * m.d * m.kvHeads * m.headDim + m.heads * m.headDim * m.d;
  const mlp = (m.gated ? 3 : 2) * m.d * m.mlp;
  return attn + mlp;
}

/** All matmul weights of the blocks: P_mm = L·P_L */
export function matmulParams(m: ModelShape): number {
  return m.layers * linearParamsPerLayer(m);
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

/** Visible (query, key) pairs: causal = q·k + q(q+1)/2; bidirectional = q·(k+q) */
export function visiblePairs(p: PassShape): number {
  return p.attention === 'causal' ? p.q * p.k + (p.q * (p.q + 1)) / 2 : p.q * (p.k + p.q);
}

/** Linear FLOPs: 2·q·P_mm */
export function linearFlops(m: ModelShape, p: PassShape): number {
  return 2 * p.q * matmulParams(m);
}

/** Attention FLOPs (QKᵀ and AV): 4·L·H·hd·S_vis */
export function attentionFlops(m: ModelShape, p: PassShape): number {
  return 4 * m.layers * m.heads * m.headDim * visiblePairs(p);
}

/** LM-head FLOPs: 2·n_lm·V·d */
export function lmHeadFlops(m: ModelShape, p: PassShape): number {
  return 2 * p.logits * lmHeadParams(m);
}

/** Weight bytes streamed per pass: b_w·(P_mm + V·d) */
export function weightBytes(m: ModelShape, prec: Precision): number {
  return prec.weightBytes * (matmulParams(m) + lmHeadParams(m));
}

/** KV bytes per cached token: b_kv·2·L·K·hd */
export function kvBytesPerToken(m: ModelShape, prec: Precision): number {
  return prec.kvBytes * 2 * m.layers * m.kvHeads * m.headDim;
}

/** KV-cache bytes read: b_kv·2·L·K·hd·k */
export function kvReadBytes(m: ModelShape, prec: Precision, p: PassShape): number {
  return kvBytesPerToken(m, prec) * p.k;
}

/** KV-cache bytes written: b_kv·2·L·K·hd·w */
export function kvWriteBytes(m: ModelShape, prec: Precision, p: PassShape): number {
  return kvBytesPerToken(m, prec) * p.kvWrite;
}

/** Bytes per FLOP: B/F = bytes / FLOPs */
export function bytesPerFlop(bytes: number, flops: number): number {
  return flops > 0 ? bytes / flops : Infinity;
}

/** The full price of one pass: bytes and FLOPs by part, and B/F. */
export function passCost(m: ModelShape, prec: Precision, p: PassShape): PassCost {
  const weights = weightBytes(m, prec);
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

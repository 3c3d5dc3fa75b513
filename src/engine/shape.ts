// Model shape and dtype: what the cost model needs to price a forward pass (no weights, no tfjs).

/** The shape of a dense decoder-only transformer, in the notation of shared/reference/cost-model.md. */
export interface ModelShape {
  name: string;
  layers: number; // L
  d: number; // model width
  heads: number; // H, query heads
  kvHeads: number; // K, key/value heads (K = H for multi-head attention)
  headDim: number; // hd
  mlp: number; // F, MLP hidden width
  gated: boolean; // gated MLP (SwiGLU: 3 matrices) or plain (2 matrices)
  vocab: number; // V
  context?: number; // maximum positions (learned position embeddings), informative only
}

export type Dtype = 'fp32' | 'bf16' | 'fp16' | 'fp8' | 'int8' | 'int4';

/** Bytes per element of each dtype (int4 packs two weights per byte). */
export const BYTES_PER_ELEMENT: Record<Dtype, number> = {
  fp32: 4,
  bf16: 2,
  fp16: 2,
  fp8: 1,
  int8: 1,
  int4: 0.5,
};

/** Bytes per weight and per KV-cache element used to price a pass. */
export interface Precision {
  weightBytes: number; // b_w
  kvBytes: number; // b_kv
}

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
  /** mixture of experts: the MLP of every block after the first denseLayers is E experts of width expertMlp */
  moe?: MoeShape;
  /** multi-head latent attention (DeepSeek-V2/V3): replaces the K/V heads; heads stays H */
  mla?: MlaShape;
}

/** A mixture-of-experts MLP (Hugging Face config names in brackets). */
export interface MoeShape {
  experts: number; // E, routed experts per MoE block [num_local_experts, num_experts, n_routed_experts]
  active: number; // k, routed experts per token [num_experts_per_tok]
  shared: number; // s, experts every token passes through [n_shared_experts, num_shared_experts]; 0 if none
  expertMlp: number; // F_e, MLP width of one expert, gated like the dense MLP [moe_intermediate_size]
  denseLayers: number; // leading blocks with a dense MLP of width F [first_k_dense_replace]; 0 if none
  /**
   * f ≥ 1, routing imbalance: a pass's n routed tokens touch as many distinct experts as n/f uniformly routed
   * tokens would (1 = uniform routing; fit it to a measurement with imbalanceFor in cost.ts)
   */
  imbalance?: number;
}

/** Multi-head latent attention: queries and keys/values go through low-rank latents; the cache holds the latent. */
export interface MlaShape {
  qLoraRank: number; // r_q [q_lora_rank]; 0: queries are projected directly (d·H·(d_nope+d_rope))
  kvLoraRank: number; // r_kv [kv_lora_rank]
  qkNopeHeadDim: number; // d_nope [qk_nope_head_dim]
  qkRopeHeadDim: number; // d_rope [qk_rope_head_dim], shared by all heads for the key
  vHeadDim: number; // d_v [v_head_dim]
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

export type AttentionKind = 'causal' | 'bidirectional';

/** The shape of one forward pass: everything the cost model needs (see cost-model.md). */
export interface PassShape {
  /** q: tokens run through the linears in this pass */
  q: number;
  /** k: cached tokens attended to (KV read from cache) */
  k: number;
  /** positions whose LM-head logits are computed */
  logits: number;
  /** tokens whose keys/values are written to the cache */
  kvWrite: number;
  attention: AttentionKind;
}

export interface PassCost {
  bytes: { weights: number; kvRead: number; kvWrite: number; total: number };
  flops: { linears: number; attention: number; lmHead: number; total: number };
  /** bytes / FLOPs of this pass */
  bytesPerFlop: number;
}

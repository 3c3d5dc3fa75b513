// Does the target hold the model? Weights and the KV cache must sit in the accelerator's memory before any pass is
// priced; a target that cannot hold them is said to, not priced as if it could (issue 21, 22).
import { kvBytesPerToken, totalParams } from './cost.js';
import type { ProjectionTarget } from './target.js';

/** What the fit needs of a target: the model, the precision, the batch and the hardware's memory. */
export type FitTarget = Pick<ProjectionTarget, 'model' | 'precision' | 'batch'> & {
  roofline: Pick<ProjectionTarget['roofline'], 'memory'>;
};

export interface Fit {
  /** bytes the generation needs resident: weights + KV cache */
  need: number;
  weights: number;
  kv: number;
  /** the target's memory, bytes (null: unknown, e.g. this machine or a hardware file without it) */
  capacity: number | null;
  /** null when the capacity is unknown */
  fits: boolean | null;
}

/** Resident bytes = N_total·b_w (every weight, every expert) + B·T·kv_bytes_per_token (the batch's caches at T tokens) */
export function residentBytes(t: FitTarget, tokens: number): { weights: number; kv: number } {
  const weights = totalParams(t.model.shape, t.model.tiedEmbeddings) * t.precision.weightBytes;
  const kv = t.batch * tokens * kvBytesPerToken(t.model.shape, t.precision);
  return { weights, kv };
}

/** The fit of a generation of `tokens` positions (prompt + generated) on the target. */
export function fitOf(t: FitTarget, tokens: number): Fit {
  const { weights, kv } = residentBytes(t, tokens);
  const need = weights + kv;
  const capacity = t.roofline.memory ?? null;
  return { need, weights, kv, capacity, fits: capacity === null ? null : need <= capacity };
}

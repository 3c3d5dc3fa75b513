// Experts a pass touches, as a function of the tokens it routes (issue 22): the uniform-routing expectation and the
// same curve calibrated to a measurement (LLaDA2.0-mini: 69.5 distinct experts per 32-token block, dMoE arXiv
// 2605.30876, published.ts), per pass and per committed token, for every way of decoding: AR, speculative verify,
// a cached block, a full-sequence (or canvas) pass.
import { expertsTouched } from './cost.js';
import { moeCalibration } from './published.js';
import type { ModelShape } from './shape.js';

export type ExpertsLane = 'ar' | 'speculative' | 'block' | 'diffusion';

export interface ExpertsRow {
  lane: ExpertsLane;
  /** routed tokens per pass: B·q */
  rows: number;
  /** tokens a pass commits: AR 1 per sequence, speculative its tokens per round, diffusion as given (the break-even) */
  committed: number;
  /** expected distinct routed experts per MoE block, uniform routing */
  uniform: number;
  /** the same as concentrated as the calibration measurement */
  calibrated: number;
}

/** The routing imbalance f fitted to the published count (moeCalibration): 69.5 of 256 at n = 32 gives f ≈ 3.4 */
export function calibratedImbalance(): number {
  return moeCalibration().imbalance;
}

/** Experts per MoE block for n routed tokens: uniform T(n) = E·(1 − (1 − k/E)^n), calibrated T(n/f) with f measured */
export function expertsRow(m: ModelShape, lane: ExpertsLane, rows: number, committed: number): ExpertsRow {
  const moe = m.moe!;
  const at = (imbalance: number) => expertsTouched({ ...m, moe: { ...moe, imbalance } }, rows);
  return { lane, rows, committed, uniform: at(1), calibrated: at(calibratedImbalance()) };
}

/** Experts touched per committed token: T / tokens committed by the pass */
export function expertsPerToken(r: ExpertsRow, calibrated = false): number {
  return (calibrated ? r.calibrated : r.uniform) / r.committed;
}

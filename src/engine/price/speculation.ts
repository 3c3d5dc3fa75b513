// Pricing speculative decoding from its two measurable inputs, the acceptance rate α and the draft length γ
// (Leviathan et al. 2023, §3; the round-time model of GenZ-LLM-Analyzer): a round runs γ draft passes and one verify
// pass, and emits the kept prefix of the proposals plus one target token.
import type { ProjectionTarget } from './target.js';
import { projectShape } from './projection.js';

/** Expected tokens per round when each proposal is kept with probability α independently: (1 − α^(γ+1)) / (1 − α). */
export function expectedTokensPerRound(alpha: number, gamma: number): number {
  if (alpha >= 1) return gamma + 1;
  return (1 - alpha ** (gamma + 1)) / (1 - alpha);
}

/** Seconds per round: γ·t_draft + t_verify. */
export function roundSeconds(gamma: number, draftSeconds: number, verifySeconds: number): number {
  return gamma * draftSeconds + verifySeconds;
}

/** Speed-up over plain AR = tokens per round · t_AR / round time (t_AR: one AR decode pass of the target). */
export function speculativeSpeedup(
  alpha: number,
  gamma: number,
  draftSeconds: number,
  verifySeconds: number,
  arSeconds: number,
): number {
  return (expectedTokensPerRound(alpha, gamma) * arSeconds) / roundSeconds(gamma, draftSeconds, verifySeconds);
}

/** The α at which the model gives speed-up S (bisection; the speed-up rises with α), or null when even α = 1 falls short. */
export function alphaForSpeedup(
  S: number,
  gamma: number,
  draftSeconds: number,
  verifySeconds: number,
  arSeconds: number,
): number | null {
  const at = (a: number) => speculativeSpeedup(a, gamma, draftSeconds, verifySeconds, arSeconds);
  if (at(1) < S) return null;
  if (at(0) >= S) return 0;
  let lo = 0,
    hi = 1;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (at(mid) < S) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

// ---- on a projection target ----

/** TensorRT-LLM, Llama 3.3 70B with a Llama 3.2 1B draft on one H200: 51.14 → 181.74 tok/s (NVIDIA, Dec 2024). */
export const MEASURED_SPEEDUP = {
  factor: 181.74 / 51.14,
  source: 'TensorRT-LLM, Llama 3.3 70B + Llama 3.2 1B draft on H200: 51.14 → 181.74 tok/s',
} as const;

export interface SpeculationPrice {
  gamma: number;
  /** the acceptance rate used, and whether it was given or solved for MEASURED_SPEEDUP */
  alpha: number;
  alphaSource: 'given' | 'measured speed-up';
  draftSeconds: number;
  verifySeconds: number;
  arSeconds: number;
  tokensPerRound: number;
  roundSeconds: number;
  speedup: number;
}

/** The modelled speculative speed-up on a target at mean context k: a draft pass (q = 1, the target's draft model),
 *  a verify pass (q = γ + 1, the target) and an AR pass (q = 1), each at the roofline; α given or solved so that the
 *  model reproduces MEASURED_SPEEDUP (null α when even α = 1 cannot). */
export function priceSpeculation(
  t: ProjectionTarget,
  meanK: number,
  gamma: number,
  alpha?: number,
): SpeculationPrice | null {
  const pass = (q: number) => ({ q, k: meanK, logits: q, kvWrite: q, attention: 'causal' as const });
  const draftSeconds = projectShape(pass(1), { ...t, model: t.draft }).seconds;
  const verifySeconds = projectShape(pass(gamma + 1), t).seconds;
  const arSeconds = projectShape(pass(1), t).seconds;
  const a = alpha ?? alphaForSpeedup(MEASURED_SPEEDUP.factor, gamma, draftSeconds, verifySeconds, arSeconds);
  if (a === null) return null;
  return {
    gamma,
    alpha: a,
    alphaSource: alpha === undefined ? 'measured speed-up' : 'given',
    draftSeconds,
    verifySeconds,
    arSeconds,
    tokensPerRound: expectedTokensPerRound(a, gamma),
    roundSeconds: roundSeconds(gamma, draftSeconds, verifySeconds),
    speedup: speculativeSpeedup(a, gamma, draftSeconds, verifySeconds, arSeconds),
  };
}

// Pricing speculative decoding from its two measurable inputs, the acceptance rate α and the draft length γ
// (Leviathan et al. 2023, §3; the round-time model of GenZ-LLM-Analyzer): a round runs γ draft passes and one verify
// pass, and emits the kept prefix of the proposals plus one target token.

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
export function speculativeSpeedup(alpha: number, gamma: number, draftSeconds: number, verifySeconds: number, arSeconds: number): number {
  return (expectedTokensPerRound(alpha, gamma) * arSeconds) / roundSeconds(gamma, draftSeconds, verifySeconds);
}

/** The α at which the model gives speed-up S (bisection; the speed-up rises with α), or null when even α = 1 falls short. */
export function alphaForSpeedup(S: number, gamma: number, draftSeconds: number, verifySeconds: number, arSeconds: number): number | null {
  const at = (a: number) => speculativeSpeedup(a, gamma, draftSeconds, verifySeconds, arSeconds);
  if (at(1) < S) return null;
  if (at(0) >= S) return 0;
  let lo = 0, hi = 1;
  for (let i = 0; i < 60; i++) { const mid = (lo + hi) / 2; if (at(mid) < S) lo = mid; else hi = mid; }
  return (lo + hi) / 2;
}

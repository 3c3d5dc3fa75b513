// The break-even: how many passes of one decoder take as long as another decoder's whole generation. calc prices it
// from a generation's AR time and one diffusion pass (generation.ts); the run's verdict from each lane's projected
// passes so far (verdict.ts), in whole passes.

/** Break-even passes t_other / t_pass, against a decoder each factor times faster still: t_other / t_pass / f₁ / f₂ … */
export function breakEvenPasses(otherSeconds: number, passSeconds: number, ...faster: number[]): number {
  return faster.reduce((x, f) => x / f, otherSeconds / passSeconds);
}

/** Whole break-even passes ⌊t_other / t̄_pass⌋: the most passes of mean length t̄ that finish within t_other (0 before a pass) */
export function wholeBreakEvenPasses(otherSeconds: number, meanPass: number): number {
  // 1e-9: a quotient that rounding leaves just under a whole number still counts that pass
  return meanPass > 0 ? Math.floor(breakEvenPasses(otherSeconds, meanPass) + 1e-9) : 0;
}

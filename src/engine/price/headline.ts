// The one sentence a class should take away, as numbers: which lane finishes first on the target and by how much
// over each other lane, with the break-even passes of a lane whose pass count is a knob. The live view, plain text
// and NDJSON's verdict record all read this; render/headline-text.ts words it.
import type { BreakEven, Verdict } from './verdict.js';

export interface Headline {
  /** the lane with the smallest projected finish time */
  winner: string;
  /** every other lane, slowest last: how many times longer it takes than the winner */
  factors: { against: string; factor: number }[];
  /** the verdict's break-even passes (a lane whose passes vary, against each other lane) */
  breakEven: BreakEven[];
  /** true once every lane has finished (else the finish times are extrapolated) */
  exact: boolean;
}

/** Speed-up factor of the winner over another lane: t_other / t_winner (∞ when the winner takes no time) */
export function speedup(otherSeconds: number, winnerSeconds: number): number {
  return winnerSeconds > 0 ? otherSeconds / winnerSeconds : Infinity;
}

/** The headline of a verdict, or null before any lane has a pass. */
export function headline(v: Verdict): Headline | null {
  if (!v.fastest) return null;
  const win = v.lanes.find((l) => l.id === v.fastest)!;
  const factors = v.lanes
    .filter((l) => l.id !== win.id)
    .map((l) => ({ against: l.id, factor: speedup(l.finish, win.finish) }))
    .sort((a, b) => a.factor - b.factor);
  return { winner: win.id, factors, breakEven: v.breakEven, exact: v.lanes.every((l) => l.exact) };
}

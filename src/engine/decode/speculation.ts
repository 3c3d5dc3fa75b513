// The speculative lane's pass data (StepEvent.detail) and its two running figures, α and τ: free of tfjs, so that the
// lane's registry entry (summaries, captions, markers) can read them without loading a model.
import type { StepEvent } from './events.js';

/** The speculative lane's state after a pass: which model ran it, this round's proposals so far, running totals. */
export interface Speculation {
  model: 'target' | 'draft';
  /** draft tokens proposed in the current round (verify: all of them) */
  proposed: number[];
  /** verify: how many of them the target kept; null on other passes */
  kept: number | null;
  /** finished rounds (verify passes) and their proposed and kept tokens, including this pass */
  rounds: number;
  proposedTotal: number;
  keptTotal: number;
}

/** A speculative pass's Speculation (its detail), else null. */
export function speculationOf(e: Pick<StepEvent, 'detail'>): Speculation | null {
  const d = e.detail as Partial<Speculation> | null | undefined;
  return d && typeof d.rounds === 'number' && Array.isArray(d.proposed) ? (d as Speculation) : null;
}

/** α: the share of proposed draft tokens the target kept = keptTotal / proposedTotal (null before any proposal). */
export function acceptanceRate(s: Speculation): number | null {
  return s.proposedTotal > 0 ? s.keptTotal / s.proposedTotal : null;
}

/** τ: tokens emitted per verify pass = (keptTotal + rounds) / rounds (each round adds one target token). */
export function tokensPerVerify(s: Speculation): number | null {
  return s.rounds > 0 ? (s.keptTotal + s.rounds) / s.rounds : null;
}

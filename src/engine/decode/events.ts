// The StepEvent: the one contract every renderer reads (Ink view, plain text, NDJSON, asciicast).
// Decoders emit exactly one event per forward pass per lane. Renderers only format these fields.
import type { PassCost, PassShape } from '../price/shape.js';

// a pass's shape and cost belong to the price model (price/shape.ts); re-exported for the decoders and renderers
export type { AttentionKind, PassCost, PassShape } from '../price/shape.js';

/** A lane's id in the registry (src/engine/lanes.ts): 'ar', 'diffusion', … */
export type LaneId = string;

/** prompt: given; masked: still [MASK]; committed: generated and final. */
export type PositionState = 'prompt' | 'masked' | 'committed';

export interface Position {
  state: PositionState;
  /** token id (prompt or committed), null while masked */
  token: number | null;
  /** the whole characters this position shows ("" while masked). A character whose bytes span several positions is
   *  shown by the one committed last and by none of the others; one not complete yet shows as U+FFFD with `partial`
   *  (src/engine/model/characters.ts). The committed positions' texts concatenate to the decoded generated text. */
  text: string;
  /** present (true) while the position holds part of a character whose other bytes are still masked or not yet
   *  generated: its U+FFFD is a placeholder, not an invalid byte */
  partial?: true;
  /** the pass (step index) that committed it; null for prompt and masked positions */
  step: number | null;
  /** p(token) under the model when it was committed (or the current guess's p while masked); null for prompt */
  confidence: number | null;
  /** the model's current argmax/sample at a masked position (diffusion), null otherwise */
  guess: number | null;
  /** the guess token's own text (a character it holds only part of shows as U+FFFD) */
  guessText: string | null;
}


/** What a pass did, as its lane names it (LaneSpec.passKinds). The built-in lanes' kinds: prefill (AR prompt pass),
 * decode (AR one-token pass), refresh (diffusion cache refresh at block start), denoise (diffusion pass), draft (the
 * speculative lane's draft model proposing one token), verify (the target checking a round's proposals in one pass). */
export type PassKind = string;

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

/** α: the share of proposed draft tokens the target kept = keptTotal / proposedTotal (null before any proposal). */
export function acceptanceRate(s: Speculation): number | null {
  return s.proposedTotal > 0 ? s.keptTotal / s.proposedTotal : null;
}

/** τ: tokens emitted per verify pass = (keptTotal + rounds) / rounds (each round adds one target token). */
export function tokensPerVerify(s: Speculation): number | null {
  return s.rounds > 0 ? (s.keptTotal + s.rounds) / s.rounds : null;
}

export interface StepEvent {
  type: 'step';
  lane: LaneId;
  /** 0-based pass index within the lane (AR: 0 is the prefill) */
  step: number;
  /** passes planned in total (null when data-driven, e.g. threshold strategy) */
  plannedSteps: number | null;
  kind: PassKind;
  /** every position of the sequence after this pass: prompt, then generated (AR: grows; diffusion: fixed length) */
  positions: Position[];
  /** indices into positions committed by this pass */
  committed: number[];
  /** diffusion: the current block (semi-autoregressive), half-open [start, end) in positions */
  block: { index: number; count: number; start: number; end: number } | null;
  shape: PassShape;
  /** priced on the local model at its own precision */
  cost: PassCost;
  /** measured wall time of the forward pass and selection on this machine */
  wallMs: number;
  /** true on the lane's last pass */
  done: boolean;
  /** speculative lane only */
  speculation?: Speculation;
}

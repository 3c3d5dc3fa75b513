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
  /** indices into positions committed by this pass: its length is the tokens this pass committed (every lane's
   *  tokens per forward pass are Σ committed / passes) */
  committed: number[];
  shape: PassShape;
  /** priced on the local model at its own precision */
  cost: PassCost;
  /** measured wall time of the forward pass and selection on this machine */
  wallMs: number;
  /** true on the lane's last pass */
  done: boolean;
  /** what only the lane knows of the pass (diffusion: its block; speculative: the round so far), read only by the
   *  lane's own spec (src/engine/lanes.ts: caption, marker, block, summary); absent where the lane has none */
  detail?: unknown;
}

/** A position not yet decoded (a diffusion canvas's [MASK]): no token, no text, no guess. */
export const maskedPosition = (): Position => ({
  state: 'masked',
  token: null,
  text: '',
  step: null,
  confidence: null,
  guess: null,
  guessText: null,
});

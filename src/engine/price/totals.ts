// Running totals over a lane's passes: the one accumulator. Every running total sums the same three things (passes,
// bytes, FLOPs: addCost); the projection adds the passes' roofline seconds on the target (addTotals), the store and
// plain text the tokens, weight and KV bytes and wall ms measured here (addPass).
import { bytesPerFlop } from './cost.js';
import type { PassCost } from './shape.js';

/** What every running total keeps. */
export interface CostSums {
  /** forward passes = model loads */
  passes: number;
  bytes: number;
  flops: number;
}

/** One more pass: passes + 1, bytes + its bytes, FLOPs + its FLOPs. */
export function addCost(t: CostSums, c: PassCost): CostSums {
  return { passes: t.passes + 1, bytes: t.bytes + c.bytes.total, flops: t.flops + c.flops.total };
}

/** A lane's passes on a projection target. */
export interface Totals extends CostSums {
  seconds: number;
}

export const ZERO_TOTALS: Totals = { passes: 0, bytes: 0, flops: 0, seconds: 0 };

/** Projected totals after one more pass: addCost, and seconds + its roofline seconds. */
export function addTotals(t: Totals, p: { cost: PassCost; seconds: number }): Totals {
  return { ...addCost(t, p.cost), seconds: t.seconds + p.seconds };
}

/** A lane's passes as measured here. */
export interface LaneTotals extends CostSums {
  /** generated tokens committed */
  tokens: number;
  /** passes of the lane's own model (a draft's passes read a smaller model): TPF's denominator */
  modelPasses: number;
  weightBytes: number;
  /** KV read + KV write */
  kvBytes: number;
  wallMs: number;
  /** overall B/F = total bytes / total FLOPs */
  bytesPerFlop: number;
}

/** What a measured pass adds (a StepEvent has these). */
export interface MeasuredPass {
  kind: string;
  cost: PassCost;
  committed: readonly unknown[];
  wallMs: number;
}

/** Whether a pass reads the lane's own model: all but a speculative draft's (the field counts TPF per target pass). */
export function readsLaneModel(kind: string): boolean {
  return kind !== 'draft';
}

/** Measured totals after one more pass: addCost, tokens + committed, weight and KV bytes, wall ms; B/F = Σbytes / ΣFLOPs. */
export function addPass(t: LaneTotals, e: MeasuredPass): LaneTotals {
  const s = addCost(t, e.cost);
  // the keys in this order: NDJSON's summary line spreads them
  return {
    passes: s.passes,
    tokens: t.tokens + e.committed.length,
    modelPasses: t.modelPasses + (readsLaneModel(e.kind) ? 1 : 0),
    weightBytes: t.weightBytes + e.cost.bytes.weights,
    kvBytes: t.kvBytes + e.cost.bytes.kvRead + e.cost.bytes.kvWrite,
    bytes: s.bytes,
    flops: s.flops,
    wallMs: t.wallMs + e.wallMs,
    bytesPerFlop: bytesPerFlop(s.bytes, s.flops),
  };
}

export const EMPTY_TOTALS: LaneTotals = {
  passes: 0,
  tokens: 0,
  modelPasses: 0,
  weightBytes: 0,
  kvBytes: 0,
  bytes: 0,
  flops: 0,
  wallMs: 0,
  bytesPerFlop: 0,
};

// Where a pass turns compute-bound: the fewest positions a full-canvas pass (bidirectional, no cache) must run for its
// bytes per FLOP to fall below the target's attained ridge. The default run sits near that line on some hardware
// (264 positions on H200 fp8, which needs ~206; H100 fp8 needs ~295): a bound that flips as `h` changes the hardware
// is said in words, not left to a colour.
import { projectShape } from './projection.js';
import type { ProjectionTarget } from './target.js';

/** The largest canvas searched: past it a pass is memory-bound whatever it does (a huge MoE on slow memory). */
export const MAX_CANVAS = 1 << 22;

/** Fewest positions N with a compute-bound full-canvas pass of N rows on the target (null: none up to MAX_CANVAS);
 *  for a dense model near N* = η_c·peak·b_w / (2·η_m·bandwidth), found by bisection on the priced pass itself. */
export function computeBoundFrom(t: ProjectionTarget): number | null {
  const bound = (n: number) => projectShape({ q: n, k: 0, logits: n, kvWrite: 0, attention: 'bidirectional' }, t).bound;
  if (bound(MAX_CANVAS) !== 'compute') return null;
  let lo = 1;
  let hi = MAX_CANVAS;
  if (bound(lo) === 'compute') return 1;
  // invariant: memory-bound at lo, compute-bound at hi
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (bound(mid) === 'compute') hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Within ×1.5 of the line: a pass of `rows` positions whose bound a modest change of hardware or setting flips. */
export function nearRidge(rows: number, from: number | null): boolean {
  return from !== null && rows >= from / 1.5 && rows <= from * 1.5;
}

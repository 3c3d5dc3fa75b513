// How well `--hardware local` predicts this machine: for every pass of one run per lane (after the warm-up runs),
// the roofline time at efficiency 1 from an in-run calibrate profile vs the pass's measured wallMs. Used by bench.ts.
import type { StepEvent } from '../src/engine/decode/events.js';
import { hardwareFromProfile, type LocalProfile } from '../src/engine/hardware.js';
import { passTime, rooflineFor } from '../src/engine/roofline.js';

export interface LocalShare {
  passes: number;
  /** share of passes whose predicted time is within ±30 % of the measured one: the done-when asks ≥ 0.8 */
  within30: number;
  /** median of predicted / measured */
  medianRatio: number;
}

/** predicted / measured per pass, and the share within ±30 %. */
export function localShare(events: StepEvent[], profile: LocalProfile): LocalShare {
  const r = rooflineFor(hardwareFromProfile(profile, '(in-run)'), 'fp32');
  const ratios = events.map((e) => (passTime(e.cost, r, { compute: 1, memory: 1 }).seconds * 1000) / e.wallMs);
  const sorted = [...ratios].sort((a, b) => a - b);
  return {
    passes: ratios.length,
    within30: +(ratios.filter((x) => Math.abs(x - 1) <= 0.3).length / ratios.length).toFixed(2),
    medianRatio: +sorted[Math.floor(sorted.length / 2)].toFixed(2),
  };
}
